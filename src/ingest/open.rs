//! Opening an input: decompression chosen by magic bytes (never by name),
//! a bound on the decompression ratio (archive bombs), byte counting for
//! progress and cancellation, and a sample of the decompressed head for
//! sniffing.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// How many decompressed bytes are sampled for encoding and format sniffing.
pub const SAMPLE_BYTES: usize = 64 * 1024;

/// Decompression stops past this ratio of output to input…
pub const MAX_RATIO: u64 = 250;
/// …once the output exceeds this size (small files may compress extremely well).
pub const RATIO_FLOOR: u64 = 256 * 1024 * 1024;

/// The compression of a stream, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain.
    None,
    /// gzip (also concatenated members, as logrotate writes).
    Gzip,
    /// Zstandard.
    Zstd,
    /// bzip2.
    Bzip2,
}

impl Compression {
    /// Detect from magic bytes.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if head.starts_with(b"BZh") && head.get(3).is_some_and(|c| (b'1'..=b'9').contains(c))
        {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }

    /// Name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
        }
    }
}

/// Counts raw bytes read from disk (for progress and the ratio guard) and
/// honours cancellation.
pub struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
    progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
    cancel: Option<Arc<AtomicBool>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            // Not `Interrupted`: readers (the decoder, `read_exact`) retry
            // those, which would turn cancellation into a busy loop.
            return Err(io::Error::other(CANCELLED));
        }
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(p) = &self.progress {
            p(n as u64);
        }
        Ok(n)
    }
}

/// The message of the error a cancelled read returns.
pub const CANCELLED: &str = "cancelled";

struct RatioGuard<R> {
    inner: R,
    produced: u64,
    compressed: Arc<AtomicU64>,
}

impl<R: Read> Read for RatioGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        let consumed = self.compressed.load(Ordering::Relaxed).max(1);
        if self.produced > RATIO_FLOOR && self.produced > consumed.saturating_mul(MAX_RATIO) {
            return Err(io::Error::other(format!(
                "decompression stopped after {} MiB: more than {MAX_RATIO}× the compressed size (an archive bomb?)",
                self.produced >> 20
            )));
        }
        Ok(n)
    }
}

/// Read `len` bytes of the plain file `path` from `start` (one part of a
/// file parsed in parallel), counting for progress and honouring
/// cancellation like [`open`]. `len` `None` reads to the end.
pub fn range(
    path: &Path,
    start: u64,
    len: Option<u64>,
    progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
    cancel: Option<Arc<AtomicBool>>,
) -> io::Result<impl Read + Send + use<>> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    Ok(BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: file.take(len.unwrap_or(u64::MAX)),
            counter: Arc::new(AtomicU64::new(0)),
            progress,
            cancel,
        },
    ))
}

/// Cut the plain file `path` of `size` bytes into parts of about `chunk`
/// bytes that each start at a line start (just after a LF, so a CRLF is
/// never split). Returns the start offsets, the first being 0; a file
/// without a LF past `chunk` is one part.
pub fn line_cuts(path: &Path, size: u64, chunk: u64) -> io::Result<Vec<u64>> {
    use std::io::{Seek, SeekFrom};
    let chunk = chunk.max(1);
    let mut file = File::open(path)?;
    let mut cuts = vec![0u64];
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = chunk;
    'cuts: while pos < size {
        // The first line start at or after `pos`: look from the byte before.
        pos -= 1;
        file.seek(SeekFrom::Start(pos))?;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break 'cuts;
            }
            if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
                pos += i as u64 + 1;
                break;
            }
            pos += n as u64;
        }
        if pos >= size {
            break;
        }
        cuts.push(pos);
        pos += chunk;
    }
    Ok(cuts)
}

/// Cut the plain UTF-8 file `path` of `size` bytes into parts of about
/// `chunk` bytes that each start at a line for which `starts_part` is true
/// (a record's first line): the first such line at or after each line cut
/// [`line_cuts`] would make, looked for in the chunk's first half, in one
/// read of those stretches. A cut with none there is dropped, and its part
/// joins the one before.
pub fn record_cuts(
    path: &Path,
    size: u64,
    chunk: u64,
    starts_part: &dyn Fn(&str) -> bool,
) -> io::Result<Vec<u64>> {
    use std::io::{Seek, SeekFrom};
    let chunk = chunk.max(1);
    let mut cuts = vec![0u64];
    let mut reader = BufReader::with_capacity(64 * 1024, File::open(path)?);
    let mut line = Vec::new();
    let mut target = chunk;
    while target < size {
        // The first line start at or after `target`, as `line_cuts` finds it.
        reader.seek(SeekFrom::Start(target - 1))?;
        let skipped = reader.skip_until(b'\n')? as u64;
        let at = target - 1 + skipped;
        if skipped == 0 || at >= size {
            break;
        }
        target = at + chunk;
        if cuts.last().is_some_and(|&c| at <= c) {
            continue;
        }
        let mut pos = at;
        // At least the line at the cut is looked at.
        while pos < size && pos - at < (chunk / 2).max(1) {
            line.clear();
            let n = reader
                .by_ref()
                .take(64 * 1024)
                .read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            if line.last() != Some(&b'\n') {
                // Longer than a record's first line could usefully be:
                // skip to its end.
                pos += (n + reader.skip_until(b'\n')?) as u64;
                continue;
            }
            let text = String::from_utf8_lossy(&line);
            if starts_part(text.trim_end_matches(['\n', '\r'])) {
                cuts.push(pos);
                break;
            }
            pos += n as u64;
        }
    }
    Ok(cuts)
}

/// An opened input.
pub struct Opened {
    /// Decompressed bytes, sample included.
    pub reader: Box<dyn Read + Send>,
    /// The decompressed head, for sniffing (at most [`SAMPLE_BYTES`]).
    pub sample: Vec<u8>,
    /// What it was compressed with.
    pub compression: Compression,
    /// An error met while reading the sample (a truncated archive);
    /// `reader` then yields the sample only.
    pub sample_error: Option<io::Error>,
    /// Bytes read from the file so far (reported to `progress`).
    pub read: Arc<AtomicU64>,
}

/// Open `path` for reading decompressed bytes.
pub fn open(
    path: &Path,
    progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
    cancel: Option<Arc<AtomicBool>>,
) -> io::Result<Opened> {
    let file = File::open(path)?;
    let counter = Arc::new(AtomicU64::new(0));
    let read = counter.clone();
    let counting = Counting {
        inner: file,
        counter: counter.clone(),
        progress,
        cancel,
    };
    let mut buffered = BufReader::with_capacity(256 * 1024, counting);
    let head = buffered.fill_buf()?;
    let compression = Compression::sniff(head);
    let decoded: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(RatioGuard {
            inner: flate2::bufread::MultiGzDecoder::new(buffered),
            produced: 0,
            compressed: counter,
        }),
        Compression::Zstd => Box::new(RatioGuard {
            inner: zstd::stream::read::Decoder::with_buffer(buffered)?,
            produced: 0,
            compressed: counter,
        }),
        Compression::Bzip2 => Box::new(RatioGuard {
            inner: bzip2::bufread::MultiBzDecoder::new(buffered),
            produced: 0,
            compressed: counter,
        }),
    };
    let mut decoded = decoded;
    let mut sample = vec![0u8; SAMPLE_BYTES];
    let mut filled = 0;
    let mut sample_error = None;
    while filled < SAMPLE_BYTES {
        match decoded.read(&mut sample[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted && e.to_string() != CANCELLED => {
                continue;
            }
            Err(e) => {
                sample_error = Some(e);
                break;
            }
        }
    }
    sample.truncate(filled);
    let reader: Box<dyn Read + Send> = if sample_error.is_some() {
        Box::new(Cursor::new(sample.clone()))
    } else {
        Box::new(Cursor::new(sample.clone()).chain(decoded))
    };
    Ok(Opened {
        reader,
        sample,
        compression,
        sample_error,
        read,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read_all(o: Opened) -> (Vec<u8>, Option<String>) {
        let mut r = o.reader;
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).err().map(|e| e.to_string());
        (out, err.or(o.sample_error.map(|e| e.to_string())))
    }

    #[test]
    fn detects_and_decompresses() {
        let d = tempfile::tempdir().unwrap();
        let text = b"line one\nline two\n".repeat(5000);
        let cases: Vec<(&str, Vec<u8>, Compression)> = vec![
            ("plain.log", text.clone(), Compression::None),
            ("a.log.gz", gz(&text), Compression::Gzip),
            (
                "b.log.zst",
                zstd::encode_all(&text[..], 3).unwrap(),
                Compression::Zstd,
            ),
            (
                "c.log.bz2",
                {
                    let mut e =
                        bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
                    e.write_all(&text).unwrap();
                    e.finish().unwrap()
                },
                Compression::Bzip2,
            ),
            // The name lies: content decides.
            ("lying.gz", text.clone(), Compression::None),
        ];
        for (name, bytes, want) in cases {
            let p = d.path().join(name);
            std::fs::write(&p, &bytes).unwrap();
            let o = open(&p, None, None).unwrap();
            assert_eq!(o.compression, want, "{name}");
            assert_eq!(o.sample.len(), SAMPLE_BYTES.min(text.len()));
            let (all, err) = read_all(o);
            assert_eq!(err, None, "{name}");
            assert_eq!(all, text, "{name}");
        }
    }

    #[test]
    fn truncated_gzip_reports_an_error_after_the_readable_part() {
        let d = tempfile::tempdir().unwrap();
        let text: Vec<u8> = (0..200_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let full = gz(&text);
        let p = d.path().join("t.log.gz");
        std::fs::write(&p, &full[..full.len() / 2]).unwrap();
        let (got, err) = read_all(open(&p, None, None).unwrap());
        assert!(err.is_some());
        assert!(!got.is_empty() && got.len() < text.len());
        assert!(text.starts_with(&got));
    }

    #[test]
    fn line_cuts_fall_after_line_feeds() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.log");
        let text = "aaaa\r\nbb\ncccccccccc\rdd\neeeeeeeeeeeeeeeeeeeeeeee";
        std::fs::write(&p, text).unwrap();
        let size = text.len() as u64;
        for chunk in 1..size + 2 {
            let cuts = line_cuts(&p, size, chunk).unwrap();
            assert_eq!(cuts[0], 0);
            for w in cuts.windows(2) {
                assert!(w[0] < w[1], "{cuts:?}");
            }
            for &c in &cuts[1..] {
                assert_eq!(text.as_bytes()[c as usize - 1], b'\n', "{chunk}: {cuts:?}");
            }
        }
        assert_eq!(line_cuts(&p, size, 3).unwrap(), vec![0, 6, 9, 23]);
        assert_eq!(line_cuts(&p, size, 1000).unwrap(), vec![0]);
    }

    #[test]
    fn record_cuts_fall_on_record_starts() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.log");
        // Records start with `S`; a long continuation run has none.
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!("S{i}\n c\n c\n"));
        }
        text.push_str(&" c\n".repeat(200));
        text.push_str("S-last\n c\n");
        std::fs::write(&p, &text).unwrap();
        let size = text.len() as u64;
        let starts = |l: &str| l.starts_with('S');
        for chunk in [7, 16, 50, 333] {
            let cuts = record_cuts(&p, size, chunk, &starts).unwrap();
            assert_eq!(cuts[0], 0);
            for w in cuts.windows(2) {
                assert!(w[0] < w[1], "{cuts:?}");
            }
            for &c in &cuts[1..] {
                assert_eq!(text.as_bytes()[c as usize], b'S', "{chunk}: {cuts:?}");
                assert_eq!(text.as_bytes()[c as usize - 1], b'\n', "{chunk}: {cuts:?}");
            }
        }
        // A cut whose first half holds no record start is dropped: the
        // continuation run (600 bytes) is never cut, and parts of 100
        // bytes cannot reach past it to `S-last`.
        let cuts = record_cuts(&p, size, 100, &starts).unwrap();
        let last = text.find("S-last").unwrap() as u64;
        assert!(!cuts.contains(&last), "{cuts:?}");
        let run = text.find("S39").unwrap() as u64;
        assert!(cuts.iter().all(|&c| c <= run), "{cuts:?}");
        assert_eq!(record_cuts(&p, size, 1000, &starts).unwrap().len(), 1);
        // Where every line starts a record, the cuts are the line cuts.
        for chunk in [1, 5, 16, 100, 333] {
            assert_eq!(
                record_cuts(&p, size, chunk, &|_| true).unwrap(),
                line_cuts(&p, size, chunk).unwrap(),
                "{chunk}"
            );
        }
    }

    #[test]
    fn cancellation_stops_reading() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.log");
        std::fs::write(&p, vec![b'x'; 1 << 20]).unwrap();
        let cancel = Arc::new(AtomicBool::new(true));
        let err = open(&p, None, Some(cancel)).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some(CANCELLED));
    }
}

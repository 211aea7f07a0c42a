//! Collecting log lines and writing the files of a dataset (plain, gzip, Shift_JIS, CRLF).

use crate::time::Us;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Lines of one log file, kept with the instant that orders them. Lines pushed at the same
/// instant keep their push order.
#[derive(Default)]
pub struct Lines {
    v: Vec<(Us, u64, String)>,
    seq: u64,
}

impl Lines {
    pub fn new() -> Self {
        Self::default()
    }
    /// Add a record (one line, or several joined by `\n` for multi-line records).
    pub fn push(&mut self, t: Us, line: String) {
        self.v.push((t, self.seq, line));
        self.seq += 1;
    }
    pub fn len(&self) -> usize {
        self.v.len()
    }
    pub fn is_empty(&self) -> bool {
        self.v.is_empty()
    }
    /// Records sorted by time.
    pub fn sorted(mut self) -> Vec<(Us, String)> {
        self.v.sort_by_key(|a| (a.0, a.1));
        self.v.into_iter().map(|(t, _, s)| (t, s)).collect()
    }
    /// Sorted text, each record followed by `\n`.
    pub fn into_text(self) -> String {
        join(&self.sorted())
    }
}

/// Records joined, each followed by `\n`.
pub fn join(recs: &[(Us, String)]) -> String {
    let mut s = String::with_capacity(recs.iter().map(|r| r.1.len() + 1).sum());
    for (_, l) in recs {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// Split time-sorted records at the given instants (ascending): segment i holds the records
/// before `cuts[i]`, the last one everything after the last cut.
pub fn split_at(recs: Vec<(Us, String)>, cuts: &[Us]) -> Vec<Vec<(Us, String)>> {
    let mut out: Vec<Vec<(Us, String)>> = (0..=cuts.len()).map(|_| Vec::new()).collect();
    for r in recs {
        let i = cuts.iter().position(|c| r.0 < *c).unwrap_or(cuts.len());
        out[i].push(r);
    }
    out
}

/// The files written so far.
pub struct Files {
    root: PathBuf,
    pub written: Vec<(String, u64)>,
}

impl Files {
    pub fn new(root: &Path) -> Self {
        Files {
            root: root.to_path_buf(),
            written: Vec::new(),
        }
    }

    /// Write `bytes` to `rel` (under the root). A name ending in `.gz` is gzip-compressed at a
    /// fixed level with a zero mtime and no file name, so the output is byte-stable.
    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let data = if rel.ends_with(".gz") {
            gzip(bytes)?
        } else {
            bytes.to_vec()
        };
        std::fs::write(&path, &data)?;
        self.written.push((rel.to_string(), data.len() as u64));
        Ok(())
    }

    pub fn write_str(&mut self, rel: &str, text: &str) -> std::io::Result<()> {
        self.write(rel, text.as_bytes())
    }

    /// Write a rotated log family: `segments` oldest first; the newest goes to `base`, the one
    /// before to `base.1`, older ones to `base.N.gz` (logrotate with `delaycompress`). Empty
    /// segments are skipped without shifting numbers (a day with no line still rotates).
    pub fn write_rotated(
        &mut self,
        base: &str,
        segments: Vec<Vec<(Us, String)>>,
    ) -> std::io::Result<()> {
        let n = segments.len();
        for (i, seg) in segments.into_iter().enumerate() {
            let age = n - 1 - i;
            let name = match age {
                0 => base.to_string(),
                1 => format!("{base}.1"),
                k => format!("{base}.{k}.gz"),
            };
            if seg.is_empty() && age > 0 {
                continue;
            }
            self.write_str(&name, &join(&seg))?;
        }
        Ok(())
    }
}

/// gzip with level 9, mtime 0, OS byte "unknown".
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(
            Vec::with_capacity(bytes.len() / 6),
            flate2::Compression::new(9),
        );
    enc.write_all(bytes)?;
    enc.finish()
}

/// Text with `\r\n` line ends, encoded as Shift_JIS (Windows-31J, as Windows writes it).
pub fn sjis_crlf(text: &str) -> Vec<u8> {
    let crlf = text.replace('\n', "\r\n");
    let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(&crlf);
    assert!(!had_errors, "text not representable in Shift_JIS");
    bytes.into_owned()
}

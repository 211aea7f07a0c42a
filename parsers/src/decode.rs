//! Text encodings: detect UTF-8 / UTF-16 / Shift_JIS / EUC-JP (and the rest
//! of what `chardetng` knows) from a sample, then decode a byte stream to
//! UTF-8 in chunks, counting what could not be decoded.

use encoding_rs::{DecoderResult, EUC_JP, Encoding, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE};
use std::io::{self, Read};

/// What a sample of a file looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// Text in this encoding; `bom` bytes at the start are to be skipped.
    Text {
        /// The detected encoding.
        encoding: &'static Encoding,
        /// Length of a byte-order mark to skip.
        bom: usize,
    },
    /// Not a text file (`why` says what gave it away).
    Binary {
        /// Human-readable reason.
        why: &'static str,
    },
}

/// Our name for an encoding in reports: `utf-8`, `shift_jis`, `euc-jp`, `utf-16le`, ...
pub fn encoding_label(enc: &'static Encoding) -> String {
    enc.name().to_ascii_lowercase()
}

const MAGIC: &[(&[u8], &str)] = &[
    (b"\x7fELF", "ELF executable"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"%PDF", "PDF document"),
    (b"PAR1", "Parquet file"),
    (b"SQLite format 3", "SQLite database"),
    (b"\x7fSQLite", "SQLite database"),
    (b"\xca\xfe\xba\xbe", "Java class / Mach-O file"),
    (b"MZ", "Windows executable"),
    (b"7z\xbc\xaf", "7-Zip archive"),
    (
        b"\xfd7zXZ\x00",
        "xz archive (not supported: decompress it first)",
    ),
    (b"Rar!", "RAR archive"),
    (b"\x00asm", "WebAssembly module"),
];

/// Decide whether `sample` (the first KiB of a decompressed file) is text and
/// in which encoding.
///
/// Order: byte-order marks; known binary magic numbers; NUL density (UTF-16
/// without BOM shows NULs on every other byte; any other file with more than
/// 10 % NULs is binary); valid UTF-8; then `chardetng`, whose guess is taken
/// for the East Asian encodings, while a mostly-UTF-8 file with a few bad
/// bytes stays UTF-8 (its bad bytes are replaced and counted).
pub fn sniff_content(sample: &[u8]) -> Content {
    if sample.starts_with(b"\xef\xbb\xbf") {
        return Content::Text {
            encoding: UTF_8,
            bom: 3,
        };
    }
    if sample.starts_with(b"\xff\xfe") {
        return Content::Text {
            encoding: UTF_16LE,
            bom: 2,
        };
    }
    if sample.starts_with(b"\xfe\xff") {
        return Content::Text {
            encoding: UTF_16BE,
            bom: 2,
        };
    }
    for (magic, why) in MAGIC {
        if sample.starts_with(magic) && !(magic == b"MZ" && looks_textual(sample)) {
            return Content::Binary { why };
        }
    }
    let n = sample.len().min(8192);
    let head = &sample[..n];
    let nuls = memchr::memchr_iter(0, head).count();
    if nuls > 0 && n >= 16 {
        let even_nul = head.iter().step_by(2).filter(|&&b| b == 0).count();
        let odd_nul = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        let half = n / 2;
        if odd_nul * 10 >= half * 7 && even_nul * 10 < half {
            return Content::Text {
                encoding: UTF_16LE,
                bom: 0,
            };
        }
        if even_nul * 10 >= half * 7 && odd_nul * 10 < half {
            return Content::Text {
                encoding: UTF_16BE,
                bom: 0,
            };
        }
        if nuls * 10 > n {
            return Content::Binary {
                why: "mostly NUL bytes",
            };
        }
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b | 0))
        .count();
    if n > 0 && controls * 10 > n {
        return Content::Binary {
            why: "control bytes in most lines",
        };
    }
    let valid_prefix = match std::str::from_utf8(sample) {
        Ok(_) => sample.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(e) => e.valid_up_to(),
    };
    if valid_prefix == sample.len() || utf8_tail_truncated(sample) {
        return Content::Text {
            encoding: UTF_8,
            bom: 0,
        };
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    det.feed(sample, sample.len() < 64 * 1024);
    let guess = det.guess(None, chardetng::Utf8Detection::Allow);
    if guess == SHIFT_JIS || guess == EUC_JP || is_east_asian(guess) {
        return Content::Text {
            encoding: guess,
            bom: 0,
        };
    }
    // A UTF-8 file with a few bad bytes (a truncated write, a stray Latin-1
    // byte) is still UTF-8; a file where most non-ASCII is invalid is not.
    let (good, bad) = utf8_sequence_counts(sample);
    if bad * 20 <= good.max(1) || bad <= 2 {
        return Content::Text {
            encoding: UTF_8,
            bom: 0,
        };
    }
    Content::Text {
        encoding: guess,
        bom: 0,
    }
}

fn looks_textual(sample: &[u8]) -> bool {
    sample
        .iter()
        .take(256)
        .all(|&b| b >= 0x20 || matches!(b, b'\n' | b'\r' | b'\t'))
}

fn is_east_asian(enc: &'static Encoding) -> bool {
    matches!(
        enc.name(),
        "Shift_JIS" | "EUC-JP" | "ISO-2022-JP" | "GBK" | "gb18030" | "Big5" | "EUC-KR"
    )
}

/// True when the only invalid UTF-8 is a multi-byte sequence cut off by the
/// end of the sample.
fn utf8_tail_truncated(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Count valid multi-byte UTF-8 sequences and invalid bytes in `b`.
fn utf8_sequence_counts(mut b: &[u8]) -> (usize, usize) {
    let (mut good, mut bad) = (0, 0);
    loop {
        match std::str::from_utf8(b) {
            Ok(s) => {
                good += s.chars().filter(|c| !c.is_ascii()).count();
                return (good, bad);
            }
            Err(e) => {
                let (ok, rest) = b.split_at(e.valid_up_to());
                good += std::str::from_utf8(ok)
                    .map(|s| s.chars().filter(|c| !c.is_ascii()).count())
                    .unwrap_or(0);
                match e.error_len() {
                    Some(len) => {
                        bad += 1;
                        b = &rest[len..];
                    }
                    None => return (good, bad),
                }
            }
        }
    }
}

/// A streaming decoder: reads bytes in any encoding, yields UTF-8 chunks.
pub struct TextReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    inbuf: Vec<u8>,
    filled: usize,
    eof: bool,
    done: bool,
    replaced: u64,
    bytes_read: u64,
}

impl<R: Read> TextReader<R> {
    /// Decode `inner` as `encoding`, skipping `bom` leading bytes.
    pub fn new(mut inner: R, encoding: &'static Encoding, bom: usize) -> io::Result<TextReader<R>> {
        let mut skip = [0u8; 4];
        if bom > 0 {
            inner.read_exact(&mut skip[..bom.min(4)])?;
        }
        Ok(TextReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            inbuf: vec![0; 64 * 1024],
            filled: 0,
            eof: false,
            done: false,
            replaced: 0,
            bytes_read: bom as u64,
        })
    }

    /// Number of input sequences that could not be decoded and were replaced by U+FFFD.
    pub fn replaced(&self) -> u64 {
        self.replaced
    }

    /// Input bytes consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Append the next decoded chunk to `out`. Returns `Ok(false)` at the end.
    pub fn read_chunk(&mut self, out: &mut String) -> io::Result<bool> {
        if self.done {
            return Ok(false);
        }
        if !self.eof && self.filled < self.inbuf.len() {
            let n = loop {
                match self.inner.read(&mut self.inbuf[self.filled..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                self.eof = true;
            }
            self.filled += n;
            self.bytes_read += n as u64;
        }
        let last = self.eof;
        let want = self
            .decoder
            .max_utf8_buffer_length_without_replacement(self.filled)
            .unwrap_or(self.filled * 3 + 16);
        out.reserve(want + 16);
        let mut consumed = 0;
        loop {
            let (result, read) = self.decoder.decode_to_string_without_replacement(
                &self.inbuf[consumed..self.filled],
                out,
                last,
            );
            consumed += read;
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => out.reserve(4096),
                DecoderResult::Malformed(_, _) => {
                    self.replaced += 1;
                    out.push('\u{FFFD}');
                }
            }
        }
        self.inbuf.copy_within(consumed..self.filled, 0);
        self.filled -= consumed;
        if last {
            self.done = true;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> (String, String, u64) {
        match sniff_content(bytes) {
            Content::Text { encoding, bom } => {
                let mut r = match TextReader::new(bytes, encoding, bom) {
                    Ok(r) => r,
                    Err(e) => return (format!("error {e}"), String::new(), 0),
                };
                let mut s = String::new();
                while r.read_chunk(&mut s).unwrap_or(false) {}
                (encoding_label(encoding), s, r.replaced())
            }
            Content::Binary { why } => ("binary".into(), why.into(), 0),
        }
    }

    #[test]
    fn japanese_encodings_are_detected_and_decoded() {
        let text = "2023-06-01 14:50:00 [INFO] セッション復旧処理を開始しました ユーザーID：42\n\
                    2023-06-01 14:50:01 [WARN] ロック待ちが発生しました（待機時間 1200ミリ秒）\n";
        let text = text.repeat(20);
        for enc in [SHIFT_JIS, EUC_JP] {
            let (bytes, _, _) = enc.encode(&text);
            let (label, decoded, replaced) = decode_all(&bytes);
            assert_eq!(label, encoding_label(enc));
            assert_eq!(decoded, text);
            assert_eq!(replaced, 0);
        }
    }

    #[test]
    fn boms_and_utf16() {
        let (label, s, _) = decode_all(b"\xef\xbb\xbfhello\n");
        assert_eq!((label.as_str(), s.as_str()), ("utf-8", "hello\n"));
        let utf16: Vec<u8> = "ログ line\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let mut with_bom = vec![0xff, 0xfe];
        with_bom.extend_from_slice(&utf16);
        assert_eq!(decode_all(&with_bom).1, "ログ line\n");
        let ascii16: Vec<u8> = "2023-06-01 12:00:00 INFO started\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let (label, s, _) = decode_all(&ascii16);
        assert_eq!(label, "utf-16le");
        assert_eq!(s, "2023-06-01 12:00:00 INFO started\n");
    }

    #[test]
    fn invalid_utf8_is_replaced_and_counted() {
        let mut bytes = b"2023-06-01 12:00:00 ok\n".repeat(50);
        bytes.extend_from_slice(b"2023-06-01 12:00:01 bad \xff\xfe byte\n");
        let (label, s, replaced) = decode_all(&bytes);
        assert_eq!(label, "utf-8");
        assert_eq!(replaced, 2);
        assert!(s.ends_with("bad \u{FFFD}\u{FFFD} byte\n"));
    }

    #[test]
    fn binary_files() {
        assert_eq!(
            sniff_content(b"\x7fELF\x02\x01\x01\0\0\0\0"),
            Content::Binary {
                why: "ELF executable"
            }
        );
        let zeros = vec![0u8; 4096];
        assert!(matches!(sniff_content(&zeros), Content::Binary { .. }));
        let noise: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 31) as u8).collect();
        assert!(matches!(sniff_content(&noise), Content::Binary { .. }));
    }

    #[test]
    fn a_few_nuls_in_a_log_stay_text() {
        let mut bytes = b"2023-06-01 12:00:00 INFO line\n".repeat(100);
        bytes.extend_from_slice(&[0u8; 40]);
        assert!(matches!(sniff_content(&bytes), Content::Text { .. }));
    }

    #[test]
    fn decoding_survives_tiny_reads() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(1);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let text = "日本語のログ行です\n".repeat(10);
        let (bytes, _, _) = SHIFT_JIS.encode(&text);
        let mut r = match TextReader::new(Trickle(&bytes), SHIFT_JIS, 0) {
            Ok(r) => r,
            Err(e) => unreachable!("{e}"),
        };
        let mut s = String::new();
        while r.read_chunk(&mut s).unwrap_or(false) {}
        assert_eq!(s, text);
        assert_eq!(r.replaced(), 0);
    }
}

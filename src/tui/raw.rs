//! The raw lines around an event, read back from its original file the way
//! ingest read it (decompressed by content, decoded from its encoding).

use pm_parsers::decode::{Content, TextReader, sniff_content};
use pm_tui::ingest::open;
use std::io::Write;
use std::path::Path;

/// Longest raw line kept, in characters.
const MAX_LINE_CHARS: usize = 2000;

/// Lines of a file around one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawContext {
    /// The file read.
    pub path: std::path::PathBuf,
    /// 1-based number of `lines[0]`.
    pub first_line: u32,
    /// The lines (without line ends).
    pub lines: Vec<String>,
    /// The record's first line and line count.
    pub record: (u32, u32),
    /// True when the file is uncompressed UTF-8 (a pager can open it as is).
    pub plain: bool,
}

fn decoder(path: &Path) -> Result<(TextReader<Box<dyn std::io::Read + Send>>, bool), String> {
    let opened = open::open(path, None, None).map_err(|e| format!("{}: {e}", path.display()))?;
    let compressed = opened.compression != open::Compression::None;
    let (encoding, bom) = match sniff_content(&opened.sample) {
        Content::Text { encoding, bom } => (encoding, bom),
        Content::Binary { why } => return Err(format!("{}: binary ({why})", path.display())),
    };
    let plain = !compressed && encoding == encoding_rs::UTF_8;
    let reader = TextReader::new(opened.reader, encoding, bom)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((reader, plain))
}

/// Read lines `line - around .. line + count + around` of `path`.
pub fn read_context(path: &Path, line: u32, count: u32, around: u32) -> Result<RawContext, String> {
    let (mut reader, plain) = decoder(path)?;
    let first = line.saturating_sub(around).max(1);
    let last = line.saturating_add(count.max(1)).saturating_add(around);
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut n: u32 = 0;
    let mut done = false;
    while !done {
        let more = reader
            .read_chunk(&mut buf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut start = 0;
        while let Some(nl) = buf[start..].find('\n') {
            n += 1;
            if n >= first && n < last {
                out.push(clip(&buf[start..start + nl]));
            }
            start += nl + 1;
            if n + 1 >= last {
                done = true;
                break;
            }
        }
        buf.drain(..start);
        if !more {
            if !buf.is_empty() && !done {
                n += 1;
                if n >= first && n < last {
                    out.push(clip(&buf));
                }
            }
            break;
        }
    }
    if out.is_empty() {
        return Err(format!(
            "{}: has {n} lines, not line {line} (changed since ingest?)",
            path.display()
        ));
    }
    Ok(RawContext {
        path: path.to_path_buf(),
        first_line: first,
        lines: out,
        record: (line, count.max(1)),
        plain,
    })
}

fn clip(s: &str) -> String {
    let s = s.strip_suffix('\r').unwrap_or(s);
    pm_tui::text::truncate_chars(s, MAX_LINE_CHARS).into_owned()
}

/// Write the decoded text of `path` to `out` (for a pager, when the file is
/// compressed or not UTF-8).
pub fn decode_to(path: &Path, out: &Path) -> Result<(), String> {
    let (mut reader, _) = decoder(path)?;
    let mut f = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut buf = String::new();
    loop {
        buf.clear();
        let more = reader
            .read_chunk(&mut buf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        f.write_all(buf.as_bytes())
            .map_err(|e| format!("{}: {e}", out.display()))?;
        if !more {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_around_a_record_in_plain_gzip_and_shift_jis() {
        let d = tempfile::tempdir().expect("tempdir");
        let text: String = (1..=50).map(|i| format!("line {i}\r\n")).collect();
        let plain = d.path().join("a.log");
        std::fs::write(&plain, &text).expect("write");
        let c = read_context(&plain, 10, 2, 2).expect("read");
        assert_eq!(c.first_line, 8);
        assert_eq!(
            c.lines,
            vec![
                "line 8", "line 9", "line 10", "line 11", "line 12", "line 13"
            ]
        );
        assert!(c.plain);

        let gz = d.path().join("a.log.1.gz");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).expect("gz");
        std::fs::write(&gz, e.finish().expect("gz")).expect("write");
        let c = read_context(&gz, 1, 1, 3).expect("read");
        assert_eq!(c.lines, vec!["line 1", "line 2", "line 3", "line 4"]);
        assert!(!c.plain);

        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("一行目\n二行目 エラー\n三行目\n");
        let p = d.path().join("sjis.log");
        std::fs::write(&p, &sjis).expect("write");
        let c = read_context(&p, 2, 1, 0).expect("read");
        assert_eq!(c.lines, vec!["二行目 エラー"]);

        assert!(read_context(&plain, 500, 1, 1).is_err());
        assert!(read_context(&d.path().join("missing"), 1, 1, 1).is_err());
    }
}

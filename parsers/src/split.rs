//! Record framing: decoded text in, physical lines out.
//!
//! Lines end in LF, CRLF or a bare CR (old Mac files, some Windows tools);
//! all three may mix in one file. Lines longer than the limit are reported as
//! overlong and their bytes dropped up to the next line end, so one 100 MB
//! line costs no more memory than the limit. The splitter never knows about
//! formats; parsers never see chunk boundaries.

use memchr::memchr2;

/// One physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// The text without its line terminator.
    pub text: &'a str,
    /// 1-based line number in the file.
    pub number: u32,
    /// Byte offset of the line's start in the decoded text.
    pub offset: u64,
    /// Length in bytes of the full line when it was longer than the limit and
    /// `text` holds only its beginning; `None` for normal lines.
    pub overlong: Option<u64>,
}

/// Default limit on one physical line.
pub const DEFAULT_MAX_LINE: usize = 4 * 1024 * 1024;

/// How much of an overlong line is kept for the report.
const OVERLONG_HEAD: usize = 256;

/// Splits a stream of decoded chunks into [`Line`]s.
#[derive(Debug)]
pub struct LineSplitter {
    buf: String,
    /// Decoded offset of `buf[0]`.
    base: u64,
    next_number: u32,
    max_line: usize,
    /// Set while dropping the rest of an overlong line: its start offset,
    /// number, kept head and length so far.
    overlong: Option<(u64, u32, String, u64)>,
    /// Bytes at the start of `buf` already searched for a line end (the
    /// unfinished line), so a long line arriving in many small chunks is
    /// scanned once, not once per chunk.
    scanned: usize,
}

impl Default for LineSplitter {
    fn default() -> Self {
        LineSplitter::new(DEFAULT_MAX_LINE)
    }
}

impl LineSplitter {
    /// A splitter that reports lines longer than `max_line` bytes as overlong.
    pub fn new(max_line: usize) -> LineSplitter {
        LineSplitter {
            buf: String::new(),
            base: 0,
            next_number: 1,
            max_line: max_line.max(16),
            overlong: None,
            scanned: 0,
        }
    }

    /// The buffer to decode the next chunk into (append only).
    pub fn buffer(&mut self) -> &mut String {
        &mut self.buf
    }

    /// Hand every complete line in the buffer to `f`. Call after appending to
    /// [`LineSplitter::buffer`]; with `last` set, the final unterminated line
    /// is emitted too.
    pub fn drain(&mut self, last: bool, f: &mut dyn FnMut(Line<'_>)) {
        let bytes = self.buf.as_bytes();
        let mut start = 0usize;
        let mut pos = std::mem::take(&mut self.scanned).min(bytes.len());
        if let Some((off, number, head, len)) = self.overlong.take() {
            match memchr2(b'\n', b'\r', bytes) {
                Some(i) => {
                    let term = terminator_len(bytes, i, last);
                    if term == 0 {
                        // A CR at the end of the buffer: wait for the next chunk.
                        self.overlong = Some((off, number, head, len + i as u64));
                        self.consume(i);
                        return;
                    }
                    f(Line {
                        text: &head,
                        number,
                        offset: off,
                        overlong: Some(len + i as u64),
                    });
                    start = i + term;
                    pos = start;
                }
                None if last => {
                    f(Line {
                        text: &head,
                        number,
                        offset: off,
                        overlong: Some(len + bytes.len() as u64),
                    });
                    let n = bytes.len();
                    self.consume(n);
                    return;
                }
                None => {
                    let n = bytes.len();
                    self.overlong = Some((off, number, head, len + n as u64));
                    self.consume(n);
                    return;
                }
            }
        }
        let mut searched_to = bytes.len();
        while let Some(rel) = memchr2(b'\n', b'\r', &bytes[pos..]) {
            {
                {
                    let i = pos + rel;
                    let term = terminator_len(bytes, i, last);
                    if term == 0 {
                        // A CR ending the buffer: look at it again next time.
                        searched_to = i;
                        break;
                    }
                    let text = &self.buf[start..i];
                    let number = self.next_number;
                    self.next_number = self.next_number.saturating_add(1);
                    if text.len() > self.max_line {
                        f(Line {
                            text: head_of(text),
                            number,
                            offset: self.base + start as u64,
                            overlong: Some(text.len() as u64),
                        });
                    } else {
                        f(Line {
                            text,
                            number,
                            offset: self.base + start as u64,
                            overlong: None,
                        });
                    }
                    start = i + term;
                    pos = start;
                }
            }
        }
        let rest = bytes.len() - start;
        if last && rest > 0 {
            let text = &self.buf[start..];
            let number = self.next_number;
            self.next_number = self.next_number.saturating_add(1);
            f(Line {
                text: if text.len() > self.max_line {
                    head_of(text)
                } else {
                    text
                },
                number,
                offset: self.base + start as u64,
                overlong: (text.len() > self.max_line).then_some(text.len() as u64),
            });
            let n = bytes.len();
            self.consume(n);
            return;
        }
        if rest > self.max_line {
            // Keep the head for the report and start dropping the remainder.
            // (`scanned` stays 0: the overlong path searches afresh.)
            let number = self.next_number;
            self.next_number = self.next_number.saturating_add(1);
            let head = head_of(&self.buf[start..]).to_string();
            self.overlong = Some((self.base + start as u64, number, head, rest as u64));
            let n = bytes.len();
            self.consume(n);
            return;
        }
        // `start..searched_to` holds no line end: skip it next time.
        self.scanned = searched_to - start;
        self.consume(start);
    }

    /// Decoded bytes handed to the splitter so far (lines, terminators and
    /// the dropped tails of overlong lines included).
    pub fn consumed(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    fn consume(&mut self, n: usize) {
        self.buf.drain(..n);
        self.base += n as u64;
    }

    /// Split a whole text at once (tests, small inputs).
    pub fn split_all(text: &str, f: &mut dyn FnMut(Line<'_>)) {
        let mut s = LineSplitter::default();
        s.buffer().push_str(text);
        s.drain(true, f);
    }
}

/// Length of the terminator at `i` (1 or 2), or 0 when a CR ends the buffer
/// and the next chunk may bring its LF.
fn terminator_len(bytes: &[u8], i: usize, last: bool) -> usize {
    if bytes[i] == b'\n' {
        return 1;
    }
    match bytes.get(i + 1) {
        Some(b'\n') => 2,
        Some(_) => 1,
        None if last => 1,
        None => 0,
    }
}

fn head_of(text: &str) -> &str {
    let mut cut = OVERLONG_HEAD.min(text.len());
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_chunks(chunks: &[&str], max: usize) -> Vec<(String, u32, u64, Option<u64>)> {
        let mut s = LineSplitter::new(max);
        let mut out = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            s.buffer().push_str(c);
            s.drain(i + 1 == chunks.len(), &mut |l| {
                out.push((l.text.to_string(), l.number, l.offset, l.overlong))
            });
        }
        out
    }

    #[test]
    fn lf_crlf_and_bare_cr() {
        let got = split_chunks(&["a\nb\r\nc\rd"], 1024);
        let texts: Vec<_> = got.iter().map(|l| l.0.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c", "d"]);
        let offsets: Vec<_> = got.iter().map(|l| l.2).collect();
        assert_eq!(offsets, [0, 2, 5, 7]);
        let numbers: Vec<_> = got.iter().map(|l| l.1).collect();
        assert_eq!(numbers, [1, 2, 3, 4]);
    }

    #[test]
    fn crlf_split_across_chunks_is_one_terminator() {
        let got = split_chunks(&["a\r", "\nb\n"], 1024);
        let texts: Vec<_> = got.iter().map(|l| l.0.as_str()).collect();
        assert_eq!(texts, ["a", "b"]);
    }

    #[test]
    fn every_chunking_gives_the_same_lines() {
        let text = "2023-06-01 x\r\nsecond line\rthird\n\nfifth 日本語\r\n";
        let whole = split_chunks(&[text], 1024);
        for size in 1..text.len() {
            let mut chunks = Vec::new();
            let mut i = 0;
            while i < text.len() {
                let mut j = (i + size).min(text.len());
                while !text.is_char_boundary(j) {
                    j += 1;
                }
                chunks.push(&text[i..j]);
                i = j;
            }
            assert_eq!(split_chunks(&chunks, 1024), whole, "chunk size {size}");
        }
        assert_eq!(whole.len(), 5);
    }

    #[test]
    fn overlong_lines_are_reported_and_dropped() {
        let long = "x".repeat(1000);
        let text = format!("ok\n{long}\nafter\n");
        for size in [7, 64, 5000] {
            let chunks: Vec<&str> = text
                .as_bytes()
                .chunks(size)
                .map(|c| std::str::from_utf8(c).unwrap_or(""))
                .collect();
            let got = split_chunks(&chunks, 100);
            assert_eq!(got.len(), 3, "chunk {size}");
            assert_eq!(got[0].0, "ok");
            assert_eq!(got[1].3, Some(1000), "chunk {size}");
            assert!(got[1].0.len() >= 100 && got[1].0.len() <= OVERLONG_HEAD);
            assert!(long.starts_with(&got[1].0));
            assert_eq!(got[2], ("after".to_string(), 3, 1004, None));
        }
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(split_chunks(&[""], 10).is_empty());
        assert_eq!(split_chunks(&["\n"], 10).len(), 1);
    }
}

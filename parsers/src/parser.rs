//! The contract between formats and the ingest driver.
//!
//! A [`Format`] is a stateless description: a name, a sniffing score for a
//! sample of a file, and a factory for a [`LineParser`], the stateful reader
//! of one file. The driver ([`parse_stream`]) decodes, splits and feeds lines;
//! for every line the parser answers a [`Disposition`] so every line is
//! accounted for: parsed, continuation of a record, or skipped with a reason.

use crate::decode::TextReader;
use crate::event::EventSink;
use crate::split::{Line, LineSplitter};
use crate::time::Resolver;
use std::collections::BTreeMap;
use std::io::{self, Read};

/// What became of one physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// The line starts (or is) a record.
    Parsed,
    /// The line belongs to the record before it (stack frame, DETAIL, dump body).
    Continuation,
    /// The line was not understood; the reason is shown to the user.
    Skipped(&'static str),
    /// The parser decides at [`LineParser::finish`] (whole-document formats).
    Pending,
}

/// The final account of lines a parser left [`Disposition::Pending`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settlement {
    /// Pending lines that turned out to start records.
    pub parsed: u64,
    /// Pending lines that were continuations.
    pub continuation: u64,
    /// Pending lines skipped, by reason.
    pub skipped: Vec<(&'static str, u64)>,
}

/// Facts about the source a parser reads, fixed before the first line.
#[derive(Debug, Clone)]
pub struct SourceCtx {
    /// Resolves naive and year-less timestamps.
    pub resolver: Resolver,
    /// The file's path as the user gave it (for messages only).
    pub path: String,
    /// Time to stamp snapshots that carry none (`--snapshot-time`, or a time
    /// in the file name such as pt-stalk's `2018_03_05_13_24_55-...`), µs UTC.
    pub snapshot_time: Option<i64>,
}

impl SourceCtx {
    /// A context with `resolver` for a file at `path`.
    pub fn new(resolver: Resolver, path: impl Into<String>) -> SourceCtx {
        SourceCtx {
            resolver,
            path: path.into(),
            snapshot_time: None,
        }
    }
}

/// The reader of one file, fed one physical line at a time.
pub trait LineParser: Send {
    /// Read one line, emit zero or more events, say what the line was.
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition;

    /// End of input: emit what is still held and settle pending lines.
    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement;
}

/// What a part's parser knew when its part ended, read only by its own
/// format ([`Format::join_parts`], [`Format::part_parser`]).
pub struct PartEnd(pub Box<dyn std::any::Any + Send>);

/// A part joined to the parts before it, as [`Format::join_parts`] found it.
pub struct Joint {
    /// What a parser that had read every part so far would know.
    pub end: PartEnd,
    /// Lines of the part that its parser skipped, with the reason it gave,
    /// and that belong to a record of the part before it (the part before
    /// it claimed them in its run-over): they count as continuation lines.
    pub claimed: Vec<(u32, &'static str)>,
}

/// What [`PartParser::run_over`] did with a line of the next part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOver {
    /// The line belongs to a record of this part (it is still counted by
    /// the next part, which skipped it).
    Taken,
    /// The line is the next part's.
    NotMine,
    /// No record of this part is open any more: the run-over is over.
    Done,
}

/// The reader of one part of a file cut where records start (see
/// [`Format::part_parser`]). After the part's last line, and before
/// [`LineParser::finish`], it reads on into the next part's lines to
/// complete the records still open, claiming the lines a single read of the
/// file would have given them.
pub trait PartParser: LineParser {
    /// Read a line of the next part, numbered after this part's lines
    /// (counted the way a single pass counts them).
    fn run_over(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> RunOver;

    /// What this parser knows after its part, its run-over and `finish`.
    fn part_end(&mut self) -> PartEnd;
}

/// The first lines of a file, for sniffing.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    /// Up to [`SAMPLE_LINES`] lines from the start of the file (empty lines dropped).
    pub lines: &'a [&'a str],
    /// The file name (not the directory): a weak hint only, to break near-ties.
    pub file_name: &'a str,
}

/// How many lines sniffing looks at.
pub const SAMPLE_LINES: usize = 200;

impl Sample<'_> {
    /// Fraction of sample lines for which `pred` holds, ignoring lines for
    /// which `skip` holds (continuations, blank lines); 0 when nothing is left.
    pub fn fraction(&self, skip: impl Fn(&str) -> bool, pred: impl Fn(&str) -> bool) -> f32 {
        self.fraction_judged(|l| (!skip(l)).then(|| pred(l)))
    }

    /// Fraction of sample lines `judge` calls a hit (`Some(true)`) among
    /// those it does not leave out (`None`); 0 when nothing is left. For
    /// formats whose test of a line also tells whether to leave it out:
    /// the line is read once.
    pub fn fraction_judged(&self, judge: impl Fn(&str) -> Option<bool>) -> f32 {
        let mut total = 0u32;
        let mut hit = 0u32;
        for l in self.lines {
            let Some(is_hit) = judge(l) else {
                continue;
            };
            total += 1;
            if is_hit {
                hit += 1;
            }
        }
        if total == 0 {
            0.0
        } else {
            hit as f32 / total as f32
        }
    }

    /// True when any sample line contains `needle`.
    pub fn any_contains(&self, needle: &str) -> bool {
        self.lines.iter().any(|l| l.contains(needle))
    }
}

/// Lines that are obviously not record starts in line-oriented formats:
/// blank, or indented (stack frames, continuations).
pub fn is_blank_or_indented(l: &str) -> bool {
    l.trim().is_empty() || l.starts_with([' ', '\t'])
}

/// A log format pm-tui can read.
pub trait Format: Send + Sync {
    /// Stable name (`postgres-stderr`, `nginx-combined`, `json-lines`).
    fn name(&self) -> &str;

    /// One line for `pm-tui formats`.
    fn description(&self) -> &str;

    /// How sure the format is that `sample` is its kind, 0.0 to 1.0. Score
    /// on the fraction of lines recognised, so one stray line never flips a
    /// file, and weight by specificity: a generic format should lose to a
    /// specific one that reads the same lines.
    fn sniff(&self, sample: &Sample<'_>) -> f32;

    /// A parser for one file.
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser>;

    /// True when every line is read on its own: the parser carries nothing
    /// from one line to the next and never answers
    /// [`Disposition::Continuation`] or [`Disposition::Pending`]. A large
    /// file of such a format may be cut at line ends and its parts parsed
    /// in parallel, each by its own parser, with the same result.
    fn line_independent(&self) -> bool {
        false
    }

    /// True when a file starting with `sample` may be cut where records
    /// start, and its parts read in parallel by [`Format::part_parser`]s.
    /// Formats with line-spanning records and state carried between them
    /// say yes only where [`Format::join_parts`] can tell when a part read
    /// on its own reads as in a single pass.
    fn cut_at_records(&self, sample: &Sample<'_>) -> bool {
        let _ = sample;
        false
    }

    /// True when a part may begin at `line` (a record's first line, with
    /// everything a parser starting there needs, such as a timestamp).
    fn starts_part(&self, line: &str) -> bool {
        let _ = line;
        false
    }

    /// A parser for one part of a file cut at record starts: a fresh one
    /// for a part read in parallel (`after` is `None`), or one that goes on
    /// from what the parts before it knew (`after`: their [`PartEnd`] and
    /// the lines from this part on that they claimed, numbered from 1 in
    /// it), for a part read again because [`join_part`] refused it.
    fn part_parser(
        &self,
        ctx: &SourceCtx,
        after: Option<(&PartEnd, &[u32])>,
    ) -> Option<Box<dyn PartParser>> {
        let _ = (ctx, after);
        None
    }

    /// Join a part read by a fresh parser (`next`) to the parts before it
    /// (`before`, whose last part claimed `claimed` of its lines): `None`
    /// when a parser going on from `before` could have read the part
    /// differently, which then reads it again.
    fn join_parts(&self, before: &PartEnd, next: &PartEnd, claimed: &[u32]) -> Option<Joint> {
        let _ = (before, next, claimed);
        None
    }
}

/// Per-source line accounting: `parsed + continuation + skipped == lines`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Accounting {
    /// Physical lines read.
    pub lines: u64,
    /// Lines that started records.
    pub parsed: u64,
    /// Lines attached to a record.
    pub continuation: u64,
    /// Lines not understood.
    pub skipped: u64,
    /// Skipped lines by reason.
    pub skip_reasons: BTreeMap<String, u64>,
    /// The first few skipped lines: (line number, text, reason).
    #[serde(skip)]
    pub skipped_examples: Vec<(u32, String, String)>,
    /// Events emitted.
    pub events: u64,
    /// Byte sequences that were not valid in the file's encoding (replaced by U+FFFD).
    pub invalid_sequences: u64,
    /// Decoded bytes (UTF-8), line terminators and overlong lines included.
    pub bytes: u64,
}

/// How many skipped lines are kept as examples.
pub const SKIPPED_EXAMPLES: usize = 5;

impl Accounting {
    /// Record one line's disposition.
    pub fn count(&mut self, line: &Line<'_>, d: Disposition) {
        self.lines += 1;
        match d {
            Disposition::Parsed => self.parsed += 1,
            Disposition::Continuation => self.continuation += 1,
            Disposition::Skipped(reason) => self.skip(line.number, line.text, reason, 1),
            Disposition::Pending => {}
        }
    }

    /// Count `n` skipped lines for `reason`, keeping an example.
    pub fn skip(&mut self, number: u32, text: &str, reason: &str, n: u64) {
        if n == 0 {
            return;
        }
        self.skipped += n;
        *self.skip_reasons.entry(reason.to_string()).or_insert(0) += n;
        if self.skipped_examples.len() < SKIPPED_EXAMPLES {
            let mut t: String = text.chars().take(200).collect();
            if t.len() < text.len() {
                t.push('…');
            }
            self.skipped_examples.push((number, t, reason.to_string()));
        }
    }

    /// Apply a parser's settlement of pending lines.
    pub fn settle(&mut self, s: &Settlement) {
        self.parsed += s.parsed;
        self.continuation += s.continuation;
        for (reason, n) in &s.skipped {
            self.skip(0, "", reason, *n);
        }
    }

    /// Count a skipped line as a continuation after all: its record began
    /// in the part of the file before this one (see [`Joint::claimed`]).
    pub fn unskip(&mut self, number: u32, reason: &str) {
        let Some(n) = self.skip_reasons.get_mut(reason) else {
            return;
        };
        *n -= 1;
        if *n == 0 {
            self.skip_reasons.remove(reason);
        }
        self.skipped -= 1;
        self.continuation += 1;
        self.skipped_examples.retain(|(line, _, _)| *line != number);
    }

    /// True when every line is accounted for.
    pub fn balanced(&self) -> bool {
        self.parsed + self.continuation + self.skipped == self.lines
    }

    /// Merge another file's accounting into this one.
    pub fn merge(&mut self, other: &Accounting) {
        self.lines += other.lines;
        self.parsed += other.parsed;
        self.continuation += other.continuation;
        self.skipped += other.skipped;
        for (k, v) in &other.skip_reasons {
            *self.skip_reasons.entry(k.clone()).or_insert(0) += v;
        }
        for ex in &other.skipped_examples {
            if self.skipped_examples.len() < SKIPPED_EXAMPLES {
                self.skipped_examples.push(ex.clone());
            }
        }
        self.events += other.events;
        self.invalid_sequences += other.invalid_sequences;
        self.bytes += other.bytes;
    }
}

/// Counts events on their way to the real sink.
struct Counting<'s> {
    inner: &'s mut dyn EventSink,
    n: u64,
}

impl EventSink for Counting<'_> {
    fn push(&mut self, event: crate::Event<'_>) {
        self.n += 1;
        self.inner.push(event);
    }
    fn push_mut(&mut self, event: &mut crate::Event<'_>) {
        self.n += 1;
        self.inner.push_mut(event);
    }
}

/// Reason for lines longer than the splitter's limit.
pub const REASON_OVERLONG: &str = "line too long";
/// Reason for lines holding NUL bytes (binary garbage, a crash's zero-filled tail).
pub const REASON_NUL: &str = "binary bytes (NUL) in line";

/// Decode `reader` (already decompressed) as `encoding`, split it, and feed
/// every line to `parser`, pushing events into `sink`. `progress` is called
/// with the number of input bytes consumed since its last call.
///
/// A read error (a truncated archive, a vanished file) ends the stream: the
/// lines read before it are parsed and accounted for, the parser is
/// finished, and the error is returned beside the accounting.
pub fn parse_stream<R: Read>(
    reader: TextReader<R>,
    parser: &mut dyn LineParser,
    sink: &mut dyn EventSink,
    max_line: usize,
    progress: &mut dyn FnMut(u64),
) -> (Accounting, Option<io::Error>) {
    let mut counting = Counting { inner: sink, n: 0 };
    let (mut acct, error) = read_lines(reader, parser, &mut counting, max_line, progress);
    let settlement = parser.finish(&mut counting);
    acct.settle(&settlement);
    acct.events = counting.n;
    (acct, error)
}

/// [`parse_stream`] for one part of a file cut at record starts: `reader`
/// reads the part, `next` (when there is a part after it) the rest of the
/// file, for the parser's run-over ([`PartParser::run_over`]). Returns the
/// part's accounting, its read error, and the lines of the next part
/// (numbered from 1 there) that the run-over claimed.
pub fn parse_part<R: Read, N: Read>(
    reader: TextReader<R>,
    next: Option<TextReader<N>>,
    parser: &mut dyn PartParser,
    sink: &mut dyn EventSink,
    max_line: usize,
    progress: &mut dyn FnMut(u64),
) -> (Accounting, Option<io::Error>, Vec<u32>) {
    let mut counting = Counting { inner: sink, n: 0 };
    let (mut acct, error) = read_lines(reader, parser, &mut counting, max_line, progress);
    let mut claimed = Vec::new();
    if let (Some(mut next), None) = (next, &error) {
        // The next part's lines, numbered on from this part's. Every line
        // counts, the ones the parser never sees too (overlong, NUL), so
        // its last line may not be the part's last.
        let part_lines = u32::try_from(acct.lines).unwrap_or(u32::MAX);
        let mut splitter = LineSplitter::new(max_line);
        let mut done = false;
        while !done {
            // A read error past the part is the next part's to report.
            let more = next.read_chunk(splitter.buffer()).unwrap_or(false);
            splitter.drain(!more, &mut |line| {
                if done
                    || line.overlong.is_some()
                    || memchr::memchr(0, line.text.as_bytes()).is_some()
                {
                    return;
                }
                let numbered = Line {
                    number: line.number.saturating_add(part_lines),
                    ..line
                };
                match parser.run_over(&numbered, &mut counting) {
                    RunOver::Taken => claimed.push(line.number),
                    RunOver::NotMine => {}
                    RunOver::Done => done = true,
                }
            });
            done |= !more;
        }
    }
    let settlement = parser.finish(&mut counting);
    acct.settle(&settlement);
    acct.events = counting.n;
    (acct, error, claimed)
}

/// How a part read by a fresh parser joins the parts before it
/// ([`join_part`]).
pub enum Join {
    /// Joined: what a parser that had read every part so far would know,
    /// and the claims of the parts so far on the lines after them.
    Joined(PartEnd, Vec<u32>),
    /// Not joined: the part must be read again by a parser going on from
    /// the parts before it ([`Format::part_parser`]), with `claimed` (the
    /// lines from this part on that the parts before it claimed). Its own
    /// claims then go on with `later` ([`with_earlier_claims`]).
    ReadAgain {
        /// Lines from this part on that the parts before it claimed,
        /// numbered from 1 in it.
        claimed: Vec<u32>,
        /// Their claims past this part, numbered from 1 in the part after it.
        later: Vec<u32>,
    },
}

/// Join a part read by a fresh parser to the parts before it, the one
/// step of reading a file in parts that decides whether the parts read as
/// a single pass would ([`Format::join_parts`]).
///
/// `before` is what the parts before it knew, `claimed` their claims on
/// the lines from this part on (numbered from 1 in it, ascending), and
/// `examples` how many skipped-line examples their accounting kept. The
/// part's parser ended with `end` and claimed `claims` after it; its
/// accounting `acct` is brought to a single pass's when the part joins:
/// the lines the parts before it claimed count as continuation lines.
///
/// A record may outlast a whole part (a part of a few long lines), so the
/// claims past this part go on to the parts after it. A part is also read
/// again when taking back claimed lines left it fewer skipped-line
/// examples than a single pass keeps after the examples before it (the
/// ones it kept were the claimed lines).
pub fn join_part(
    format: &dyn Format,
    before: &PartEnd,
    claimed: &[u32],
    examples: usize,
    end: &PartEnd,
    claims: Vec<u32>,
    acct: &mut Accounting,
) -> Join {
    let lines = u32::try_from(acct.lines).unwrap_or(u32::MAX);
    let (mine, later) = claimed.split_at(claimed.partition_point(|&c| c <= lines));
    let later: Vec<u32> = later.iter().map(|&c| c - lines).collect();
    let read_again = || Join::ReadAgain {
        claimed: claimed.to_vec(),
        later: later.clone(),
    };
    // A line past this part that a record before it takes (a single pass
    // gives it to that record: the run-over that claimed it read this
    // part's records too) and that this part's run-over took as well:
    // the part took it wrongly, and is read again knowing the claims.
    let taken_twice = || {
        let (mut a, mut b) = (later.iter().peekable(), claims.iter().peekable());
        while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
            match x.cmp(y) {
                std::cmp::Ordering::Less => a.next(),
                std::cmp::Ordering::Greater => b.next(),
                std::cmp::Ordering::Equal => return true,
            };
        }
        false
    };
    let Some(joint) = format
        .join_parts(before, end, mine)
        .filter(|_| !taken_twice())
    else {
        return read_again();
    };
    for (line, reason) in joint.claimed {
        acct.unskip(line, reason);
    }
    // The examples left are the part's first skipped lines; when it
    // skipped more than it kept, they may be fewer than a single pass
    // keeps after the examples before it.
    let kept = acct.skipped_examples.len();
    if acct.skipped > kept as u64 && examples + kept < SKIPPED_EXAMPLES {
        return read_again();
    }
    Join::Joined(joint.end, with_earlier_claims(claims, later.clone()))
}

/// A part's own claims on the lines after it, with the `later` ones the
/// parts before it made there ([`Join::ReadAgain`]): one ascending list.
pub fn with_earlier_claims(own: Vec<u32>, later: Vec<u32>) -> Vec<u32> {
    if later.is_empty() {
        return own;
    }
    let mut all = own;
    all.extend(later);
    all.sort_unstable();
    all.dedup();
    all
}

/// Feed every line of `reader` to `parser` (not finishing it), counting
/// each line's disposition.
fn read_lines<R: Read, P: LineParser + ?Sized>(
    reader: TextReader<R>,
    parser: &mut P,
    counting: &mut Counting<'_>,
    max_line: usize,
    progress: &mut dyn FnMut(u64),
) -> (Accounting, Option<io::Error>) {
    let mut reader = reader;
    let mut acct = Accounting::default();
    let mut splitter = LineSplitter::new(max_line);
    let mut reported = reader.bytes_read();
    let mut error = None;
    loop {
        let more = match reader.read_chunk(splitter.buffer()) {
            Ok(more) => more,
            Err(e) => {
                error = Some(e);
                false
            }
        };
        let now = reader.bytes_read();
        progress(now - reported);
        reported = now;
        splitter.drain(!more, &mut |line| {
            let d = if line.overlong.is_some() {
                Disposition::Skipped(REASON_OVERLONG)
            } else if memchr::memchr(0, line.text.as_bytes()).is_some() {
                Disposition::Skipped(REASON_NUL)
            } else {
                parser.line(&line, counting)
            };
            acct.count(&line, d);
        });
        if !more {
            break;
        }
    }
    acct.bytes = splitter.consumed();
    acct.invalid_sequences = reader.replaced();
    (acct, error)
}

/// Parse an in-memory UTF-8 text with `parser` (tests and tools).
pub fn parse_str(text: &str, parser: &mut dyn LineParser, sink: &mut dyn EventSink) -> Accounting {
    let reader = TextReader::new(text.as_bytes(), encoding_rs::UTF_8, 0);
    match reader {
        Ok(r) => parse_stream(r, parser, sink, crate::split::DEFAULT_MAX_LINE, &mut |_| {}).0,
        Err(_) => Accounting::default(),
    }
}

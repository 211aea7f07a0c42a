//! Ingest: from paths to one time-ordered timeline, with every file and
//! every line accounted for.
//!
//! walk → group rotated sets → (in parallel, per set, oldest first) open,
//! decompress, detect encoding, sniff format, parse → concatenate → apply
//! host names from paths, declared clock skew and the time window → sort.

pub mod open;
pub mod rotate;
pub mod walk;

use crate::model::{SkippedLine, SourceReport, SymCol, Timeline};
use globset::GlobMatcher;
use pm_parsers::decode::{Content, TextReader, encoding_label, sniff_content};
use pm_parsers::registry::sample_lines;
use pm_parsers::time::{Resolver, Zone};
use pm_parsers::{
    Accounting, Disposition, Event, EventSink, Format, Join, LineParser, PartEnd, Registry, Sample,
    Settlement, SourceCtx, join_part, parse_part, parse_stream, with_earlier_claims,
};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Callbacks for progress reporting (a progress bar, a TUI gauge).
pub trait Progress: Send + Sync {
    /// Ingest is about to read `files` files totalling `bytes` bytes on disk.
    fn start(&self, files: u64, bytes: u64);
    /// `bytes` more bytes were read from disk.
    fn advance(&self, bytes: u64);
    /// One more file is done.
    fn file_done(&self, path: &str);
}

/// A progress sink that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64, _: u64) {}
    fn advance(&self, _: u64) {}
    fn file_done(&self, _: &str) {}
}

/// A `--format GLOB=NAME` override.
#[derive(Debug, Clone)]
pub struct FormatOverride {
    /// Matched against the path as walked and against the file name.
    pub glob: GlobMatcher,
    /// Registry index of the format.
    pub format: usize,
}

/// Everything ingest needs besides the paths.
pub struct IngestOptions {
    /// Known formats (built-in and user-defined).
    pub registry: Arc<Registry>,
    /// Zone for naive timestamps.
    pub zone: Zone,
    /// Year for year-less timestamps (else each file's modification year).
    pub year: Option<i32>,
    /// Keep only events at or after this time (µs UTC).
    pub since: Option<i64>,
    /// Keep only events before this time (µs UTC).
    pub until: Option<i64>,
    /// `--format` overrides, first match wins.
    pub overrides: Vec<FormatOverride>,
    /// Directories never to read (the case being written).
    pub skip_dirs: Vec<PathBuf>,
    /// Time for snapshots without one (`--snapshot-time`).
    pub snapshot_time: Option<i64>,
    /// Name hosts after directories like `web01/` when events name none.
    pub host_from_path: bool,
    /// Declared clock skew per host: the host's clock was ahead by this many µs.
    pub skew: Vec<(String, i64)>,
    /// Longest line read; longer ones are skipped as overlong.
    pub max_line: usize,
    /// Set to stop early (`open` in the TUI, Ctrl-C in `ingest`).
    pub cancel: Option<Arc<AtomicBool>>,
    /// Plain files of line-independent formats at least twice this size
    /// are cut into parts of about this size, parsed in parallel.
    pub chunk_bytes: u64,
    /// A directory on disk where the message text of a large file may go
    /// while it is parsed (an unlinked file, read in place afterwards: see
    /// `model/spill.rs`) instead of staying in memory. `None` keeps it in
    /// memory. See [`IngestOptions::spill_beside`].
    pub spill_dir: Option<PathBuf>,
    /// Bytes of message text a file's timeline holds in memory before it
    /// spills to `spill_dir`. A large file's other columns (times, lines,
    /// ids, attributes: see `model/filevec.rs`) move there past an eighth
    /// of it each.
    pub spill_past: usize,
}

impl IngestOptions {
    /// Defaults: built-in formats, UTC, no window.
    pub fn new(registry: Arc<Registry>, zone: Zone) -> IngestOptions {
        IngestOptions {
            registry,
            zone,
            year: None,
            since: None,
            until: None,
            overrides: Vec::new(),
            skip_dirs: Vec::new(),
            snapshot_time: None,
            host_from_path: true,
            skew: Vec::new(),
            max_line: pm_parsers::split::DEFAULT_MAX_LINE,
            cancel: None,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            spill_dir: None,
            spill_past: crate::model::SPILL_PAST,
        }
    }

    /// Let large message text wait on the disk the case at `case_dir` goes
    /// to (its parent directory, `.` when it has none) rather than in
    /// memory: the same disk, never a tmpfs unless the case is on one.
    pub fn spill_beside(&mut self, case_dir: &std::path::Path) {
        self.spill_dir = Some(match case_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        });
    }
}

/// Default part size for parallel parsing of one large file: large enough
/// that per-part costs vanish, small enough to keep both cores busy to the end.
pub const DEFAULT_CHUNK_BYTES: u64 = 16 * 1024 * 1024;

/// What ingest produced.
#[derive(Debug, Clone)]
pub struct IngestOutput {
    /// Every kept event, sorted by time.
    pub timeline: Timeline,
    /// Every input file, in path order.
    pub sources: Vec<SourceReport>,
}

/// Reason for the lines of files whose format is unknown.
pub const REASON_UNKNOWN_FORMAT: &str = "unknown format";

/// Collects events of one file into a timeline.
struct TimelineSink<'t> {
    timeline: &'t mut Timeline,
    source: u32,
    /// Rows before this one went to disk and were handed back.
    released: usize,
    /// Rows added between two moves to disk (`usize::MAX`: never, for a
    /// part of a file, whose rows move when it is appended).
    release_every: usize,
}

/// Rows a file read in one piece adds between two moves of its columns to
/// disk (as a file cut into parts does after each part): about as many
/// bytes of columns (at 64 a row) as the message text it may hold.
fn release_every(opts: &IngestOptions) -> usize {
    (opts.spill_past / 64).max(1)
}

impl EventSink for TimelineSink<'_> {
    fn push(&mut self, mut event: Event<'_>) {
        self.push_mut(&mut event);
    }
    fn push_mut(&mut self, event: &mut Event<'_>) {
        pm_parsers::enrich::enrich(event);
        self.timeline.push(self.source, event);
        // A large file whose format cannot be cut into parts (a PostgreSQL
        // log: records span lines, lock waits span records) grows its
        // columns in files too: a 256 MiB log held 300 MB until its end.
        if self.timeline.len() - self.released >= self.release_every {
            self.timeline.spill_and_release_from(self.released);
            self.released = self.timeline.len();
            crate::memory::release_freed_memory();
        }
    }
}

/// Accounts for every line of a file no format reads.
struct SkipAll;

impl LineParser for SkipAll {
    fn line(&mut self, _: &pm_parsers::Line<'_>, _: &mut dyn EventSink) -> Disposition {
        Disposition::Skipped(REASON_UNKNOWN_FORMAT)
    }
    fn finish(&mut self, _: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

/// A time embedded in a file name, as pt-stalk names its samples
/// (`2018_03_05_13_24_55-innodbstatus1`) or `...-20180305T132455...`.
pub fn time_from_file_name(name: &str, zone: &Zone) -> Option<i64> {
    let digits_at = |s: &str, i: usize, n: usize| -> Option<u32> {
        let part = s.get(i..i + n)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let b = name.as_bytes();
    for start in 0..b.len() {
        // YYYY_MM_DD_HH_MM_SS
        if let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
            digits_at(name, start, 4),
            digits_at(name, start + 5, 2),
            digits_at(name, start + 8, 2),
            digits_at(name, start + 11, 2),
            digits_at(name, start + 14, 2),
            digits_at(name, start + 17, 2),
        ) {
            let seps = [start + 4, start + 7, start + 10, start + 13, start + 16];
            if seps
                .iter()
                .all(|&i| matches!(b.get(i), Some(b'_') | Some(b'-')))
            {
                if let Some(n) = chrono::NaiveDate::from_ymd_opt(y as i32, mo, d)
                    .and_then(|d| d.and_hms_opt(h, mi, s))
                {
                    if (1990..2100).contains(&y) {
                        return Some(zone.resolve(n));
                    }
                }
            }
        }
        // YYYYMMDDTHHMMSS
        if let (Some(ymd), Some(hms)) = (digits_at(name, start, 8), digits_at(name, start + 9, 6)) {
            if matches!(b.get(start + 8), Some(b'T') | Some(b'-') | Some(b'_')) {
                let (y, mo, d) = (ymd / 10000, ymd / 100 % 100, ymd % 100);
                let (h, mi, s) = (hms / 10000, hms / 100 % 100, hms % 100);
                if let Some(n) = chrono::NaiveDate::from_ymd_opt(y as i32, mo, d)
                    .and_then(|d| d.and_hms_opt(h, mi, s))
                {
                    if (1990..2100).contains(&y) {
                        return Some(zone.resolve(n));
                    }
                }
            }
        }
    }
    None
}

fn mtime_us(meta: &std::fs::Metadata) -> Option<i64> {
    let m = meta.modified().ok()?;
    let d = m.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(d.as_micros() as i64)
}

fn year_of(us: i64) -> i32 {
    use chrono::Datelike;
    chrono::DateTime::from_timestamp_micros(us)
        .map(|d| d.year())
        .unwrap_or(1970)
}

/// Read one file into `timeline` as source `index`.
fn ingest_file(
    found: &walk::Found,
    index: u32,
    group: &str,
    group_format: &mut Option<usize>,
    opts: &IngestOptions,
    timeline: &mut Timeline,
    progress: &Arc<dyn Progress>,
) -> SourceReport {
    let path = &found.path;
    let display = path.display().to_string();
    let mut report = SourceReport {
        path: display.clone(),
        group: group.to_string(),
        compression: "none".into(),
        ..SourceReport::default()
    };
    if opts.host_from_path {
        report.host = walk::host_from_path(path, &found.root);
    }
    // pt-stalk writes the collecting host's name beside each sample: that
    // is what the host was, where a directory name is only a guess.
    if let Some(host) = pt_stalk_hostname(path) {
        report.host = Some(host);
    }
    if let Some(err) = &found.error {
        report.error = Some(err.clone());
        report.format_reason = "not read".into();
        return report;
    }
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            report.error = Some(walk::io_reason(&e));
            report.format_reason = "not read".into();
            return report;
        }
    };
    report.size = meta.len();
    let p = progress.clone();
    let advance: Arc<dyn Fn(u64) + Send + Sync> = Arc::new(move |n| p.advance(n));
    let opened = match open::open(path, Some(advance), opts.cancel.clone()) {
        Ok(o) => o,
        Err(e) => {
            report.error = Some(if e.to_string() == open::CANCELLED {
                "cancelled".into()
            } else {
                format!("cannot read: {}", walk::io_reason(&e))
            });
            report.format_reason = "not read".into();
            return report;
        }
    };
    report.compression = opened.compression.name().into();
    if opened.sample.is_empty() {
        report.format_reason = "empty file".into();
        if let Some(e) = opened.sample_error {
            report.error = Some(format!(
                "{} stream is corrupt: {e}",
                opened.compression.name()
            ));
        }
        return report;
    }
    let (encoding, bom) = match sniff_content(&opened.sample) {
        Content::Text { encoding, bom } => (encoding, bom),
        Content::Binary { why } => {
            report.error = Some(format!("binary file ({why}); skipped"));
            report.format_reason = "binary".into();
            return report;
        }
    };
    report.encoding = Some(encoding_label(encoding));
    let head = &opened.sample[bom.min(opened.sample.len())..];
    let (text, _) = encoding.decode_without_bom_handling(head);
    let lines = sample_lines(&text);
    let file_name = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
    let over = opts
        .overrides
        .iter()
        .find(|o| o.glob.is_match(path) || o.glob.is_match(file_name))
        .map(|o| o.format);
    let chosen: Option<usize> = match over {
        Some(f) => {
            report.format_reason = "--format".into();
            Some(f)
        }
        None => {
            let sniffed = opts.registry.sniff(&Sample {
                lines: &lines,
                file_name,
            });
            match (sniffed.best, *group_format) {
                (Some(b), _) => {
                    let score = sniffed.scores.first().map(|s| s.1).unwrap_or(0.0);
                    report.format_reason = format!("sniffed ({score:.2})");
                    Some(b)
                }
                (None, Some(g)) => {
                    report.format_reason = "as the rest of its rotated set".into();
                    Some(g)
                }
                (None, None) => {
                    let guess = sniffed.scores.first().and_then(|(i, s)| {
                        opts.registry
                            .entry(*i)
                            .map(|e| (e.format.name().to_string(), *s))
                    });
                    report.format_reason = match (pt_stalk_side_file(file_name), guess) {
                        (Some(part), _) => format!(
                            "pt-stalk's `-{part}` file: collection metadata, not a log \
                             (pm-tui reads -innodbstatus*, -lock-waits and -trigger)"
                        ),
                        (None, Some((n, s))) => {
                            format!("unknown format (closest: {n} at {s:.2}); try --format")
                        }
                        (None, None) => "unknown format; try --format".into(),
                    };
                    None
                }
            }
        }
    };
    if let Some(c) = chosen {
        if group_format.is_none() {
            *group_format = Some(c);
        }
    }
    let format: Option<Arc<dyn Format>> = chosen
        .and_then(|i| opts.registry.entry(i))
        .map(|e| e.format.clone());
    report.format = format.as_ref().map(|f| f.name().to_string());
    let mtime = mtime_us(&meta);
    let year = opts
        .year
        .or_else(|| mtime.map(year_of))
        .unwrap_or_else(|| year_of(0));
    let resolver = Resolver {
        zone: opts.zone,
        year,
        not_after: if opts.year.is_some() { None } else { mtime },
    };
    let mut ctx = SourceCtx::new(resolver, display.clone());
    ctx.snapshot_time = opts
        .snapshot_time
        .or_else(|| time_from_file_name(file_name, &opts.zone));
    let first_event = timeline.len();
    let parallel = match &format {
        Some(f)
            if opened.compression == open::Compression::None
                && encoding == encoding_rs::UTF_8
                && bom == 0 =>
        {
            let sample = Sample {
                lines: &lines,
                file_name,
            };
            // Parts of a format cut at record starts are a quarter of the
            // size: each holds longer rows (a message with its statement)
            // and waits beside the timeline until the parts before it are
            // in (16 MiB parts of a PostgreSQL log took 160 MB then).
            let cuts = if f.line_independent() {
                (report.size >= 2 * opts.chunk_bytes)
                    .then(|| open::line_cuts(path, report.size, opts.chunk_bytes))
                    .map(|c| c.map(|c| (c, false)))
            } else {
                let part = (opts.chunk_bytes / 4).max(1);
                (report.size >= 2 * part && f.cut_at_records(&sample)).then(|| {
                    open::record_cuts(path, report.size, part, &|l| f.starts_part(l))
                        .map(|c| (c, true))
                })
            };
            cuts.and_then(Result::ok)
                .filter(|(cuts, _)| cuts.len() > 1)
                .map(|(cuts, at_records)| (f.clone(), cuts, at_records))
        }
        _ => None,
    };
    let (acct, err) = match parallel {
        Some((f, cuts, at_records)) => {
            // The parts read the file from its start again: what the
            // sample read is not counted twice.
            let counted = opened.read.load(Ordering::Relaxed);
            drop(opened.reader);
            report.parts = u32::try_from(cuts.len()).unwrap_or(u32::MAX);
            let file = PartedFile {
                path,
                size: report.size,
                cuts,
                format: f.as_ref(),
                at_records,
                ctx: &ctx,
                source: index,
                counted,
            };
            let (acct, err, again) = parse_parts(&file, opts, timeline, progress);
            report.parts_read_again = again;
            (acct, err)
        }
        None => {
            let mut parser: Box<dyn LineParser> = match &format {
                Some(f) => f.parser(&ctx),
                None => Box::new(SkipAll),
            };
            let reader = match TextReader::new(opened.reader, encoding, bom) {
                Ok(r) => r,
                Err(e) => {
                    report.error = Some(format!("cannot read: {e}"));
                    return report;
                }
            };
            let released = timeline.len();
            let mut sink = TimelineSink {
                timeline,
                source: index,
                released,
                release_every: release_every(opts),
            };
            parse_stream(
                reader,
                parser.as_mut(),
                &mut sink,
                opts.max_line,
                &mut |_| {},
            )
        }
    };
    let err = err.or(opened.sample_error);
    if let Some(e) = err {
        let what = if e.to_string() == open::CANCELLED {
            "cancelled".to_string()
        } else if opened.compression != open::Compression::None {
            format!(
                "{} stream ends early or is corrupt ({e}); the {} lines before it were read",
                opened.compression.name(),
                acct.lines
            )
        } else {
            format!("read error after {} lines: {e}", acct.lines)
        };
        report.error = Some(what);
    }
    if let Ok(now) = std::fs::metadata(path).map(|m| m.len()) {
        if now < report.size && report.error.is_none() {
            report.error = Some(format!(
                "the file shrank from {} to {now} bytes while it was read (truncated or rotated?); the {} lines read are kept",
                report.size, acct.lines
            ));
        } else if now > report.size {
            report.notes.push(format!(
                "the file grew from {} to {now} bytes while it was read; lines written after the read reached its end are not in the case",
                report.size
            ));
        }
    }
    if let Some(host) = &report.host {
        timeline.fill_host(first_event, host);
    }
    report.lines = acct.lines;
    report.parsed = acct.parsed;
    report.continuation = acct.continuation;
    report.skipped = acct.skipped;
    report.skip_reasons = acct.skip_reasons;
    report.skipped_examples = acct
        .skipped_examples
        .into_iter()
        .map(|(line, text, reason)| SkippedLine { line, text, reason })
        .collect();
    report.events = acct.events;
    report.invalid_sequences = acct.invalid_sequences;
    report
}

/// Parse the parts of `file` (plain UTF-8, a line-independent format) in
/// parallel, one parser each, and append
/// their events to `timeline` in file order. Line numbers, offsets and the
/// accounting come out as one sequential read would give them: each part
/// counts from line 1 and offset 0, and is shifted by the lines and decoded
/// bytes of the parts before it.
///
/// Workers take the parts in file order, and each part is appended (and its
/// memory given back) as soon as the parts before it are: only the parts
/// being parsed and the few finished early wait in memory beside the
/// timeline, where holding every part until the last was parsed made the
/// parse the peak of an ingest. The file's size scales the first part up to
/// reserve the columns once.
///
/// A format with records over several lines is cut where records start
/// ([`Format::starts_part`]); each part's parser reads on past its end to
/// complete its open records ([`pm_parsers::PartParser::run_over`]), and
/// each part is joined to the parts before it in file order
/// ([`Format::join_parts`]), or read again going on from them when it
/// cannot be. Returns the accounting, the read error, and how many parts
/// were read again.
fn parse_parts(
    file: &PartedFile<'_>,
    opts: &IngestOptions,
    timeline: &mut Timeline,
    progress: &Arc<dyn Progress>,
) -> (Accounting, Option<std::io::Error>, u32) {
    let PartedFile {
        path,
        size,
        ref cuts,
        format,
        at_records,
        ctx,
        source: index,
        counted,
    } = *file;
    // Progress: the bytes the sample read are the first ones not counted.
    let uncounted = Arc::new(std::sync::atomic::AtomicU64::new(counted));
    let spare = Mutex::new(Vec::new());
    let joined = Mutex::new(Joined {
        rows_before: timeline.len(),
        timeline,
        waiting: BTreeMap::new(),
        spare: &spare,
        next: 0,
        total: Accounting::default(),
        error: None,
        carried: None,
        read_again: 0,
    });
    let parse = |k: usize, after: Option<(&PartEnd, &[u32])>| -> Parsed {
        let start = cuts[k];
        let len = cuts.get(k + 1).map(|end| end - start);
        let p = progress.clone();
        let uncounted = uncounted.clone();
        let advance: Arc<dyn Fn(u64) + Send + Sync> = Arc::new(move |n| {
            let skip = uncounted
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                    Some(u.saturating_sub(n))
                })
                .map_or(0, |u| u.min(n));
            p.advance(n - skip);
        });
        // A part read again was counted the first time.
        let advance = after.is_none().then_some(advance);
        // A part already appended, emptied, when there is one (see
        // `Joined::spare`: a lock of its own, so that taking one never
        // waits for another part's append).
        let reused = spare.lock().ok().and_then(|mut s| s.pop());
        let mut part = reused.unwrap_or_default();
        let reader = open::range(path, start, len, advance, opts.cancel.clone())
            .and_then(|r| TextReader::new(r, encoding_rs::UTF_8, 0));
        let reader = match reader {
            Ok(r) => r,
            Err(e) => return (part, Accounting::default(), Some(e), None),
        };
        let mut sink = TimelineSink {
            timeline: &mut part,
            source: index,
            released: 0,
            release_every: usize::MAX,
        };
        if !at_records {
            let mut parser = format.parser(ctx);
            let (acct, err) = parse_stream(
                reader,
                parser.as_mut(),
                &mut sink,
                opts.max_line,
                &mut |_| {},
            );
            return (part, acct, err, None);
        }
        let Some(mut parser) = format.part_parser(ctx, after) else {
            let e = std::io::Error::other("the format cannot read this part on its own");
            return (part, Accounting::default(), Some(e), None);
        };
        // The rest of the file, for the run-over into the next part.
        let next = cuts.get(k + 1).and_then(|&at| {
            open::range(path, at, None, None, opts.cancel.clone())
                .and_then(|r| TextReader::new(r, encoding_rs::UTF_8, 0))
                .ok()
        });
        let (acct, err, claimed) = parse_part(
            reader,
            next,
            parser.as_mut(),
            &mut sink,
            opts.max_line,
            &mut |_| {},
        );
        let end = parser.part_end();
        (part, acct, err, Some((end, claimed)))
    };
    let taken = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let workers = rayon::current_num_threads().min(cuts.len()).max(1);
    rayon::scope(|s| {
        for _ in 0..workers {
            s.spawn(|_| {
                loop {
                    let k = taken.fetch_add(1, Ordering::Relaxed);
                    if k >= cuts.len() || stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let parsed = parse(k, None);
                    let Ok(mut j) = joined.lock() else {
                        stop.store(true, Ordering::Relaxed);
                        return;
                    };
                    j.waiting.insert(k, parsed);
                    if j.join_ready(cuts, size, format, &parse) {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let j = joined.into_inner().unwrap_or_else(|e| e.into_inner());
    (j.total, j.error, j.read_again)
}

/// Bytes per line assumed at least when a large file's columns are
/// reserved from its first part: real log lines are longer (an nginx line
/// about 200 bytes), and a file of shorter ones grows its columns instead.
const MIN_RESERVED_LINE: u64 = 32;

/// One part's events, accounting and read error; for a part of a file cut
/// at record starts, also its parser's [`PartEnd`] and the lines of the
/// next part its run-over claimed.
type Parsed = (
    Timeline,
    Accounting,
    Option<std::io::Error>,
    Option<(PartEnd, Vec<u32>)>,
);

/// Parse part `k` of a file, with a fresh parser or (for a part read again)
/// one going on from the [`PartEnd`] of the parts before it and the lines
/// of part `k` the last of them claimed.
type ParsePart<'a> = dyn Fn(usize, Option<(&PartEnd, &[u32])>) -> Parsed + 'a;

/// A file cut into parts at line starts, to be parsed in parallel.
struct PartedFile<'a> {
    path: &'a std::path::Path,
    /// Its size when it was cut.
    size: u64,
    /// Where each part starts (the first at 0), ascending.
    cuts: Vec<u64>,
    format: &'a dyn Format,
    /// Cut where records start (not at any line): parts are joined by
    /// their format.
    at_records: bool,
    ctx: &'a SourceCtx,
    /// The file's index among the sources.
    source: u32,
    /// Its bytes already counted as read (the sample).
    counted: u64,
}

/// The parts of one file joined so far, in file order.
struct Joined<'t> {
    timeline: &'t mut Timeline,
    /// Parts parsed before the ones ahead of them.
    waiting: BTreeMap<usize, Parsed>,
    /// Parts already appended, emptied for the next ones to be parsed
    /// into: their columns keep the capacity and the memory they grew,
    /// where a new part's grew from nothing, copying as they doubled, into
    /// memory faulted in afresh (a tenth of the parse of the 512 MiB nginx
    /// log of BENCHMARKS.md went to growing parts).
    spare: &'t Mutex<Vec<Timeline>>,
    /// The next part to append.
    next: usize,
    /// Rows of the timeline before the first part (other files of its group).
    rows_before: usize,
    total: Accounting,
    error: Option<std::io::Error>,
    /// For parts cut at record starts: what the parts appended so far
    /// knew, and the lines of the next part the last one claimed.
    carried: Option<(PartEnd, Vec<u32>)>,
    /// Parts read again.
    read_again: u32,
}

impl Joined<'_> {
    /// Append the waiting parts that are next in file order; true once a
    /// part could not be read to its end (the file shrank, a read error,
    /// cancellation): what follows it is not trusted.
    ///
    /// A part cut at a record start is first joined to the parts before
    /// it by `format`, or read again by `parse`, going on from them.
    fn join_ready(
        &mut self,
        cuts: &[u64],
        size: u64,
        format: &dyn Format,
        parse: &ParsePart<'_>,
    ) -> bool {
        while let Some(parsed) = self.waiting.remove(&self.next) {
            let (mut part, mut acct, err, carry) = self.join_parsed(parsed, format, parse);
            self.carried = carry;
            let rows_before_part = self.timeline.len();
            let lines_before = self.total.lines.min(u64::from(u32::MAX)) as u32;
            part.shift_position(lines_before, self.total.bytes);
            for ex in &mut acct.skipped_examples {
                if ex.0 > 0 {
                    ex.0 = ex.0.saturating_add(lines_before);
                }
            }
            self.total.merge(&acct);
            if self.timeline.is_empty() {
                self.timeline.append_all(vec![part]);
            } else {
                self.timeline.append(&part);
                self.give_back(part);
            }
            self.next += 1;
            if self.next == 1 && size > 0 {
                // Room for the whole file, estimated from its first part;
                // capacity never written to is never resident.
                let read = cuts.get(1).copied().unwrap_or(size).max(1);
                let rows = self.timeline.len() - self.rows_before;
                let estimate = (rows as f64 * size as f64 / read as f64 * 1.1) as usize;
                // A first part far denser than the rest (a burst of short
                // lines) must not reserve more than the file could hold.
                let most = usize::try_from(size / MIN_RESERVED_LINE).unwrap_or(usize::MAX);
                self.timeline
                    .reserve_like_so_far(self.rows_before + estimate.min(most));
            }
            // The rows so far live in files from now on (when the ingest
            // has somewhere to put them), and their pages are handed back:
            // nothing reads them until the file is parsed.
            self.timeline.spill_and_release_from(rows_before_part);
            // Each part's memory goes back to the system as soon as it is
            // copied: glibc keeps freed blocks of this size in its arenas.
            crate::memory::release_freed_memory();
            if err.is_some() {
                self.error = err;
                self.waiting.clear();
                return true;
            }
        }
        false
    }

    /// Keep `part`, emptied, for a part still to be parsed (see `spare`).
    fn give_back(&self, mut part: Timeline) {
        if part.clear() {
            if let Ok(mut spare) = self.spare.lock() {
                spare.push(part);
            }
        }
    }

    /// Join the next part, read by a fresh parser, to the parts before it;
    /// read it again, going on from them, when its format cannot.
    fn join_parsed(
        &mut self,
        parsed: Parsed,
        format: &dyn Format,
        parse: &ParsePart<'_>,
    ) -> Parsed {
        let (part, mut acct, err, Some((end, claims))) = parsed else {
            return parsed;
        };
        let Some((before, claimed)) = self.carried.take() else {
            return (part, acct, err, Some((end, claims)));
        };
        let examples = self.total.skipped_examples.len();
        match join_part(format, &before, &claimed, examples, &end, claims, &mut acct) {
            Join::Joined(end, claims) => (part, acct, err, Some((end, claims))),
            Join::ReadAgain { claimed, later } => {
                self.read_again += 1;
                self.give_back(part);
                let (part, acct, err, carry) = parse(self.next, Some((&before, &claimed)));
                let carry = carry.map(|(end, own)| (end, with_earlier_claims(own, later)));
                (part, acct, err, carry)
            }
        }
    }
}

/// Ingest `paths` into one timeline.
pub fn run(
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: Arc<dyn Progress>,
) -> Result<IngestOutput, String> {
    let found = walk::collect(paths, &opts.skip_dirs)?;
    let total_bytes: u64 = found
        .iter()
        .filter_map(|f| std::fs::metadata(&f.path).ok().map(|m| m.len()))
        .sum();
    progress.start(found.len() as u64, total_bytes);
    let file_paths: Vec<PathBuf> = found.iter().map(|f| f.path.clone()).collect();
    let groups = rotate::group(&file_paths);
    let results: Vec<(Timeline, Vec<(usize, SourceReport)>)> = groups
        .par_iter()
        .map(|(name, members)| {
            let mut timeline = Timeline::new();
            if let Some(dir) = &opts.spill_dir {
                timeline.spill_text_past(dir, opts.spill_past);
            }
            let mut reports = Vec::with_capacity(members.len());
            let mut group_format = None;
            for &i in members {
                let rows_before = timeline.len();
                let r = ingest_file(
                    &found[i],
                    i as u32,
                    name,
                    &mut group_format,
                    opts,
                    &mut timeline,
                    &progress,
                );
                // A group of many files grows large file by file: its
                // columns go to disk once they are (as a large file's do
                // part by part), and what each file added is handed back.
                timeline.spill_and_release_from(rows_before);
                progress.file_done(&r.path);
                reports.push((i, r));
            }
            timeline.finish_spill();
            (timeline, reports)
        })
        .collect();
    let mut sources: Vec<Option<SourceReport>> = vec![None; found.len()];
    let mut parts = Vec::with_capacity(results.len());
    for (t, reports) in results {
        parts.push(t);
        for (i, r) in reports {
            sources[i] = Some(r);
        }
    }
    let sources: Vec<SourceReport> = sources.into_iter().flatten().collect();
    let mut sources = sources;
    if opts.year.is_none() {
        infer_missing_years(&mut parts, &mut sources);
    }
    let window = (opts.since.is_some() || opts.until.is_some()).then(|| {
        (
            opts.since.unwrap_or(i64::MIN),
            opts.until.unwrap_or(i64::MAX),
        )
    });
    for part in &mut parts {
        apply_skew(part, &opts.skew);
        if let Some((since, until)) = window {
            part.retain_rows(|t, i| (since..until).contains(&t.ts(i)));
        }
    }
    // One copy into time order, not a concatenation and then a sort.
    let mut timeline = Timeline::merge_sorted(parts);
    timeline.shrink_to_fit();
    crate::memory::release_freed_memory();
    let mut kept = vec![0u64; sources.len()];
    for i in 0..timeline.len() {
        if let Some(k) = kept.get_mut(timeline.source(i) as usize) {
            *k += 1;
        }
    }
    timeline.release_rows(0..timeline.len());
    for (s, k) in sources.iter_mut().zip(kept) {
        s.events_kept = k;
    }
    Ok(IngestOutput { timeline, sources })
}

/// Formats whose timestamps may carry no year (RFC 3164 syslog).
const YEARLESS_FORMATS: [&str; 1] = ["syslog"];

/// Year-less timestamps take their year from the file's modification time,
/// which is wrong for logs copied or checked out later. When the other logs
/// of the ingest are dated and a whole number of years away, take their year
/// and say so.
fn infer_missing_years(parts: &mut [Timeline], sources: &mut [SourceReport]) {
    const YEAR: i64 = 31_556_952_000_000; // 365.2425 days in µs
    const MONTH: i64 = 31 * 24 * 3600 * 1_000_000;
    let yearless: Vec<bool> = sources
        .iter()
        .map(|s| {
            s.format
                .as_deref()
                .is_some_and(|f| YEARLESS_FORMATS.contains(&f))
        })
        .collect();
    // Most ingests have no year-less source: nothing to look at then (the
    // dated times below were a copy of every time, 21 MB for the 512 MiB
    // nginx log of BENCHMARKS.md).
    if !yearless.contains(&true) {
        return;
    }
    let is_yearless = |t: &Timeline, i: usize| -> bool {
        yearless.get(t.source(i) as usize).copied().unwrap_or(false)
    };
    let mut dated: Vec<i64> = parts
        .iter()
        .flat_map(|t| {
            (0..t.len())
                .filter(|&i| !is_yearless(t, i))
                .map(|i| t.ts(i))
        })
        .collect();
    if dated.is_empty() {
        return;
    }
    // The earliest, the latest and the middle time (as a sort would give
    // it: a full sort of every time was most of a second on one core for
    // the mixed corpus of BENCHMARKS.md).
    let (lo, hi) = (dated.iter()).fold((i64::MAX, i64::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
    let half = dated.len() / 2;
    let mid = *dated.select_nth_unstable(half).1;
    drop(dated);
    // Rows of each year-less source, as (part, row).
    let mut rows_of: std::collections::HashMap<usize, Vec<(usize, usize)>> =
        std::collections::HashMap::new();
    for (k, t) in parts.iter().enumerate() {
        for i in 0..t.len() {
            if is_yearless(t, i) {
                rows_of
                    .entry(t.source(i) as usize)
                    .or_default()
                    .push((k, i));
            }
        }
    }
    let mut by_source: Vec<(usize, Vec<(usize, usize)>)> = rows_of.into_iter().collect();
    by_source.sort_unstable_by_key(|(si, _)| *si);
    for (si, rows) in by_source {
        let mut ts: Vec<i64> = rows.iter().map(|&(k, i)| parts[k].ts(i)).collect();
        let half = ts.len() / 2;
        let median = *ts.select_nth_unstable(half).1;
        let years = ((mid - median) as f64 / YEAR as f64).round() as i32;
        if years == 0 {
            continue;
        }
        let shift = |us: i64| -> Option<i64> {
            let dt = chrono::DateTime::from_timestamp_micros(us)?.naive_utc();
            let moved = if years > 0 {
                dt.checked_add_months(chrono::Months::new(12 * years as u32))?
            } else {
                dt.checked_sub_months(chrono::Months::new(12 * (-years) as u32))?
            };
            Some(moved.and_utc().timestamp_micros())
        };
        let Some(moved_median) = shift(median) else {
            continue;
        };
        if moved_median < lo - MONTH || moved_median > hi + MONTH {
            continue;
        }
        for &(k, i) in &rows {
            let t = &mut parts[k];
            if let Some(v) = shift(t.ts[i]) {
                t.ts[i] = v;
            }
        }
        use chrono::Datelike;
        let year = chrono::DateTime::from_timestamp_micros(moved_median)
            .map(|d| d.year())
            .unwrap_or(0);
        if let Some(s) = sources.get_mut(si) {
            s.notes.push(format!(
                "timestamps carry no year: dated {year} like the other logs (the file's date said otherwise; use --year to set it)"
            ));
        }
    }
}

fn apply_skew(t: &mut Timeline, skew: &[(String, i64)]) {
    if skew.is_empty() {
        return;
    }
    let ids: Vec<(u32, i64)> = skew
        .iter()
        .filter_map(|(h, d)| t.strings().lookup(h).map(|s| (s, *d)))
        .collect();
    let hosts: Vec<u32> = t.sym_values(SymCol::Host).collect();
    for (i, h) in hosts.iter().enumerate() {
        if let Some((_, d)) = ids.iter().find(|(s, _)| s == h) {
            t.ts[i] -= d;
        }
    }
}

/// Parse `HOST=+3s` / `HOST=-1500ms` into (host, µs its clock was ahead).
pub fn parse_skew(s: &str) -> Result<(String, i64), String> {
    let (host, d) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected HOST=DURATION, e.g. batch02=+3s"))?;
    let (sign, body) = match d.as_bytes().first() {
        Some(b'-') => (-1.0, &d[1..]),
        Some(b'+') => (1.0, &d[1..]),
        _ => (1.0, d),
    };
    let ms = pm_parsers::fields::parse_duration_ms(body, 1000.0)
        .ok_or_else(|| format!("`{d}`: not a duration (try 3s, 1500ms)"))?;
    Ok((host.to_string(), (sign * ms * 1000.0) as i64))
}

/// The part after the stamp of a pt-stalk collection file
/// (`2022_04_08_15_29_00-hostname` → `hostname`), if the name is one.
fn pt_stalk_side_file(file_name: &str) -> Option<&str> {
    pt_stalk_name(file_name).map(|(_, part)| part)
}

/// A pt-stalk collection file's stamp and part
/// (`2022_04_08_15_29_00-hostname` → (`2022_04_08_15_29_00`, `hostname`)).
fn pt_stalk_name(file_name: &str) -> Option<(&str, &str)> {
    let (stamp, part) = file_name.split_once('-')?;
    let stamped = stamp.len() == 19 && time_from_file_name(stamp, &Zone::utc()).is_some();
    (stamped && !part.is_empty()).then_some((stamp, part))
}

/// The host a pt-stalk sample names: for `<stamp>-<part>`, the first line
/// of `<stamp>-hostname` in the same directory, when it exists and holds a
/// plausible host name (letters, digits, `.`, `-`, `_`; at most 253 bytes).
/// Only its first 256 bytes are read.
fn pt_stalk_hostname(path: &std::path::Path) -> Option<String> {
    use std::io::Read;
    let (stamp, _) = pt_stalk_name(path.file_name()?.to_str()?)?;
    let side = path.with_file_name(format!("{stamp}-hostname"));
    let mut head = Vec::with_capacity(256);
    std::fs::File::open(side)
        .ok()?
        .take(256)
        .read_to_end(&mut head)
        .ok()?;
    let line = std::str::from_utf8(&head).ok()?.lines().next()?.trim();
    let plausible = !line.is_empty()
        && line.len() <= 253
        && line
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    plausible.then(|| line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The sources' reports, but for how many parts each was read in.
    fn accounting(o: &IngestOutput) -> String {
        let mut s = o.sources.clone();
        for r in &mut s {
            (r.parts, r.parts_read_again) = (0, 0);
        }
        format!("{s:?}")
    }

    /// A large file read in parts, its text spilled to disk, is the same
    /// timeline and accounting as one sequential read kept in memory: line
    /// numbers, offsets, skipped lines and their examples included.
    #[test]
    fn parts_and_spilled_text_equal_one_read_in_memory() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("access.log");
        let mut log = String::new();
        for i in 0..6000usize {
            if i % 997 == 13 {
                log.push_str("this line is not an access log line\n");
            }
            log.push_str(&format!(
                "198.51.100.{} - - [02/Jun/2023:10:{:02}:{:02} +0900] \"GET /items/{i}?q={} HTTP/1.1\" {} 512 \"-\" \"curl/8\" 0.0{}\n",
                i % 250 + 1,
                i / 60 % 60,
                i % 60,
                "x".repeat(i % 40),
                if i % 50 == 0 { 503 } else { 200 },
                i % 90 + 10,
            ));
        }
        std::fs::write(&path, &log).unwrap();
        let run_with = |parts: bool, spill: Option<&Path>| {
            let mut opts = IngestOptions::new(Arc::new(Registry::builtin()), Zone::utc());
            if parts {
                opts.chunk_bytes = log.len() as u64 / 7;
            }
            opts.spill_dir = spill.map(Path::to_path_buf);
            opts.spill_past = 4096;
            run(std::slice::from_ref(&path), &opts, Arc::new(NoProgress)).unwrap()
        };
        let one = run_with(false, None);
        let spill_dir = d.path().join("spill");
        std::fs::create_dir(&spill_dir).unwrap();
        let split = run_with(true, Some(&spill_dir));
        assert!(split.timeline.message.is_mapped(), "the text spilled");
        // The other columns grew in files, and what the ingest read of them
        // is handed back: mapped, not resident.
        assert!(split.timeline.ts.in_file() && split.timeline.attrs.pairs.in_file());
        let mapped_kib = split.timeline.mapped_bytes() as u64 / 1024;
        let resident_kib = crate::memory::tests::resident_kib(&spill_dir);
        assert!(
            mapped_kib > 200 && resident_kib * 4 < mapped_kib,
            "{resident_kib} of {mapped_kib} KiB resident"
        );
        assert_eq!(one.timeline.len(), 6000);
        assert_eq!(split.timeline.debug_rows(), one.timeline.debug_rows());
        assert_eq!((one.sources[0].parts, split.sources[0].parts), (0, 7));
        assert_eq!(accounting(&split), accounting(&one));
        assert_eq!(one.sources[0].skipped, 7);
        assert!(std::fs::read_dir(&spill_dir).unwrap().next().is_none());
    }

    /// A file read in one piece (here a PostgreSQL log smaller than a
    /// part), with its columns moved to disk as it grows (see the next
    /// test), reads the same as in memory.
    #[test]
    fn a_file_read_in_one_piece_reads_the_same_from_disk_as_in_memory() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("postgresql.log");
        let mut log = String::new();
        for i in 0..3000usize {
            let (s, ms) = (i / 10, i % 10 * 100);
            let at = format!("2023-06-01 10:{:02}:{:02}.{ms:03} UTC", s / 60 % 60, s % 60);
            let pid = 4000 + i % 7;
            if i % 3 == 0 {
                log.push_str(&format!(
                    "{at} [{pid}] app@shop LOG:  process {pid} still waiting for ShareLock on transaction {} after 1000.{:03} ms\n\
                     {at} [{pid}] app@shop DETAIL:  Process holding the lock: {}. Wait queue: {pid}.\n\
                     {at} [{pid}] app@shop STATEMENT:  UPDATE items SET n = n - 1 WHERE id = {}\n",
                    900 + i % 5,
                    i % 1000,
                    5000 + i % 5,
                    i % 40,
                ));
            } else {
                log.push_str(&format!(
                    "{at} [{pid}] app@shop LOG:  duration: {}.{:03} ms  statement: SELECT * FROM items\n\
                     \tWHERE id = {i}\n",
                    i % 90,
                    i % 1000,
                ));
            }
        }
        std::fs::write(&path, &log).unwrap();
        let run_with = |spill: Option<&Path>| {
            let mut opts = IngestOptions::new(Arc::new(Registry::builtin()), Zone::utc());
            opts.spill_dir = spill.map(Path::to_path_buf);
            opts.spill_past = 4096;
            run(std::slice::from_ref(&path), &opts, Arc::new(NoProgress)).unwrap()
        };
        let memory = run_with(None);
        let spill_dir = d.path().join("spill");
        std::fs::create_dir(&spill_dir).unwrap();
        let disk = run_with(Some(&spill_dir));
        assert_eq!(disk.sources[0].format.as_deref(), Some("postgres-stderr"));
        assert!(disk.timeline.ts.in_file() && disk.timeline.attrs.pairs.in_file());
        assert_eq!(memory.timeline.len(), 3000);
        assert_eq!(disk.timeline.debug_rows(), memory.timeline.debug_rows());
        let acct = |o: &IngestOutput| format!("{:?}", o.sources);
        assert_eq!(acct(&disk), acct(&memory));
        assert_eq!(memory.sources[0].continuation, 4000);
    }

    /// The sink of a file read in one piece moves the columns to disk every
    /// so many rows, not only once the file is read.
    #[test]
    fn the_sink_moves_columns_to_disk_every_so_many_rows() {
        let d = tempfile::tempdir().unwrap();
        let mut t = Timeline::new();
        t.spill_text_past(d.path(), 4096);
        let mut sink = TimelineSink {
            timeline: &mut t,
            source: 0,
            released: 0,
            release_every: 100,
        };
        for i in 0..250 {
            let mut e = pm_parsers::Event::new(pm_parsers::Kind::Log, i * 1_000_000, 1, 0);
            e.message = std::borrow::Cow::Owned(format!("event {i}"));
            sink.push(e);
            // 100 rows of times are 800 bytes, past the 512 a column may
            // hold in memory here.
            assert_eq!(sink.timeline.ts.in_file(), i >= 99, "after row {i}");
        }
        assert_eq!(sink.released, 200);
    }

    /// Parts that finish out of order wait, and are appended in file order
    /// with their positions shifted, once the parts before them are in;
    /// a part that could not be read to its end stops the join there.
    #[test]
    fn parts_finished_out_of_order_join_in_file_order() {
        let part = |k: u32| -> Parsed {
            let mut t = Timeline::new();
            for line in 1..=2 {
                let ts = i64::from(k * 10 + line) * 1_000_000;
                let mut e = pm_parsers::Event::new(pm_parsers::Kind::Log, ts, line, 0);
                e.message = std::borrow::Cow::Owned(format!("part {k} line {line}"));
                t.push(0, &e);
            }
            let acct = Accounting {
                lines: 2,
                parsed: 2,
                events: 2,
                bytes: 100,
                ..Accounting::default()
            };
            (t, acct, None, None)
        };
        let format = pm_parsers::postgres::PgStderr;
        let unused = |_: usize, _: Option<(&PartEnd, &[u32])>| -> Parsed { unreachable!() };
        let mut before = Timeline::new();
        before.push(1, &pm_parsers::Event::new(pm_parsers::Kind::Log, 0, 9, 0));
        let spare = Mutex::new(Vec::new());
        let mut j = Joined {
            rows_before: before.len(),
            timeline: &mut before,
            waiting: BTreeMap::new(),
            spare: &spare,
            next: 0,
            total: Accounting::default(),
            error: None,
            carried: None,
            read_again: 0,
        };
        let cuts = [0, 100, 200, 300];
        for k in [2, 1] {
            j.waiting.insert(k, part(k as u32));
            assert!(!j.join_ready(&cuts, 400, &format, &unused));
            assert_eq!(j.timeline.len(), 1, "part {k} waits for part 0");
        }
        j.waiting.insert(0, part(0));
        assert!(!j.join_ready(&cuts, 400, &format, &unused));
        assert_eq!((j.next, j.timeline.len(), j.total.lines), (3, 7, 6));
        // The appended parts are kept, emptied, for the next ones.
        {
            let spares = j.spare.lock().unwrap();
            assert_eq!(spares.len(), 3);
            assert!(
                spares
                    .iter()
                    .all(|p| p.is_empty() && p.strings().len() == 1)
            );
        }
        let mut failed = part(3);
        failed.2 = Some(std::io::Error::other("the file shrank"));
        j.waiting.insert(3, failed);
        j.waiting.insert(4, part(4));
        assert!(
            j.join_ready(&cuts, 400, &format, &unused),
            "a short read stops the join"
        );
        assert!(j.waiting.is_empty() && j.error.is_some());
        let t = &*j.timeline;
        let rows: Vec<(u32, u64, &str)> = (1..t.len())
            .map(|i| (t.line(i), t.offset(i), t.message(i)))
            .collect();
        assert_eq!(
            rows,
            [
                (1, 0, "part 0 line 1"),
                (2, 0, "part 0 line 2"),
                (3, 100, "part 1 line 1"),
                (4, 100, "part 1 line 2"),
                (5, 200, "part 2 line 1"),
                (6, 200, "part 2 line 2"),
                (7, 300, "part 3 line 1"),
                (8, 300, "part 3 line 2"),
            ]
        );
    }

    #[test]
    fn pt_stalk_names_the_host_of_its_samples() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        std::fs::write(
            at("2022_04_08_15_29_00-hostname"),
            "db-primary.example.jp\n",
        )
        .unwrap();
        std::fs::write(at("2022_04_08_16_00_00-hostname"), "\x1b[31mevil\n").unwrap();
        std::fs::write(at("2022_04_08_17_00_00-hostname"), "").unwrap();
        assert_eq!(
            pt_stalk_hostname(&at("2022_04_08_15_29_00-innodbstatus1")).as_deref(),
            Some("db-primary.example.jp")
        );
        // The hostname file names itself too.
        assert_eq!(
            pt_stalk_hostname(&at("2022_04_08_15_29_00-hostname")).as_deref(),
            Some("db-primary.example.jp")
        );
        // Control characters, an empty file, no such file, not pt-stalk.
        assert_eq!(
            pt_stalk_hostname(&at("2022_04_08_16_00_00-lock-waits")),
            None
        );
        assert_eq!(
            pt_stalk_hostname(&at("2022_04_08_17_00_00-innodbstatus1")),
            None
        );
        assert_eq!(
            pt_stalk_hostname(&at("2022_04_08_18_00_00-innodbstatus1")),
            None
        );
        assert_eq!(pt_stalk_hostname(&at("mysql-error.log")), None);
    }

    #[test]
    fn file_name_times() {
        let z = Zone::utc();
        assert_eq!(
            time_from_file_name("2018_03_05_13_24_55-innodbstatus1", &z)
                .map(pm_parsers::time::format_utc),
            Some("2018-03-05T13:24:55.000Z".into())
        );
        assert_eq!(
            time_from_file_name("dump-20230601T145000.txt", &z).map(pm_parsers::time::format_utc),
            Some("2023-06-01T14:50:00.000Z".into())
        );
        assert_eq!(time_from_file_name("access.log.1", &z), None);
    }

    #[test]
    fn pt_stalk_side_files() {
        assert_eq!(
            pt_stalk_side_file("2022_04_08_15_29_00-hostname"),
            Some("hostname")
        );
        assert_eq!(pt_stalk_side_file("2022_04_08_15_29_00-"), None);
        assert_eq!(pt_stalk_side_file("2022-04-08_15_29_00-hostname"), None);
        assert_eq!(pt_stalk_side_file("app-2022_04_08.log"), None);
        assert_eq!(pt_stalk_side_file("ｱ"), None);
    }

    #[test]
    fn skews() {
        assert_eq!(parse_skew("batch02=+3s"), Ok(("batch02".into(), 3_000_000)));
        assert_eq!(parse_skew("db01=-1500ms"), Ok(("db01".into(), -1_500_000)));
        assert!(parse_skew("nope").is_err());
        assert!(parse_skew("h=soon").is_err());
    }

    /// A deterministic generator of numbers below `n` (xorshift), for the
    /// generated logs.
    fn xorshift(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut seed = seed | 1;
        move |n| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        }
    }

    /// The time of the `i`-th generated message: 100 a second.
    fn stamp(i: usize) -> String {
        format!(
            "2023-06-01 10:{:02}:{:02}.{:03} UTC",
            i / 6000 % 60,
            i / 100 % 60,
            i % 100 * 10
        )
    }

    /// A PostgreSQL log whose processes interleave: messages whose `DETAIL`
    /// and continuation lines come after other processes' messages, lock
    /// waits and their time-outs far apart, lines of other programs, blank
    /// lines. Halfway, `log_line_prefix` changes to one with bare words
    /// (`%u %d`), whose roles are learned from connection messages.
    fn interleaved_postgres_log(messages: usize) -> String {
        let mut log = String::new();
        let mut next = xorshift(0x2545_f491);
        let mut held_over: Vec<String> = Vec::new();
        for i in 0..messages {
            let at = stamp(i);
            let pid = 4000 + next(9);
            let bare = i >= messages / 2;
            let head = if bare {
                format!("{at} [{pid}] app shop")
            } else {
                format!("{at} [{pid}] app@shop")
            };
            let mut lines = match next(10) {
                0 | 1 => vec![
                    format!(
                        "{head} LOG:  process {pid} still waiting for ShareLock on transaction {} after 1000.{:03} ms",
                        900 + next(4),
                        next(1000)
                    ),
                    format!(
                        "{head} DETAIL:  Process holding the lock: {}. Wait queue: {pid}.",
                        5000 + next(3)
                    ),
                    format!(
                        "{head} CONTEXT:  while updating tuple (0,{}) in relation \"items\"",
                        next(5)
                    ),
                    format!(
                        "{head} STATEMENT:  UPDATE items SET n = n - 1 WHERE id = {}",
                        next(40)
                    ),
                ],
                2 => vec![
                    format!("{head} ERROR:  canceling statement due to lock timeout"),
                    format!("{head} STATEMENT:  UPDATE items SET n = 0"),
                ],
                3 => vec![format!(
                    "{head} LOG:  process {pid} acquired ShareLock on transaction {} after 2000.{:03} ms",
                    900 + next(4),
                    next(1000)
                )],
                4 => vec![
                    format!(
                        "{head} LOG:  duration: {}.5 ms  statement: SELECT *",
                        next(90)
                    ),
                    "\tFROM items".to_string(),
                    format!("\tWHERE id = {i}"),
                ],
                5 => vec![
                    format!("{head} LOG:  checkpoint starting: time"),
                    "pg_ctl: another program's line".to_string(),
                ],
                6 => vec![
                    format!("{head} FATAL:  terminating connection due to idle-session timeout"),
                    String::new(),
                ],
                7 if bare && next(3) == 0 => vec![format!(
                    "{head} LOG:  connection authorized: user=app database=shop application_name=psql"
                )],
                _ => vec![format!(
                    "{head} LOG:  duration: {}.25 ms  statement: SELECT 1",
                    next(90)
                )],
            };
            // Hold a message's later lines back past the next message.
            let first = lines.remove(0);
            log.push_str(&first);
            log.push('\n');
            for l in held_over.drain(..) {
                log.push_str(&l);
                log.push('\n');
            }
            if next(4) == 0 && lines.first().is_some_and(|l| l.contains("DETAIL")) {
                held_over = lines;
            } else {
                for l in lines {
                    log.push_str(&l);
                    log.push('\n');
                }
            }
        }
        log
    }

    /// Messages of a busy PostgreSQL server as csvlog rows (statements
    /// over several lines, one of them starting like a row) or jsonlog
    /// lines: lock waits, their time-outs far apart, acquired locks,
    /// durations.
    fn postgres_rows(messages: usize, json: bool) -> String {
        let mut next = xorshift(0x9e37_79b9);
        let csv = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
        let json_str = |v: &str| {
            let mut o = String::from('"');
            for c in v.chars() {
                match c {
                    '"' => o.push_str("\\\""),
                    '\\' => o.push_str("\\\\"),
                    '\n' => o.push_str("\\n"),
                    c => o.push(c),
                }
            }
            o.push('"');
            o
        };
        let mut log = String::new();
        for i in 0..messages {
            let at = stamp(i);
            let pid = 4000 + next(9);
            let (sev, code, msg, detail, context, statement) = match next(8) {
                0 | 1 => (
                    "LOG",
                    "00000",
                    format!(
                        "process {pid} still waiting for ShareLock on transaction {} after 1000.{:03} ms",
                        900 + next(4),
                        next(1000)
                    ),
                    format!(
                        "Process holding the lock: {}. Wait queue: {pid}.",
                        5000 + next(3)
                    ),
                    format!("while updating tuple (0,{}) in relation \"items\"", next(5)),
                    format!("UPDATE items\nSET n = n - 1\nWHERE id = {}", next(40)),
                ),
                2 => (
                    "ERROR",
                    "55P03",
                    "canceling statement due to lock timeout".to_string(),
                    String::new(),
                    String::new(),
                    format!("UPDATE items SET n = 0\n{at},looks,like,a,row"),
                ),
                3 => (
                    "LOG",
                    "00000",
                    format!(
                        "process {pid} acquired ShareLock on transaction {} after 2000.{:03} ms",
                        900 + next(4),
                        next(1000)
                    ),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
                _ => (
                    "LOG",
                    "00000",
                    format!(
                        "duration: {}.5 ms  statement: SELECT *\nFROM items",
                        next(90)
                    ),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
            };
            if json {
                log.push_str(&format!(
                    "{{\"timestamp\":\"{at}\",\"user\":\"app\",\"dbname\":\"shop\",\"pid\":{pid},\"error_severity\":\"{sev}\",\"state_code\":\"{code}\",\"message\":{}",
                    json_str(&msg)
                ));
                for (k, v) in [
                    ("detail", &detail),
                    ("context", &context),
                    ("statement", &statement),
                ] {
                    if !v.is_empty() {
                        log.push_str(&format!(",\"{k}\":{}", json_str(v)));
                    }
                }
                log.push_str(",\"backend_type\":\"client backend\"}\n");
            } else {
                let opt = |v: &str| if v.is_empty() { String::new() } else { csv(v) };
                log.push_str(&format!(
                    "{at},app,shop,{pid},\"[local]\",6b03.{pid},1,UPDATE,{at},3/1,0,{sev},{code},{},{},,,,{},{},,,\"psql\",\"client backend\",,0\n",
                    csv(&msg),
                    opt(&detail),
                    opt(&context),
                    opt(&statement),
                ));
            }
        }
        log
    }

    /// A PostgreSQL log cut where records start, its parts read in
    /// parallel and joined (or read again), is the same timeline and
    /// accounting as one read, whatever the cuts: real servers' logs (the
    /// fixtures, stderr, csvlog and jsonlog), one whose processes
    /// interleave across the cuts, and csvlog and jsonlog files of lock
    /// waits.
    #[test]
    fn postgres_logs_read_in_parts_equal_one_read() {
        let d = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let captured = root.join("parsers/tests/fixtures/postgres");
        let interleaved = d.path().join("interleaved.log");
        std::fs::write(&interleaved, interleaved_postgres_log(4000)).unwrap();
        let csv = d.path().join("postgresql.csv");
        std::fs::write(&csv, postgres_rows(3000, false)).unwrap();
        let json = d.path().join("postgresql.json");
        std::fs::write(&json, postgres_rows(3000, true)).unwrap();
        // A fuzzed log (parsers/tests/fuzz-regressions) whose record outlasts
        // the part after its own at small part sizes.
        let outlasting = d.path().join("outlasting.log");
        let fuzzed =
            std::fs::read(root.join("parsers/tests/fuzz-regressions/parts-record-outlasts-a-part"))
                .unwrap();
        std::fs::write(&outlasting, &fuzzed[2..]).unwrap();
        // A real server's log through rsyslog, backends interleaved.
        let syslog = d.path().join("syslog.log");
        let gz = std::fs::read(captured.join("captured/syslog/postgresql.log.gz")).unwrap();
        let mut relayed = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::MultiGzDecoder::new(&gz[..]),
            &mut relayed,
        )
        .unwrap();
        std::fs::write(&syslog, relayed).unwrap();
        let db = root.join("tests/fixtures/db-capture/postgresql");
        let (stderr, csvlog, jsonlog) = ("postgres-stderr", "postgres-csvlog", "postgres-jsonlog");
        let files = [
            (db.join("postgresql.log"), stderr),
            (db.join("postgresql-alt.log"), stderr),
            (db.join("postgresql-ja.log"), stderr),
            (db.join("postgresql.csv"), csvlog),
            (db.join("postgresql.json"), jsonlog),
            (captured.join("captured/en/postgresql.log"), stderr),
            (captured.join("captured/ja/postgresql.log"), stderr),
            (captured.join("captured/ru/postgresql.log"), stderr),
            // Bare prefix words: read in one piece.
            (captured.join("captured/bare/postgresql.log"), stderr),
            (captured.join("captured/stock/postgresql.log"), stderr),
            (captured.join("lnav/lnav_postgres.1"), stderr),
            (captured.join("lnav/lnav_postgres.2"), stderr),
            (captured.join("pgbadger/pgbadger_pg_rawcsv.log"), stderr),
            (interleaved.clone(), stderr),
            (csv.clone(), csvlog),
            (json.clone(), jsonlog),
            (outlasting.clone(), stderr),
            (syslog.clone(), stderr),
        ];
        let mut parted = 0;
        let (mut joined, mut again) = (0, 0);
        let mut again_by_format = BTreeMap::new();
        for (path, format) in &files {
            let size = std::fs::metadata(path).unwrap().len();
            let run_with = |chunk: u64| {
                let mut opts = IngestOptions::new(Arc::new(Registry::builtin()), Zone::utc());
                opts.chunk_bytes = chunk;
                run(std::slice::from_ref(path), &opts, Arc::new(NoProgress)).unwrap()
            };
            let one = run_with(u64::MAX / 4);
            assert_eq!(one.sources[0].format.as_deref(), Some(*format), "{path:?}");
            assert_eq!(one.sources[0].parts, 0);
            for chunk in [size / 2, size / 5, size / 17, 2048, 700, 256] {
                let split = run_with(chunk.max(1));
                let r = &split.sources[0];
                assert_eq!(
                    split.timeline.debug_rows(),
                    one.timeline.debug_rows(),
                    "{path:?} in parts of {chunk}"
                );
                assert_eq!(
                    accounting(&split),
                    accounting(&one),
                    "{path:?} in parts of {chunk}"
                );
                if r.parts > 1 {
                    parted += 1;
                    joined += r.parts - 1 - r.parts_read_again;
                    again += r.parts_read_again;
                    *again_by_format.entry(*format).or_insert(0) += r.parts_read_again;
                }
            }
        }
        assert!(parted >= 40, "{parted} reads in parts");
        // Lock time-outs of waits reported before the cut are read again.
        assert!(
            again_by_format.values().all(|&n| n > 0) && again_by_format.len() == 3,
            "{again_by_format:?}"
        );
        // Most cuts join; the interleaved log's sometimes cannot.
        assert!(
            joined > 100 && again > 0,
            "{joined} joined, {again} read again"
        );
    }

    /// A PostgreSQL log read in parts spills its statements as well as its
    /// messages to disk, as a log read in one piece does.
    #[test]
    fn a_postgres_log_read_in_parts_spills_its_statements() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("postgresql.log");
        let log = interleaved_postgres_log(3000);
        std::fs::write(&path, &log).unwrap();
        let spill_dir = d.path().join("spill");
        std::fs::create_dir(&spill_dir).unwrap();
        let mut opts = IngestOptions::new(Arc::new(Registry::builtin()), Zone::utc());
        opts.chunk_bytes = log.len() as u64 / 3;
        opts.spill_dir = Some(spill_dir);
        opts.spill_past = 4096;
        let out = run(std::slice::from_ref(&path), &opts, Arc::new(NoProgress)).unwrap();
        assert!(out.sources[0].parts > 4, "{:?}", out.sources[0]);
        assert!(out.timeline.message.is_mapped(), "the messages spilled");
        assert!(out.timeline.statement.is_mapped(), "the statements spilled");
    }

    /// A PostgreSQL log of `messages` random messages from nine processes,
    /// plain or copied through syslog (`[n-k]` line numbers, `#011` for a
    /// tab, other programs' lines between): lock waits, their time-outs,
    /// multi-line statements, and a message's later lines held back past
    /// the next one or two messages.
    fn random_postgres_log(seed: u64, messages: usize, syslog: bool) -> String {
        let mut next = xorshift(seed);
        enum L {
            Label(&'static str, String),
            Tab(String),
            /// Another program's line, and whether it is the first of a run.
            Other(String, bool),
            Blank,
        }
        let mut counts = [0u32; 9];
        let mut held: Vec<String> = Vec::new();
        let mut log = String::new();
        for i in 0..messages {
            let (mm, ss, ms) = (i / 600 % 60, i / 10 % 60, i % 10 * 100);
            let p = next(9) as usize;
            let pid = 4000 + p;
            let lines = match next(9) {
                0 | 1 => vec![
                    L::Label(
                        "LOG",
                        format!(
                            "process {pid} still waiting for ShareLock on transaction {} after 1000.{:03} ms",
                            900 + next(3),
                            next(1000)
                        ),
                    ),
                    L::Label(
                        "DETAIL",
                        format!(
                            "Process holding the lock: {}. Wait queue: {pid}.",
                            5000 + next(3)
                        ),
                    ),
                    L::Label("STATEMENT", "UPDATE items".to_string()),
                    L::Tab(format!("SET n = n - 1 WHERE id = {}", next(9))),
                ],
                2 => vec![
                    L::Label(
                        "ERROR",
                        "canceling statement due to lock timeout".to_string(),
                    ),
                    L::Label("STATEMENT", "UPDATE items SET n = 0".to_string()),
                ],
                3 => vec![L::Label(
                    "LOG",
                    format!(
                        "process {pid} acquired ShareLock on transaction {} after 2000.{:03} ms",
                        900 + next(3),
                        next(1000)
                    ),
                )],
                4 => vec![
                    L::Label(
                        "LOG",
                        format!("duration: {}.5 ms  statement: SELECT *", next(90)),
                    ),
                    L::Tab("FROM items".to_string()),
                    L::Blank,
                ],
                5 => {
                    // Up to seven lines of another program: the first five
                    // are kept with the message, the rest skipped.
                    let mut v = vec![L::Label("LOG", "checkpoint starting: time".to_string())];
                    for k in 0..=next(7) {
                        v.push(L::Other(format!("another program's line {k}"), k == 0));
                    }
                    v
                }
                _ => vec![L::Label(
                    "LOG",
                    format!("duration: {}.25 ms  statement: SELECT 1", next(90)),
                )],
            };
            counts[p] += 1;
            let n = counts[p];
            let rendered: Vec<String> = lines
                .into_iter()
                .enumerate()
                .filter_map(|(k, l)| {
                    let k = k + 1;
                    let at = format!("2023-06-01 10:{mm:02}:{ss:02}.{ms:03} UTC");
                    let sys = format!("Jun  1 10:{mm:02}:{ss:02} db1");
                    Some(match (l, syslog) {
                        (L::Label(w, t), false) => format!("{at} [{pid}] app@shop {w}:  {t}"),
                        (L::Label(w, t), true) => {
                            format!("{sys} postgres[{pid}]: [{n}-{k}] user=app,db=shop {w}:  {t}")
                        }
                        (L::Tab(t), false) => format!("\t{t}"),
                        (L::Tab(t), true) => format!("{sys} postgres[{pid}]: [{n}-{k}] #011{t}"),
                        (L::Other(t, _), false) => format!("pg_ctl: {t}"),
                        // One at a time, or the file would read as syslog.
                        (L::Other(t, true), true) => format!("{sys} cron[99]: (root) CMD ({t})"),
                        (L::Other(_, false), true) => return None,
                        (L::Blank, false) => String::new(),
                        (L::Blank, true) => return None,
                    })
                })
                .collect();
            let mut rendered = rendered.into_iter();
            if let Some(first) = rendered.next() {
                log.push_str(&first);
                log.push('\n');
            }
            // Lines held back from the message before come after this
            // one's first line; this one's may be held back in turn.
            for l in held.drain(..) {
                log.push_str(&l);
                log.push('\n');
            }
            if next(3) == 0 {
                held.extend(rendered);
            } else {
                for l in rendered {
                    log.push_str(&l);
                    log.push('\n');
                }
            }
        }
        for l in held {
            log.push_str(&l);
            log.push('\n');
        }
        log
    }

    /// Random PostgreSQL logs, plain and through syslog, read in parts cut
    /// at random sizes, read as one pass does.
    #[test]
    fn random_postgres_logs_read_in_parts_equal_one_read() {
        let d = tempfile::tempdir().unwrap();
        let (mut parted, mut again) = (0, 0);
        for seed in 1..=24u64 {
            for syslog in [false, true] {
                let path = d.path().join(format!("pg-{seed}-{syslog}.log"));
                let log = random_postgres_log(seed * 7919, 300 + seed as usize * 20, syslog);
                std::fs::write(&path, &log).unwrap();
                let run_with = |chunk: u64| {
                    let mut opts = IngestOptions::new(Arc::new(Registry::builtin()), Zone::utc());
                    opts.chunk_bytes = chunk;
                    opts.year = Some(2023);
                    run(std::slice::from_ref(&path), &opts, Arc::new(NoProgress)).unwrap()
                };
                let one = run_with(u64::MAX / 4);
                assert_eq!(one.sources[0].format.as_deref(), Some("postgres-stderr"));
                for chunk in [seed * 97 % 1500 + 200, seed * 331 % 6000 + 1000] {
                    let split = run_with(chunk);
                    let what = format!("seed {seed}, syslog {syslog}, parts of {chunk}");
                    assert!(split.sources[0].parts > 2, "{what}");
                    assert_eq!(
                        split.timeline.debug_rows(),
                        one.timeline.debug_rows(),
                        "{what}"
                    );
                    assert_eq!(accounting(&split), accounting(&one), "{what}");
                    parted += 1;
                    again += split.sources[0].parts_read_again;
                }
            }
        }
        assert_eq!(parted, 96);
        assert!(again > 0);
    }

    /// Progress counts each byte of a file read in parts once: not the
    /// sample again, not the parts read again.
    #[test]
    fn progress_counts_each_byte_of_a_file_read_in_parts_once() {
        struct Bytes(std::sync::atomic::AtomicU64);
        impl Progress for Bytes {
            fn start(&self, _: u64, _: u64) {}
            fn advance(&self, n: u64) {
                self.0.fetch_add(n, Ordering::Relaxed);
            }
            fn file_done(&self, _: &str) {}
        }
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("postgresql.log");
        let log = interleaved_postgres_log(4000);
        std::fs::write(&path, &log).unwrap();
        let mut opts = IngestOptions::new(Arc::new(Registry::builtin()), Zone::utc());
        opts.chunk_bytes = 2048;
        let bytes = Arc::new(Bytes(std::sync::atomic::AtomicU64::new(0)));
        let out = run(std::slice::from_ref(&path), &opts, bytes.clone()).unwrap();
        assert!(out.sources[0].parts_read_again > 0, "{:?}", out.sources[0]);
        assert_eq!(bytes.0.load(Ordering::Relaxed), log.len() as u64);
    }
}

//! Test support: run one input through every code path a parser can see.
//!
//! [`ParseTester`] feeds the same bytes as one slice and through readers
//! that yield 1 and 7 bytes at a time, and checks the events and the
//! accounting are identical: parsers must never see chunk boundaries.

use crate::decode::{Content, TextReader, sniff_content};
use crate::event::Event;
use crate::parser::{Accounting, Format, SourceCtx, parse_stream};
use crate::split::DEFAULT_MAX_LINE;
use crate::time::{Resolver, Zone};
use std::io::{self, Read};

/// A small deterministic generator (xorshift64) for tests that build many
/// inputs from pieces: the same seed gives the same inputs, so a failure
/// repeats.
pub struct XorShift(pub u64);

impl XorShift {
    /// A number in `0..m` (`m` > 0).
    pub fn below(&mut self, m: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % m.max(1) as u64) as usize
    }

    /// One of `items`, chosen at random.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A reader that returns at most `n` bytes per call.
pub struct Trickle<'a> {
    data: &'a [u8],
    n: usize,
}

impl<'a> Trickle<'a> {
    /// Yield `data` `n` bytes at a time.
    pub fn new(data: &'a [u8], n: usize) -> Trickle<'a> {
        Trickle { data, n: n.max(1) }
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.data.len().min(buf.len()).min(self.n);
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

/// Runs a format over bytes through several reading paths.
pub struct ParseTester<'f> {
    format: &'f dyn Format,
    /// The context parsers are created with.
    pub ctx: SourceCtx,
}

impl<'f> ParseTester<'f> {
    /// A tester for `format`, reading naive timestamps in `zone` (`"UTC"`, `"Asia/Tokyo"`).
    pub fn new(format: &'f dyn Format, zone: &str) -> ParseTester<'f> {
        let zone = zone.parse::<Zone>().unwrap_or_else(|_| Zone::utc());
        ParseTester {
            format,
            ctx: SourceCtx::new(Resolver::new(zone), "test"),
        }
    }

    /// Parse `bytes` once (encoding detected), as one slice.
    pub fn run(&self, bytes: &[u8]) -> (Vec<Event<'static>>, Accounting) {
        self.run_reader(bytes, bytes)
    }

    fn run_reader<R: Read>(&self, sample: &[u8], reader: R) -> (Vec<Event<'static>>, Accounting) {
        let (encoding, bom) = match sniff_content(&sample[..sample.len().min(64 * 1024)]) {
            Content::Text { encoding, bom } => (encoding, bom),
            Content::Binary { .. } => (encoding_rs::UTF_8, 0),
        };
        let mut parser = self.format.parser(&self.ctx);
        let mut events: Vec<Event<'static>> = Vec::new();
        let acct = match TextReader::new(reader, encoding, bom) {
            Ok(r) => {
                parse_stream(
                    r,
                    parser.as_mut(),
                    &mut events,
                    DEFAULT_MAX_LINE,
                    &mut |_| {},
                )
                .0
            }
            Err(_) => Accounting::default(),
        };
        (events, acct)
    }

    /// Parse `bytes` as one slice and in 1- and 7-byte reads; return the
    /// result, or describe the first difference between paths.
    pub fn check(&self, bytes: &[u8]) -> Result<(Vec<Event<'static>>, Accounting), String> {
        let whole = self.run(bytes);
        for n in [1usize, 7] {
            let other = self.run_reader(bytes, Trickle::new(bytes, n));
            if other.1 != whole.1 {
                return Err(format!(
                    "accounting differs with {n}-byte reads: {:?} vs {:?}",
                    other.1, whole.1
                ));
            }
            if other.0.len() != whole.0.len() {
                return Err(format!(
                    "{} events with {n}-byte reads, {} as a slice",
                    other.0.len(),
                    whole.0.len()
                ));
            }
            if let Some(i) = (0..whole.0.len()).find(|&i| other.0[i] != whole.0[i]) {
                return Err(format!(
                    "event {i} differs with {n}-byte reads:\n{:?}\nvs\n{:?}",
                    other.0[i], whole.0[i]
                ));
            }
        }
        if !whole.1.balanced() {
            return Err(format!("accounting does not balance: {:?}", whole.1));
        }
        Ok(whole)
    }
}

/// The parser families the fuzz targets (`fuzz/`) drive, by name.
pub const FUZZ_FAMILIES: [&str; 7] = [
    "postgres",
    "mysql",
    "access",
    "syslog",
    "jobs",
    "apps",
    "structured",
];

/// The family of a registry format, by its name (formats added later fall
/// into `apps`, so every format is fuzzed by some target).
pub fn fuzz_family(format_name: &str) -> &'static str {
    let n = format_name;
    if n.starts_with("postgres") {
        "postgres"
    } else if n.starts_with("mysql") || n.starts_with("innodb") {
        "mysql"
    } else if matches!(
        n,
        "haproxy-http" | "access-json" | "ltsv" | "openstack-oslo" | "uwsgi" | "iis-w3c"
    ) || n.contains("combined")
        || n.contains("common")
        || n.starts_with("nginx")
        || n.starts_with("apache")
    {
        "access"
    } else if n.starts_with("syslog") || n.starts_with("journald") {
        "syslog"
    } else if n.starts_with("sidekiq") || n.starts_with("celery") || n.starts_with("kube") {
        "jobs"
    } else if matches!(n, "json-lines" | "logfmt" | "generic") || n.contains("-kv") {
        "structured"
    } else {
        "apps"
    }
}

/// One fuzz input through the ingest path: for the `sniff` target, content
/// sniffing (binary or text, encoding, BOM) and format sniffing on the
/// decoded head; then [`parse_stream`] with a reader of fuzzer-chosen read size, into a sink
/// that enriches each event and takes it over (as the timeline does).
///
/// `family` `None` parses with the sniffed format (or none, when nothing
/// matches); `Some(f)` skips sniffing and picks one format of family `f` by
/// the first byte. The second byte picks the read size (1 byte to 32 KiB),
/// a short line limit (the overlong path) and, for a family, the encoding
/// (UTF-8, Shift_JIS or EUC-JP). Panics when a parser panics or the accounting
/// identity `parsed + continuation + skipped == lines` breaks: that is
/// what the fuzzer looks for.
pub fn fuzz_one(data: &[u8], family: Option<&str>) {
    use crate::parser::Sample;
    use crate::registry::{Registry, sample_lines};
    use std::sync::OnceLock;
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(Registry::builtin);
    let (Some(&sel), Some(&knobs)) = (data.first(), data.get(1)) else {
        return;
    };
    let body = &data[2..];
    let (format, encoding, bom) = match family {
        // The `sniff` target: content and format sniffing on every input,
        // then the format they chose, as ingest does.
        None => {
            let head = &body[..body.len().min(64 * 1024)];
            let (encoding, bom) = match sniff_content(head) {
                Content::Text { encoding, bom } => (encoding, bom),
                Content::Binary { .. } => (encoding_rs::UTF_8, 0),
            };
            let (text, _) = encoding.decode_without_bom_handling(&head[bom.min(head.len())..]);
            let lines = sample_lines(&text);
            let sniffed = registry.sniff(&Sample {
                lines: &lines,
                file_name: "fuzz.log",
            });
            assert!(
                sniffed
                    .scores
                    .iter()
                    .all(|(_, s)| s.is_finite() && *s > 0.0)
            );
            match sniffed.best.and_then(|i| registry.entry(i)) {
                Some(e) => (e.format.clone(), encoding, bom),
                None => return,
            }
        }
        // A family target: straight to the parser. Sniffing every format
        // and detecting the encoding (chardetng) took three quarters of
        // each execution and belong to the `sniff` target; two knob bits
        // pick the encoding instead.
        Some(f) => {
            let members: Vec<_> = registry
                .entries()
                .iter()
                .filter(|e| fuzz_family(e.format.name()) == f)
                .collect();
            if members.is_empty() {
                return;
            }
            let encoding = match knobs & 0x30 {
                0x10 => encoding_rs::SHIFT_JIS,
                0x20 => encoding_rs::EUC_JP,
                _ => encoding_rs::UTF_8,
            };
            (
                members[sel as usize % members.len()].format.clone(),
                encoding,
                0,
            )
        }
    };
    let mut ctx = SourceCtx::new(Resolver::new(Zone::utc()), "fuzz.log");
    if sel & 0x80 != 0 {
        ctx.snapshot_time = Some(1_685_598_600_000_000);
    }
    let read_size = 1usize << (knobs & 0x0f);
    let max_line = if knobs & 0x40 != 0 {
        64
    } else {
        DEFAULT_MAX_LINE
    };
    struct Take(u64);
    impl crate::event::EventSink for Take {
        fn push(&mut self, mut event: Event<'_>) {
            crate::enrich::enrich(&mut event);
            let owned = event.into_owned();
            self.0 += u64::from(owned.line > 0);
        }
    }
    let mut parser = format.parser(&ctx);
    let Ok(reader) = TextReader::new(Trickle::new(body, read_size), encoding, bom) else {
        return;
    };
    let mut sink = Take(0);
    let (acct, _) = parse_stream(reader, parser.as_mut(), &mut sink, max_line, &mut |_| {});
    assert!(
        acct.balanced(),
        "{}: accounting does not balance: {acct:?}",
        format.name()
    );
}

/// Where a file of `format` would be cut into parts of about `step` bytes:
/// each cut at the first line at or after its target (within half a step)
/// that [`Format::starts_part`] accepts, as ingest's `record_cuts` finds
/// them. The first part starts at 0.
pub fn record_cuts_in(format: &dyn Format, body: &[u8], step: usize) -> Vec<usize> {
    let step = step.max(1);
    let mut cuts = vec![0usize];
    let mut target = step;
    while target < body.len() {
        let Some(nl) = memchr::memchr(b'\n', &body[target - 1..]) else {
            break;
        };
        let at = target + nl;
        if at >= body.len() {
            break;
        }
        target = at + step;
        if cuts.last().is_some_and(|&c| at <= c) {
            continue;
        }
        let mut pos = at;
        while pos < body.len() && pos - at < (step / 2).max(1) {
            let end = memchr::memchr(b'\n', &body[pos..]).map_or(body.len(), |n| pos + n + 1);
            let text = String::from_utf8_lossy(&body[pos..end]);
            if starts_part_line(format, &text) {
                cuts.push(pos);
                break;
            }
            pos = end;
        }
    }
    cuts
}

fn starts_part_line(format: &dyn Format, line: &str) -> bool {
    format.starts_part(line.trim_end_matches(['\n', '\r']))
}

/// `body` (UTF-8) read by `format` cut at `cuts` (ascending, the first 0):
/// each part by a fresh [`Format::part_parser`] reading on into the rest
/// ([`parse_part`]), joined to the parts before it in file order by
/// [`Format::join_parts`], or read again by a parser going on from them
/// when that refuses, as ingest reads a large file. Returns the events (at
/// their lines and offsets in the whole file), the accounting and how many
/// parts were read again; `None` when the format cannot read parts.
pub fn read_in_parts(
    format: &dyn Format,
    ctx: &SourceCtx,
    body: &[u8],
    cuts: &[usize],
    max_line: usize,
) -> Option<(Vec<Event<'static>>, Accounting, u32)> {
    use crate::parser::{Join, PartEnd, join_part, parse_part, with_earlier_claims};
    type Part = (Vec<Event<'static>>, Accounting, PartEnd, Vec<u32>);
    let parse = |k: usize, after: Option<(&PartEnd, &[u32])>| -> Option<Part> {
        let start = cuts[k];
        let end = cuts.get(k + 1).copied().unwrap_or(body.len());
        let mut parser = format.part_parser(ctx, after)?;
        let reader = TextReader::new(&body[start..end], encoding_rs::UTF_8, 0).ok()?;
        let next = (end < body.len())
            .then(|| TextReader::new(&body[end..], encoding_rs::UTF_8, 0).ok())
            .flatten();
        let mut events: Vec<Event<'static>> = Vec::new();
        let (acct, _, claimed) = parse_part(
            reader,
            next,
            parser.as_mut(),
            &mut events,
            max_line,
            &mut |_| {},
        );
        Some((events, acct, parser.part_end(), claimed))
    };
    let mut all = Vec::new();
    let mut total = Accounting::default();
    let mut carried: Option<(PartEnd, Vec<u32>)> = None;
    let mut read_again = 0;
    for k in 0..cuts.len() {
        let (mut events, mut acct, end, claims) = parse(k, None)?;
        let (end, claims) = match carried.take() {
            None => (end, claims),
            Some((before, claimed)) => {
                let examples = total.skipped_examples.len();
                match join_part(format, &before, &claimed, examples, &end, claims, &mut acct) {
                    Join::Joined(end, claims) => (end, claims),
                    Join::ReadAgain { claimed, later } => {
                        read_again += 1;
                        let again = parse(k, Some((&before, &claimed)))?;
                        events = again.0;
                        acct = again.1;
                        (again.2, with_earlier_claims(again.3, later))
                    }
                }
            }
        };
        carried = Some((end, claims));
        let lines_before = total.lines.min(u64::from(u32::MAX)) as u32;
        for e in &mut events {
            e.line = e.line.saturating_add(lines_before);
            e.offset += total.bytes;
        }
        for ex in &mut acct.skipped_examples {
            if ex.0 > 0 {
                ex.0 = ex.0.saturating_add(lines_before);
            }
        }
        total.merge(&acct);
        all.append(&mut events);
    }
    Some((all, total, read_again))
}

/// Compare `body` read in one pass with `body` read in parts of about
/// `step` bytes ([`record_cuts_in`], [`read_in_parts`]); describe the first
/// difference. Files whose head [`Format::cut_at_records`] refuses are not
/// cut (ingest reads them whole) and compare equal.
pub fn parts_equal_one_pass(
    format: &dyn Format,
    ctx: &SourceCtx,
    body: &[u8],
    step: usize,
    max_line: usize,
) -> Result<(), String> {
    use crate::parser::Sample;
    use crate::registry::sample_lines;
    let head = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let lines = sample_lines(&head);
    let sample = Sample {
        lines: &lines,
        file_name: "parts.log",
    };
    if !format.cut_at_records(&sample) {
        return Ok(());
    }
    let cuts = record_cuts_in(format, body, step);
    let Some((parts, parts_acct, _)) = read_in_parts(format, ctx, body, &cuts, max_line) else {
        return Err(format!("{} cannot read parts", format.name()));
    };
    let mut parser = format.parser(ctx);
    let mut whole: Vec<Event<'static>> = Vec::new();
    let acct = match TextReader::new(body, encoding_rs::UTF_8, 0) {
        Ok(r) => parse_stream(r, parser.as_mut(), &mut whole, max_line, &mut |_| {}).0,
        Err(e) => return Err(e.to_string()),
    };
    let cuts_note = format!("{}, cut at {cuts:?}", format.name());
    if parts_acct != acct {
        return Err(format!(
            "{cuts_note}: accounting differs:\n{parts_acct:?}\nvs one pass\n{acct:?}"
        ));
    }
    if let Some(i) = (0..whole.len().max(parts.len())).find(|&i| parts.get(i) != whole.get(i)) {
        return Err(format!(
            "{cuts_note}: event {i} differs:\n{:?}\nvs one pass\n{:?}",
            parts.get(i),
            whole.get(i)
        ));
    }
    Ok(())
}

/// The `parts` fuzz target: a PostgreSQL log (stderr, csvlog or jsonlog,
/// by the first byte) read in one pass and in parts of 16 bytes to 2 KiB
/// (the second byte), which must give the same events and accounting.
/// Panics with the first difference.
pub fn fuzz_parts(data: &[u8]) {
    use crate::registry::Registry;
    use std::sync::OnceLock;
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(Registry::builtin);
    let (Some(&sel), Some(&knobs)) = (data.first(), data.get(1)) else {
        return;
    };
    let formats = ["postgres-stderr", "postgres-csvlog", "postgres-jsonlog"];
    let name = formats[sel as usize % formats.len()];
    let Some(entry) = registry.find(name).and_then(|i| registry.entry(i)) else {
        return;
    };
    let mut ctx = SourceCtx::new(Resolver::new(Zone::utc()), "parts.log");
    if sel & 0x80 != 0 {
        ctx.snapshot_time = Some(1_685_598_600_000_000);
    }
    let step = 16usize << (knobs & 0x07);
    let max_line = if knobs & 0x40 != 0 {
        64
    } else {
        DEFAULT_MAX_LINE
    };
    let compared = parts_equal_one_pass(entry.format.as_ref(), &ctx, &data[2..], step, max_line);
    if let Err(difference) = compared {
        unreachable!("{difference}");
    }
}

//! The markdown export against hostile log text: a case whose messages,
//! statements, hosts, paths, finding attributes and notes are full of
//! markdown, HTML, mermaid syntax, ANSI sequences and control characters
//! must still render to exactly the structure the exporter builds. The
//! report is parsed with pulldown-cmark (GFM tables on) and checked:
//! headings only where the exporter puts them, every table row with the
//! header's column count, no raw HTML, no links or images, no control
//! characters, safe mermaid lines, and the hostile text shown verbatim.

use pm_parsers::time::Zone;
use pm_parsers::{Event, Kind, Level};
use pm_tui::export::{self, ExportOptions};
use pm_tui::model::case::CASE_VERSION;
use pm_tui::model::{
    Annotation, AnnotationLabel, Case, CaseMeta, Finding, FindingKind, SourceReport, Timeline,
};
use pulldown_cmark::{CodeBlockKind, Event as Md, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde_json::{Map, Value, json};
use std::borrow::Cow;

const T0: i64 = 1_588_420_800_000_000; // 2020-05-02T12:00:00Z

const HOSTILE: &[&str] = &[
    "pipe | in | text",
    "`backtick` and ``double`` and ```fence",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "# heading at line start",
    "> quote at line start",
    "- list at line start",
    "+ plus list",
    "1. numbered list",
    "[link](http://evil.example/) and ![img](http://evil.example/x.png)",
    "*emphasis* _underscore_ **strong** ~~strike~~",
    "\x1b[31mred ANSI\x1b[0m and \x1b]0;title\x07 OSC",
    "bell\x07 backspace\x08 del\x7f nul\u{0}",
    "multi\nline\r\nrecord\rwith CR",
    "bidi \u{202e}override\u{202c} text",
    "html entity &copy; &#x41; and </td></tr></table>",
    "mermaid: section x; click t1 call alert() %% comment #35;",
    "|---|---|",
    "trailing backslash \\",
    "    four-space indent",
    "=== setext underline",
    "$math$ and {braces}",
];

fn hostile(k: usize) -> String {
    HOSTILE[k % HOSTILE.len()].to_string()
}

fn ev(kind: Kind, ts: i64, line: u32, msg: String) -> Event<'static> {
    let mut e = Event::new(kind, ts, line, line as u64 * 100);
    e.message = Cow::Owned(msg);
    e
}

fn source(path: &str, lines: u64) -> SourceReport {
    SourceReport {
        path: path.to_string(),
        group: path.to_string(),
        format: Some("generic | `fmt`".to_string()),
        format_reason: "sniffed".into(),
        encoding: Some("utf-8".into()),
        compression: "none".into(),
        lines,
        parsed: lines - 2,
        continuation: 1,
        skipped: 1,
        skip_reasons: [("no timestamp | <b>bold</b>".to_string(), 1)]
            .into_iter()
            .collect(),
        skipped_examples: vec![],
        events: lines - 2,
        events_kept: lines - 2,
        invalid_sequences: 0,
        size: 1000,
        host: Some("web|01 <i>".into()),
        error: None,
        notes: Vec::new(),
        ..SourceReport::default()
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A case with 3 sources, ~70 events (every hostile string several times)
/// and one finding of every kind, all carrying hostile text.
pub fn hostile_case() -> Case {
    let mut t = Timeline::new();
    let mut n = 0u32;
    for k in 0..(HOSTILE.len() * 3) {
        n += 1;
        let ts = T0 + k as i64 * 20_000_000;
        let src = (k % 3) as u32;
        let kind = [
            Kind::LockWait,
            Kind::Request,
            Kind::Error,
            Kind::JobStart,
            Kind::Log,
        ][k % 5];
        let mut e = ev(kind, ts, n, hostile(k));
        e.host = Some(Cow::Owned(format!(
            "host{}{}",
            k % 2,
            if k % 7 == 0 { "|`<x>`" } else { "" }
        )));
        e.level = Some(Level::Error);
        e.pid = Some(100 + (k % 4) as i64);
        match kind {
            Kind::LockWait => {
                e.blocker_pid = Some(100);
                e.duration_ms = Some(1000.0 + k as f64);
                e.resource = Some(Cow::Owned(hostile(k + 1)));
            }
            Kind::Request => {
                e.method = Some(Cow::Borrowed("POST"));
                e.path = Some(Cow::Owned(format!("/checkout?q={}", hostile(k + 2))));
                e.route = Some(Cow::Borrowed("/checkout"));
                e.status = Some(if k % 2 == 0 { 504 } else { 200 });
                e.duration_ms = Some(12_000.0);
            }
            Kind::Error => e.code = Some(Cow::Owned(hostile(k + 3))),
            Kind::JobStart => e.job = Some(Cow::Owned(hostile(k + 4))),
            _ => {}
        }
        if k % 4 == 0 {
            e.statement = Some(Cow::Owned(format!(
                "SELECT * FROM items WHERE note = '{}' FOR UPDATE",
                hostile(k + 5)
            )));
        }
        t.push(src, &e);
    }
    t.sort();
    let len = t.len() as u64;
    let evidence: Vec<u64> = (0..len).collect();
    let f = |id: &str, kind: FindingKind, a: i64, b: i64, attrs: Value| Finding {
        id: id.to_string(),
        kind,
        start: T0 + a * 1_000_000,
        end: T0 + b * 1_000_000,
        score: 0.9,
        summary: format!(
            "{id} summary: {} | {}",
            hostile(id.len() * 3),
            hostile(id.len() * 5 + 1)
        ),
        evidence: evidence
            .iter()
            .copied()
            .filter(|e| e % (id.len() as u64 + 1) == 0)
            .collect(),
        attrs: obj(attrs),
    };
    let findings = vec![
        f(
            "F1",
            FindingKind::LockConvoy,
            0,
            900,
            json!({
                "resource": hostile(1), "waiters": 12, "max_wait_ms": 13000.0, "total_wait_ms": 120000.0,
                "blocker": {"pid": 100, "txn": "42|`x`", "app": hostile(2), "host": hostile(3), "statement": hostile(4), "share": 0.8, "job": hostile(5)},
                "top_blockers": [{"pid": 100, "txn": hostile(6), "wait_ms": 100.0}, {"pid": 101, "txn": null, "wait_ms": 50.0}],
                "new_attr_from_the_future": hostile(7),
            }),
        ),
        f(
            "F2",
            FindingKind::LatencySpike,
            60,
            1200,
            json!({
                "endpoint": hostile(0), "p95_ms": 45000.0, "baseline_p95_ms": 180.0, "requests": 1234, "errors": 56,
                "causes": [{"finding": "F1", "kind": "lock_convoy", "score": 0.93, "reason": hostile(8)}],
            }),
        ),
        f(
            "F3",
            FindingKind::Saturation,
            0,
            1300,
            json!({"endpoint": hostile(9), "knee_rpm": 400.0, "p95_below_ms": 200.0, "p95_above_ms": 9000.0}),
        ),
        f(
            "F4",
            FindingKind::ErrorBurst,
            100,
            400,
            json!({"code": hostile(10), "count": 99, "sources": [hostile(11)], "example": hostile(12)}),
        ),
        f(
            "F5",
            FindingKind::DuplicateRun,
            200,
            800,
            json!({
                "job": hostile(13), "hosts": ["a|b", "<c>"], "overlap_ms": 60000.0, "ids_twice_count": 2, "ids_twice": ["user_id=1|x", hostile(14)],
                "runs": [
                    {"host": hostile(15), "pid": 1, "start": "2020-05-02T12:03:20Z", "end": "2020-05-02T12:10:00Z", "outcome": "ended", "ids": 5},
                    {"host": "b`", "pid": 2, "start": "2020-05-02T12:04:00Z", "end": "2020-05-02T12:13:20Z", "outcome": "failed", "ids": 5}
                ],
                "causes": [{"what": hostile(16), "ts": "2020-05-02T12:05:00Z", "event": 3, "text": hostile(17)}],
            }),
        ),
        f(
            "F6",
            FindingKind::Deadlock,
            300,
            300,
            json!({"source": "innodb", "tables": [hostile(18)], "participants": [{"pid": 1, "txn": "7", "statement": hostile(19), "victim": true, "table": hostile(20)}]}),
        ),
        f(
            "F7",
            FindingKind::LockTimeout,
            500,
            700,
            json!({"resource": hostile(21), "count": 3, "pids": [1, 2]}),
        ),
        // Far away: a second episode, with no attrs at all.
        f("F8", FindingKind::LatencySpike, 86_400, 87_000, json!({})),
    ];
    let annotations = vec![
        Annotation {
            ts: T0 + 30_000_000,
            event: Some(2),
            label: AnnotationLabel::OutageBegins,
            note: hostile(4),
        },
        Annotation {
            ts: T0 + 90_000_000,
            event: None,
            label: AnnotationLabel::Detection,
            note: hostile(10),
        },
        Annotation {
            ts: T0 + 600_000_000,
            event: Some(20),
            label: AnnotationLabel::Mitigation,
            note: hostile(9),
        },
        Annotation {
            ts: T0 + 700_000_000,
            event: None,
            label: AnnotationLabel::Note,
            note: hostile(5),
        },
    ];
    let sources = vec![
        source("logs/web|01/access `x`.log", 30),
        source("logs/db01/<slow>.log", 30),
        source("logs/app01/# app.log", 30),
    ];
    Case {
        meta: CaseMeta {
            version: CASE_VERSION,
            created_by: "pm-tui test".into(),
            created: "2020-06-01T00:00:00.000Z".into(),
            zone: "Asia/Tokyo".into(),
            zone_source: "--tz".into(),
            inputs: vec!["logs/hostile | `case`".into()],
            events: len,
            first_ts: None,
            last_ts: None,
            sources,
        },
        timeline: t,
        findings,
        annotations,
    }
}

fn opts() -> ExportOptions {
    ExportOptions::new("Asia/Tokyo".parse::<Zone>().expect("zone"))
}

fn parse(md: &str) -> Vec<Md<'_>> {
    let mut o = Options::empty();
    o.insert(Options::ENABLE_TABLES);
    o.insert(Options::ENABLE_STRIKETHROUGH);
    o.insert(Options::ENABLE_TASKLISTS);
    Parser::new_ext(md, o).collect()
}

/// Headings as (level, plain text).
fn headings(events: &[Md<'_>]) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(u8, String)> = None;
    for e in events {
        match e {
            Md::Start(Tag::Heading { level, .. }) => {
                let l = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                cur = Some((l, String::new()));
            }
            Md::Text(t) | Md::Code(t) => {
                if let Some((_, s)) = cur.as_mut() {
                    s.push_str(t);
                }
            }
            Md::End(TagEnd::Heading(_)) => {
                if let Some(h) = cur.take() {
                    out.push(h);
                }
            }
            _ => {}
        }
    }
    out
}

/// Every table as (header cells, cells per body row), and the text of
/// every body cell. pulldown-cmark, like GFM, pads short rows and drops the
/// excess cells of long ones, so counts alone cannot catch a stray pipe:
/// the cell texts must also hold what was written into them.
fn tables(events: &[Md<'_>]) -> Vec<(usize, Vec<usize>)> {
    table_cells(events)
        .into_iter()
        .map(|(h, rows)| (h, rows.iter().map(Vec::len).collect()))
        .collect()
}

fn table_cells(events: &[Md<'_>]) -> Vec<(usize, Vec<Vec<String>>)> {
    let mut out = Vec::new();
    let mut head = 0usize;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut in_head = false;
    for e in events {
        match e {
            Md::Start(Tag::Table(_)) => {
                head = 0;
                rows.clear();
            }
            Md::Start(Tag::TableHead) => in_head = true,
            Md::End(TagEnd::TableHead) => in_head = false,
            Md::Start(Tag::TableRow) => row.clear(),
            Md::End(TagEnd::TableRow) => rows.push(row.clone()),
            Md::Start(Tag::TableCell) => cell.clear(),
            Md::Text(t) | Md::Code(t) => cell.push_str(t),
            Md::End(TagEnd::TableCell) => {
                if in_head {
                    head += 1;
                } else {
                    row.push(cell.clone());
                }
            }
            Md::End(TagEnd::Table) => out.push((head, rows.clone())),
            _ => {}
        }
    }
    out
}

fn plain_text(events: &[Md<'_>]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Md::Text(t) | Md::Code(t) => s.push_str(t),
            Md::SoftBreak | Md::HardBreak => s.push('\n'),
            Md::End(_) => s.push('\n'),
            _ => {}
        }
    }
    s
}

fn mermaid_blocks(events: &[Md<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for e in events {
        match e {
            Md::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang)))
                if lang.as_ref() == "mermaid" =>
            {
                cur = Some(String::new())
            }
            Md::Text(t) => {
                if let Some(c) = cur.as_mut() {
                    c.push_str(t);
                }
            }
            Md::End(TagEnd::CodeBlock) => {
                if let Some(c) = cur.take() {
                    out.push(c);
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn hostile_text_keeps_the_structure() {
    let case = hostile_case();
    let md = export::markdown(&case, &opts()).expect("renders");
    let events = parse(&md);

    // No raw HTML, no links or images anywhere.
    for e in &events {
        assert!(
            !matches!(e, Md::Html(_) | Md::InlineHtml(_)),
            "raw HTML node {e:?}\n{md}"
        );
        assert!(
            !matches!(
                e,
                Md::Start(Tag::Link { .. }) | Md::Start(Tag::Image { .. })
            ),
            "link or image {e:?}"
        );
    }
    // No control characters or bidi overrides survive.
    for c in md.chars() {
        assert!(
            !(('\u{202A}'..='\u{202E}').contains(&c) || (c.is_control() && c != '\n')),
            "control character {:?} in the report",
            c
        );
    }

    // Headings only where the exporter puts them.
    let hs = headings(&events);
    let h1: Vec<&String> = hs.iter().filter(|(l, _)| *l == 1).map(|(_, t)| t).collect();
    assert_eq!(h1.len(), 1, "{hs:?}");
    assert!(
        h1[0].starts_with("Postmortem draft: hostile | `case`"),
        "{h1:?}"
    );
    let h2: Vec<&str> = hs
        .iter()
        .filter(|(l, _)| *l == 2)
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        h2,
        [
            "Summary",
            "Impact",
            "Detection",
            "Root-cause evidence",
            "Resolution and action items",
            "Lessons learned",
            "Timeline",
            "Appendix: sources"
        ]
    );
    let h3: Vec<&str> = hs
        .iter()
        .filter(|(l, _)| *l == 3)
        .map(|(_, t)| t.as_str())
        .collect();
    let episodes = h3.iter().filter(|t| t.starts_with("Episode ")).count();
    let findings = h3.iter().filter(|t| t.starts_with('F')).count();
    assert_eq!(episodes, 2, "{h3:?}");
    assert_eq!(findings, case.findings.len(), "{h3:?}");
    assert_eq!(h3.len(), episodes + findings + 1, "{h3:?}");
    assert!(h3.contains(&"Incident chart"));
    assert!(hs.iter().all(|(l, _)| *l <= 3), "{hs:?}");

    // Every table row has the header's column count; the appendix lists
    // every source plus a total; row counts match the lines written.
    let ts = tables(&events);
    assert!(
        ts.len() >= 3,
        "impact, timeline and appendix tables: {ts:?}"
    );
    for (head, rows) in &ts {
        for r in rows {
            assert_eq!(
                r, head,
                "a row with {r} cells under a {head}-column header: {ts:?}"
            );
        }
    }
    let raw_rows = md.lines().filter(|l| l.starts_with('|')).count();
    let parsed_rows: usize = ts.iter().map(|(_, rows)| rows.len() + 2).sum();
    assert_eq!(raw_rows, parsed_rows, "every table line is one row");
    let appendix = ts.last().expect("appendix table");
    assert_eq!(appendix.0, 9);
    assert_eq!(appendix.1.len(), case.meta.sources.len() + 1);
    // Cells hold exactly what was put in them: no pipe split a cell.
    let cells = table_cells(&events);
    let app = &cells.last().expect("appendix").1;
    let names: Vec<&str> = app.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names[..3],
        [
            "web|01/access `x`.log",
            "db01/<slow>.log",
            "app01/# app.log"
        ]
    );
    for r in &app[..3] {
        assert_eq!(r[1], "generic | `fmt`");
        assert_eq!(r[2], "web|01 <i>");
        assert_eq!(r[8], "1 × no timestamp | <b>bold</b>");
    }
    let tl = &cells.iter().find(|(h, _)| *h == 4).expect("timeline").1;
    let mut evidence_rows = 0;
    for r in tl {
        if r[2].contains(".log:") {
            // An evidence row: "<log text> (Fn why)" with the host beside it.
            assert!(r[1].starts_with("host"), "host cell {:?}", r[1]);
            let annotated = [
                "OUTAGE",
                "MITIGATED",
                "detection",
                "note",
                "mark",
                "root cause",
            ]
            .iter()
            .any(|l| r[3].starts_with(l));
            if !annotated {
                evidence_rows += 1;
                assert!(r[3].ends_with(')'), "event cell cut short: {:?}", r[3]);
            }
            let line: usize = r[2]
                .rsplit(':')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("line number");
            let i = (0..case.timeline.len())
                .find(|&i| case.timeline.line(i) as usize == line)
                .expect("event");
            let t = &case.timeline;
            let first = if t.kind(i) == Kind::Request {
                t.path(i).unwrap_or("")
            } else {
                t.message(i)
            };
            let shown = first
                .split([
                    '\x1b', '\x07', '\x08', '\x7f', '\u{0}', '\n', '\r', '\u{202e}',
                ])
                .next()
                .unwrap_or("")
                .trim();
            assert!(
                r[3].contains(shown),
                "event {i}: {shown:?} not in {:?}",
                r[3]
            );
        }
    }
    assert!(evidence_rows > 0, "the timeline quotes log lines");
    let timeline = ts.iter().find(|(h, _)| *h == 4).expect("timeline table");
    assert!(timeline.1.len() <= opts().max_events);
    assert!(timeline.1.len() >= case.annotations.len());

    // The hostile text is shown, verbatim once rendered (control characters
    // and ANSI aside).
    let text = plain_text(&events);
    for needle in [
        "pipe | in | text",
        "<script>alert('x')</script>",
        "[link](http://evil.example/)",
        "*emphasis* _underscore_ **strong** ~~strike~~",
        "# heading at line start",
        "html entity &copy; &#x41; and </td></tr></table>",
        "red ANSI and",
        "bell\\x07 backspace\\x08",
        "multi ↵ line ↵ record ↵ with CR",
        "bidi \\u{202e}override",
        "$math$ and {braces}",
    ] {
        assert!(text.contains(needle), "{needle:?} not shown verbatim");
    }

    // Mermaid: one chart per episode, every line of a known, safe shape.
    let charts = mermaid_blocks(&events);
    assert_eq!(charts.len(), 2);
    let task = regex::Regex::new(
        r"^    [\p{L}\p{N} .,\-_/=+…∶]+ :(?:(?:crit|active|done), )?t\d+, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$",
    )
    .expect("regex");
    let milestone = regex::Regex::new(
        r"^    [\p{L}\p{N} .,\-_/=+…∶]+ :milestone, t\d+, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, 0d$",
    )
    .expect("regex");
    let title = regex::Regex::new(r"^    title [\p{L}\p{N} .,\-_/=+…∶]+$").expect("regex");
    let section = regex::Regex::new(r"^    section [A-Za-z]+$").expect("regex");
    let keywords = [
        "click",
        "section",
        "title",
        "dateFormat",
        "axisFormat",
        "excludes",
        "todayMarker",
        "tickInterval",
    ];
    for c in &charts {
        let mut lines = c.lines();
        assert_eq!(lines.next(), Some("gantt"));
        for l in lines {
            let ok = l == "    dateFormat YYYY-MM-DD HH:mm:ss"
                || l == "    axisFormat %H:%M"
                || title.is_match(l)
                || section.is_match(l)
                || task.is_match(l)
                || milestone.is_match(l);
            assert!(ok, "unsafe mermaid line {l:?}");
            if task.is_match(l) || milestone.is_match(l) {
                let first = l.trim_start().split(' ').next().unwrap_or("");
                assert!(
                    !keywords.contains(&first),
                    "task label starts with a keyword: {l:?}"
                );
            }
        }
    }
}

#[test]
fn deterministic_and_windowed() {
    let case = hostile_case();
    let a = export::markdown(&case, &opts()).expect("renders");
    let b = export::markdown(&case, &opts()).expect("renders");
    assert_eq!(a, b);
    assert_eq!(export::json(&case, &opts()), export::json(&case, &opts()));
    assert_eq!(export::csv(&case, &opts()), export::csv(&case, &opts()));

    // A window before the far episode drops it.
    let mut o = opts();
    o.until = Some(T0 + 3_600_000_000);
    o.max_events = 5;
    let md = export::markdown(&case, &o).expect("renders");
    let events = parse(&md);
    let hs = headings(&events);
    assert_eq!(
        hs.iter().filter(|(_, t)| t.starts_with("Episode ")).count(),
        1
    );
    assert!(!md.contains("F8 · "), "F8 is outside the window");
    let timeline = tables(&events)
        .into_iter()
        .find(|(h, _)| *h == 4)
        .expect("timeline");
    assert_eq!(timeline.1.len(), 5, "--max-events");

    let mut bad = opts();
    bad.since = Some(T0);
    bad.until = Some(T0);
    assert!(export::markdown(&case, &bad).is_err());
}

#[test]
fn redaction_reaches_every_format() {
    let mut case = hostile_case();
    let secrets = [
        "alice@example.com",
        "10.20.30.40",
        "2001:db8::7",
        "s3cr3tpass",
        "hunter2",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
    ];
    case.findings[0].summary =
        "blocked by alice@example.com from 10.20.30.40 (postgres://app:s3cr3tpass@db01/shop)"
            .into();
    case.annotations[0].note = "paged alice@example.com; password=hunter2".into();
    case.meta.sources[0].path = "logs/10.20.30.40/app.log".into();
    case.findings[1].attrs.insert(
        "endpoint".into(),
        json!("/login?token=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"),
    );
    case.findings[0]
        .attrs
        .insert("blocker".into(), json!({"pid": 100, "host": "2001:db8::7", "statement": "UPDATE users SET email='alice@example.com'"}));
    let mut o = opts();
    o.redact = true;
    let md = export::markdown(&case, &o).expect("renders");
    let js = export::json(&case, &o).expect("renders");
    let cs = export::csv(&case, &o).expect("renders");
    for s in secrets {
        assert!(!md.contains(s), "{s} in the markdown");
        assert!(!js.contains(s), "{s} in the JSON");
        assert!(!cs.contains(s), "{s} in the CSV");
    }
    // Same address, same token, everywhere in one document.
    assert!(md.contains("\\[ip#1\\]"), "{md}");
    assert!(md.contains("\\[email#1\\]"));
    assert!(!md.contains("[email#2]"), "one address, one token");
    assert!(js.contains("[ip#1]"));
    // Without --redact nothing is masked.
    let plain = export::markdown(&case, &opts()).expect("renders");
    assert!(plain.contains("alice@example.com"));
}

#[test]
fn json_and_csv_shapes() {
    let case = hostile_case();
    let js = export::json(&case, &opts()).expect("renders");
    let v: Value = serde_json::from_str(&js).expect("valid JSON");
    assert_eq!(v["pm_tui_export"], json!(1));
    assert_eq!(
        v["findings"].as_array().map(Vec::len),
        Some(case.findings.len())
    );
    assert_eq!(
        v["annotations"].as_array().map(Vec::len),
        Some(case.annotations.len())
    );
    assert_eq!(v["sources"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["episodes"].as_array().map(Vec::len), Some(2));
    let keys = v["key_events"].as_array().expect("key events");
    assert!(!keys.is_empty());
    for k in keys {
        assert!(k["ts"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert!(k["why"].as_array().is_some_and(|w| !w.is_empty()));
        assert!(k["source"].is_string() && k["line"].is_u64() && k["kind"].is_string());
    }

    let cs = export::csv(&case, &opts()).expect("renders");
    assert!(cs.starts_with("id,ts,local_time,kind,"));
    assert!(cs.ends_with("\r\n"));
    // Parse it back (RFC 4180) and check every row has every column.
    let rows = parse_csv(&cs);
    assert_eq!(rows.len(), case.timeline.len() + 1);
    for r in &rows {
        assert_eq!(r.len(), export::CSV_COLUMNS.len(), "{r:?}");
        for cell in r {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "formula-like cell {cell:?}"
            );
        }
    }
    let msg = export::CSV_COLUMNS
        .iter()
        .position(|c| *c == "message")
        .expect("message column");
    assert!(
        rows.iter()
            .any(|r| r[msg] == "multi\nline\r\nrecord\rwith CR")
    );
    assert!(rows.iter().any(|r| r[msg] == "'- list at line start"));
}

/// A minimal RFC 4180 reader for the test.
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut field)),
                '\r' if chars.peek() == Some(&'\n') => {
                    chars.next();
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                c => field.push(c),
            }
        }
    }
    rows
}

//! JSON lines and logfmt allocate little per line: counted with a
//! thread-local allocation counter over real and typical lines.

#![allow(clippy::unwrap_used, clippy::panic)]

use pm_parsers::apps::node::NodeJson;
use pm_parsers::structured::{JsonLines, Logfmt};
use pm_parsers::time::{Resolver, Zone};
use pm_parsers::{Event, EventSink, Format, Line, SourceCtx};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Allocations made by this thread (tests run side by side).
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn allocs() -> u64 {
    ALLOCS.try_with(Cell::get).unwrap_or(0)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Reads each event and leaves it to the parser, as the timeline does.
struct Reader(u64);

impl EventSink for Reader {
    fn push(&mut self, e: Event<'_>) {
        self.push_mut(&mut { e });
    }
    fn push_mut(&mut self, e: &mut Event<'_>) {
        self.0 += 1 + e.attrs.len() as u64;
    }
}

/// Allocations per line of `text` read by `format`, and what the sink saw.
fn allocs_per_line(format: &dyn Format, text: &str) -> (f64, u64) {
    let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "app.log");
    let mut p = format.parser(&ctx);
    let lines: Vec<Line<'_>> = text
        .lines()
        .enumerate()
        .map(|(i, l)| Line {
            text: l,
            number: i as u32 + 1,
            offset: 0,
            overlong: None,
        })
        .collect();
    // A first pass builds what is built once (the error-code regex).
    let mut sink = Reader(0);
    for l in &lines {
        p.line(l, &mut sink);
    }
    let mut sink = Reader(0);
    let before = allocs();
    for l in &lines {
        p.line(l, &mut sink);
    }
    let n = allocs() - before;
    (n as f64 / lines.len() as f64, sink.0)
}

/// Application JSON lines as a typical service writes them.
fn app_lines() -> String {
    let mut text = String::new();
    for i in 0..500 {
        text += &format!(
            r#"{{"ts":"2023-06-02T00:00:{:02}.016+09:00","level":"{}","logger":"app.cart","host":"app01","msg":"cart updated","request_id":"req-{i:08x}","order_id":{},"duration_ms":4.3}}"#,
            i % 60,
            ["info", "warn", "error"][i % 3],
            700_000 + i
        );
        text.push('\n');
    }
    text
}

#[test]
fn json_lines_allocate_only_what_they_own() {
    // The pairs' lists and the event's `attrs` and `ids` lists are kept
    // from line to line, keys and unescaped strings are borrowed, and the
    // error-code search allocates only where it finds a code. Before:
    // 18.7 allocations per line of these (a String per key and per string
    // value, the lists, the regex's capture list on each warning).
    let (per_line, seen) = allocs_per_line(&JsonLines, &app_lines());
    assert_eq!(seen, 500, "one event per line, no attributes");
    assert!(per_line <= 0.01, "{per_line} allocations per line");
    // Real bunyan lines (25.4 before): attributes, nested values.
    let bunyan = include_str!("fixtures/apps/lnav_bunyan.0");
    let (per_line, seen) = allocs_per_line(&JsonLines, bunyan);
    assert_eq!(seen, 10 + 43, "10 events and their 43 attributes");
    assert!(per_line <= 0.15, "{per_line} allocations per line");
}

#[test]
fn logfmt_lines_allocate_only_what_they_own() {
    // 0.4 per line: quoted values with escapes (6.6 before, with new
    // `attrs` and `ids` lists on every line).
    let text = include_str!("fixtures/apps/lnav_logfmt.0");
    let (per_line, seen) = allocs_per_line(&Logfmt, text);
    assert_eq!(seen, 5 + 18, "5 events and their 18 attributes");
    assert!(per_line <= 0.5, "{per_line} allocations per line");
}

#[test]
fn bunyan_lines_allocate_only_what_they_own() {
    // The Node.js parser reads through JSON lines' code and fixes each
    // event up as it passes (it read each line into an owned copy first:
    // 16.3 allocations per line of lnav's bunyan sample).
    let bunyan = include_str!("fixtures/apps/lnav_bunyan.0");
    let (per_line, seen) = allocs_per_line(&NodeJson, bunyan);
    assert_eq!(seen, 10 + 43, "10 events and their 43 attributes");
    assert!(per_line <= 0.15, "{per_line} allocations per line");
}

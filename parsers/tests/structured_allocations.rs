//! JSON lines and logfmt allocate little per line: counted with a
//! thread-local allocation counter over real and typical lines.

#![allow(clippy::unwrap_used, clippy::panic)]

mod alloc_count;

use pm_parsers::apps::node::NodeJson;
use pm_parsers::structured::{JsonLines, Logfmt};
use pm_parsers::time::{Resolver, Zone};
use pm_parsers::{Format, SourceCtx};

#[global_allocator]
static GLOBAL: alloc_count::Counting = alloc_count::Counting;

/// Allocations per line of `text` read by `format` (after a first pass,
/// which builds the error-code regex), and the events and attributes read.
fn allocs_per_line(format: &dyn Format, text: &str) -> (f64, u64) {
    let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "app.log");
    let (per_line, _, seen) = alloc_count::allocs_per_line(text, &mut *format.parser(&ctx), true);
    (per_line, seen)
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
fn json_request_lines_borrow_a_route_with_nothing_to_collapse() {
    // A route is owned only where ids collapse (`/items/:id`); a path with
    // none is borrowed from the line, route and all (it was one allocation
    // per request line).
    let line = |path: &str| {
        format!(
            r#"{{"time":"2023-06-01T00:00:00Z","method":"GET","path":"{path}","status":200,"duration_ms":3}}"#
        )
    };
    let plain: String = (0..100).map(|_| line("/api/cart") + "\n").collect();
    let (per_line, seen) = allocs_per_line(&JsonLines, &plain);
    assert_eq!(seen, 100);
    assert!(per_line <= 0.01, "{per_line} allocations per line");
    let ids: String = (0..100)
        .map(|i| line(&format!("/items/{i}")) + "\n")
        .collect();
    let (per_line, _) = allocs_per_line(&JsonLines, &ids);
    // What collapsing the ids costs (the route's text): 2.
    assert!(per_line <= 2.01, "{per_line} allocations per line");
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

//! The hot access parsers allocate little per line: counted with a global
//! allocator over the real combined log and the nginx capture.

#![allow(clippy::unwrap_used, clippy::panic)]

use pm_parsers::access::clf::ClfParser;
use pm_parsers::time::{Resolver, Zone};
use pm_parsers::{Event, EventSink, Line, LineParser};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Drop1(u64);

impl EventSink for Drop1 {
    fn push(&mut self, e: Event<'_>) {
        self.push_mut(&mut { e });
    }
    /// Reads the event and leaves it to the parser, as the timeline does.
    fn push_mut(&mut self, e: &mut Event<'_>) {
        self.0 += e.status.unwrap_or(0) as u64;
    }
}

fn allocs_per_line(text: &str) -> (f64, u64) {
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
    let mut p = ClfParser::new(Resolver::new(Zone::utc()));
    let mut sink = Drop1(0);
    let before = ALLOCS.load(Ordering::Relaxed);
    for l in &lines {
        p.line(l, &mut sink);
    }
    let n = ALLOCS.load(Ordering::Relaxed) - before;
    (n as f64 / lines.len() as f64, sink.0)
}

#[test]
fn combined_lines_allocate_only_what_they_compute() {
    let shop = include_str!("fixtures/access/lnav_shop_access_log.0");
    let (per_line, check) = allocs_per_line(shop);
    assert!(check > 0);
    // A route for the paths that have ids to collapse (0.55 per line); the
    // `attrs` list (user agent, referer) is the last line's, kept by the
    // parser (it was one more allocation per line).
    assert!(per_line <= 0.6, "{per_line} allocations per line");
    let timed = include_str!("fixtures/access/nginx_timed.log");
    let (per_line, _) = allocs_per_line(timed);
    // ... plus the formatted `upstream_ms` where there is one (1.16).
    assert!(per_line <= 1.2, "{per_line} allocations per line");
}

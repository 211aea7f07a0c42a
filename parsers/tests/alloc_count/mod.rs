//! Counting what a parser allocates per line, for the allocation tests:
//! a global allocator that counts each thread's allocations (tests run
//! side by side), and a sink that reads each event and leaves it to the
//! parser, as the timeline does.

use pm_parsers::{Event, EventSink, Line, LineParser};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, counting the allocations of each thread.
pub struct Counting;

thread_local! {
    /// Allocations made by this thread.
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

/// Reads each event where the parser keeps it.
#[derive(Default)]
struct Reader {
    /// The sum of the events' statuses.
    statuses: u64,
    /// Events and their attributes.
    seen: u64,
}

impl EventSink for Reader {
    fn push(&mut self, e: Event<'_>) {
        self.push_mut(&mut { e });
    }
    fn push_mut(&mut self, e: &mut Event<'_>) {
        self.statuses += e.status.unwrap_or(0) as u64;
        self.seen += 1 + e.attrs.len() as u64;
    }
}

/// What `p` allocates per line of `text` (after a first pass over it when
/// `warm`, for what is built once, such as a regex), with the sum of the
/// events' statuses and the count of events and attributes it read.
pub fn allocs_per_line(text: &str, p: &mut dyn LineParser, warm: bool) -> (f64, u64, u64) {
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
    if warm {
        let mut sink = Reader::default();
        for l in &lines {
            p.line(l, &mut sink);
        }
    }
    let mut sink = Reader::default();
    let before = allocs();
    for l in &lines {
        p.line(l, &mut sink);
    }
    let n = allocs() - before;
    (n as f64 / lines.len() as f64, sink.statuses, sink.seen)
}

//! Multi-line record assembly for line-oriented formats: a record starts
//! with a recognisable line; the lines after it that do not start a record
//! (stack frames, `Caused by:`, indented detail) belong to it.

use crate::event::{Event, EventSink};
use crate::parser::Disposition;
use crate::split::Line;

/// Reason for lines before the first record of a multi-line format.
pub const REASON_BEFORE_FIRST: &str = "no timestamp (before the first record)";

/// Holds the record being assembled until the next one starts.
#[derive(Debug, Default)]
pub struct Assembler {
    pending: Option<Event<'static>>,
}

impl Assembler {
    /// Start a new record with `event`, emitting the previous one.
    pub fn start(&mut self, event: Event<'_>, out: &mut dyn EventSink) -> Disposition {
        self.flush(out);
        self.pending = Some(event.into_owned());
        Disposition::Parsed
    }

    /// Attach `line` to the open record; without one, skip it as "before the first record".
    pub fn continue_with(&mut self, line: &Line<'_>) -> Disposition {
        match self.pending.as_mut() {
            Some(p) => {
                p.append_line(line.text);
                p.line_count += 1;
                Disposition::Continuation
            }
            None => Disposition::Skipped(REASON_BEFORE_FIRST),
        }
    }

    /// The open record, to enrich from a continuation line (an exception class, a code).
    pub fn pending_mut(&mut self) -> Option<&mut Event<'static>> {
        self.pending.as_mut()
    }

    /// True when a record is open.
    pub fn is_open(&self) -> bool {
        self.pending.is_some()
    }

    /// Emit the open record, if any.
    pub fn flush(&mut self, out: &mut dyn EventSink) {
        if let Some(p) = self.pending.take() {
            out.push(p);
        }
    }
}

/// Lines that continue a record in most application logs: indented lines,
/// Java/Python/Ruby/PHP stack trace lines, and blank lines.
pub fn looks_like_continuation(text: &str) -> bool {
    let t = text.trim_start();
    text.is_empty()
        || text.starts_with([' ', '\t'])
        || t.starts_with("at ")
        || t.starts_with("Caused by:")
        || t.starts_with("Suppressed:")
        || t.starts_with("... ")
        || t.starts_with("Traceback ")
        || t.starts_with("[stacktrace]")
        || (t.starts_with('#') && t[1..].starts_with(|c: char| c.is_ascii_digit()))
}

//! `log_destination = 'csvlog'`: one CSV row per message, every part in its
//! own column. A quoted field may hold newlines, so one row may span lines;
//! a row cut short (a crash mid-write) is closed when the next row starts.
//!
//! Columns, PostgreSQL 8.4 to 17: `log_time, user_name, database_name,
//! process_id, connection_from, session_id, session_line_num, command_tag,
//! session_start_time, virtual_transaction_id, transaction_id,
//! error_severity, sql_state_code, message, detail, hint, internal_query,
//! internal_query_pos, context, query, query_pos, location,
//! application_name` (9.0+), `backend_type` (13+), `leader_pid`, `query_id` (14+).

use super::messages::{self, PartLines, Tracker, WaitsEnd};
use super::{Record, i18n, present};
use crate::event::EventSink;
use crate::parser::{
    Disposition, Format, Joint, LineParser, PartEnd, PartParser, RunOver, Sample, Settlement,
    SourceCtx,
};
use crate::split::Line;
use crate::time::{self, Resolver};
use std::borrow::Cow;

/// Reason for a line that does not start a csvlog row.
pub const REASON_NOT_ROW: &str = "not a csvlog row";
/// Reason for a row without the columns of a csvlog row.
pub const REASON_SHORT_ROW: &str = "csvlog row with too few columns";

/// Rows longer than this (a runaway quote) are cut.
pub const MAX_ROW_BYTES: usize = 32 * 1024 * 1024;

/// The fewest columns a csvlog row has (PostgreSQL 8.4).
pub const MIN_COLUMNS: usize = 22;

/// Columns up to the message: what a row cut short must still have.
pub const CUT_COLUMNS: usize = 14;

/// PostgreSQL csvlog.
#[derive(Debug, Clone, Copy, Default)]
pub struct PgCsvlog;

/// True when `l` starts like a csvlog row: a `%m`-style time and a comma.
pub fn starts_row(l: &str) -> bool {
    match time::parse_iso(l) {
        Some((_, used)) => l.as_bytes().get(used) == Some(&b','),
        None => false,
    }
}

/// Split a complete CSV row into fields (unquoted, `""` unescaped).
pub fn fields(row: &str) -> Vec<Cow<'_, str>> {
    let b = row.as_bytes();
    let mut out = Vec::with_capacity(26);
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            // Quoted field.
            let mut j = i + 1;
            let mut owned: Option<String> = None;
            let mut seg = j;
            loop {
                match memchr::memchr(b'"', &b[j.min(b.len())..]) {
                    Some(k) => {
                        let q = j + k;
                        if b.get(q + 1) == Some(&b'"') {
                            let s = owned.get_or_insert_with(String::new);
                            s.push_str(&row[seg..q + 1]);
                            j = q + 2;
                            seg = j;
                        } else {
                            let field = match owned.take() {
                                Some(mut s) => {
                                    s.push_str(&row[seg..q]);
                                    Cow::Owned(s)
                                }
                                None => Cow::Borrowed(&row[seg..q]),
                            };
                            out.push(field);
                            i = q + 1;
                            break;
                        }
                    }
                    None => {
                        // Unterminated: take the rest.
                        let field = match owned.take() {
                            Some(mut s) => {
                                s.push_str(&row[seg.min(row.len())..]);
                                Cow::Owned(s)
                            }
                            None => Cow::Borrowed(&row[seg.min(row.len())..]),
                        };
                        out.push(field);
                        return out;
                    }
                }
            }
            // Skip to the next comma.
            match memchr::memchr(b',', &b[i.min(b.len())..]) {
                Some(k) => i += k + 1,
                None => return out,
            }
        } else {
            match memchr::memchr(b',', &b[i.min(b.len())..]) {
                Some(k) => {
                    out.push(Cow::Borrowed(&row[i..i + k]));
                    i += k + 1;
                }
                None => {
                    out.push(Cow::Borrowed(&row[i.min(row.len())..]));
                    return out;
                }
            }
        }
    }
}

/// Count quotes: true when `s` leaves a quoted field open, given the state before it.
fn quote_state(s: &str, mut open: bool) -> bool {
    for _ in memchr::memchr_iter(b'"', s.as_bytes()) {
        open = !open;
    }
    open
}

fn non_empty<'a>(f: &[Cow<'a, str>], i: usize) -> Option<Cow<'a, str>> {
    f.get(i).filter(|v| present(v)).cloned()
}

/// Build a record from csvlog fields; `None` without a readable time.
pub fn record<'a>(
    f: &[Cow<'a, str>],
    resolver: &Resolver,
    line: u32,
    offset: u64,
    line_count: u32,
) -> Option<Record<'a>> {
    let (stamp, _) = time::parse_iso(f.first()?)?;
    let ts = resolver.resolve(stamp)?;
    let word = f.get(11).cloned().unwrap_or(Cow::Borrowed(""));
    let severity = i18n::severity_of(&word).unwrap_or_default();
    let (client, port) = match f.get(4).map(|c| c.as_ref()) {
        Some(c) if present(c) => match c.rsplit_once(':') {
            Some((h, p))
                if !h.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() =>
            {
                (Some(h.to_string()), Some(p.to_string()))
            }
            _ => (Some(c.to_string()), None),
        },
        _ => (None, None),
    };
    Some(Record {
        line,
        offset,
        line_count,
        ts,
        severity,
        severity_word: word,
        user: non_empty(f, 1),
        db: non_empty(f, 2),
        pid: f.get(3).and_then(|p| p.parse().ok()),
        client: client.map(Cow::Owned),
        client_port: port.map(Cow::Owned),
        session: non_empty(f, 5),
        session_line: f.get(6).and_then(|p| p.parse().ok()),
        command_tag: non_empty(f, 7),
        vxid: non_empty(f, 9),
        txid: non_empty(f, 10),
        sqlstate: non_empty(f, 12),
        message: f.get(13).cloned().unwrap_or(Cow::Borrowed("")),
        detail: non_empty(f, 14),
        hint: non_empty(f, 15),
        query: non_empty(f, 16),
        context: non_empty(f, 18),
        statement: non_empty(f, 19),
        location: non_empty(f, 21),
        app: non_empty(f, 22),
        backend_type: non_empty(f, 23),
        query_id: non_empty(f, 25),
        ..Record::default()
    })
}

impl Format for PgCsvlog {
    fn name(&self) -> &str {
        "postgres-csvlog"
    }

    fn description(&self) -> &str {
        "PostgreSQL csvlog (log_destination = csvlog)"
    }

    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let mut rows = 0u32;
        let mut good = 0u32;
        let mut open = false;
        for l in sample.lines {
            if open {
                open = quote_state(l, open);
                continue;
            }
            rows += 1;
            if starts_row(l) {
                open = quote_state(l, false);
                // Judge complete rows by their columns; a row spanning lines by its start.
                if open || fields(l).len() >= MIN_COLUMNS {
                    good += 1;
                }
            }
        }
        if rows == 0 || good == 0 {
            return 0.0;
        }
        0.98 * good as f32 / rows as f32
    }

    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(CsvParser::new(ctx.resolver))
    }

    /// Any file: a row left open at a part's end is completed by the run-over.
    fn cut_at_records(&self, _: &Sample<'_>) -> bool {
        true
    }

    fn starts_part(&self, line: &str) -> bool {
        starts_row(line)
    }

    fn part_parser(
        &self,
        ctx: &SourceCtx,
        after: Option<(&PartEnd, &[u32])>,
    ) -> Option<Box<dyn PartParser>> {
        let mut p = CsvParser::new(ctx.resolver);
        p.tracker = WaitsEnd::tracker_after(after)?;
        p.lines = after
            .map(|(_, c)| PartLines::claimed_before(c))
            .unwrap_or_default();
        Some(Box::new(p))
    }

    /// A part joins unless one of its lock time-outs ended a wait reported
    /// before it (see `Tracker::then`), or it read as its own a line of
    /// the row the part before it left open (a quoted field's line that
    /// looks like a row's start).
    fn join_parts(&self, before: &PartEnd, next: &PartEnd, claimed: &[u32]) -> Option<Joint> {
        WaitsEnd::join(before, next, claimed)
    }
}

#[derive(Debug)]
struct Pending {
    text: String,
    line: u32,
    offset: u64,
    lines: u32,
}

/// The reader of one csvlog file.
#[derive(Debug)]
pub struct CsvParser {
    resolver: Resolver,
    pending: Option<Pending>,
    tracker: Tracker,
    /// The lines of its part that the row the part before it left open
    /// took (a part read again), and those it skipped (for the join).
    lines: PartLines,
}

impl CsvParser {
    /// A parser resolving naive timestamps with `resolver`.
    pub fn new(resolver: Resolver) -> CsvParser {
        CsvParser {
            resolver,
            pending: None,
            tracker: Tracker::default(),
            lines: PartLines::default(),
        }
    }

    fn emit_row(
        &mut self,
        row: &str,
        line: u32,
        offset: u64,
        lines: u32,
        min_columns: usize,
        out: &mut dyn EventSink,
    ) -> bool {
        let f = fields(row);
        if f.len() < min_columns {
            return false;
        }
        match record(&f, &self.resolver, line, offset, lines) {
            Some(rec) => {
                messages::emit(&rec, &mut self.tracker, out);
                true
            }
            None => false,
        }
    }

    fn close_pending(&mut self, out: &mut dyn EventSink) {
        if let Some(p) = self.pending.take() {
            // A row cut short still names its time, severity and message.
            self.emit_row(&p.text, p.line, p.offset, p.lines, CUT_COLUMNS, out);
        }
    }
}

impl CsvParser {
    /// Give `text` to the row whose quote is open, if there is one and the
    /// line goes on with it: true when it took the line. A new row while a
    /// quote is open means the open row was cut short: it is emitted.
    fn go_on(&mut self, text: &str, out: &mut dyn EventSink) -> bool {
        let Some(p) = self.pending.as_mut() else {
            return false;
        };
        let restart =
            starts_row(text) && !quote_state(text, false) && fields(text).len() >= MIN_COLUMNS;
        if !restart && p.text.len() < MAX_ROW_BYTES {
            p.text.push('\n');
            p.text.push_str(text);
            p.lines += 1;
            if !quote_state(text, true) {
                if let Some(p) = self.pending.take() {
                    self.emit_row(&p.text, p.line, p.offset, p.lines, MIN_COLUMNS, out);
                }
            }
            return true;
        }
        self.close_pending(out);
        false
    }

    fn read(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let text = line.text;
        if self.go_on(text, out) {
            return Disposition::Continuation;
        }
        if !starts_row(text) {
            return Disposition::Skipped(REASON_NOT_ROW);
        }
        if quote_state(text, false) {
            self.pending = Some(Pending {
                text: text.to_string(),
                line: line.number,
                offset: line.offset,
                lines: 1,
            });
            return Disposition::Parsed;
        }
        if self.emit_row(text, line.number, line.offset, 1, MIN_COLUMNS, out) {
            Disposition::Parsed
        } else {
            Disposition::Skipped(REASON_SHORT_ROW)
        }
    }
}

impl LineParser for CsvParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if self.lines.is_claimed(line.number) {
            // A line of the row the part before this one left open.
            return Disposition::Continuation;
        }
        let d = self.read(line, out);
        self.lines.note(line.number, d);
        d
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.close_pending(out);
        Settlement::default()
    }
}

impl PartParser for CsvParser {
    /// Complete the row left open at the part's end, if any.
    fn run_over(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> RunOver {
        if self.pending.is_none() {
            return RunOver::Done;
        }
        if self.go_on(line.text, out) {
            RunOver::Taken
        } else {
            RunOver::Done
        }
    }

    fn part_end(&mut self) -> PartEnd {
        PartEnd(Box::new(WaitsEnd {
            tracker: std::mem::take(&mut self.tracker),
            lines: std::mem::take(&mut self.lines),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields() {
        let f = fields(r#"a,"b ""q"" c",,"",d"#);
        assert_eq!(f, vec!["a", "b \"q\" c", "", "", "d"]);
        let f = fields(r#""x,y",z"#);
        assert_eq!(f, vec!["x,y", "z"]);
        let f = fields(r#""open"#);
        assert_eq!(f, vec!["open"]);
        assert_eq!(fields(""), vec![""]);
    }
}

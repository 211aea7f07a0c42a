//! `SHOW ENGINE INNODB STATUS` output, as people save it.
//!
//! Reads the plain output, the `\G` form (`*** 1. row ***`, `Type: InnoDB`,
//! `Status:`), `mysql -e`'s batch form with the whole status on one line
//! with `\n` escapes, the boxed (`-t`) form, and files holding many
//! snapshots (pt-stalk's `TS <epoch> <date time>` lines between them).
//!
//! Per snapshot it emits: the `LATEST DETECTED DEADLOCK` as one `deadlock`
//! (see [`super::deadlock`]); one `lock_wait` per `LOCK WAIT` transaction of
//! the `TRANSACTIONS` section (wait time, waited lock, and the holder where
//! the lock monitor's lists show who holds the same record or table); a
//! `txn` for every transaction active [`LONG_TXN_SECS`] or more or holding a
//! lock another waits for; and one `log` event for the snapshot itself.

use super::deadlock::{
    DeadlockBuilder, LockInfo, ThreadLine, TrxHeader, is_rule, parse_heap_line, parse_lock_line,
    parse_thread_line, parse_trx_header,
};
use super::{REASON_NO_SNAPSHOT_TIME, context_snapshot_time, owned, parse_ts_line, table_db};
use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver};

/// Transactions active at least this long are reported as `txn` events.
pub const LONG_TXN_SECS: u64 = 5;

/// Reason for lines outside any snapshot that the format does not know.
pub const REASON_OUTSIDE: &str = "not InnoDB status output";

/// The `innodb-status` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct InnodbStatus;

const TITLES: &[&str] = &[
    "BACKGROUND THREAD",
    "SEMAPHORES",
    "LATEST FOREIGN KEY ERROR",
    "LATEST DETECTED DEADLOCK",
    "TRANSACTIONS",
    "FILE I/O",
    "INSERT BUFFER AND ADAPTIVE HASH INDEX",
    "LOG",
    "BUFFER POOL AND MEMORY",
    "INDIVIDUAL BUFFER POOL INFO",
    "ROW OPERATIONS",
    "RW-LATCH INFO",
];

/// True when `l` looks like a line of status output or its wrapping.
fn status_like(l: &str) -> bool {
    let t = l.trim();
    t.contains("INNODB MONITOR OUTPUT")
        || TITLES.contains(&t)
        || is_rule(t)
        || t.starts_with("---TRANSACTION")
        || t.starts_with("*** ")
        || t.starts_with("TS ")
}

impl Format for InnodbStatus {
    fn name(&self) -> &str {
        "innodb-status"
    }

    fn description(&self) -> &str {
        "SHOW ENGINE INNODB STATUS (plain, \\G, mysql -e, boxed; repeated snapshots): deadlocks, lock waits, long transactions"
    }

    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let header = sample.any_contains("INNODB MONITOR OUTPUT");
        let sections = sample.lines.iter().any(|l| {
            let t = l.trim();
            t == "LATEST DETECTED DEADLOCK"
                || t == "LIST OF TRANSACTIONS FOR EACH SESSION:"
                || t.ends_with("\\nLATEST DETECTED DEADLOCK\\n")
                || t == "TRANSACTIONS"
        });
        if !header && !sections {
            return 0.0;
        }
        // An error log with monitor output in it is the error log's.
        let prefixed = sample.fraction(
            |l| l.trim().is_empty(),
            |l| super::error_log::split_prefix(l).is_some_and(|p| p.level.is_some()),
        );
        if prefixed > 0.3 {
            return 0.3;
        }
        let like = sample.fraction(|l| l.trim().is_empty(), status_like);
        if header {
            0.95
        } else {
            0.6 + 0.3 * like.min(1.0)
        }
    }

    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(StatusParser {
            resolver: ctx.resolver,
            ctx_time: context_snapshot_time(ctx),
            ts_line_time: None,
            snap: None,
            prev_rule: false,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Head,
    Deadlock,
    Transactions,
    Other,
}

#[derive(Debug, Default)]
struct Trx {
    line: u32,
    offset: u64,
    last_line: u32,
    hdr: TrxHeader,
    thread: Option<ThreadLine>,
    statement: Vec<String>,
    in_statement: bool,
    lock_wait: bool,
    wait_ms: Option<f64>,
    in_wait: bool,
    waiting: Option<LockInfo>,
    held: Vec<LockInfo>,
    last_is_wait: bool,
    row_locks: Option<i64>,
    undo_entries: Option<i64>,
}

#[derive(Debug)]
struct Snap {
    line: u32,
    offset: u64,
    last_line: u32,
    ts: Option<i64>,
    has_header: bool,
    section: Section,
    deadlock: Option<DeadlockBuilder>,
    trxs: Vec<Trx>,
    history: Option<String>,
    deadlocks: u32,
    waits: u32,
    txns: u32,
}

struct StatusParser {
    resolver: Resolver,
    ctx_time: Option<i64>,
    ts_line_time: Option<i64>,
    snap: Option<Snap>,
    prev_rule: bool,
}

/// `LOCK WAIT 3 lock struct(s), heap size 376, 3 row lock(s), undo log entries 2`.
fn lock_struct_numbers(s: &str) -> (Option<i64>, Option<i64>) {
    let num_before = |needle: &str| -> Option<i64> {
        let p = s.find(needle)?;
        let head = s[..p].trim_end();
        let digits = head.bytes().rev().take_while(u8::is_ascii_digit).count();
        head.get(head.len() - digits..)?.parse().ok()
    };
    let undo = s
        .find("undo log entries ")
        .and_then(|p| super::leading_int(&s[p + 17..]))
        .map(|(n, _)| n);
    (num_before(" row lock(s)"), undo)
}

/// `------- TRX HAS BEEN WAITING 6 SEC FOR THIS LOCK TO BE GRANTED:` (MySQL)
/// or `… 2969448 us …` (MariaDB 10.6+) → milliseconds.
fn wait_ms(s: &str) -> Option<f64> {
    let p = s.find("TRX HAS BEEN WAITING ")?;
    let r = &s[p + 21..];
    let (n, rest) = super::leading_int(r)?;
    let rest = rest.trim_start();
    if rest.starts_with("us ") {
        Some(n as f64 / 1000.0)
    } else if rest.starts_with("ms ") {
        Some(n as f64)
    } else {
        Some(n as f64 * 1000.0)
    }
}

impl StatusParser {
    fn snapshot_time(&self) -> Option<i64> {
        self.ts_line_time.or(self.ctx_time)
    }

    fn open(
        &mut self,
        line: &Line<'_>,
        ts: Option<i64>,
        has_header: bool,
        out: &mut dyn EventSink,
    ) {
        self.close(out);
        let ts = ts.or_else(|| self.snapshot_time());
        self.snap = Some(Snap {
            line: line.number,
            offset: line.offset,
            last_line: line.number,
            ts,
            has_header,
            section: Section::Head,
            deadlock: None,
            trxs: Vec::new(),
            history: None,
            deadlocks: 0,
            waits: 0,
            txns: 0,
        });
    }

    fn close(&mut self, out: &mut dyn EventSink) {
        let Some(mut snap) = self.snap.take() else {
            return;
        };
        close_section(&mut snap, out);
        if let (Some(ts), true) = (snap.ts, snap.has_header) {
            let mut e = Event::new(Kind::Log, ts, snap.line, snap.offset);
            e.line_count = snap.last_line.saturating_sub(snap.line) + 1;
            e.level = Some(Level::Info);
            e.app = Some(owned("InnoDB"));
            e.message = owned(format!(
                "InnoDB monitor output: {} deadlock(s), {} lock wait(s), {} long transaction(s)",
                snap.deadlocks, snap.waits, snap.txns
            ));
            e.attrs.push((owned("snapshot"), owned("innodb-status")));
            if let Some(h) = snap.history {
                e.attrs.push((owned("history_list_length"), owned(h)));
            }
            out.push(e);
        }
    }

    /// One logical line of status text.
    fn logical(&mut self, text: &str, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let t = text.trim_end();
        let tt = t.trim();
        if let Some(s) = self.snap.as_mut() {
            s.last_line = line.number;
        }
        if tt.contains("INNODB MONITOR OUTPUT") && !tt.starts_with("END OF") {
            let ts = time::parse_iso(tt)
                .or_else(|| time::parse_mysql_short(tt))
                .and_then(|(st, _)| self.resolver.resolve(st));
            self.open(line, ts, true, out);
            self.prev_rule = false;
            return Disposition::Parsed;
        }
        if tt.starts_with("END OF INNODB MONITOR OUTPUT") {
            self.prev_rule = false;
            return if self.snap.is_some() {
                self.close(out);
                Disposition::Continuation
            } else {
                Disposition::Skipped(REASON_OUTSIDE)
            };
        }
        let was_rule = self.prev_rule;
        if is_rule(tt) {
            self.prev_rule = true;
            // The rule closing a lock wait block belongs to the transaction.
            if let Some(s) = self.snap.as_mut() {
                if s.section == Section::Transactions {
                    if let Some(trx) = s.trxs.last_mut() {
                        if trx.in_wait {
                            trx.last_line = line.number;
                        }
                        trx.in_wait = false;
                        trx.in_statement = false;
                    }
                }
            }
            return Disposition::Continuation;
        }
        self.prev_rule = false;
        if was_rule && TITLES.contains(&tt) {
            if self.snap.is_none() {
                self.open(line, None, false, out);
            }
            if let Some(s) = self.snap.as_mut() {
                close_section(s, out);
                s.section = match tt {
                    "LATEST DETECTED DEADLOCK" => Section::Deadlock,
                    "TRANSACTIONS" => Section::Transactions,
                    _ => Section::Other,
                };
            }
            return Disposition::Continuation;
        }
        let resolver = self.resolver;
        let Some(snap) = self.snap.as_mut() else {
            return if tt.is_empty() {
                Disposition::Continuation
            } else {
                Disposition::Skipped(REASON_OUTSIDE)
            };
        };
        match snap.section {
            Section::Deadlock => {
                if tt.is_empty() && snap.deadlock.is_none() {
                    return Disposition::Continuation;
                }
                snap.deadlock
                    .get_or_insert_with(|| DeadlockBuilder::new(line.number, line.offset))
                    .feed(t, line.number, &resolver);
                Disposition::Continuation
            }
            Section::Transactions => transactions_line(snap, t, line),
            _ => Disposition::Continuation,
        }
    }
}

/// Finish what the open section holds: the deadlock, or the transactions.
fn close_section(snap: &mut Snap, out: &mut dyn EventSink) {
    match snap.section {
        Section::Deadlock => {
            if let Some(b) = snap.deadlock.take() {
                if let Some(e) = b.finish(snap.ts, "innodb-status") {
                    snap.deadlocks += 1;
                    out.push(e);
                }
            }
        }
        Section::Transactions => emit_transactions(snap, out),
        _ => {}
    }
    snap.section = Section::Other;
}

fn transactions_line(snap: &mut Snap, t: &str, line: &Line<'_>) -> Disposition {
    let tt = t.trim();
    let disp = if snap.ts.is_some() {
        Disposition::Continuation
    } else {
        Disposition::Skipped(REASON_NO_SNAPSHOT_TIME)
    };
    if tt.starts_with("---TRANSACTION ") {
        if let Some(h) = parse_trx_header(tt) {
            snap.trxs.push(Trx {
                line: line.number,
                offset: line.offset,
                last_line: line.number,
                hdr: h,
                ..Trx::default()
            });
            return disp;
        }
    }
    let Some(trx) = snap.trxs.last_mut() else {
        if let Some(h) = tt.strip_prefix("History list length ") {
            snap.history = Some(h.trim().to_string());
        }
        return disp;
    };
    trx.last_line = line.number;
    if tt.is_empty() {
        return disp;
    }
    if tt.starts_with("LOCK WAIT ") {
        trx.lock_wait = true;
    }
    if tt.contains(" lock struct(s)") {
        let (rows, undo) = lock_struct_numbers(tt);
        trx.row_locks = rows;
        trx.undo_entries = undo;
        return disp;
    }
    if tt.starts_with("mysql tables in use") {
        return disp;
    }
    if let Some(th) = parse_thread_line(tt) {
        trx.thread = Some(th);
        trx.in_statement = true;
        return disp;
    }
    if tt.contains("TRX HAS BEEN WAITING") {
        trx.wait_ms = wait_ms(tt);
        trx.in_wait = true;
        trx.in_statement = false;
        trx.lock_wait = true;
        return disp;
    }
    if let Some(lock) = parse_lock_line(tt) {
        trx.in_statement = false;
        if (trx.in_wait || lock.waiting) && trx.waiting.is_none() {
            trx.waiting = Some(lock);
            trx.last_is_wait = true;
        } else if !lock.waiting {
            trx.held.push(lock);
            trx.last_is_wait = false;
        }
        return disp;
    }
    if let Some(h) = parse_heap_line(tt) {
        let l = if trx.last_is_wait {
            trx.waiting.as_mut()
        } else {
            trx.held.last_mut()
        };
        if let Some(l) = l {
            if !l.heaps.contains(&h) {
                l.heaps.push(h);
            }
        }
        return disp;
    }
    if tt.starts_with("Trx read view")
        || tt.starts_with("Trx #rec lock waits")
        || tt.starts_with("Trx total")
        || tt.starts_with("TABLE LOCK")
    {
        trx.in_statement = false;
        return disp;
    }
    if trx.in_statement && trx.statement.len() < 200 {
        trx.statement.push(t.to_string());
    }
    disp
}

fn emit_transactions(snap: &mut Snap, out: &mut dyn EventSink) {
    let trxs = std::mem::take(&mut snap.trxs);
    let Some(ts) = snap.ts else {
        return;
    };
    // Which transactions hold what the waiting ones wait for.
    let mut blockers: Vec<Vec<usize>> = vec![Vec::new(); trxs.len()];
    let mut is_blocker = vec![false; trxs.len()];
    for (i, w) in trxs.iter().enumerate() {
        let Some(lock) = &w.waiting else { continue };
        for (j, h) in trxs.iter().enumerate() {
            if i != j && h.held.iter().any(|l| lock.blocked_by(l)) {
                blockers[i].push(j);
                is_blocker[j] = true;
            }
        }
    }
    for (i, trx) in trxs.iter().enumerate() {
        let statement = trx.statement.join("\n");
        let statement = statement.trim();
        let base = |kind: Kind| {
            let mut e = Event::new(kind, ts, trx.line, trx.offset);
            e.line_count = trx.last_line.saturating_sub(trx.line) + 1;
            e.txn = trx.hdr.id.clone().map(owned);
            if let Some(th) = &trx.thread {
                e.pid = Some(th.pid);
                // The thread line names the connection's client (host name
                // or address); `host` is the database's own, filled from
                // the collection or the path.
                e.user = th.user.clone().map(owned);
                e.client = th.host.clone().or_else(|| th.ip.clone()).map(owned);
                if let Some(q) = th.query_id {
                    e.attrs.push((owned("query_id"), owned(q.to_string())));
                }
                if let Some(s) = &th.state {
                    e.attrs.push((owned("state"), owned(s.clone())));
                }
            }
            if !statement.is_empty() {
                e.statement = Some(owned(statement));
            }
            if let Some(s) = trx.hdr.active_secs {
                e.attrs.push((owned("active_secs"), owned(s.to_string())));
            }
            if let Some(s) = &trx.hdr.state {
                e.attrs.push((owned("trx_state"), owned(s.clone())));
            }
            if let Some(n) = trx.row_locks {
                e.attrs.push((owned("row_locks"), owned(n.to_string())));
            }
            if let Some(n) = trx.undo_entries {
                e.attrs
                    .push((owned("undo_log_entries"), owned(n.to_string())));
            }
            e.attrs.push((owned("snapshot"), owned("innodb-status")));
            e
        };
        if trx.lock_wait || trx.waiting.is_some() {
            let mut e = base(Kind::LockWait);
            e.duration_ms = trx.wait_ms;
            if let Some(l) = &trx.waiting {
                e.resource = l.resource().map(owned);
                e.db = l.table.as_deref().and_then(table_db).map(owned);
                if !l.mode.is_empty() {
                    e.mode = Some(owned(l.mode.clone()));
                }
                e.attrs.push((
                    owned("lock_type"),
                    owned(if l.record { "RECORD" } else { "TABLE" }),
                ));
                if let Some(d) = l.detail() {
                    e.attrs.push((owned("record"), owned(d)));
                }
            }
            let holders: Vec<&Trx> = blockers[i].iter().filter_map(|&j| trxs.get(j)).collect();
            if let Some(b) = holders.first() {
                e.blocker_txn = b.hdr.id.clone().map(owned);
                e.blocker_pid = b.thread.as_ref().map(|t| t.pid);
            }
            e.holders = holders
                .iter()
                .filter_map(|b| b.thread.as_ref().map(|t| t.pid))
                .collect();
            let what = e.resource.as_deref().unwrap_or("a lock").to_string();
            e.message = owned(format!(
                "trx {} (thread {}) waiting {} for {}",
                trx.hdr.id.as_deref().unwrap_or("?"),
                e.pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                trx.wait_ms
                    .map(|ms| format!("{:.0} ms", ms))
                    .unwrap_or_else(|| "?".into()),
                what
            ));
            snap.waits += 1;
            out.push(e);
        }
        let long = trx.hdr.active_secs.is_some_and(|s| s >= LONG_TXN_SECS);
        if !trx.hdr.not_started && (long || is_blocker[i]) {
            let mut e = base(Kind::Txn);
            e.duration_ms = trx.hdr.active_secs.map(|s| s as f64 * 1000.0);
            if is_blocker[i] {
                e.attrs.push((owned("blocks_others"), owned("true")));
            }
            e.message = owned(format!(
                "trx {} (thread {}) active {} s",
                trx.hdr.id.as_deref().unwrap_or("?"),
                e.pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                trx.hdr
                    .active_secs
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "?".into())
            ));
            snap.txns += 1;
            out.push(e);
        }
    }
}

/// The status text of a `mysql -e` batch line (`InnoDB\t\t\n=====…`), split
/// at its `\n` escapes, or `None` when the line is not one.
fn escaped_lines(text: &str) -> Option<Vec<String>> {
    if !text.contains("\\n") {
        return None;
    }
    let body = if let Some(r) = text.strip_prefix("InnoDB\t") {
        r.split_once('\t').map(|(_, b)| b).unwrap_or(r)
    } else if text.contains("INNODB MONITOR OUTPUT") || text.contains("\\n---") {
        text
    } else {
        return None;
    };
    let mut out = Vec::new();
    for piece in body.split("\\n") {
        out.push(piece.replace("\\t", "\t").replace("\\\\", "\\"));
    }
    Some(out)
}

/// Lines of the client's wrapping around the status.
fn is_wrapper(t: &str) -> bool {
    let tt = t.trim();
    (tt.starts_with("***************************")
        && tt.ends_with("row ***************************"))
        || tt == "Type: InnoDB"
        || tt == "Name:"
        || tt == "Status:"
        || tt == "Type\tName\tStatus"
        || tt == "|"
        || (tt.starts_with("+-") && tt.ends_with("-+"))
        || (tt.starts_with("| Type") && tt.contains("| Status"))
        || tt.starts_with("mysql> SHOW ENGINE INNODB STATUS")
        || tt.starts_with("MariaDB [")
            && tt
                .to_ascii_uppercase()
                .contains("SHOW ENGINE INNODB STATUS")
}

impl LineParser for StatusParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let text = line.text;
        if let Some(pieces) = escaped_lines(text) {
            let mut parsed = false;
            for p in &pieces {
                if self.logical(p, line, out) == Disposition::Parsed {
                    parsed = true;
                }
            }
            return if parsed {
                Disposition::Parsed
            } else {
                Disposition::Continuation
            };
        }
        if text.starts_with("TS ") {
            if let Some(ts) = parse_ts_line(text, &self.resolver) {
                self.close(out);
                self.ts_line_time = Some(ts);
                return Disposition::Continuation;
            }
        }
        if is_wrapper(text) {
            return Disposition::Continuation;
        }
        // Boxed output: `| InnoDB |      | =====…` opens the cell.
        if let Some(r) = text.strip_prefix("| InnoDB ") {
            let body = r.splitn(3, '|').nth(2).unwrap_or("");
            return self.logical(body.strip_prefix(' ').unwrap_or(body), line, out);
        }
        self.logical(text, line, out)
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.close(out);
        Settlement::default()
    }
}

#[cfg(test)]
mod tests;

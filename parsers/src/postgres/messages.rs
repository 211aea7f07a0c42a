//! From a server message to an event: lock waits, acquisitions, deadlocks,
//! lock and statement time-outs, statement durations and errors, the same
//! for every destination and every catalogued language.

use super::i18n::{self, match_format, normalize_lock_tag, row_from_context};
use super::{Record, present};
use crate::event::{Event, EventSink, Kind, MAX_MESSAGE, Participant};
use crate::parser::{Disposition, Joint, PartEnd};
use std::borrow::Cow;
use std::sync::LazyLock;

/// A set of pids.
type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

const WAIT: &str = "process %d still waiting for %s on %s after %ld.%03d ms";
const ACQUIRED: &str = "process %d acquired %s on %s after %ld.%03d ms";
const DETECTED: &str = "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms";
const AVOIDED: &str =
    "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms";
const FAILED: &str = "process %d failed to acquire %s on %s after %ld.%03d ms";
const WAITS_FOR: &str = "Process %d waits for %s on %s; blocked by process %d.";
const PROCESS_STMT: &str = "Process %d: %s";
const HOLDER: &str = "Process holding the lock: %s. Wait queue: %s.";
const HOLDERS: &str = "Processes holding the lock: %s. Wait queue: %s.";

/// SQLSTATE of common messages, for `stderr` logs without `%e` in the prefix.
const CODES: &[(&str, &str)] = &[
    ("deadlock detected", "40P01"),
    ("canceling statement due to lock timeout", "55P03"),
    ("could not obtain lock on", "55P03"),
    ("canceling statement due to statement timeout", "57014"),
    ("canceling statement due to user request", "57014"),
    ("canceling autovacuum task", "57014"),
    (
        "terminating connection due to idle-in-transaction timeout",
        "25P03",
    ),
    (
        "terminating connection due to idle-session timeout",
        "57P05",
    ),
    (
        "terminating connection due to administrator command",
        "57P01",
    ),
    (
        "terminating connection due to conflict with recovery",
        "40001",
    ),
    ("canceling statement due to conflict with recovery", "40001"),
    ("could not serialize access", "40001"),
    ("duplicate key value violates unique constraint", "23505"),
    ("null value in column", "23502"),
    ("insert or update on table", "23503"),
    ("update or delete on table", "23503"),
    ("new row for relation", "23514"),
    (
        "conflicting key value violates exclusion constraint",
        "23P01",
    ),
    ("value too long for type", "22001"),
    ("invalid input syntax for type", "22P02"),
    ("invalid input value for enum", "22P02"),
    ("division by zero", "22012"),
    ("numeric field overflow", "22003"),
    ("syntax error at or near", "42601"),
    ("syntax error at end of input", "42601"),
    ("column reference", "42702"),
    ("permission denied for", "42501"),
    ("must be owner of", "42501"),
    ("password authentication failed for user", "28P01"),
    ("no pg_hba.conf entry for host", "28000"),
    ("role \"", "28000"),
    ("sorry, too many clients already", "53300"),
    ("remaining connection slots are reserved", "53300"),
    ("too many connections for", "53300"),
    ("out of memory", "53200"),
    ("could not extend file", "53100"),
    ("could not write to file", "53100"),
    ("current transaction is aborted", "25P02"),
    ("there is no transaction in progress", "25P01"),
    ("there is already a transaction in progress", "25001"),
    ("cannot execute", "25006"),
    ("the database system is starting up", "57P03"),
    ("the database system is shutting down", "57P03"),
    ("the database system is in recovery mode", "57P03"),
    ("canceling the wait for synchronous replication", "57014"),
    ("LOCK TABLE can only be used in transaction blocks", "25P01"),
];

/// SQLSTATE patterns that need an exact-shape check.
fn code_for(msg: &str) -> Option<&'static str> {
    for (prefix, code) in CODES {
        if msg.starts_with(prefix) {
            return Some(code);
        }
    }
    if msg.starts_with("relation \"") && msg.contains("\" does not exist") {
        return Some("42P01");
    }
    if msg.starts_with("column \"") && msg.contains(" does not exist") {
        return Some("42703");
    }
    if msg.starts_with("function ") && msg.contains(" does not exist") {
        return Some("42883");
    }
    if msg.starts_with("database \"") && msg.ends_with("\" does not exist") {
        return Some("3D000");
    }
    if msg.starts_with("role \"") && msg.ends_with("\" does not exist") {
        return Some("28000");
    }
    None
}

/// A wait the server reported and has not yet reported as over.
#[derive(Debug, Clone, PartialEq)]
struct Wait {
    pid: i64,
    resource: String,
    mode: String,
    holders: Vec<i64>,
    /// µs UTC when the wait began (report time minus the time waited).
    since: i64,
    /// µs UTC of the report.
    reported: i64,
}

/// State carried between records of one file: the open lock waits by pid,
/// so a lock time-out can name what it waited for and for how long.
///
/// A tracker also notes what it would have needed from the records before
/// its first (for a part of a file read in parallel with the others, see
/// `Tracker::then`).
#[derive(Debug, Default, Clone)]
pub struct Tracker {
    waits: Vec<Wait>,
    /// Every pid started or ended.
    seen: HashSet<i64>,
    /// Pids whose first record here reported a wait it did not know.
    needs: Vec<i64>,
    /// The most waits held at once.
    max_len: usize,
}

const MAX_WAITS: usize = 4096;

impl Tracker {
    fn start(&mut self, w: Wait) {
        self.seen.insert(w.pid);
        self.waits.retain(|x| x.pid != w.pid);
        if self.waits.len() >= MAX_WAITS {
            self.waits.remove(0);
        }
        self.waits.push(w);
        self.max_len = self.max_len.max(self.waits.len());
    }

    fn end(&mut self, pid: i64) -> Option<Wait> {
        self.seen.insert(pid);
        let i = self.waits.iter().position(|w| w.pid == pid)?;
        Some(self.waits.remove(i))
    }

    /// [`Tracker::end`] for an event that reports the wait it ended.
    fn end_reported(&mut self, pid: i64) -> Option<Wait> {
        let first = !self.seen.contains(&pid);
        let w = self.end(pid);
        if first && w.is_none() {
            self.needs.push(pid);
        }
        w
    }

    /// The tracker a single read would have after the records of `before`
    /// and then those of `next`, which were read from an empty tracker; or
    /// `None` when one of `next`'s events would have come out differently
    /// after `before` (a lock time-out of a wait reported before it) or the
    /// oldest waits would have been dropped at other times.
    pub(crate) fn then(before: &Tracker, next: &Tracker) -> Option<Tracker> {
        let known = |p: &i64| before.waits.iter().any(|w| w.pid == *p);
        if next.needs.iter().any(known) {
            return None;
        }
        if !before.waits.is_empty() && before.waits.len() + next.max_len >= MAX_WAITS {
            return None;
        }
        let mut waits: Vec<Wait> = before
            .waits
            .iter()
            .filter(|w| !next.seen.contains(&w.pid))
            .cloned()
            .collect();
        waits.extend(next.waits.iter().cloned());
        Some(Tracker {
            waits,
            ..Tracker::default()
        })
    }

    /// A tracker going on from the waits of `before`.
    pub(crate) fn going_on(before: &Tracker) -> Tracker {
        Tracker {
            waits: before.waits.clone(),
            ..Tracker::default()
        }
    }
}

/// The skipped lines a part's parser remembers, from its first: a line the
/// part before it claimed must be among them (see [`PartLines::unskipped`]).
pub(crate) const HEAD_LINES: u32 = 4096;

/// The lines of a part that its join with the part before it is about:
/// the part before's claimed lines (given to a part read again), and the
/// lines the part's own parser skipped among its first [`HEAD_LINES`].
#[derive(Debug, Default)]
pub(crate) struct PartLines {
    claimed: Vec<u32>,
    claimed_read: usize,
    head_skips: Vec<(u32, &'static str)>,
}

impl PartLines {
    /// For a part read again: the lines of it the part before claimed,
    /// ascending.
    pub(crate) fn claimed_before(claimed: &[u32]) -> PartLines {
        PartLines {
            claimed: claimed.to_vec(),
            ..PartLines::default()
        }
    }

    /// True when line `number` (lines come in order) is one the part
    /// before claimed: it counts as a continuation and is not read.
    pub(crate) fn is_claimed(&mut self, number: u32) -> bool {
        let claimed = self.claimed.get(self.claimed_read) == Some(&number);
        self.claimed_read += usize::from(claimed);
        claimed
    }

    /// Remember line `number`'s disposition `d` if it was skipped among
    /// the first [`HEAD_LINES`].
    pub(crate) fn note(&mut self, number: u32, d: Disposition) {
        if let Disposition::Skipped(reason) = d {
            if number <= HEAD_LINES {
                self.head_skips.push((number, reason));
            }
        }
    }

    /// The lines `claimed` by the part before (a record of theirs took
    /// them), with the reason this part's parser gave for skipping each;
    /// `None` when it did not skip one of them (it read the line as its
    /// own).
    pub(crate) fn unskipped(&self, claimed: &[u32]) -> Option<Vec<(u32, &'static str)>> {
        claimed
            .iter()
            .map(|&c| {
                let i = self.head_skips.binary_search_by_key(&c, |s| s.0).ok()?;
                self.head_skips.get(i).copied()
            })
            .collect()
    }
}

/// What the parser of a part of a csvlog or jsonlog file knew at its end:
/// its lock waits, and the lines it skipped first.
#[derive(Debug, Default)]
pub(crate) struct WaitsEnd {
    pub(crate) tracker: Tracker,
    pub(crate) lines: PartLines,
}

impl WaitsEnd {
    /// [`crate::Format::join_parts`] for formats whose only state between
    /// records is the lock waits.
    pub(crate) fn join(before: &PartEnd, next: &PartEnd, claimed: &[u32]) -> Option<Joint> {
        let b = before.0.downcast_ref::<WaitsEnd>()?;
        let n = next.0.downcast_ref::<WaitsEnd>()?;
        let tracker = Tracker::then(&b.tracker, &n.tracker)?;
        let claimed = n.lines.unskipped(claimed)?;
        let end = WaitsEnd {
            tracker,
            lines: PartLines::default(),
        };
        Some(Joint {
            end: PartEnd(Box::new(end)),
            claimed,
        })
    }

    /// The waits a part read again goes on from.
    pub(crate) fn tracker_after(after: Option<(&PartEnd, &[u32])>) -> Option<Tracker> {
        match after {
            Some((before, _)) => Some(Tracker::going_on(
                &before.0.downcast_ref::<WaitsEnd>()?.tracker,
            )),
            None => Some(Tracker::default()),
        }
    }
}

fn ms(int: &str, frac: &str) -> Option<f64> {
    format!("{int}.{frac}").parse().ok()
}

fn pid_list(s: &str) -> Vec<i64> {
    s.split(',')
        .filter_map(|p| p.trim().trim_end_matches('.').parse().ok())
        .collect()
}

/// Holders and wait queue from `Process(es) holding the lock: A, B. Wait queue: C, D.`
pub fn holders_and_queue(detail: &str) -> Option<(Vec<i64>, Vec<i64>)> {
    let first = detail.lines().next().unwrap_or(detail).trim();
    let args = match_format(HOLDER, first).or_else(|| match_format(HOLDERS, first))?;
    match args.as_slice() {
        [h, q, ..] => Some((pid_list(h), pid_list(q))),
        _ => None,
    }
}

fn resource_of(obj: &str) -> String {
    normalize_lock_tag(obj).unwrap_or_else(|| obj.trim().trim_matches('"').to_string())
}

fn txn_of_resource(res: &str) -> Option<&str> {
    let rest = res.strip_prefix("transaction ")?;
    rest.bytes().all(|b| b.is_ascii_digit()).then_some(rest)
}

/// Deadlock participants from the `DETAIL` of `deadlock detected` (any
/// language); the process with pid `victim` (the reporter) is the victim.
pub fn deadlock_participants(detail: &str, victim: Option<i64>) -> Vec<Participant> {
    let mut ps: Vec<Participant> = Vec::new();
    let mut last_stmt: Option<usize> = None;
    fn find(ps: &mut Vec<Participant>, pid: i64) -> usize {
        match ps.iter().position(|p| p.pid == Some(pid)) {
            Some(i) => i,
            None => {
                ps.push(Participant {
                    pid: Some(pid),
                    ..Participant::default()
                });
                ps.len() - 1
            }
        }
    }
    for raw in detail.lines() {
        let line = raw.strip_prefix('\t').unwrap_or(raw);
        if let Some(a) = match_format(WAITS_FOR, line.trim()) {
            if let [pid, mode, obj, by, ..] = a.as_slice() {
                if let (Ok(pid), Ok(by)) = (pid.parse::<i64>(), by.parse::<i64>()) {
                    let i = find(&mut ps, pid);
                    let res = resource_of(obj);
                    if let Some(p) = ps.get_mut(i) {
                        p.mode = Some((*mode).to_string());
                        p.blocked_by = Some(by);
                        p.waits_for = Some(res.clone());
                    }
                    // Waiting on a transaction names the blocker's xid.
                    if let Some(x) = txn_of_resource(&res) {
                        let j = find(&mut ps, by);
                        if let Some(b) = ps.get_mut(j) {
                            b.txn.get_or_insert_with(|| x.to_string());
                        }
                    }
                    last_stmt = None;
                    continue;
                }
            }
        }
        if let Some(a) = match_format(PROCESS_STMT, line) {
            if let [pid, stmt, ..] = a.as_slice() {
                if let Ok(pid) = pid.trim().parse::<i64>() {
                    let i = find(&mut ps, pid);
                    if let Some(p) = ps.get_mut(i) {
                        p.statement = Some((*stmt).to_string());
                    }
                    last_stmt = Some(i);
                    continue;
                }
            }
        }
        // A statement spanning lines.
        if let Some(p) = last_stmt.and_then(|i| ps.get_mut(i)) {
            if let Some(s) = p.statement.as_mut() {
                s.push('\n');
                s.push_str(line);
            }
        }
    }
    let victim = victim
        .filter(|v| ps.iter().any(|p| p.pid == Some(*v)))
        .or_else(|| ps.first().and_then(|p| p.pid));
    for p in &mut ps {
        p.victim = p.pid.is_some() && p.pid == victim;
    }
    ps
}

/// How a duration message reads: `duration: 1.5 ms  statement: ...`.
struct Duration<'t> {
    ms: f64,
    /// What follows the duration: `statement: ...`, `execute P_1: ...`, `plan: ...`.
    tail: &'t str,
}

fn parse_duration(msg: &str) -> Option<Duration<'_>> {
    let args = match_format("duration: %s ms", msg)?;
    let num = args.first()?;
    let v: f64 = num.trim().parse().ok()?;
    // The tail starts after the number and its unit.
    let at = num.as_ptr() as usize - msg.as_ptr() as usize + num.len();
    let after = msg.get(at..)?;
    let unit_end = after
        .char_indices()
        .skip_while(|(_, c)| *c == ' ')
        .find(|(_, c)| c.is_whitespace() || *c == ',')
        .map_or(after.len(), |(i, _)| i);
    let tail = after
        .get(unit_end..)?
        .trim_start_matches([' ', ',', '\t', '\n']);
    Some(Duration { ms: v, tail })
}

/// The statement of a duration's tail or of a `log_statement` line:
/// (phase, statement); phase is `statement`, `execute P_1`, `bind`, `plan`.
fn statement_of(tail: &str) -> Option<(&str, &str)> {
    if tail.is_empty() {
        return None;
    }
    if let Some(a) = match_format("statement: %s", tail) {
        if let Some(s) = a.first() {
            return Some(("statement", s));
        }
    }
    // `execute <name>: <stmt>`, `bind <name>: <stmt>`, `plan:` (auto_explain).
    let (head, rest) = tail.split_once(':')?;
    if head.len() > 80 || head.contains('\n') {
        return None;
    }
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    if head == "plan" || head.ends_with(" plan") {
        let q = rest
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("Query Text: "))
            .unwrap_or("");
        return Some(("plan", q));
    }
    Some((head, rest))
}

fn category(msg: &str) -> Option<&'static str> {
    const CATS: &[(&str, &str)] = &[
        ("connection received", "connection"),
        ("connection authorized", "connection"),
        ("connection authenticated", "connection"),
        ("replication connection authorized", "connection"),
        ("disconnection:", "connection"),
        ("checkpoint starting", "checkpoint"),
        ("checkpoint complete", "checkpoint"),
        ("checkpoints are occurring too frequently", "checkpoint"),
        ("restartpoint", "checkpoint"),
        ("automatic vacuum", "autovacuum"),
        ("automatic aggressive vacuum", "autovacuum"),
        ("automatic analyze", "autovacuum"),
        ("temporary file:", "temp_file"),
    ];
    CATS.iter()
        .find(|(p, _)| msg.starts_with(p))
        .map(|(_, c)| *c)
}

fn cap(s: &str, n: usize) -> Cow<'_, str> {
    if s.len() <= n {
        return Cow::Borrowed(s);
    }
    let mut cut = n;
    while cut > 0 && !s.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!("{}…", &s[..cut]))
}

fn opt<'r>(v: &'r Option<Cow<'_, str>>) -> Option<&'r str> {
    v.as_deref().filter(|s| present(s))
}

/// Build the event for one record and push it.
pub fn emit(rec: &Record<'_>, tracker: &mut Tracker, out: &mut dyn EventSink) {
    let mut e = Event::new(Kind::Log, rec.ts, rec.line, rec.offset);
    e.line_count = rec.line_count.max(1);
    e.level = Some(rec.severity.level());
    e.pid = rec.pid;
    e.user = opt(&rec.user).map(Cow::Borrowed);
    e.db = opt(&rec.db).map(Cow::Borrowed);
    e.app = opt(&rec.app).map(Cow::Borrowed);
    e.client = opt(&rec.client).map(Cow::Borrowed);
    e.host = e
        .client
        .clone()
        .or_else(|| opt(&rec.server_host).map(Cow::Borrowed));
    e.txn = match (opt(&rec.txid), opt(&rec.vxid)) {
        (Some(x), _) if x != "0" => Some(Cow::Borrowed(x)),
        (_, Some(v)) => Some(Cow::Borrowed(v)),
        _ => None,
    };
    e.statement = opt(&rec.statement).map(Cow::Borrowed);
    let msg: &str = &rec.message;
    e.message = message_text(rec);
    let sqlstate = opt(&rec.sqlstate).filter(|c| *c != "00000");
    for (k, v) in [
        ("session", &rec.session),
        ("vxid", &rec.vxid),
        ("query_id", &rec.query_id),
        ("backend_type", &rec.backend_type),
        ("command_tag", &rec.command_tag),
        ("client_port", &rec.client_port),
        ("server_host", &rec.server_host),
    ] {
        if let Some(v) = opt(v) {
            if !(k == "query_id" && v == "0") {
                e.attrs.push((Cow::Borrowed(k), Cow::Borrowed(v)));
            }
        }
    }
    if let Some(n) = rec.session_line {
        e.attrs
            .push((Cow::Borrowed("session_line"), Cow::Owned(n.to_string())));
    }
    let translated = Some(rec.severity) != super::Severity::from_english(&rec.severity_word);
    if translated && !rec.severity_word.is_empty() {
        e.attrs
            .push((Cow::Borrowed("severity"), Cow::Borrowed(&rec.severity_word)));
    }
    if let Some(ctx) = opt(&rec.context) {
        e.attrs.push((Cow::Borrowed("context"), cap(ctx, 2048)));
    }
    if let Some(loc) = opt(&rec.location) {
        e.attrs.push((Cow::Borrowed("location"), cap(loc, 512)));
    }

    // Lock waits: every lock message names a mode, and every mode ends in
    // `Lock` (looked for with a searcher built once: `str::contains` built
    // one per message, and a duration line's message holds its statement).
    static LOCK: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("Lock"));
    if LOCK.find(msg.as_bytes()).is_some() {
        if let Some(done) = lock_message(rec, msg, &mut e, tracker) {
            if done {
                e.code = sqlstate.map(Cow::Borrowed);
                out.push(e);
                return;
            }
        }
    }

    let base = i18n::strip_position(msg);
    let english = i18n::english_fixed(base);
    let en_msg = english.unwrap_or(base);
    let code = sqlstate.or_else(|| {
        if rec.severity.is_error() || rec.severity == super::Severity::Warning {
            code_for(en_msg)
        } else {
            None
        }
    });
    e.code = code.map(Cow::Borrowed);

    if en_msg == "deadlock detected" || (code == Some("40P01") && rec.detail.is_some()) {
        e.kind = Kind::Deadlock;
        e.code = Some(Cow::Borrowed(code.unwrap_or("40P01")));
        let mut ps = deadlock_participants(opt(&rec.detail).unwrap_or(""), rec.pid);
        let victim_pid = ps.iter().find(|p| p.victim).and_then(|p| p.pid);
        let table = opt(&rec.context)
            .and_then(row_from_context)
            .map(|(_, rel)| rel);
        for p in &mut ps {
            if p.victim {
                if let Some(x) = opt(&rec.txid).filter(|x| *x != "0") {
                    p.txn = Some(x.to_string());
                }
                p.user = e.user.as_deref().map(str::to_string);
                p.host = e.client.as_deref().map(str::to_string);
                p.table = table.clone();
                if p.statement.is_none() {
                    p.statement = e.statement.as_deref().map(str::to_string);
                }
            }
        }
        if let Some(v) = ps.iter().find(|p| p.victim) {
            e.resource = v.waits_for.clone().map(Cow::Owned);
            e.mode = v.mode.clone().map(Cow::Owned);
            e.blocker_pid = v.blocked_by;
            if let Some(b) = v.blocked_by {
                e.blocker_txn = ps
                    .iter()
                    .find(|p| p.pid == Some(b))
                    .and_then(|p| p.txn.clone())
                    .map(Cow::Owned);
            }
        }
        if e.pid.is_none() {
            e.pid = victim_pid;
        }
        if let Some(p) = e.pid {
            tracker.end(p);
        }
        e.participants = ps;
        out.push(e);
        return;
    }

    if en_msg == "canceling statement due to lock timeout" {
        e.kind = Kind::LockTimeout;
        e.code = Some(Cow::Borrowed(code.unwrap_or("55P03")));
        let row = opt(&rec.context).and_then(row_from_context);
        if let Some((tuple, rel)) = &row {
            e.attrs.push((
                Cow::Borrowed("row"),
                Cow::Owned(format!("{tuple} of relation \"{rel}\"")),
            ));
        }
        match e.pid.and_then(|p| tracker.end_reported(p)) {
            Some(w) => {
                // With whole-second stamps (`%t`) the difference means little.
                let coarse = rec.ts % 1_000_000 == 0 && w.reported % 1_000_000 == 0;
                if !coarse {
                    e.duration_ms = Some((rec.ts - w.since) as f64 / 1000.0);
                }
                e.blocker_txn = txn_of_resource(&w.resource).map(|x| Cow::Owned(x.to_string()));
                e.resource = Some(Cow::Owned(w.resource));
                e.mode = Some(Cow::Owned(w.mode));
                e.blocker_pid = w.holders.first().copied();
                e.holders = w.holders;
            }
            None => {
                if let Some((tuple, rel)) = row {
                    e.resource = Some(Cow::Owned(format!("{tuple} of relation \"{rel}\"")));
                }
            }
        }
        out.push(e);
        return;
    }

    if matches!(
        en_msg,
        "canceling statement due to statement timeout"
            | "terminating connection due to idle-in-transaction timeout"
            | "terminating connection due to idle-session timeout"
    ) {
        e.kind = Kind::Timeout;
        if let Some(p) = e.pid {
            tracker.end(p);
        }
        out.push(e);
        return;
    }

    if let Some(d) = parse_duration(msg) {
        e.kind = Kind::Query;
        e.duration_ms = Some(d.ms);
        if let Some((phase, stmt)) = statement_of(d.tail) {
            if !stmt.is_empty() {
                e.statement = Some(Cow::Borrowed(stmt));
            }
            e.attrs.push((Cow::Borrowed("phase"), Cow::Borrowed(phase)));
        }
        out.push(e);
        return;
    }

    if rec.severity.is_error() {
        e.kind = Kind::Error;
        if let Some(p) = e.pid {
            // A cancelled or failed statement is no longer waiting.
            tracker.end(p);
        }
        out.push(e);
        return;
    }

    if rec.severity == super::Severity::Log && e.statement.is_none() {
        // `log_statement`: `statement: ...`, `execute <name>: ...`.
        if let Some(a) = match_format("statement: %s", msg) {
            if let Some(s) = a.first() {
                e.statement = Some(Cow::Borrowed(s));
            }
        } else if let Some(rest) = msg.strip_prefix("execute ") {
            if let Some((_, s)) = rest.split_once(": ") {
                e.statement = Some(Cow::Borrowed(s));
            }
        }
    }
    if let Some(c) = category(msg) {
        e.attrs.push((Cow::Borrowed("category"), Cow::Borrowed(c)));
    }
    out.push(e);
}

/// The message shown to a human: the primary message, then `DETAIL`,
/// `HINT`, `QUERY`, `CONTEXT` (English labels), then foreign lines.
fn message_text<'r>(rec: &'r Record<'_>) -> Cow<'r, str> {
    let parts = [
        ("DETAIL", &rec.detail),
        ("HINT", &rec.hint),
        ("QUERY", &rec.query),
        ("CONTEXT", &rec.context),
    ];
    if parts.iter().all(|(_, v)| v.is_none()) && rec.foreign.is_none() {
        return Cow::Borrowed(&rec.message);
    }
    let mut m = String::with_capacity(rec.message.len() + 64);
    m.push_str(&rec.message);
    for (label, v) in parts {
        if let Some(v) = v {
            m.push('\n');
            m.push_str(label);
            m.push_str(":  ");
            m.push_str(v);
        }
    }
    if let Some(f) = &rec.foreign {
        m.push('\n');
        m.push_str(f);
    }
    if m.len() > MAX_MESSAGE {
        return Cow::Owned(cap(&m, MAX_MESSAGE).into_owned());
    }
    Cow::Owned(m)
}

/// Lock wait / acquired / detected / avoided / failed. Returns `Some(true)`
/// when the message was one of them.
fn lock_message<'r>(
    rec: &'r Record<'_>,
    msg: &'r str,
    e: &mut Event<'r>,
    tracker: &mut Tracker,
) -> Option<bool> {
    let (which, a) = [WAIT, ACQUIRED, DETECTED, AVOIDED, FAILED]
        .iter()
        .find_map(|f| match_format(f, msg).map(|a| (*f, a)))?;
    let [pid, mode, obj, int, frac, ..] = a.as_slice() else {
        return None;
    };
    let pid: i64 = pid.parse().ok()?;
    let resource = resource_of(obj);
    e.pid = Some(pid);
    e.mode = Some(Cow::Borrowed(mode));
    e.duration_ms = ms(int, frac);
    if let Some((holders, queue)) = opt(&rec.detail).and_then(holders_and_queue) {
        e.blocker_pid = holders.first().copied();
        e.holders = holders;
        e.queue = queue;
    }
    e.blocker_txn = txn_of_resource(&resource).map(|x| Cow::Owned(x.to_string()));
    if let Some((tuple, rel)) = opt(&rec.context).and_then(row_from_context) {
        e.attrs.push((
            Cow::Borrowed("row"),
            Cow::Owned(format!("{tuple} of relation \"{rel}\"")),
        ));
    }
    match which {
        WAIT => {
            e.kind = Kind::LockWait;
            let since = rec.ts - (e.duration_ms.unwrap_or(0.0) * 1000.0) as i64;
            tracker.start(Wait {
                pid,
                resource: resource.clone(),
                mode: (*mode).to_string(),
                holders: e.holders.clone(),
                since,
                reported: rec.ts,
            });
        }
        ACQUIRED => {
            e.kind = Kind::LockAcquired;
            tracker.end(pid);
        }
        DETECTED => {
            // Announces the deadlock reported next; not a wait of its own.
            e.kind = Kind::Log;
            e.attrs.push((
                Cow::Borrowed("lock_event"),
                Cow::Borrowed("deadlock_detected"),
            ));
        }
        AVOIDED => {
            e.kind = Kind::Log;
            e.attrs.push((
                Cow::Borrowed("lock_event"),
                Cow::Borrowed("deadlock_avoided"),
            ));
        }
        _ => {
            e.kind = Kind::Log;
            e.attrs.push((
                Cow::Borrowed("lock_event"),
                Cow::Borrowed("failed_to_acquire"),
            ));
            tracker.end(pid);
        }
    }
    e.resource = Some(Cow::Owned(resource));
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders() {
        assert_eq!(
            holders_and_queue("Process holding the lock: 2120. Wait queue: 2129."),
            Some((vec![2120], vec![2129]))
        );
        assert_eq!(
            holders_and_queue("Processes holding the lock: 7227, 7228. Wait queue: 7243, 7250."),
            Some((vec![7227, 7228], vec![7243, 7250]))
        );
        assert_eq!(
            holders_and_queue("Process holding the lock: 5099. Wait queue: ."),
            Some((vec![5099], vec![]))
        );
        assert_eq!(holders_and_queue("Key (id)=(1) already exists."), None);
    }

    #[test]
    fn deadlock_detail_in_three_languages() {
        let en = "Process 5094 waits for ShareLock on transaction 731; blocked by process 5099.\n\
                  Process 5099 waits for ShareLock on transaction 730; blocked by process 5094.\n\
                  Process 5094: update a\n\tset x = 1\n\
                  Process 5099: update b";
        let ps = deadlock_participants(en, Some(5094));
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].pid, Some(5094));
        assert!(ps[0].victim && !ps[1].victim);
        assert_eq!(ps[0].waits_for.as_deref(), Some("transaction 731"));
        assert_eq!(ps[0].blocked_by, Some(5099));
        assert_eq!(ps[1].txn.as_deref(), Some("731"));
        assert_eq!(ps[0].txn.as_deref(), Some("730"));
        assert_eq!(ps[0].statement.as_deref(), Some("update a\nset x = 1"));
        let ja = "プロセス 6928 は ShareLock を トランザクション 731 で待機していましたが、プロセス 6935 でブロックされました\n\
                  プロセス 6935 は ShareLock を トランザクション 730 で待機していましたが、プロセス 6928 でブロックされました\n\
                  プロセス 6928: begin\nプロセス 6935: commit";
        let ps = deadlock_participants(ja, Some(6928));
        assert_eq!(ps[1].waits_for.as_deref(), Some("transaction 730"));
        assert_eq!(ps[1].statement.as_deref(), Some("commit"));
        let ru = "Процесс 7856 ожидает в режиме ShareLock блокировку \"транзакция 731\"; заблокирован процессом 7863.\n\
                  Процесс 7863 ожидает в режиме ExclusiveLock блокировку \"кортеж (0,1) отношения 16385 базы данных 16384\"; заблокирован процессом 7856.\n\
                  Процесс 7856: select 1";
        let ps = deadlock_participants(ru, Some(7856));
        assert_eq!(
            ps[1].waits_for.as_deref(),
            Some("tuple (0,1) of relation 16385 of database 16384")
        );
        assert_eq!(ps[0].statement.as_deref(), Some("select 1"));
    }

    #[test]
    fn durations_and_statements() {
        let d = parse_duration("duration: 13556.339 ms  statement: select * from t1;").unwrap();
        assert_eq!(d.ms, 13556.339);
        assert_eq!(
            statement_of(d.tail),
            Some(("statement", "select * from t1;"))
        );
        let d =
            parse_duration("duration: 260.393 ms  execute P_0: select pg_sleep(0.26);").unwrap();
        assert_eq!(
            statement_of(d.tail),
            Some(("execute P_0", "select pg_sleep(0.26);"))
        );
        let d = parse_duration("期間: 263.820 ミリ秒  実行 P_0: select 1;").unwrap();
        assert_eq!(d.ms, 263.82);
        assert_eq!(statement_of(d.tail), Some(("実行 P_0", "select 1;")));
        let d = parse_duration("продолжительность: 301.1 мс, оператор: select 2").unwrap();
        assert_eq!(statement_of(d.tail), Some(("statement", "select 2")));
        let d = parse_duration("duration: 0.5 ms").unwrap();
        assert_eq!((d.ms, d.tail), (0.5, ""));
        assert!(parse_duration("durations are fine").is_none());
    }

    #[test]
    fn positions_are_not_part_of_the_message() {
        use super::i18n::strip_position;
        assert_eq!(
            strip_position("canceling statement due to lock timeout at character 13"),
            "canceling statement due to lock timeout"
        );
        assert_eq!(
            strip_position(
                "ロックのタイムアウトのためステートメントをキャンセルしています(15文字目)"
            ),
            "ロックのタイムアウトのためステートメントをキャンセルしています"
        );
        assert_eq!(strip_position("x (символ 7)"), "x");
        assert_eq!(strip_position("version 13"), "version 13");
        assert_eq!(strip_position("at character"), "at character");
    }

    #[test]
    fn codes() {
        assert_eq!(code_for("relation \"t\" does not exist"), Some("42P01"));
        assert_eq!(code_for("deadlock detected"), Some("40P01"));
        assert_eq!(code_for("something else"), None);
    }
}

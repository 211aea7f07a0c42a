//! Lock waits: convoys with their head-of-line blocker, deadlocks, and lock
//! time-outs.
//!
//! Every `lock_wait` report becomes a wait interval (waiter, holder,
//! resource, start, end). PostgreSQL reports a wait once, after
//! `deadlock_timeout`, with the time waited so far; `acquired` closes it.
//! InnoDB snapshots report a waiting transaction in each snapshot with the
//! seconds waited; the snapshots of one wait are merged. Each wait's holder
//! is followed through the waits the holder itself is in, to the session
//! nobody is blocking: the root. Waits sharing a root, or queued on one
//! resource without a break, form a convoy; its head-of-line blocker is the
//! root that accounts for most of the convoy's wait time.

use super::{Draft, MS};
use crate::model::{FindingKind, Sym, SymCol, Timeline};
use pm_parsers::Kind;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// Who takes part in a wait: a backend pid / thread id, and/or a transaction id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Actor {
    /// PostgreSQL backend pid, MySQL thread id.
    pub pid: Option<i64>,
    /// Transaction id.
    pub txn: Option<String>,
}

impl Actor {
    fn key(&self) -> Option<String> {
        match (&self.txn, self.pid) {
            (Some(t), _) => Some(format!("txn:{t}")),
            (None, Some(p)) => Some(format!("pid:{p}")),
            (None, None) => None,
        }
    }

    fn label(&self) -> String {
        match (&self.txn, self.pid) {
            (Some(t), Some(p)) => format!("trx {t} (thread {p})"),
            (Some(t), None) => format!("trx {t}"),
            (None, Some(p)) => format!("pid {p}"),
            (None, None) => "an unknown session".into(),
        }
    }
}

/// One wait, possibly seen in several reports.
#[derive(Debug, Clone)]
pub struct Wait {
    /// The waiting session.
    pub waiter: Actor,
    /// The session holding the lock, when reported.
    pub holder: Option<Actor>,
    /// Normalised resource.
    pub resource: String,
    /// Lock mode awaited.
    pub mode: String,
    /// When the wait began (µs UTC).
    pub start: i64,
    /// When it ended or was last seen.
    pub end: i64,
    /// Longest wait reported, ms.
    pub max_ms: f64,
    /// The reports (event ids).
    pub events: Vec<usize>,
    /// Whether it ended by a lock time-out.
    pub timed_out: bool,
    /// Host of the database that reported it.
    pub host: Option<String>,
    /// Server queue length reported (PostgreSQL `Wait queue`).
    pub queue_len: usize,
    /// True when the holder was inferred rather than reported.
    pub inferred: bool,
}

fn actor_of(t: &Timeline, i: usize) -> Actor {
    Actor {
        pid: t.pid(i),
        txn: t.str(SymCol::Txn, i).map(str::to_string),
    }
}

fn holder_of(t: &Timeline, i: usize) -> Option<Actor> {
    let pid = t.blocker_pid(i);
    let txn = t.str(SymCol::BlockerTxn, i).map(str::to_string);
    if pid.is_none() && txn.is_none() {
        let h = t.extra(i).and_then(|x| x.holders.first().copied());
        return h.map(|p| Actor {
            pid: Some(p),
            txn: None,
        });
    }
    Some(Actor { pid, txn })
}

/// Slack when merging snapshots of one wait: reports of the same waiter on
/// the same resource whose computed start times differ by less than this.
const SAME_WAIT_US: i64 = 3 * 1_000_000;

/// Build wait intervals from lock events.
pub fn waits(t: &Timeline) -> Vec<Wait> {
    let mut out: Vec<Wait> = Vec::new();
    // Open waits by (waiter key, resource).
    let mut open: HashMap<(String, String), usize> = HashMap::new();
    for i in 0..t.len() {
        match t.kind(i) {
            Kind::LockWait => {
                let waiter = actor_of(t, i);
                let Some(wkey) = waiter.key() else { continue };
                let resource = t.str(SymCol::Resource, i).unwrap_or("?").to_string();
                let dur = t.duration_ms(i).unwrap_or(0.0);
                let ts = t.ts(i);
                let start = ts - (dur * MS) as i64;
                let key = (wkey, resource.clone());
                if let Some(&w) = open.get(&key) {
                    let wait = &mut out[w];
                    if (start - wait.start).abs() <= SAME_WAIT_US
                        || start <= wait.end + SAME_WAIT_US
                    {
                        wait.end = wait.end.max(ts);
                        wait.max_ms = wait.max_ms.max(dur);
                        wait.events.push(i);
                        if wait.holder.is_none() {
                            wait.holder = holder_of(t, i);
                        }
                        continue;
                    }
                }
                let queue_len = t.extra(i).map(|x| x.queue.len()).unwrap_or(0);
                out.push(Wait {
                    waiter,
                    holder: holder_of(t, i),
                    resource,
                    mode: t.str(SymCol::Mode, i).unwrap_or("").to_string(),
                    start,
                    end: ts,
                    max_ms: dur,
                    events: vec![i],
                    timed_out: false,
                    host: t.str(SymCol::Host, i).map(str::to_string),
                    queue_len,
                    inferred: false,
                });
                open.insert(key, out.len() - 1);
            }
            Kind::LockAcquired => {
                let waiter = actor_of(t, i);
                let Some(wkey) = waiter.key() else { continue };
                let resource = t.str(SymCol::Resource, i).unwrap_or("?").to_string();
                if let Some(w) = open.remove(&(wkey, resource)) {
                    let wait = &mut out[w];
                    wait.end = t.ts(i);
                    if let Some(d) = t.duration_ms(i) {
                        wait.max_ms = wait.max_ms.max(d);
                    }
                    wait.events.push(i);
                }
            }
            Kind::LockTimeout => {
                let waiter = actor_of(t, i);
                let Some(wkey) = waiter.key() else { continue };
                let keys: Vec<(String, String)> =
                    open.keys().filter(|(k, _)| *k == wkey).cloned().collect();
                for k in keys {
                    if let Some(w) = open.remove(&k) {
                        let wait = &mut out[w];
                        wait.end = wait.end.max(t.ts(i));
                        wait.max_ms = wait.max_ms.max((wait.end - wait.start) as f64 / MS);
                        wait.timed_out = true;
                        wait.events.push(i);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// For waits whose report names no holder (InnoDB status without the lock
/// monitor), infer it from the same snapshot's transaction list: the
/// longest-running other transaction whose statement touches the waited
/// table, else the longest-running one that writes. Marks such holders as
/// inferred.
pub fn infer_holders(t: &Timeline, ws: &mut [Wait]) {
    for w in ws.iter_mut().filter(|w| w.holder.is_none()) {
        let Some(&last) = w.events.last() else {
            continue;
        };
        let at = t.ts(last);
        let src = t.source(last);
        let table = resource_table(&w.resource)
            .map(|x| {
                x.trim_matches('`')
                    .rsplit("`.`")
                    .next()
                    .unwrap_or("")
                    .trim_matches('`')
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let lo = t.lower_bound(at - 2_000_000);
        let hi = t.lower_bound(at + 2_000_001);
        let mut best: Option<(u8, f64, usize)> = None;
        for i in lo..hi {
            if t.kind(i) != Kind::Txn || t.source(i) != src {
                continue;
            }
            let me = t.str(SymCol::Txn, i) == w.waiter.txn.as_deref()
                || (w.waiter.txn.is_none() && t.pid(i) == w.waiter.pid);
            if me {
                continue;
            }
            let stmt = t.statement(i).unwrap_or("").to_ascii_lowercase();
            let touches = !table.is_empty() && stmt.contains(&table);
            let writes = ["delete", "update", "insert", "replace", "alter", "lock"]
                .iter()
                .any(|k| stmt.contains(k));
            let rank = if touches {
                2
            } else if writes {
                1
            } else {
                0
            };
            let active = t.duration_ms(i).unwrap_or(0.0);
            if best.is_none_or(|(r, a, _)| (rank, active) > (r, a)) {
                best = Some((rank, active, i));
            }
        }
        if let Some((rank, _, i)) = best {
            if rank > 0 {
                w.holder = Some(Actor {
                    pid: t.pid(i),
                    txn: t.str(SymCol::Txn, i).map(str::to_string),
                });
                w.inferred = true;
            }
        }
    }
}

/// Find the root blocker of each wait: follow holder → the wait that holder
/// is itself in at that time → its holder, until a session that is not
/// waiting (or a cycle). Returns, per wait, the root actor (if any holder is known).
fn roots(ws: &[Wait]) -> Vec<Option<Actor>> {
    // Waits by waiter key, in `ws` order.
    let mut by_waiter: HashMap<String, WaiterWaits> = HashMap::new();
    for (i, w) in ws.iter().enumerate() {
        if let Some(k) = w.waiter.key() {
            by_waiter.entry(k).or_default().push(ws, i);
        }
        if let (Some(_), Some(p)) = (&w.waiter.txn, w.waiter.pid) {
            by_waiter.entry(format!("pid:{p}")).or_default().push(ws, i);
        }
    }
    let waiting_at = |actor: &Actor, at: i64| -> Option<usize> {
        let keys = [actor.key(), actor.pid.map(|p| format!("pid:{p}"))];
        for k in keys.into_iter().flatten() {
            if let Some(w) = by_waiter.get(&k).and_then(|l| l.first_around(ws, at)) {
                return Some(w);
            }
        }
        None
    };
    ws.iter()
        .map(|w| {
            let mut holder = w.holder.clone()?;
            let at = (w.start + w.end) / 2;
            let mut seen = vec![w.waiter.clone()];
            for _ in 0..32 {
                match waiting_at(&holder, at) {
                    Some(next) if !seen.contains(&holder) => {
                        seen.push(holder.clone());
                        match ws[next].holder.clone() {
                            Some(h) => holder = h,
                            None => return Some(holder),
                        }
                    }
                    _ => return Some(holder),
                }
            }
            Some(holder)
        })
        .collect()
}

/// The waits of one waiter (by key), for [`roots`]: which of them, if
/// any, was going on at a time.
#[derive(Debug, Default)]
struct WaiterWaits {
    /// Indices into the waits, ascending.
    waits: Vec<usize>,
    /// The latest end among `waits[..=i]`.
    latest_end: Vec<i64>,
    /// Whether the waits start in order (usually: waits come in log
    /// order; else [`WaiterWaits::first_around`] reads them all).
    in_start_order: bool,
}

impl WaiterWaits {
    fn push(&mut self, ws: &[Wait], i: usize) {
        let w = &ws[i];
        let ordered = self.waits.last().is_none_or(|&p| ws[p].start <= w.start);
        self.in_start_order = (self.waits.is_empty() || self.in_start_order) && ordered;
        let latest = self.latest_end.last().map_or(w.end, |&e| e.max(w.end));
        self.waits.push(i);
        self.latest_end.push(latest);
    }

    /// The first of the waits (in `ws` order) going on at `at`. A busy
    /// session waits thousands of times in a long log: in start order, the
    /// first wait ending at or after `at` is found by halving, and it is
    /// the one if it started by then (every later one starts later).
    fn first_around(&self, ws: &[Wait], at: i64) -> Option<usize> {
        if self.in_start_order {
            let i = self.latest_end.partition_point(|&e| e < at);
            return self.waits.get(i).copied().filter(|&w| ws[w].start <= at);
        }
        self.waits
            .iter()
            .copied()
            .find(|&w| ws[w].start <= at && at <= ws[w].end)
    }
}

/// The table a resource belongs to, when it says: `relation 16533 of
/// database 16401` and `tuple (0,5) of relation 16533 ...` → `rel:16533`;
/// `` `karte`.`karte_image_links` index PRIMARY `` → the quoted table.
/// `transaction 123` names no table.
pub fn resource_table(r: &str) -> Option<String> {
    if let Some(i) = r.find("relation ") {
        let rest = &r[i + 9..];
        let id: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '"')
            .collect();
        return (!id.is_empty()).then(|| format!("rel:{id}"));
    }
    if r.starts_with('`') {
        let end = r.find(" index").or_else(|| r.find(' ')).unwrap_or(r.len());
        return Some(r[..end].to_string());
    }
    None
}

struct Dsu(Vec<usize>);

impl Dsu {
    fn new(n: usize) -> Dsu {
        Dsu((0..n).collect())
    }
    fn find(&mut self, x: usize) -> usize {
        let mut r = x;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut c = x;
        while self.0[c] != r {
            let n = self.0[c];
            self.0[c] = r;
            c = n;
        }
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// Waits on one resource with breaks shorter than this are one convoy
/// (snapshot tools such as pt-stalk sample every few minutes).
pub const CONVOY_GAP_US: i64 = 10 * 60 * 1_000_000;

/// Trim a convoy's window to where waiting was sustained: the first and
/// last minute whose moving average of waiting (seconds of wait per
/// minute) reaches 15 % of its peak. Sporadic waits before a queue
/// builds up, or after it drains, stay evidence but not the window.
fn trim_to_activity(ws: &[Wait], members: &[usize], start: i64, end: i64) -> (i64, i64) {
    const MINUTE: i64 = 60 * 1_000_000;
    let n = ((end - start) / MINUTE + 1) as usize;
    if n <= 10 || n > 60 * 24 * 31 {
        return (start, end);
    }
    let mut act = vec![0f64; n];
    for &m in members {
        let w = &ws[m];
        let mut k = ((w.start - start) / MINUTE).max(0) as usize;
        while k < n {
            let a = start + k as i64 * MINUTE;
            let b = a + MINUTE;
            let overlap = w.end.min(b) - w.start.max(a);
            if overlap <= 0 && a > w.end {
                break;
            }
            act[k] += overlap.max(0) as f64 / 1e6;
            k += 1;
        }
    }
    // Smooth over a window that grows with the convoy (5 to 31 minutes), so a
    // single busy minute before the queue builds does not count.
    let half = (n / 20).clamp(2, 15);
    let smooth: Vec<f64> = (0..n)
        .map(|k| {
            let lo = k.saturating_sub(half);
            let hi = (k + half + 1).min(n);
            act[lo..hi].iter().sum::<f64>() / (hi - lo) as f64
        })
        .collect();
    let peak = smooth.iter().copied().fold(0.0, f64::max);
    if peak <= 0.0 {
        return (start, end);
    }
    let first = smooth.iter().position(|&v| v >= peak * 0.15).unwrap_or(0);
    let last = smooth
        .iter()
        .rposition(|&v| v >= peak * 0.15)
        .unwrap_or(n - 1);
    let s = (start + first as i64 * MINUTE).max(start);
    let e = (start + (last as i64 + 1) * MINUTE).min(end);
    if s < e { (s, e) } else { (start, end) }
}

/// Information about a blocking session found elsewhere in the logs.
#[derive(Debug, Clone, Default)]
pub struct BlockerInfo {
    /// Application name.
    pub app: Option<String>,
    /// Client or database host.
    pub host: Option<String>,
    /// Database user.
    pub user: Option<String>,
    /// A statement it ran around the time.
    pub statement: Option<String>,
    /// Event ids that describe it.
    pub events: Vec<usize>,
}

/// How long before a blocker's wait [`describe_blocker`] looks for what
/// the logs say about it (its application name, user, host)...
const DESCRIBE_BEFORE_US: i64 = 10 * 60 * 1_000_000;
/// ...and how long after (a statement that was still running).
const DESCRIBE_AFTER_US: i64 = 60 * 1_000_000;

/// The rows of one session (a backend pid in database logs, or a
/// transaction id), ascending, and the ones among them with each field
/// [`describe_blocker`] takes.
#[derive(Debug, Default)]
struct SessionRows {
    all: Vec<u32>,
    app: Vec<u32>,
    user: Vec<u32>,
    /// Rows with a client or a host.
    host: Vec<u32>,
    /// Rows with statement text.
    stmt: Vec<u32>,
    /// The longest time a statement among `stmt` ran (µs, at least 0).
    longest_us: i64,
}

impl SessionRows {
    fn push(&mut self, t: &Timeline, i: usize) {
        let row = i as u32;
        self.all.push(row);
        if t.sym(SymCol::App, i) != 0 {
            self.app.push(row);
        }
        if t.sym(SymCol::User, i) != 0 {
            self.user.push(row);
        }
        if t.sym(SymCol::Client, i) != 0 || t.sym(SymCol::Host, i) != 0 {
            self.host.push(row);
        }
        if t.has_statement(i) {
            self.stmt.push(row);
            self.longest_us = self.longest_us.max(ran_us(t, i));
        }
    }
}

/// How long statement `i` ran, µs (0 when not said).
fn ran_us(t: &Timeline, i: usize) -> i64 {
    (t.duration_ms(i).unwrap_or(0.0) * MS) as i64
}

/// The rows of `list` (ascending) in `rows`.
fn within<'a>(list: &'a [u32], rows: &std::ops::Range<usize>) -> &'a [u32] {
    let lo = list.partition_point(|&r| (r as usize) < rows.start);
    let hi = list.partition_point(|&r| (r as usize) < rows.end);
    list.get(lo..hi).unwrap_or_default()
}

/// The first row of `list` in `rows`.
fn first_in(list: &[u32], rows: &std::ops::Range<usize>) -> Option<usize> {
    within(list, rows).first().map(|&r| r as usize)
}

/// The rows of `a` and `b` (each ascending) in `rows`, ascending, each once.
fn merged<'a>(
    a: &'a [u32],
    b: &'a [u32],
    rows: &std::ops::Range<usize>,
) -> impl Iterator<Item = usize> + 'a {
    union(within(a, rows).iter(), within(b, rows).iter(), u32::min)
}

/// [`merged`] from the last row back.
fn merged_back<'a>(
    a: &'a [u32],
    b: &'a [u32],
    rows: &std::ops::Range<usize>,
) -> impl Iterator<Item = usize> + 'a {
    union(
        within(a, rows).iter().rev(),
        within(b, rows).iter().rev(),
        u32::max,
    )
}

/// The rows of two runs ordered alike, in that order (`first` picks the
/// one that comes first), each once.
fn union<'a>(
    a: impl Iterator<Item = &'a u32>,
    b: impl Iterator<Item = &'a u32>,
    first: fn(u32, u32) -> u32,
) -> impl Iterator<Item = usize> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || {
        let next = match (a.peek(), b.peek()) {
            (Some(&&x), Some(&&y)) => first(x, y),
            (Some(&&x), None) => x,
            (None, Some(&&y)) => y,
            (None, None) => return None,
        };
        a.next_if_eq(&&next);
        b.next_if_eq(&&next);
        Some(next as usize)
    })
}

/// Where each session's events are, for [`describe_blocker`]: the rows of
/// database logs by backend pid, and all rows by transaction id.
///
/// Built in one pass. Describing a blocker used to scan every event of its
/// window, eleven minutes wide: a PostgreSQL log of a busy database (pgbench
/// with lock waits logged) has a convoy every few milliseconds, and its
/// 256 MiB took 100 s to analyse, nearly all of it in these scans.
#[derive(Debug, Default)]
pub struct Sessions {
    by_pid: HashMap<i64, SessionRows>,
    by_txn: HashMap<Sym, SessionRows>,
}

impl Sessions {
    /// The sessions of every row of `t`.
    pub fn new(t: &Timeline) -> Sessions {
        Sessions::of_rows(t, 0..t.len())
    }

    /// The sessions of the rows [`describe_blocker`] reads for a wait
    /// window [from, to] (describing a blocker then only sees those rows).
    pub fn around(t: &Timeline, from: i64, to: i64) -> Sessions {
        Sessions::of_rows(t, described_rows(t, from, to))
    }

    fn of_rows(t: &Timeline, rows: std::ops::Range<usize>) -> Sessions {
        let mut s = Sessions::default();
        for i in t.rows_released_behind(rows) {
            let txn = t.sym(SymCol::Txn, i);
            if txn != 0 {
                s.by_txn.entry(txn).or_default().push(t, i);
            }
            // A pid alone is only trusted inside database logs.
            let Some(pid) = t.pid(i) else {
                continue;
            };
            if from_database(t, i) {
                s.by_pid.entry(pid).or_default().push(t, i);
            }
        }
        s
    }
}

/// Whether event `i` comes from a database log: it names a database or a
/// user, or is of a database kind.
fn from_database(t: &Timeline, i: usize) -> bool {
    t.sym(SymCol::Db, i) != 0
        || t.sym(SymCol::User, i) != 0
        || matches!(
            t.kind(i),
            Kind::LockWait
                | Kind::LockAcquired
                | Kind::Query
                | Kind::Txn
                | Kind::Deadlock
                | Kind::LockTimeout
        )
}

/// The rows [`describe_blocker`] reads for a wait window [from, to].
fn described_rows(t: &Timeline, from: i64, to: i64) -> std::ops::Range<usize> {
    t.lower_bound(from.saturating_sub(DESCRIBE_BEFORE_US))
        ..t.lower_bound(to.saturating_add(DESCRIBE_AFTER_US))
}

/// Look for what the logs say about `actor` around [from, to]: events of
/// the same pid (in database logs) or transaction from ten minutes before
/// to a minute after (application name, user, host, the statement whose
/// execution overlaps the window most, and the first 20 events).
pub fn describe_blocker(
    t: &Timeline,
    sessions: &Sessions,
    actor: &Actor,
    from: i64,
    to: i64,
) -> BlockerInfo {
    let mut info = BlockerInfo::default();
    let rows = described_rows(t, from, to);
    let none = SessionRows::default();
    let by_pid = actor.pid.and_then(|p| sessions.by_pid.get(&p));
    let by_txn = actor
        .txn
        .as_deref()
        .and_then(|x| t.strings().lookup(x))
        .filter(|&s| s != 0)
        .and_then(|s| sessions.by_txn.get(&s));
    let (p, x) = (by_pid.unwrap_or(&none), by_txn.unwrap_or(&none));
    // The first row of either session with the field.
    let first = |field: fn(&SessionRows) -> &[u32]| {
        [first_in(field(p), &rows), first_in(field(x), &rows)]
            .into_iter()
            .flatten()
            .min()
    };
    info.app = first(|s| &s.app).and_then(|i| t.str(SymCol::App, i).map(str::to_string));
    info.user = first(|s| &s.user).and_then(|i| t.str(SymCol::User, i).map(str::to_string));
    info.host = first(|s| &s.host).and_then(|i| {
        t.str(SymCol::Client, i)
            .or(t.str(SymCol::Host, i))
            .map(str::to_string)
    });
    info.events = merged(&p.all, &x.all, &rows).take(20).collect();
    info.statement = overlapping_statement(t, p, x, &rows, from, to);
    info
}

/// The statement of sessions `p` and `x` in `rows` whose execution overlaps
/// [from, to] most (the first of equals); failing any overlap, the nearest.
///
/// Statements are read from the window's start outwards, and the reading
/// stops where no statement further out can overlap more: one that ended
/// before `from` by `d` overlaps by at most `-d`, and one that ended at
/// `end` after that by at most the sessions' longest run plus `to - end`
/// (which falls as `end` grows).
fn overlapping_statement(
    t: &Timeline,
    p: &SessionRows,
    x: &SessionRows,
    rows: &std::ops::Range<usize>,
    from: i64,
    to: i64,
) -> Option<String> {
    let overlap = |i: usize| {
        let end = t.ts(i);
        let start = end.saturating_sub(ran_us(t, i));
        end.min(to).saturating_sub(start.max(from))
    };
    let longest = p.longest_us.max(x.longest_us);
    let middle = t.lower_bound(from).clamp(rows.start, rows.end);
    let mut best: Option<(i64, usize)> = None;
    // From `from` on: a later statement wins only with a larger overlap.
    for i in merged(&p.stmt, &x.stmt, &(middle..rows.end)) {
        let bound = to.saturating_sub(t.ts(i)).saturating_add(longest);
        if best.is_some_and(|(b, _)| bound <= b) {
            break;
        }
        let o = overlap(i);
        // The text is read (and checked as UTF-8) only for a winner.
        if best.is_none_or(|(b, _)| o > b) && t.statement(i).is_some() {
            best = Some((o, i));
        }
    }
    // Before `from`, backwards: an earlier statement wins its ties.
    for i in merged_back(&p.stmt, &x.stmt, &(rows.start..middle)) {
        let bound = t.ts(i).saturating_sub(from);
        if best.is_some_and(|(b, _)| bound < b) {
            break;
        }
        let o = overlap(i);
        if best.is_none_or(|(b, _)| o >= b) && t.statement(i).is_some() {
            best = Some((o, i));
        }
    }
    best.and_then(|(_, i)| t.statement(i)).map(str::to_string)
}

fn pct(n: f64) -> f64 {
    (n * 100.0).round() / 100.0
}

/// Lock convoys.
pub fn convoys(t: &Timeline, ws: &[Wait], min_waiters: usize) -> Vec<Draft> {
    if ws.is_empty() {
        return Vec::new();
    }
    let roots = roots(ws);
    let mut dsu = Dsu::new(ws.len());
    // Same root, overlapping in time.
    let mut by_root: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in roots.iter().enumerate() {
        if let Some(k) = r.as_ref().and_then(Actor::key) {
            by_root.entry(k).or_default().push(i);
        }
    }
    let tables: Vec<Option<String>> = ws.iter().map(|w| resource_table(&w.resource)).collect();
    for list in by_root.values() {
        let mut l = list.clone();
        l.sort_by_key(|&i| ws[i].start);
        // Per table (waits on a transaction id join whichever table is current):
        // one holder blocking two tables makes two convoys.
        let mut last: HashMap<Option<&str>, (usize, i64)> = HashMap::new();
        for &i in &l {
            let key = tables[i].as_deref();
            let candidates: Vec<(usize, i64)> = match key {
                Some(_) => last
                    .get(&key)
                    .into_iter()
                    .chain(last.get(&None))
                    .copied()
                    .collect(),
                None => last.values().copied().collect(),
            };
            for (p, end) in candidates {
                if ws[i].start <= end + CONVOY_GAP_US {
                    dsu.union(p, i);
                }
            }
            let end = last
                .get(&key)
                .map(|(_, e)| *e)
                .unwrap_or(i64::MIN)
                .max(ws[i].end);
            last.insert(key, (i, end));
        }
    }
    // Same resource, without a break.
    let mut by_res: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, w) in ws.iter().enumerate() {
        by_res.entry(w.resource.as_str()).or_default().push(i);
    }
    for list in by_res.values() {
        let mut l = list.clone();
        l.sort_by_key(|&i| ws[i].start);
        let mut end = i64::MIN;
        let mut prev = None;
        for &i in &l {
            if let Some(p) = prev {
                if ws[i].start <= end + CONVOY_GAP_US {
                    dsu.union(p, i);
                }
            }
            end = end.max(ws[i].end);
            prev = Some(i);
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..ws.len() {
        let r = dsu.find(i);
        groups.entry(r).or_default().push(i);
    }
    let mut out = Vec::new();
    // Built for the first convoy with a head blocker to describe.
    let mut sessions: Option<Sessions> = None;
    for members in groups.values() {
        let mut waiters: Vec<String> = members.iter().filter_map(|&i| ws[i].waiter.key()).collect();
        waiters.sort();
        waiters.dedup();
        let queue_max = members.iter().map(|&i| ws[i].queue_len).max().unwrap_or(0);
        let n_waiters = waiters.len().max(queue_max);
        if n_waiters < min_waiters {
            continue;
        }
        let start = members.iter().map(|&i| ws[i].start).min().unwrap_or(0);
        let end = members.iter().map(|&i| ws[i].end).max().unwrap_or(start);
        let (start, end) = trim_to_activity(ws, members, start, end);
        let max_wait = members.iter().map(|&i| ws[i].max_ms).fold(0.0, f64::max);
        let total_wait: f64 = members.iter().map(|&i| ws[i].max_ms).sum();
        // Head blocker: the root with the most wait time behind it.
        let mut share: HashMap<Actor, f64> = HashMap::new();
        for &i in members {
            if let Some(r) = &roots[i] {
                *share.entry(r.clone()).or_default() += ws[i].max_ms.max(1.0);
            }
        }
        let mut ranked: Vec<(Actor, f64)> = share.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let head = ranked.first().cloned();
        let head_share = head
            .as_ref()
            .map(|(_, s)| s / total_wait.max(1.0))
            .unwrap_or(0.0);
        // Resource: the one waited on directly behind the head, else the most common.
        let mut res_count: HashMap<&str, usize> = HashMap::new();
        for &i in members {
            let direct = match (&head, &ws[i].holder) {
                (Some((h, _)), Some(holder)) => h == holder,
                _ => false,
            };
            *res_count.entry(ws[i].resource.as_str()).or_default() += if direct { 1000 } else { 1 };
        }
        let resource = res_count
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(r, _)| r.to_string())
            .unwrap_or_default();
        let mut evidence: Vec<usize> = members
            .iter()
            .flat_map(|&i| ws[i].events.iter().copied())
            .collect();
        let mut blocker = Map::new();
        let mut head_label = "an unknown session".to_string();
        if let Some((actor, _)) = &head {
            let sessions = sessions.get_or_insert_with(|| Sessions::new(t));
            let mut info = describe_blocker(t, sessions, actor, start, end);
            // What the wait reports themselves say about the holder (pt-stalk,
            // sys.innodb_lock_waits: its query and client host).
            for &m in members {
                if ws[m].holder.as_ref() != Some(actor) {
                    continue;
                }
                for &i in &ws[m].events {
                    if info.statement.is_none() {
                        info.statement = t.attr(i, "blocking_query").map(str::to_string);
                    }
                    if info.host.is_none() {
                        info.host = t.attr(i, "blocking_host").map(str::to_string);
                    }
                }
            }
            if members
                .iter()
                .any(|&m| ws[m].inferred && ws[m].holder.as_ref() == Some(actor))
            {
                blocker.insert("inferred".into(), json!(true));
            }
            head_label = actor.label();
            if let Some(p) = actor.pid {
                blocker.insert("pid".into(), json!(p));
            }
            if let Some(x) = &actor.txn {
                blocker.insert("txn".into(), json!(x));
            }
            if let Some(a) = &info.app {
                blocker.insert("app".into(), json!(a));
                head_label.push_str(&format!(" ({a})"));
            }
            if let Some(h) = &info.host {
                blocker.insert("host".into(), json!(h));
            }
            if let Some(u) = &info.user {
                blocker.insert("user".into(), json!(u));
            }
            if let Some(s) = &info.statement {
                blocker.insert("statement".into(), json!(s));
            }
            blocker.insert("share".into(), json!(pct(head_share)));
            evidence.extend(info.events.iter().copied());
        }
        evidence.sort_unstable();
        evidence.dedup();
        let timeouts = members.iter().filter(|&&i| ws[i].timed_out).count();
        let host = members.iter().find_map(|&i| ws[i].host.clone());
        let mut attrs = Map::new();
        attrs.insert("resource".into(), json!(resource));
        attrs.insert("blocker".into(), Value::Object(blocker));
        attrs.insert("waiters".into(), json!(n_waiters));
        attrs.insert("waits".into(), json!(members.len()));
        attrs.insert("max_wait_ms".into(), json!(max_wait.round()));
        attrs.insert("total_wait_ms".into(), json!(total_wait.round()));
        attrs.insert("timeouts".into(), json!(timeouts));
        // The tables the waiters' statements name (the resource may be an oid).
        let mut tables: Vec<String> = members
            .iter()
            .flat_map(|&i| ws[i].events.iter())
            .filter_map(|&e| t.statement(e))
            .map(statement_table)
            .filter(|x| x != "unknown resource")
            .collect();
        tables.sort();
        tables.dedup();
        tables.truncate(8);
        attrs.insert("tables".into(), json!(tables));
        if let Some(h) = &host {
            attrs.insert("db_host".into(), json!(h));
        }
        let blockers: Vec<Value> = ranked
            .iter()
            .take(5)
            .map(|(a, s)| json!({"pid": a.pid, "txn": a.txn, "wait_ms": s.round()}))
            .collect();
        attrs.insert("top_blockers".into(), Value::Array(blockers));
        let total_s = total_wait / 1000.0;
        let score =
            1.0 - (-(total_s / 120.0 + n_waiters as f64 / 20.0 + max_wait / 30_000.0)).exp();
        let summary = if ranked.is_empty() {
            format!(
                "Lock convoy on {resource}: {n_waiters} sessions waited; the holder is not in the data (max wait {}, total {})",
                crate::text::human_ms(max_wait),
                crate::text::human_ms(total_wait)
            )
        } else if head_share >= 0.5 || ranked.len() == 1 {
            format!(
                "Lock convoy on {resource}: {n_waiters} sessions waited behind {head_label} (max wait {}, total {})",
                crate::text::human_ms(max_wait),
                crate::text::human_ms(total_wait)
            )
        } else {
            format!(
                "Lock convoy on {resource}: {n_waiters} sessions queued, the lock passing between {} holders (max wait {}, total {})",
                ranked.len(),
                crate::text::human_ms(max_wait),
                crate::text::human_ms(total_wait)
            )
        };
        out.push(Draft::new(
            FindingKind::LockConvoy,
            start,
            end,
            score.clamp(0.0, 1.0),
            summary,
            evidence,
            attrs,
        ));
    }
    out
}

/// Deadlocks, one finding per distinct deadlock (the same report in several
/// dumps is merged).
pub fn deadlocks(t: &Timeline, source_formats: &[Option<String>]) -> Vec<Draft> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Draft> = Vec::new();
    for i in 0..t.len() {
        if t.kind(i) != Kind::Deadlock {
            continue;
        }
        let parts = t
            .extra(i)
            .map(|x| x.participants.clone())
            .unwrap_or_default();
        let mut txns: Vec<String> = parts.iter().filter_map(|p| p.txn.clone()).collect();
        txns.sort();
        let mut pids: Vec<i64> = parts.iter().filter_map(|p| p.pid).collect();
        pids.sort();
        let key = if !txns.is_empty() {
            format!("txn:{}", txns.join(","))
        } else {
            // PostgreSQL: pids are reused, so the time is part of the identity.
            format!("pid:{:?}@{}", pids, t.ts(i) / 2_000_000)
        };
        if let Some(&d) = seen.get(&key) {
            let draft = &mut out[d];
            draft.evidence.push(i);
            let n = draft
                .attrs
                .get("reports")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                + 1;
            draft.attrs.insert("reports".into(), json!(n));
            continue;
        }
        let fmt = source_formats
            .get(t.source(i) as usize)
            .cloned()
            .flatten()
            .unwrap_or_default();
        let source = if fmt.starts_with("postgres") {
            "postgres"
        } else {
            "innodb"
        };
        let participants: Vec<Value> = parts
            .iter()
            .map(|p| {
                json!({
                    "pid": p.pid,
                    "txn": p.txn,
                    "statement": p.statement,
                    "victim": p.victim,
                    "waits_for": p.waits_for,
                    "mode": p.mode,
                    "table": p.table,
                    "index": p.index,
                })
            })
            .collect();
        let tables: Vec<String> = {
            let mut v: Vec<String> = parts
                .iter()
                .filter_map(|p| p.table.clone().or_else(|| p.waits_for.clone()))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let victim = parts.iter().find(|p| p.victim).map(|p| {
            p.txn
                .as_ref()
                .map(|x| format!("trx {x}"))
                .or(p.pid.map(|x| format!("pid {x}")))
                .unwrap_or_else(|| "?".into())
        });
        let mut attrs = Map::new();
        attrs.insert("source".into(), json!(source));
        attrs.insert("participants".into(), Value::Array(participants));
        attrs.insert("tables".into(), json!(tables));
        attrs.insert("reports".into(), json!(1));
        let on = if tables.is_empty() {
            String::new()
        } else {
            format!(" on {}", tables.join(", "))
        };
        let summary = format!(
            "Deadlock{on} between {} {}; the server rolled back {}",
            parts.len().max(2),
            if source == "postgres" {
                "processes"
            } else {
                "transactions"
            },
            victim.unwrap_or_else(|| "one of them".into())
        );
        seen.insert(key, out.len());
        out.push(Draft::new(
            FindingKind::Deadlock,
            t.ts(i),
            t.ts(i),
            0.55,
            summary,
            vec![i],
            attrs,
        ));
    }
    out
}

/// Phrases with which applications report a database lock wait time-out.
const APP_LOCK_TIMEOUT: [&str; 4] = [
    "Lock wait timeout exceeded",
    "LockWaitTimeout",
    "canceling statement due to lock timeout",
    "lock timeout",
];

/// Is event `i` a lock time-out: reported by the database, or by an
/// application (not a vendor message id that merely quotes the error).
pub fn is_lock_timeout(t: &Timeline, i: usize) -> bool {
    match t.kind(i) {
        Kind::LockTimeout => true,
        Kind::Error => {
            let code_ok = t
                .str(SymCol::Code, i)
                .is_none_or(|c| c.starts_with("ERROR ") || c.starts_with("SQLSTATE"));
            let first = t.message(i).lines().next().unwrap_or("");
            code_ok && APP_LOCK_TIMEOUT.iter().any(|p| first.contains(p))
        }
        _ => false,
    }
}

/// Lock time-outs grouped by resource and time (breaks over an hour
/// split). A time-out an application reports without naming the lock is
/// put on the table of the convoy in progress at that moment, if any.
pub fn lock_timeouts(t: &Timeline, convoys: &[Draft]) -> Vec<Draft> {
    let gap = 60 * 60 * 1_000_000;
    let mut by_res: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in t.rows_released_behind(0..t.len()) {
        if !is_lock_timeout(t, i) {
            continue;
        }
        let named = t.str(SymCol::Resource, i).map(str::to_string).or_else(|| {
            t.statement(i)
                .map(statement_table)
                .filter(|s| s != "unknown resource")
        });
        let r = match named {
            Some(r) => r,
            None => {
                let at = t.ts(i);
                let convoy = convoys
                    .iter()
                    .filter(|c| c.kind == FindingKind::LockConvoy && c.start <= at && at <= c.end)
                    .max_by(|a, b| a.score.total_cmp(&b.score));
                match convoy
                    .and_then(|c| c.attrs.get("resource"))
                    .and_then(Value::as_str)
                {
                    Some(r) => r.to_string(),
                    None => "unknown resource".into(),
                }
            }
        };
        by_res.entry(r).or_default().push(i);
    }
    let mut out = Vec::new();
    for (res, list) in by_res {
        let mut cluster: Vec<usize> = Vec::new();
        let flush = |cluster: &mut Vec<usize>, out: &mut Vec<Draft>| {
            if cluster.is_empty() {
                return;
            }
            let mut pids: Vec<i64> = cluster.iter().filter_map(|&i| t.pid(i)).collect();
            pids.sort();
            pids.dedup();
            let n = cluster.len();
            let start = t.ts(cluster[0]);
            let end = t.ts(cluster[n - 1]);
            let reported_by_app = cluster
                .iter()
                .filter(|&&i| t.kind(i) != Kind::LockTimeout)
                .count();
            let mut attrs = Map::new();
            attrs.insert("resource".into(), json!(res));
            attrs.insert("count".into(), json!(n));
            attrs.insert("pids".into(), json!(pids));
            attrs.insert("reported_by_applications".into(), json!(reported_by_app));
            let summary = format!(
                "{n} statement{} cancelled by lock wait time-outs on {res}",
                if n == 1 { "" } else { "s" }
            );
            let score = 1.0 - (-(n as f64) / 20.0).exp() * 0.8;
            out.push(Draft::new(
                FindingKind::LockTimeout,
                start,
                end,
                score * 0.8,
                summary,
                std::mem::take(cluster),
                attrs,
            ));
        };
        for i in list {
            if let Some(&last) = cluster.last() {
                if t.ts(i) - t.ts(last) > gap {
                    flush(&mut cluster, &mut out);
                }
            }
            cluster.push(i);
        }
        flush(&mut cluster, &mut out);
    }
    out
}

/// The table a statement writes or reads first (`UPDATE items SET` → `items`).
pub fn statement_table(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    for kw in ["update ", "into ", "from ", "table ", "join "] {
        if let Some(p) = lower.find(kw) {
            let rest = &s[p + kw.len()..];
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '`' | '"'))
                .collect();
            if !name.is_empty() {
                return name.trim_matches(|c| c == '`' || c == '"').to_string();
            }
        }
    }
    "unknown resource".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pm_parsers::Event;
    use std::borrow::Cow;

    const S: i64 = 1_000_000;

    fn wait(ts_s: i64, pid: i64, holder: i64, res: &'static str, waited_ms: f64) -> Event<'static> {
        let mut e = Event::new(Kind::LockWait, ts_s * S, 1, 0);
        e.pid = Some(pid);
        e.blocker_pid = Some(holder);
        e.resource = Some(Cow::Borrowed(res));
        e.duration_ms = Some(waited_ms);
        e
    }

    fn acquired(ts_s: i64, pid: i64, res: &'static str, waited_ms: f64) -> Event<'static> {
        let mut e = Event::new(Kind::LockAcquired, ts_s * S, 1, 0);
        e.pid = Some(pid);
        e.resource = Some(Cow::Borrowed(res));
        e.duration_ms = Some(waited_ms);
        e
    }

    fn timeline(events: Vec<Event<'static>>) -> Timeline {
        let mut t = Timeline::new();
        for e in &events {
            t.push(0, e);
        }
        t.sort();
        t
    }

    /// `describe_blocker` as it was: a scan of every event of the window.
    fn described_by_scan(t: &Timeline, actor: &Actor, from: i64, to: i64) -> BlockerInfo {
        let mut info = BlockerInfo::default();
        let txn_sym = actor.txn.as_deref().and_then(|x| t.strings().lookup(x));
        let mut best_stmt: Option<(i64, String)> = None;
        for i in described_rows(t, from, to) {
            let same_pid = actor.pid.is_some() && t.pid(i) == actor.pid;
            let same_txn = txn_sym.is_some_and(|s| s != 0 && t.sym(SymCol::Txn, i) == s);
            if !(same_pid || same_txn) {
                continue;
            }
            if same_pid && !same_txn && !from_database(t, i) {
                continue;
            }
            if info.app.is_none() {
                info.app = t.str(SymCol::App, i).map(str::to_string);
            }
            if info.user.is_none() {
                info.user = t.str(SymCol::User, i).map(str::to_string);
            }
            if info.host.is_none() {
                info.host = t
                    .str(SymCol::Client, i)
                    .or(t.str(SymCol::Host, i))
                    .map(str::to_string);
            }
            if let Some(s) = t.statement(i) {
                let end = t.ts(i);
                let start = end - (t.duration_ms(i).unwrap_or(0.0) * MS) as i64;
                let overlap = end.min(to) - start.max(from);
                if best_stmt.as_ref().is_none_or(|(o, _)| overlap > *o) {
                    best_stmt = Some((overlap, s.to_string()));
                }
            }
            if info.events.len() < 20 {
                info.events.push(i);
            }
        }
        info.statement = best_stmt.map(|(_, s)| s);
        info
    }

    /// The indexed description gives what scanning the window gave, on
    /// random sessions: pids in and out of database logs, transactions,
    /// statements that ran long, not at all or "negatively", fields on some
    /// rows only, and windows anywhere.
    #[test]
    fn sessions_describe_a_blocker_as_the_scan_did() {
        let mut rng = pm_parsers::testutil::XorShift(0xb10c_4e55);
        for round in 0..60 {
            // Sessions dense or sparse, times on a coarse grid (ties), and
            // statements short or long, so that the best statement is
            // sometimes before the window, sometimes long after it.
            let pids = 2 + round % 12;
            let sparse = 1 + round % 4;
            let mut events = Vec::new();
            for k in 0..400 {
                let kind = *rng.pick(&[Kind::Query, Kind::Log, Kind::LockWait, Kind::Request]);
                let ts = (k as i64 / 4) * 200_000 + rng.below(3) as i64 * 100_000;
                let mut e = Event::new(kind, ts, 1, k as u64);
                if rng.below(5) > 0 {
                    e.pid = Some(100 + rng.below(pids) as i64);
                }
                let pick = |rng: &mut pm_parsers::testutil::XorShift, of: &[&'static str]| {
                    let s = *rng.pick(of);
                    (!s.is_empty()).then_some(Cow::Borrowed(s))
                };
                e.txn = pick(&mut rng, &["", "", "900", "901"]);
                e.db = pick(&mut rng, &["", "", "shop"]);
                e.user = pick(&mut rng, &["", "", "app", "batch"]);
                e.app = pick(&mut rng, &["", "", "", "purge", "web"]);
                e.client = pick(&mut rng, &["", "", "", "10.0.0.5"]);
                e.host = pick(&mut rng, &["", "", "", "db01"]);
                if rng.below(sparse) == 0 {
                    let texts = ["SELECT 1", "UPDATE t SET x = 1", "COMMIT", "DELETE FROM t"];
                    e.statement = Some(Cow::Owned(format!("{} -- {k}", rng.pick(&texts))));
                }
                e.duration_ms = match rng.below(6) {
                    0 => None,
                    1 => Some(-(rng.below(3000) as f64)),
                    2 => Some(rng.below(90_000) as f64),
                    _ => Some(rng.below(20) as f64 * 100.0),
                };
                events.push(e);
            }
            let t = timeline(events);
            let sessions = Sessions::new(&t);
            let end = t.ts(t.len() - 1);
            for _ in 0..60 {
                let actor = Actor {
                    pid: (rng.below(4) > 0).then(|| 100 + rng.below(5) as i64),
                    txn: [None, Some("900"), Some("901"), Some("777")][rng.below(4)]
                        .map(str::to_string),
                };
                let from = rng.below(end as usize / 100_000 + 1) as i64 * 100_000;
                let to = from + rng.below(40) as i64 * 100_000;
                let want = described_by_scan(&t, &actor, from, to);
                for got in [
                    describe_blocker(&t, &sessions, &actor, from, to),
                    describe_blocker(&t, &Sessions::around(&t, from, to), &actor, from, to),
                ] {
                    let what = format!("round {round}, {actor:?} over [{from}, {to}]");
                    assert_eq!(got.app, want.app, "{what}");
                    assert_eq!(got.user, want.user, "{what}");
                    assert_eq!(got.host, want.host, "{what}");
                    assert_eq!(got.statement, want.statement, "{what}");
                    assert_eq!(got.events, want.events, "{what}");
                }
            }
        }
    }

    #[test]
    fn chain_of_three_waiters_resolves_to_the_head_blocker() {
        // 100 holds the row (transaction 900); 201 waits on it; 202 and 203
        // queue on the tuple lock 201 holds (PostgreSQL's row-lock convoy).
        let mut holder_stmt = Event::new(Kind::Query, 40 * S, 1, 0);
        holder_stmt.pid = Some(100);
        holder_stmt.app = Some(Cow::Borrowed("purge-batch"));
        holder_stmt.user = Some(Cow::Borrowed("batch"));
        holder_stmt.statement = Some(Cow::Borrowed(
            "DELETE FROM images WHERE trashed_at < now() - interval '30 days'",
        ));
        holder_stmt.duration_ms = Some(35_000.0);
        let t = timeline(vec![
            wait(11, 201, 100, "transaction 900", 1000.0),
            wait(12, 202, 201, "tuple (0,5) of relation 16384", 1000.0),
            wait(13, 203, 201, "tuple (0,5) of relation 16384", 1000.0),
            holder_stmt,
            acquired(40, 201, "transaction 900", 30_000.0),
            acquired(41, 202, "tuple (0,5) of relation 16384", 30_000.0),
            acquired(42, 203, "tuple (0,5) of relation 16384", 30_000.0),
        ]);
        let ws = waits(&t);
        assert_eq!(ws.len(), 3);
        let c = convoys(&t, &ws, 2);
        assert_eq!(c.len(), 1);
        let a = &c[0].attrs;
        assert_eq!(a["resource"], json!("transaction 900"));
        assert_eq!(a["waiters"], json!(3));
        assert_eq!(a["blocker"]["pid"], json!(100));
        assert_eq!(a["blocker"]["app"], json!("purge-batch"));
        assert_eq!(
            a["blocker"]["statement"],
            json!("DELETE FROM images WHERE trashed_at < now() - interval '30 days'")
        );
        assert_eq!(a["max_wait_ms"], json!(30000.0));
        assert_eq!(c[0].start, 10 * S);
        assert_eq!(c[0].end, 42 * S);
    }

    #[test]
    fn a_blocker_that_is_itself_waiting_is_not_the_head() {
        // 300 waits for 400 on resource A; 301 and 302 wait for 300 on B.
        let t = timeline(vec![
            wait(10, 300, 400, "relation A", 1000.0),
            wait(11, 301, 300, "relation B", 1000.0),
            wait(12, 302, 300, "relation B", 1000.0),
            acquired(20, 300, "relation A", 11_000.0),
            acquired(21, 301, "relation B", 11_000.0),
            acquired(22, 302, "relation B", 11_000.0),
        ]);
        let c = convoys(&t, &waits(&t), 2);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].attrs["blocker"]["pid"], json!(400));
    }

    #[test]
    fn single_waiter_is_not_a_convoy_and_separate_episodes_split() {
        let t = timeline(vec![
            wait(10, 1, 9, "relation X", 1000.0),
            acquired(12, 1, "relation X", 3000.0),
            wait(2000, 2, 8, "relation X", 1000.0),
            wait(2001, 3, 8, "relation X", 1000.0),
            acquired(2005, 2, "relation X", 6000.0),
            acquired(2006, 3, "relation X", 6000.0),
        ]);
        let c = convoys(&t, &waits(&t), 2);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].attrs["blocker"]["pid"], json!(8));
        assert_eq!(c[0].attrs["waiters"], json!(2));
    }

    #[test]
    fn innodb_snapshots_of_one_wait_merge() {
        let mut evs = Vec::new();
        for (snap, waited) in [(100, 5.0), (110, 15.0), (120, 25.0)] {
            let mut e = Event::new(Kind::LockWait, snap * S, 1, 0);
            e.txn = Some(Cow::Borrowed("4211"));
            e.pid = Some(88);
            e.blocker_txn = Some(Cow::Borrowed("4190"));
            e.resource = Some(Cow::Borrowed("`shop`.`items` PRIMARY"));
            e.duration_ms = Some(waited * 1000.0);
            evs.push(e);
        }
        let t = timeline(evs);
        let ws = waits(&t);
        assert_eq!(ws.len(), 1);
        assert_eq!(ws[0].start, 95 * S);
        assert_eq!(ws[0].end, 120 * S);
        assert_eq!(ws[0].max_ms, 25_000.0);
        assert_eq!(ws[0].events.len(), 3);
    }

    #[test]
    fn timeouts_group_by_resource() {
        let mut evs = Vec::new();
        for (s, pid) in [(10, 1), (20, 2), (9000, 3)] {
            let mut e = Event::new(Kind::LockTimeout, s * S, 1, 0);
            e.pid = Some(pid);
            e.resource = Some(Cow::Borrowed("relation sessions"));
            evs.push(e);
        }
        let t = timeline(evs);
        let d = lock_timeouts(&t, &[]);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].attrs["count"], json!(2));
        assert_eq!(d[0].attrs["pids"], json!([1, 2]));
    }

    #[test]
    fn tables_from_statements() {
        assert_eq!(
            statement_table("UPDATE items SET stock = stock - 1"),
            "items"
        );
        assert_eq!(
            statement_table("insert into `karte_image_links` (a) values (1)"),
            "karte_image_links"
        );
        assert_eq!(statement_table("select 1"), "unknown resource");
    }
}

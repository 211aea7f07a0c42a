//! The InnoDB deadlock report, shared by `SHOW ENGINE INNODB STATUS`
//! (`LATEST DETECTED DEADLOCK`) and the error log
//! (`innodb_print_all_deadlocks`), and the transaction and lock lines InnoDB
//! prints in both places and in the `TRANSACTIONS` section.
//!
//! The report is fed one logical line at a time (prefixes such as the error
//! log's `2023-… [Note] InnoDB: ` already removed) to a [`DeadlockBuilder`],
//! which reads every layout from MySQL 5.0 to 8.4 and MariaDB:
//! numbered `*** (1) TRANSACTION:` blocks, MariaDB's `*** CONFLICTING WITH:`,
//! the `TOO DEEP OR LONG SEARCH` variant with its single `*** TRANSACTION:`,
//! and the bare body the manual shows (no `***` markers at all).

use super::{leading_int, lock_resource, normalize_table, normalize_trx_id, owned, table_db};
use crate::event::{Event, Kind, Level, Participant};
use crate::time::{self, Resolver};

/// A lock as InnoDB prints it (`RECORD LOCKS …` / `TABLE LOCK …`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LockInfo {
    /// True for `RECORD LOCKS`, false for `TABLE LOCK`.
    pub record: bool,
    /// Tablespace id (record locks).
    pub space: Option<u64>,
    /// Page number (record locks).
    pub page: Option<u64>,
    /// Index name, unquoted (record locks).
    pub index: Option<String>,
    /// Table, normalised to `` `db`.`table` ``.
    pub table: Option<String>,
    /// Transaction id the lock belongs to, normalised.
    pub trx: Option<String>,
    /// Mode without `lock_mode`/`lock mode` and `waiting` (`X locks rec but not gap`, `AUTO-INC`).
    pub mode: String,
    /// True when the line ends in `waiting`.
    pub waiting: bool,
    /// Heap numbers of the records listed under the lock (`Record lock, heap no 3`).
    pub heaps: Vec<u64>,
}

impl LockInfo {
    /// Normalised resource text: `` `db`.`t` index PRIMARY `` or `` `db`.`t` ``.
    pub fn resource(&self) -> Option<String> {
        let table = self.table.as_deref()?;
        Some(if self.record {
            lock_resource(table, self.index.as_deref())
        } else {
            table.to_string()
        })
    }

    /// Record / page detail for attributes: `space 5 page 3 heap 2`.
    pub fn detail(&self) -> Option<String> {
        if !self.record {
            return None;
        }
        let mut s = String::new();
        if let Some(sp) = self.space {
            s.push_str(&format!("space {sp}"));
        }
        if let Some(pg) = self.page {
            s.push_str(&format!(" page {pg}"));
        }
        if !self.heaps.is_empty() {
            let hs: Vec<String> = self.heaps.iter().map(|h| h.to_string()).collect();
            s.push_str(&format!(" heap {}", hs.join(",")));
        }
        Some(s.trim().to_string())
    }

    /// True when `held` (another transaction's granted lock) can be what
    /// this waiting lock waits for: the same record (space, page and a
    /// common heap number, or no heap numbers known) or a table lock in an
    /// incompatible mode on the same table.
    pub fn blocked_by(&self, held: &LockInfo) -> bool {
        if held.waiting || self.table.is_none() || self.table != held.table {
            return false;
        }
        if self.record && held.record {
            if self.space != held.space || self.page != held.page {
                return false;
            }
            self.heaps.is_empty()
                || held.heaps.is_empty()
                || self.heaps.iter().any(|h| held.heaps.contains(h))
        } else if !self.record && !held.record {
            !table_modes_compatible(&self.mode, &held.mode)
        } else {
            false
        }
    }
}

/// InnoDB's table lock compatibility matrix (IS, IX, S, X, AUTO-INC).
pub fn table_modes_compatible(a: &str, b: &str) -> bool {
    let m = |s: &str| match s.split_whitespace().next().unwrap_or("") {
        "IS" => 0,
        "IX" => 1,
        "S" => 2,
        "X" => 3,
        "AUTO-INC" | "AUTO_INC" => 4,
        _ => 3,
    };
    const OK: [[bool; 5]; 5] = [
        [true, true, true, false, true],
        [true, true, false, false, true],
        [true, false, true, false, false],
        [false, false, false, false, false],
        [true, true, false, false, false],
    ];
    OK[m(a)][m(b)]
}

/// Read a `RECORD LOCKS space id …` or `TABLE LOCK table …` line.
pub fn parse_lock_line(s: &str) -> Option<LockInfo> {
    let s = s.trim();
    let mut lock = LockInfo::default();
    let rest = if let Some(r) = s.strip_prefix("RECORD LOCKS ") {
        lock.record = true;
        if let Some(p) = r.find("space id ") {
            lock.space = leading_int(&r[p + 9..]).map(|(n, _)| n as u64);
        }
        if let Some(p) = r.find("page no ") {
            lock.page = leading_int(&r[p + 8..]).map(|(n, _)| n as u64);
        }
        let ix = r.find(" index ")? + 7;
        let of = r.get(ix..)?.find(" of table ")? + ix;
        let index = r.get(ix..of)?.trim().trim_matches(|c| c == '`' || c == '"');
        lock.index = Some(index.to_string());
        r.get(of + 10..)?
    } else {
        s.strip_prefix("TABLE LOCK table ")?
    };
    let trx_at = rest.find(" trx id ");
    let table = match trx_at {
        Some(p) => &rest[..p],
        None => rest,
    };
    lock.table = Some(normalize_table(table));
    if let Some(p) = trx_at {
        let after = &rest[p + 8..];
        let mode_at = after
            .find(" lock_mode ")
            .map(|m| (m, 11))
            .or_else(|| after.find(" lock mode ").map(|m| (m, 11)));
        let (trx, mode) = match mode_at {
            Some((m, l)) => (&after[..m], &after[m + l..]),
            None => (after, ""),
        };
        lock.trx = Some(normalize_trx_id(trx));
        let mut mode = mode.trim();
        if let Some(m) = mode.strip_suffix(" waiting") {
            lock.waiting = true;
            mode = m;
        } else if mode == "waiting" {
            lock.waiting = true;
            mode = "";
        }
        lock.mode = mode.trim().to_string();
    }
    Some(lock)
}

/// The heap number of a `Record lock, heap no 3 PHYSICAL RECORD: …` line.
pub fn parse_heap_line(s: &str) -> Option<u64> {
    let r = s.trim_start().strip_prefix("Record lock, heap no ")?;
    leading_int(r).map(|(n, _)| n as u64)
}

/// A `TRANSACTION …` / `---TRANSACTION …` header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrxHeader {
    /// Normalised id; `None` for MariaDB's `(0x7f…)` placeholders of idle sessions.
    pub id: Option<String>,
    /// `ACTIVE n sec`.
    pub active_secs: Option<u64>,
    /// `ACTIVE (PREPARED)`.
    pub prepared: bool,
    /// `not started`.
    pub not_started: bool,
    /// What it was doing (`starting index read`, `inserting`, `fetching rows`).
    pub state: Option<String>,
}

/// Read a transaction header line (with or without the `---` of the
/// `TRANSACTIONS` list).
pub fn parse_trx_header(s: &str) -> Option<TrxHeader> {
    let r = s
        .trim()
        .trim_start_matches('-')
        .strip_prefix("TRANSACTION ")?;
    let (id, mut rest) = match r.find(',') {
        Some(p) => (&r[..p], &r[p + 1..]),
        None => (r, ""),
    };
    let id = id.trim();
    let mut h = TrxHeader {
        id: (!id.is_empty() && !id.starts_with('(')).then(|| normalize_trx_id(id)),
        ..TrxHeader::default()
    };
    rest = rest.trim_start();
    if let Some(r) = rest.strip_prefix("not started") {
        h.not_started = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix("ACTIVE ") {
        let mut r = r;
        if let Some(x) = r.strip_prefix("(PREPARED) ") {
            h.prepared = true;
            r = x;
        }
        if let Some((n, after)) = leading_int(r) {
            h.active_secs = Some(n as u64);
            r = after.strip_prefix(" sec").unwrap_or(after);
        }
        rest = r;
    }
    // `, process no 5488, OS thread id 1141287232 starting index read, thread declared inside InnoDB 500`
    let mut r = rest.trim_start_matches(',').trim_start();
    if let Some(x) = r.strip_prefix("process no ") {
        r = leading_int(x).map(|(_, a)| a).unwrap_or(x);
        r = r.trim_start_matches(',').trim_start();
    }
    if let Some(x) = r.strip_prefix("OS thread id ") {
        r = leading_int(x).map(|(_, a)| a).unwrap_or(x);
    }
    let r = match r.find(", thread declared inside InnoDB") {
        Some(p) => &r[..p],
        None => r,
    };
    let state = r.trim().trim_matches(',').trim();
    if !state.is_empty() {
        h.state = Some(state.to_string());
    }
    Some(h)
}

/// A `MySQL thread id …` / `MariaDB thread id …` line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThreadLine {
    /// The connection (processlist) id.
    pub pid: i64,
    /// `query id`.
    pub query_id: Option<i64>,
    /// Client host.
    pub host: Option<String>,
    /// Client address, when printed beside the host name (MySQL ≤ 5.1).
    pub ip: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Thread state (`Updating`, `init`, `User sleep`).
    pub state: Option<String>,
}

/// Read a thread line.
pub fn parse_thread_line(s: &str) -> Option<ThreadLine> {
    let s = s.trim();
    let r = s
        .strip_prefix("MySQL thread id ")
        .or_else(|| s.strip_prefix("MariaDB thread id "))?;
    let (pid, _) = leading_int(r)?;
    let mut t = ThreadLine {
        pid,
        ..ThreadLine::default()
    };
    let Some(q) = r.find("query id ") else {
        return Some(t);
    };
    let after = &r[q + 9..];
    let (qid, rest) = match leading_int(after) {
        Some((n, rest)) => (Some(n), rest),
        None => (None, after),
    };
    t.query_id = qid;
    let rest = rest.trim();
    if rest.is_empty() {
        return Some(t);
    }
    if let Some(x) = rest.strip_prefix("system user") {
        t.user = Some("system user".to_string());
        let x = x.trim();
        t.state = (!x.is_empty()).then(|| x.to_string());
        return Some(t);
    }
    let mut words = rest.splitn(4, ' ');
    t.host = words.next().map(str::to_string);
    let second = words.next();
    // MySQL ≤ 5.1 prints the host name, then its address, then the user.
    let (user, tail) = match second {
        Some(ip) if ip.parse::<std::net::IpAddr>().is_ok() && t.host.as_deref() != Some(ip) => {
            t.ip = Some(ip.to_string());
            let user = words.next();
            (user, words.next())
        }
        _ => {
            let tail = match (words.next(), words.next()) {
                (Some(a), Some(b)) => Some(format!("{a} {b}")),
                (Some(a), None) => Some(a.to_string()),
                _ => None,
            };
            t.user = second.map(str::to_string);
            t.state = tail.map(|x| x.trim().to_string()).filter(|x| !x.is_empty());
            return Some(t);
        }
    };
    t.user = user.map(str::to_string);
    t.state = tail
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string);
    Some(t)
}

/// `*** (2) …` → 2.
fn marker_number(s: &str) -> Option<u32> {
    let r = s.strip_prefix("*** (")?;
    let (n, rest) = leading_int(r)?;
    rest.starts_with(')').then_some(n as u32)
}

/// A line that is only a separator (`-----`, `=====`).
pub fn is_rule(s: &str) -> bool {
    let t = s.trim();
    t.len() >= 3 && (t.bytes().all(|b| b == b'-') || t.bytes().all(|b| b == b'='))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sub {
    Start,
    Header,
    Statement,
    Waiting,
    Holds,
    Conflicting,
    Done,
}

/// One transaction of a deadlock report.
#[derive(Debug, Clone, Default)]
struct Part {
    num: u32,
    hdr: Option<TrxHeader>,
    thread: Option<ThreadLine>,
    statement: Vec<String>,
    waits: Option<LockInfo>,
    holds: Vec<LockInfo>,
    conflicting: Vec<LockInfo>,
}

/// Which lock the next `Record lock, heap no` line belongs to.
#[derive(Debug, Clone, Copy)]
enum LastLock {
    None,
    Waits(usize),
    Holds(usize, usize),
    Conflicting(usize, usize),
}

/// Assembles one deadlock report from its lines.
#[derive(Debug, Clone)]
pub struct DeadlockBuilder {
    /// Line of the report's first line.
    pub line: u32,
    /// Offset of that line.
    pub offset: u64,
    last_line: u32,
    ts: Option<i64>,
    too_deep: bool,
    parts: Vec<Part>,
    sub: Sub,
    victim: Option<u32>,
    last_lock: LastLock,
}

impl DeadlockBuilder {
    /// A report starting at `line` / `offset`.
    pub fn new(line: u32, offset: u64) -> DeadlockBuilder {
        DeadlockBuilder {
            line,
            offset,
            last_line: line,
            ts: None,
            too_deep: false,
            parts: Vec::new(),
            sub: Sub::Start,
            victim: None,
            last_lock: LastLock::None,
        }
    }

    /// Set the report's time when its own timestamp line is missing (error
    /// log: the time of the `deadlock detected` line).
    pub fn set_time_if_none(&mut self, ts: Option<i64>) {
        if self.ts.is_none() {
            self.ts = ts;
        }
    }

    /// True once `*** WE ROLL BACK TRANSACTION (n)` was read.
    pub fn is_done(&self) -> bool {
        self.sub == Sub::Done
    }

    /// True when at least one transaction was read.
    pub fn has_parts(&self) -> bool {
        !self.parts.is_empty()
    }

    fn part(&mut self, num: Option<u32>) -> usize {
        if let Some(n) = num {
            if let Some(i) = self.parts.iter().position(|p| p.num == n) {
                return i;
            }
            self.parts.push(Part {
                num: n,
                ..Part::default()
            });
            return self.parts.len() - 1;
        }
        if self.parts.is_empty() {
            self.parts.push(Part {
                num: 1,
                ..Part::default()
            });
        }
        self.parts.len() - 1
    }

    /// Read one line of the report (at physical line `line`).
    pub fn feed(&mut self, text: &str, line: u32, resolver: &Resolver) {
        self.last_line = self.last_line.max(line);
        let t = text.trim_end();
        let tt = t.trim_start();
        if tt.is_empty() || self.sub == Sub::Done {
            return;
        }
        if tt.contains("TOO DEEP OR LONG SEARCH") {
            self.too_deep = true;
        }
        if self.parts.is_empty() && self.ts.is_none() && tt.as_bytes()[0].is_ascii_digit() {
            if let Some((stamp, _)) = time::parse_iso(tt).or_else(|| time::parse_mysql_short(tt)) {
                self.ts = resolver.resolve(stamp);
                return;
            }
        }
        if let Some(r) = tt.strip_prefix("*** ") {
            let num = marker_number(tt);
            if r.ends_with("TRANSACTION:") && !r.starts_with("WE ") {
                let num = num.unwrap_or(self.parts.len() as u32 + 1);
                self.part(Some(num));
                self.sub = Sub::Header;
            } else if r.contains("WAITING FOR THIS LOCK TO BE GRANTED") {
                self.part(num);
                self.sub = Sub::Waiting;
            } else if r.contains("HOLDS THE LOCK(S)") {
                self.part(num);
                self.sub = Sub::Holds;
            } else if r.starts_with("CONFLICTING WITH") {
                self.part(num);
                self.sub = Sub::Conflicting;
            } else if let Some(v) = r.strip_prefix("WE ROLL BACK TRANSACTION (") {
                self.victim = leading_int(v).map(|(n, _)| n as u32);
                self.sub = Sub::Done;
            }
            self.last_lock = LastLock::None;
            return;
        }
        if let Some(h) = parse_trx_header(tt) {
            if !tt.starts_with('-') {
                let need_new = match self.parts.last() {
                    None => true,
                    Some(p) => p.hdr.is_some(),
                };
                let i = if need_new {
                    let n = self.parts.len() as u32 + 1;
                    self.part(Some(n))
                } else {
                    self.parts.len() - 1
                };
                if let Some(p) = self.parts.get_mut(i) {
                    p.hdr = Some(h);
                }
                self.sub = Sub::Header;
                return;
            }
        }
        if let Some(th) = parse_thread_line(tt) {
            let i = self.part(None);
            if let Some(p) = self.parts.get_mut(i) {
                p.thread = Some(th);
            }
            self.sub = Sub::Statement;
            return;
        }
        if let Some(lock) = parse_lock_line(tt) {
            let i = self.part(None);
            let Some(p) = self.parts.get_mut(i) else {
                return;
            };
            let sub = match self.sub {
                Sub::Waiting | Sub::Holds | Sub::Conflicting => self.sub,
                _ if lock.waiting => Sub::Waiting,
                _ => Sub::Holds,
            };
            match sub {
                Sub::Waiting if p.waits.is_none() => {
                    p.waits = Some(lock);
                    self.last_lock = LastLock::Waits(i);
                }
                Sub::Conflicting => {
                    p.conflicting.push(lock);
                    self.last_lock = LastLock::Conflicting(i, p.conflicting.len() - 1);
                }
                _ => {
                    p.holds.push(lock);
                    self.last_lock = LastLock::Holds(i, p.holds.len() - 1);
                }
            }
            if self.sub == Sub::Statement || self.sub == Sub::Header {
                self.sub = Sub::Start;
            }
            return;
        }
        if let Some(h) = parse_heap_line(tt) {
            let lock = match self.last_lock {
                LastLock::None => None,
                LastLock::Waits(i) => self.parts.get_mut(i).and_then(|p| p.waits.as_mut()),
                LastLock::Holds(i, j) => self.parts.get_mut(i).and_then(|p| p.holds.get_mut(j)),
                LastLock::Conflicting(i, j) => {
                    self.parts.get_mut(i).and_then(|p| p.conflicting.get_mut(j))
                }
            };
            if let Some(l) = lock {
                if !l.heaps.contains(&h) {
                    l.heaps.push(h);
                }
            }
            return;
        }
        if self.sub == Sub::Statement && !is_rule(tt) {
            if let Some(p) = self.parts.last_mut() {
                if p.statement.len() < 200 {
                    p.statement.push(t.to_string());
                }
            }
        }
    }

    /// The deadlock event. `fallback_ts` stands in for a report without its
    /// own timestamp. `None` when no transaction was read, or when the
    /// report has no time at all and cannot be placed on the timeline.
    pub fn finish(self, fallback_ts: Option<i64>, origin: &'static str) -> Option<Event<'static>> {
        if self.parts.is_empty() {
            return None;
        }
        let ts = self.ts.or(fallback_ts)?;
        let victim = if self.too_deep && self.victim.is_none() {
            self.parts.first().map(|p| p.num)
        } else {
            self.victim
        };
        let mut parts = self.parts;
        parts.sort_by_key(|p| p.num);
        let txn_of = |p: &Part| p.hdr.as_ref().and_then(|h| h.id.clone());
        let pid_of = |p: &Part| p.thread.as_ref().map(|t| t.pid);
        let mut participants = Vec::with_capacity(parts.len());
        let mut attrs: Vec<(
            std::borrow::Cow<'static, str>,
            std::borrow::Cow<'static, str>,
        )> = vec![
            (owned("source"), owned("innodb")),
            (owned("origin"), owned(origin)),
        ];
        for (i, p) in parts.iter().enumerate() {
            let waits = p.waits.as_ref();
            // Who holds what this one waits for: MariaDB names the
            // conflicting lock's transaction; otherwise match the locks the
            // others hold; with two transactions, it is the other one.
            let mut blocker: Option<usize> = None;
            for c in &p.conflicting {
                if let Some(j) = parts
                    .iter()
                    .position(|q| q.num != p.num && c.trx.is_some() && txn_of(q) == c.trx)
                {
                    blocker = Some(j);
                    break;
                }
            }
            if blocker.is_none() {
                if let Some(w) = waits {
                    blocker = parts
                        .iter()
                        .position(|q| q.num != p.num && q.holds.iter().any(|h| w.blocked_by(h)));
                }
            }
            if blocker.is_none() && parts.len() == 2 && waits.is_some() {
                blocker = Some(1 - i);
            }
            let statement = p.statement.join("\n");
            let statement = statement.trim();
            let mut holds: Vec<String> = Vec::new();
            for h in &p.holds {
                if let Some(r) = h.resource() {
                    if !holds.contains(&r) {
                        holds.push(r);
                    }
                }
            }
            participants.push(Participant {
                pid: pid_of(p),
                txn: txn_of(p),
                statement: (!statement.is_empty()).then(|| statement.to_string()),
                waits_for: waits.and_then(|w| w.resource()),
                mode: waits.map(|w| w.mode.clone()).filter(|m| !m.is_empty()),
                holds,
                blocked_by: blocker.and_then(|j| parts.get(j)).and_then(pid_of),
                host: p.thread.as_ref().and_then(|t| t.host.clone()),
                user: p.thread.as_ref().and_then(|t| t.user.clone()),
                table: waits.and_then(|w| w.table.clone()),
                index: waits.and_then(|w| w.index.clone()),
                victim: victim == Some(p.num),
            });
            let n = p.num;
            if let Some(t) = &p.thread {
                if let Some(q) = t.query_id {
                    attrs.push((owned(format!("p{n}_query_id")), owned(q.to_string())));
                }
                if let Some(s) = &t.state {
                    attrs.push((owned(format!("p{n}_state")), owned(s.clone())));
                }
            }
            if let Some(h) = &p.hdr {
                if let Some(s) = h.active_secs {
                    attrs.push((owned(format!("p{n}_active_secs")), owned(s.to_string())));
                }
                if let Some(s) = &h.state {
                    attrs.push((owned(format!("p{n}_trx_state")), owned(s.clone())));
                }
            }
            if let Some(d) = waits.and_then(|w| w.detail()) {
                attrs.push((owned(format!("p{n}_waits_record")), owned(d)));
            }
            if let Some(b) = blocker.and_then(|j| parts.get(j)).and_then(txn_of) {
                attrs.push((owned(format!("p{n}_blocked_by_txn")), owned(b)));
            }
        }
        let mut txns: Vec<String> = participants.iter().filter_map(|p| p.txn.clone()).collect();
        txns.sort();
        let secs = ts.div_euclid(time::MICROS) * time::MICROS;
        let key_time = time::format_utc(secs);
        let key_time = key_time.strip_suffix(".000Z").unwrap_or(&key_time);
        attrs.push((
            owned("dedup_key"),
            owned(format!("{key_time}Z|{}", txns.join(","))),
        ));
        if let Some(v) = victim {
            attrs.push((owned("victim"), owned(v.to_string())));
        }
        if self.too_deep {
            attrs.push((owned("too_deep"), owned("true")));
        }
        let mut e = Event::new(Kind::Deadlock, ts, self.line, self.offset);
        e.line_count = self.last_line.saturating_sub(self.line) + 1;
        e.level = Some(Level::Error);
        let summary: Vec<String> = participants
            .iter()
            .map(|p| {
                let mut s = format!("trx {}", p.txn.as_deref().unwrap_or("?"));
                if let Some(pid) = p.pid {
                    s.push_str(&format!(" (thread {pid})"));
                }
                if let Some(w) = &p.waits_for {
                    s.push_str(&format!(" waits for {w}"));
                    if let Some(m) = &p.mode {
                        s.push_str(&format!(" {m}"));
                    }
                }
                if p.victim {
                    s.push_str(" [rolled back]");
                }
                s
            })
            .collect();
        e.message = owned(if self.too_deep {
            format!(
                "InnoDB deadlock (too deep or long search in the waits-for graph): {}",
                summary.join("; ")
            )
        } else {
            format!("InnoDB deadlock: {}", summary.join("; "))
        });
        if let Some(v) = participants.iter().find(|p| p.victim) {
            e.pid = v.pid;
            e.txn = v.txn.clone().map(owned);
            e.statement = v.statement.clone().map(owned);
            e.client = v.host.clone().map(owned);
            e.user = v.user.clone().map(owned);
            e.resource = v.waits_for.clone().map(owned);
            e.mode = v.mode.clone().map(owned);
            e.db = v.table.as_deref().and_then(table_db).map(owned);
            e.blocker_pid = v.blocked_by;
        }
        e.code = Some(owned("ERROR 1213"));
        e.attrs = attrs;
        e.participants = participants;
        Some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Zone;

    #[test]
    fn lock_lines() {
        let l = parse_lock_line("RECORD LOCKS space id 0 page no 307 n bits 72 index `PRIMARY` of table `test`.`a` trx id 3405 lock_mode X locks rec but not gap waiting").unwrap();
        assert!(l.record && l.waiting);
        assert_eq!((l.space, l.page), (Some(0), Some(307)));
        assert_eq!(l.index.as_deref(), Some("PRIMARY"));
        assert_eq!(l.table.as_deref(), Some("`test`.`a`"));
        assert_eq!(l.trx.as_deref(), Some("3405"));
        assert_eq!(l.mode, "X locks rec but not gap");
        assert_eq!(l.resource().as_deref(), Some("`test`.`a` index PRIMARY"));

        let l = parse_lock_line("RECORD LOCKS space id 0 page no 3662 n bits 72 index `GEN_CLUST_INDEX` of table `test/innotop_dl` trx id 0 3793489 lock mode S").unwrap();
        assert_eq!(l.table.as_deref(), Some("`test`.`innotop_dl`"));
        assert_eq!(l.trx.as_deref(), Some("3793489"));
        assert_eq!(l.mode, "S");
        assert!(!l.waiting);

        let l = parse_lock_line("RECORD LOCKS space id 7169 page no 14 n bits 80 index \"PRIMARY\" of table \"anon\".\"cache_menu\" trx id 6FE138 lock_mode X insert intention waiting").unwrap();
        assert_eq!(l.index.as_deref(), Some("PRIMARY"));
        assert_eq!(l.table.as_deref(), Some("`anon`.`cache_menu`"));
        assert_eq!(l.mode, "X insert intention");

        let l = parse_lock_line(
            "TABLE LOCK table `db`.`gr_v3_response_log` trx id 3BF88F886 lock mode AUTO-INC waiting",
        )
        .unwrap();
        assert!(!l.record && l.waiting);
        assert_eq!(l.mode, "AUTO-INC");
        assert_eq!(l.resource().as_deref(), Some("`db`.`gr_v3_response_log`"));
        assert_eq!(parse_lock_line("RECORD LOCKS garbage"), None);
        assert_eq!(
            parse_heap_line("Record lock, heap no 3 PHYSICAL RECORD: n_fields 6"),
            Some(3)
        );
    }

    #[test]
    fn trx_headers() {
        let h = parse_trx_header("TRANSACTION 0 3793488, ACTIVE 2 sec, process no 5488, OS thread id 1141287232 starting index read").unwrap();
        assert_eq!(h.id.as_deref(), Some("3793488"));
        assert_eq!(h.active_secs, Some(2));
        assert_eq!(h.state.as_deref(), Some("starting index read"));
        let h = parse_trx_header("TRANSACTION 0 3793489, ACTIVE 2 sec, process no 5488, OS thread id 1141422400 starting index read, thread declared inside InnoDB 500").unwrap();
        assert_eq!(h.state.as_deref(), Some("starting index read"));
        let h = parse_trx_header("---TRANSACTION 38, ACTIVE 3 sec starting index read").unwrap();
        assert_eq!((h.id.as_deref(), h.active_secs), (Some("38"), Some(3)));
        let h = parse_trx_header("---TRANSACTION (0x7f7f141c4780), not started").unwrap();
        assert_eq!(h.id, None);
        assert!(h.not_started);
        let h = parse_trx_header("---TRANSACTION 37, ACTIVE 3 sec").unwrap();
        assert_eq!(h.state, None);
        let h = parse_trx_header("---TRANSACTION 5, ACTIVE (PREPARED) 12 sec committing").unwrap();
        assert!(h.prepared);
        assert_eq!(h.active_secs, Some(12));
        assert_eq!(parse_trx_header("TRANSACTIONS"), None);
    }

    #[test]
    fn thread_lines() {
        let t = parse_thread_line("MySQL thread id 19, OS thread handle 0x7fac301e4700, query id 180 localhost ro-ot Updating").unwrap();
        assert_eq!(t.pid, 19);
        assert_eq!(t.query_id, Some(180));
        assert_eq!(t.host.as_deref(), Some("localhost"));
        assert_eq!(t.user.as_deref(), Some("ro-ot"));
        assert_eq!(t.state.as_deref(), Some("Updating"));
        let t = parse_thread_line(
            "MariaDB thread id 10, OS thread handle 1, query id 28 localhost root User sleep",
        )
        .unwrap();
        assert_eq!(t.state.as_deref(), Some("User sleep"));
        let t =
            parse_thread_line("MySQL thread id 11, query id 350 localhost baron Updating").unwrap();
        assert_eq!((t.pid, t.query_id), (11, Some(350)));
        let t = parse_thread_line("MySQL thread id 3, OS thread handle 9, query id 5 system user")
            .unwrap();
        assert_eq!(t.user.as_deref(), Some("system user"));
        assert_eq!(t.host, None);
        let t = parse_thread_line(
            "MySQL thread id 391236, query id 202790998 upload 10.0.16.1 admin deleting from reference tables",
        )
        .unwrap();
        assert_eq!(t.host.as_deref(), Some("upload"));
        assert_eq!(t.ip.as_deref(), Some("10.0.16.1"));
        assert_eq!(t.user.as_deref(), Some("admin"));
        assert_eq!(t.state.as_deref(), Some("deleting from reference tables"));
        let t = parse_thread_line("MySQL thread id 2724315, OS thread handle 0x40e13940, query id 131346524 localhost root").unwrap();
        assert_eq!(t.state, None);
    }

    #[test]
    fn table_compat() {
        assert!(!table_modes_compatible("AUTO-INC", "AUTO-INC"));
        assert!(table_modes_compatible("IX", "IX"));
        assert!(!table_modes_compatible("S", "IX"));
        assert!(!table_modes_compatible("X", "IS"));
    }

    #[test]
    fn builder_without_markers_reads_bare_body() {
        // The error-log body as the MySQL 8.0 manual prints it, with no `***` lines.
        let body = "TRANSACTION 43260, ACTIVE 186 sec starting index read\n\
mysql tables in use 1, locked 1\n\
LOCK WAIT 4 lock struct(s), heap size 1128, 2 row lock(s)\n\
MySQL thread id 19, OS thread handle 139815619204864, query id 143 localhost u2 updating\n\
UPDATE Animals SET value=30 WHERE name='Aardvark'\n\
RECORD LOCKS space id 28 page no 4 n bits 72 index PRIMARY of table `test`.`Birds` trx id 43260 lock mode S locks rec but not gap\n\
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0\n\
RECORD LOCKS space id 27 page no 4 n bits 72 index PRIMARY of table `test`.`Animals` trx id 43260 lock_mode X locks rec but not gap waiting\n\
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0\n\
TRANSACTION 43261, ACTIVE 209 sec starting index read\n\
MySQL thread id 18, OS thread handle 139815618148096, query id 146 localhost u1 updating\n\
UPDATE Birds SET value=40 WHERE name='Buzzard'\n\
RECORD LOCKS space id 27 page no 4 n bits 72 index PRIMARY of table `test`.`Animals` trx id 43261 lock mode S locks rec but not gap\n\
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0\n\
RECORD LOCKS space id 28 page no 4 n bits 72 index PRIMARY of table `test`.`Birds` trx id 43261 lock_mode X locks rec but not gap waiting\n\
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0\n";
        let r = Resolver::new(Zone::utc());
        let mut b = DeadlockBuilder::new(1, 0);
        for (i, l) in body.lines().enumerate() {
            b.feed(l, i as u32 + 1, &r);
        }
        let e = b.finish(Some(0), "test").unwrap();
        assert_eq!(e.participants.len(), 2);
        let p1 = &e.participants[0];
        assert_eq!(p1.txn.as_deref(), Some("43260"));
        assert_eq!(p1.pid, Some(19));
        assert_eq!(
            p1.waits_for.as_deref(),
            Some("`test`.`Animals` index PRIMARY")
        );
        assert_eq!(p1.holds, vec!["`test`.`Birds` index PRIMARY".to_string()]);
        assert_eq!(p1.blocked_by, Some(18));
        assert_eq!(e.participants[1].blocked_by, Some(19));
        assert!(!p1.victim && !e.participants[1].victim);
        assert_eq!(e.line_count, 16);
    }
}

//! The event model: a small, closed set of kinds with typed fields.
//!
//! Parsers produce [`Event`]s that borrow from the line they were read from
//! wherever they can (`Cow::Borrowed`), so the common single-line case costs
//! no allocation; a parser that must hold an event across lines (a PostgreSQL
//! message waiting for its `DETAIL`) keeps an owned copy via
//! [`Event::into_owned`].

use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// What an event is. The set is closed on purpose: analyzers match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Kind {
    /// A plain log line with nothing more specific to say.
    #[default]
    Log = 0,
    /// A session started waiting for a lock (or was seen waiting in a snapshot).
    LockWait = 1,
    /// A session got a lock it had been waiting for.
    LockAcquired = 2,
    /// A statement was cancelled because a lock wait timed out.
    LockTimeout = 3,
    /// A deadlock report (one per detection, with every participant).
    Deadlock = 4,
    /// A statement with its duration (slow-query logs, `log_min_duration_statement`).
    Query = 5,
    /// A transaction seen in a database snapshot (InnoDB TRANSACTIONS section, `INNODB_TRX`).
    Txn = 6,
    /// A handled HTTP request with its status and duration.
    Request = 7,
    /// A batch or scheduled job run started.
    JobStart = 8,
    /// A job run ended successfully.
    JobEnd = 9,
    /// A job run failed or was killed.
    JobFail = 10,
    /// A distributed lock / lease was acquired.
    LeaseAcquire = 11,
    /// A lease was renewed.
    LeaseRenew = 12,
    /// A lease was released by its holder.
    LeaseRelease = 13,
    /// A lease expired (or was lost) while its holder may still be running.
    LeaseExpire = 14,
    /// An error or warning, usually with a code.
    Error = 15,
    /// A statement or transaction timed out (statement_timeout, idle-in-transaction, ...).
    Timeout = 16,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 17] = [
        Kind::Log,
        Kind::LockWait,
        Kind::LockAcquired,
        Kind::LockTimeout,
        Kind::Deadlock,
        Kind::Query,
        Kind::Txn,
        Kind::Request,
        Kind::JobStart,
        Kind::JobEnd,
        Kind::JobFail,
        Kind::LeaseAcquire,
        Kind::LeaseRenew,
        Kind::LeaseRelease,
        Kind::LeaseExpire,
        Kind::Error,
        Kind::Timeout,
    ];

    /// The contract name (`lock_wait`, `job_start`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Log => "log",
            Kind::LockWait => "lock_wait",
            Kind::LockAcquired => "lock_acquired",
            Kind::LockTimeout => "lock_timeout",
            Kind::Deadlock => "deadlock",
            Kind::Query => "query",
            Kind::Txn => "txn",
            Kind::Request => "request",
            Kind::JobStart => "job_start",
            Kind::JobEnd => "job_end",
            Kind::JobFail => "job_fail",
            Kind::LeaseAcquire => "lease_acquire",
            Kind::LeaseRenew => "lease_renew",
            Kind::LeaseRelease => "lease_release",
            Kind::LeaseExpire => "lease_expire",
            Kind::Error => "error",
            Kind::Timeout => "timeout",
        }
    }

    /// Parse a contract name back into a kind.
    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// The numeric code used in columnar storage.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The kind for a numeric code written by [`Kind::code`].
    pub fn from_code(c: u8) -> Option<Kind> {
        Kind::ALL.get(c as usize).copied()
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Severity, normalised across formats and languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Level {
    /// Finest-grained tracing.
    Trace = 1,
    /// Debugging detail.
    Debug = 2,
    /// Normal operation.
    Info = 3,
    /// Normal but significant (syslog notice, PostgreSQL NOTICE).
    Notice = 4,
    /// Something unexpected that did not fail.
    Warn = 5,
    /// A failure of one operation.
    Error = 6,
    /// A failure of the process or system (FATAL, PANIC, SEVERE, CRITICAL, EMERG).
    Fatal = 7,
}

impl Level {
    /// Every level, from least to most severe.
    pub const ALL: [Level; 7] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Notice,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    /// Lower-case name (`info`, `warn`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// Numeric code for columnar storage (0 is reserved for "no level").
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The level for a code written by [`Level::code`].
    pub fn from_code(c: u8) -> Option<Level> {
        // ALL is in code order from 1: an index, not a search (reopening
        // decodes one code per event).
        let l = *Level::ALL.get(usize::from(c).checked_sub(1)?)?;
        (l.code() == c).then_some(l)
    }

    /// Recognise a level word as logging libraries, servers and localised
    /// runtimes write it: `INFO`, `I`, `warning`, `ERR`, `SEVERE`, PostgreSQL's
    /// `LOG`/`PANIC`, syslog's `crit`/`emerg`, Japanese (`情報`, `警告`, `重大`,
    /// `エラー`, `致命的`), Russian (`ОШИБКА`, `ПРЕДУПРЕЖДЕНИЕ`, ...).
    pub fn parse(word: &str) -> Option<Level> {
        let w = word
            .trim()
            .trim_matches(|c| c == '[' || c == ']' || c == ':');
        if w.is_empty() {
            return None;
        }
        if w.is_ascii() {
            if w.len() > 12 {
                return None;
            }
            let mut buf = [0u8; 12];
            let lower = &mut buf[..w.len()];
            lower.copy_from_slice(w.as_bytes());
            lower.make_ascii_lowercase();
            return match &*lower {
                b"trace" | b"trc" | b"t" | b"finest" | b"finer" | b"verbose" | b"vrb" => {
                    Some(Level::Trace)
                }
                b"debug" | b"dbg" | b"d" | b"fine" | b"config" | b"debug1" | b"debug2"
                | b"debug3" | b"debug4" | b"debug5" => Some(Level::Debug),
                b"info" | b"inf" | b"i" | b"information" | b"informational" | b"log" => {
                    Some(Level::Info)
                }
                b"notice" | b"note" | b"n" | b"statement" => Some(Level::Notice),
                b"warn" | b"warning" | b"wrn" | b"w" => Some(Level::Warn),
                b"error" | b"err" | b"e" | b"eror" => Some(Level::Error),
                b"fatal" | b"ftl" | b"f" | b"critical" | b"crit" | b"severe" | b"panic"
                | b"emerg" | b"emergency" | b"alert" | b"c" => Some(Level::Fatal),
                _ => None,
            };
        }
        match w {
            "情報" | "通知" => Some(Level::Info),
            "警告" => Some(Level::Warn),
            "エラー" => Some(Level::Error),
            "重大" | "致命的" | "致命的エラー" | "パニック" => Some(Level::Fatal),
            "デバッグ" | "詳細" => Some(Level::Debug),
            "ログ" => Some(Level::Info),
            "ОШИБКА" => Some(Level::Error),
            "ПРЕДУПРЕЖДЕНИЕ" => Some(Level::Warn),
            "ВАЖНО" | "ФАТАЛЬНО" | "ПАНИКА" => Some(Level::Fatal),
            "СООБЩЕНИЕ" | "ЗАМЕЧАНИЕ" | "ИНФОРМАЦИЯ" => {
                Some(Level::Info)
            }
            "ОТЛАДКА" => Some(Level::Debug),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One participant of a deadlock (a PostgreSQL process or an InnoDB transaction).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Participant {
    /// Backend pid (PostgreSQL) or MySQL thread / connection id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<i64>,
    /// Transaction id (InnoDB trx id, PostgreSQL xid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub txn: Option<String>,
    /// The statement the participant was running, as reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// The lock it waited for (normalised resource text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<String>,
    /// Mode of the awaited lock (`ShareLock`, `X`, `X locks rec but not gap`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The locks it held, as reported (normalised resource text).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub holds: Vec<String>,
    /// The pid it was blocked by, where the report says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<i64>,
    /// Client host (InnoDB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Database user (InnoDB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The table the awaited lock is on, where reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The index the awaited lock is on (InnoDB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// True for the transaction the server rolled back / the process it cancelled.
    pub victim: bool,
}

/// A string field that borrows from the input line when it can.
pub type Str<'a> = Cow<'a, str>;

/// One normalised event, as a parser emits it.
///
/// `ts` is microseconds since the Unix epoch, UTC: parsers resolve naive
/// timestamps with the [`crate::SourceCtx`] they were given.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Event<'a> {
    /// Microseconds since 1970-01-01T00:00:00Z.
    pub ts: i64,
    /// What happened.
    pub kind: Kind,
    /// 1-based number of the record's first physical line in its file.
    pub line: u32,
    /// Byte offset of that line in the decoded (UTF-8) text of the file.
    pub offset: u64,
    /// How many physical lines the record spans (1 for single-line records).
    pub line_count: u32,
    /// Severity, when the format has one.
    pub level: Option<Level>,
    /// Host that wrote the line (or the host the line is about).
    pub host: Option<Str<'a>>,
    /// Application / program / logger / PostgreSQL application_name.
    pub app: Option<Str<'a>>,
    /// Database or OS user.
    pub user: Option<Str<'a>>,
    /// Database name.
    pub db: Option<Str<'a>>,
    /// Process id, PostgreSQL backend pid, or MySQL thread/connection id.
    pub pid: Option<i64>,
    /// Thread name or id inside the process.
    pub thread: Option<Str<'a>>,
    /// Transaction id (InnoDB trx id, PostgreSQL xid / vxid).
    pub txn: Option<Str<'a>>,
    /// Request / correlation / session id.
    pub request_id: Option<Str<'a>>,
    /// The locked object, normalised (`transaction 123`, `tuple (0,5) of relation 16384`,
    /// `` `shop`.`items` PRIMARY ``, `advisory lock [5,42,0,1]`).
    pub resource: Option<Str<'a>>,
    /// Lock mode (`ShareLock`, `X`, `AccessExclusiveLock`, ...).
    pub mode: Option<Str<'a>>,
    /// The pid holding the lock this event waits for (first holder when several).
    pub blocker_pid: Option<i64>,
    /// The transaction holding the lock this event waits for.
    pub blocker_txn: Option<Str<'a>>,
    /// Every holder pid the server named (PostgreSQL `Processes holding the lock`).
    pub holders: Vec<i64>,
    /// The wait queue the server named, in order (PostgreSQL `Wait queue`).
    pub queue: Vec<i64>,
    /// Duration: request time, statement time, wait time so far, job run time.
    pub duration_ms: Option<f64>,
    /// HTTP method.
    pub method: Option<Str<'a>>,
    /// Request path as logged (query string removed).
    pub path: Option<Str<'a>>,
    /// The path with ids collapsed (`/api/items/:id`), see [`crate::route::normalize`].
    pub route: Option<Str<'a>>,
    /// HTTP status.
    pub status: Option<u16>,
    /// Response bytes.
    pub bytes: Option<u64>,
    /// Client address.
    pub client: Option<Str<'a>>,
    /// Job name.
    pub job: Option<Str<'a>>,
    /// Run id / job id (jid, task id, run_id).
    pub run_id: Option<Str<'a>>,
    /// Message id or error code (`KDJE34368-W`, `ORA-00060`, SQLSTATE `40001`, `ERROR 1213`).
    pub code: Option<Str<'a>>,
    /// SQL statement, where the record carries one.
    pub statement: Option<Str<'a>>,
    /// The human-readable message (continuation lines appended, capped).
    pub message: Str<'a>,
    /// Business ids named by the line (`order_id` → `88213`), for duplicate-effect detection.
    pub ids: Vec<(Str<'a>, Str<'a>)>,
    /// Other named fields worth keeping.
    pub attrs: Vec<(Str<'a>, Str<'a>)>,
    /// Deadlock participants.
    pub participants: Vec<Participant>,
}

fn own(s: Option<Str<'_>>) -> Option<Str<'static>> {
    s.map(|c| Cow::Owned(c.into_owned()))
}

fn own_pairs(v: Vec<(Str<'_>, Str<'_>)>) -> Vec<(Str<'static>, Str<'static>)> {
    v.into_iter()
        .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
        .collect()
}

impl<'a> Event<'a> {
    /// A new event of `kind` at `ts` (µs UTC) for the record starting at `line`/`offset`.
    pub fn new(kind: Kind, ts: i64, line: u32, offset: u64) -> Event<'a> {
        Event {
            kind,
            ts,
            line,
            offset,
            line_count: 1,
            ..Event::default()
        }
    }

    /// Detach the event from the line it borrows from.
    pub fn into_owned(self) -> Event<'static> {
        Event {
            ts: self.ts,
            kind: self.kind,
            line: self.line,
            offset: self.offset,
            line_count: self.line_count,
            level: self.level,
            host: own(self.host),
            app: own(self.app),
            user: own(self.user),
            db: own(self.db),
            pid: self.pid,
            thread: own(self.thread),
            txn: own(self.txn),
            request_id: own(self.request_id),
            resource: own(self.resource),
            mode: own(self.mode),
            blocker_pid: self.blocker_pid,
            blocker_txn: own(self.blocker_txn),
            holders: self.holders,
            queue: self.queue,
            duration_ms: self.duration_ms,
            method: own(self.method),
            path: own(self.path),
            route: own(self.route),
            status: self.status,
            bytes: self.bytes,
            client: own(self.client),
            job: own(self.job),
            run_id: own(self.run_id),
            code: own(self.code),
            statement: own(self.statement),
            message: Cow::Owned(self.message.into_owned()),
            ids: own_pairs(self.ids),
            attrs: own_pairs(self.attrs),
            participants: self.participants,
        }
    }

    /// Look up an extra attribute by key.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// Append a continuation line to the message, keeping it under `MAX_MESSAGE` bytes.
    pub fn append_line(&mut self, text: &str) {
        let msg = self.message.to_mut();
        if msg.len() >= MAX_MESSAGE {
            return;
        }
        msg.push('\n');
        let room = MAX_MESSAGE - msg.len();
        if text.len() <= room {
            msg.push_str(text);
        } else {
            let mut cut = room;
            while cut > 0 && !text.is_char_boundary(cut) {
                cut -= 1;
            }
            msg.push_str(&text[..cut]);
            msg.push('…');
        }
    }
}

/// Upper bound on a stored message (continuations included). The raw record
/// stays reachable through its file, line and offset.
pub const MAX_MESSAGE: usize = 16 * 1024;

/// Where parsed events go. Implemented by `Vec<Event<'static>>` for tests and
/// by the columnar timeline builder in the application.
pub trait EventSink {
    /// Take one event. The event may borrow from the current line only.
    fn push(&mut self, event: Event<'_>);

    /// Take one event the caller keeps: the sink reads it, and may change
    /// it, but the caller drops it. A hot parser hands its events over this
    /// way so that nothing is moved and it can keep the `attrs` allocation
    /// for the next line ([`SparePairs`]). The default moves the event out.
    fn push_mut(&mut self, event: &mut Event<'_>) {
        self.push(std::mem::take(event));
    }
}

/// The allocation of a list of pairs (an event's `attrs`), kept from one line
/// to the next by a parser that hands its events over with
/// [`EventSink::push_mut`]: an access log line would otherwise allocate the
/// list, and free it, for its referer and user agent alone.
#[derive(Debug, Default)]
pub struct SparePairs(Vec<(Str<'static>, Str<'static>)>);

impl SparePairs {
    /// The kept list, empty (with no allocation the first time).
    pub fn take<'a>(&mut self) -> Vec<(Str<'a>, Str<'a>)> {
        std::mem::take(&mut self.0)
    }

    /// Hand `event` to `out` with [`EventSink::push_mut`] and keep its
    /// `attrs` allocation for the next line's event.
    pub fn hand_over(&mut self, event: &mut Event<'_>, out: &mut dyn EventSink) {
        out.push_mut(event);
        self.keep(std::mem::take(&mut event.attrs));
    }

    /// Keep `pairs`' allocation for the next [`SparePairs::take`]. Its pairs
    /// are dropped: the list may borrow from a line that is going away.
    pub fn keep(&mut self, mut pairs: Vec<(Str<'_>, Str<'_>)>) {
        pairs.clear();
        // Owning the pairs of an empty list copies nothing, and the list it
        // collects into keeps the allocation: the standard library collects
        // a list's own iterator in place when the element's layout stays.
        self.0 = own_pairs(pairs);
    }
}

/// The `attrs` and `ids` lists of the last line's event, kept for the next
/// one, for parsers that fill both ([`crate::fields::FieldSink`]'s).
#[derive(Debug, Default)]
pub struct SpareLists {
    attrs: SparePairs,
    ids: SparePairs,
}

impl SpareLists {
    /// Give `event` the kept lists (empty).
    pub fn lend(&mut self, event: &mut Event<'_>) {
        event.attrs = self.attrs.take();
        event.ids = self.ids.take();
    }

    /// Take `event`'s lists back, emptied, for the next line.
    pub fn take_back(&mut self, event: &mut Event<'_>) {
        self.attrs.keep(std::mem::take(&mut event.attrs));
        self.ids.keep(std::mem::take(&mut event.ids));
    }

    /// Hand `event` to `out` with [`EventSink::push_mut`] and take its
    /// lists back.
    pub fn hand_over(&mut self, event: &mut Event<'_>, out: &mut dyn EventSink) {
        out.push_mut(event);
        self.take_back(event);
    }
}

impl EventSink for Vec<Event<'static>> {
    fn push(&mut self, event: Event<'_>) {
        Vec::push(self, event.into_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spare_pairs_keep_their_allocation_and_drop_their_pairs() {
        let mut spare = SparePairs::default();
        assert_eq!(spare.take().capacity(), 0);
        let line = String::from("ua=curl");
        let mut pairs = spare.take();
        pairs.reserve_exact(4);
        pairs.push((Cow::Borrowed("ua"), Cow::Borrowed(&line[3..])));
        pairs.push((Cow::Borrowed("n"), Cow::Owned("1".to_string())));
        let at = pairs.as_ptr() as usize;
        spare.keep(pairs);
        drop(line);
        let again = spare.take();
        assert!(again.is_empty());
        assert_eq!(again.capacity(), 4);
        assert_eq!(again.as_ptr() as usize, at);
    }

    #[test]
    fn kind_names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_name(k.as_str()), Some(k));
            assert_eq!(Kind::from_code(k.code()), Some(k));
        }
        assert_eq!(Kind::from_name("nope"), None);
    }

    #[test]
    fn level_codes_round_trip() {
        for l in Level::ALL {
            assert_eq!(Level::from_code(l.code()), Some(l));
        }
        assert_eq!(Level::from_code(0), None, "0 is 'no level'");
        assert_eq!(Level::from_code(8), None);
        assert_eq!(Level::from_code(255), None);
    }

    #[test]
    fn level_words() {
        let cases = [
            ("INFO", Some(Level::Info)),
            ("[warn]", Some(Level::Warn)),
            ("SEVERE", Some(Level::Fatal)),
            ("LOG", Some(Level::Info)),
            ("PANIC", Some(Level::Fatal)),
            ("E", Some(Level::Error)),
            ("情報", Some(Level::Info)),
            ("警告", Some(Level::Warn)),
            ("重大", Some(Level::Fatal)),
            ("ОШИБКА", Some(Level::Error)),
            ("banana", None),
            ("averyveryverylongword", None),
        ];
        for (w, want) in cases {
            assert_eq!(Level::parse(w), want, "{w}");
        }
    }

    #[test]
    fn append_line_caps_on_char_boundary() {
        let mut e = Event::new(Kind::Log, 0, 1, 0);
        e.message = Cow::Borrowed("start");
        let long = "あ".repeat(MAX_MESSAGE);
        e.append_line(&long);
        assert!(e.message.len() <= MAX_MESSAGE + '…'.len_utf8());
        assert!(e.message.ends_with('…'));
        e.append_line("more");
        assert!(!e.message.ends_with("more"));
    }
}

//! PostgreSQL server logs: `stderr` (any `log_line_prefix`, also wrapped in
//! syslog or Heroku logplex), `csvlog` and `jsonlog` (also CloudNativePG's
//! JSON lines, whose `record` object carries the csvlog fields).
//!
//! All three destinations carry the same thing: one server message (severity,
//! SQLSTATE, message, `DETAIL`, `HINT`, `CONTEXT`, `STATEMENT`, `QUERY`) with
//! the session's identity (pid, user, database, application, client,
//! transaction). The destination parsers only assemble a [`Record`];
//! [`messages`] turns a record into one [`crate::Event`] with the same meaning
//! whatever the destination and whatever the server's `lc_messages`:
//!
//! | message | kind |
//! |---|---|
//! | `process N still waiting for M on O after X ms` | `lock_wait` (holders and queue from `DETAIL`) |
//! | `process N acquired M on O after X ms` | `lock_acquired` |
//! | `ERROR: deadlock detected` | `deadlock` (participants from `DETAIL`, the reporter is the victim) |
//! | `process N detected deadlock while waiting for ...` | `log` (it announces the deadlock; never a `lock_wait`) |
//! | `canceling statement due to lock timeout` | `lock_timeout` |
//! | statement / idle-in-transaction / idle-session timeouts | `timeout` |
//! | `duration: X ms  statement: ...` / `execute <name>: ...` | `query` |
//! | other `ERROR` / `FATAL` / `PANIC` | `error` with its SQLSTATE |
//! | everything else (connections, checkpoints, autovacuum) | `log` |
//!
//! Lock objects are normalised to the server's English wording
//! (`transaction 123`, `tuple (0,5) of relation 16384 of database 5`,
//! `advisory lock [5,42,0,1]`), also when the server wrote Japanese or Russian.

pub mod csvlog;
pub mod i18n;
pub mod jsonlog;
pub mod messages;
pub mod prefix;
mod printf;
pub mod stderr;

pub use csvlog::PgCsvlog;
pub use jsonlog::PgJsonlog;
pub use stderr::PgStderr;

use crate::event::Level;
use std::borrow::Cow;

/// Severity of a server message, as `elog.c` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Severity {
    /// `DEBUG1` .. `DEBUG5`.
    Debug,
    /// `LOG` (server-side information; the default for lock waits and durations).
    #[default]
    Log,
    /// `INFO`.
    Info,
    /// `NOTICE`.
    Notice,
    /// `WARNING`.
    Warning,
    /// `ERROR`: the statement failed.
    Error,
    /// `FATAL`: the session ended.
    Fatal,
    /// `PANIC`: the server restarts.
    Panic,
}

impl Severity {
    /// The normalised level.
    pub fn level(self) -> Level {
        match self {
            Severity::Debug => Level::Debug,
            Severity::Log | Severity::Info => Level::Info,
            Severity::Notice => Level::Notice,
            Severity::Warning => Level::Warn,
            Severity::Error => Level::Error,
            Severity::Fatal | Severity::Panic => Level::Fatal,
        }
    }

    /// Parse an English severity word (`LOG`, `ERROR`, `DEBUG3`, ...), as csvlog
    /// and jsonlog write it whatever `lc_messages` is.
    pub fn from_english(w: &str) -> Option<Severity> {
        Some(match w {
            "LOG" => Severity::Log,
            "INFO" => Severity::Info,
            "NOTICE" => Severity::Notice,
            "WARNING" => Severity::Warning,
            "ERROR" => Severity::Error,
            "FATAL" => Severity::Fatal,
            "PANIC" => Severity::Panic,
            "DEBUG" | "DEBUG1" | "DEBUG2" | "DEBUG3" | "DEBUG4" | "DEBUG5" => Severity::Debug,
            _ => return None,
        })
    }

    /// True for `ERROR`, `FATAL` and `PANIC`.
    pub fn is_error(self) -> bool {
        matches!(self, Severity::Error | Severity::Fatal | Severity::Panic)
    }
}

/// One server message with everything the server wrote about it, from any
/// destination. Text fields borrow from the input where they can.
#[derive(Debug, Clone, Default)]
pub struct Record<'a> {
    /// 1-based line of the record's first physical line.
    pub line: u32,
    /// Byte offset of that line.
    pub offset: u64,
    /// Physical lines the record spans.
    pub line_count: u32,
    /// µs UTC.
    pub ts: i64,
    /// Severity.
    pub severity: Severity,
    /// The severity word as written (`LOG`, `ОШИБКА`, `FEHLER`).
    pub severity_word: Cow<'a, str>,
    /// Backend pid.
    pub pid: Option<i64>,
    /// SQLSTATE (`40P01`); `00000` is kept as written.
    pub sqlstate: Option<Cow<'a, str>>,
    /// The primary message (continuation lines joined with `\n`, tabs removed).
    pub message: Cow<'a, str>,
    /// `DETAIL`.
    pub detail: Option<Cow<'a, str>>,
    /// `HINT`.
    pub hint: Option<Cow<'a, str>>,
    /// `CONTEXT`.
    pub context: Option<Cow<'a, str>>,
    /// `STATEMENT` (the client's statement).
    pub statement: Option<Cow<'a, str>>,
    /// `QUERY` (the internal query, PL/pgSQL).
    pub query: Option<Cow<'a, str>>,
    /// `LOCATION` (source file and line, with `log_error_verbosity = verbose`).
    pub location: Option<Cow<'a, str>>,
    /// Database user.
    pub user: Option<Cow<'a, str>>,
    /// Database name.
    pub db: Option<Cow<'a, str>>,
    /// `application_name`.
    pub app: Option<Cow<'a, str>>,
    /// Client host (`%h`, the host part of `%r`, csvlog `connection_from`).
    pub client: Option<Cow<'a, str>>,
    /// Client port, when the log names it.
    pub client_port: Option<Cow<'a, str>>,
    /// The host that wrote the line (syslog host name, CloudNativePG pod).
    pub server_host: Option<Cow<'a, str>>,
    /// Session id (`%c`).
    pub session: Option<Cow<'a, str>>,
    /// Virtual transaction id (`%v`).
    pub vxid: Option<Cow<'a, str>>,
    /// Transaction id (`%x`), `0` when none was assigned.
    pub txid: Option<Cow<'a, str>>,
    /// Per-session line number (`%l`).
    pub session_line: Option<u64>,
    /// Backend type (`client backend`, `autovacuum worker`).
    pub backend_type: Option<Cow<'a, str>>,
    /// Command tag (`%i`, csvlog `command_tag`, jsonlog `ps`).
    pub command_tag: Option<Cow<'a, str>>,
    /// Query id (`%Q`, `query_id`).
    pub query_id: Option<Cow<'a, str>>,
    /// Foreign lines attached to this record (written to the log by another program).
    pub foreign: Option<Cow<'a, str>>,
}

impl<'a> Record<'a> {
    /// Detach from the input.
    pub fn into_owned(self) -> Record<'static> {
        fn o(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            c.map(|c| Cow::Owned(c.into_owned()))
        }
        Record {
            line: self.line,
            offset: self.offset,
            line_count: self.line_count,
            ts: self.ts,
            severity: self.severity,
            severity_word: Cow::Owned(self.severity_word.into_owned()),
            pid: self.pid,
            sqlstate: o(self.sqlstate),
            message: Cow::Owned(self.message.into_owned()),
            detail: o(self.detail),
            hint: o(self.hint),
            context: o(self.context),
            statement: o(self.statement),
            query: o(self.query),
            location: o(self.location),
            user: o(self.user),
            db: o(self.db),
            app: o(self.app),
            client: o(self.client),
            client_port: o(self.client_port),
            server_host: o(self.server_host),
            session: o(self.session),
            vxid: o(self.vxid),
            txid: o(self.txid),
            session_line: self.session_line,
            backend_type: o(self.backend_type),
            command_tag: o(self.command_tag),
            query_id: o(self.query_id),
            foreign: o(self.foreign),
        }
    }
}

/// `[unknown]` as the server writes it for a missing user, database or
/// application, in every catalogued language.
const UNKNOWN: &[&str] = &[
    "unknown",
    "unbekannt",
    "desconocido",
    "inconnu",
    "sconosciuto",
    "不明",
    "უცნობი",
    "알수없음",
    "н/д",
    "okänd",
    "未知",
];

/// Treat an empty value, `[unknown]` (any language) and `-` as absent.
pub(crate) fn present(v: &str) -> bool {
    let v = v.trim();
    let inner = v
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(v);
    !(v.is_empty() || v == "-" || UNKNOWN.contains(&inner))
}

/// Append `more` to an optional text field, joining with a newline.
pub(crate) fn append_opt(field: &mut Option<Cow<'_, str>>, more: &str) {
    match field {
        Some(f) => {
            let s = f.to_mut();
            s.push('\n');
            s.push_str(more);
        }
        None => *field = Some(Cow::Owned(more.to_string())),
    }
}

#[cfg(test)]
mod tests;

//! Mapping named fields (JSON keys, logfmt keys, regex captures) onto the
//! typed fields of an [`Event`], and inferring the event's kind.
//!
//! Shared by the structured parsers and the declarative formats, so that
//! `msg`, `message` and `@m` mean the same everywhere.

use crate::codes::extract_code;
use crate::event::{Event, Kind, Level, Str};
use crate::route;
use crate::time::{self, Resolver, Stamp};
use std::borrow::Cow;

/// Which typed field a key feeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field {
    /// Timestamp.
    Ts,
    /// Severity.
    Level,
    /// Message text.
    Message,
    /// Process id.
    Pid,
    /// Thread.
    Thread,
    /// Host.
    Host,
    /// Application / logger / service.
    App,
    /// User.
    User,
    /// Database.
    Db,
    /// Request / correlation id.
    RequestId,
    /// Duration in the given unit (milliseconds per unit).
    Duration(f64),
    /// Duration whose unit is written in the value (`12ms`, `1.5s`), else ms.
    DurationAuto,
    /// HTTP method.
    Method,
    /// Request path or URL.
    Path,
    /// HTTP status.
    Status,
    /// Response bytes.
    Bytes,
    /// Client address.
    Client,
    /// Job name.
    Job,
    /// Run / job id.
    RunId,
    /// Error code / message id.
    Code,
    /// SQL statement.
    Statement,
    /// Transaction id.
    Txn,
    /// Lock resource.
    Resource,
    /// Lock mode.
    Mode,
    /// Holder pid.
    BlockerPid,
    /// A verb naming what happened (`start`, `done`, `acquired`, `expired`).
    Action,
    /// The event kind, by contract name.
    KindName,
}

/// The field a key maps to, by common naming conventions. Keys are compared
/// case-insensitively, with `-` and `.` treated like `_`.
pub fn field_for_key(key: &str) -> Option<Field> {
    let mut buf = [0u8; 32];
    if key.len() > buf.len() {
        return None;
    }
    let k = &mut buf[..key.len()];
    for (d, s) in k.iter_mut().zip(key.bytes()) {
        *d = match s {
            b'-' | b'.' => b'_',
            c => c.to_ascii_lowercase(),
        };
    }
    let k: &[u8] = k;
    Some(match k {
        b"time"
        | b"ts"
        | b"timestamp"
        | b"@timestamp"
        | b"t"
        | b"date"
        | b"datetime"
        | b"log_time"
        | b"eventtime"
        | b"asctime"
        | b"_time"
        | b"time_local"
        | b"@t"
        | b"__realtime_timestamp"
        | b"time_iso8601"
        | b"logged_at" => Field::Ts,
        b"level" | b"lvl" | b"severity" | b"loglevel" | b"log_level" | b"levelname" | b"@l"
        | b"level_name" | b"error_severity" | b"priority" => Field::Level,
        b"msg" | b"message" | b"@m" | b"@mt" | b"log" | b"text" | b"short_message" => {
            Field::Message
        }
        b"pid" | b"process_id" | b"_pid" | b"processid" => Field::Pid,
        b"thread" | b"thread_name" | b"threadname" | b"tid" => Field::Thread,
        b"host" | b"hostname" | b"_hostname" | b"host_name" | b"server" | b"instance"
        | b"logging_pod" => Field::Host,
        b"app" | b"name" | b"service" | b"service_name" | b"logger" | b"logger_name"
        | b"application" | b"application_name" | b"component" | b"syslog_identifier"
        | b"program" | b"_systemd_unit" => Field::App,
        b"user" | b"user_name" | b"username" | b"usr" => Field::User,
        b"db" | b"database" | b"database_name" | b"dbname" => Field::Db,
        b"request_id" | b"requestid" | b"reqid" | b"req_id" | b"trace_id" | b"traceid"
        | b"correlation_id" | b"x_request_id" | b"opid" | b"session_id" => Field::RequestId,
        b"duration_ms" | b"elapsed_ms" | b"took_ms" | b"latency_ms" | b"response_time_ms"
        | b"time_ms" | b"runtime_ms" | b"reqtime_ms" => Field::Duration(1.0),
        b"duration_s"
        | b"elapsed_s"
        | b"request_time"
        | b"upstream_response_time"
        | b"duration_sec"
        | b"duration_seconds"
        | b"reqtime"
        | b"apptime"
        | b"runtime"
        | b"elapsed_seconds" => Field::Duration(1000.0),
        b"duration_us" | b"duration_micros" => Field::Duration(0.001),
        b"duration_ns" | b"duration_nanos" => Field::Duration(0.000_001),
        b"duration" | b"elapsed" | b"latency" | b"took" | b"response_time" | b"responsetime"
        | b"time_taken" => Field::DurationAuto,
        b"method" | b"http_method" | b"request_method" | b"verb" | b"http_request_method" => {
            Field::Method
        }
        b"path" | b"url" | b"uri" | b"request_uri" | b"request_path" | b"http_url"
        | b"url_path" | b"request" => Field::Path,
        b"status"
        | b"status_code"
        | b"statuscode"
        | b"http_status_code"
        | b"response_status"
        | b"http_status"
        | b"http_response_status_code" => Field::Status,
        b"bytes" | b"size" | b"bytes_sent" | b"body_bytes_sent" | b"response_size"
        | b"content_length" => Field::Bytes,
        b"remote_addr" | b"client_ip" | b"clientip" | b"remote_ip" | b"ip" | b"remoteaddr"
        | b"client" | b"client_addr" | b"remote_host" | b"x_forwarded_for" => Field::Client,
        b"job" | b"job_name" | b"jobname" | b"task" | b"task_name" | b"batch" | b"class" => {
            Field::Job
        }
        b"run_id" | b"runid" | b"jid" | b"job_id" | b"task_id" | b"execution_id" => Field::RunId,
        b"code" | b"error_code" | b"errorcode" | b"errno" | b"err_code" | b"msgid"
        | b"message_id" | b"sql_state_code" | b"sqlstate" => Field::Code,
        b"statement" | b"query" | b"sql" => Field::Statement,
        b"txn" | b"xid" | b"transaction_id" | b"trx_id" | b"txid" => Field::Txn,
        b"resource" | b"lock" | b"lock_key" | b"key" => Field::Resource,
        b"mode" | b"lock_mode" => Field::Mode,
        b"blocker_pid" | b"blocking_pid" | b"holder_pid" => Field::BlockerPid,
        b"event" | b"action" | b"phase" | b"state" => Field::Action,
        b"kind" => Field::KindName,
        _ => return None,
    })
}

/// Map a numeric level: bunyan/pino (10 trace … 60 fatal), syslog priorities
/// under `priority` (0 emerg … 7 debug), and small 0-4 scales (Nextcloud,
/// Monolog-like: 0 debug … 4 fatal) elsewhere.
pub fn numeric_level(n: i64, key_is_priority: bool) -> Option<Level> {
    if key_is_priority {
        return Some(match n {
            0..=2 => Level::Fatal,
            3 => Level::Error,
            4 => Level::Warn,
            5 => Level::Notice,
            6 => Level::Info,
            _ => Level::Debug,
        });
    }
    Some(match n {
        i64::MIN..=-1 => return None,
        0 => Level::Debug,
        1 => Level::Info,
        2 => Level::Warn,
        3 => Level::Error,
        4..=9 => Level::Fatal,
        10..=19 => Level::Trace,
        20..=29 => Level::Debug,
        30..=39 => Level::Info,
        40..=49 => Level::Warn,
        50..=59 => Level::Error,
        _ => Level::Fatal,
    })
}

/// Parse a duration written with its unit (`12ms`, `1.5s`, `250µs`, `3m`,
/// `1m30s`, `850us`) into milliseconds; a bare number is `default_ms` per unit.
pub fn parse_duration_ms(v: &str, default_ms_per_unit: f64) -> Option<f64> {
    let v = v.trim();
    if let Ok(n) = v.parse::<f64>() {
        return n.is_finite().then_some(n * default_ms_per_unit);
    }
    let mut total = 0.0;
    let mut rest = v;
    let mut any = false;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return None;
        }
        let n: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = rest[..unit_end].trim();
        rest = &rest[unit_end..];
        let factor = match unit {
            "ns" => 0.000_001,
            "us" | "µs" | "μs" => 0.001,
            "ms" | "msec" | "msecs" => 1.0,
            "s" | "sec" | "secs" | "seconds" => 1000.0,
            "m" | "min" | "mins" => 60_000.0,
            "h" | "hr" | "hours" => 3_600_000.0,
            _ => return None,
        };
        total += n * factor;
        any = true;
    }
    any.then_some(total)
}

/// Collects fields onto an event, resolving the timestamp once.
pub struct FieldSink<'a, 'r> {
    /// The event being built.
    pub event: Event<'a>,
    /// The timestamp, once a time field was seen.
    pub ts: Option<i64>,
    resolver: &'r Resolver,
    action: Option<Str<'a>>,
    kind: Option<Kind>,
}

fn is_business_id(key: &str) -> bool {
    // Compared without case, and without a lower-case copy: this runs for
    // every key no typed field takes.
    let b = key.as_bytes();
    let ends = |suffix: &[u8]| {
        b.len() >= suffix.len() && b[b.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    (ends(b"_id") || b.len() > 2 && key.ends_with("Id") || ends(b"_ids"))
        && ![
            "request_id",
            "run_id",
            "job_id",
            "task_id",
            "session_id",
            "trace_id",
            "span_id",
            "process_id",
            "thread_id",
            "parent_id",
        ]
        .iter()
        .any(|k| key.eq_ignore_ascii_case(k))
}

const MAX_ATTRS: usize = 24;
const MAX_ATTR_LEN: usize = 512;

impl<'a, 'r> FieldSink<'a, 'r> {
    /// Start an event for the record at `line`/`offset`.
    pub fn new(resolver: &'r Resolver, line: u32, offset: u64) -> FieldSink<'a, 'r> {
        FieldSink {
            event: Event::new(Kind::Log, 0, line, offset),
            ts: None,
            resolver,
            action: None,
            kind: None,
        }
    }

    /// Set a timestamp from text (any supported shape) or an epoch number.
    pub fn set_time(&mut self, v: &str) -> bool {
        let v = v.trim();
        if let Some((stamp, used)) = time::parse_prefix(v) {
            if used + 6 >= v.len() {
                self.ts = self.resolver.resolve(stamp);
                return self.ts.is_some();
            }
        }
        false
    }

    /// Set a timestamp that was already parsed.
    pub fn set_stamp(&mut self, stamp: Stamp) {
        self.ts = self.resolver.resolve(stamp);
    }

    /// Feed one `key = value`; `numeric` says the value was a JSON number.
    /// Unknown keys become business ids (`*_id`) or attributes.
    pub fn put(&mut self, key: Str<'a>, value: Str<'a>, numeric: bool) {
        match field_for_key(&key) {
            Some(f) => self.put_field(f, &key, value, numeric),
            None => self.put_other(key, value),
        }
    }

    /// Like [`FieldSink::put`] for a key that does not live as long as the
    /// line (a regex capture name): copied only if kept as an attribute.
    pub fn put_key(&mut self, key: &str, value: Str<'a>, numeric: bool) {
        match field_for_key(key) {
            Some(f) => self.put_field(f, key, value, numeric),
            None => self.put_other(Cow::Owned(key.to_string()), value),
        }
    }

    /// Keep a field that maps to nothing typed.
    pub fn put_other(&mut self, key: Str<'a>, value: Str<'a>) {
        if is_business_id(&key) {
            self.event.ids.push((key, value));
        } else if self.event.attrs.len() < MAX_ATTRS {
            let value = if value.len() > MAX_ATTR_LEN {
                let mut cut = MAX_ATTR_LEN;
                while !value.is_char_boundary(cut) {
                    cut -= 1;
                }
                Cow::Owned(format!("{}…", &value[..cut]))
            } else {
                value
            };
            self.event.attrs.push((key, value));
        }
    }

    /// Feed a value into a known field.
    pub fn put_field(&mut self, f: Field, key: &str, value: Str<'a>, numeric: bool) {
        let e = &mut self.event;
        match f {
            Field::Ts => {
                if self.ts.is_none() {
                    let ok = self.set_time(&value);
                    if !ok {
                        self.put_other(Cow::Owned(key.to_string()), value);
                    }
                }
            }
            Field::Level => {
                if e.level.is_none() {
                    e.level = if numeric || value.bytes().all(|b| b.is_ascii_digit()) {
                        value
                            .parse::<i64>()
                            .ok()
                            .and_then(|n| numeric_level(n, key.eq_ignore_ascii_case("priority")))
                    } else {
                        Level::parse(&value)
                    };
                }
            }
            Field::Message => {
                if e.message.is_empty() {
                    e.message = value;
                } else {
                    self.put_other(Cow::Owned(key.to_string()), value);
                }
            }
            Field::Pid => {
                if e.pid.is_none() {
                    e.pid = value.trim().parse().ok();
                }
            }
            Field::Thread => e.thread = Some(value),
            Field::Host => {
                if e.host.is_none() {
                    e.host = Some(value)
                }
            }
            Field::App => {
                if e.app.is_none() {
                    e.app = Some(value)
                }
            }
            Field::User => e.user = Some(value),
            Field::Db => e.db = Some(value),
            Field::RequestId => {
                if e.request_id.is_none() {
                    e.request_id = Some(value)
                }
            }
            Field::Duration(unit) => {
                if e.duration_ms.is_none() {
                    e.duration_ms = parse_duration_ms(&value, unit);
                }
            }
            Field::DurationAuto => {
                if e.duration_ms.is_none() {
                    e.duration_ms = parse_duration_ms(&value, 1.0);
                }
            }
            Field::Method => e.method = Some(value),
            Field::Path => {
                // `request` may be a whole request line: "GET /x HTTP/1.1".
                let v: &str = &value;
                if let Some((m, rest)) = v.split_once(' ') {
                    if m.chars().all(|c| c.is_ascii_uppercase()) && rest.starts_with('/') {
                        let p = rest.split(' ').next().unwrap_or(rest);
                        e.method = Some(Cow::Owned(m.to_string()));
                        e.path = Some(Cow::Owned(p.to_string()));
                        return;
                    }
                }
                if v.starts_with('/') || v.starts_with("http") {
                    e.path = Some(value);
                } else {
                    self.put_other(Cow::Owned(key.to_string()), value);
                }
            }
            Field::Status => match value.trim().parse::<u16>() {
                Ok(s) if (100..600).contains(&s) => e.status = Some(s),
                _ => self.action = Some(value),
            },
            Field::Bytes => e.bytes = value.trim().parse().ok(),
            Field::Client => e.client = Some(value),
            Field::Job => e.job = Some(value),
            Field::RunId => e.run_id = Some(value),
            Field::Code => {
                if value != "00000" && !value.is_empty() {
                    e.code = Some(value)
                }
            }
            Field::Statement => e.statement = Some(value),
            Field::Txn => e.txn = Some(value),
            Field::Resource => e.resource = Some(value),
            Field::Mode => e.mode = Some(value),
            Field::BlockerPid => e.blocker_pid = value.trim().parse().ok(),
            Field::Action => {
                if self.action.is_none() {
                    self.action = Some(value)
                } else {
                    self.put_other(Cow::Owned(key.to_string()), value)
                }
            }
            Field::KindName => self.kind = Kind::from_name(&value),
        }
    }

    /// Finish: normalise the route, infer the kind, extract a code. `None`
    /// when no timestamp was found.
    pub fn finish(mut self) -> Option<Event<'a>> {
        let ts = self.ts?;
        self.event.ts = ts;
        if self.event.message.is_empty() {
            if let Some(a) = &self.action {
                self.event.message = a.clone();
            }
        }
        // A path borrowed from the line gives a route borrowed from it too
        // when there is nothing to collapse.
        let route = match &self.event.path {
            Some(Cow::Borrowed(p)) => {
                let p: &'a str = p;
                Some(route::normalize(strip_origin(p)))
            }
            Some(Cow::Owned(p)) => Some(Cow::Owned(route::normalize(strip_origin(p)).into_owned())),
            None => None,
        };
        if route.is_some() {
            self.event.route = route;
        }
        let kind = self
            .kind
            .unwrap_or_else(|| infer_kind(&self.event, self.action.as_deref()));
        self.event.kind = kind;
        if self.event.code.is_none() && matches!(self.event.level, Some(l) if l >= Level::Warn) {
            if let Some(c) = extract_code(&self.event.message) {
                self.event.code = Some(Cow::Owned(c));
            }
        }
        if self.event.kind == Kind::Log
            && self.event.code.is_some()
            && matches!(self.event.level, Some(l) if l >= Level::Warn)
        {
            self.event.kind = Kind::Error;
        }
        if let Some(a) = self.action {
            if !self.event.attrs.iter().any(|(k, _)| k == "action") && self.event.message != a {
                self.event.attrs.push((Cow::Borrowed("action"), a));
            }
        }
        Some(self.event)
    }
}

fn strip_origin(p: &str) -> &str {
    if let Some(rest) = p
        .strip_prefix("http://")
        .or_else(|| p.strip_prefix("https://"))
    {
        match rest.find('/') {
            Some(i) => &rest[i..],
            None => "/",
        }
    } else {
        p
    }
}

/// Infer an event's kind from its typed fields and an action word.
pub fn infer_kind(e: &Event<'_>, action: Option<&str>) -> Kind {
    let verb = action.map(str::to_ascii_lowercase);
    let verb = verb.as_deref();
    if e.job.is_some() || e.run_id.is_some() {
        if let Some(v) = verb {
            if let Some(k) = job_kind(v) {
                return k;
            }
        }
        if let Some(k) = job_kind_from_message(&e.message) {
            return k;
        }
    }
    if let Some(v) = verb {
        if let Some(k) = lease_kind(v, &e.message) {
            return k;
        }
    }
    if e.resource.is_some() {
        if let Some(k) = lease_kind("", &e.message) {
            return k;
        }
    }
    if e.status.is_some() && (e.method.is_some() || e.path.is_some()) {
        return Kind::Request;
    }
    match e.level {
        Some(l) if l >= Level::Error => Kind::Error,
        Some(Level::Warn) if e.code.is_some() => Kind::Error,
        _ => Kind::Log,
    }
}

/// Whether `text` has `lock` or `lease` in it, in any case (without the
/// lower-case copy of every message this used to take).
fn mentions_lock(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr2_iter(b'l', b'L', b).any(|i| {
        let rest = &b[i..];
        let starts = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
        starts(b"lock") || starts(b"lease")
    })
}

/// `start`/`started`/`begin` → JobStart, `end`/`done`/`finished`/`succeeded`
/// → JobEnd, `fail`/`failed`/`error`/`killed` → JobFail.
pub fn job_kind(v: &str) -> Option<Kind> {
    Some(match v {
        "start" | "started" | "starting" | "begin" | "began" | "run" | "running"
        | "enqueued_start" => Kind::JobStart,
        "end" | "ended" | "done" | "finish" | "finished" | "complete" | "completed"
        | "succeeded" | "success" | "ok" | "exit" | "exited" => Kind::JobEnd,
        "fail" | "failed" | "failure" | "error" | "killed" | "aborted" | "abort" | "timeout"
        | "timedout" | "crashed" => Kind::JobFail,
        _ => return None,
    })
}

fn job_kind_from_message(m: &str) -> Option<Kind> {
    let first = m
        .split_whitespace()
        .next()?
        .trim_end_matches([':', '.', ',']);
    job_kind(&first.to_ascii_lowercase())
}

/// Lease / distributed-lock verbs, from an action word (lower case) or the
/// message.
pub fn lease_kind(verb: &str, message: &str) -> Option<Kind> {
    let about_lock = verb.contains("lock") || verb.contains("lease") || mentions_lock(message);
    if !about_lock {
        return None;
    }
    let m = message.to_ascii_lowercase();
    let has = |w: &str| verb.contains(w) || m.contains(w);
    if has("expired") || has("lost") || has("expire") {
        Some(Kind::LeaseExpire)
    } else if has("renew") || has("extended") || has("refreshed") {
        Some(Kind::LeaseRenew)
    } else if has("released") || has("release") || has("unlock") {
        Some(Kind::LeaseRelease)
    } else if has("acquired") || has("acquire") || has("obtained") || has("granted") {
        Some(Kind::LeaseAcquire)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Zone;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("12ms", 1.0), Some(12.0));
        assert_eq!(parse_duration_ms("1.5s", 1.0), Some(1500.0));
        assert_eq!(parse_duration_ms("1m30s", 1.0), Some(90_000.0));
        assert_eq!(parse_duration_ms("250µs", 1.0), Some(0.25));
        assert_eq!(parse_duration_ms("0.250", 1000.0), Some(250.0));
        assert_eq!(parse_duration_ms("fast", 1.0), None);
    }

    #[test]
    fn keys() {
        assert_eq!(field_for_key("@timestamp"), Some(Field::Ts));
        assert_eq!(field_for_key("Request-Id"), Some(Field::RequestId));
        assert_eq!(field_for_key("MESSAGE"), Some(Field::Message));
        assert_eq!(field_for_key("http.method"), Some(Field::Method));
        assert_eq!(field_for_key("order_id"), None);
    }

    #[test]
    fn job_and_request_kinds() {
        let r = Resolver::new(Zone::utc());
        let mut s = FieldSink::new(&r, 1, 0);
        s.put("time".into(), "2023-06-01T00:00:00Z".into(), false);
        s.put("job".into(), "points-grant".into(), false);
        s.put("event".into(), "start".into(), false);
        s.put("user_id".into(), "42".into(), true);
        let e = s.finish().unwrap();
        assert_eq!(e.kind, Kind::JobStart);
        assert_eq!(e.ids, vec![(Cow::from("user_id"), Cow::from("42"))]);

        let mut s = FieldSink::new(&r, 1, 0);
        s.put("ts".into(), "1685577600".into(), true);
        s.put("method".into(), "POST".into(), false);
        s.put("path".into(), "/api/items/12?x".into(), false);
        s.put("status".into(), "200".into(), true);
        s.put("duration_ms".into(), "13012".into(), true);
        let e = s.finish().unwrap();
        assert_eq!(e.kind, Kind::Request);
        assert_eq!(e.route.as_deref(), Some("/api/items/:id"));
        assert_eq!(e.duration_ms, Some(13012.0));

        let mut s = FieldSink::new(&r, 1, 0);
        s.put("ts".into(), "2023-06-01T00:00:00Z".into(), false);
        s.put(
            "msg".into(),
            "lease expired before run finished".into(),
            false,
        );
        s.put("key".into(), "batch:points".into(), false);
        assert_eq!(s.finish().unwrap().kind, Kind::LeaseExpire);

        let mut s = FieldSink::new(&r, 1, 0);
        s.put("msg".into(), "no time".into(), false);
        assert!(s.finish().is_none());
    }
}

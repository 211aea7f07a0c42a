//! Ruby's `Logger` format and Rails' `production.log`.
//!
//! ```text
//! I, [2016-05-03T14:36:37.421862 #12345]  INFO -- : [8b2c…] Started POST "/checkout" for 1.2.3.4 at 2016-05-03 14:36:37 +0900
//! I, [2016-05-03T14:36:37.423001 #12345]  INFO -- : [8b2c…] Processing by OrdersController#create as HTML
//! I, [2016-05-03T14:36:50.433120 #12345]  INFO -- : [8b2c…] Completed 200 OK in 13012ms (Views: 1.2ms | ActiveRecord: 12990.1ms)
//! ```
//!
//! The `Started` / `Processing by` / `Completed` lines of one request become
//! ONE `request` event (method, path, route, status, duration, client, and
//! `controller#action` in attrs), stitched by the request-id tag when the
//! app logs one (`config.log_tags = [:request_id]`), else by process id in
//! order (the oldest open request of that pid completes first). The other
//! INFO/DEBUG lines of a request are its continuation; warnings and errors
//! stay events of their own, tagged with the request id. Rails' `Started`
//! line names the server's UTC offset (`+0900`): once seen, it is used for
//! the Logger's zone-less stamps. Logs written without the Logger prefix
//! (`ActiveSupport::Logger::SimpleFormatter`) are read too: each request then
//! takes its `Started` time.

use crate::apps::stack;
use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::route;
use crate::split::Line;
use crate::time::{self, MICROS, Resolver, Stamp, Zone};
use chrono::FixedOffset;
use std::borrow::Cow;

/// The parts of a Ruby Logger line.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggerLine<'a> {
    /// Timestamp (naive unless the app configured a zone).
    pub stamp: Stamp,
    /// Process id.
    pub pid: i64,
    /// Severity.
    pub level: Option<Level>,
    /// `progname` (often empty).
    pub progname: &'a str,
    /// The message.
    pub msg: &'a str,
}

/// `I, [2016-05-03T14:36:37.421862 #12345]  INFO -- progname: msg`.
pub fn parse_logger_line(text: &str) -> Option<LoggerLine<'_>> {
    let b = text.as_bytes();
    if !matches!(b.first()?, b'D' | b'I' | b'W' | b'E' | b'F' | b'A' | b'U') {
        return None;
    }
    let rest = text.get(1..)?.strip_prefix(", [")?;
    let (stamp, used) = time::parse_iso(rest)?;
    let rest = rest[used..].strip_prefix(" #")?;
    let end = rest.find(']')?;
    let pid: i64 = rest[..end].trim().parse().ok()?;
    let rest = rest[end + 1..].trim_start_matches(' ');
    let (lvl, rest) = rest.split_once(" -- ")?;
    let (progname, msg) = rest
        .split_once(": ")
        .or_else(|| rest.strip_suffix(':').map(|p| (p, "")))?;
    Some(LoggerLine {
        stamp,
        pid,
        level: Level::parse(lvl.trim()),
        progname,
        msg,
    })
}

/// Leading `[tag]` groups of a tagged-logging message → (request id, rest).
pub fn split_tags(msg: &str) -> (Option<&str>, &str) {
    let mut rest = msg;
    let mut rid = None;
    while let Some(r) = rest.strip_prefix('[') {
        let Some(end) = r.find(']') else { break };
        let tag = &r[..end];
        if tag.is_empty() || tag.contains(' ') || tag.len() > 64 {
            break;
        }
        if rid.is_none() && looks_like_request_id(tag) {
            rid = Some(tag);
        }
        rest = r[end + 1..].strip_prefix(' ').unwrap_or(&r[end + 1..]);
    }
    (rid, rest)
}

fn looks_like_request_id(tag: &str) -> bool {
    tag.len() >= 16
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && tag.bytes().any(|b| b.is_ascii_digit())
}

/// `Started POST "/checkout" for 1.2.3.4 at 2016-05-03 14:36:37 +0900`
/// → (method, path, client, stamp).
pub fn parse_started(msg: &str) -> Option<(&str, &str, Option<&str>, Option<Stamp>)> {
    let rest = msg.strip_prefix("Started ")?;
    let (method, rest) = rest.split_once(" \"")?;
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let (path, rest) = rest.split_once('"')?;
    let rest = rest.trim_start();
    let (client, rest) = match rest.strip_prefix("for ") {
        Some(r) => match r.split_once(' ') {
            Some((c, r)) => (Some(c), r),
            None => (Some(r), ""),
        },
        None => (None, rest),
    };
    let stamp = rest
        .strip_prefix("at ")
        .and_then(|t| time::parse_iso(t.trim()))
        .map(|(s, _)| s);
    Some((method, path, client, stamp))
}

/// A `Completed` line: status, duration in ms, and the breakdown (`Views`, `ActiveRecord`, ...).
pub type Completed<'a> = (u16, Option<f64>, Vec<(&'a str, &'a str)>);

/// `Completed 200 OK in 13012ms (Views: 1.2ms | ActiveRecord: 3.4ms | Allocations: 10)`
/// → (status, duration ms, breakdown).
pub fn parse_completed(msg: &str) -> Option<Completed<'_>> {
    let rest = msg.strip_prefix("Completed ")?;
    let (status, rest) = rest.split_once(' ')?;
    let status: u16 = status.parse().ok()?;
    let dur = rest.find(" in ").and_then(|i| {
        let t = &rest[i + 4..];
        let end = t.find("ms").unwrap_or(t.len());
        t[..end].trim().parse::<f64>().ok()
    });
    let mut parts = Vec::new();
    if let (Some(o), Some(c)) = (rest.find('('), rest.rfind(')')) {
        if o < c {
            for p in rest[o + 1..c].split('|') {
                if let Some((k, v)) = p.split_once(':') {
                    parts.push((k.trim(), v.trim()));
                }
            }
        }
    }
    Some((status, dur, parts))
}

/// `Processing by OrdersController#create as HTML` → `OrdersController#create`.
pub fn parse_processing(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("Processing by ")?;
    let end = rest.find(" as ").unwrap_or(rest.len());
    let ca = &rest[..end];
    ca.contains('#').then_some(ca)
}

/// Business ids named in a Rails `Parameters: {...}` hash (`"order_id"=>"88213"`).
pub fn params_ids(msg: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(body) = msg.trim_start().strip_prefix("Parameters: ") else {
        return out;
    };
    let mut rest = body;
    while let Some(i) = rest.find("\"=>") {
        let key_start = rest[..i].rfind('"').map(|j| j + 1).unwrap_or(0);
        let key = &rest[key_start..i];
        let after = &rest[i + 3..];
        let val = if let Some(v) = after.strip_prefix('"') {
            v.split('"').next().unwrap_or("")
        } else {
            after.split([',', '}', ' ']).next().unwrap_or("")
        };
        let k = key.to_ascii_lowercase();
        if (k == "id" || k.ends_with("_id")) && !val.is_empty() && val.len() <= 64 {
            out.push((key.to_string(), val.to_string()));
        }
        rest = after;
        if out.len() >= 16 {
            break;
        }
    }
    out
}

/// `ActiveRecord::RecordNotFound (Couldn't find User with 'id'=1):` → the class.
fn rails_exception(body: &str) -> Option<&str> {
    let t = body.trim();
    let (class, rest) = t.split_once(' ')?;
    let ok = rest.starts_with('(')
        && class
            .as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_uppercase())
        && class
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_')
        && (class.contains("::") || class.ends_with("Error") || class.ends_with("Exception"));
    ok.then_some(class)
}

/// An open request.
struct Req {
    rid: Option<String>,
    pid: i64,
    event: Event<'static>,
    processing: bool,
}

/// Most requests a process may have open before the oldest is given up.
const MAX_OPEN: usize = 512;

struct RailsParser {
    resolver: Resolver,
    learned: Option<FixedOffset>,
    open: Vec<Req>,
    /// Index into `open` of the request that last got a line, per pid.
    last_touched: Option<(i64, Option<String>)>,
    /// The last record emitted or held that continuation lines attach to.
    last_record: Option<Event<'static>>,
}

/// Reason for lines before any record.
pub const REASON_NO_PREFIX: &str = "no Logger prefix or timestamp (before the first record)";

impl RailsParser {
    fn resolve(&self, stamp: Stamp) -> Option<i64> {
        match (stamp, self.learned) {
            (Stamp::Naive(n), Some(off)) => Some(Zone::Fixed(off).resolve(n)),
            _ => self.resolver.resolve(stamp),
        }
    }

    fn learn_offset(&mut self, logger: Stamp, started: Stamp) {
        if let (Stamp::Naive(n), Stamp::Utc(u)) = (logger, started) {
            let secs = (n.and_utc().timestamp_micros() - u) / MICROS;
            // Round to the quarter hour: the two stamps differ by sub-second noise.
            let q = ((secs as f64) / 900.0).round() as i32 * 900;
            if q.abs() <= 14 * 3600 {
                self.learned = FixedOffset::east_opt(q);
            }
        }
    }

    fn flush_last(&mut self, out: &mut dyn EventSink) {
        if let Some(e) = self.last_record.take() {
            out.push(e);
        }
    }

    fn find(&self, rid: Option<&str>, pid: i64, want_processing: Option<bool>) -> Option<usize> {
        if let Some(r) = rid {
            return self.open.iter().position(|q| q.rid.as_deref() == Some(r));
        }
        self.open.iter().position(|q| {
            q.rid.is_none() && q.pid == pid && want_processing.is_none_or(|w| q.processing == w)
        })
    }

    fn touched(&self) -> Option<usize> {
        let (pid, rid) = self.last_touched.as_ref()?;
        match rid {
            Some(r) => self
                .open
                .iter()
                .position(|q| q.rid.as_deref() == Some(r.as_str())),
            None => self
                .open
                .iter()
                .rposition(|q| q.pid == *pid && q.processing),
        }
    }

    fn give_up(&mut self, i: usize, out: &mut dyn EventSink) {
        let mut q = self.open.remove(i);
        q.event.kind = Kind::Log;
        q.event.attrs.push((
            Cow::Borrowed("incomplete"),
            Cow::Borrowed("no Completed line"),
        ));
        out.push(q.event);
    }

    /// One message of a Logger line (or of a bare line with `ts` known).
    #[allow(clippy::too_many_arguments)]
    fn message(
        &mut self,
        line: &Line<'_>,
        ts: i64,
        pid: Option<i64>,
        level: Option<Level>,
        progname: &str,
        msg: &str,
        out: &mut dyn EventSink,
    ) -> Disposition {
        let (rid, body) = split_tags(msg);
        let pid_key = pid.unwrap_or(0);
        if let Some((method, path, client, _)) = parse_started(body) {
            let mut e = Event::new(Kind::Request, ts, line.number, line.offset);
            e.level = level;
            e.pid = pid;
            e.method = Some(Cow::Owned(method.to_string()));
            e.path = Some(Cow::Owned(
                path.split('?').next().unwrap_or(path).to_string(),
            ));
            e.route = Some(Cow::Owned(route::normalize(path).into_owned()));
            e.client = client.map(|c| Cow::Owned(c.to_string()));
            e.request_id = rid.map(|r| Cow::Owned(r.to_string()));
            e.message = Cow::Owned(body.to_string());
            if !progname.is_empty() {
                e.app = Some(Cow::Owned(progname.to_string()));
            }
            if self.open.len() >= MAX_OPEN {
                self.give_up(0, out);
            }
            self.open.push(Req {
                rid: rid.map(str::to_string),
                pid: pid_key,
                event: e,
                processing: false,
            });
            self.last_touched = Some((pid_key, rid.map(str::to_string)));
            return Disposition::Parsed;
        }
        if let Some(ca) = parse_processing(body) {
            if let Some(i) = self
                .find(rid, pid_key, Some(false))
                .or_else(|| self.find(rid, pid_key, None))
            {
                let q = &mut self.open[i];
                q.processing = true;
                q.event.attrs.push((
                    Cow::Borrowed("controller_action"),
                    Cow::Owned(ca.to_string()),
                ));
                q.event.append_line(body);
                q.event.line_count += 1;
                self.last_touched = Some((pid_key, q.rid.clone()));
                return Disposition::Continuation;
            }
        }
        if let Some((status, dur, parts)) = parse_completed(body) {
            if let Some(i) = self
                .find(rid, pid_key, Some(true))
                .or_else(|| self.find(rid, pid_key, None))
            {
                let mut q = self.open.remove(i);
                q.event.status = Some(status);
                q.event.duration_ms = dur;
                for (k, v) in parts {
                    let key = match k {
                        "Views" => "views_ms",
                        "ActiveRecord" => "db_ms",
                        "Allocations" => "allocations",
                        _ => continue,
                    };
                    q.event.attrs.push((
                        Cow::Borrowed(key),
                        Cow::Owned(v.trim_end_matches("ms").to_string()),
                    ));
                }
                q.event.append_line(body);
                q.event.line_count += 1;
                if status >= 500 {
                    q.event.level = Some(Level::Error);
                }
                out.push(q.event);
                return Disposition::Continuation;
            }
        }
        let quiet = matches!(
            level,
            None | Some(Level::Trace | Level::Debug | Level::Info)
        );
        // The frames of an error logged line by line belong to the open record.
        if !quiet {
            if let Some(last) = self.last_record.as_mut() {
                let t = body.trim();
                let same = last.request_id.as_deref() == rid && last.pid == pid;
                if same && (t.is_empty() || stack::ruby_frame(t)) {
                    last.append_line(body);
                    last.line_count += 1;
                    return Disposition::Continuation;
                }
            }
        }
        let req = match rid {
            Some(r) => self.open.iter().position(|q| q.rid.as_deref() == Some(r)),
            None => self.touched(),
        };
        if quiet {
            if let Some(i) = req {
                let q = &mut self.open[i];
                for (k, v) in params_ids(body) {
                    q.event.ids.push((Cow::Owned(k), Cow::Owned(v)));
                }
                q.event.append_line(body);
                q.event.line_count += 1;
                return Disposition::Continuation;
            }
        }
        self.flush_last(out);
        let mut e = Event::new(Kind::Log, ts, line.number, line.offset);
        e.level = level;
        e.pid = pid;
        e.request_id = rid.map(|r| Cow::Owned(r.to_string()));
        if !progname.is_empty() {
            e.app = Some(Cow::Owned(progname.to_string()));
        }
        // Tags other than a request id (`[TrashPurgeJob]`) say who wrote the
        // line: keep them in the message.
        e.message = Cow::Owned(if rid.is_none() { msg } else { body }.to_string());
        // `ActiveRecord::RecordNotFound (Couldn't find User):` names the exception.
        if let Some(class) = rails_exception(body) {
            e.attrs
                .push((Cow::Borrowed("exception"), Cow::Owned(class.to_string())));
        }
        if matches!(level, Some(l) if l >= Level::Warn) {
            e.code = crate::codes::extract_code(body).map(Cow::Owned);
        }
        stack::settle_kind(&mut e);
        self.last_record = Some(e);
        Disposition::Parsed
    }
}

/// `# Logfile created on 2016-05-03 09:34:37 +0200 by logger.rb/56815` → the UTC offset it names.
pub fn logfile_header_offset(text: &str) -> Option<Option<FixedOffset>> {
    let rest = text.strip_prefix("# Logfile created on ")?;
    let off = rest
        .split(' ')
        .nth(2)
        .and_then(|z| z.parse::<Zone>().ok())
        .and_then(|z| match z {
            Zone::Fixed(f) => Some(f),
            Zone::Iana(_) => None,
        });
    Some(off)
}

impl LineParser for RailsParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if let Some(off) = logfile_header_offset(line.text) {
            // Ruby's Logger writes the process's local offset in its header.
            if off.is_some() {
                self.learned = off;
            }
            return Disposition::Parsed;
        }
        if let Some(l) = parse_logger_line(line.text) {
            let (_, body) = split_tags(l.msg);
            if let Some((_, _, _, Some(started))) = parse_started(body) {
                self.learn_offset(l.stamp, started);
            }
            let Some(ts) = self.resolve(l.stamp) else {
                return Disposition::Skipped(super::REASON_BAD_TIME);
            };
            return self.message(line, ts, Some(l.pid), l.level, l.progname, l.msg, out);
        }
        // Without the Logger prefix: a bare Rails line (SimpleFormatter).
        let (_, body) = split_tags(line.text);
        if let Some((_, _, _, Some(stamp))) = parse_started(body) {
            if let Some(ts) = self.resolver.resolve(stamp) {
                return self.message(line, ts, None, None, "", line.text, out);
            }
        }
        let bare_open = self
            .open
            .iter()
            .any(|q| q.pid == 0 && q.event.pid.is_none());
        if bare_open && !line.text.trim().is_empty() {
            let ts = self.open.last().map(|q| q.event.ts).unwrap_or(0);
            return self.message(line, ts, None, None, "", line.text, out);
        }
        // A raw backtrace or wrapped text: attach to the last record.
        if let Some(last) = self.last_record.as_mut() {
            stack::enrich(last, line.text);
            last.append_line(line.text);
            last.line_count += 1;
            return Disposition::Continuation;
        }
        if let Some(i) = self.touched().or(if self.open.is_empty() {
            None
        } else {
            Some(self.open.len() - 1)
        }) {
            let q = &mut self.open[i];
            q.event.append_line(line.text);
            q.event.line_count += 1;
            return Disposition::Continuation;
        }
        Disposition::Skipped(REASON_NO_PREFIX)
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.flush_last(out);
        while !self.open.is_empty() {
            self.give_up(0, out);
        }
        Settlement::default()
    }
}

fn rails_marker(l: &str) -> bool {
    let body = match parse_logger_line(l) {
        Some(p) => split_tags(p.msg).1,
        None => split_tags(l).1,
    };
    parse_started(body).is_some()
        || parse_processing(body).is_some()
        || parse_completed(body).is_some()
}

/// Rails `production.log` (Logger-prefixed or bare), with request stitching.
pub struct Rails;

impl Format for Rails {
    fn name(&self) -> &str {
        "rails"
    }
    fn description(&self) -> &str {
        "Rails production.log (Ruby Logger prefix or bare): Started/Processing/Completed stitched into one request event"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        if !sample.lines.iter().any(|l| rails_marker(l)) {
            return 0.0;
        }
        let f = sample.fraction(
            |l| {
                l.trim().is_empty()
                    || l.starts_with("# Logfile created")
                    || stack::looks_like_continuation(l)
            },
            |l| parse_logger_line(l).is_some() || rails_marker(l),
        );
        let bare = sample.fraction(|l| l.trim().is_empty(), |l| parse_logger_line(l).is_none());
        // Bare Rails logs: most lines have no timestamp; the markers decide.
        if bare > 0.9 {
            let m = sample.fraction(|l| l.trim().is_empty(), rails_marker);
            return if m >= 0.1 { (0.5 + m).min(0.9) } else { 0.0 };
        }
        0.94 * f
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(RailsParser {
            resolver: ctx.resolver,
            learned: None,
            open: Vec::new(),
            last_touched: None,
            last_record: None,
        })
    }
}

/// Ruby's standard `Logger` format (`I, [ts #pid]  INFO -- progname: msg`).
pub struct RubyLogger;

impl Format for RubyLogger {
    fn name(&self) -> &str {
        "ruby-logger"
    }
    fn description(&self) -> &str {
        "Ruby Logger lines: I, [2016-05-03T14:36:37.421862 #12345]  INFO -- progname: message"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.9 * sample.fraction(
            |l| {
                l.trim().is_empty()
                    || l.starts_with("# Logfile created")
                    || stack::looks_like_continuation(l)
            },
            |l| parse_logger_line(l).is_some(),
        )
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Rails.parser(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ParseTester;
    use crate::time::format_utc;

    #[test]
    fn logger_line() {
        let l = parse_logger_line(
            "I, [2016-05-03T14:36:37.421862 #12345]  INFO -- : Started GET \"/\" for 127.0.0.1 at 2016-05-03 14:36:37 +0200",
        )
        .unwrap();
        assert_eq!(l.pid, 12345);
        assert_eq!(l.level, Some(Level::Info));
        assert_eq!(l.progname, "");
        assert!(l.msg.starts_with("Started GET"));
        assert!(parse_logger_line("2017-06-06T20:55:55.724Z 207 TID-5aro4 INFO: x").is_none());
    }

    #[test]
    fn stitches_by_request_id() {
        let text = "I, [2023-06-01T14:50:00.000000 #7]  INFO -- : [0f6e5b5c-6a0d-4c3e-9a55-8b1c2a3d4e5f] Started POST \"/checkout\" for 1.2.3.4 at 2023-06-01 14:50:00 +0900\n\
I, [2023-06-01T14:50:00.100000 #7]  INFO -- : [11111111-2222-3333-4444-555555555555] Started GET \"/items/12\" for 5.6.7.8 at 2023-06-01 14:50:00 +0900\n\
I, [2023-06-01T14:50:00.200000 #7]  INFO -- : [0f6e5b5c-6a0d-4c3e-9a55-8b1c2a3d4e5f] Processing by OrdersController#create as HTML\n\
I, [2023-06-01T14:50:00.210000 #7]  INFO -- : [0f6e5b5c-6a0d-4c3e-9a55-8b1c2a3d4e5f]   Parameters: {\"order\"=>{\"item_id\"=>\"88213\", \"qty\"=>\"1\"}, \"user_id\"=>\"42\"}\n\
W, [2023-06-01T14:50:05.000000 #7]  WARN -- : [0f6e5b5c-6a0d-4c3e-9a55-8b1c2a3d4e5f] lock wait on items 88213\n\
I, [2023-06-01T14:50:00.300000 #7]  INFO -- : [11111111-2222-3333-4444-555555555555] Processing by ItemsController#show as JSON\n\
I, [2023-06-01T14:50:00.400000 #7]  INFO -- : [11111111-2222-3333-4444-555555555555] Completed 200 OK in 300ms (Views: 1.0ms | ActiveRecord: 2.0ms)\n\
I, [2023-06-01T14:50:13.012000 #7]  INFO -- : [0f6e5b5c-6a0d-4c3e-9a55-8b1c2a3d4e5f] Completed 200 OK in 13012ms (Views: 1.2ms | ActiveRecord: 12990.1ms)\n";
        let t = ParseTester::new(&Rails, "UTC");
        let (ev, acct) = t.check(text.as_bytes()).unwrap();
        assert_eq!(
            (acct.lines, acct.parsed, acct.continuation, acct.skipped),
            (8, 3, 5, 0)
        );
        assert_eq!(ev.len(), 3);
        let reqs: Vec<_> = ev.iter().filter(|e| e.kind == Kind::Request).collect();
        assert_eq!(reqs.len(), 2);
        let items = reqs[0];
        assert_eq!(items.path.as_deref(), Some("/items/12"));
        assert_eq!(items.route.as_deref(), Some("/items/:id"));
        assert_eq!(items.duration_ms, Some(300.0));
        let co = reqs[1];
        assert_eq!(co.method.as_deref(), Some("POST"));
        assert_eq!(co.path.as_deref(), Some("/checkout"));
        assert_eq!(co.status, Some(200));
        assert_eq!(co.duration_ms, Some(13012.0));
        assert_eq!(co.client.as_deref(), Some("1.2.3.4"));
        assert_eq!(
            co.attr("controller_action"),
            Some("OrdersController#create")
        );
        assert_eq!(co.attr("db_ms"), Some("12990.1"));
        assert_eq!(co.line_count, 4);
        assert_eq!(
            co.request_id.as_deref(),
            Some("0f6e5b5c-6a0d-4c3e-9a55-8b1c2a3d4e5f")
        );
        assert!(co.ids.iter().any(|(k, v)| k == "user_id" && v == "42"));
        assert!(co.ids.iter().any(|(k, v)| k == "item_id" && v == "88213"));
        // The Started line's +0900 sets the zone of the Logger's naive stamps.
        assert_eq!(format_utc(co.ts), "2023-06-01T05:50:00.000Z");
        let warn = ev.iter().find(|e| e.kind == Kind::Log).unwrap();
        assert_eq!(warn.level, Some(Level::Warn));
        assert_eq!(
            warn.request_id.as_deref(),
            Some("0f6e5b5c-6a0d-4c3e-9a55-8b1c2a3d4e5f")
        );
    }

    #[test]
    fn stitches_by_pid_and_order_and_keeps_errors() {
        let text = "# Logfile created on 2016-05-03 09:34:37 +0200 by logger.rb/56815\n\
I, [2016-05-03T09:34:37.002679 #6750]  INFO -- : Started GET \"/\" for 127.0.0.1 at 2016-05-03 09:34:37 +0200\n\
I, [2016-05-03T09:34:37.003005 #6750]  INFO -- : Started GET \"/a\" for 127.0.0.1 at 2016-05-03 09:34:37 +0200\n\
I, [2016-05-03T09:34:37.004610 #6750]  INFO -- : Processing by ApplicationController#forty_two as */*\n\
I, [2016-05-03T09:34:37.005241 #6750]  INFO -- : Processing by ApplicationController#a as */*\n\
I, [2016-05-03T09:34:37.006295 #6750]  INFO -- :   Rendered text template (0.0ms)\n\
I, [2016-05-03T09:34:37.008331 #6750]  INFO -- : Completed 200 OK in 3ms (Views: 2.3ms)\n\
I, [2016-05-03T09:34:37.009233 #6750]  INFO -- : Completed 500 Internal Server Error in 4ms\n\
F, [2016-05-03T09:34:37.009300 #6750] FATAL -- : \n\
F, [2016-05-03T09:34:37.009301 #6750] FATAL -- : ActiveRecord::RecordNotFound (Couldn't find User with 'id'=1):\n\
F, [2016-05-03T09:34:37.009302 #6750] FATAL -- : app/controllers/users_controller.rb:5:in `show'\n\
I, [2016-05-03T09:34:38.000000 #6750]  INFO -- : Started GET \"/never\" for 127.0.0.1 at 2016-05-03 09:34:38 +0200\n";
        let t = ParseTester::new(&Rails, "UTC");
        let (ev, acct) = t.check(text.as_bytes()).unwrap();
        assert_eq!(acct.skipped, 0);
        assert_eq!(acct.lines, acct.parsed + acct.continuation);
        let reqs: Vec<_> = ev.iter().filter(|e| e.kind == Kind::Request).collect();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].path.as_deref(), Some("/"));
        assert_eq!(reqs[0].duration_ms, Some(3.0));
        assert_eq!(
            reqs[0].attr("controller_action"),
            Some("ApplicationController#forty_two")
        );
        assert_eq!(reqs[1].path.as_deref(), Some("/a"));
        assert_eq!(reqs[1].status, Some(500));
        assert_eq!(format_utc(reqs[0].ts), "2016-05-03T07:34:37.002Z");
        let err: Vec<_> = ev.iter().filter(|e| e.kind == Kind::Error).collect();
        assert_eq!(err.len(), 2);
        assert_eq!(
            err[1].attr("exception"),
            Some("ActiveRecord::RecordNotFound")
        );
        assert_eq!(err[1].line_count, 2);
        let incomplete = ev.iter().find(|e| e.attr("incomplete").is_some()).unwrap();
        assert_eq!(incomplete.path.as_deref(), Some("/never"));
        assert_eq!(incomplete.kind, Kind::Log);
    }

    #[test]
    fn bare_rails_lines() {
        let text = "Started GET \"/orders/5\" for ::1 at 2023-06-01 14:50:00 +0900\n\
Processing by OrdersController#show as HTML\n\
  Order Load (0.3ms)  SELECT \"orders\".* FROM \"orders\" WHERE \"orders\".\"id\" = $1\n\
Completed 200 OK in 25ms (Views: 10.0ms | ActiveRecord: 0.3ms)\n";
        let t = ParseTester::new(&Rails, "UTC");
        let (ev, acct) = t.check(text.as_bytes()).unwrap();
        assert_eq!((acct.parsed, acct.continuation), (1, 3));
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].kind, Kind::Request);
        assert_eq!(ev[0].route.as_deref(), Some("/orders/:id"));
        assert_eq!(format_utc(ev[0].ts), "2023-06-01T05:50:00.000Z");
    }
}

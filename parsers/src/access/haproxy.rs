//! HAProxy HTTP logs (`option httplog`), behind a syslog header or raw
//! (`log stdout format raw`).
//!
//! The layout is the HAProxy configuration manual's "HTTP log format"
//! (section 8.2.3), whose example line is:
//!
//! ```text
//! Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in \
//!     static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"
//! ```
//!
//! Fields: `client_ip:port [accept_date] frontend[~] backend/server
//! Tq/Tw/Tc/Tr/Tt status bytes req_cookie res_cookie termination_state
//! actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue
//! [{captured request headers}] [{captured response headers}] "request"`.
//! HAProxy ≥ 1.9 writes `TR/Tw/Tc/Tr/Ta` in the same place; the fifth timer
//! (`Tt` or `Ta`, possibly `+`-prefixed with `option logasap`) is the
//! duration. The event time is the accept date (millisecond precision);
//! backend, server, the timers and the termination state go to `attrs`.
//! Lines from HAProxy that are no request (`Proxy http-in started.`, server
//! state changes) are `log` events.

use super::{
    REASON_BAD_TIME, REASON_NOT_ACCESS, attr, present, request_event, set_request_line, status,
    uint,
};
use crate::event::{Event, EventSink, Kind, SparePairs};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::syslog::{JobTracker, parse_header};
use crate::time::{self, LastClfTime, Resolver};
use memchr::memchr;
use std::borrow::Cow;

/// Reason for HAProxy's own messages written without a syslog header
/// (`log stdout format raw`, stderr `[WARNING]` lines): they carry no time.
pub const REASON_NO_TS_MESSAGE: &str = "HAProxy message without timestamp";

fn tok(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches(' ');
    if s.is_empty() {
        return None;
    }
    Some(match memchr(b' ', s.as_bytes()) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    })
}

/// Parse the HTTP log body (after any syslog header) into a request event.
pub fn parse_body<'a>(
    body: &'a str,
    resolver: &Resolver,
    line: &Line<'_>,
) -> Result<Event<'a>, &'static str> {
    parse_body_with(
        body,
        resolver,
        line,
        &mut LastClfTime::default(),
        &mut SparePairs::default(),
    )
}

/// [`parse_body`], reusing the time of the line before when it is the same.
fn parse_body_with<'a>(
    body: &'a str,
    resolver: &Resolver,
    line: &Line<'_>,
    last: &mut LastClfTime,
    spare: &mut SparePairs,
) -> Result<Event<'a>, &'static str> {
    let (client, rest) = tok(body).ok_or(REASON_NOT_ACCESS)?;
    let colon = memchr::memrchr(b':', client.as_bytes()).ok_or(REASON_NOT_ACCESS)?;
    uint(&client[colon + 1..]).ok_or(REASON_NOT_ACCESS)?;
    let ip = &client[..colon];
    let rest = rest.strip_prefix('[').ok_or(REASON_NOT_ACCESS)?;
    let (stamp, used) = last.read(rest, resolver).ok_or(REASON_NOT_ACCESS)?;
    let rest = rest[used..].strip_prefix("] ").ok_or(REASON_NOT_ACCESS)?;
    let (frontend, rest) = tok(rest).ok_or(REASON_NOT_ACCESS)?;
    let (be_srv, rest) = tok(rest).ok_or(REASON_NOT_ACCESS)?;
    let (timers, rest) = tok(rest).ok_or(REASON_NOT_ACCESS)?;
    let (st, rest) = tok(rest).ok_or(REASON_NOT_ACCESS)?;
    let status = status(st).ok_or(REASON_NOT_ACCESS)?;
    let (bytes, rest) = tok(rest).ok_or(REASON_NOT_ACCESS)?;
    let bytes = uint(bytes.trim_start_matches('+'));
    let mut t = [None::<i64>; 5];
    let mut n = 0;
    for part in timers.split('/') {
        if n == 5 {
            return Err(REASON_NOT_ACCESS);
        }
        t[n] = part.trim_start_matches('+').parse::<i64>().ok();
        n += 1;
    }
    if n != 5 {
        return Err(REASON_NOT_ACCESS);
    }
    let ts = resolver.resolve(stamp).ok_or(REASON_BAD_TIME)?;
    let mut e = request_event(ts, line);
    e.attrs = spare.take();
    e.status = Some(status);
    e.bytes = bytes;
    e.client = present(ip).map(Cow::Borrowed);
    e.duration_ms = t[4].filter(|v| *v >= 0).map(|v| v as f64);
    attr(&mut e, "frontend", frontend.trim_end_matches('~'));
    match memchr(b'/', be_srv.as_bytes()) {
        Some(i) => {
            attr(&mut e, "backend", &be_srv[..i]);
            attr(&mut e, "server", &be_srv[i + 1..]);
        }
        None => attr(&mut e, "backend", be_srv),
    }
    attr(&mut e, "timers", timers);
    // The request line is the last quoted field (maybe truncated: no closing quote).
    if let Some(q) = memchr(b'"', rest.as_bytes()) {
        let req = &rest[q + 1..];
        let req = req.strip_suffix('"').unwrap_or(req);
        e.message = Cow::Borrowed(req);
        set_request_line(&mut e, req);
        let mid = rest[..q].trim_end();
        // cookies, termination state, counters, queues: the state is the third token.
        if let Some(state) = mid.split(' ').nth(2) {
            if state.len() == 4 && state != "----" {
                attr(&mut e, "termination", state);
            }
        }
    }
    Ok(e)
}

fn is_haproxy_line(l: &str) -> bool {
    let r = Resolver::new(time::Zone::utc());
    let line = Line {
        text: l,
        number: 1,
        offset: 0,
        overlong: None,
    };
    let body = match parse_header(l) {
        Some(h) => h.msg,
        None => l,
    };
    parse_body(body, &r, &line).is_ok()
}

/// HAProxy HTTP logs.
pub struct Haproxy;

impl Format for Haproxy {
    fn name(&self) -> &str {
        "haproxy-http"
    }
    fn description(&self) -> &str {
        "HAProxy HTTP log format (option httplog), with or without a syslog header: timers Tq/Tw/Tc/Tr/Tt (or TR/../Ta), backend/server"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        // `ip:port [dd/Mon/yyyy:hh:mm:ss.mmm] fe be/srv a/b/c/d/e status`
        // is unmistakable; HAProxy's own non-request lines lower the fraction
        // only a little.
        let requests = sample.fraction(|l| l.trim().is_empty(), is_haproxy_line);
        if requests < 0.1 {
            return 0.0;
        }
        // HAProxy's own syslog lines (startup, server state) belong to the file too.
        0.95 * sample.fraction(
            |l| l.trim().is_empty(),
            |l| is_haproxy_line(l) || parse_header(l).is_some_and(|h| h.app == Some("haproxy")),
        )
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(HaproxyParser {
            resolver: ctx.resolver,
            jobs: JobTracker::default(),
            last: LastClfTime::default(),
            spare: SparePairs::default(),
        })
    }
}

struct HaproxyParser {
    resolver: Resolver,
    jobs: JobTracker,
    last: LastClfTime,
    /// The `attrs` allocation of the last line's event.
    spare: SparePairs,
}

impl LineParser for HaproxyParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let text = line.text;
        if text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        let header = parse_header(text);
        let body = header.as_ref().map_or(text, |h| h.msg);
        let parsed = parse_body_with(body, &self.resolver, line, &mut self.last, &mut self.spare);
        match parsed {
            Ok(mut e) => {
                if let Some(h) = &header {
                    e.host = h.host.map(Cow::Borrowed);
                    e.app = h.app.map(Cow::Borrowed);
                    e.pid = h.pid;
                }
                self.spare.hand_over(&mut e, out);
                Disposition::Parsed
            }
            Err(reason) => match header {
                // HAProxy's own messages (startup, server state): plain log events.
                Some(h) => match self.resolver.resolve(h.stamp) {
                    Some(ts) => {
                        let mut e = Event::new(Kind::Log, ts, line.number, line.offset);
                        e.level = h.level();
                        e.host = h.host.map(Cow::Borrowed);
                        e.app = h.app.map(Cow::Borrowed);
                        e.pid = h.pid;
                        e.message = Cow::Borrowed(h.msg);
                        self.jobs.classify(&mut e, h.app, h.msg, None);
                        out.push(e);
                        Disposition::Parsed
                    }
                    None => Disposition::Skipped(REASON_BAD_TIME),
                },
                None if !text.starts_with(|c: char| c.is_ascii_digit()) => {
                    Disposition::Skipped(REASON_NO_TS_MESSAGE)
                }
                None => Disposition::Skipped(reason),
            },
        }
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_str;
    use crate::time::{Zone, format_utc};

    #[test]
    fn manual_example() {
        let text = "Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} \"GET /index.html HTTP/1.1\"\n\
                    Feb  6 12:14:10 localhost haproxy[14389]: Proxy http-in started.\n\
                    10.0.1.2:33318 [06/Feb/2009:12:14:15.001] http-in~ dyn/srv2 0/0/1/-1/5003 504 194 - - sH-- 3/3/1/1/0 0/0 \"POST /api/orders/88213 HTTP/1.1\"\n\
                    garbage\n";
        let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "t");
        let mut p = Haproxy.parser(&ctx);
        let mut ev: Vec<Event<'static>> = Vec::new();
        let acct = parse_str(text, p.as_mut(), &mut ev);
        assert_eq!((acct.lines, acct.parsed, acct.skipped), (4, 3, 1));
        let e = &ev[0];
        assert_eq!(e.kind, Kind::Request);
        assert_eq!(format_utc(e.ts), "2009-02-06T12:14:14.655Z");
        assert_eq!(e.client.as_deref(), Some("10.0.1.2"));
        assert_eq!(e.duration_ms, Some(109.0));
        assert_eq!(e.status, Some(200));
        assert_eq!(e.bytes, Some(2750));
        assert_eq!(e.attr("backend"), Some("static"));
        assert_eq!(e.attr("server"), Some("srv1"));
        assert_eq!(e.attr("timers"), Some("10/0/30/69/109"));
        assert_eq!(e.path.as_deref(), Some("/index.html"));
        assert_eq!(e.host.as_deref(), Some("localhost"));
        assert_eq!(e.pid, Some(14389));
        assert_eq!(ev[1].kind, Kind::Log);
        assert_eq!(ev[1].message, "Proxy http-in started.");
        let e = &ev[2];
        assert_eq!(e.route.as_deref(), Some("/api/orders/:id"));
        assert_eq!(e.status, Some(504));
        assert_eq!(e.duration_ms, Some(5003.0));
        assert_eq!(e.attr("termination"), Some("sH--"));
        assert_eq!(e.attr("frontend"), Some("http-in"));
    }
}

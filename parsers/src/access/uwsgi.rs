//! uWSGI request logs (the default `log-format`):
//!
//! ```text
//! [pid: 88185|app: 0|req: 1/1] 127.0.0.1 () {38 vars in 696 bytes} [Sun Mar 13 22:49:12 2016] POST /update_metrics => generated 47 bytes in 129 msecs (HTTP/1.1 200) 9 headers in 378 bytes (1 switches on core 3)
//! ```
//!
//! The time is local (`ctime` form, no zone); the duration is in `msecs` or
//! `micros`. uWSGI's other output (startup banners, worker spawns) carries
//! no timestamp and is skipped with its own reason.

use super::{REASON_BAD_TIME, REASON_NOT_ACCESS, request_event, set_target, status, uint};
use crate::event::{Event, EventSink, SparePairs};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver};
use memchr::memmem;
use std::borrow::Cow;

/// Reason for uWSGI's own messages.
pub const REASON_NO_REQUEST: &str = "uWSGI message without timestamp";

/// Parse one uWSGI request line.
pub fn parse_line<'a>(
    text: &'a str,
    resolver: &Resolver,
    line: &Line<'_>,
) -> Result<Event<'a>, &'static str> {
    parse_line_with(text, resolver, line, &mut SparePairs::default())
}

/// [`parse_line`], the event's `attrs` list taken from `spare`.
fn parse_line_with<'a>(
    text: &'a str,
    resolver: &Resolver,
    line: &Line<'_>,
    spare: &mut SparePairs,
) -> Result<Event<'a>, &'static str> {
    let rest = text.strip_prefix("[pid: ").ok_or(REASON_NOT_ACCESS)?;
    let bar = memchr::memchr(b'|', rest.as_bytes()).ok_or(REASON_NOT_ACCESS)?;
    let pid: i64 = rest[..bar].parse().map_err(|_| REASON_NOT_ACCESS)?;
    let close = memchr::memchr(b']', rest.as_bytes()).ok_or(REASON_NOT_ACCESS)?;
    let meta = &rest[bar + 1..close];
    let rest = rest[close + 1..].trim_start();
    let sp = memchr::memchr(b' ', rest.as_bytes()).ok_or(REASON_NOT_ACCESS)?;
    let addr = &rest[..sp];
    let rest = &rest[sp + 1..];
    // `(user)`
    let rest = rest.strip_prefix('(').ok_or(REASON_NOT_ACCESS)?;
    let cp = memchr::memchr(b')', rest.as_bytes()).ok_or(REASON_NOT_ACCESS)?;
    let user = &rest[..cp];
    let rest = &rest[cp + 1..];
    // `{N vars in N bytes} [ctime] `
    let lb = memchr::memchr(b'[', rest.as_bytes()).ok_or(REASON_NOT_ACCESS)?;
    let after = &rest[lb + 1..];
    let (stamp, used) = time::parse_ctime(after).ok_or(REASON_BAD_TIME)?;
    let rest = after[used..].strip_prefix("] ").ok_or(REASON_NOT_ACCESS)?;
    let arrow = memmem::find(rest.as_bytes(), b" => generated ").ok_or(REASON_NOT_ACCESS)?;
    let request = &rest[..arrow];
    let tail = &rest[arrow + 14..];
    // `47 bytes in 129 msecs (HTTP/1.1 200)`
    let mut words = tail.split(' ');
    let bytes = words.next().and_then(uint);
    let _ = words.next(); // bytes
    let _ = words.next(); // in
    let amount = words.next().and_then(uint);
    let unit = words.next();
    let _proto = words.next();
    let st = words.next().map(|s| s.trim_end_matches(')'));
    let status = st.and_then(status).ok_or(REASON_NOT_ACCESS)?;
    let ts = resolver.resolve(stamp).ok_or(REASON_BAD_TIME)?;
    let mut e = request_event(ts, line);
    e.attrs = spare.take();
    e.pid = Some(pid);
    e.status = Some(status);
    e.bytes = bytes;
    e.duration_ms = match (amount, unit) {
        (Some(n), Some("msecs")) => Some(n as f64),
        (Some(n), Some("micros")) => Some(n as f64 / 1000.0),
        (Some(n), Some("secs")) => Some(n as f64 * 1000.0),
        _ => None,
    };
    e.client = super::present(addr).map(Cow::Borrowed);
    if !user.is_empty() {
        e.user = Some(Cow::Borrowed(user));
    }
    e.message = Cow::Borrowed(request);
    match memchr::memchr(b' ', request.as_bytes()) {
        Some(i) => set_target(&mut e, Some(&request[..i]), &request[i + 1..]),
        None => set_target(&mut e, None, request),
    }
    if let Some(app) = meta.strip_prefix("app: ").and_then(|m| m.split('|').next()) {
        super::attr(&mut e, "uwsgi_app", app);
    }
    Ok(e)
}

/// uWSGI request logs.
pub struct Uwsgi;

impl Format for Uwsgi {
    fn name(&self) -> &str {
        "uwsgi"
    }
    fn description(&self) -> &str {
        "uWSGI request log: [pid: N|app: N|req: N/N] addr () {..} [ctime] METHOD URI => generated N bytes in N msecs (HTTP/1.1 200)"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.95 * sample.fraction(
            |l| l.trim().is_empty(),
            |l| l.starts_with("[pid: ") && l.contains(" => generated "),
        )
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(UwsgiParser {
            resolver: ctx.resolver,
            spare: SparePairs::default(),
        })
    }
}

struct UwsgiParser {
    resolver: Resolver,
    /// The `attrs` allocation of the last line's event.
    spare: SparePairs,
}

impl LineParser for UwsgiParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if line.text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        match parse_line_with(line.text, &self.resolver, line, &mut self.spare) {
            Ok(mut e) => {
                self.spare.hand_over(&mut e, out);
                Disposition::Parsed
            }
            Err(_) if !line.text.starts_with("[pid: ") => Disposition::Skipped(REASON_NO_REQUEST),
            Err(r) => Disposition::Skipped(r),
        }
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Zone, format_utc};

    #[test]
    fn request_line() {
        let text = "[pid: 88185|app: 0|req: 3/3] 127.0.0.1 () {34 vars in 617 bytes} [Sun Mar 13 22:49:15 2016] POST /endpoint2 => generated 215 bytes in 68 micros (HTTP/1.1 200) 9 headers in 373 bytes (1 switches on core 8)";
        let r = Resolver::new(Zone::utc());
        let l = Line {
            text,
            number: 1,
            offset: 0,
            overlong: None,
        };
        let e = parse_line(text, &r, &l).unwrap();
        assert_eq!(format_utc(e.ts), "2016-03-13T22:49:15.000Z");
        assert_eq!(e.pid, Some(88185));
        assert_eq!(e.duration_ms, Some(0.068));
        assert_eq!(e.bytes, Some(215));
        assert_eq!(e.status, Some(200));
        assert_eq!(e.method.as_deref(), Some("POST"));
        assert_eq!(e.path.as_deref(), Some("/endpoint2"));
        assert_eq!(e.attr("uwsgi_app"), Some("0"));
        assert!(parse_line("*** Starting uWSGI 2.0 ***", &r, &l).is_err());
    }
}

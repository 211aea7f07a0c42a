//! OpenStack services' logs (oslo.log's default format), whose WSGI servers
//! log every handled request:
//!
//! ```text
//! 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-... 113d3a99... 54fadb41... - - -] 10.11.10.1 "GET /v2/54fadb41.../servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.2477829
//! 2017-05-16 00:00:04.500 2931 INFO nova.compute.manager [req-3ea4052c-... - - - - -] [instance: b9000564-...] VM Started (Lifecycle Event)
//! ```
//!
//! `timestamp pid LEVEL logger [context] message`; the context's first word
//! is the request id (`req-<uuid>`), the second the user id. A WSGI line
//! (`client "request" status: N len: N time: SECONDS`) is a `request`; the
//! rest are `log` (`error` at ERROR and above). A leading word before the
//! timestamp (the source file name, as in merged or `grep`ped logs) is
//! tolerated. Lines without a stamp (tracebacks) attach to the record
//! before them.

use super::{present, request_event, secs_to_ms, set_request_line, status, uint};
use crate::assemble::Assembler;
use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver, Stamp};
use memchr::{memchr, memmem};
use std::borrow::Cow;

struct Head<'a> {
    stamp: Stamp,
    pid: i64,
    level: Option<Level>,
    logger: &'a str,
    context: Option<&'a str>,
    msg: &'a str,
}

fn split1(s: &str) -> Option<(&str, &str)> {
    let i = memchr(b' ', s.as_bytes())?;
    Some((&s[..i], &s[i + 1..]))
}

fn head(text: &str) -> Option<Head<'_>> {
    let body = if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        text
    } else {
        // `nova-api.log.1.2017-05-16_13:53:08 2017-05-16 ...`
        let (_, rest) = split1(text)?;
        rest
    };
    let (stamp, used) = time::parse_iso(body)?;
    let rest = body.get(used..)?.strip_prefix(' ')?;
    let (pid, rest) = split1(rest)?;
    let pid: i64 = pid.parse().ok()?;
    let (lvl, rest) = split1(rest)?;
    let level = Level::parse(lvl);
    if level.is_none() && lvl != "AUDIT" {
        return None;
    }
    let (logger, rest) = split1(rest)?;
    if !logger.contains('.')
        && !logger
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_')
    {
        return None;
    }
    let (context, msg) = match rest.strip_prefix('[') {
        Some(r) => {
            let close = memchr(b']', r.as_bytes())?;
            (Some(&r[..close]), r[close + 1..].trim_start())
        }
        None => (None, rest),
    };
    Some(Head {
        stamp,
        pid,
        level,
        logger,
        context,
        msg,
    })
}

/// Read a WSGI request message onto `e`; false when `msg` is not one.
fn wsgi<'a>(e: &mut Event<'a>, msg: &'a str) -> bool {
    let Some((client, rest)) = split1(msg) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix('"') else {
        return false;
    };
    let Some(q) = memchr(b'"', rest.as_bytes()) else {
        return false;
    };
    let request = &rest[..q];
    let tail = &rest[q + 1..];
    let Some(i) = memmem::find(tail.as_bytes(), b"status: ") else {
        return false;
    };
    let mut words = tail[i + 8..].split(' ');
    let Some(st) = words.next().and_then(status) else {
        return false;
    };
    e.status = Some(st);
    while let Some(w) = words.next() {
        match w {
            "len:" => e.bytes = words.next().and_then(uint),
            "time:" => e.duration_ms = words.next().and_then(secs_to_ms),
            _ => {}
        }
    }
    e.client = present(client).map(Cow::Borrowed);
    e.message = Cow::Borrowed(request);
    set_request_line(e, request);
    true
}

fn event<'a>(text: &'a str, resolver: &Resolver, line: &Line<'_>) -> Option<Event<'a>> {
    let h = head(text)?;
    let ts = resolver.resolve(h.stamp)?;
    let mut e = request_event(ts, line);
    e.pid = Some(h.pid);
    e.level = h.level;
    e.app = Some(Cow::Borrowed(h.logger));
    if let Some(ctx) = h.context {
        let mut words = ctx.split(' ');
        e.request_id = words.next().and_then(present).map(Cow::Borrowed);
        e.user = words.next().and_then(present).map(Cow::Borrowed);
    }
    if !(h.logger.ends_with("wsgi.server") && wsgi(&mut e, h.msg)) {
        e.kind = match h.level {
            Some(l) if l >= Level::Error => Kind::Error,
            _ => Kind::Log,
        };
        e.message = Cow::Borrowed(h.msg);
        if matches!(h.level, Some(l) if l >= Level::Warn) {
            e.code = crate::codes::extract_code(h.msg).map(Cow::Owned);
        }
    }
    Some(e)
}

/// OpenStack oslo.log files.
pub struct Oslo;

impl Format for Oslo {
    fn name(&self) -> &str {
        "openstack-oslo"
    }
    fn description(&self) -> &str {
        "OpenStack oslo.log (timestamp pid LEVEL logger [req-id user tenant ...] msg); WSGI lines with status/len/time as requests"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.85 * sample.fraction(crate::parser::is_blank_or_indented, |l| head(l).is_some())
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(OsloParser {
            resolver: ctx.resolver,
            asm: Assembler::default(),
        })
    }
}

struct OsloParser {
    resolver: Resolver,
    asm: Assembler,
}

impl LineParser for OsloParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        match event(line.text, &self.resolver, line) {
            Some(e) => self.asm.start(e, out),
            None => self.asm.continue_with(line),
        }
    }
    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.asm.flush(out);
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_str;
    use crate::time::{Zone, format_utc};

    #[test]
    fn wsgi_and_other_lines() {
        let text = "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae 113d3a99c3da401fbd62cc2caa5b96d2 54fadb412c4e40cdbaed9335e4c35a9e - - -] 10.11.10.1 \"GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.2477829\n\
                    2017-05-16 00:00:04.500 2931 ERROR nova.compute.manager [req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab - - - - -] [instance: b9000564] failed\n\
                    Traceback (most recent call last):\n\
                    not a record\n";
        let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "t");
        let mut p = Oslo.parser(&ctx);
        let mut ev: Vec<Event<'static>> = Vec::new();
        let acct = parse_str(text, p.as_mut(), &mut ev);
        assert_eq!((acct.lines, acct.parsed, acct.continuation), (4, 2, 2));
        let e = &ev[0];
        assert_eq!(e.kind, Kind::Request);
        assert_eq!(format_utc(e.ts), "2017-05-16T00:00:00.008Z");
        assert_eq!(e.route.as_deref(), Some("/v2/:id/servers/detail"));
        assert_eq!(e.status, Some(200));
        assert_eq!(e.bytes, Some(1893));
        assert_eq!(e.duration_ms, Some(247.7829));
        assert_eq!(e.client.as_deref(), Some("10.11.10.1"));
        assert_eq!(
            e.request_id.as_deref(),
            Some("req-38101a0b-2096-447d-96ea-a692162415ae")
        );
        assert_eq!(e.pid, Some(25746));
        assert_eq!(ev[1].kind, Kind::Error);
        assert_eq!(ev[1].line_count, 3);
        assert_eq!(ev[1].app.as_deref(), Some("nova.compute.manager"));
    }
}

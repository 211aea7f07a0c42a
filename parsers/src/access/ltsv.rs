//! LTSV (Labeled Tab-separated Values, <http://ltsv.org>): `label:value`
//! fields separated by tabs, as nginx, Apache and h2o write them in Japan.
//!
//! ```text
//! time:[01/Jun/2023:14:50:00 +0900]\thost:10.0.0.5\tforwardedfor:203.0.113.7\treq:GET /x HTTP/1.1\tstatus:200\tsize:512\treqtime:0.125\tapptime:0.120\tua:curl/8
//! ```
//!
//! Labels follow ltsv.org's recommendations (`host` is the *remote* host,
//! `vhost` the server name) plus the usual nginx variable names. Timing:
//! `reqtime`, `request_time`, `taken` (decimal = seconds, integer = ms),
//! `reqtime_microsec` (µs); `apptime` / `upstream_response_time` /
//! `upstream_time` go to the `upstream_ms` attribute and stand in for the
//! duration when there is no request time. A line without a status is kept
//! as a `log` event with its `message`/`msg` label.

use super::{
    attr, attr_owned, ms_text, present, request_event, set_agent, set_client, set_request_line,
    set_target, status, uint,
};
use crate::event::{Event, EventSink, Kind, Level, SparePairs};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver};
use memchr::memchr;
use std::borrow::Cow;

/// Reason for lines that are not LTSV.
pub const REASON_NOT_LTSV: &str = "not an LTSV line";
/// Reason for LTSV lines without a time label.
pub const REASON_NO_TIME: &str = "LTSV line without a time label";

/// Iterate the `(label, value)` pairs of an LTSV line (fields without a
/// colon are left out).
pub fn pairs(line: &str) -> Pairs<'_> {
    Pairs { s: line, i: 0 }
}

/// Iterator over LTSV fields, see [`pairs`]. Finds tabs and colons with
/// `memchr` in one pass.
pub struct Pairs<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        loop {
            let b = self.s.as_bytes();
            if self.i > b.len() {
                return None;
            }
            let rest = &b[self.i..];
            let end = memchr(b'\t', rest).map_or(b.len(), |j| self.i + j);
            let field = &self.s[self.i..end];
            self.i = end + 1;
            if let Some(c) = memchr(b':', field.as_bytes()) {
                return Some((&field[..c], &field[c + 1..]));
            }
            if self.i > b.len() {
                return None;
            }
        }
    }
}

fn is_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 64
        && l.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// True when a line is LTSV: at least three tab-separated fields, each a
/// valid label, a colon and a value.
pub fn is_ltsv(line: &str) -> bool {
    let mut n = 0;
    let mut i = 0;
    let b = line.as_bytes();
    while i <= b.len() {
        let end = memchr(b'\t', &b[i..]).map_or(b.len(), |j| i + j);
        let f = &line[i..end];
        match memchr(b':', f.as_bytes()) {
            Some(c) if is_label(&f[..c]) => n += 1,
            _ => return false,
        }
        i = end + 1;
    }
    n >= 3
}

/// LTSV access (and other) logs.
pub struct Ltsv;

impl Format for Ltsv {
    fn name(&self) -> &str {
        "ltsv"
    }
    fn description(&self) -> &str {
        "LTSV (label:value, tab-separated) access logs: time, host, forwardedfor, req/method/uri, status, size, reqtime, apptime, ua, vhost"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        // Tabs and label colons in every field are an unmistakable marker.
        0.9 * sample.fraction(|l| l.trim().is_empty(), is_ltsv)
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(LtsvParser {
            resolver: ctx.resolver,
            spare: SparePairs::default(),
        })
    }
    fn line_independent(&self) -> bool {
        true
    }
}

struct LtsvParser {
    resolver: Resolver,
    /// The `attrs` allocation of the last line's event.
    spare: SparePairs,
}

/// Seconds for decimals, `int_ms_per_unit` for integers.
fn auto_ms(v: &str, int_ms_per_unit: f64) -> Option<f64> {
    if memchr(b'.', v.as_bytes()).is_some() {
        super::secs_to_ms(v)
    } else {
        uint(v).map(|n| n as f64 * int_ms_per_unit)
    }
}

impl LineParser for LtsvParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let text = line.text;
        if text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        // Fast pre-check: LTSV starts with a label and a colon.
        let first_tab = memchr(b'\t', text.as_bytes()).unwrap_or(text.len());
        match memchr(b':', &text.as_bytes()[..first_tab]) {
            Some(c) if is_label(&text[..c]) => {}
            _ => return Disposition::Skipped(REASON_NOT_LTSV),
        }
        let mut e = request_event(0, line);
        e.attrs = self.spare.take();
        match fill_event(text, &self.resolver, &mut e) {
            Ok(()) => {
                self.spare.hand_over(&mut e, out);
                Disposition::Parsed
            }
            Err(reason) => {
                self.spare.keep(std::mem::take(&mut e.attrs));
                Disposition::Skipped(reason)
            }
        }
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

/// Fill `e` (a request event of this line, its `attrs` list empty) from
/// the LTSV line `text`, or say why the line is skipped.
fn fill_event<'a>(
    text: &'a str,
    resolver: &Resolver,
    e: &mut Event<'a>,
) -> Result<(), &'static str> {
    let mut ts = None;
    let (mut remote, mut xff, mut referer, mut ua) = (None, None, None, None);
    let (mut req, mut method, mut uri) = (None, None, None);
    let mut upstream = None;
    let mut msg = None;
    let mut fields = 0;
    for (k, v) in pairs(text) {
        if !is_label(k) {
            return Err(REASON_NOT_LTSV);
        }
        fields += 1;
        match k {
            "time" | "time_local" | "time_iso8601" | "timestamp" | "datetime" | "date"
                if ts.is_none() =>
            {
                ts = time::parse_prefix(v).and_then(|(s, _)| resolver.resolve(s));
            }
            "epoch" | "msec" if ts.is_none() => {
                ts = time::parse_epoch(v).and_then(|(s, _)| resolver.resolve(s));
            }
            "host" | "remote_addr" | "remote_host" | "client" | "client_ip" => remote = Some(v),
            "forwardedfor" | "x_forwarded_for" | "http_x_forwarded_for" | "xff" => xff = Some(v),
            "user" | "remote_user" => {
                if let Some(u) = present(v) {
                    e.user = Some(Cow::Borrowed(u));
                }
            }
            "req" | "request" => req = Some(v),
            "method" | "request_method" => method = present(v),
            "uri" | "request_uri" | "path" => uri = present(v),
            "status" => e.status = status(v),
            "size" | "body_bytes_sent" | "bytes_sent" | "bytes" => e.bytes = uint(v),
            "referer" | "http_referer" => referer = Some(v),
            "ua" | "http_user_agent" | "user_agent" => ua = Some(v),
            "vhost" | "server_name" | "http_host" => e.host = present(v).map(Cow::Borrowed),
            "reqtime" | "request_time" => {
                e.duration_ms = e.duration_ms.or_else(|| auto_ms(v, 1000.0))
            }
            "taken" | "time_taken" => e.duration_ms = e.duration_ms.or_else(|| auto_ms(v, 1.0)),
            "reqtime_microsec" | "request_time_us" => {
                e.duration_ms = e
                    .duration_ms
                    .or_else(|| uint(v).map(|us| us as f64 / 1000.0))
            }
            "apptime" | "upstream_response_time" | "upstream_time" | "runtime" => {
                upstream = upstream.or_else(|| sum_list(v))
            }
            "level" | "severity" => e.level = Level::parse(v),
            "message" | "msg" => msg = Some(v),
            "request_id" | "reqid" | "x_request_id" => e.request_id = present(v).map(Cow::Borrowed),
            "cache" | "upstream_addr" | "upstream_cache_status" | "protocol" => {
                if let Some(v) = present(v) {
                    attr(e, static_key(k), v);
                }
            }
            _ => {}
        }
    }
    if fields < 3 {
        return Err(REASON_NOT_LTSV);
    }
    let Some(ts) = ts else {
        return Err(REASON_NO_TIME);
    };
    e.ts = ts;
    match (uri, req) {
        (Some(u), _) => {
            set_target(e, method, u);
            e.message = Cow::Borrowed(req.unwrap_or(u));
        }
        (None, Some(r)) => {
            set_request_line(e, r);
            e.message = Cow::Borrowed(r);
        }
        (None, None) => {}
    }
    set_client(e, remote, xff);
    set_agent(e, referer, ua);
    if let Some(up) = upstream {
        if e.duration_ms.is_none() {
            e.duration_ms = Some(up);
        }
        attr_owned(e, "upstream_ms", ms_text(up));
    }
    if e.status.is_none() {
        e.kind = if matches!(e.level, Some(l) if l >= Level::Error) {
            Kind::Error
        } else {
            Kind::Log
        };
        if let Some(m) = msg {
            e.message = Cow::Borrowed(m);
        } else if e.message.is_empty() {
            e.message = Cow::Borrowed(text);
        }
    }
    Ok(())
}

fn static_key(k: &str) -> &'static str {
    match k {
        "cache" => "cache",
        "upstream_addr" => "upstream_addr",
        "upstream_cache_status" => "cache",
        _ => "protocol",
    }
}

fn sum_list(v: &str) -> Option<f64> {
    let mut total = None;
    for part in v.split([',', ':']) {
        if let Some(ms) = super::secs_to_ms(part.trim()) {
            total = Some(total.unwrap_or(0.0) + ms);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::parser::parse_str;
    use crate::time::{Zone, format_utc};

    #[test]
    fn ltsv_lines() {
        let text = "time:[01/Jun/2023:14:50:00 +0900]\thost:10.0.0.5\tforwardedfor:203.0.113.7, 10.0.0.1\treq:GET /api/items/42?x=1 HTTP/1.1\tstatus:200\tsize:512\treferer:-\tua:curl/8.1\treqtime:0.125\tapptime:0.120\tvhost:shop.example.jp\n\
                    time:2023-06-01T14:50:01+09:00\thost:10.0.0.6\tmethod:POST\turi:/login\tstatus:302\tsize:0\ttaken:15\n\
                    time:2023-06-01T14:50:02+09:00\tlevel:error\tmessage:upstream timed out\tpid:12\n\
                    not ltsv at all\n\
                    host:a\tstatus:200\tsize:1\n";
        let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "t");
        let mut p = Ltsv.parser(&ctx);
        let mut ev: Vec<Event<'static>> = Vec::new();
        let acct = parse_str(text, p.as_mut(), &mut ev);
        assert_eq!((acct.lines, acct.parsed, acct.skipped), (5, 3, 2));
        assert_eq!(acct.skip_reasons.get(REASON_NOT_LTSV), Some(&1));
        assert_eq!(acct.skip_reasons.get(REASON_NO_TIME), Some(&1));
        let e = &ev[0];
        assert_eq!(format_utc(e.ts), "2023-06-01T05:50:00.000Z");
        assert_eq!(e.kind, Kind::Request);
        assert_eq!(e.route.as_deref(), Some("/api/items/:id"));
        assert_eq!(e.client.as_deref(), Some("203.0.113.7"));
        assert_eq!(e.duration_ms, Some(125.0));
        assert_eq!(e.attr("upstream_ms"), Some("120"));
        assert_eq!(e.host.as_deref(), Some("shop.example.jp"));
        assert_eq!(e.attr("ua"), Some("curl/8.1"));
        assert_eq!(ev[1].method.as_deref(), Some("POST"));
        assert_eq!(ev[1].duration_ms, Some(15.0));
        assert_eq!(ev[2].kind, Kind::Error);
        assert_eq!(ev[2].message, "upstream timed out");
    }
}

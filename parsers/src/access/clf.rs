//! nginx and Apache access logs: Common Log Format and its extensions.
//!
//! ```text
//! 127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326                       common
//! ... 200 2326 "http://example.com/" "Mozilla/4.08"                                                   combined
//! ... "Mozilla/4.08" "203.0.113.7" 0.123 0.120                                                        + XFF, timing
//! www.example.com:443 127.0.0.1 - - [...] "GET / HTTP/1.1" 200 12 "-" "curl/8" 1234                  vhost, Apache %D
//! ```
//!
//! There is no fixed pattern: the fixed head (`[vhost] remote ident user
//! [time] "request" status bytes`) is read by hand, then the trailing fields
//! are classified by their shape, so any extra quoted or bare field a site
//! appended is tolerated:
//!
//! - quoted fields: referer, then user agent, then `X-Forwarded-For` when it
//!   looks like an address list (else an `extra` attribute);
//! - `key=value` fields (`rt=0.123 urt="0.120" uct=...`): request time,
//!   upstream time, host, forwarded-for by key;
//! - bare numbers: when any is a decimal, they are nginx's: the first
//!   decimal is `$request_time` (seconds), the next decimal or `-` is
//!   `$upstream_response_time`, and integers beside them (`$upstream_status`,
//!   `$request_length`) are no timings. With integers only, they are
//!   Apache's: `%D` (microseconds), `%T/%D` (`0/1234`, its µs half), or,
//!   when there are two and the second is at least the response size,
//!   mod_logio's `%I %O` (bytes in/out). A bare `%T` (whole seconds) cannot
//!   be told from a small `%D` and is read as microseconds. An upstream list
//!   (`0.002, 0.120`) is summed.

use super::{
    REASON_BAD_TIME, REASON_NOT_ACCESS, attr, attr_owned, ms_text, present, request_event,
    set_agent, set_client, set_request_line, status, uint,
};
use crate::event::{Event, EventSink, SparePairs};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, LastClfTime, Resolver, Stamp};
use memchr::memchr;
use std::borrow::Cow;

/// The fixed head of a CLF line, borrowed.
#[derive(Debug, Clone, PartialEq)]
pub struct Head<'a> {
    /// Virtual host (Apache `%v`, nginx `$host`) when the line starts with one.
    pub vhost: Option<&'a str>,
    /// Remote address.
    pub remote: &'a str,
    /// Authenticated user (`-` when none).
    pub user: &'a str,
    /// The timestamp.
    pub stamp: Stamp,
    /// The request line, unquoted (escapes kept as written).
    pub request: &'a str,
    /// HTTP status.
    pub status: u16,
    /// Response bytes (`-` is `None`).
    pub bytes: Option<u64>,
    /// Everything after the bytes field.
    pub tail: &'a str,
}

/// Index of the closing `"` of a quoted field whose content starts at
/// `start`, honouring Apache's `\"` escapes.
fn close_quote(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    loop {
        let q = i + memchr(b'"', b.get(i..)?)?;
        let mut bs = 0;
        while q > start + bs && b[q - 1 - bs] == b'\\' {
            bs += 1;
        }
        if bs % 2 == 0 {
            return Some(q);
        }
        i = q + 1;
    }
}

/// Next space-separated token at `i` → (token, index after it). A byte
/// loop: tokens are a status or a size, shorter than `memchr`'s set-up.
#[inline]
fn token(s: &str, i: usize) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    let rest = b.get(i..)?;
    let end = rest
        .iter()
        .position(|&c| c == b' ')
        .map_or(b.len(), |j| i + j);
    Some((&s[i..end], end))
}

/// Read the fixed head of a CLF line (behind a `docker compose logs`
/// prefix such as `web-1  | `, if any).
pub fn parse_head(text: &str) -> Option<Head<'_>> {
    head_with(text, &mut time::parse_clf)
}

/// [`parse_head`], reading the bracketed time with `time` (which returns the
/// stamp and the bytes it used).
fn head_with<'a>(
    text: &'a str,
    time: &mut impl FnMut(&str) -> Option<(Stamp, usize)>,
) -> Option<Head<'a>> {
    let text = super::strip_compose_prefix(text);
    let b = text.as_bytes();
    let lb = memchr(b'[', b)?;
    if lb < 6 || b[lb - 1] != b' ' {
        return None;
    }
    // `[vhost] remote ident user ` before the bracket: three or four
    // tokens, split by hand (`str::split` was a tenth of this function).
    let mut toks: [&str; 4] = [""; 4];
    let mut n = 0;
    let mut i = 0;
    let pre = lb - 1;
    while i < pre {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < pre && b[i] != b' ' {
            i += 1;
        }
        if n == 4 {
            return None;
        }
        toks[n] = &text[start..i];
        n += 1;
    }
    let (vhost, remote, user) = match n {
        3 => (None, toks[0], toks[2]),
        4 => (Some(toks[0]), toks[1], toks[3]),
        _ => return None,
    };
    let (stamp, used) = time(&text[lb + 1..])?;
    let mut i = lb + 1 + used;
    if b.get(i) != Some(&b']') || b.get(i + 1) != Some(&b' ') || b.get(i + 2) != Some(&b'"') {
        return None;
    }
    i += 3;
    let q = close_quote(b, i)?;
    let request = &text[i..q];
    i = q + 1;
    if b.get(i) != Some(&b' ') {
        return None;
    }
    let (st, next) = token(text, i + 1)?;
    let status = status(st)?;
    let (by, next) = token(text, next + 1)?;
    let bytes = match by {
        "-" => None,
        _ => Some(uint(by)?),
    };
    let tail = text.get(next + 1..).unwrap_or("");
    Some(Head {
        vhost,
        remote,
        user,
        stamp,
        request,
        status,
        bytes,
        tail,
    })
}

/// One trailing field.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    Quoted(&'a str),
    Bare(&'a str),
    Kv(&'a str, &'a str),
}

/// Iterate the trailing fields of a CLF line.
struct Tail<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Iterator for Tail<'a> {
    type Item = Tok<'a>;
    fn next(&mut self) -> Option<Tok<'a>> {
        let b = self.s.as_bytes();
        while self.i < b.len() && (b[self.i] == b' ' || b[self.i] == b'\t') {
            self.i += 1;
        }
        if self.i >= b.len() {
            return None;
        }
        if b[self.i] == b'"' {
            let start = self.i + 1;
            let end = close_quote(b, start).unwrap_or(b.len());
            self.i = end + 1;
            return Some(Tok::Quoted(&self.s[start..end.min(b.len())]));
        }
        let start = self.i;
        let mut j = start;
        while j < b.len() && b[j] != b' ' && b[j] != b'\t' {
            if b[j] == b'=' && j > start && b.get(j + 1) == Some(&b'"') {
                // key="quoted value"
                let vs = j + 2;
                let ve = close_quote(b, vs).unwrap_or(b.len());
                self.i = ve + 1;
                return Some(Tok::Kv(&self.s[start..j], &self.s[vs..ve.min(b.len())]));
            }
            j += 1;
        }
        self.i = j;
        let t = &self.s[start..j];
        if let Some(eq) = t.bytes().position(|c| c == b'=') {
            if eq > 0 {
                return Some(Tok::Kv(&t[..eq], &t[eq + 1..]));
            }
        }
        Some(Tok::Bare(t))
    }
}

/// What the trailing fields of one line hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras<'a> {
    /// Referer (first quoted field).
    pub referer: Option<&'a str>,
    /// User agent (second quoted field).
    pub ua: Option<&'a str>,
    /// `X-Forwarded-For`.
    pub xff: Option<&'a str>,
    /// Request duration in ms.
    pub duration_ms: Option<f64>,
    /// Upstream time in ms.
    pub upstream_ms: Option<f64>,
    /// Host named by a `host=` field.
    pub host: Option<&'a str>,
    /// Quoted fields after the user agent that are not an address list.
    pub extra: Option<&'a str>,
    /// Apache mod_logio bytes received / sent.
    pub io: Option<(u64, u64)>,
    /// How many trailing fields there were (quoted, bare, key=value).
    pub quoted: u8,
    /// Bare numeric fields.
    pub numbers: u8,
}

fn looks_like_addr_list(s: &str) -> bool {
    s == "-"
        || (!s.is_empty()
            && s.len() < 400
            && s.bytes().all(|c| {
                c.is_ascii_hexdigit() || matches!(c, b'.' | b':' | b',' | b' ' | b'[' | b']')
            })
            && s.bytes().any(|c| c == b'.' || c == b':'))
}

/// A timing value: decimal = seconds, integer = microseconds, `%T/%D` =
/// its µs half. `None` for `-` and non-numbers.
fn timing_ms(t: &str) -> Option<f64> {
    if let Some(slash) = t.bytes().position(|c| c == b'/') {
        let (a, b) = (&t[..slash], &t[slash + 1..]);
        uint(a)?;
        return uint(b).map(|us| us as f64 / 1000.0);
    }
    if t.as_bytes().contains(&b'.') {
        super::secs_to_ms(t)
    } else {
        uint(t).map(|us| us as f64 / 1000.0)
    }
}

fn is_numberish(t: &str) -> bool {
    t == "-"
        || t.bytes()
            .all(|c| c.is_ascii_digit() || c == b'.' || c == b'/' || c == b',')
            && t.bytes().any(|c| c.is_ascii_digit())
}

/// Classify the trailing fields of a line (see the module docs).
pub fn parse_extras<'a>(tail: &'a str, bytes: Option<u64>) -> Extras<'a> {
    let mut x = Extras::default();
    // Bare numeric fields, in order: (text of the first token, summed ms of
    // an upstream list). Up to four are looked at.
    let mut slots: [Option<&'a str>; 4] = [None; 4];
    let mut slot_ms: [Option<f64>; 4] = [None; 4];
    let mut nslots = 0usize;
    let mut continuing = false;
    for tok in (Tail { s: tail, i: 0 }) {
        match tok {
            Tok::Quoted(q) => {
                continuing = false;
                x.quoted = x.quoted.saturating_add(1);
                match x.quoted {
                    1 => x.referer = Some(q),
                    2 => x.ua = Some(q),
                    _ if x.xff.is_none() && looks_like_addr_list(q) => x.xff = Some(q),
                    _ => {
                        if x.extra.is_none() {
                            x.extra = present(q);
                        }
                    }
                }
            }
            Tok::Kv(k, v) => {
                continuing = false;
                match k {
                    "rt" | "request_time" | "reqtime" | "rtime" => {
                        x.duration_ms = x.duration_ms.or_else(|| sum_secs(v))
                    }
                    "urt" | "upstream_response_time" | "upstream_time" | "ut" => {
                        x.upstream_ms = x.upstream_ms.or_else(|| sum_secs(v))
                    }
                    "host" | "vhost" | "server" => x.host = present(v),
                    "xff" | "x_forwarded_for" | "forwardedfor" => x.xff = present(v),
                    "D" | "us" => x.duration_ms = uint(v).map(|us| us as f64 / 1000.0),
                    _ => {}
                }
            }
            Tok::Bare(t) => {
                if continuing || t == ":" || t == "," {
                    // The rest of an upstream list: `0.002, 0.120` or `0.1 : 0.2`.
                    if let Some(ms) = timing_ms(t.trim_end_matches(',')) {
                        if let Some(slot) = slot_ms.get_mut(nslots.wrapping_sub(1)) {
                            *slot = Some(slot.unwrap_or(0.0) + ms);
                        }
                    }
                    continuing = t.ends_with(',') || t == ":" || t == ",";
                    continue;
                }
                if !is_numberish(t) {
                    continue;
                }
                x.numbers = x.numbers.saturating_add(1);
                let core = t.trim_end_matches(',');
                continuing = t.ends_with(',');
                if nslots < slots.len() {
                    slots[nslots] = Some(core);
                    slot_ms[nslots] = timing_ms(core);
                    nslots += 1;
                }
            }
        }
    }
    let used = &slots[..nslots];
    let decimal = |t: &str| t == "-" || t.as_bytes().contains(&b'.');
    if used.iter().flatten().any(|t| t.contains('.')) {
        // nginx: the first decimal is `$request_time`, the next decimal (or
        // `-`) `$upstream_response_time`; integers among them (an
        // `$upstream_status`, a `$request_length`) are not timings.
        let mut dec = used
            .iter()
            .zip(&slot_ms[..nslots])
            .filter(|(t, _)| t.is_some_and(decimal));
        if x.duration_ms.is_none() {
            x.duration_ms = dec.next().and_then(|(_, ms)| *ms);
        } else {
            dec.next();
        }
        if x.upstream_ms.is_none() {
            x.upstream_ms = dec.next().and_then(|(_, ms)| *ms);
        }
        return x;
    }
    // Apache mod_logio: two integers, the second ≥ the response body size.
    if let (Some(Some(a)), Some(Some(b))) = (used.first(), used.get(1)) {
        if let (Some(i), Some(o)) = (uint(a), uint(b)) {
            if o >= bytes.unwrap_or(0) && o > 0 && bytes.is_some() {
                x.io = Some((i, o));
                return x;
            }
        }
    }
    // Apache `%D` (µs) or `%T/%D`.
    if x.duration_ms.is_none() {
        x.duration_ms = slot_ms[0];
    }
    x
}

/// `0.002, 0.120` / `0.1 : 0.2` / `0.120` (seconds) → summed ms.
fn sum_secs(v: &str) -> Option<f64> {
    let mut total = None;
    for part in v.split([',', ':']) {
        if let Some(ms) = super::secs_to_ms(part.trim()) {
            total = Some(total.unwrap_or(0.0) + ms);
        }
    }
    total
}

/// The variant a line belongs to, for sniffing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// No referer / user agent.
    Common,
    /// Referer and user agent, maybe more quoted fields.
    Combined,
    /// With a request-time field.
    Timed,
}

/// The variant of one line, `None` when it is no CLF line.
pub fn variant(line: &str) -> Option<Variant> {
    let h = parse_head(line)?;
    let x = parse_extras(h.tail, h.bytes);
    Some(if x.duration_ms.is_some() {
        Variant::Timed
    } else if x.quoted >= 2 {
        Variant::Combined
    } else {
        Variant::Common
    })
}

/// Build the request event of a CLF line.
pub fn parse_line<'a>(
    text: &'a str,
    resolver: &Resolver,
    line: &Line<'_>,
) -> Result<Event<'a>, &'static str> {
    let mut e = request_event(0, line);
    fill_event(text, resolver, &mut LastClfTime::default(), &mut e)?;
    Ok(e)
}

/// Parse `text` into `e`, a [`request_event`] for its line (with no time
/// yet) that the caller owns: the hot path fills one event in place and
/// hands it over with [`EventSink::push_mut`], moving nothing.
fn fill_event<'a>(
    text: &'a str,
    resolver: &Resolver,
    last: &mut LastClfTime,
    e: &mut Event<'a>,
) -> Result<(), &'static str> {
    let h = head_with(text, &mut |s| last.read(s, resolver)).ok_or(REASON_NOT_ACCESS)?;
    let ts = resolver.resolve(h.stamp).ok_or(REASON_BAD_TIME)?;
    let x = parse_extras(h.tail, h.bytes);
    e.ts = ts;
    e.status = Some(h.status);
    e.bytes = h.bytes;
    e.duration_ms = x.duration_ms;
    e.message = Cow::Borrowed(h.request);
    set_request_line(e, h.request);
    set_client(e, Some(h.remote), x.xff);
    if let Some(u) = present(h.user) {
        e.user = Some(Cow::Borrowed(u));
    }
    e.host = x.host.or(h.vhost).map(Cow::Borrowed);
    set_agent(e, x.referer, x.ua);
    if let Some(up) = x.upstream_ms {
        attr_owned(e, "upstream_ms", ms_text(up));
    }
    if let Some((i, o)) = x.io {
        attr_owned(e, "bytes_in", i.to_string());
        attr_owned(e, "bytes_out", o.to_string());
    }
    if let Some(extra) = x.extra {
        attr(e, "extra", super::short(extra, super::MAX_QUERY));
    }
    Ok(())
}

/// Weight of the CLF family in sniffing: specific (a bracketed CLF time
/// after three tokens, a quoted request, a status) and well above `generic`.
const WEIGHT: f32 = 0.9;

fn sniff_variant(sample: &Sample<'_>, want: Variant) -> f32 {
    let mut total = 0u32;
    let mut clf = 0u32;
    let mut this = 0u32;
    for l in sample.lines {
        if l.trim().is_empty() {
            continue;
        }
        total += 1;
        if let Some(v) = variant(l) {
            clf += 1;
            if v == want {
                this += 1;
            }
        }
    }
    if total == 0 || this == 0 {
        return 0.0;
    }
    let frac = clf as f32 / total as f32;
    let share = this as f32 / clf as f32;
    // The variant most lines show wins; the family's score is its fraction.
    WEIGHT * frac * (0.9 + 0.1 * share)
}

macro_rules! clf_format {
    ($ty:ident, $name:literal, $variant:expr, $desc:literal) => {
        #[doc = $desc]
        pub struct $ty;

        impl Format for $ty {
            fn name(&self) -> &str {
                $name
            }
            fn description(&self) -> &str {
                $desc
            }
            fn sniff(&self, sample: &Sample<'_>) -> f32 {
                sniff_variant(sample, $variant)
            }
            fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
                Box::new(ClfParser::new(ctx.resolver))
            }
            fn line_independent(&self) -> bool {
                true
            }
        }
    };
}

clf_format!(
    CombinedTimed,
    "access-combined-timed",
    Variant::Timed,
    "nginx/Apache access log with a request-time field ($request_time, $upstream_response_time, %D, %T, rt=)"
);
clf_format!(
    Combined,
    "access-combined",
    Variant::Combined,
    "nginx/Apache combined access log (referer, user agent, optional X-Forwarded-For and vhost)"
);
clf_format!(
    Common,
    "access-common",
    Variant::Common,
    "Common Log Format access log (nginx/Apache without referer and user agent)"
);

/// The reader of one CLF-family file (all variants: the trailing fields are
/// classified per line).
pub struct ClfParser {
    resolver: Resolver,
    last: LastClfTime,
    /// The `attrs` allocation of the last line's event.
    spare: SparePairs,
}

impl ClfParser {
    /// A parser resolving zone-less stamps with `resolver`.
    pub fn new(resolver: Resolver) -> ClfParser {
        ClfParser {
            resolver,
            last: LastClfTime::default(),
            spare: SparePairs::default(),
        }
    }
}

impl LineParser for ClfParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let mut e = request_event(0, line);
        e.attrs = self.spare.take();
        match fill_event(line.text, &self.resolver, &mut self.last, &mut e) {
            Ok(()) => {
                self.spare.hand_over(&mut e, out);
                Disposition::Parsed
            }
            Err(reason) => {
                self.spare.keep(std::mem::take(&mut e.attrs));
                if line.text.trim().is_empty() {
                    Disposition::Skipped("empty line")
                } else {
                    Disposition::Skipped(reason)
                }
            }
        }
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;
    use crate::time::{Zone, format_utc};

    fn one(text: &str) -> Event<'static> {
        let r = Resolver::new(Zone::utc());
        let l = Line {
            text,
            number: 1,
            offset: 0,
            overlong: None,
        };
        parse_line(text, &r, &l).unwrap().into_owned()
    }

    #[test]
    fn common_and_combined() {
        let e = one(
            r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#,
        );
        assert_eq!(e.kind, Kind::Request);
        assert_eq!(format_utc(e.ts), "2000-10-10T20:55:36.000Z");
        assert_eq!(e.method.as_deref(), Some("GET"));
        assert_eq!(e.path.as_deref(), Some("/apache_pb.gif"));
        assert_eq!(e.status, Some(200));
        assert_eq!(e.bytes, Some(2326));
        assert_eq!(e.user.as_deref(), Some("frank"));
        assert_eq!(e.client.as_deref(), Some("127.0.0.1"));
        assert_eq!(e.duration_ms, None);
        let e = one(
            r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#,
        );
        assert_eq!(e.attr("referer"), Some("http://www.example.com/start.html"));
        assert_eq!(e.attr("ua"), Some("Mozilla/4.08 [en] (Win98; I ;Nav)"));
    }

    #[test]
    fn nginx_timing_and_xff() {
        let e = one(
            r#"10.0.0.5 - - [01/Jun/2023:14:50:00 +0900] "POST /api/session/restore?u=1 HTTP/1.1" 200 512 "-" "curl/8.1" "203.0.113.7, 10.0.0.2" 1.250 1.248"#,
        );
        assert_eq!(e.client.as_deref(), Some("203.0.113.7"));
        assert_eq!(e.attr("remote_addr"), Some("10.0.0.5"));
        assert_eq!(e.duration_ms, Some(1250.0));
        assert_eq!(e.attr("upstream_ms"), Some("1248"));
        assert_eq!(e.route.as_deref(), Some("/api/session/restore"));
        assert_eq!(e.attr("query"), Some("u=1"));
        assert_eq!(e.attr("referer"), None);
        // An upstream list, a `-` upstream, key=value timings.
        let e = one(
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0900] "GET /x HTTP/1.1" 502 0 "-" "ua" 0.300 0.100, 0.150"#,
        );
        assert_eq!(e.duration_ms, Some(300.0));
        assert_eq!(e.attr("upstream_ms"), Some("250"));
        let e = one(
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0900] "GET /x HTTP/1.1" 200 5 "-" "ua" 0.002 -"#,
        );
        assert_eq!(e.duration_ms, Some(2.0));
        assert_eq!(e.attr("upstream_ms"), None);
        let e = one(
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0900] "GET /x HTTP/1.1" 200 5 "-" "ua" rt=0.052 uct="0.000" uht="0.050" urt="0.050""#,
        );
        assert_eq!(e.duration_ms, Some(52.0));
        assert_eq!(e.attr("upstream_ms"), Some("50"));
    }

    #[test]
    fn integers_beside_nginx_decimals_are_not_timings() {
        // `$upstream_status $request_time $upstream_response_time`
        let e = one(
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0900] "GET /x HTTP/1.1" 200 5 "-" "ua" 200 0.250 0.248"#,
        );
        assert_eq!(e.duration_ms, Some(250.0));
        assert_eq!(e.attr("upstream_ms"), Some("248"));
        // `$request_time` before the referer, `$request_length` after.
        let e = one(
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0900] "GET /x HTTP/1.1" 200 5 0.031 "-" "ua" 512"#,
        );
        assert_eq!(e.duration_ms, Some(31.0));
        assert_eq!(e.attr("upstream_ms"), None);
        assert_eq!(e.attr("ua"), Some("ua"));
    }

    /// The parser keeps the last time it read: every line must read as it
    /// does alone, whether its time repeats the line before's, shares its
    /// start (a fraction, another zone) or is no date at all.
    #[test]
    fn repeated_times_read_as_lines_alone() {
        let lines = [
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0900] "GET /a HTTP/1.1" 200 5"#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0900] "GET /b HTTP/1.1" 200 5"#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0000] "GET /c HTTP/1.1" 200 5"#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00.250 +0000] "GET /d HTTP/1.1" 200 5"#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0000] "GET /e HTTP/1.1" 200 5"#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00] "GET /f HTTP/1.1" 200 5"#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00] "GET /g HTTP/1.1" 200 5"#,
            r#"1.2.3.4 - - [31/Feb/2023:14:50:00 +0000] "GET /h HTTP/1.1" 200 5"#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0000 "GET /i HTTP/1.1" 200 5"#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0000] "GET /j HTTP/1.1" 200 5"#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:01 +0000] "GET /k HTTP/1.1" 200 5"#,
        ];
        let r = Resolver::new("Asia/Tokyo".parse().unwrap());
        let mut parser = ClfParser::new(r);
        let mut events = Vec::new();
        let mut alone = Vec::new();
        for (i, text) in lines.iter().enumerate() {
            let l = Line {
                text,
                number: i as u32 + 1,
                offset: 0,
                overlong: None,
            };
            struct Keep(Vec<i64>);
            impl EventSink for Keep {
                fn push(&mut self, e: Event<'_>) {
                    self.0.push(e.ts);
                }
            }
            let mut kept = Keep(Vec::new());
            events.push(match parser.line(&l, &mut kept) {
                Disposition::Skipped(why) => Err(why),
                _ => kept.0.first().copied().ok_or("no event"),
            });
            alone.push(parse_line(text, &r, &l).map(|e| e.ts));
        }
        assert_eq!(events, alone);
        let ts = |i: usize| events[i].unwrap_or_default();
        assert_eq!(ts(1), ts(0));
        assert_eq!(ts(2) - ts(0), 9 * 3_600_000_000);
        assert_eq!(ts(3) - ts(2), 250_000);
        assert_eq!(ts(4), ts(2));
        assert_eq!(ts(5), ts(0), "no zone: the source's (Asia/Tokyo)");
        assert_eq!(ts(6), ts(5));
        assert_eq!(events[7], Err(REASON_NOT_ACCESS), "no such date");
        assert_eq!(events[8], Err(REASON_NOT_ACCESS));
        assert_eq!(ts(9), ts(2));
        assert_eq!(ts(10) - ts(9), 1_000_000);
    }

    #[test]
    fn compose_prefix() {
        let e = one(
            r#"web-1  | 172.18.0.1 - - [01/Jun/2023:14:50:00 +0900] "GET /x HTTP/1.1" 200 5 "-" "ua" "-""#,
        );
        assert_eq!(e.client.as_deref(), Some("172.18.0.1"));
        assert_eq!(e.path.as_deref(), Some("/x"));
    }

    #[test]
    fn ingress_nginx_on_a_kubernetes_node() {
        // CRI prefix, ingress-nginx's default log format.
        let e = one(
            r#"2023-06-01T05:50:00.123456789Z stdout F 10.244.0.1 - - [01/Jun/2023:05:50:00 +0000] "GET /api/items/9 HTTP/1.1" 200 615 "-" "curl/8.1" 84 0.123 [default-app-80] [] 10.244.1.7:8080 615 0.120 200 5a1c2e9f0b7d4c3e8a6f1d2b3c4e5f60"#,
        );
        assert_eq!(e.client.as_deref(), Some("10.244.0.1"));
        assert_eq!(e.duration_ms, Some(123.0));
        assert_eq!(e.attr("upstream_ms"), Some("120"));
        assert_eq!(e.route.as_deref(), Some("/api/items/:id"));
    }

    #[test]
    fn apache_variants() {
        // %D microseconds.
        let e = one(
            r#"192.0.2.1 - - [01/Jun/2023:14:50:00 +0900] "GET /x HTTP/1.1" 200 5 "-" "ua" 153412"#,
        );
        assert_eq!(e.duration_ms, Some(153.412));
        // %T/%D.
        let e = one(
            r#"192.0.2.1 - - [01/Jun/2023:14:50:00 +0900] "GET /x HTTP/1.1" 200 5 "-" "ua" 0/1234"#,
        );
        assert_eq!(e.duration_ms, Some(1.234));
        // vhost_combined: `%v:%p` first.
        let e = one(
            r#"www.example.com:443 192.0.2.1 - - [01/Jun/2023:14:50:00 +0900] "GET /x HTTP/1.1" 200 5 "-" "ua""#,
        );
        assert_eq!(e.host.as_deref(), Some("www.example.com:443"));
        assert_eq!(e.client.as_deref(), Some("192.0.2.1"));
        // combinedio: %I %O are bytes, not timing.
        let e = one(
            r#"192.0.2.1 - - [01/Jun/2023:14:50:00 +0900] "GET /x HTTP/1.1" 200 5000 "-" "ua" 412 5301"#,
        );
        assert_eq!(e.duration_ms, None);
        assert_eq!(e.attr("bytes_out"), Some("5301"));
        // Escaped quotes in the request and user agent.
        let e = one(
            r#"192.0.2.1 - - [01/Jun/2023:14:50:00 +0900] "GET /a\"b HTTP/1.1" 404 - "-" "x \"y\" z""#,
        );
        assert_eq!(e.path.as_deref(), Some(r#"/a\"b"#));
        assert_eq!(e.bytes, None);
        assert_eq!(e.attr("ua"), Some(r#"x \"y\" z"#));
    }

    #[test]
    fn junk_requests_and_non_lines() {
        let e = one(r#"192.0.2.1 - - [01/Jun/2023:14:50:00 +0000] "\x16\x03\x01" 400 157 "-" "-""#);
        assert_eq!(e.status, Some(400));
        assert_eq!(e.method, None);
        assert_eq!(e.kind, Kind::Request);
        assert_eq!(e.attr("request"), Some(r#"\x16\x03\x01"#));
        let r = Resolver::new(Zone::utc());
        let l = Line {
            text: "",
            number: 1,
            offset: 0,
            overlong: None,
        };
        for bad in [
            "",
            "hello",
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0000] "GET / HTTP/1.1""#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0000] "GET / HTTP/1.1" 200"#,
            r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0000] "GET / HTTP/1.1 200 5"#,
            r#"1.2.3.4 - - [not a time] "GET / HTTP/1.1" 200 5"#,
            r#"a b c d e [01/Jun/2023:14:50:00 +0000] "GET / HTTP/1.1" 200 5"#,
        ] {
            assert!(parse_line(bad, &r, &l).is_err(), "{bad}");
        }
        assert_eq!(
            variant(r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0000] "GET / HTTP/1.1" 200 5"#),
            Some(Variant::Common)
        );
    }
}

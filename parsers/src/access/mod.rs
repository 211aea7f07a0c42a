//! HTTP access logs: one `request` event per handled request.
//!
//! These are the hot formats (gigabytes per incident), so every parser here
//! is hand-written over the line's bytes, finds delimiters with `memchr`, and
//! borrows every field from the line (`Cow::Borrowed`). The only computed
//! field is the route ([`crate::route::normalize`] borrows when the path has
//! no id to collapse); the only per-line allocation in the common case is the
//! small `attrs` vector holding the user agent and referer (plus the
//! formatted `upstream_ms` where the line has one).
//!
//! - [`clf`]: nginx / Apache common and combined, with vhost prefixes,
//!   `X-Forwarded-For`, and timing extras (`$request_time`,
//!   `$upstream_response_time`, `%D`, `%T`, `rt=`), told apart by sampling.
//! - [`ltsv`]: Labeled Tab-separated Values (`reqtime`, `apptime`, ...).
//! - [`haproxy`]: HAProxy HTTP log format (timers `Tq/Tw/Tc/Tr/Tt|Ta`).
//! - [`w3c`]: IIS / W3C extended, driven by its `#Fields:` directive.
//! - [`uwsgi`]: uWSGI request lines.
//! - [`json`]: JSON access logs (Caddy, Cloudflare-like, nginx
//!   `escape=json`), with docker-compose prefixes stripped.
//! - [`oslo`]: OpenStack oslo.log files, whose WSGI lines are requests.
//!
//! CLF and JSON lines are also read behind a container runtime's prefix
//! (`docker compose logs`' `web-1  | `, the CRI format's `<RFC 3339> stdout
//! F ` on Kubernetes nodes), see [`strip_compose_prefix`].

pub mod clf;
pub mod haproxy;
pub mod json;
pub mod ltsv;
pub mod oslo;
pub mod uwsgi;
pub mod w3c;

use crate::event::{Event, Str};
use crate::route;
use std::borrow::Cow;

/// Longest user agent kept in `attrs` (bytes, cut on a char boundary).
pub const MAX_UA: usize = 160;
/// Longest referer kept in `attrs`.
pub const MAX_REFERER: usize = 200;
/// Longest query string kept in `attrs`.
pub const MAX_QUERY: usize = 200;

/// Reason for lines that do not have the access-log shape.
pub const REASON_NOT_ACCESS: &str = "not an access-log line";
/// Reason for lines whose timestamp cannot be read.
pub const REASON_BAD_TIME: &str = "unreadable timestamp";

/// `s` cut to at most `max` bytes on a char boundary, still borrowed.
pub fn short(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while cut > 0 && !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

/// `"-"` and `""` are how access logs write "no value".
#[inline]
pub fn present(s: &str) -> Option<&str> {
    match s {
        "" | "-" => None,
        _ => Some(s),
    }
}

/// The first hop of an `X-Forwarded-For` list (`"203.0.113.7, 10.0.0.2"` →
/// `203.0.113.7`), the original client; `None` for `-` or an empty list.
pub fn first_hop(xff: &str) -> Option<&str> {
    let first = match memchr::memchr(b',', xff.as_bytes()) {
        Some(i) => &xff[..i],
        None => xff,
    };
    present(first.trim())
}

/// Split a request line `GET /path?q HTTP/1.1` into (method, target,
/// protocol). `None` when it has no method-like first word (`-`, a TLS
/// handshake sent to a plain-text port).
pub fn split_request(r: &str) -> Option<(&str, &str, Option<&str>)> {
    let b = r.as_bytes();
    // Byte loops: the method is a few bytes, and the version a few from the
    // end (`memchr`'s set-up costs more than such short scans).
    let sp = b.iter().position(|&c| c == b' ')?;
    let method = &r[..sp];
    if method.is_empty()
        || method.len() > 16
        || !method
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c == b'-' || c == b'_')
    {
        return None;
    }
    let rest = &r[sp + 1..];
    match rest.bytes().rposition(|c| c == b' ') {
        Some(j) if rest[j + 1..].starts_with("HTTP/") => {
            Some((method, rest[..j].trim_end(), Some(&rest[j + 1..])))
        }
        _ => Some((method, rest, None)),
    }
}

/// Strip `http://host` from an absolute-form target, keeping the path.
pub fn strip_origin(p: &str) -> &str {
    let rest = if let Some(r) = p.strip_prefix("http://") {
        r
    } else if let Some(r) = p.strip_prefix("https://") {
        r
    } else {
        return p;
    };
    match memchr::memchr(b'/', rest.as_bytes()) {
        Some(i) => &rest[i..],
        None => "/",
    }
}

/// Set method, path (query string removed), route and the `query` attribute
/// from a method and a request target, all borrowed from the line.
pub fn set_target<'a>(e: &mut Event<'a>, method: Option<&'a str>, target: &'a str) {
    if let Some(m) = method {
        e.method = Some(Cow::Borrowed(m));
    }
    let target = strip_origin(target);
    let (path, query) = match target.bytes().position(|c| c == b'?' || c == b'#') {
        Some(i) => (&target[..i], Some(&target[i + 1..])),
        None => (target, None),
    };
    if path.is_empty() {
        return;
    }
    e.path = Some(Cow::Borrowed(path));
    e.route = Some(route::normalize(path));
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        attr(e, "query", short(q, MAX_QUERY));
    }
}

/// Set the request fields from a whole request line; unreadable request
/// lines are kept as the `request` attribute.
pub fn set_request_line<'a>(e: &mut Event<'a>, request: &'a str) {
    match split_request(request) {
        Some((m, target, _)) => set_target(e, Some(m), target),
        None => {
            if let Some(r) = present(request) {
                attr(e, "request", short(r, MAX_QUERY));
            }
        }
    }
}

/// Push a borrowed attribute.
#[inline]
pub fn attr<'a>(e: &mut Event<'a>, key: &'static str, value: &'a str) {
    if e.attrs.capacity() == 0 {
        e.attrs.reserve_exact(4);
    }
    e.attrs.push((Cow::Borrowed(key), Cow::Borrowed(value)));
}

/// Push an attribute whose value was computed.
pub fn attr_owned<'a>(e: &mut Event<'a>, key: &'static str, value: String) {
    e.attrs.push((Cow::Borrowed(key), Cow::Owned(value)));
}

/// Set user agent and referer attributes (shortened), skipping `-`.
pub fn set_agent<'a>(e: &mut Event<'a>, referer: Option<&'a str>, ua: Option<&'a str>) {
    if let Some(r) = referer.and_then(present) {
        attr(e, "referer", short(r, MAX_REFERER));
    }
    if let Some(u) = ua.and_then(present) {
        attr(e, "ua", short(u, MAX_UA));
    }
}

/// Set the client: the first `X-Forwarded-For` hop when there is one, else
/// the remote address (kept as `remote_addr` when they differ).
pub fn set_client<'a>(e: &mut Event<'a>, remote: Option<&'a str>, xff: Option<&'a str>) {
    let remote = remote.and_then(present);
    match xff.and_then(first_hop) {
        Some(hop) => {
            e.client = Some(Cow::Borrowed(hop));
            if let Some(r) = remote.filter(|r| *r != hop) {
                attr(e, "remote_addr", r);
            }
        }
        None => e.client = remote.map(Cow::Borrowed),
    }
}

/// A number of seconds as written by nginx (`0.123`), or `None` for `-`.
#[inline]
pub fn secs_to_ms(s: &str) -> Option<f64> {
    decimal_scaled(s, 3)
}

/// Parse a plain non-negative decimal (`12`, `0.123`, `.5`) without going
/// through `str::parse::<f64>`'s general path; `None` for anything else.
#[inline]
pub fn fast_decimal(s: &str) -> Option<f64> {
    decimal_scaled(s, 0)
}

const POW10: [f64; 19] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18,
];

/// A plain decimal times `10^exp` (0 ≤ exp ≤ 6), rounded once: `0.123`
/// with `exp` 3 is exactly `123.0`.
pub fn decimal_scaled(s: &str, exp: usize) -> Option<f64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut mant: u64 = 0;
    let mut digits = 0;
    let mut frac_digits: Option<usize> = None;
    for &c in b {
        match c {
            b'0'..=b'9' => {
                mant = mant * 10 + (c - b'0') as u64;
                digits += 1;
                if let Some(f) = frac_digits.as_mut() {
                    *f += 1;
                }
            }
            b'.' if frac_digits.is_none() => frac_digits = Some(0),
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    let k = frac_digits.unwrap_or(0);
    let m = mant as f64;
    Some(if exp >= k {
        m * POW10.get(exp - k).copied()?
    } else {
        m / POW10.get(k - exp).copied()?
    })
}

/// Parse an unsigned integer, `None` for anything else (`-` included).
#[inline]
pub fn uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (c - b'0') as u64;
    }
    Some(n)
}

/// An HTTP status (100-599).
#[inline]
pub fn status(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() != 3 {
        return None;
    }
    let n = uint(s)? as u16;
    (100..600).contains(&n).then_some(n)
}

/// A duration in ms as text for `attrs` (`120`, `0.5`, `1234.567`).
pub fn ms_text(ms: f64) -> String {
    let r = (ms * 1000.0).round() / 1000.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

/// Strip a container runtime's prefix in front of a line: docker-compose's
/// (`caddy  | `, `web_1    | `: a short service name, spaces, `| `) or the
/// CRI log format's of Kubernetes nodes (`2023-06-01T05:50:00.123456789Z
/// stdout F `, as in `/var/log/containers/*.log`).
pub fn strip_compose_prefix(line: &str) -> &str {
    let b = line.as_bytes();
    if b.len() > 30 && b[4] == b'-' && b[10] == b'T' && b[0].is_ascii_digit() {
        if let Some(sp) = memchr::memchr(b' ', &b[..b.len().min(40)]) {
            let rest = &line[sp + 1..];
            for stream in ["stdout ", "stderr "] {
                if let Some(r) = rest.strip_prefix(stream) {
                    if let Some(r) = r.strip_prefix("F ").or_else(|| r.strip_prefix("P ")) {
                        return r;
                    }
                }
            }
        }
    }
    let lim = b.len().min(64);
    if let Some(bar) = memchr::memchr(b'|', &b[..lim]) {
        let name = line[..bar].trim_end();
        if !name.is_empty()
            && bar > name.len()
            && name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        {
            return line[bar + 1..]
                .strip_prefix(' ')
                .unwrap_or(&line[bar + 1..]);
        }
    }
    line
}

/// The event every access parser starts from.
pub fn request_event<'a>(ts: i64, line: &crate::split::Line<'_>) -> Event<'a> {
    let mut e = Event::new(crate::event::Kind::Request, ts, line.number, line.offset);
    e.message = Cow::Borrowed("");
    e
}

/// A short human message for a request event: the request line itself, when
/// the format has one, borrowed.
pub fn message<'a>(e: &mut Event<'a>, request: &'a str) {
    e.message = Str::Borrowed(request);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(
            split_request("GET /a?b=1 HTTP/1.1"),
            Some(("GET", "/a?b=1", Some("HTTP/1.1")))
        );
        assert_eq!(split_request("GET /a"), Some(("GET", "/a", None)));
        assert_eq!(split_request("-"), None);
        assert_eq!(split_request("\\x16\\x03\\x01 x"), None);
        assert_eq!(first_hop("203.0.113.7, 10.0.0.2"), Some("203.0.113.7"));
        assert_eq!(first_hop("-"), None);
        assert_eq!(fast_decimal("0.123"), Some(0.123));
        assert_eq!(fast_decimal("12"), Some(12.0));
        assert_eq!(fast_decimal("-"), None);
        assert_eq!(fast_decimal("1.2.3"), None);
        assert_eq!(fast_decimal("."), None);
        assert_eq!(status("200"), Some(200));
        assert_eq!(status("999"), None);
        assert_eq!(short("あいう", 4), "あ");
        assert_eq!(strip_origin("http://h/x?y"), "/x?y");
        assert_eq!(strip_origin("https://h"), "/");
        assert_eq!(strip_compose_prefix("caddy  | {\"a\":1}"), "{\"a\":1}");
        assert_eq!(strip_compose_prefix("web_1    | x"), "x");
        assert_eq!(
            strip_compose_prefix("2023-06-01T05:50:00.123456789Z stdout F 1.2.3.4 - -"),
            "1.2.3.4 - -"
        );
        assert_eq!(
            strip_compose_prefix("2023-06-01T05:50:00Z INFO not a cri line at all"),
            "2023-06-01T05:50:00Z INFO not a cri line at all"
        );
        assert_eq!(
            strip_compose_prefix("{\"a\":\"x | y\"}"),
            "{\"a\":\"x | y\"}"
        );
        assert_eq!(ms_text(120.0), "120");
        assert_eq!(ms_text(0.5), "0.5");
    }

    #[test]
    fn target_borrows_when_route_is_plain() {
        let mut e = Event::new(crate::event::Kind::Request, 0, 1, 0);
        set_target(&mut e, Some("GET"), "/login?next=/x");
        assert!(matches!(e.route, Some(Cow::Borrowed("/login"))));
        assert_eq!(e.attr("query"), Some("next=/x"));
        let mut e = Event::new(crate::event::Kind::Request, 0, 1, 0);
        set_target(&mut e, Some("GET"), "/api/items/12");
        assert_eq!(e.route.as_deref(), Some("/api/items/:id"));
    }
}

//! JSON access logs, and the allocation-free JSON object scanner they use.
//!
//! Recognised shapes (one object per line, optionally behind a
//! docker-compose prefix such as `caddy  | `):
//!
//! - Caddy `http.log.access`: `ts` (epoch seconds), `request{method, uri,
//!   host, client_ip, remote_ip, headers{User-Agent, Referer,
//!   X-Forwarded-For}}`, `status`, `size`, `duration` (seconds).
//! - nginx `log_format ... escape=json`: whatever variable names the site
//!   chose, read by their usual names (`time_local`/`time_iso8601`/`msec`,
//!   `remote_addr`, `request` or `request_method` + `request_uri`, `status`,
//!   `body_bytes_sent`, `request_time`, `upstream_response_time`,
//!   `http_user_agent`, `http_referer`, `http_x_forwarded_for`, `host`).
//! - Cloudflare-like (Logpush HTTP requests): `EdgeStartTimestamp`,
//!   `ClientIP`, `ClientRequestHost`, `ClientRequestMethod`,
//!   `ClientRequestURI`, `EdgeResponseStatus`, `EdgeResponseBytes`,
//!   `EdgeEndTimestamp` (duration = end − start), `OriginResponseDurationMs`,
//!   `RayID`.
//! - Google Cloud `httpRequest{requestMethod, requestUrl, status,
//!   responseSize, remoteIp, userAgent, latency: "0.123s"}`.
//! - Framework request logs (Rails lograge, pino-http-like): `method`,
//!   `path`, `status`, `duration` in milliseconds (a bare `duration` number
//!   is seconds only in Caddy's lines).
//!
//! A line with a status and a method or path is a `request`; other JSON
//! lines in the same file (a server's startup messages) are read like
//! [`crate::structured::JsonLines`] does.

use super::{
    REASON_NOT_ACCESS, attr_owned, ms_text, present, request_event, set_agent, set_client,
    set_request_line, set_target, strip_compose_prefix,
};
use crate::event::{EventSink, Kind, Level, SparePairs, Str};
use crate::fields::parse_duration_ms;
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::structured::{JsonScratch, parse_json_line_with};
use crate::time::{self, Resolver};
use memchr::{memchr, memchr2};
use std::borrow::Cow;

/// A JSON value as the scanner sees it: strings unescaped (borrowed unless
/// they had escapes), everything else as raw text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// A number, as written.
    Num(&'a str),
    /// `true`, `false` or `null`, as written.
    Lit(&'a str),
    /// A nested object, raw (`{...}`).
    Obj(&'a str),
    /// An array, raw (`[...]`).
    Arr(&'a str),
}

impl<'a> Value<'a> {
    /// The value as text: strings unescaped, the rest raw.
    pub fn text(&self) -> Cow<'a, str> {
        match self {
            Value::Str(s) => s.clone(),
            Value::Num(s) | Value::Lit(s) | Value::Obj(s) | Value::Arr(s) => Cow::Borrowed(s),
        }
    }

    /// The value as a borrowed `&str` when it is one (no escapes, or not a string).
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            Value::Str(Cow::Borrowed(s)) => Some(s),
            Value::Num(s) => Some(s),
            _ => None,
        }
    }
}

/// Iterator over the top-level `(key, value)` pairs of a JSON object. Stops
/// at the first syntax error and sets [`ObjIter::bad`].
pub struct ObjIter<'a> {
    s: &'a str,
    i: usize,
    /// True once a syntax error was met.
    pub bad: bool,
    done: bool,
}

/// Scan the JSON object at the start of `s` (leading whitespace allowed).
pub fn object(s: &str) -> ObjIter<'_> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let ok = b.get(i) == Some(&b'{');
    ObjIter {
        s,
        i: i + 1,
        bad: !ok,
        done: !ok,
    }
}

#[inline]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// Parse the string whose opening quote is at `i` → (value, index after the
/// closing quote).
fn string_at(s: &str, i: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = s.as_bytes();
    let start = i + 1;
    let j = start + memchr2(b'"', b'\\', b.get(start..)?)?;
    if b[j] == b'"' {
        return Some((Cow::Borrowed(&s[start..j]), j + 1));
    }
    // Escapes: unescape into an owned string.
    let mut out = String::with_capacity(j - start + 16);
    out.push_str(&s[start..j]);
    let mut k = j;
    loop {
        match *b.get(k)? {
            b'"' => return Some((Cow::Owned(out), k + 1)),
            b'\\' => {
                let c = *b.get(k + 1)?;
                k += 2;
                match c {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'/' => out.push('/'),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'u' => {
                        let hi = u32::from_str_radix(s.get(k..k + 4)?, 16).ok()?;
                        k += 4;
                        let cp = if (0xD800..0xDC00).contains(&hi) && s.get(k..k + 2) == Some("\\u")
                        {
                            let lo = u32::from_str_radix(s.get(k + 2..k + 6)?, 16).ok()?;
                            if (0xDC00..0xE000).contains(&lo) {
                                k += 6;
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            }
                        } else {
                            hi
                        };
                        out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                    }
                    _ => return None,
                }
            }
            _ => {
                let next = k + memchr2(b'"', b'\\', b.get(k..)?)?;
                out.push_str(&s[k..next]);
                k = next;
            }
        }
    }
}

/// Index after the nested object/array starting at `i`.
fn skip_nested(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut k = i;
    while k < b.len() {
        match b[k] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            b'"' => {
                // Skip the string, honouring escapes.
                let mut m = k + 1;
                loop {
                    let q = m + memchr2(b'"', b'\\', b.get(m..)?)?;
                    if b[q] == b'\\' {
                        m = q + 2;
                    } else {
                        k = q;
                        break;
                    }
                }
            }
            _ => {}
        }
        k += 1;
    }
    None
}

impl<'a> Iterator for ObjIter<'a> {
    type Item = (Cow<'a, str>, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let s = self.s;
        let b = s.as_bytes();
        let mut i = skip_ws(b, self.i);
        match b.get(i) {
            Some(b'}') => {
                self.done = true;
                return None;
            }
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'"') => {}
            _ => return self.fail(),
        }
        if b.get(i) != Some(&b'"') {
            return self.fail();
        }
        let Some((key, after)) = string_at(s, i) else {
            return self.fail();
        };
        i = skip_ws(b, after);
        if b.get(i) != Some(&b':') {
            return self.fail();
        }
        i = skip_ws(b, i + 1);
        let value = match b.get(i) {
            Some(b'"') => match string_at(s, i) {
                Some((v, after)) => {
                    i = after;
                    Value::Str(v)
                }
                None => return self.fail(),
            },
            Some(b'{') | Some(b'[') => match skip_nested(b, i) {
                Some(end) => {
                    let raw = &s[i..end];
                    let v = if b[i] == b'{' {
                        Value::Obj(raw)
                    } else {
                        Value::Arr(raw)
                    };
                    i = end;
                    v
                }
                None => return self.fail(),
            },
            Some(_) => {
                let start = i;
                while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\r') {
                    i += 1;
                }
                let raw = &s[start..i];
                match raw.as_bytes().first() {
                    Some(b'-' | b'0'..=b'9') => Value::Num(raw),
                    _ if matches!(raw, "true" | "false" | "null") => Value::Lit(raw),
                    _ => return self.fail(),
                }
            }
            None => return self.fail(),
        };
        self.i = i;
        Some((key, value))
    }
}

impl ObjIter<'_> {
    fn fail<T>(&mut self) -> Option<T> {
        self.bad = true;
        self.done = true;
        None
    }
}

/// The first string of a JSON array (`["a","b"]` → `a`), borrowed when it can.
pub fn first_of_array(raw: &str) -> Option<Cow<'_, str>> {
    let b = raw.as_bytes();
    let i = skip_ws(b, 1);
    if b.get(i) != Some(&b'"') {
        return None;
    }
    string_at(raw, i).map(|(v, _)| v)
}

/// Decode a journald-style byte array (`[72,105]`) as UTF-8 (lossy).
pub fn byte_array_text(raw: &str) -> Option<String> {
    let inner = raw.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut bytes = Vec::with_capacity(inner.len() / 3 + 1);
    for part in inner.split(',') {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        bytes.push(p.parse::<u8>().ok()?);
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// What an access record holds, gathered over the object and its nested
/// `request` / `httpRequest` / `headers` objects.
#[derive(Default)]
struct Acc<'a> {
    ts: Option<i64>,
    start_ns: Option<i64>,
    end_ns: Option<i64>,
    method: Option<Str<'a>>,
    uri: Option<Str<'a>>,
    request: Option<Str<'a>>,
    status: Option<u16>,
    bytes: Option<u64>,
    duration_ms: Option<f64>,
    upstream_ms: Option<f64>,
    remote: Option<Str<'a>>,
    client_ip: Option<Str<'a>>,
    xff: Option<Str<'a>>,
    host: Option<Str<'a>>,
    ua: Option<Str<'a>>,
    referer: Option<Str<'a>>,
    level: Option<Level>,
    msg: Option<Str<'a>>,
    logger: Option<Str<'a>>,
    request_id: Option<Str<'a>>,
    user: Option<Str<'a>>,
    /// A `duration`-like value whose unit depends on who wrote it.
    duration_raw: Option<Value<'a>>,
    /// Caddy's keys were seen (`bytes_read`, `resp_headers`).
    caddy: bool,
}

/// A bare `duration`: a string with its unit (`"12ms"`, `"0.123s"`, GCP's
/// `latency`) is read as written; a bare number is seconds in Caddy (and
/// Go's zap) and milliseconds elsewhere (lograge, pino-http, most
/// frameworks), so the caller says which.
fn duration_value(v: &Value<'_>, numbers_in_secs: bool) -> Option<f64> {
    match v {
        Value::Num(n) => {
            let x = n.parse::<f64>().ok()?;
            Some(if numbers_in_secs { x * 1000.0 } else { x })
        }
        Value::Str(s) if s.bytes().all(|c| c.is_ascii_digit() || c == b'.') => {
            let x = super::fast_decimal(s)?;
            Some(if numbers_in_secs { x * 1000.0 } else { x })
        }
        Value::Str(s) => parse_duration_ms(s, 1.0),
        _ => None,
    }
}

fn secs_value(v: &Value<'_>) -> Option<f64> {
    let t = v.text();
    let mut total = None;
    for part in t.split([',', ':']) {
        if let Some(ms) = super::secs_to_ms(part.trim()) {
            total = Some(total.unwrap_or(0.0) + ms);
        }
    }
    total
}

fn num_u64(v: &Value<'_>) -> Option<u64> {
    match v {
        Value::Num(n) => n.parse().ok(),
        Value::Str(s) => s.parse().ok(),
        _ => None,
    }
}

fn stamp_value(v: &Value<'_>, resolver: &Resolver) -> Option<i64> {
    let t = v.text();
    let (st, _) = time::parse_prefix(t.trim())?;
    resolver.resolve(st)
}

fn ns_value(v: &Value<'_>) -> Option<i64> {
    // Cloudflare: RFC 3339 strings, or epoch in s/ms/µs/ns.
    let t = v.text();
    let (st, _) = time::parse_prefix(t.trim())?;
    match st {
        time::Stamp::Utc(us) => Some(us * 1000),
        _ => None,
    }
}

impl<'a> Acc<'a> {
    fn visit(&mut self, obj: &'a str, depth: u8, resolver: &Resolver) -> bool {
        let mut it = object(obj);
        for (k, v) in it.by_ref() {
            self.put(&k, v, depth, resolver);
        }
        !it.bad
    }

    fn put(&mut self, k: &str, v: Value<'a>, depth: u8, resolver: &Resolver) {
        let text = |v: &Value<'a>| -> Option<Str<'a>> {
            match v {
                Value::Str(s) => present(s).is_some().then(|| s.clone()),
                Value::Num(n) => Some(Cow::Borrowed(n)),
                _ => None,
            }
        };
        match k {
            "ts" | "time" | "timestamp" | "@timestamp" | "time_local" | "time_iso8601" | "msec"
            | "date" | "start_time" | "receiveTimestamp"
                if self.ts.is_none() =>
            {
                self.ts = stamp_value(&v, resolver);
            }
            "EdgeStartTimestamp" => {
                self.start_ns = ns_value(&v);
                if self.ts.is_none() {
                    self.ts = self.start_ns.map(|ns| ns / 1000);
                }
            }
            "EdgeEndTimestamp" => self.end_ns = ns_value(&v),
            "method"
            | "request_method"
            | "ClientRequestMethod"
            | "http_method"
            | "verb"
            | "requestMethod" => self.method = text(&v),
            "uri" | "request_uri" | "path" | "url" | "ClientRequestURI" | "ClientRequestPath"
            | "request_path" | "requestUrl"
                if self.uri.is_none() =>
            {
                self.uri = text(&v)
            }
            "request" | "req" | "httpRequest" | "http_request" if depth < 2 => match v {
                Value::Obj(o) => {
                    self.visit(o, depth + 1, resolver);
                }
                Value::Str(s) => self.request = present(&s).is_some().then_some(s),
                _ => {}
            },
            "headers" | "header" if depth < 3 => {
                if let Value::Obj(o) = v {
                    let mut it = object(o);
                    for (hk, hv) in it.by_ref() {
                        let val = match hv {
                            Value::Arr(a) => first_of_array(a),
                            Value::Str(s) => Some(s),
                            _ => None,
                        };
                        let Some(val) = val else { continue };
                        if hk.eq_ignore_ascii_case("user-agent") {
                            self.ua = Some(val);
                        } else if hk.eq_ignore_ascii_case("referer") {
                            self.referer = Some(val);
                        } else if hk.eq_ignore_ascii_case("x-forwarded-for") {
                            self.xff = Some(val);
                        }
                    }
                }
            }
            "status" | "status_code" | "EdgeResponseStatus" | "response_status" | "http_status"
            | "statusCode"
                if self.status.is_none() =>
            {
                self.status = num_u64(&v)
                    .filter(|s| (100..600).contains(s))
                    .map(|s| s as u16);
            }
            "size" | "body_bytes_sent" | "bytes_sent" | "EdgeResponseBytes" | "bytes"
            | "response_size" | "responseSize"
                if self.bytes.is_none() =>
            {
                self.bytes = num_u64(&v)
            }
            "duration" | "latency" | "took" | "elapsed" => {
                self.duration_raw = self.duration_raw.take().or(Some(v));
            }
            "bytes_read" | "resp_headers" => self.caddy = true,
            "request_time" | "reqtime" => {
                self.duration_ms = self.duration_ms.or_else(|| secs_value(&v))
            }
            "duration_ms" | "OriginResponseDurationMs" | "latency_ms" | "response_time_ms" => {
                self.duration_ms = self.duration_ms.or_else(|| num_u64(&v).map(|n| n as f64))
            }
            "upstream_response_time" | "upstream_time" | "apptime" => {
                self.upstream_ms = self.upstream_ms.or_else(|| secs_value(&v))
            }
            "client_ip" | "ClientIP" | "remoteIp" => self.client_ip = text(&v),
            "remote_addr" | "remote_ip" | "remote_host" | "ip" | "remoteAddr"
                if self.remote.is_none() =>
            {
                self.remote = text(&v)
            }
            "http_x_forwarded_for" | "x_forwarded_for" | "xff" | "X-Forwarded-For" => {
                self.xff = text(&v)
            }
            "host" | "server_name" | "http_host" | "ClientRequestHost" | "vhost"
                if self.host.is_none() =>
            {
                self.host = text(&v)
            }
            "http_user_agent" | "user_agent" | "ua" | "ClientRequestUserAgent" | "userAgent" => {
                self.ua = text(&v)
            }
            "http_referer" | "referer" | "ClientRequestReferer" => self.referer = text(&v),
            "level" | "severity" | "lvl" => {
                self.level = match &v {
                    Value::Str(s) => Level::parse(s),
                    _ => None,
                }
            }
            "msg" | "message" => self.msg = text(&v),
            "logger" => self.logger = text(&v),
            "request_id" | "RayID" | "req_id" | "requestId" | "x_request_id" => {
                self.request_id = text(&v)
            }
            "remote_user" | "user" | "user_id" => {
                if let Some(u) = text(&v) {
                    self.user = Some(u);
                }
            }
            _ => {}
        }
    }

    fn is_access(&self) -> bool {
        self.status.is_some()
            && (self.method.is_some() || self.uri.is_some() || self.request.is_some())
    }
}

/// Parse one JSON access line; `Ok(None)` when it is JSON but no access record.
fn access_event<'a>(
    text: &'a str,
    resolver: &Resolver,
    line: &Line<'_>,
    spare: &mut SparePairs,
) -> Result<Option<crate::event::Event<'a>>, &'static str> {
    let mut acc = Acc::default();
    if !acc.visit(text, 0, resolver) {
        return Err(crate::structured::REASON_NOT_JSON);
    }
    if !acc.is_access() {
        return Ok(None);
    }
    let Some(ts) = acc.ts else {
        return Ok(None);
    };
    if acc.duration_ms.is_none() {
        let caddy = acc.caddy
            || acc
                .logger
                .as_deref()
                .is_some_and(|l| l.starts_with("http.log.access"));
        acc.duration_ms = acc
            .duration_raw
            .as_ref()
            .and_then(|v| duration_value(v, caddy));
    }
    let mut e = request_event(ts, line);
    e.attrs = spare.take();
    e.status = acc.status;
    e.bytes = acc.bytes;
    e.level = acc.level;
    e.duration_ms = acc
        .duration_ms
        .or_else(|| match (acc.start_ns, acc.end_ns) {
            (Some(s), Some(en)) if en >= s => Some((en - s) as f64 / 1e6),
            _ => None,
        });
    match (acc.uri, acc.request) {
        (Some(u), req) => {
            set_target_cow(&mut e, acc.method, u);
            if let Some(r) = req {
                e.message = r;
            }
        }
        (None, Some(r)) => match r {
            Cow::Borrowed(b) => set_request_line(&mut e, b),
            Cow::Owned(o) => {
                if let Some((m, t, _)) = super::split_request(&o) {
                    let (m, t) = (m.to_string(), t.to_string());
                    set_target_cow(&mut e, Some(Cow::Owned(m)), Cow::Owned(t));
                }
            }
        },
        (None, None) => {}
    }
    if e.message.is_empty() {
        if let Some(m) = acc.msg {
            e.message = m;
        }
    }
    match (acc.client_ip.or(acc.remote), acc.xff) {
        (Some(Cow::Borrowed(r)), Some(Cow::Borrowed(x))) => set_client(&mut e, Some(r), Some(x)),
        (Some(Cow::Borrowed(r)), None) => set_client(&mut e, Some(r), None),
        (r, x) => {
            let hop = x.as_deref().and_then(super::first_hop).map(str::to_string);
            e.client = hop.map(Cow::Owned).or(r);
        }
    }
    e.host = acc.host;
    e.app = acc.logger;
    e.request_id = acc.request_id;
    e.user = acc.user;
    match (acc.referer, acc.ua) {
        (r @ (None | Some(Cow::Borrowed(_))), u @ (None | Some(Cow::Borrowed(_)))) => {
            let r = match r {
                Some(Cow::Borrowed(s)) => Some(s),
                _ => None,
            };
            let u = match u {
                Some(Cow::Borrowed(s)) => Some(s),
                _ => None,
            };
            set_agent(&mut e, r, u);
        }
        (r, u) => {
            if let Some(r) = r {
                attr_owned(
                    &mut e,
                    "referer",
                    super::short(&r, super::MAX_REFERER).to_string(),
                );
            }
            if let Some(u) = u {
                attr_owned(&mut e, "ua", super::short(&u, super::MAX_UA).to_string());
            }
        }
    }
    if let Some(up) = acc.upstream_ms {
        attr_owned(&mut e, "upstream_ms", ms_text(up));
    }
    if matches!(e.level, Some(l) if l >= Level::Error) && e.status.is_none() {
        e.kind = Kind::Error;
    }
    Ok(Some(e))
}

fn set_target_cow<'a>(e: &mut crate::event::Event<'a>, method: Option<Str<'a>>, uri: Str<'a>) {
    match (method, uri) {
        (Some(Cow::Borrowed(m)), Cow::Borrowed(u)) => set_target(e, Some(m), u),
        (None, Cow::Borrowed(u)) => set_target(e, None, u),
        (m, u) => {
            e.method = m;
            let target = super::strip_origin(&u);
            let path = match memchr2(b'?', b'#', target.as_bytes()) {
                Some(i) => &target[..i],
                None => target,
            };
            if !path.is_empty() {
                e.route = Some(Cow::Owned(crate::route::normalize(path).into_owned()));
                e.path = Some(Cow::Owned(path.to_string()));
            }
        }
    }
}

/// Quick per-line test for sniffing: (is a JSON object, is an access record).
fn sniff_line(l: &str, resolver: &Resolver) -> (bool, bool) {
    let t = strip_compose_prefix(l).trim_start();
    if !t.starts_with('{') {
        return (false, false);
    }
    let mut acc = Acc::default();
    let ok = acc.visit(t, 0, resolver);
    (ok, ok && acc.is_access() && acc.ts.is_some())
}

/// JSON access logs (Caddy, nginx `escape=json`, Cloudflare-like, GCP).
pub struct JsonAccess;

impl Format for JsonAccess {
    fn name(&self) -> &str {
        "access-json"
    }
    fn description(&self) -> &str {
        "JSON access logs (Caddy, nginx escape=json, Cloudflare/GCP-like), docker-compose prefixes stripped; other JSON lines read as json-lines"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let resolver = Resolver::new(time::Zone::utc());
        let (mut total, mut json, mut access, mut prefixed) = (0u32, 0u32, 0u32, 0u32);
        for l in sample.lines {
            if l.trim().is_empty() {
                continue;
            }
            total += 1;
            let (j, a) = sniff_line(l, &resolver);
            json += j as u32;
            access += a as u32;
            if j && !l.trim_start().starts_with('{') {
                prefixed += 1;
            }
        }
        if total == 0 {
            return 0.0;
        }
        let json_frac = json as f32 / total as f32;
        let access_frac = access as f32 / total as f32;
        if access >= 2 && access_frac >= 0.02 {
            json_frac * (0.62 + 0.3 * (access_frac * 4.0).min(1.0))
        } else if prefixed * 2 > json {
            // Container-prefixed JSON that json-lines cannot read.
            0.5 * json_frac
        } else {
            0.0
        }
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(JsonAccessParser {
            resolver: ctx.resolver,
            spare: SparePairs::default(),
            scratch: JsonScratch::default(),
        })
    }
    fn line_independent(&self) -> bool {
        true
    }
}

struct JsonAccessParser {
    resolver: Resolver,
    /// The `attrs` allocation of the last line's event.
    spare: SparePairs,
    /// The lists of the JSON reader, for lines that are no request.
    scratch: JsonScratch,
}

impl LineParser for JsonAccessParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let text = strip_compose_prefix(line.text);
        let t = text.trim();
        if t.is_empty() {
            return Disposition::Skipped("empty line");
        }
        if memchr(b'{', t.as_bytes()) != Some(0) {
            return Disposition::Skipped(REASON_NOT_ACCESS);
        }
        match access_event(t, &self.resolver, line, &mut self.spare) {
            Ok(Some(mut e)) => {
                self.spare.hand_over(&mut e, out);
                Disposition::Parsed
            }
            Ok(None) => parse_json_line_with(t, &self.resolver, line, out, &mut self.scratch),
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
    use crate::event::Event;
    use crate::parser::parse_str;
    use crate::time::{Zone, format_utc};

    #[test]
    fn scanner() {
        let s = r#" {"a":"x","b":12.5,"c":{"d":[1,{"e":"}"}]},"f":"q\"\u00e9\ud83d\ude00","g":true,"h":null,"i":[]}"#;
        let mut it = object(s);
        let got: Vec<(String, String)> = it
            .by_ref()
            .map(|(k, v)| (k.into_owned(), v.text().into_owned()))
            .collect();
        assert!(!it.bad);
        assert_eq!(
            got,
            vec![
                ("a".into(), "x".into()),
                ("b".into(), "12.5".into()),
                ("c".into(), r#"{"d":[1,{"e":"}"}]}"#.into()),
                ("f".into(), "q\"é😀".into()),
                ("g".into(), "true".into()),
                ("h".into(), "null".into()),
                ("i".into(), "[]".into()),
            ]
        );
        for bad in [
            r#"{"a":}"#,
            r#"{"a" 1}"#,
            r#"{"a":"x"#,
            "[1]",
            r#"{"a":nope}"#,
            r#"{"a":{"b":1}"#,
        ] {
            let mut it = object(bad);
            for _ in it.by_ref() {}
            assert!(it.bad, "{bad}");
        }
        assert_eq!(byte_array_text("[72,105]").as_deref(), Some("Hi"));
        assert_eq!(first_of_array(r#"["a b","c"]"#).as_deref(), Some("a b"));
    }

    fn run(text: &str) -> (Vec<Event<'static>>, crate::parser::Accounting) {
        let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "t");
        let mut p = JsonAccess.parser(&ctx);
        let mut ev: Vec<Event<'static>> = Vec::new();
        let acct = parse_str(text, p.as_mut(), &mut ev);
        (ev, acct)
    }

    #[test]
    fn shapes() {
        let text = concat!(
            r#"caddy  | {"level":"info","ts":1761019828.6153953,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"172.19.0.1","client_ip":"172.19.0.1","proto":"HTTP/1.1","method":"GET","host":"localhost","uri":"/api/items/7?x=1","headers":{"User-Agent":["Mozilla/5.0"],"Referer":["http://localhost/"]}},"bytes_read":0,"duration":0.001674508,"size":0,"status":304}"#,
            "\n",
            r#"{"time_local":"01/Jun/2023:14:50:00 +0900","remote_addr":"10.0.0.5","request":"POST /login HTTP/1.1","status":"302","body_bytes_sent":"0","request_time":"0.125","upstream_response_time":"0.120","http_user_agent":"curl/8 \"x\"","http_x_forwarded_for":"203.0.113.9"}"#,
            "\n",
            r#"{"EdgeStartTimestamp":"2023-06-01T05:50:00Z","EdgeEndTimestamp":"2023-06-01T05:50:01.5Z","ClientIP":"198.51.100.4","ClientRequestHost":"shop.example.jp","ClientRequestMethod":"GET","ClientRequestURI":"/cart","EdgeResponseStatus":200,"EdgeResponseBytes":1234,"RayID":"7d1a"}"#,
            "\n",
            r#"caddy  | {"level":"info","ts":1761019822.3154097,"msg":"using config from file","file":"/etc/caddy/Caddyfile"}"#,
            "\n",
            "caddy  | not json\n",
        );
        let (ev, acct) = run(text);
        assert_eq!((acct.lines, acct.parsed, acct.skipped), (5, 4, 1));
        let (lg, _) = run(concat!(
            r#"{"method":"GET","path":"/api/items/3","format":"json","controller":"ItemsController","action":"show","status":200,"duration":58.33,"view":40.43,"db":15.26,"time":"2023-06-01T05:50:00Z"}"#,
            "\n",
            r#"{"time":"2023-06-01T05:50:01Z","method":"GET","url":"/x","status":200,"latency":"0.250s"}"#,
            "\n",
        ));
        assert_eq!(lg[0].duration_ms, Some(58.33));
        assert_eq!(lg[0].route.as_deref(), Some("/api/items/:id"));
        assert_eq!(lg[1].duration_ms, Some(250.0));
        let e = &ev[0];
        assert_eq!(e.kind, Kind::Request);
        assert_eq!(e.method.as_deref(), Some("GET"));
        assert_eq!(e.route.as_deref(), Some("/api/items/:id"));
        assert_eq!(e.status, Some(304));
        assert_eq!(e.host.as_deref(), Some("localhost"));
        assert_eq!(e.client.as_deref(), Some("172.19.0.1"));
        assert!((e.duration_ms.unwrap() - 1.674508).abs() < 1e-9);
        assert_eq!(e.attr("ua"), Some("Mozilla/5.0"));
        assert_eq!(e.app.as_deref(), Some("http.log.access"));
        let e = &ev[1];
        assert_eq!(format_utc(e.ts), "2023-06-01T05:50:00.000Z");
        assert_eq!(e.method.as_deref(), Some("POST"));
        assert_eq!(e.path.as_deref(), Some("/login"));
        assert_eq!(e.duration_ms, Some(125.0));
        assert_eq!(e.attr("upstream_ms"), Some("120"));
        assert_eq!(e.client.as_deref(), Some("203.0.113.9"));
        assert_eq!(e.attr("ua"), Some("curl/8 \"x\""));
        let e = &ev[2];
        assert_eq!(e.duration_ms, Some(1500.0));
        assert_eq!(e.host.as_deref(), Some("shop.example.jp"));
        assert_eq!(e.request_id.as_deref(), Some("7d1a"));
        assert_eq!(ev[3].kind, Kind::Log);
        assert_eq!(ev[3].message, "using config from file");
    }
}

//! .NET logs:
//!
//! - `dotnet-console`: Microsoft.Extensions.Logging's simple console
//!   formatter, two-line (`info: Microsoft.Hosting.Lifetime[14]` then the
//!   message indented six spaces) or single-line, with an optional leading
//!   timestamp (`TimestampFormat`, or a container runtime's RFC 3339
//!   prefix). Exceptions follow indented. ASP.NET Core's `Request finished
//!   HTTP/1.1 GET http://host/path - 200 - application/json 12.3456ms` becomes
//!   a `request` event. Lines without any timestamp cannot be placed in time
//!   and are skipped with that reason.
//! - `dotnet-serilog`: Serilog's compact JSON (`@t`, `@m`/`@mt`, `@l`, `@x`,
//!   `@i`, properties): a missing `@l` means Information; `@m` is rendered
//!   from `@mt` when absent; `RequestMethod`/`RequestPath`/`StatusCode`/`Elapsed`
//!   (Serilog.AspNetCore) make a `request`.

use crate::apps::{Head, HeadFormat, json_text, stack};
use crate::event::{Event, EventSink, Kind, Level};
use crate::fields::FieldSink;
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::route;
use crate::split::Line;
use crate::structured::{REASON_NO_TS, REASON_NOT_JSON};
use crate::time::{self, Resolver};
use std::borrow::Cow;

/// The .NET console format.
pub fn console_format() -> HeadFormat {
    HeadFormat {
        name: "dotnet-console",
        description: ".NET Microsoft.Extensions.Logging console: [timestamp] info: Category[EventId] then the message (two-line or single-line)",
        head: console_head,
        weight: 0.9,
        marker: None,
        refine: Some(aspnet_request),
        cont: None,
    }
}

fn mel_level(w: &str) -> Option<Level> {
    Some(match w {
        "trce" => Level::Trace,
        "dbug" => Level::Debug,
        "info" => Level::Info,
        "warn" => Level::Warn,
        "fail" => Level::Error,
        "crit" => Level::Fatal,
        _ => return None,
    })
}

/// Reason for console lines written without a timestamp.
pub const REASON_NO_TIMESTAMP: &str =
    "no timestamp (console formatter without TimestampFormat): cannot be placed in time";

/// `[ts ]info: Category[EventId][ message]`.
pub fn console_head(text: &str) -> Option<Head<'_>> {
    let (stamp, rest) = match time::parse_prefix(text) {
        Some((st, used)) => (Some(st), text[used..].trim_start_matches(' ')),
        None => (None, text),
    };
    let (lvl, rest) = rest.split_once(": ")?;
    let level = mel_level(lvl)?;
    let open = rest.find('[')?;
    let close = open + rest[open..].find(']')?;
    let category = &rest[..open];
    let event_id = &rest[open + 1..close];
    if category.is_empty()
        || category.contains(' ')
        || !event_id.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    {
        return None;
    }
    let mut h = Head {
        stamp,
        level: Some(level),
        logger: Some(category),
        msg: rest[close + 1..].trim_start(),
        ..Head::default()
    };
    if stamp.is_none() {
        h.no_time = Some(REASON_NO_TIMESTAMP);
    }
    h.attrs.push(("event_id", Cow::Borrowed(event_id)));
    Some(h)
}

/// ASP.NET Core hosting diagnostics: `Request finished HTTP/1.1 GET http://h/p?q - 200 - text/plain 12.3456ms`.
pub fn aspnet_request(e: &mut Event<'static>) {
    let Some(rest) = e.message.strip_prefix("Request finished ") else {
        return;
    };
    let toks: Vec<&str> = rest.split_whitespace().collect();
    let (Some(method), Some(url)) = (toks.get(1), toks.get(2)) else {
        return;
    };
    let status = toks
        .iter()
        .skip(3)
        .filter_map(|t| t.parse::<u16>().ok())
        .find(|s| (100..600).contains(s));
    let dur = toks
        .last()
        .and_then(|t| t.strip_suffix("ms"))
        .and_then(|d| d.parse::<f64>().ok());
    let path = match url.find("://") {
        Some(i) => url[i + 3..]
            .find('/')
            .map(|j| &url[i + 3 + j..])
            .unwrap_or("/"),
        None => url,
    };
    let path = path.split('?').next().unwrap_or(path).to_string();
    e.route = Some(Cow::Owned(route::normalize(&path).into_owned()));
    e.method = Some(Cow::Owned(method.to_string()));
    e.path = Some(Cow::Owned(path));
    e.status = status;
    e.duration_ms = dur;
    if status.is_some() {
        e.kind = Kind::Request;
    }
}

/// Serilog compact JSON lines.
pub struct SerilogCompact;

fn serilog_line(l: &str) -> bool {
    let t = l.trim_start();
    t.starts_with('{') && t.contains("\"@t\"") && (t.contains("\"@m\"") || t.contains("\"@mt\""))
}

impl Format for SerilogCompact {
    fn name(&self) -> &str {
        "dotnet-serilog"
    }
    fn description(&self) -> &str {
        "Serilog compact JSON (@t, @m/@mt, @l, @x, properties; Serilog.AspNetCore request lines)"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.9 * sample.fraction(|l| l.trim().is_empty(), serilog_line)
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(SerilogParser {
            resolver: ctx.resolver,
        })
    }
}

struct SerilogParser {
    resolver: Resolver,
}

/// Render a message template: `{Name}` / `{Name:format}` / `{@Name}` from the properties.
fn render(template: &str, props: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('{') {
            out.push('{');
            rest = a;
            continue;
        }
        let Some(end) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let name = after[..end]
            .trim_start_matches(['@', '$'])
            .split([':', ','])
            .next()
            .unwrap_or("");
        match props.get(name) {
            Some(v) => out.push_str(&json_text(v).0),
            None => out.push_str(&rest[i..i + end + 2]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

impl LineParser for SerilogParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let t = line.text.trim();
        if t.is_empty() {
            return Disposition::Skipped("empty line");
        }
        let Ok(map) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(t) else {
            return Disposition::Skipped(REASON_NOT_JSON);
        };
        let mut s = FieldSink::new(&self.resolver, line.number, line.offset);
        let Some(ts) = map.get("@t").and_then(|v| v.as_str()) else {
            return Disposition::Skipped(REASON_NO_TS);
        };
        if !s.set_time(ts) {
            return Disposition::Skipped(REASON_NO_TS);
        }
        let level = match map.get("@l").and_then(|v| v.as_str()) {
            None => Level::Info,
            Some("Verbose") => Level::Trace,
            Some("Debug") => Level::Debug,
            Some("Information") => Level::Info,
            Some("Warning") => Level::Warn,
            Some("Error") => Level::Error,
            Some("Fatal") => Level::Fatal,
            Some(other) => Level::parse(other).unwrap_or(Level::Info),
        };
        s.event.level = Some(level);
        let msg = match (
            map.get("@m").and_then(|v| v.as_str()),
            map.get("@mt").and_then(|v| v.as_str()),
        ) {
            (Some(m), _) => m.to_string(),
            (None, Some(mt)) => render(mt, &map),
            (None, None) => String::new(),
        };
        s.event.message = Cow::Owned(msg);
        let mut exception = None;
        for (k, v) in &map {
            let (text, numeric) = json_text(v);
            match k.as_str() {
                "@t" | "@m" | "@mt" | "@l" | "@r" => {}
                "@x" => exception = Some(text),
                "@i" => s.put_other(Cow::Borrowed("event_id"), Cow::Owned(text)),
                "SourceContext" => s.event.app = Some(Cow::Owned(text)),
                "RequestMethod" => s.event.method = Some(Cow::Owned(text)),
                "RequestPath" => s.put(Cow::Borrowed("path"), Cow::Owned(text), false),
                "StatusCode" => s.put(Cow::Borrowed("status"), Cow::Owned(text), numeric),
                "Elapsed" => s.put(Cow::Borrowed("duration_ms"), Cow::Owned(text), numeric),
                "MachineName" => s.event.host = Some(Cow::Owned(text)),
                "ThreadId" => s.event.thread = Some(Cow::Owned(text)),
                "ProcessId" => s.event.pid = text.parse().ok(),
                _ => s.put(Cow::Owned(k.clone()), Cow::Owned(text), numeric),
            }
        }
        let Some(mut e) = s.finish() else {
            return Disposition::Skipped(REASON_NO_TS);
        };
        if let Some(x) = exception {
            let first = x.lines().next().unwrap_or("").to_string();
            if let Some((class, m)) = stack::exception_head(&first) {
                e.attrs
                    .push((Cow::Borrowed("exception"), Cow::Owned(class.to_string())));
                if e.code.is_none() {
                    e.code = crate::codes::extract_code(m).map(Cow::Owned);
                }
            }
            e.attrs.push((Cow::Borrowed("stack"), Cow::Owned(x)));
            stack::settle_kind(&mut e);
        }
        out.push(e);
        Disposition::Parsed
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ParseTester;
    use crate::time::format_utc;

    #[test]
    fn console_two_line_single_line_and_requests() {
        let text = "2023-06-01 14:50:00 info: Microsoft.Hosting.Lifetime[14]\n      Now listening on: http://localhost:5000\n\
2023-06-01 14:50:01 info: Microsoft.AspNetCore.Hosting.Diagnostics[2]\n      Request finished HTTP/1.1 GET http://localhost:5000/api/items/12?x=1 - 200 - application/json;+charset=utf-8 1204.5ms\n\
2023-06-01 14:50:02 fail: Shop.Checkout[0] checkout failed\n      Npgsql.PostgresException (0x80004005): 40P01: deadlock detected\n         at Npgsql.X.Y()\n\
info: No.Timestamp[1]\n      lost in time\n";
        let f = console_format();
        let (ev, acct) = ParseTester::new(&f, "Asia/Tokyo")
            .check(text.as_bytes())
            .unwrap();
        assert_eq!(
            (acct.lines, acct.parsed, acct.continuation, acct.skipped),
            (9, 3, 5, 1)
        );
        assert_eq!(acct.skip_reasons.get(REASON_NO_TIMESTAMP), Some(&1));
        assert_eq!(ev[0].message, "Now listening on: http://localhost:5000");
        assert_eq!(ev[0].app.as_deref(), Some("Microsoft.Hosting.Lifetime"));
        assert_eq!(format_utc(ev[0].ts), "2023-06-01T05:50:00.000Z");
        assert_eq!(ev[1].kind, Kind::Request);
        assert_eq!(ev[1].route.as_deref(), Some("/api/items/:id"));
        assert_eq!(ev[1].status, Some(200));
        assert_eq!(ev[1].duration_ms, Some(1204.5));
        assert_eq!(ev[2].kind, Kind::Error);
        assert_eq!(ev[2].message.lines().next(), Some("checkout failed"));
    }

    #[test]
    fn serilog_compact() {
        let text = concat!(
            r#"{"@t":"2023-06-01T05:50:00.1234567Z","@mt":"HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms","RequestMethod":"POST","RequestPath":"/orders/42","StatusCode":200,"Elapsed":13012.5,"SourceContext":"Serilog.AspNetCore.RequestLoggingMiddleware","RequestId":"0HMR:1"}"#,
            "\n",
            r#"{"@t":"2023-06-01T05:50:01Z","@m":"Grant failed","@l":"Error","@x":"System.InvalidOperationException: SQLSTATE 40001 serialization failure\n   at X.Y()","UserId":42,"order_id":"88213"}"#,
            "\n"
        );
        let (ev, acct) = ParseTester::new(&SerilogCompact, "UTC")
            .check(text.as_bytes())
            .unwrap();
        assert_eq!(acct.parsed, 2);
        assert_eq!(ev[0].kind, Kind::Request);
        assert_eq!(
            ev[0].message,
            "HTTP POST /orders/42 responded 200 in 13012.5 ms"
        );
        assert_eq!(ev[0].route.as_deref(), Some("/orders/:id"));
        assert_eq!(ev[0].duration_ms, Some(13012.5));
        assert_eq!(ev[0].request_id.as_deref(), Some("0HMR:1"));
        assert_eq!(ev[1].kind, Kind::Error);
        assert_eq!(
            ev[1].attr("exception"),
            Some("System.InvalidOperationException")
        );
        assert_eq!(ev[1].code.as_deref(), Some("SQLSTATE 40001"));
        assert!(ev[1].ids.iter().any(|(k, v)| k == "UserId" && v == "42"));
    }
}

//! Node.js JSON loggers: bunyan (`{"name","hostname","pid","level":30,"msg","time","v":0}`)
//! and pino (`{"level":30,"time":1685598600123,"pid","hostname","msg"}`).
//!
//! Numeric levels map 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60
//! fatal; `name` is the app, `hostname` the host. pino-http / bunyan request
//! logs (`req.method`, `req.url`, `res.statusCode`, `responseTime` or
//! `latency`) become `request` events; an `err` object gives the exception
//! class (`err.name` or `err.type`) and, from its message, a code.

use crate::apps::stack;
use crate::event::{Event, EventSink, Kind};
use crate::fields::parse_duration_ms;
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::route;
use crate::split::Line;
use crate::structured::{JsonScratch, REASON_NOT_JSON, parse_json_line_with};
use crate::time::Resolver;
use std::borrow::Cow;

/// bunyan / pino JSON lines.
pub struct NodeJson;

/// A bunyan or pino line: an object with a numeric `level`, and `"v":0`
/// (bunyan) or a numeric epoch `time` with `pid`/`hostname` (pino).
fn node_line(l: &str) -> bool {
    let t = l.trim_start();
    if !t.starts_with('{') {
        return false;
    }
    let numeric_level = t.contains("\"level\":") && {
        let i = t.find("\"level\":").unwrap_or(0) + 8;
        t[i..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
    };
    if !numeric_level {
        return false;
    }
    let bunyan = t.contains("\"v\":0") && t.contains("\"hostname\"");
    let pino = t.contains("\"time\":")
        && {
            let i = t.find("\"time\":").unwrap_or(0) + 7;
            t[i..]
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit())
        }
        && (t.contains("\"pid\"") || t.contains("\"hostname\""));
    bunyan || pino
}

impl Format for NodeJson {
    fn name(&self) -> &str {
        "node-bunyan-pino"
    }
    fn description(&self) -> &str {
        "Node.js bunyan / pino JSON lines (numeric levels, name, hostname, pid; req/res/responseTime requests; err objects)"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.9 * sample.fraction(|l| l.trim().is_empty(), node_line)
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(NodeParser {
            resolver: ctx.resolver,
            scratch: JsonScratch::default(),
        })
    }
}

struct NodeParser {
    resolver: Resolver,
    /// The JSON reader's lists, kept from line to line.
    scratch: JsonScratch,
}

/// Hands each event the common key mapping makes on, fixed up in place by
/// [`post`].
struct Post<'o>(&'o mut dyn EventSink);

impl EventSink for Post<'_> {
    fn push(&mut self, mut e: Event<'_>) {
        post(&mut e);
        self.0.push(e);
    }
    fn push_mut(&mut self, e: &mut Event<'_>) {
        post(e);
        self.0.push_mut(e);
    }
}

/// Fix up what the common key mapping leaves: status, duration, request kind, err.
fn post(e: &mut Event<'_>) {
    let mut status = None;
    let mut dur = None;
    let mut err = None;
    for (k, v) in &e.attrs {
        match k.as_ref() {
            "statusCode" => status = v.parse::<u16>().ok(),
            "responseTime" => dur = parse_duration_ms(v, 1.0),
            "err" | "error" if v.starts_with('{') => err = Some(v.to_string()),
            _ => {}
        }
    }
    if e.status.is_none() {
        e.status = status;
    }
    if e.duration_ms.is_none() {
        e.duration_ms = dur;
    }
    if let (Some(_), Some(p)) = (e.status, e.path.as_deref()) {
        if e.route.is_none() {
            e.route = Some(Cow::Owned(route::normalize(p).into_owned()));
        }
        if matches!(e.kind, Kind::Log | Kind::Error) && e.method.is_some() {
            e.kind = Kind::Request;
        }
    }
    if let Some(err) = err {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&err) {
            let class = v
                .get("name")
                .or_else(|| v.get("type"))
                .and_then(|n| n.as_str())
                .map(str::to_string);
            if let Some(c) = class {
                e.attrs.push((Cow::Borrowed("exception"), Cow::Owned(c)));
            }
            if e.code.is_none() {
                let code = v
                    .get("code")
                    .and_then(|c| c.as_str().map(str::to_string))
                    .or_else(|| {
                        v.get("message")
                            .and_then(|m| m.as_str())
                            .and_then(crate::codes::extract_code)
                    });
                e.code = code.map(Cow::Owned);
            }
            stack::settle_kind(e);
        }
    }
}

impl LineParser for NodeParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if line.text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        if !line.text.trim_start().starts_with('{') {
            return Disposition::Skipped(REASON_NOT_JSON);
        }
        parse_json_line_with(
            line.text,
            &self.resolver,
            line,
            &mut Post(out),
            &mut self.scratch,
        )
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::testutil::ParseTester;

    #[test]
    fn bunyan_and_pino() {
        let text = concat!(
            r#"{"name":"renovate","hostname":"renovate-gitlab-67c4bcb5-9ggbv","pid":7,"level":20,"logContext":"qjifsaDDI","msg":"Found npm package files","time":"2023-03-24T14:26:16.243Z","v":0}"#,
            "\n",
            r#"{"level":30,"time":1685598600123,"pid":12,"hostname":"api-1","req":{"id":1,"method":"GET","url":"/items/12"},"res":{"statusCode":200},"responseTime":13,"msg":"request completed"}"#,
            "\n",
            r#"{"level":50,"time":1685598601000,"pid":12,"hostname":"api-1","err":{"type":"Error","message":"ER_LOCK_DEADLOCK: Deadlock found; SQLSTATE 40001","stack":"Error: x\n    at y"},"msg":"checkout failed"}"#,
            "\n",
        );
        let (ev, acct) = ParseTester::new(&NodeJson, "UTC")
            .check(text.as_bytes())
            .unwrap();
        assert_eq!(acct.parsed, 3);
        assert_eq!(ev[0].level, Some(Level::Debug));
        assert_eq!(ev[0].app.as_deref(), Some("renovate"));
        assert_eq!(
            ev[0].host.as_deref(),
            Some("renovate-gitlab-67c4bcb5-9ggbv")
        );
        assert_eq!(ev[0].pid, Some(7));
        assert_eq!(ev[1].kind, Kind::Request);
        assert_eq!(ev[1].status, Some(200));
        assert_eq!(ev[1].duration_ms, Some(13.0));
        assert_eq!(ev[1].route.as_deref(), Some("/items/:id"));
        assert_eq!(ev[1].host.as_deref(), Some("api-1"));
        assert_eq!(ev[2].kind, Kind::Error);
        assert_eq!(ev[2].attr("exception"), Some("Error"));
        assert_eq!(ev[2].code.as_deref(), Some("SQLSTATE 40001"));
    }
}

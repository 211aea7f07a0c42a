//! Structured logs: JSON lines and logfmt, with the common key names mapped
//! by [`crate::fields`].

use crate::event::{EventSink, Str};
use crate::fields::FieldSink;
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::Resolver;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// Reason for lines that are not a JSON object.
pub const REASON_NOT_JSON: &str = "not a JSON object";
/// Reason for records without a usable timestamp.
pub const REASON_NO_TS: &str = "no timestamp";

/// Top-level pairs of a JSON object, values kept raw (not parsed).
struct Pairs<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Pairs<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'de>, A::Error> {
                let mut v = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some((k, val)) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    v.push((k, val));
                }
                Ok(Pairs(v))
            }
        }
        d.deserialize_map(V)
    }
}

/// A raw JSON value as text: strings unescaped (borrowed when possible),
/// numbers and literals as written, objects/arrays as compact JSON.
fn raw_text(raw: &RawValue) -> (Cow<'_, str>, bool) {
    let s = raw.get();
    match s.as_bytes().first() {
        Some(b'"') => match serde_json::from_str::<Cow<'_, str>>(s) {
            Ok(c) => (c, false),
            Err(_) => (Cow::Borrowed(s.trim_matches('"')), false),
        },
        Some(b'-' | b'0'..=b'9') => (Cow::Borrowed(s), true),
        _ => (Cow::Borrowed(s), false),
    }
}

/// Containers whose fields are flattened one level (`record.message`,
/// `request.method`): CloudNativePG's `record`, Caddy's `request`, `fields`.
fn is_flattened_container(key: &str) -> bool {
    matches!(
        key,
        "record"
            | "request"
            | "fields"
            | "http"
            | "context"
            | "extra"
            | "data"
            | "req"
            | "res"
            | "response"
            | "log"
            | "event"
            | "labels"
            | "tags"
    )
}

/// Parse one JSON line into an event via the common key mapping.
pub fn parse_json_line<'a>(
    text: &'a str,
    resolver: &Resolver,
    line: &Line<'_>,
    out: &mut dyn EventSink,
) -> Disposition {
    let t = text.trim();
    if !t.starts_with('{') {
        return Disposition::Skipped(REASON_NOT_JSON);
    }
    let pairs: Pairs<'a> = match serde_json::from_str(t) {
        Ok(p) => p,
        Err(_) => return Disposition::Skipped(REASON_NOT_JSON),
    };
    let mut sink = FieldSink::new(resolver, line.number, line.offset);
    let mut nested: Vec<(Cow<'a, str>, &'a RawValue)> = Vec::new();
    for (k, v) in pairs.0 {
        let raw = v.get();
        if raw.starts_with('{') && is_flattened_container(&k) {
            if let Ok(inner) = serde_json::from_str::<Pairs<'a>>(raw) {
                nested.extend(inner.0);
                continue;
            }
        }
        let (val, numeric) = raw_text(v);
        sink.put(k, val, numeric);
    }
    // Nested fields fill what the top level left empty (a top-level `msg`
    // wins over `record.message`).
    for (k, v) in nested {
        let (val, numeric) = raw_text(v);
        sink.put(k, val, numeric);
    }
    match sink.finish() {
        Some(e) => {
            out.push(e);
            Disposition::Parsed
        }
        None => Disposition::Skipped(REASON_NO_TS),
    }
}

fn json_has_time_key(l: &str) -> bool {
    let t = l.trim_start();
    if !t.starts_with('{') {
        return false;
    }
    [
        "\"time\"",
        "\"ts\"",
        "\"timestamp\"",
        "\"@timestamp\"",
        "\"t\"",
        "\"date\"",
        "\"datetime\"",
        "\"log_time\"",
        "\"__REALTIME_TIMESTAMP\"",
        "\"asctime\"",
        "\"time_local\"",
        "\"@t\"",
        "\"time_iso8601\"",
    ]
    .iter()
    .any(|k| t.contains(k))
}

/// Generic JSON lines (one object per line).
pub struct JsonLines;

impl Format for JsonLines {
    fn name(&self) -> &str {
        "json-lines"
    }
    fn description(&self) -> &str {
        "JSON lines with common keys (time/ts/@timestamp, level, msg/message, pid, request_id, duration, method/path/status)"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.6 * sample.fraction(|l| l.trim().is_empty(), json_has_time_key)
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(JsonParser {
            resolver: ctx.resolver,
        })
    }
    fn line_independent(&self) -> bool {
        true
    }
}

struct JsonParser {
    resolver: Resolver,
}

impl LineParser for JsonParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if line.text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        parse_json_line(line.text, &self.resolver, line, out)
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

/// Iterate the `key=value` pairs of a logfmt line. Values may be quoted with
/// `"` and contain `\"` escapes; bare words without `=` are ignored.
pub fn logfmt_pairs(s: &str) -> LogfmtPairs<'_> {
    LogfmtPairs { s, i: 0 }
}

/// Iterator over logfmt pairs, see [`logfmt_pairs`].
pub struct LogfmtPairs<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Iterator for LogfmtPairs<'a> {
    type Item = (&'a str, Str<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.s.as_bytes();
        loop {
            while self.i < b.len() && b[self.i] == b' ' {
                self.i += 1;
            }
            if self.i >= b.len() {
                return None;
            }
            let key_start = self.i;
            while self.i < b.len() && b[self.i] != b'=' && b[self.i] != b' ' {
                self.i += 1;
            }
            let key = &self.s[key_start..self.i];
            if self.i >= b.len() || b[self.i] == b' ' {
                continue; // a bare word
            }
            self.i += 1; // '='
            if b.get(self.i) == Some(&b'"') {
                self.i += 1;
                let start = self.i;
                let mut escaped = false;
                while self.i < b.len() {
                    match b[self.i] {
                        b'\\' => {
                            escaped = true;
                            self.i += 2;
                        }
                        b'"' => break,
                        _ => self.i += 1,
                    }
                }
                let end = self.i.min(b.len());
                let raw = &self.s[start..end];
                self.i = (self.i + 1).min(b.len());
                let val = if escaped {
                    Cow::Owned(unescape(raw))
                } else {
                    Cow::Borrowed(raw)
                };
                if !key.is_empty() {
                    return Some((key, val));
                }
            } else {
                let start = self.i;
                while self.i < b.len() && b[self.i] != b' ' {
                    self.i += 1;
                }
                if !key.is_empty() {
                    return Some((key, Cow::Borrowed(&self.s[start..self.i])));
                }
            }
        }
    }
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn logfmt_like(l: &str) -> bool {
    let mut n = 0;
    let mut has_time = false;
    for (k, _) in logfmt_pairs(l).take(8) {
        n += 1;
        if matches!(k, "time" | "ts" | "t" | "timestamp" | "at") {
            has_time = true;
        }
    }
    n >= 3 && has_time
}

/// logfmt (`time=... level=info msg="..." key=value`), as Go's logrus text
/// formatter, Heroku and many Go services write it.
pub struct Logfmt;

impl Format for Logfmt {
    fn name(&self) -> &str {
        "logfmt"
    }
    fn description(&self) -> &str {
        "logfmt key=value lines (logrus, Heroku, Go services) with a time key"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.55 * sample.fraction(|l| l.trim().is_empty(), logfmt_like)
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(LogfmtParser {
            resolver: ctx.resolver,
        })
    }
    fn line_independent(&self) -> bool {
        true
    }
}

struct LogfmtParser {
    resolver: Resolver,
}

impl LineParser for LogfmtParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if line.text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        let mut sink = FieldSink::new(&self.resolver, line.number, line.offset);
        let mut any = false;
        for (k, v) in logfmt_pairs(line.text) {
            any = true;
            if k == "at" && sink.ts.is_none() && sink.set_time(&v) {
                continue;
            }
            sink.put(Cow::Borrowed(k), v, false);
        }
        if !any {
            return Disposition::Skipped("not logfmt");
        }
        match sink.finish() {
            Some(e) => {
                out.push(e);
                Disposition::Parsed
            }
            None => Disposition::Skipped(REASON_NO_TS),
        }
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, Kind, Level};
    use crate::parser::parse_str;
    use crate::time::Zone;

    fn run(format: &dyn Format, text: &str) -> (Vec<Event<'static>>, crate::parser::Accounting) {
        let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "t");
        let mut p = format.parser(&ctx);
        let mut events: Vec<Event<'static>> = Vec::new();
        let acct = parse_str(text, p.as_mut(), &mut events);
        (events, acct)
    }

    #[test]
    fn json_lines_common_keys() {
        let text = concat!(
            r#"{"time":"2023-06-01T05:50:00.123Z","level":"warn","msg":"slow \"query\"","pid":42,"request_id":"r-1","duration_ms":1500,"order_id":88213}"#,
            "\n",
            r#"{"level":30,"time":"2023-03-24T12:00:00Z","name":"renovate","hostname":"h1","msg":"ok"}"#,
            "\n",
            "not json\n",
            r#"{"msg":"no time"}"#,
            "\n",
            r#"{"ts":1669575482.0968924,"logger":"postgres","record":{"message":"connection received","process_id":"600","user_name":"postgres"}}"#,
            "\n",
        );
        let (ev, acct) = run(&JsonLines, text);
        assert_eq!((acct.lines, acct.parsed, acct.skipped), (5, 3, 2));
        assert_eq!(acct.skip_reasons.get(REASON_NOT_JSON), Some(&1));
        assert_eq!(acct.skip_reasons.get(REASON_NO_TS), Some(&1));
        assert_eq!(ev[0].message, "slow \"query\"");
        assert_eq!(ev[0].level, Some(Level::Warn));
        assert_eq!(ev[0].pid, Some(42));
        assert_eq!(ev[0].duration_ms, Some(1500.0));
        assert_eq!(ev[0].ids[0].1, "88213");
        assert_eq!(ev[1].level, Some(Level::Info));
        assert_eq!(ev[1].app.as_deref(), Some("renovate"));
        assert_eq!(ev[2].message, "connection received");
        assert_eq!(ev[2].pid, Some(600));
        assert_eq!(ev[2].app.as_deref(), Some("postgres"));
        assert_eq!(ev[2].user.as_deref(), Some("postgres"));
        assert_eq!(ev[2].kind, Kind::Log);
    }

    #[test]
    fn logfmt_lines() {
        let text = "time=\"2021-09-15T10:00:00Z\" level=error msg=\"pod \\\"x\\\" not found\" namespace=default pod=x\n\
                    time=2023-06-01T00:00:01Z level=info job=points run_id=r1 event=start user_id=7\n\
                    garbage\n";
        let (ev, acct) = run(&Logfmt, text);
        assert_eq!((acct.parsed, acct.skipped), (2, 1));
        assert_eq!(ev[0].message, "pod \"x\" not found");
        assert_eq!(ev[0].kind, Kind::Error);
        assert_eq!(ev[1].kind, Kind::JobStart);
        assert_eq!(ev[1].job.as_deref(), Some("points"));
        assert_eq!(ev[1].run_id.as_deref(), Some("r1"));
    }

    #[test]
    fn sniff_scores() {
        let lines = [
            r#"{"time":"2023-06-01T00:00:00Z","msg":"a"}"#,
            r#"{"time":"2023-06-01T00:00:01Z","msg":"b"}"#,
        ];
        let s = Sample {
            lines: &lines,
            file_name: "app.log",
        };
        assert!(JsonLines.sniff(&s) > 0.5);
        assert_eq!(Logfmt.sniff(&s), 0.0);
    }
}

//! Structured logs: JSON lines and logfmt, with the common key names mapped
//! by [`crate::fields`].

use crate::event::{EventSink, SpareLists, Str};
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

/// A JSON object key, borrowed from the line unless it has escapes
/// (serde's own `Cow<str>` is always a new `String`: one allocation for
/// every key of every line).
struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Reads a JSON object's top-level pairs into a list (kept from line to
/// line by [`JsonScratch`]).
struct PairsInto<'v, 'de>(&'v mut Vec<(Cow<'de, str>, &'de RawValue)>);

impl<'de> serde::de::DeserializeSeed<'de> for PairsInto<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PairsInto<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some((Key(k), val)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
            self.0.push((k, val));
        }
        Ok(())
    }
}

/// Append the top-level pairs of the JSON object `text` (the whole text,
/// as `serde_json::from_str` reads it) to `into`; `false`, with `into` as
/// it was, when `text` is not one.
fn read_pairs<'a>(text: &'a str, into: &mut Vec<(Cow<'a, str>, &'a RawValue)>) -> bool {
    use serde::de::DeserializeSeed;
    let before = into.len();
    let mut de = serde_json::Deserializer::from_str(text);
    let ok = PairsInto(into).deserialize(&mut de).is_ok() && de.end().is_ok();
    if !ok {
        into.truncate(before);
    }
    ok
}

/// A list of JSON pairs kept between lines, typed as borrowing nothing.
type KeptPairs = Vec<(Cow<'static, str>, &'static RawValue)>;

/// `pairs` emptied, its allocation kept, re-typed to outlive its line (an
/// empty list is collected in place: no copy, no new allocation).
#[allow(clippy::unnecessary_filter_map)] // `filter` cannot change the lifetime
fn emptied(mut pairs: Vec<(Cow<'_, str>, &'_ RawValue)>) -> KeptPairs {
    pairs.clear();
    pairs.into_iter().filter_map(|_| None).collect()
}

/// What a JSON-lines parser keeps from one line to the next, so that a
/// line allocates only what it must own (escaped text, a route, a code):
/// the lists of the object's pairs and of its nested container's pairs,
/// and the event's `attrs` and `ids` lists.
#[derive(Default)]
pub struct JsonScratch {
    pairs: KeptPairs,
    nested: KeptPairs,
    lists: SpareLists,
}

/// A raw JSON value as text: strings unescaped (borrowed when possible),
/// numbers and literals as written, objects/arrays as compact JSON.
fn raw_text(raw: &RawValue) -> (Cow<'_, str>, bool) {
    let s = raw.get();
    match s.as_bytes().first() {
        // A raw value is exactly the JSON text of the value, already checked:
        // a string without escapes is its own text between the quotes.
        Some(b'"') if s.len() >= 2 && memchr::memchr(b'\\', s.as_bytes()).is_none() => {
            (Cow::Borrowed(&s[1..s.len() - 1]), false)
        }
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

/// Parse one JSON line into an event via the common key mapping, with
/// the lists kept from the last line.
pub fn parse_json_line_with(
    text: &str,
    resolver: &Resolver,
    line: &Line<'_>,
    out: &mut dyn EventSink,
    scratch: &mut JsonScratch,
) -> Disposition {
    let t = text.trim();
    if !t.starts_with('{') {
        return Disposition::Skipped(REASON_NOT_JSON);
    }
    let mut pairs = std::mem::take(&mut scratch.pairs);
    let mut nested = std::mem::take(&mut scratch.nested);
    let disposition = read_object(t, resolver, line, out, &mut pairs, &mut nested, scratch);
    scratch.pairs = emptied(pairs);
    scratch.nested = emptied(nested);
    disposition
}

/// Read the JSON object `t` into an event, through `pairs` and `nested`
/// (empty), with the event's lists from `scratch`.
fn read_object<'a>(
    t: &'a str,
    resolver: &Resolver,
    line: &Line<'_>,
    out: &mut dyn EventSink,
    pairs: &mut Vec<(Cow<'a, str>, &'a RawValue)>,
    nested: &mut Vec<(Cow<'a, str>, &'a RawValue)>,
    scratch: &mut JsonScratch,
) -> Disposition {
    if !read_pairs(t, pairs) {
        return Disposition::Skipped(REASON_NOT_JSON);
    }
    let mut sink = FieldSink::new(resolver, line.number, line.offset);
    scratch.lists.lend(&mut sink.event);
    for (k, v) in pairs.drain(..) {
        let raw = v.get();
        if raw.starts_with('{') && is_flattened_container(&k) && read_pairs(raw, nested) {
            continue;
        }
        let (val, numeric) = raw_text(v);
        sink.put(k, val, numeric);
    }
    // Nested fields fill what the top level left empty (a top-level `msg`
    // wins over `record.message`).
    for (k, v) in nested.drain(..) {
        let (val, numeric) = raw_text(v);
        sink.put(k, val, numeric);
    }
    match sink.finish() {
        Some(mut e) => {
            scratch.lists.hand_over(&mut e, out);
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
            scratch: JsonScratch::default(),
        })
    }
    fn line_independent(&self) -> bool {
        true
    }
}

struct JsonParser {
    resolver: Resolver,
    scratch: JsonScratch,
}

impl LineParser for JsonParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if line.text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        parse_json_line_with(line.text, &self.resolver, line, out, &mut self.scratch)
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
            lists: SpareLists::default(),
        })
    }
    fn line_independent(&self) -> bool {
        true
    }
}

struct LogfmtParser {
    resolver: Resolver,
    /// The `attrs` and `ids` allocations of the last line's event.
    lists: SpareLists,
}

impl LineParser for LogfmtParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if line.text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        let mut sink = FieldSink::new(&self.resolver, line.number, line.offset);
        self.lists.lend(&mut sink.event);
        let mut any = false;
        for (k, v) in logfmt_pairs(line.text) {
            any = true;
            if k == "at" && sink.ts.is_none() && sink.set_time(&v) {
                continue;
            }
            sink.put(Cow::Borrowed(k), v, false);
        }
        if !any {
            self.lists.take_back(&mut sink.event);
            return Disposition::Skipped("not logfmt");
        }
        match sink.finish() {
            Some(mut e) => {
                self.lists.hand_over(&mut e, out);
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
    fn json_values_are_their_text() {
        // Whitespace around values, escapes, an empty string, numbers and
        // nested objects as written; a string without escapes is borrowed.
        let line = r#"{ "time" : "2023-06-01T05:50:00Z" , "msg" :  "tab\tand \u00e9"  , "a":"" , "b" : "plain text" ,"n": -1.5e3, "o": {"k": [1, "x"]} , "t":true}"#;
        let mut pairs = Vec::new();
        assert!(read_pairs(line, &mut pairs));
        assert!(!read_pairs(r#"{"a":1} x"#, &mut pairs), "trailing text");
        assert!(!read_pairs(r#"{"a":1,"b":}"#, &mut pairs), "no value");
        let texts: Vec<(String, String, bool, bool)> = pairs
            .iter()
            .map(|(k, v)| {
                let (text, numeric) = raw_text(v);
                let borrowed = matches!(text, Cow::Borrowed(_));
                (k.to_string(), text.into_owned(), numeric, borrowed)
            })
            .collect();
        let want = [
            ("time", "2023-06-01T05:50:00Z", false, true),
            ("msg", "tab\tand \u{e9}", false, false),
            ("a", "", false, true),
            ("b", "plain text", false, true),
            ("n", "-1.5e3", true, true),
            ("o", r#"{"k": [1, "x"]}"#, false, true),
            ("t", "true", false, true),
        ];
        let want: Vec<(String, String, bool, bool)> = want
            .iter()
            .map(|&(k, v, n, b)| (k.to_string(), v.to_string(), n, b))
            .collect();
        assert_eq!(texts, want);
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

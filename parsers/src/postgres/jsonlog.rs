//! `log_destination = 'jsonlog'` (PostgreSQL 15+): one JSON object per
//! message, parts as keys (`timestamp`, `pid`, `error_severity`,
//! `state_code`, `message`, `detail`, `context`, `statement`, ...).
//!
//! Also CloudNativePG's instance logs: JSON lines whose `record` object holds
//! the csvlog columns by name (`log_time`, `process_id`, `sql_state_code`,
//! ...) next to the operator's `level`, `ts`, `logger` and `logging_pod`.
//! CloudNativePG's own lines (`"logger":"wal-archive"`) are read as plain
//! log events.

use super::messages::{self, PartLines, Tracker, WaitsEnd};
use super::{Record, i18n, present};
use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{
    Disposition, Format, Joint, LineParser, PartEnd, PartParser, RunOver, Sample, Settlement,
    SourceCtx,
};
use crate::split::Line;
use crate::time::{self, Resolver};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// Reason for lines that are not JSON objects.
pub const REASON_NOT_JSON: &str = "not a JSON object";
/// Reason for objects that are not PostgreSQL log records.
pub const REASON_NOT_RECORD: &str = "JSON object without a PostgreSQL log record";

/// PostgreSQL jsonlog and CloudNativePG JSON logs.
#[derive(Debug, Clone, Copy, Default)]
pub struct PgJsonlog;

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
                let mut v = Vec::with_capacity(map.size_hint().unwrap_or(24));
                while let Some((k, val)) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    v.push((k, val));
                }
                Ok(Pairs(v))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> Pairs<'a> {
    fn raw(&self, keys: &[&str]) -> Option<&'a RawValue> {
        keys.iter()
            .find_map(|k| self.0.iter().find(|(n, _)| n == k).map(|(_, v)| *v))
    }

    /// A value as text: strings unescaped, numbers as written; `null` is absent.
    fn text(&self, keys: &[&str]) -> Option<Cow<'a, str>> {
        let raw = self.raw(keys)?.get();
        match raw.as_bytes().first() {
            Some(b'"') => serde_json::from_str::<Cow<'a, str>>(raw).ok(),
            Some(b'-' | b'0'..=b'9') => Some(Cow::Borrowed(raw)),
            _ => None,
        }
        .filter(|v| present(v))
    }
}

fn parse_pairs(t: &str) -> Option<Pairs<'_>> {
    serde_json::from_str::<Pairs<'_>>(t).ok()
}

/// True when the object is a PostgreSQL record (jsonlog, or a CloudNativePG `record`).
fn is_pg(p: &Pairs<'_>) -> bool {
    p.raw(&["error_severity"]).is_some()
        && p.raw(&["timestamp", "log_time"]).is_some()
        && p.raw(&["message"]).is_some()
}

/// Build a record from jsonlog keys or CloudNativePG `record` keys.
fn record<'a>(p: &Pairs<'a>, resolver: &Resolver, line: &Line<'_>) -> Option<Record<'a>> {
    let ts_text = p.text(&["timestamp", "log_time"])?;
    let (stamp, _) = time::parse_prefix(&ts_text)?;
    let ts = resolver.resolve(stamp)?;
    let word = p.text(&["error_severity"]).unwrap_or(Cow::Borrowed(""));
    let severity = i18n::severity_of(&word).unwrap_or_default();
    let (mut client, mut port) = (p.text(&["remote_host"]), p.text(&["remote_port"]));
    if client.is_none() {
        if let Some(c) = p.text(&["connection_from"]) {
            match c.rsplit_once(':') {
                Some((h, pt))
                    if !h.is_empty()
                        && !pt.is_empty()
                        && pt.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    client = Some(Cow::Owned(h.to_string()));
                    port = Some(Cow::Owned(pt.to_string()));
                }
                _ => client = Some(c),
            }
        }
    }
    Some(Record {
        line: line.number,
        offset: line.offset,
        line_count: 1,
        ts,
        severity,
        severity_word: word,
        pid: p
            .text(&["pid", "process_id"])
            .and_then(|v| v.trim().parse().ok()),
        sqlstate: p.text(&["state_code", "sql_state_code"]),
        message: p.text(&["message"]).unwrap_or(Cow::Borrowed("")),
        detail: p.text(&["detail"]),
        hint: p.text(&["hint"]),
        context: p.text(&["context"]),
        statement: p.text(&["statement", "query"]),
        query: p.text(&["internal_query"]),
        location: p.text(&["location"]),
        user: p.text(&["user", "user_name"]),
        db: p.text(&["dbname", "database_name"]),
        app: p.text(&["application_name"]),
        client,
        client_port: port,
        session: p.text(&["session_id"]),
        vxid: p.text(&["vxid", "virtual_transaction_id"]),
        txid: p.text(&["txid", "transaction_id"]),
        session_line: p
            .text(&["line_num", "session_line_num"])
            .and_then(|v| v.parse().ok()),
        backend_type: p.text(&["backend_type"]),
        command_tag: p.text(&["ps", "command_tag"]),
        query_id: p.text(&["query_id"]),
        ..Record::default()
    })
}

fn sniff_line(l: &str) -> f32 {
    let t = l.trim_start();
    if !t.starts_with('{') {
        return 0.0;
    }
    // Cheap checks first: the keys only PostgreSQL writes.
    let pg = t.contains("\"error_severity\"");
    let cnpg = t.contains("\"logging_pod\"") && t.contains("\"logger\"");
    if !pg && !cnpg {
        return 0.0;
    }
    match parse_pairs(t.trim_end()) {
        Some(p) if is_pg(&p) => 1.0,
        Some(p) => match p.raw(&["record"]).and_then(|r| parse_pairs(r.get())) {
            Some(r) if is_pg(&r) => 1.0,
            // CloudNativePG's own lines (instance manager, WAL archiving).
            _ if p.raw(&["logging_pod"]).is_some() => 0.8,
            _ => 0.0,
        },
        None => 0.0,
    }
}

impl Format for PgJsonlog {
    fn name(&self) -> &str {
        "postgres-jsonlog"
    }

    fn description(&self) -> &str {
        "PostgreSQL jsonlog (PG 15+) and CloudNativePG JSON logs"
    }

    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let mut total = 0u32;
        let mut score = 0.0f32;
        for l in sample.lines {
            if l.trim().is_empty() {
                continue;
            }
            total += 1;
            score += sniff_line(l);
        }
        if total == 0 {
            return 0.0;
        }
        0.98 * score / total as f32
    }

    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(JsonParser {
            resolver: ctx.resolver,
            tracker: Tracker::default(),
        })
    }

    /// Any file: a record is one line; only lock waits carry over.
    fn cut_at_records(&self, _: &Sample<'_>) -> bool {
        true
    }

    fn starts_part(&self, line: &str) -> bool {
        line.trim_start().starts_with('{')
    }

    fn part_parser(
        &self,
        ctx: &SourceCtx,
        after: Option<(&PartEnd, &[u32])>,
    ) -> Option<Box<dyn PartParser>> {
        Some(Box::new(JsonParser {
            resolver: ctx.resolver,
            tracker: WaitsEnd::tracker_after(after)?,
        }))
    }

    /// See `Tracker::then`: a part joins unless one of its lock time-outs
    /// ended a wait reported before it.
    fn join_parts(&self, before: &PartEnd, next: &PartEnd, claimed: &[u32]) -> Option<Joint> {
        WaitsEnd::join(before, next, claimed)
    }
}

/// The reader of one jsonlog / CloudNativePG file.
#[derive(Debug)]
pub struct JsonParser {
    resolver: Resolver,
    tracker: Tracker,
}

fn level_word(w: &str) -> Option<Level> {
    Level::parse(w)
}

impl LineParser for JsonParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let t = line.text.trim();
        if !t.starts_with('{') {
            return Disposition::Skipped(REASON_NOT_JSON);
        }
        let Some(top) = parse_pairs(t) else {
            return Disposition::Skipped(REASON_NOT_JSON);
        };
        if is_pg(&top) {
            return match record(&top, &self.resolver, line) {
                Some(rec) => {
                    messages::emit(&rec, &mut self.tracker, out);
                    Disposition::Parsed
                }
                None => Disposition::Skipped(REASON_NOT_RECORD),
            };
        }
        let pod = top.text(&["logging_pod"]);
        if let Some(inner) = top.raw(&["record"]).and_then(|r| parse_pairs(r.get())) {
            if is_pg(&inner) {
                return match record(&inner, &self.resolver, line) {
                    Some(mut rec) => {
                        rec.server_host = pod;
                        messages::emit(&rec, &mut self.tracker, out);
                        Disposition::Parsed
                    }
                    None => Disposition::Skipped(REASON_NOT_RECORD),
                };
            }
        }
        // CloudNativePG's own lines: `{"level","ts","logger","msg","logging_pod"}`
        // (the operator's have no pod).
        let ts = top
            .text(&["ts", "time", "timestamp"])
            .and_then(|v| time::parse_prefix(&v).map(|(s, _)| s))
            .and_then(|s| self.resolver.resolve(s));
        let msg = top.text(&["msg", "message"]);
        let (Some(ts), Some(msg)) = (ts, msg) else {
            return Disposition::Skipped(REASON_NOT_RECORD);
        };
        let mut e = Event::new(Kind::Log, ts, line.number, line.offset);
        e.level = top.text(&["level"]).and_then(|l| level_word(&l));
        if matches!(e.level, Some(l) if l >= Level::Error) {
            e.kind = Kind::Error;
        }
        e.app = top.text(&["logger"]);
        e.host = pod;
        e.message = match top.text(&["error", "err"]) {
            Some(err) => Cow::Owned(format!("{msg}: {err}")),
            None => msg,
        };
        out.push(e);
        Disposition::Parsed
    }

    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

impl PartParser for JsonParser {
    /// A record is one line: nothing is left open at a part's end.
    fn run_over(&mut self, _: &Line<'_>, _: &mut dyn EventSink) -> RunOver {
        RunOver::Done
    }

    fn part_end(&mut self) -> PartEnd {
        PartEnd(Box::new(WaitsEnd {
            tracker: std::mem::take(&mut self.tracker),
            lines: PartLines::default(),
        }))
    }
}

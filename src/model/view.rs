//! The contract's view of an event: the JSON object `events --json` prints
//! and exports embed.

use super::source::SourceReport;
use super::timeline::{SymCol, Timeline};
use serde_json::{Map, Value, json};

/// Event `i` as a JSON object: `id`, `ts`, `kind`, `source`, `line` and the
/// typed fields it has.
pub fn event_json(t: &Timeline, i: usize, sources: &[SourceReport]) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(i));
    m.insert("ts".into(), json!(pm_parsers::time::format_utc(t.ts(i))));
    m.insert("kind".into(), json!(t.kind(i).as_str()));
    let src = sources
        .get(t.source(i) as usize)
        .map(|s| s.path.as_str())
        .unwrap_or("");
    m.insert("source".into(), json!(src));
    m.insert("line".into(), json!(t.line(i)));
    if t.line_count(i) > 1 {
        m.insert("lines".into(), json!(t.line_count(i)));
    }
    if let Some(l) = t.level(i) {
        m.insert("level".into(), json!(l.as_str()));
    }
    if let Some(p) = t.pid(i) {
        m.insert("pid".into(), json!(p));
    }
    for c in SymCol::ALL {
        if let Some(v) = t.str(c, i) {
            m.insert(c.name().into(), json!(v));
        }
    }
    if let Some(p) = t.blocker_pid(i) {
        m.insert("blocker_pid".into(), json!(p));
    }
    if let Some(d) = t.duration_ms(i) {
        m.insert("duration_ms".into(), json!(d));
    }
    if let Some(s) = t.status(i) {
        m.insert("status".into(), json!(s));
    }
    if let Some(b) = t.bytes(i) {
        m.insert("bytes".into(), json!(b));
    }
    if let Some(p) = t.path(i) {
        m.insert("path".into(), json!(p));
    }
    if let Some(s) = t.statement(i) {
        m.insert("statement".into(), json!(s));
    }
    m.insert("message".into(), json!(t.message(i)));
    if let Some(x) = t.extra(i) {
        if !x.holders.is_empty() {
            m.insert("holders".into(), json!(x.holders));
        }
        if !x.queue.is_empty() {
            m.insert("queue".into(), json!(x.queue));
        }
        if !x.participants.is_empty() {
            m.insert("participants".into(), json!(x.participants));
        }
        if !x.ids.is_empty() {
            let ids: Map<String, Value> =
                x.ids.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            m.insert("ids".into(), Value::Object(ids));
        }
    }
    let attrs: Map<String, Value> = t.attrs(i).map(|(k, v)| (k.to_string(), json!(v))).collect();
    if !attrs.is_empty() {
        m.insert("attrs".into(), Value::Object(attrs));
    }
    m
}

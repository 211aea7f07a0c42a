//! `export --format json`: the case as one JSON document.
//!
//! ```json
//! {
//!   "pm_tui_export": 1,
//!   "generated_by": "pm-tui 0.1.0",
//!   "case": {"created": "…", "zone": "Asia/Tokyo", "zone_source": "--tz",
//!            "inputs": ["logs"], "events": 123456, "first_ts": "…", "last_ts": "…"},
//!   "display_zone": "Asia/Tokyo",
//!   "window": {"since": null, "until": null, "events": 123456},
//!   "redacted": false,
//!   "sources": [ /* the contract's source objects, as in `ingest --json` */ ],
//!   "findings": [ /* the contract's finding objects, as in `findings --json` */ ],
//!   "annotations": [{"ts": "…", "event": 42, "label": "detection", "note": "…"}],
//!   "episodes": [{"start": "…", "end": "…", "impact_start": "…", "impact_end": "…",
//!                 "findings": ["F1", "F2"], "primary": true}],
//!   "markers": [{"ts": "…", "label": "outage_begins", "inferred": true, "from": "F2"}],
//!   "key_events": [ /* `events --json` objects, plus "why": ["F1 head blocker", …] */ ]
//! }
//! ```
//!
//! Timestamps are RFC 3339 UTC with a `Z`, as everywhere in the contract.
//! Findings and annotations are those overlapping the window. With
//! redaction on, every string value (not the keys) is redacted.

use super::Scope;
use super::select::{self, Row};
use crate::model::view::event_json;
use pm_parsers::time::format_utc;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

fn opt_ts(t: Option<i64>) -> Value {
    t.map(|t| json!(format_utc(t))).unwrap_or(Value::Null)
}

fn label_name(l: crate::model::AnnotationLabel) -> String {
    serde_json::to_value(l)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn redact_all(scope: &Scope<'_>, v: &mut Value) {
    match v {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(r) = scope.text(s) {
                *s = r;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| redact_all(scope, x)),
        Value::Object(o) => o.values_mut().for_each(|x| redact_all(scope, x)),
        _ => {}
    }
}

/// Render the document.
pub fn render(scope: &Scope<'_>) -> Result<String, String> {
    let case = scope.case;
    let m = &case.meta;
    let t = &case.timeline;
    let eps = select::episodes(scope);
    let primary = select::primary(scope, &eps);
    let episodes: Vec<Value> = eps
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let (a, b) = e.impact_window();
            json!({
                "start": format_utc(e.start),
                "end": format_utc(e.end),
                "impact_start": format_utc(a),
                "impact_end": format_utc(b),
                "findings": e.findings.iter().map(|f| f.id.clone()).collect::<Vec<_>>(),
                "primary": primary == Some(k),
            })
        })
        .collect();
    let markers: Vec<Value> = select::markers(scope, &eps)
        .iter()
        .map(|mk| {
            let mut o = Map::new();
            o.insert("ts".into(), json!(format_utc(mk.ts)));
            o.insert("label".into(), json!(label_name(mk.label)));
            o.insert("inferred".into(), json!(mk.annotation.is_none()));
            if !mk.from.is_empty() {
                o.insert("from".into(), json!(mk.from));
            }
            Value::Object(o)
        })
        .collect();
    // Key events: the same selection as the markdown timeline, real events only.
    let keys = select::key_events(scope, &eps, scope.opts.max_events);
    let mut why: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for k in &keys {
        let Some(e) = k.event.filter(|&e| e < t.len()) else {
            continue;
        };
        let w = match &k.row {
            Row::Annotation(a) => format!("annotation: {}", label_name(a.label)),
            Row::Evidence(f, _, r) => format!("{} {r}", f.id),
            _ => continue,
        };
        why.entry(e).or_default().push(w);
    }
    // Every finding's picked evidence too, so JSON readers get the excerpts the report quotes.
    for f in &scope.findings {
        for (e, r) in select::evidence_picks(scope, f, 5) {
            let w = if r.is_empty() {
                format!("{} evidence", f.id)
            } else {
                format!("{} {r}", f.id)
            };
            let list = why.entry(e).or_default();
            if !list.contains(&w) {
                list.push(w);
            }
        }
    }
    let key_events: Vec<Value> = why
        .into_iter()
        .map(|(e, w)| {
            let mut o = event_json(t, e, &m.sources);
            o.insert("why".into(), json!(w));
            Value::Object(o)
        })
        .collect();
    let mut doc = json!({
        "pm_tui_export": 1,
        "generated_by": m.created_by,
        "case": {
            "created": m.created,
            "zone": m.zone,
            "zone_source": m.zone_source,
            "inputs": m.inputs,
            "events": m.events,
            "first_ts": m.first_ts,
            "last_ts": m.last_ts,
        },
        "display_zone": scope.opts.zone.to_string(),
        "window": {
            "since": opt_ts(scope.opts.since),
            "until": opt_ts(scope.opts.until),
            "events": scope.hi - scope.lo,
        },
        "redacted": scope.opts.redact,
        "sources": m.sources,
        "findings": scope.findings,
        "annotations": scope.annotations,
        "episodes": episodes,
        "markers": markers,
        "key_events": key_events,
    });
    if scope.red.is_active() {
        for key in ["case", "sources", "findings", "annotations", "key_events"] {
            if let Some(v) = doc.get_mut(key) {
                redact_all(scope, v);
            }
        }
    }
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

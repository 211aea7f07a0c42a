//! Error bursts: errors grouped by code (message id, SQLSTATE, HTTP 5xx by
//! endpoint) or by message template (numbers and ids masked), reported where
//! they come far denser than their own average.

use super::Draft;
use crate::model::{FindingKind, SymCol, Timeline};
use pm_parsers::{Kind, Level};
use serde_json::{Map, json};
use std::collections::{BTreeMap, BTreeSet};

/// A message with its variable parts masked: numbers → `N`, hex and ids →
/// `X`, quoted text → `"…"`. Cut to 80 characters.
pub fn template(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or("");
    let mut out = String::with_capacity(first.len().min(96));
    let mut chars = first.chars().peekable();
    while let Some(c) = chars.next() {
        if out.chars().count() >= 80 {
            out.push('…');
            break;
        }
        if c == '"' || c == '\'' {
            for d in chars.by_ref() {
                if d == c {
                    break;
                }
            }
            out.push(c);
            out.push('…');
            out.push(c);
        } else if c.is_ascii_digit() {
            let mut hexish = false;
            while let Some(&d) = chars.peek() {
                if d.is_ascii_alphanumeric() || d == '-' || d == '.' || d == ':' {
                    if d.is_ascii_alphabetic() {
                        hexish = true;
                    }
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(if hexish { 'X' } else { 'N' });
        } else {
            out.push(c);
        }
    }
    out
}

/// The burst key of event `i`, if it is an error.
fn key(t: &Timeline, i: usize) -> Option<String> {
    match t.kind(i) {
        Kind::Request => {
            let s = t.status(i)?;
            if s < 500 {
                return None;
            }
            let route = t.str(SymCol::Route, i).unwrap_or("?");
            let method = t.str(SymCol::Method, i).unwrap_or("");
            Some(format!("HTTP {}xx {method} {route}", s / 100).replace("  ", " "))
        }
        Kind::Deadlock | Kind::LockTimeout | Kind::LockWait | Kind::LockAcquired => None,
        _ => {
            let is_error =
                t.kind(i) == Kind::Error || t.level(i).is_some_and(|l| l >= Level::Error);
            if !is_error {
                return None;
            }
            match t.str(SymCol::Code, i) {
                Some(c) => Some(c.to_string()),
                None => {
                    let tpl = template(t.message(i));
                    (!tpl.trim().is_empty()).then_some(tpl)
                }
            }
        }
    }
}

/// Error bursts: clusters (gaps under `gap_us`) of at least `min_count`
/// errors of one key, at five times or more that key's average rate.
pub fn bursts(t: &Timeline, sources: &[String], min_count: usize, gap_us: i64) -> Vec<Draft> {
    if t.is_empty() {
        return Vec::new();
    }
    let span = (t.ts(t.len() - 1) - t.ts(0)).max(1);
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in 0..t.len() {
        if let Some(k) = key(t, i) {
            by_key.entry(k).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (k, list) in by_key {
        if list.len() < min_count {
            continue;
        }
        let avg_rate = list.len() as f64 / span as f64;
        let mut cluster: Vec<usize> = Vec::new();
        let mut emit = |cluster: &mut Vec<usize>| {
            if cluster.len() < min_count {
                cluster.clear();
                return;
            }
            let start = t.ts(cluster[0]);
            let end = t.ts(cluster[cluster.len() - 1]);
            let dur = (end - start).max(60_000_000);
            let rate = cluster.len() as f64 / dur as f64;
            if rate < 5.0 * avg_rate {
                cluster.clear();
                return;
            }
            let files: BTreeSet<&str> = cluster
                .iter()
                .filter_map(|&i| sources.get(t.source(i) as usize).map(String::as_str))
                .collect();
            let hosts: BTreeSet<&str> = cluster
                .iter()
                .filter_map(|&i| t.str(SymCol::Host, i))
                .collect();
            let n = cluster.len();
            let mut attrs = Map::new();
            attrs.insert("code".into(), json!(k));
            attrs.insert("count".into(), json!(n));
            attrs.insert("sources".into(), json!(files));
            attrs.insert("hosts".into(), json!(hosts));
            attrs.insert(
                "example".into(),
                json!(crate::text::truncate_chars(&t.summary(cluster[0]), 200)),
            );
            let summary = format!(
                "{n} × {k} between {} and {}{}",
                pm_parsers::time::format_utc(start),
                pm_parsers::time::format_utc(end),
                if hosts.is_empty() {
                    String::new()
                } else {
                    format!(
                        " on {}",
                        hosts.iter().copied().collect::<Vec<_>>().join(", ")
                    )
                }
            );
            let score = 0.25 + 0.45 * (1.0 - (-(n as f64) / 100.0).exp());
            let mut evidence = std::mem::take(cluster);
            if evidence.len() > 200 {
                let step = evidence.len() / 200 + 1;
                evidence = evidence.into_iter().step_by(step).collect();
            }
            out.push(Draft::new(
                FindingKind::ErrorBurst,
                start,
                end,
                score,
                summary,
                evidence,
                attrs,
            ));
        };
        for i in list {
            if let Some(&last) = cluster.last() {
                if t.ts(i) - t.ts(last) > gap_us {
                    emit(&mut cluster);
                }
            }
            cluster.push(i);
        }
        emit(&mut cluster);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pm_parsers::Event;
    use std::borrow::Cow;

    #[test]
    fn templates() {
        assert_eq!(
            template("Lock wait timeout after 50 s for order 88213"),
            "Lock wait timeout after N s for order N"
        );
        assert_eq!(
            template("user 'alice' failed id=5f2b8c9d"),
            "user '…' failed id=X"
        );
        assert_eq!(template("first\nsecond"), "first");
    }

    #[test]
    fn a_burst_over_a_quiet_background() {
        let mut t = Timeline::new();
        let mk = |s: i64, code: &'static str| {
            let mut e = Event::new(Kind::Error, s * 1_000_000, 1, 0);
            e.code = Some(Cow::Borrowed(code));
            e.level = Some(Level::Warn);
            e.message = Cow::Borrowed("x");
            e
        };
        for h in 0..24 {
            t.push(0, &mk(h * 3600, "KDJE34368-W"));
        }
        for s in 0..40 {
            t.push(0, &mk(50_000 + s * 5, "KDJE34368-W"));
        }
        t.sort();
        let b = bursts(&t, &[], 10, 120_000_000);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].attrs["count"], json!(40));
        assert_eq!(b[0].start, 50_000_000_000);
    }
}

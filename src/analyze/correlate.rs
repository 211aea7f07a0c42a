//! Correlation: for every latency spike, rank the findings that overlap or
//! shortly precede it as probable causes, each with a reason; and link
//! lock-convoy blockers to the job runs that held them.

use super::Draft;
use super::jobs::{Run, job_key};
use crate::model::FindingKind;
use serde_json::{Value, json};

/// How long before a spike a cause may start.
const LEAD_US: i64 = 5 * 60 * 1_000_000;

/// A ranked cause of a spike: (index of the cause among the drafts, score, reason).
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    /// Index of the cause among the drafts.
    pub draft: usize,
    /// 0..1.
    pub score: f64,
    /// Why, in one line.
    pub reason: String,
}

fn words(s: &str) -> Vec<String> {
    s.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| {
            w.len() >= 4
                && !matches!(
                    *w,
                    "http"
                        | "post"
                        | "https"
                        | "from"
                        | "where"
                        | "select"
                        | "update"
                        | "into"
                        | "table"
                        | "index"
                        | "relation"
                        | "transaction"
                        | "database"
                        | "tuple"
                        | "primary"
                )
        })
        .map(|w| w.trim_end_matches('s').to_string())
        .collect()
}

/// Share of the spike window covered by [start - lead, end] of a candidate.
fn coverage(spike: &Draft, c: &Draft) -> f64 {
    let len = (spike.end - spike.start).max(1);
    let lo = spike.start.max(c.start - LEAD_US);
    let hi = spike.end.min(c.end.max(c.start) + 60 * 1_000_000);
    ((hi - lo).max(0) as f64 / len as f64).min(1.0)
}

fn text_of(d: &Draft) -> String {
    let mut s = String::new();
    for k in ["resource", "code", "job", "tables", "example"] {
        if let Some(v) = d.attrs.get(k) {
            s.push_str(&v.to_string());
            s.push(' ');
        }
    }
    if let Some(b) = d.attrs.get("blocker") {
        s.push_str(&b.to_string());
    }
    s
}

/// Rank causes for every spike.
pub fn causes(drafts: &[Draft]) -> Vec<(usize, Vec<Cause>)> {
    let mut out = Vec::new();
    for (si, spike) in drafts.iter().enumerate() {
        if spike.kind != FindingKind::LatencySpike {
            continue;
        }
        let endpoint = spike
            .attrs
            .get("endpoint")
            .and_then(Value::as_str)
            .unwrap_or("");
        let ep_words = words(endpoint);
        let p95 = spike
            .attrs
            .get("p95_ms")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let mut list = Vec::new();
        for (ci, c) in drafts.iter().enumerate() {
            let kind_weight = match c.kind {
                FindingKind::LockConvoy => 1.0,
                FindingKind::LockTimeout => 0.8,
                FindingKind::Deadlock => 0.6,
                FindingKind::DuplicateRun => 0.6,
                FindingKind::ErrorBurst => 0.5,
                _ => continue,
            };
            let cov = coverage(spike, c);
            if cov <= 0.0 {
                continue;
            }
            let text = text_of(c);
            let shared: Vec<String> = words(&text)
                .into_iter()
                .filter(|w| ep_words.contains(w))
                .collect();
            let link = if shared.is_empty() { 0.0 } else { 1.0 };
            let (magnitude, detail) = match c.kind {
                FindingKind::LockConvoy => {
                    let w = c
                        .attrs
                        .get("max_wait_ms")
                        .and_then(Value::as_f64)
                        .unwrap_or(0.0);
                    let m = if p95 > 0.0 { (w / p95).min(1.0) } else { 0.5 };
                    (
                        m.max(0.2),
                        format!(
                            "waits up to {} against p95 {}",
                            crate::text::human_ms(w),
                            crate::text::human_ms(p95)
                        ),
                    )
                }
                FindingKind::ErrorBurst => {
                    let n = c.attrs.get("count").and_then(Value::as_f64).unwrap_or(0.0);
                    ((n / 50.0).min(1.0), format!("{n} errors"))
                }
                FindingKind::LockTimeout => {
                    let n = c.attrs.get("count").and_then(Value::as_f64).unwrap_or(0.0);
                    ((n / 20.0).clamp(0.3, 1.0), format!("{n} time-outs"))
                }
                _ => (0.5, String::new()),
            };
            let score = kind_weight * cov * (0.4 + 0.6 * magnitude) * (0.55 + 0.45 * link);
            if score < 0.2 {
                continue;
            }
            let mut reason = format!(
                "{} overlaps {:.0}% of the spike",
                c.kind.as_str().replace('_', " "),
                cov * 100.0
            );
            if !detail.is_empty() {
                reason.push_str(&format!("; {detail}"));
            }
            if !shared.is_empty() {
                reason.push_str(&format!("; both name {}", shared.join(", ")));
            }
            list.push(Cause {
                draft: ci,
                score: (score * 100.0).round() / 100.0,
                reason,
            });
        }
        list.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.draft.cmp(&b.draft)));
        list.truncate(5);
        out.push((si, list));
    }
    out
}

/// Name the job run behind each convoy's head blocker where the logs allow:
/// a run active during the convoy whose host, or whose name in the
/// blocker's application, user or statement, matches.
pub fn link_blockers(drafts: &mut [Draft], runs: &[Run]) {
    for d in drafts
        .iter_mut()
        .filter(|d| d.kind == FindingKind::LockConvoy)
    {
        let Some(Value::Object(b)) = d.attrs.get("blocker") else {
            continue;
        };
        let hay = format!(
            "{} {} {} {}",
            b.get("app").and_then(Value::as_str).unwrap_or(""),
            b.get("user").and_then(Value::as_str).unwrap_or(""),
            b.get("statement").and_then(Value::as_str).unwrap_or(""),
            b.get("host").and_then(Value::as_str).unwrap_or("")
        )
        .to_ascii_lowercase()
        .replace('_', "-");
        let host = b.get("host").and_then(Value::as_str).map(str::to_string);
        let best = runs
            .iter()
            .filter(|r| r.start <= d.end && r.end >= d.start)
            .filter_map(|r| {
                let key = job_key(&r.job);
                let by_name = key.len() >= 4 && hay.contains(&key)
                    || key
                        .split('-')
                        .filter(|w| w.len() >= 5)
                        .any(|w| hay.contains(w));
                let by_host = host.is_some() && host == r.host;
                (by_name || by_host).then_some((u8::from(by_name) * 2 + u8::from(by_host), r))
            })
            .max_by_key(|(s, r)| (*s, r.end - r.start));
        if let Some((_, r)) = best {
            let job = r.job.clone();
            let run_host = r.host.clone();
            if let Some(Value::Object(b)) = d.attrs.get_mut("blocker") {
                b.insert("job".into(), json!(job));
                if let Some(h) = &run_host {
                    b.insert("job_host".into(), json!(h));
                }
            }
            let on = run_host.map(|h| format!(" on {h}")).unwrap_or_default();
            d.summary
                .push_str(&format!("; the blocker is job {job}{on}"));
            d.evidence.extend(r.events.iter().take(5));
            d.evidence.sort_unstable();
            d.evidence.dedup();
        }
    }
}

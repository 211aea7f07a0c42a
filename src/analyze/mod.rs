//! Analysis: turning a timeline into findings.
//!
//! Each detector is a function of the timeline returning draft findings:
//! [`locks`] (convoys and their head blocker, deadlocks, lock time-outs),
//! [`jobs`] (runs and duplicate runs), [`latency`] (spikes and the
//! saturation knee, with polars), [`errors`] (bursts). [`correlate`] ranks
//! the causes of each spike and names the job behind a blocker. Findings are
//! then ranked by score and numbered `F1`, `F2`, ….

pub mod correlate;
pub mod errors;
pub mod jobs;
pub mod latency;
pub mod locks;

use crate::model::{Finding, FindingKind, SourceReport, Timeline};
use serde_json::{Map, Value, json};

/// µs per ms.
pub const MS: f64 = 1000.0;

/// Tunables shared by the detectors.
#[derive(Debug, Clone)]
pub struct AnalyzeConfig {
    /// Fewest distinct waiters that make a convoy.
    pub min_convoy_waiters: usize,
    /// Fewest errors that make a burst.
    pub min_burst_errors: usize,
    /// Fewest errors in an hour for it to be part of a burst.
    pub min_hot_errors_per_hour: usize,
    /// Latency spike settings.
    pub spikes: latency::SpikeConfig,
    /// Endpoints with fewer requests are not analysed.
    pub min_endpoint_requests: u64,
}

impl Default for AnalyzeConfig {
    fn default() -> Self {
        AnalyzeConfig {
            min_convoy_waiters: 2,
            min_burst_errors: 10,
            min_hot_errors_per_hour: 3,
            spikes: latency::SpikeConfig::default(),
            min_endpoint_requests: 50,
        }
    }
}

/// A finding before ranking and numbering.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Kind.
    pub kind: FindingKind,
    /// Window start, µs UTC.
    pub start: i64,
    /// Window end.
    pub end: i64,
    /// 0..1.
    pub score: f64,
    /// One line.
    pub summary: String,
    /// Event ids.
    pub evidence: Vec<usize>,
    /// Attributes.
    pub attrs: Map<String, Value>,
}

impl Draft {
    /// Build a draft.
    pub fn new(
        kind: FindingKind,
        start: i64,
        end: i64,
        score: f64,
        summary: String,
        evidence: Vec<usize>,
        attrs: Map<String, Value>,
    ) -> Draft {
        Draft {
            kind,
            start,
            end: end.max(start),
            score,
            summary,
            evidence,
            attrs,
        }
    }
}

/// Run every detector and rank the findings (`F1` first).
pub fn run(timeline: &Timeline, sources: &[SourceReport], cfg: &AnalyzeConfig) -> Vec<Finding> {
    let t = timeline;
    let formats: Vec<Option<String>> = sources.iter().map(|s| s.format.clone()).collect();
    let paths: Vec<String> = sources.iter().map(|s| s.path.clone()).collect();
    let mut drafts = Vec::new();
    let mut waits = locks::waits(t);
    locks::infer_holders(t, &mut waits);
    hand_back(t);
    drafts.extend(locks::convoys(t, &waits, cfg.min_convoy_waiters));
    hand_back(t);
    let runs = jobs::runs(t);
    hand_back(t);
    correlate::link_blockers(&mut drafts, &runs);
    let timeouts = locks::lock_timeouts(t, &drafts);
    drafts.extend(timeouts);
    hand_back(t);
    drafts.extend(locks::deadlocks(t, &formats));
    hand_back(t);
    drafts.extend(jobs::duplicates(t, &runs));
    hand_back(t);
    if !t.is_empty() {
        let width = latency::bucket_width(t.ts(t.len() - 1) - t.ts(0));
        if let Ok(series) = latency::series(t, width, cfg.min_endpoint_requests) {
            let spikes = latency::spikes(t, &series, width, &cfg.spikes);
            let spiked: Vec<(String, i64, i64)> = spikes
                .iter()
                .filter_map(|d| {
                    d.attrs
                        .get("endpoint")
                        .and_then(Value::as_str)
                        .map(|e| (e.to_string(), d.start, d.end))
                })
                .collect();
            drafts.extend(latency::saturation(t, &series, &spiked));
            drafts.extend(spikes);
            hand_back(t);
        }
        drafts.extend(errors::bursts(
            t,
            &paths,
            cfg.min_burst_errors,
            cfg.min_hot_errors_per_hour,
        ));
        hand_back(t);
    }
    correlate::recurring_blockers(&mut drafts, &runs);
    let causes = correlate::causes(&drafts);
    let absorbed = merge_simultaneous_spikes(&mut drafts, &causes);
    rank(drafts, causes, &absorbed)
}

/// Between two steps of the analysis, hand back the pages of a timeline
/// read in place (an ingest's, once its column file is written, or a
/// reopened case's): each step pages in what it reads, and without this
/// the steps together kept most of the columns resident (290 MB of the
/// mixed corpus of BENCHMARKS.md), beside the Parquet write.
fn hand_back(t: &Timeline) {
    t.release_rows(0..t.len());
}

/// Spikes on several endpoints at once with the same probable cause (or
/// none) are one slowdown: they become one finding on the busiest endpoint,
/// listing the others. Returns which drafts were absorbed.
fn merge_simultaneous_spikes(
    drafts: &mut [Draft],
    causes: &[(usize, Vec<correlate::Cause>)],
) -> Vec<bool> {
    let mut absorbed = vec![false; drafts.len()];
    let top: std::collections::HashMap<usize, Option<usize>> = causes
        .iter()
        .map(|(s, c)| (*s, c.first().map(|c| c.draft)))
        .collect();
    let requests = |d: &Draft| d.attrs.get("requests").and_then(Value::as_u64).unwrap_or(0);
    let mut spikes: Vec<usize> = (0..drafts.len())
        .filter(|&i| drafts[i].kind == FindingKind::LatencySpike)
        .collect();
    spikes.sort_by_key(|&i| std::cmp::Reverse(requests(&drafts[i])));
    for (k, &a) in spikes.iter().enumerate() {
        if absorbed[a] {
            continue;
        }
        let mut also: Vec<Value> = Vec::new();
        for &b in &spikes[k + 1..] {
            if absorbed[b] || top.get(&a) != top.get(&b) {
                continue;
            }
            let (da, db) = (&drafts[a], &drafts[b]);
            let overlap = da.end.min(db.end) - da.start.max(db.start);
            let shorter = (da.end - da.start).min(db.end - db.start).max(1);
            if overlap * 10 >= shorter * 8 {
                absorbed[b] = true;
                also.push(json!({
                    "endpoint": db.attrs.get("endpoint"),
                    "p95_ms": db.attrs.get("p95_ms"),
                    "requests": db.attrs.get("requests"),
                }));
            }
        }
        if !also.is_empty() {
            let n = also.len();
            let d = &mut drafts[a];
            d.attrs.insert("also".into(), Value::Array(also));
            if let Some(ep) = d
                .attrs
                .get("endpoint")
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                d.summary = d.summary.replacen(
                    &format!("on {ep}:"),
                    &format!(
                        "on {ep} and {n} other endpoint{}:",
                        if n == 1 { "" } else { "s" }
                    ),
                    1,
                );
            }
        }
    }
    absorbed
}

/// Sort by score, number `F1..`, and turn cause indices into finding ids.
fn rank(
    mut drafts: Vec<Draft>,
    causes: Vec<(usize, Vec<correlate::Cause>)>,
    absorbed: &[bool],
) -> Vec<Finding> {
    // A spike with a lock or job cause matters more than one without.
    for (si, list) in &causes {
        if let Some(top) = list.first() {
            let d = &mut drafts[*si];
            d.score = (d.score + 0.2 * top.score).min(1.0);
        }
    }
    let mut order: Vec<usize> = (0..drafts.len()).filter(|&i| !absorbed[i]).collect();
    order.sort_by(|&a, &b| {
        drafts[b]
            .score
            .total_cmp(&drafts[a].score)
            .then(drafts[a].start.cmp(&drafts[b].start))
            .then(drafts[a].kind.cmp(&drafts[b].kind))
            .then(drafts[a].summary.cmp(&drafts[b].summary))
    });
    let mut id_of = vec![String::new(); drafts.len()];
    for (rank, &d) in order.iter().enumerate() {
        id_of[d] = format!("F{}", rank + 1);
    }
    for (si, list) in causes.into_iter().filter(|(si, _)| !absorbed[*si]) {
        let arr: Vec<Value> = list
            .iter()
            .map(|c| json!({"finding": id_of[c.draft], "kind": drafts[c.draft].kind.as_str(), "score": c.score, "reason": c.reason}))
            .collect();
        let tail = match list.first() {
            Some(first) => format!(
                "; probable cause: {} ({})",
                id_of[first.draft],
                drafts[first.draft].kind.as_str().replace('_', " ")
            ),
            None => "; no lock, job or error cause in the data".to_string(),
        };
        let d = &mut drafts[si];
        d.summary.push_str(&tail);
        d.attrs.insert("causes".into(), Value::Array(arr));
    }
    order
        .into_iter()
        .map(|i| {
            let d = &drafts[i];
            Finding {
                id: id_of[i].clone(),
                kind: d.kind,
                start: d.start,
                end: d.end,
                score: (d.score * 100.0).round() / 100.0,
                summary: d.summary.clone(),
                evidence: d.evidence.iter().map(|&e| e as u64).collect(),
                attrs: d.attrs.clone(),
            }
        })
        .collect()
}

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

/// What a finding is about, in words: first what its waiters or errors name
/// (resource, tables, code, job), then its blocker (which may hold several
/// tables and so names more than the finding is about).
fn text_of(d: &Draft) -> (String, String) {
    let mut s = String::new();
    for k in ["resource", "code", "job", "tables", "example"] {
        if let Some(v) = d.attrs.get(k) {
            s.push_str(&v.to_string());
            s.push(' ');
        }
    }
    let blocker = d
        .attrs
        .get("blocker")
        .map(|b| b.to_string())
        .unwrap_or_default();
    (s, blocker)
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
            let (own, blocker) = text_of(c);
            let mut shared: Vec<String> = words(&own)
                .into_iter()
                .filter(|w| ep_words.contains(w))
                .collect();
            let link = if !shared.is_empty() {
                1.0
            } else {
                shared = words(&blocker)
                    .into_iter()
                    .filter(|w| ep_words.contains(w))
                    .collect();
                if shared.is_empty() { 0.0 } else { 0.5 }
            };
            shared.sort();
            shared.dedup();
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
            // Server errors on the spiking endpoint itself are its symptom, not its cause.
            let symptom = c.kind == FindingKind::ErrorBurst
                && c.attrs
                    .get("code")
                    .and_then(Value::as_str)
                    .is_some_and(|code| code.starts_with("HTTP 5"))
                && c.attrs
                    .get("endpoints")
                    .and_then(Value::as_array)
                    .is_some_and(|eps| {
                        eps.iter()
                            .any(|e| e.get("endpoint").and_then(Value::as_str) == Some(endpoint))
                    });
            if symptom {
                continue;
            }
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

/// `customer_id = 7692`, `"order_id" IN (5)` … named in a statement, as
/// `key=value` strings like the ids job runs record.
fn statement_ids(stmt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = stmt.as_bytes();
    let lower = stmt.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = lower[from..].find("_id") {
        let end = from + p + 3;
        let mut start = from + p;
        while start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_') {
            start -= 1;
        }
        let key = lower[start..end].to_string();
        let rest = stmt[end..].trim_start_matches(['`', '"', ' ']);
        if let Some(v) = rest.strip_prefix('=') {
            let v = v.trim_start().trim_start_matches('\'');
            let val: String = v
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if !val.is_empty() && !key.is_empty() {
                out.push(format!("{key}={val}"));
            }
        }
        from = end;
    }
    out
}

/// Name the job run behind each convoy's head blocker where the logs allow:
/// a run active during the convoy that processed an id the blocker's
/// statement names, whose name appears in the blocker's application, user or
/// statement, or that ran on the blocker's host. A linked convoy's window
/// becomes the run's (the run held the locks for its length), and convoys
/// on one table behind one run are merged.
pub fn link_blockers(drafts: &mut Vec<Draft>, runs: &[Run]) {
    let mut linked: Vec<(usize, usize)> = Vec::new();
    for (di, d) in drafts
        .iter_mut()
        .enumerate()
        .filter(|(_, d)| d.kind == FindingKind::LockConvoy)
    {
        let Some(Value::Object(b)) = d.attrs.get("blocker") else {
            continue;
        };
        let stmt = b.get("statement").and_then(Value::as_str).unwrap_or("");
        let ids = statement_ids(stmt);
        let hay = format!(
            "{} {} {}",
            b.get("app").and_then(Value::as_str).unwrap_or(""),
            b.get("user").and_then(Value::as_str).unwrap_or(""),
            stmt
        )
        .to_ascii_lowercase()
        .replace('_', "-");
        let host = b.get("host").and_then(Value::as_str).map(str::to_string);
        let best = runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.start <= d.end && r.end >= d.start)
            .filter_map(|(ri, r)| {
                let key = job_key(&r.job);
                let by_ids = ids.iter().any(|id| r.ids.contains(id));
                let by_name = key.len() >= 4 && hay.contains(&key)
                    || key
                        .split('-')
                        .filter(|w| w.len() >= 5)
                        .any(|w| hay.contains(w));
                let by_host = host.is_some() && host == r.host;
                let score = u8::from(by_ids) * 4 + u8::from(by_name) * 2 + u8::from(by_host);
                (score > 0).then_some((score, ri))
            })
            .max_by_key(|(s, ri)| (*s, runs[*ri].end - runs[*ri].start));
        if let Some((_, ri)) = best {
            let r = &runs[ri];
            let job = r.job.clone();
            let run_host = r.host.clone();
            if let Some(Value::Object(b)) = d.attrs.get_mut("blocker") {
                b.insert("job".into(), json!(job));
                if let Some(id) = &r.run_id {
                    b.insert("run_id".into(), json!(id));
                }
                if let Some(h) = &run_host {
                    b.insert("job_host".into(), json!(h));
                }
            }
            d.start = d.start.min(r.start);
            d.end = d.end.max(r.end);
            let on = run_host.map(|h| format!(" on {h}")).unwrap_or_default();
            d.summary
                .push_str(&format!("; the blocker is job {job}{on}"));
            d.evidence.extend(r.events.iter().take(5));
            d.evidence.sort_unstable();
            d.evidence.dedup();
            linked.push((di, ri));
        }
    }
    merge_by_run(drafts, &linked, runs);
}

/// Convoys behind one job on one table, less than this apart, are one episode.
const EPISODE_GAP_US: i64 = 90 * 60 * 1_000_000;

/// Merge convoys on one table whose blockers are runs of one job into
/// episodes, and stretch each episode over the adjacent unusually long runs
/// of that job (runs lasting ten times the job's median and at least two
/// minutes), which held the
/// same locks where no snapshot happened to look.
fn merge_by_run(drafts: &mut Vec<Draft>, linked: &[(usize, usize)], runs: &[Run]) {
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<(String, String), Vec<(usize, usize)>> = BTreeMap::new();
    for &(di, ri) in linked {
        let res = drafts[di]
            .attrs
            .get("resource")
            .and_then(Value::as_str)
            .unwrap_or("");
        let table = super::locks::resource_table(res).unwrap_or_else(|| res.to_string());
        groups
            .entry((job_key(&runs[ri].job), table))
            .or_default()
            .push((di, ri));
    }
    let mut remove = Vec::new();
    for ((job, _), mut members) in groups {
        members.sort_by_key(|&(di, _)| drafts[di].start);
        // Chain into episodes.
        let mut episodes: Vec<Vec<usize>> = Vec::new();
        let mut end = i64::MIN;
        for &(di, _) in &members {
            if drafts[di].start <= end + EPISODE_GAP_US && !episodes.is_empty() {
                if let Some(e) = episodes.last_mut() {
                    e.push(di);
                }
            } else {
                episodes.push(vec![di]);
            }
            end = end.max(drafts[di].end);
        }
        let job_runs: Vec<&Run> = runs.iter().filter(|r| job_key(&r.job) == job).collect();
        let mut durations: Vec<i64> = job_runs.iter().map(|r| r.end - r.start).collect();
        durations.sort_unstable();
        let median = durations.get(durations.len() / 2).copied().unwrap_or(0);
        let long = (median * 10).max(2 * 60 * 1_000_000);
        for ep in episodes {
            let keep = ep[0];
            for &other in &ep[1..] {
                let o = drafts[other].clone();
                let k = &mut drafts[keep];
                k.start = k.start.min(o.start);
                k.end = k.end.max(o.end);
                k.score = k.score.max(o.score);
                k.evidence.extend(o.evidence);
                for key in ["waiters", "waits", "total_wait_ms", "timeouts"] {
                    let sum = k.attrs.get(key).and_then(Value::as_f64).unwrap_or(0.0)
                        + o.attrs.get(key).and_then(Value::as_f64).unwrap_or(0.0);
                    k.attrs.insert(key.into(), json!(sum));
                }
                let max = k
                    .attrs
                    .get("max_wait_ms")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
                    .max(
                        o.attrs
                            .get("max_wait_ms")
                            .and_then(Value::as_f64)
                            .unwrap_or(0.0),
                    );
                k.attrs.insert("max_wait_ms".into(), json!(max));
                remove.push(other);
            }
            // Stretch over adjacent long runs of the job.
            let k = &mut drafts[keep];
            let mut runs_in = 0;
            loop {
                let before = (k.start, k.end);
                for r in &job_runs {
                    if r.end - r.start < long {
                        continue;
                    }
                    if r.start <= k.end + EPISODE_GAP_US && r.end >= k.start - EPISODE_GAP_US {
                        k.start = k.start.min(r.start);
                        k.end = k.end.max(r.end);
                    }
                }
                if (k.start, k.end) == before {
                    break;
                }
            }
            for r in &job_runs {
                if r.start >= k.start && r.end <= k.end {
                    runs_in += 1;
                }
            }
            k.evidence.sort_unstable();
            k.evidence.dedup();
            k.attrs.insert("job_runs".into(), json!(runs_in));
            let res = k
                .attrs
                .get("resource")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let jobname = k
                .attrs
                .get("blocker")
                .and_then(|b| b.get("job"))
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let waiters = k
                .attrs
                .get("waiters")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            let max = k
                .attrs
                .get("max_wait_ms")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            let total = k
                .attrs
                .get("total_wait_ms")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            k.summary = format!(
                "Lock convoy on {res} behind job {jobname} ({runs_in} runs): {waiters} sessions seen waiting (max wait {}, total {})",
                crate::text::human_ms(max),
                crate::text::human_ms(total)
            );
        }
    }
    remove.sort_unstable();
    remove.dedup();
    for i in remove.into_iter().rev() {
        drafts.remove(i);
    }
    // Episodes stretched over the same runs are one.
    let mut i = 0;
    while i < drafts.len() {
        let mut j = i + 1;
        while j < drafts.len() {
            let same = drafts[i].kind == FindingKind::LockConvoy
                && drafts[j].kind == FindingKind::LockConvoy
                && drafts[i].attrs.get("job_runs").is_some()
                && drafts[j].attrs.get("job_runs").is_some()
                && drafts[i].attrs.get("resource") == drafts[j].attrs.get("resource")
                && drafts[i].attrs.get("blocker").and_then(|b| b.get("job"))
                    == drafts[j].attrs.get("blocker").and_then(|b| b.get("job"))
                && drafts[i].start <= drafts[j].end
                && drafts[j].start <= drafts[i].end;
            if same {
                let o = drafts.remove(j);
                let k = &mut drafts[i];
                k.start = k.start.min(o.start);
                k.end = k.end.max(o.end);
                k.score = k.score.max(o.score);
                k.evidence.extend(o.evidence);
                k.evidence.sort_unstable();
                k.evidence.dedup();
                for key in ["waiters", "waits", "total_wait_ms", "timeouts"] {
                    let sum = k.attrs.get(key).and_then(Value::as_f64).unwrap_or(0.0)
                        + o.attrs.get(key).and_then(Value::as_f64).unwrap_or(0.0);
                    k.attrs.insert(key.into(), json!(sum));
                }
            } else {
                j += 1;
            }
        }
        i += 1;
    }
}

/// Days without lock snapshots: when a job was confirmed as the head blocker
/// of convoys, its other unusually long runs that coincide with the same
/// symptoms (an error burst of a kind seen during the confirmed convoys) are
/// reported as probable convoys, marked `inferred`, with the runs and the
/// burst as evidence.
pub fn recurring_blockers(drafts: &mut Vec<Draft>, runs: &[Run]) {
    use std::collections::BTreeMap;
    let confirmed: Vec<Draft> = drafts
        .iter()
        .filter(|d| d.kind == FindingKind::LockConvoy && d.attrs.get("inferred").is_none())
        .filter(|d| d.attrs.get("blocker").and_then(|b| b.get("job")).is_some())
        .cloned()
        .collect();
    let bursts: Vec<Draft> = drafts
        .iter()
        .filter(|d| d.kind == FindingKind::ErrorBurst)
        .cloned()
        .collect();
    let mut by_job: BTreeMap<String, Vec<&Draft>> = BTreeMap::new();
    for c in &confirmed {
        if let Some(job) = c
            .attrs
            .get("blocker")
            .and_then(|b| b.get("job"))
            .and_then(Value::as_str)
        {
            by_job.entry(job_key(job)).or_default().push(c);
        }
    }
    let mut added = Vec::new();
    for (job, convoys) in by_job {
        let symptoms: Vec<&str> = bursts
            .iter()
            .filter(|b| convoys.iter().any(|c| b.start <= c.end && c.start <= b.end))
            .filter_map(|b| b.attrs.get("code").and_then(Value::as_str))
            .collect();
        if symptoms.is_empty() {
            continue;
        }
        let job_runs: Vec<&Run> = runs.iter().filter(|r| job_key(&r.job) == job).collect();
        let mut durations: Vec<i64> = job_runs.iter().map(|r| r.end - r.start).collect();
        durations.sort_unstable();
        let median = durations.get(durations.len() / 2).copied().unwrap_or(0);
        let long = (median * 10).max(2 * 60 * 1_000_000);
        let mut episodes: Vec<(i64, i64, Vec<&Run>)> = Vec::new();
        for r in job_runs.iter().filter(|r| r.end - r.start >= long) {
            if convoys.iter().any(|c| r.start <= c.end && c.start <= r.end) {
                continue;
            }
            match episodes.last_mut() {
                Some((_, end, rs)) if r.start <= *end + EPISODE_GAP_US => {
                    *end = (*end).max(r.end);
                    rs.push(r);
                }
                _ => episodes.push((r.start, r.end, vec![r])),
            }
        }
        let model = convoys[0];
        for (start, end, rs) in episodes {
            let hit: Vec<&Draft> = bursts
                .iter()
                .filter(|b| b.start <= end && start <= b.end)
                .filter(|b| {
                    b.attrs
                        .get("code")
                        .and_then(Value::as_str)
                        .is_some_and(|c| symptoms.contains(&c))
                })
                .collect();
            let Some(best) = hit
                .iter()
                .max_by_key(|b| b.attrs.get("count").and_then(Value::as_u64).unwrap_or(0))
            else {
                continue;
            };
            let failed = best.attrs.get("count").and_then(Value::as_u64).unwrap_or(0);
            let code = best
                .attrs
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or("errors")
                .to_string();
            let mut attrs = model.attrs.clone();
            let resource = attrs
                .get("resource")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            if let Some(Value::Object(b)) = attrs.get_mut("blocker") {
                b.remove("pid");
                b.remove("txn");
                b.remove("share");
                b.remove("run_id");
            }
            attrs.insert("inferred".into(), json!(true));
            attrs.insert("waiters".into(), json!(failed));
            attrs.insert("waiters_estimated".into(), json!(true));
            attrs.insert("job_runs".into(), json!(rs.len()));
            attrs.insert(
                "like".into(),
                json!(pm_parsers::time::format_utc(model.start)),
            );
            attrs.remove("top_blockers");
            attrs.remove("max_wait_ms");
            attrs.remove("total_wait_ms");
            let mut evidence: Vec<usize> = rs
                .iter()
                .flat_map(|r| r.events.iter().copied().take(5))
                .collect();
            evidence.extend(best.evidence.iter().take(20));
            evidence.sort_unstable();
            evidence.dedup();
            let summary = format!(
                "Probable lock convoy on {resource} behind job {} ({} long runs): no lock snapshot here, but the job ran as long as when it held the lock (from {}) and {failed} × {code} followed the same way",
                rs[0].job,
                rs.len(),
                pm_parsers::time::format_utc(model.start)
            );
            added.push(Draft::new(
                FindingKind::LockConvoy,
                start,
                end,
                0.6,
                summary,
                evidence,
                attrs,
            ));
        }
    }
    drafts.extend(added);
}

//! Job runs and duplicate runs.
//!
//! Runs are rebuilt from start/end/fail events (by run id, else by job,
//! host and pid); scheduler lines (cron) that precede a run on the same host
//! are attached to it. Runs of one job that overlap in time, or that started
//! in the same schedule slot (a retry), are duplicates; the business ids both
//! processed are what was done twice. Lease expiries, failures and restarts
//! in the window are the cause evidence.

use super::{Draft, MS};
use crate::model::{FindingKind, SymCol, Timeline};
use pm_parsers::Kind;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// An end line was seen.
    Ended,
    /// A failure was seen.
    Failed,
    /// No end was seen (killed, still running, or the log stops).
    Unknown,
}

/// One run of a job.
#[derive(Debug, Clone)]
pub struct Run {
    /// Job name as logged.
    pub job: String,
    /// Run id, when logged.
    pub run_id: Option<String>,
    /// Host.
    pub host: Option<String>,
    /// Process id.
    pub pid: Option<i64>,
    /// Start (µs UTC).
    pub start: i64,
    /// End, or the last event seen of the run.
    pub end: i64,
    /// How it ended.
    pub outcome: RunEnd,
    /// Its start/end/scheduler events and, first, the events naming ids.
    pub events: Vec<usize>,
    /// Business ids it processed (`user_id=100301`).
    pub ids: BTreeSet<String>,
}

/// `daily-points-grant`, `/opt/batch/bin/run-job daily-points-grant`,
/// `order-status-sync-28507710-x7k2p` all name their job by a normalised key.
pub fn job_key(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('_', "-")
}

fn is_scheduler_line(t: &Timeline, i: usize) -> bool {
    t.str(SymCol::App, i).is_some_and(|a| {
        matches!(
            a.to_ascii_uppercase().as_str(),
            "CRON" | "CROND" | "SYSTEMD" | "ANACRON"
        )
    })
}

/// Rebuild job runs.
pub fn runs(t: &Timeline) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut by_run_id: HashMap<(String, String), usize> = HashMap::new();
    let mut by_proc: HashMap<(String, String, i64), usize> = HashMap::new();
    let mut scheduler: Vec<usize> = Vec::new();
    // Runs started and not yet ended, per (job key, host), oldest first.
    // Ended runs are dropped lazily when they reach the top of their stack.
    let mut open: HashMap<(String, Option<String>), Vec<usize>> = HashMap::new();
    for i in 0..t.len() {
        let k = t.kind(i);
        if !matches!(k, Kind::JobStart | Kind::JobEnd | Kind::JobFail) {
            continue;
        }
        let Some(job) = t.str(SymCol::Job, i) else {
            continue;
        };
        let key = job_key(job);
        let run_id = t.str(SymCol::RunId, i).map(str::to_string);
        let host = t.str(SymCol::Host, i).map(str::to_string);
        let pid = t.pid(i);
        if k == Kind::JobStart && is_scheduler_line(t, i) {
            scheduler.push(i);
            continue;
        }
        let proc_key = pid.map(|p| (key.clone(), host.clone().unwrap_or_default(), p));
        let existing = run_id
            .as_ref()
            .and_then(|r| by_run_id.get(&(key.clone(), r.clone())).copied())
            .or_else(|| proc_key.as_ref().and_then(|p| by_proc.get(p).copied()));
        match k {
            Kind::JobStart => {
                if let Some(r) = existing {
                    if runs[r].outcome == RunEnd::Unknown {
                        runs[r].events.push(i);
                        continue;
                    }
                }
                runs.push(Run {
                    job: job.to_string(),
                    run_id: run_id.clone(),
                    host: host.clone(),
                    pid,
                    start: t.ts(i),
                    end: t.ts(i),
                    outcome: RunEnd::Unknown,
                    events: vec![i],
                    ids: BTreeSet::new(),
                });
                let idx = runs.len() - 1;
                if let Some(r) = run_id {
                    by_run_id.insert((key.clone(), r), idx);
                }
                if let Some(p) = proc_key {
                    by_proc.insert(p, idx);
                }
                open.entry((key, host)).or_default().push(idx);
            }
            _ => {
                let outcome = if k == Kind::JobEnd {
                    RunEnd::Ended
                } else {
                    RunEnd::Failed
                };
                let target = existing.or_else(|| {
                    // The latest open run of this job on this host.
                    let stack = open.get_mut(&(key.clone(), host.clone()))?;
                    while stack
                        .last()
                        .is_some_and(|&r| runs[r].outcome != RunEnd::Unknown)
                    {
                        stack.pop();
                    }
                    stack.last().copied()
                });
                match target {
                    Some(r) => {
                        let run = &mut runs[r];
                        run.end = t.ts(i);
                        run.outcome = outcome;
                        run.events.push(i);
                        if run.run_id.is_none() {
                            run.run_id = run_id;
                        }
                        if run.pid.is_none() {
                            run.pid = pid;
                        }
                    }
                    None => {
                        let dur = t.duration_ms(i).unwrap_or(0.0);
                        runs.push(Run {
                            job: job.to_string(),
                            run_id,
                            host,
                            pid,
                            start: t.ts(i) - (dur * MS) as i64,
                            end: t.ts(i),
                            outcome,
                            events: vec![i],
                            ids: BTreeSet::new(),
                        });
                    }
                }
            }
        }
    }
    attach_ids(t, &mut runs, &by_run_id);
    attach_scheduler(t, &mut runs, &scheduler);
    runs.sort_by(|a, b| a.start.cmp(&b.start).then(a.job.cmp(&b.job)));
    runs
}

fn attach_ids(t: &Timeline, runs: &mut [Run], by_run_id: &HashMap<(String, String), usize>) {
    let run_ids: HashMap<&str, usize> = by_run_id
        .iter()
        .map(|((_, r), &i)| (r.as_str(), i))
        .collect();
    // The first run of each (job key, pid, host), for events naming no run id.
    let mut by_pid: HashMap<(String, i64, Option<String>), usize> = HashMap::new();
    for (r, run) in runs.iter().enumerate() {
        if let Some(pid) = run.pid {
            by_pid
                .entry((job_key(&run.job), pid, run.host.clone()))
                .or_insert(r);
        }
    }
    if runs.is_empty() {
        return;
    }
    // The run first, from the columns; the ids (decoded on demand in a
    // reopened case) only for events that belong to one.
    for i in t.rows_with_extra() {
        let mut target = t
            .str(SymCol::RunId, i)
            .and_then(|r| run_ids.get(r).copied());
        if target.is_none() {
            // A reference like "daily-points-grant/01HSF..." in another field.
            target = t
                .attrs(i)
                .flat_map(|(_, v)| v.split(['/', ':', ' ', '=']))
                .find_map(|part| run_ids.get(part).copied());
        }
        if target.is_none() {
            if let (Some(job), Some(pid)) = (t.str(SymCol::Job, i), t.pid(i)) {
                let host = t.str(SymCol::Host, i).map(str::to_string);
                target = by_pid.get(&(job_key(job), pid, host)).copied();
            }
        }
        let Some(r) = target else { continue };
        let Some(x) = t.extra(i).filter(|x| !x.ids.is_empty()) else {
            continue;
        };
        let run = &mut runs[r];
        for (k, v) in &x.ids {
            run.ids.insert(format!("{k}={v}"));
        }
        if run.outcome == RunEnd::Unknown {
            run.end = run.end.max(t.ts(i));
        }
        run.events.push(i);
    }
}

fn attach_scheduler(t: &Timeline, runs: &mut Vec<Run>, scheduler: &[usize]) {
    for &s in scheduler {
        let ts = t.ts(s);
        let host = t.str(SymCol::Host, s);
        let cmd = t.str(SymCol::Job, s).map(job_key).unwrap_or_default();
        let matched = runs.iter().position(|r| {
            r.host.as_deref() == host
                && r.start >= ts - 5 * 1_000_000
                && r.start <= ts + 120 * 1_000_000
                && cmd.contains(&job_key(&r.job))
        });
        match matched {
            Some(r) => runs[r].events.insert(0, s),
            None => runs.push(Run {
                job: t.str(SymCol::Job, s).unwrap_or("?").to_string(),
                run_id: None,
                host: host.map(str::to_string),
                pid: t.pid(s),
                start: ts,
                end: ts,
                outcome: RunEnd::Unknown,
                events: vec![s],
                ids: BTreeSet::new(),
            }),
        }
    }
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

/// Cause evidence near a duplicate: lease expiries, failures and kills of the job, restarts.
fn causes(t: &Timeline, job: &str, from: i64, to: i64) -> (Vec<Value>, Vec<usize>) {
    let key = job_key(job);
    let lo = t.lower_bound(from - 10 * 60 * 1_000_000);
    let hi = t.lower_bound(to + 60 * 1_000_000);
    let mut out = Vec::new();
    let mut ev = Vec::new();
    for i in lo..hi {
        // The row's text, formatted only for the kinds a rule below looks
        // at (most rows of a busy window are requests, which none does).
        let text = std::cell::OnceCell::new();
        let text = || {
            text.get_or_init(|| {
                format!(
                    "{} {} {}",
                    t.message(i),
                    t.str(SymCol::Resource, i).unwrap_or(""),
                    t.str(SymCol::Job, i).unwrap_or("")
                )
                .to_ascii_lowercase()
                .replace('_', "-")
            })
        };
        let about_job = || text().contains(&key);
        let what = match t.kind(i) {
            Kind::LeaseExpire if about_job() || t.str(SymCol::Resource, i).is_none() => {
                Some("lease expired before the run ended")
            }
            Kind::JobFail if about_job() => {
                Some("a run failed or was killed, and was started again")
            }
            Kind::Error | Kind::Log
                if about_job()
                    && ["oom", "killed", "back-off", "backoff"]
                        .iter()
                        .any(|w| text().contains(w)) =>
            {
                Some("the process was killed and restarted")
            }
            Kind::Error if about_job() && (text().contains("lease") || text().contains("lock")) => {
                Some("lease expired before the run ended")
            }
            _ => None,
        };
        if let Some(w) = what {
            if out.len() < 8 {
                out.push(json!({
                    "what": w,
                    "ts": pm_parsers::time::format_utc(t.ts(i)),
                    "event": i,
                    "text": crate::text::truncate_chars(&t.summary(i), 160),
                }));
            }
            ev.push(i);
        }
    }
    (out, ev)
}

/// Duplicate runs.
pub fn duplicates(t: &Timeline, runs: &[Run]) -> Vec<Draft> {
    let mut by_job: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in runs.iter().enumerate() {
        by_job.entry(job_key(&r.job)).or_default().push(i);
    }
    let mut out = Vec::new();
    for list in by_job.values() {
        if list.len() < 2 {
            continue;
        }
        let starts: Vec<i64> = list.iter().map(|&i| runs[i].start).collect();
        let gaps: Vec<i64> = starts
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|&g| g > 60 * 1_000_000)
            .collect();
        let period = if gaps.len() >= 2 { median(gaps) } else { None };
        // Two starts within a quarter period are one slot; without a known
        // period only a minute is, unless the runs processed the same ids
        // (a retry) within a quarter of an hour.
        let minute = 60 * 1_000_000;
        let (slot, id_window) = match period {
            Some(p) => ((p / 4).max(minute), (p / 4).max(minute)),
            None => (minute, 15 * minute),
        };
        // Cluster runs that overlap or start in the same slot.
        let mut clusters: Vec<Vec<usize>> = Vec::new();
        for &i in list {
            let r = &runs[i];
            let joined = clusters.iter_mut().find(|c| {
                c.iter().any(|&j| {
                    let o = &runs[j];
                    let distinct = o.run_id != r.run_id || o.host != r.host || o.pid != r.pid;
                    let overlap = r.start < o.end && o.start < r.end;
                    let same_slot = (r.start - o.start).abs() < slot;
                    let shared_ids = !r.ids.is_empty()
                        && r.ids.intersection(&o.ids).next().is_some()
                        && (r.start - o.start).abs() < id_window;
                    distinct && (overlap || same_slot || shared_ids)
                })
            });
            match joined {
                Some(c) => c.push(i),
                None => clusters.push(vec![i]),
            }
        }
        for c in clusters.into_iter().filter(|c| c.len() >= 2) {
            let rs: Vec<&Run> = c.iter().map(|&i| &runs[i]).collect();
            let start = rs.iter().map(|r| r.start).min().unwrap_or(0);
            let end = rs.iter().map(|r| r.end).max().unwrap_or(start);
            let mut overlap_ms = 0.0f64;
            for (a, ra) in rs.iter().enumerate() {
                for rb in rs.iter().skip(a + 1) {
                    let o = ra.end.min(rb.end) - ra.start.max(rb.start);
                    if o > 0 {
                        overlap_ms = overlap_ms.max(o as f64 / MS);
                    }
                }
            }
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for r in &rs {
                for id in &r.ids {
                    *counts.entry(id.as_str()).or_default() += 1;
                }
            }
            let mut twice: Vec<&str> = counts
                .into_iter()
                .filter(|(_, n)| *n >= 2)
                .map(|(k, _)| k)
                .collect();
            twice.sort_by_key(|a| natural(a));
            let hosts: BTreeSet<&str> = rs.iter().filter_map(|r| r.host.as_deref()).collect();
            let job = rs[0].job.clone();
            let (cause_list, cause_events) = causes(t, &job, start, end);
            let mut evidence: Vec<usize> = rs
                .iter()
                .flat_map(|r| r.events.iter().copied().take(50))
                .collect();
            evidence.extend(cause_events);
            evidence.sort_unstable();
            evidence.dedup();
            let runs_json: Vec<Value> = rs
                .iter()
                .map(|r| {
                    json!({
                        "host": r.host,
                        "pid": r.pid,
                        "run_id": r.run_id,
                        "start": pm_parsers::time::format_utc(r.start),
                        "end": pm_parsers::time::format_utc(r.end),
                        "outcome": match r.outcome { RunEnd::Ended => "ended", RunEnd::Failed => "failed", RunEnd::Unknown => "no end logged" },
                        "ids": r.ids.len(),
                    })
                })
                .collect();
            let mut attrs = Map::new();
            attrs.insert("job".into(), json!(job));
            attrs.insert("runs".into(), Value::Array(runs_json));
            attrs.insert("hosts".into(), json!(hosts));
            attrs.insert("overlap_ms".into(), json!(overlap_ms.round()));
            attrs.insert("ids_twice_count".into(), json!(twice.len()));
            attrs.insert(
                "ids_twice".into(),
                json!(twice.iter().take(200).collect::<Vec<_>>()),
            );
            attrs.insert("causes".into(), Value::Array(cause_list.clone()));
            let how = if overlap_ms > 0.0 {
                format!("overlapping for {}", crate::text::human_ms(overlap_ms))
            } else {
                "one after the other in the same slot".into()
            };
            let on = if hosts.len() > 1 {
                format!(
                    " on {}",
                    hosts.iter().copied().collect::<Vec<_>>().join(" and ")
                )
            } else {
                String::new()
            };
            let twice_txt = if twice.is_empty() {
                String::new()
            } else {
                format!("; {} ids processed twice", twice.len())
            };
            let cause_txt = cause_list
                .first()
                .and_then(|c| c.get("what"))
                .and_then(Value::as_str)
                .map(|w| format!(" ({w})"))
                .unwrap_or_default();
            let summary = format!(
                "Job {job} ran {} times{on}, {how}{twice_txt}{cause_txt}",
                rs.len()
            );
            let ids_bonus: f64 = if twice.is_empty() { 0.0 } else { 0.3 };
            let overlap_bonus: f64 = if overlap_ms > 0.0 { 0.1 } else { 0.0 };
            let score = (0.55 + ids_bonus + overlap_bonus).min(1.0);
            out.push(Draft::new(
                FindingKind::DuplicateRun,
                start,
                end,
                score,
                summary,
                evidence,
                attrs,
            ));
        }
    }
    out
}

/// Sort key that orders `user_id=9` before `user_id=10`.
fn natural(s: &str) -> (String, u128, String) {
    let (k, v) = s.split_once('=').unwrap_or((s, ""));
    (
        k.to_string(),
        v.parse::<u128>().unwrap_or(u128::MAX),
        v.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use pm_parsers::Event;
    use std::borrow::Cow;

    const S: i64 = 1_000_000;

    fn job(kind: Kind, ts: i64, host: &'static str, pid: i64, run: &'static str) -> Event<'static> {
        let mut e = Event::new(kind, ts * S, 1, 0);
        e.job = Some(Cow::Borrowed("points-grant"));
        e.host = Some(Cow::Borrowed(host));
        e.pid = Some(pid);
        e.run_id = Some(Cow::Borrowed(run));
        e
    }

    fn grant(ts: i64, run: &'static str, user: &'static str) -> Event<'static> {
        let mut e = Event::new(Kind::Log, ts * S, 1, 0);
        e.job = Some(Cow::Borrowed("points-grant"));
        e.run_id = Some(Cow::Borrowed(run));
        e.ids = vec![(Cow::Borrowed("user_id"), Cow::Borrowed(user))];
        e
    }

    fn timeline(events: Vec<Event<'static>>) -> Timeline {
        let mut t = Timeline::new();
        for e in &events {
            t.push(0, e);
        }
        t.sort();
        t
    }

    #[test]
    fn overlapping_runs_on_two_hosts_with_ids_twice() {
        let mut lease = Event::new(Kind::LeaseExpire, 300 * S, 1, 0);
        lease.resource = Some(Cow::Borrowed("lock:job:points-grant"));
        lease.message = Cow::Borrowed("lease expired");
        let t = timeline(vec![
            job(Kind::JobStart, 0, "batch01", 1, "a"),
            grant(10, "a", "7"),
            grant(20, "a", "9"),
            lease,
            job(Kind::JobStart, 305, "batch02", 2, "b"),
            grant(310, "b", "9"),
            grant(311, "b", "10"),
            grant(400, "a", "10"),
            job(Kind::JobEnd, 450, "batch01", 1, "a"),
            job(Kind::JobEnd, 420, "batch02", 2, "b"),
        ]);
        let rs = runs(&t);
        assert_eq!(rs.len(), 2);
        let d = duplicates(&t, &rs);
        assert_eq!(d.len(), 1);
        let a = &d[0].attrs;
        assert_eq!(a["job"], json!("points-grant"));
        assert_eq!(a["ids_twice"], json!(["user_id=9", "user_id=10"]));
        assert_eq!(a["overlap_ms"], json!(115_000.0));
        assert_eq!(a["hosts"], json!(["batch01", "batch02"]));
        assert_eq!(
            a["causes"][0]["what"],
            json!("lease expired before the run ended")
        );
        assert_eq!(d[0].start, 0);
        assert_eq!(d[0].end, 450 * S);
    }

    /// A reopened case decodes its rare fields only when asked for: the
    /// runs and the ids they touched are the same as at ingest, across
    /// many decoding chunks and with ids on events of no run.
    #[test]
    fn runs_of_a_reopened_case_are_the_ingested_ones() {
        let mut events = vec![
            job(Kind::JobStart, 0, "batch01", 1, "a"),
            job(Kind::JobStart, 5, "batch02", 2, "b"),
        ];
        for k in 0..2000i64 {
            let mut e = grant(10 + k, ["a", "b"][k as usize % 2], "0");
            e.ids = vec![(Cow::Borrowed("user_id"), Cow::Owned(k.to_string()))];
            events.push(e);
            let mut other = Event::new(Kind::Log, (10 + k) * S, 2, 0);
            other.ids = vec![(Cow::Borrowed("order_id"), Cow::Owned(k.to_string()))];
            events.push(other);
        }
        events.push(job(Kind::JobEnd, 3000, "batch01", 1, "a"));
        events.push(job(Kind::JobEnd, 3000, "batch02", 2, "b"));
        let t = timeline(events);
        let ingested = format!("{:?}", runs(&t));
        let dir = tempfile::tempdir().unwrap();
        let case = crate::model::Case::new(t, vec![], vec![], "UTC", "--tz", vec![]);
        case.save(dir.path()).unwrap();
        let back = crate::model::Case::load(dir.path()).unwrap();
        assert!(back.timeline.mapped_bytes() > 0);
        let rs = runs(&back.timeline);
        assert_eq!(
            rs.iter().map(|r| r.ids.len()).collect::<Vec<_>>(),
            [1000, 1000]
        );
        assert_eq!(format!("{rs:?}"), ingested);
    }

    /// A job end naming neither run id nor pid closes the latest open run
    /// of that job on that host, and never one on another host.
    #[test]
    fn anonymous_ends_close_the_latest_open_run_on_their_host() {
        let bare = |kind, ts: i64, host: &'static str| {
            let mut e = Event::new(kind, ts * S, 1, 0);
            e.job = Some(Cow::Borrowed("nightly_export"));
            e.host = Some(Cow::Borrowed(host));
            e
        };
        let t = timeline(vec![
            bare(Kind::JobStart, 0, "batch01"),
            bare(Kind::JobStart, 10, "batch01"),
            bare(Kind::JobStart, 15, "batch02"),
            bare(Kind::JobEnd, 20, "batch01"),
            bare(Kind::JobFail, 30, "batch01"),
            bare(Kind::JobEnd, 40, "batch01"),
        ]);
        let rs = runs(&t);
        let got: Vec<(i64, i64, Option<&str>, RunEnd)> = rs
            .iter()
            .map(|r| (r.start / S, r.end / S, r.host.as_deref(), r.outcome))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 30, Some("batch01"), RunEnd::Failed),
                (10, 20, Some("batch01"), RunEnd::Ended),
                (15, 15, Some("batch02"), RunEnd::Unknown),
                (40, 40, Some("batch01"), RunEnd::Ended),
            ]
        );
    }

    #[test]
    fn periodic_runs_that_touch_are_not_duplicates() {
        let mut evs = Vec::new();
        let runs_ids = ["r0", "r1", "r2", "r3"];
        for (k, r) in runs_ids.iter().enumerate() {
            let s = k as i64 * 300;
            evs.push(job(Kind::JobStart, s, "batch01", 10 + k as i64, r));
            evs.push(job(Kind::JobEnd, s + 300, "batch01", 10 + k as i64, r));
        }
        let t = timeline(evs);
        assert!(duplicates(&t, &runs(&t)).is_empty());
    }

    #[test]
    fn a_retry_in_the_same_slot_is_a_duplicate_without_overlap() {
        let t = timeline(vec![
            job(Kind::JobStart, 0, "node-2", 1, "x7k2p"),
            grant(10, "x7k2p", "5"),
            grant(170, "x7k2p", "6"),
            job(Kind::JobStart, 194, "node-1", 2, "q9m4d"),
            grant(200, "q9m4d", "5"),
            grant(210, "q9m4d", "6"),
            job(Kind::JobEnd, 460, "node-1", 2, "q9m4d"),
        ]);
        let d = duplicates(&t, &runs(&t));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].attrs["ids_twice_count"], json!(2));
        assert_eq!(d[0].attrs["overlap_ms"], json!(0.0));
    }

    #[test]
    fn job_end_without_run_id_matches_by_host_and_pid() {
        let mut end = job(Kind::JobEnd, 60, "batch01", 31877, "");
        end.run_id = None;
        let t = timeline(vec![job(Kind::JobStart, 0, "batch01", 31877, "a"), end]);
        let rs = runs(&t);
        assert_eq!(rs.len(), 1);
        assert_eq!(rs[0].outcome, RunEnd::Ended);
        assert_eq!(rs[0].end, 60 * S);
    }
}

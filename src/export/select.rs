//! Choosing what a report shows: episodes (findings close in time),
//! evidence excerpts per finding, outage markers, and the key events of the
//! timeline table. Never the whole log.

use super::Scope;
use crate::model::{Annotation, AnnotationLabel, Finding, FindingKind, SymCol};
use pm_parsers::Kind;
use serde_json::Value;

/// Findings whose windows are less than this apart belong to one episode.
pub const EPISODE_GAP_US: i64 = 15 * 60 * 1_000_000;

/// Findings close in time: one incident (or one phase of it).
#[derive(Debug, Clone)]
pub struct Episode<'a> {
    /// Earliest finding start.
    pub start: i64,
    /// Latest finding end.
    pub end: i64,
    /// Its findings, in rank order.
    pub findings: Vec<&'a Finding>,
}

impl<'a> Episode<'a> {
    /// The best (lowest) rank among its findings.
    fn best_rank(&self, scope: &Scope<'_>) -> usize {
        self.findings
            .iter()
            .map(|f| scope.rank_of(&f.id))
            .min()
            .unwrap_or(usize::MAX)
    }

    /// The symptom findings that shape the episode (not the long ones that
    /// joined it).
    pub fn symptoms(&self) -> Vec<&'a Finding> {
        self.findings
            .iter()
            .copied()
            .filter(|f| is_symptom(f.kind) && f.start >= self.start && f.end <= self.end)
            .collect()
    }

    /// Start and end of what users felt: the symptom findings (spikes, error
    /// bursts, time-outs, deadlocks) that shape the episode when there are
    /// any, else the episode's extent.
    pub fn impact_window(&self) -> (i64, i64) {
        let sym = self.symptoms();
        if sym.is_empty() {
            return (self.start, self.end);
        }
        let s = sym.iter().map(|f| f.start).min().unwrap_or(self.start);
        let e = sym.iter().map(|f| f.end).max().unwrap_or(self.end);
        (s, e)
    }
}

/// Kinds that users feel (as opposed to causes and capacity facts).
pub fn is_symptom(k: FindingKind) -> bool {
    matches!(
        k,
        FindingKind::LatencySpike
            | FindingKind::ErrorBurst
            | FindingKind::LockTimeout
            | FindingKind::Deadlock
    )
}

/// Findings longer than this do not shape episodes (a saturation measured
/// over weeks would glue unrelated evenings together); they join the
/// episode they overlap most.
pub const ANCHOR_MAX_US: i64 = 6 * 3600 * 1_000_000;

fn is_anchor(f: &Finding) -> bool {
    f.kind != FindingKind::Saturation && f.end - f.start <= ANCHOR_MAX_US
}

/// Group the scope's findings into episodes, ordered by time: short
/// non-saturation findings less than [`EPISODE_GAP_US`] apart form an
/// episode (its start and end are theirs); the other findings join the
/// episode they overlap most (else the nearest). The primary episode is the
/// one holding the best-ranked finding.
pub fn episodes<'a>(scope: &Scope<'a>) -> Vec<Episode<'a>> {
    let mut fs: Vec<&'a Finding> = scope.findings.clone();
    fs.sort_by(|a, b| a.start.cmp(&b.start).then(a.id.cmp(&b.id)));
    let any_anchor = fs.iter().any(|f| is_anchor(f));
    let (anchors, rest): (Vec<&'a Finding>, Vec<&'a Finding>) =
        fs.into_iter().partition(|f| !any_anchor || is_anchor(f));
    let mut out: Vec<Episode<'a>> = Vec::new();
    for f in anchors {
        match out.last_mut() {
            Some(e) if f.start <= e.end.saturating_add(EPISODE_GAP_US) => {
                e.end = e.end.max(f.end);
                e.findings.push(f);
            }
            _ => out.push(Episode {
                start: f.start,
                end: f.end,
                findings: vec![f],
            }),
        }
    }
    for f in rest {
        let best = (0..out.len()).max_by_key(|&k| {
            let e = &out[k];
            let overlap = f.end.min(e.end) - f.start.max(e.start);
            // Overlap first (negative: the gap), earlier episode on ties.
            (overlap, std::cmp::Reverse(k))
        });
        if let Some(k) = best {
            out[k].findings.push(f);
        }
    }
    for e in &mut out {
        e.findings.sort_by_key(|f| scope.rank_of(&f.id));
    }
    out
}

/// Index (into `eps`) of the primary episode.
pub fn primary(scope: &Scope<'_>, eps: &[Episode<'_>]) -> Option<usize> {
    (0..eps.len()).min_by_key(|&k| (eps[k].best_rank(scope), k))
}

/// A string attribute.
pub fn attr_str<'f>(f: &'f Finding, key: &str) -> Option<&'f str> {
    f.attrs
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A numeric attribute.
pub fn attr_f64(f: &Finding, key: &str) -> Option<f64> {
    f.attrs.get(key).and_then(Value::as_f64)
}

fn blocker(f: &Finding) -> Option<&serde_json::Map<String, Value>> {
    f.attrs.get("blocker").and_then(Value::as_object)
}

/// Events of the head blocker of a convoy among its evidence.
pub fn blocker_events(scope: &Scope<'_>, f: &Finding) -> Vec<usize> {
    let t = &scope.case.timeline;
    let Some(b) = blocker(f) else {
        return Vec::new();
    };
    let pid = b.get("pid").and_then(Value::as_i64);
    let txn = b.get("txn").and_then(Value::as_str);
    f.evidence
        .iter()
        .map(|&e| e as usize)
        .filter(|&i| i < t.len())
        .filter(|&i| {
            let by_txn = txn.is_some() && t.str(SymCol::Txn, i) == txn;
            let by_pid = pid.is_some()
                && t.pid(i) == pid
                && t.kind(i) != Kind::LockWait
                && t.blocker_pid(i) != pid;
            by_txn || by_pid
        })
        .collect()
}

/// Up to `n` evidence events of `f` worth quoting, each with why it was
/// picked, in time order: the events that carry the finding's point first
/// (the blocker's statement, the slowest request, each run's start, the
/// first error), then a spread over the rest, preferring sources not yet
/// shown.
pub fn evidence_picks(scope: &Scope<'_>, f: &Finding, n: usize) -> Vec<(usize, &'static str)> {
    let t = &scope.case.timeline;
    let ev: Vec<usize> = f
        .evidence
        .iter()
        .map(|&e| e as usize)
        .filter(|&i| i < t.len())
        .collect();
    let mut picks: Vec<(usize, &'static str)> = Vec::new();
    let add = |i: usize, why: &'static str, picks: &mut Vec<(usize, &'static str)>| {
        if picks.len() < n && !picks.iter().any(|(j, _)| *j == i) {
            picks.push((i, why));
        }
    };
    let first_of = |k: Kind| ev.iter().copied().find(|&i| t.kind(i) == k);
    match f.kind {
        FindingKind::LockConvoy => {
            let be = blocker_events(scope, f);
            if let Some(&i) = be
                .iter()
                .find(|&&i| t.statement(i).is_some())
                .or(be.first())
            {
                add(i, "head blocker", &mut picks);
            }
            if let Some(i) = first_of(Kind::LockWait) {
                add(i, "first wait", &mut picks);
            }
            let longest = ev
                .iter()
                .copied()
                .filter(|&i| t.kind(i) == Kind::LockWait)
                .max_by(|&a, &b| {
                    t.duration_ms(a)
                        .unwrap_or(0.0)
                        .total_cmp(&t.duration_ms(b).unwrap_or(0.0))
                        .then(b.cmp(&a))
                });
            if let Some(i) = longest {
                add(i, "longest wait", &mut picks);
            }
            if let Some(i) = first_of(Kind::LockTimeout) {
                add(i, "first time-out", &mut picks);
            }
        }
        FindingKind::LatencySpike | FindingKind::Saturation => {
            if let Some(&i) = ev.first() {
                add(i, "first slow request", &mut picks);
            }
            let peak = ev.iter().copied().max_by(|&a, &b| {
                t.duration_ms(a)
                    .unwrap_or(0.0)
                    .total_cmp(&t.duration_ms(b).unwrap_or(0.0))
                    .then(b.cmp(&a))
            });
            if let Some(i) = peak {
                add(i, "slowest request", &mut picks);
            }
        }
        FindingKind::DuplicateRun => {
            for &i in &ev {
                if t.kind(i) == Kind::JobStart {
                    add(i, "run start", &mut picks);
                }
            }
            let causes = f.attrs.get("causes").and_then(Value::as_array);
            for c in causes.into_iter().flatten() {
                if let Some(i) = c.get("event").and_then(Value::as_u64) {
                    if (i as usize) < t.len() {
                        add(i as usize, "cause", &mut picks);
                    }
                }
            }
        }
        FindingKind::ErrorBurst | FindingKind::LockTimeout => {
            if let Some(&i) = ev.first() {
                add(i, "first error", &mut picks);
            }
        }
        FindingKind::Deadlock => {
            if let Some(i) = first_of(Kind::Deadlock) {
                add(i, "deadlock report", &mut picks);
            }
        }
    }
    // Spread over the rest, new sources first.
    if picks.len() < n && !ev.is_empty() {
        let slots = n - picks.len();
        let step = (ev.len() / (slots + 1)).max(1);
        let mut spread: Vec<usize> = (1..=slots)
            .filter_map(|k| ev.get(k * step).copied())
            .collect();
        if let Some(&last) = ev.last() {
            spread.push(last);
        }
        let mut shown: Vec<u32> = picks.iter().map(|&(i, _)| t.source(i)).collect();
        let (fresh, rest): (Vec<usize>, Vec<usize>) = spread
            .into_iter()
            .partition(|&i| !shown.contains(&t.source(i)));
        for i in fresh.into_iter().chain(rest) {
            shown.push(t.source(i));
            add(i, "", &mut picks);
        }
        for &i in &ev {
            add(i, "", &mut picks);
        }
    }
    picks.sort_by_key(|&(i, _)| i);
    picks
}

/// A moment marked OUTAGE BEGINS / MITIGATED / OUTAGE ENDS.
#[derive(Debug, Clone)]
pub struct Marker {
    /// When.
    pub ts: i64,
    /// Which.
    pub label: AnnotationLabel,
    /// The annotation that set it, or none when inferred.
    pub annotation: Option<usize>,
    /// What it was inferred from (finding ids), when inferred.
    pub from: String,
}

/// Outage markers: annotated ones first-class; where no annotation gives a
/// begin or end, each episode with symptoms gets inferred ones (the first
/// symptom's start, the last symptom's end).
pub fn markers(scope: &Scope<'_>, eps: &[Episode<'_>]) -> Vec<Marker> {
    let mut out = Vec::new();
    let wanted = [
        AnnotationLabel::OutageBegins,
        AnnotationLabel::Mitigation,
        AnnotationLabel::OutageEnds,
    ];
    for (k, a) in scope.annotations.iter().enumerate() {
        if wanted.contains(&a.label) {
            out.push(Marker {
                ts: a.ts,
                label: a.label,
                annotation: Some(k),
                from: String::new(),
            });
        }
    }
    let has = |l: AnnotationLabel| scope.annotations.iter().any(|a| a.label == l);
    for e in eps {
        let sym = e.symptoms();
        if sym.is_empty() {
            continue;
        }
        let (s, en) = e.impact_window();
        let first = sym.iter().min_by_key(|f| (f.start, scope.rank_of(&f.id)));
        let last = sym
            .iter()
            .max_by_key(|f| (f.end, std::cmp::Reverse(scope.rank_of(&f.id))));
        if !has(AnnotationLabel::OutageBegins) {
            out.push(Marker {
                ts: s,
                label: AnnotationLabel::OutageBegins,
                annotation: None,
                from: first.map(|f| f.id.clone()).unwrap_or_default(),
            });
        }
        if !has(AnnotationLabel::OutageEnds) && en > s {
            out.push(Marker {
                ts: en,
                label: AnnotationLabel::OutageEnds,
                annotation: None,
                from: last.map(|f| f.id.clone()).unwrap_or_default(),
            });
        }
    }
    // Inferred from findings that overlap the window, but shown only inside it.
    out.retain(|m| m.ts >= scope.since && m.ts < scope.until);
    out.sort_by_key(|m| (m.ts, m.label as u8));
    out
}

/// One row of the curated timeline.
#[derive(Debug, Clone)]
pub enum Row<'a> {
    /// A responder's annotation (with its event, if any).
    Annotation(&'a Annotation),
    /// An inferred outage marker.
    Marker(Marker),
    /// A finding's window opens.
    Start(&'a Finding),
    /// A finding's window closes.
    End(&'a Finding),
    /// An event picked as evidence of a finding.
    Evidence(&'a Finding, usize, &'static str),
}

/// A timeline row with its time and priority (lower is kept first).
#[derive(Debug, Clone)]
pub struct Key<'a> {
    /// When.
    pub ts: i64,
    /// The timeline event it shows, if any.
    pub event: Option<usize>,
    /// What it is.
    pub row: Row<'a>,
    prio: (u8, usize, u8),
}

/// A finding shorter than this gets no "ends" row (its start row says how long).
pub const END_ROW_MIN_US: i64 = 2 * 60 * 1_000_000;

/// The curated timeline: annotations, outage markers, and per finding its
/// start, up to two evidence events that carry its point (the blocker's
/// statement, the first error, run starts, the slowest request) and its end,
/// at most `max` rows, by time. When rows must be dropped, annotations and
/// markers stay, then the best-ranked findings' rows.
pub fn key_events<'a>(scope: &Scope<'a>, eps: &[Episode<'a>], max: usize) -> Vec<Key<'a>> {
    let mut keys: Vec<Key<'a>> = Vec::new();
    for a in &scope.annotations {
        keys.push(Key {
            ts: a.ts,
            event: a.event.map(|e| e as usize),
            row: Row::Annotation(a),
            prio: (0, 0, 0),
        });
    }
    for m in markers(scope, eps) {
        if m.annotation.is_none() {
            keys.push(Key {
                ts: m.ts,
                event: None,
                prio: (1, scope.rank_of(&m.from), 0),
                row: Row::Marker(m),
            });
        }
    }
    for f in &scope.findings {
        let rank = scope.rank_of(&f.id);
        if f.start >= scope.since {
            keys.push(Key {
                ts: f.start,
                event: None,
                row: Row::Start(f),
                prio: (2, rank, 0),
            });
        }
        let mut n = 0;
        for (i, why) in evidence_picks(scope, f, 4) {
            if why.is_empty() || n >= 2 {
                continue;
            }
            let ts = scope.case.timeline.ts(i);
            if ts < scope.since || ts >= scope.until {
                continue;
            }
            n += 1;
            keys.push(Key {
                ts,
                event: Some(i),
                row: Row::Evidence(f, i, why),
                prio: (2, rank, 1),
            });
        }
        if f.end - f.start >= END_ROW_MIN_US && f.end < scope.until {
            keys.push(Key {
                ts: f.end,
                event: None,
                row: Row::End(f),
                prio: (2, rank, 2),
            });
        }
    }
    // One row per event: an annotation wins over evidence, a better-ranked
    // finding over a worse one.
    keys.sort_by_key(|k| (k.prio, k.ts));
    let mut seen = std::collections::BTreeSet::new();
    keys.retain(|k| k.event.is_none_or(|e| seen.insert(e)));
    keys.truncate(max);
    keys.sort_by_key(|k| (k.ts, k.prio));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symptoms() {
        assert!(is_symptom(FindingKind::LatencySpike));
        assert!(!is_symptom(FindingKind::LockConvoy));
        assert!(!is_symptom(FindingKind::Saturation));
    }
}

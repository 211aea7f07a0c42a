//! Per-bucket aggregates, computed once when a case is opened, so that every
//! frame reads only the buckets it shows.
//!
//! One [`Level`] per zoom level (1 s … 1 day per column) holds, per bucket,
//! the event count of every lane (host or source), the alerts among them,
//! the request count and p95 latency, the lock waits and job runs in
//! progress. The finest level is built from the events in one pass; each
//! coarser level is merged from the one below (widths divide each other), so
//! ten million events cost one pass plus a few small merges. Levels finer
//! than [`MAX_BUCKETS`] buckets over the case's span are left out.

use pm_parsers::{Kind, Level as Severity};
use pm_tui::analyze::jobs::{self, Run};
use pm_tui::analyze::locks::{self, Wait};
use pm_tui::model::{Case, FindingKind, SymCol, Timeline};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// µs per second.
pub const SEC: i64 = 1_000_000;

/// Column widths of the zoom levels, finest first.
pub const ZOOMS: [i64; 10] = [
    SEC,
    5 * SEC,
    15 * SEC,
    60 * SEC,
    5 * 60 * SEC,
    15 * 60 * SEC,
    3600 * SEC,
    3 * 3600 * SEC,
    12 * 3600 * SEC,
    86400 * SEC,
];

/// A level with more buckets than this over the case's span is not built.
pub const MAX_BUCKETS: i64 = 100_000;

/// At most this many lanes; smaller hosts/sources share an "(other)" lane.
pub const MAX_LANES: usize = 24;

const HIST_BINS: usize = 48;
const HIST_BASE: f64 = 1.4;

/// Lanes grouped by host or by source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One lane per host.
    Host,
    /// One lane per source file.
    Source,
}

impl Grouping {
    /// Index into per-grouping arrays.
    pub fn ix(self) -> usize {
        match self {
            Grouping::Host => 0,
            Grouping::Source => 1,
        }
    }

    /// The other grouping.
    pub fn toggled(self) -> Grouping {
        match self {
            Grouping::Host => Grouping::Source,
            Grouping::Source => Grouping::Host,
        }
    }

    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            Grouping::Host => "host",
            Grouping::Source => "source",
        }
    }
}

/// The aggregates of one zoom level.
#[derive(Debug, Clone, Default)]
pub struct Level {
    /// Bucket width, µs.
    pub width: i64,
    /// Start of bucket 0, µs UTC.
    pub origin: i64,
    /// Number of buckets.
    pub n: usize,
    /// Events per lane per bucket, by grouping (`[grouping][lane][bucket]`).
    pub lanes: [Vec<Vec<u32>>; 2],
    /// Alerts (warnings, errors, lock time-outs, deadlocks, failed jobs) per lane per bucket.
    pub alerts: [Vec<Vec<u32>>; 2],
    /// Requests per bucket.
    pub requests: Vec<u32>,
    /// p95 request latency per bucket, ms (NaN without requests).
    pub p95: Vec<f32>,
    /// Lock waits in progress during the bucket.
    pub waits: Vec<u32>,
    /// Job runs in progress during the bucket.
    pub jobs: Vec<u32>,
}

impl Level {
    /// Bucket number of a column starting at `start` (may be out of range).
    pub fn bucket_at(&self, start: i64) -> i64 {
        (start - self.origin).div_euclid(self.width)
    }
}

/// Lane names and, per event, which lane it is in.
#[derive(Debug, Clone, Default)]
pub struct Lanes {
    /// Lane labels, busiest first ("(other)" last when lanes were merged).
    pub names: Vec<String>,
    /// Total events per lane.
    pub totals: Vec<u64>,
}

/// Job runs with their duplicates, for the jobs view.
#[derive(Debug, Clone, Default)]
pub struct JobRuns {
    /// Every run, by start.
    pub runs: Vec<Run>,
    /// Per run: true when another run of the same job overlaps it.
    pub duplicate: Vec<bool>,
    /// Business ids processed by two overlapping runs of one job: (job, ids).
    pub ids_twice: Vec<(String, Vec<String>)>,
}

/// Everything precomputed for drawing a case.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// First and last event time.
    pub first: i64,
    /// Last event time.
    pub last: i64,
    /// Zoom levels, `None` where too fine for the case's span.
    pub levels: Vec<Option<Level>>,
    /// Lanes by grouping.
    pub lanes: [Lanes; 2],
    /// Lock waits (intervals).
    pub waits: Vec<Wait>,
    /// The waits' (start, end), by start: a window finds its waits by
    /// binary search, looking back as far as the longest wait.
    pub wait_spans: Vec<(i64, i64)>,
    /// Longest wait, µs.
    pub longest_wait: i64,
    /// Job runs.
    pub jobs: JobRuns,
    /// The case zone's UTC offset at the first event, µs: buckets align to its midnight.
    pub zone_off: i64,
    /// Lane of each host symbol / source index, by grouping.
    pub lane_of: [Vec<u16>; 2],
}

/// Cancelled while building.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

fn is_alert(t: &Timeline, i: usize) -> bool {
    matches!(
        t.kind(i),
        Kind::Error | Kind::LockTimeout | Kind::Deadlock | Kind::JobFail | Kind::Timeout
    ) || t.level(i).is_some_and(|l| l >= Severity::Warn)
}

fn hist_bin(ms: f64) -> usize {
    if ms.is_nan() || ms <= 1.0 {
        return 0;
    }
    ((ms.ln() / HIST_BASE.ln()) as usize + 1).min(HIST_BINS - 1)
}

fn bin_value(b: usize) -> f32 {
    if b == 0 {
        1.0
    } else {
        HIST_BASE.powi(b as i32) as f32
    }
}

fn p95_of(h: &[u32]) -> f32 {
    let n: u64 = h.iter().map(|&x| x as u64).sum();
    if n == 0 {
        return f32::NAN;
    }
    let want = (n as f64 * 0.95).ceil() as u64;
    let mut acc = 0u64;
    for (b, &c) in h.iter().enumerate() {
        acc += c as u64;
        if acc >= want {
            return bin_value(b);
        }
    }
    bin_value(HIST_BINS - 1)
}

/// Map each host / source to a lane: the busiest [`MAX_LANES`]` - 1` get
/// their own, the rest share "(other)".
fn lanes_for(
    keys: impl Iterator<Item = u32>,
    n_keys: usize,
    label: impl Fn(u32) -> String,
) -> (Lanes, Vec<u16>) {
    let mut counts = vec![0u64; n_keys.max(1)];
    for k in keys {
        if let Some(c) = counts.get_mut(k as usize) {
            *c += 1;
        }
    }
    let mut order: Vec<usize> = (0..counts.len()).filter(|&k| counts[k] > 0).collect();
    order.sort_by(|&a, &b| {
        counts[b]
            .cmp(&counts[a])
            .then(label(a as u32).cmp(&label(b as u32)))
    });
    let mut of_key = vec![0u16; counts.len()];
    let mut lanes = Lanes::default();
    let own = if order.len() > MAX_LANES {
        MAX_LANES - 1
    } else {
        order.len()
    };
    for (lane, &k) in order.iter().take(own).enumerate() {
        of_key[k] = lane as u16;
        lanes.names.push(label(k as u32));
        lanes.totals.push(counts[k]);
    }
    if order.len() > own {
        let other = own as u16;
        let mut total = 0;
        for &k in &order[own..] {
            of_key[k] = other;
            total += counts[k];
        }
        lanes.names.push("(other)".into());
        lanes.totals.push(total);
    }
    (lanes, of_key)
}

fn interval_counts(level: &Level, spans: impl Iterator<Item = (i64, i64)>) -> Vec<u32> {
    let mut diff = vec![0i64; level.n + 1];
    for (s, e) in spans {
        let a = level.bucket_at(s).clamp(0, level.n as i64) as usize;
        let b = (level.bucket_at(e.max(s)) + 1).clamp(0, level.n as i64) as usize;
        if a < b {
            diff[a] += 1;
            diff[b] -= 1;
        }
    }
    let mut acc = 0i64;
    diff[..level.n]
        .iter()
        .map(|d| {
            acc += d;
            acc.max(0) as u32
        })
        .collect()
}

fn empty_level(width: i64, origin: i64, n: usize, lanes: [usize; 2]) -> Level {
    Level {
        width,
        origin,
        n,
        lanes: [vec![vec![0; n]; lanes[0]], vec![vec![0; n]; lanes[1]]],
        alerts: [vec![vec![0; n]; lanes[0]], vec![vec![0; n]; lanes[1]]],
        requests: vec![0; n],
        p95: vec![f32::NAN; n],
        waits: vec![0; n],
        jobs: vec![0; n],
    }
}

fn duplicates(runs: &[Run], case: &Case) -> (Vec<bool>, Vec<(String, Vec<String>)>) {
    let mut dup = vec![false; runs.len()];
    let mut by_job: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in runs.iter().enumerate() {
        by_job.entry(jobs::job_key(&r.job)).or_default().push(i);
    }
    let mut twice: Vec<(String, Vec<String>)> = Vec::new();
    let mut keys: Vec<&String> = by_job.keys().collect();
    keys.sort();
    for k in keys {
        // Sweep by start: each run meets only the runs that start before it ends.
        let mut list = by_job[k].clone();
        list.sort_by_key(|&r| (runs[r].start, runs[r].end));
        let mut ids: BTreeSet<String> = BTreeSet::new();
        for (x, &a) in list.iter().enumerate() {
            for &b in &list[x + 1..] {
                let (ra, rb) = (&runs[a], &runs[b]);
                if rb.start > ra.end {
                    break;
                }
                dup[a] = true;
                dup[b] = true;
                ids.extend(ra.ids.intersection(&rb.ids).cloned());
            }
        }
        if !ids.is_empty() {
            twice.push((k.clone(), ids.into_iter().collect()));
        }
    }
    // The detector may know more (schedule-slot retries): mark its runs too.
    for f in case
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::DuplicateRun)
    {
        let job = f
            .attrs
            .get("job")
            .and_then(|v| v.as_str())
            .map(jobs::job_key);
        for (i, r) in runs.iter().enumerate() {
            if job.as_deref() == Some(jobs::job_key(&r.job).as_str())
                && r.start <= f.end
                && f.start <= r.end
            {
                dup[i] = true;
            }
        }
        if let (Some(job), Some(ids)) = (job, f.attrs.get("ids_twice").and_then(|v| v.as_array())) {
            if !twice.iter().any(|(j, _)| *j == job) && !ids.is_empty() {
                let ids: Vec<String> = ids
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect();
                twice.push((job, ids));
            }
        }
    }
    (dup, twice)
}

/// Build the index of `case`. Checks `cancel` between passes.
pub fn build(case: &Case, cancel: Option<&Arc<AtomicBool>>) -> Result<Index, Cancelled> {
    let stop = || cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    let t = &case.timeline;
    let mut index = Index::default();
    if t.is_empty() {
        return Ok(index);
    }
    let first = t.ts(0);
    let last = t.ts(t.len() - 1);
    index.first = first;
    index.last = last;
    let span = (last - first).max(1);

    // Lanes.
    let hosts = t.sym_values(SymCol::Host);
    let (host_lanes, host_of) = lanes_for(hosts, t.strings().len(), |k| match k {
        0 => "(no host)".to_string(),
        k => t.strings().get(k).to_string(),
    });
    let sources: Vec<u32> = (0..t.len()).map(|i| t.source(i)).collect();
    let n_sources = case.meta.sources.len().max(
        sources
            .iter()
            .copied()
            .max()
            .map(|m| m as usize + 1)
            .unwrap_or(0),
    );
    let (source_lanes, source_of) = lanes_for(sources.iter().copied(), n_sources, |k| {
        case.meta
            .sources
            .get(k as usize)
            .map(|s| short_path(&s.path))
            .unwrap_or_else(|| format!("source {k}"))
    });
    let lane_counts = [host_lanes.names.len(), source_lanes.names.len()];
    index.lanes = [host_lanes, source_lanes];
    if stop() {
        return Err(Cancelled);
    }

    // Align buckets to the case zone's midnight, so day columns are local days.
    let zone_off = case
        .meta
        .zone
        .parse::<pm_parsers::time::Zone>()
        .map(|z| z.offset_at(first).local_minus_utc() as i64 * SEC)
        .unwrap_or(0);
    let origin_for = |w: i64| (first + zone_off).div_euclid(w) * w - zone_off;
    let finest = ZOOMS
        .iter()
        .position(|&w| span / w < MAX_BUCKETS)
        .unwrap_or(ZOOMS.len() - 1);

    // The finest level from the events.
    let w0 = ZOOMS[finest];
    let o0 = origin_for(w0);
    let n0 = ((last - o0) / w0 + 1) as usize;
    let mut lvl = empty_level(w0, o0, n0, lane_counts);
    let mut hist = vec![0u32; n0 * HIST_BINS];
    drop(sources);
    index.lane_of = [host_of, source_of];
    index.zone_off = zone_off;
    // Counting the buckets, rebuilding the waits and rebuilding the job
    // runs are independent passes over the events. The runs take longest
    // (they read every event's business ids), so they start at once and
    // the other two share the other core.
    let lane_of = &index.lane_of;
    let (mut runs, (filled, waits)) = rayon::join(
        || jobs::runs(t),
        || {
            rayon::join(
                || fill(&mut lvl, &mut hist, t, lane_of, 0, t.len(), cancel),
                || locks::waits(t),
            )
        },
    );
    if !filled {
        return Err(Cancelled);
    }

    index.waits = waits;
    index.wait_spans = index
        .waits
        .iter()
        .map(|w| (w.start, w.end.max(w.start)))
        .collect();
    index.wait_spans.sort_unstable();
    index.longest_wait = index
        .wait_spans
        .iter()
        .map(|(s, e)| e - s)
        .max()
        .unwrap_or(0);
    if stop() {
        return Err(Cancelled);
    }
    runs.sort_by_key(|r| (r.start, r.end));
    let (dup, twice) = duplicates(&runs, case);
    index.jobs = JobRuns {
        runs,
        duplicate: dup,
        ids_twice: twice,
    };

    let mut levels: Vec<Option<Level>> = vec![None; ZOOMS.len()];
    let mut cur = lvl;
    let mut cur_hist = hist;
    for z in finest..ZOOMS.len() {
        if stop() {
            return Err(Cancelled);
        }
        if z > finest {
            let w = ZOOMS[z];
            let o = origin_for(w);
            let n = ((last - o) / w + 1) as usize;
            let mut next = empty_level(w, o, n, lane_counts);
            let mut next_hist = vec![0u32; n * HIST_BINS];
            for b in 0..cur.n {
                let start = cur.origin + b as i64 * cur.width;
                let nb = (((start - o) / w) as usize).min(n - 1);
                for g in 0..2 {
                    for (lane, col) in cur.lanes[g].iter().enumerate() {
                        next.lanes[g][lane][nb] += col[b];
                    }
                    for (lane, col) in cur.alerts[g].iter().enumerate() {
                        next.alerts[g][lane][nb] += col[b];
                    }
                }
                next.requests[nb] += cur.requests[b];
                for k in 0..HIST_BINS {
                    next_hist[nb * HIST_BINS + k] += cur_hist[b * HIST_BINS + k];
                }
            }
            // Store the finished level, continue from the new one.
            let done = std::mem::replace(&mut cur, next);
            levels[z - 1] = Some(done);
            cur_hist = next_hist;
        }
        for b in 0..cur.n {
            cur.p95[b] = p95_of(&cur_hist[b * HIST_BINS..(b + 1) * HIST_BINS]);
        }
        cur.waits = interval_counts(&cur, index.waits.iter().map(|w| (w.start, w.end)));
        cur.jobs = interval_counts(&cur, index.jobs.runs.iter().map(|r| (r.start, r.end)));
    }
    levels[ZOOMS.len() - 1] = Some(cur);
    index.levels = levels;
    Ok(index)
}

/// Count events `lo..hi` into `lvl` (and the latency histogram `hist`).
/// Returns false when cancelled.
fn fill(
    lvl: &mut Level,
    hist: &mut [u32],
    t: &Timeline,
    lane_of: &[Vec<u16>; 2],
    lo: usize,
    hi: usize,
    cancel: Option<&Arc<AtomicBool>>,
) -> bool {
    for i in lo..hi.min(t.len()) {
        let host = t.sym(SymCol::Host, i);
        if i % (1 << 20) == 0 && cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return false;
        }
        let Some(b) = usize::try_from((t.ts(i) - lvl.origin).div_euclid(lvl.width))
            .ok()
            .filter(|&b| b < lvl.n)
        else {
            continue;
        };
        let hl = lane_of[0].get(host as usize).copied().unwrap_or(0) as usize;
        let sl = lane_of[1].get(t.source(i) as usize).copied().unwrap_or(0) as usize;
        if let Some(c) = lvl.lanes[0].get_mut(hl) {
            c[b] += 1;
        }
        if let Some(c) = lvl.lanes[1].get_mut(sl) {
            c[b] += 1;
        }
        if is_alert(t, i) {
            if let Some(c) = lvl.alerts[0].get_mut(hl) {
                c[b] += 1;
            }
            if let Some(c) = lvl.alerts[1].get_mut(sl) {
                c[b] += 1;
            }
        }
        if t.kind(i) == Kind::Request {
            lvl.requests[b] += 1;
            if let Some(d) = t.duration_ms(i) {
                hist[b * HIST_BINS + hist_bin(d)] += 1;
            }
        }
    }
    true
}

/// The last two components of a path (`web01/access.log`).
pub fn short_path(p: &str) -> String {
    let parts: Vec<&str> = p.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    match parts.len() {
        0 => p.to_string(),
        1 => parts[0].to_string(),
        n => format!("{}/{}", parts[n - 2], parts[n - 1]),
    }
}

impl Index {
    /// The precomputed level for zoom `z`, if it was built.
    pub fn level(&self, z: usize) -> Option<&Level> {
        self.levels.get(z).and_then(|l| l.as_ref())
    }

    /// `ts` rounded down to a column boundary of width `w` (local midnight aligned).
    pub fn align(&self, ts: i64, w: i64) -> i64 {
        (ts + self.zone_off).div_euclid(w) * w - self.zone_off
    }

    /// A level for the `n` columns of width `w` from `start` only, computed
    /// from the events in that window (for zoom levels too fine to precompute
    /// over the whole case; costs one pass over the visible events).
    pub fn window(&self, case: &Case, w: i64, start: i64, n: usize) -> Level {
        let t = &case.timeline;
        let lane_counts = [self.lanes[0].names.len(), self.lanes[1].names.len()];
        let mut lvl = empty_level(w, start, n, lane_counts);
        let mut hist = vec![0u32; n * HIST_BINS];
        let end = start + n as i64 * w;
        let (lo, hi) = (t.lower_bound(start), t.lower_bound(end));
        fill(&mut lvl, &mut hist, t, &self.lane_of, lo, hi, None);
        for b in 0..n {
            lvl.p95[b] = p95_of(&hist[b * HIST_BINS..(b + 1) * HIST_BINS]);
        }
        let ws = &self.wait_spans;
        let lo = ws.partition_point(|&(s, _)| s < start - self.longest_wait);
        let hi = ws.partition_point(|&(s, _)| s < end).max(lo);
        let waits = ws[lo..hi].iter().filter(|&&(_, e)| e >= start);
        lvl.waits = interval_counts(&lvl, waits.copied());
        let runs = self
            .jobs
            .runs
            .iter()
            .filter(|r| r.end >= start && r.start < end);
        lvl.jobs = interval_counts(&lvl, runs.map(|r| (r.start, r.end)));
        lvl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_from_histogram() {
        let mut h = vec![0u32; HIST_BINS];
        h[hist_bin(10.0)] += 95;
        h[hist_bin(5000.0)] += 5;
        let p = p95_of(&h);
        assert!((7.0..15.0).contains(&p), "{p}");
        h[hist_bin(5000.0)] += 10;
        let p = p95_of(&h);
        assert!((3000.0..7500.0).contains(&p), "{p}");
        assert!(p95_of(&[0; HIST_BINS]).is_nan());
    }

    #[test]
    fn short_paths() {
        assert_eq!(short_path("logs/web01/access.log"), "web01/access.log");
        assert_eq!(short_path("a.log"), "a.log");
    }
}

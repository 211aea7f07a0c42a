//! Request latency: per endpoint and time bucket (10 s to 5 min, chosen by
//! the span of the data), request count and p50/p95/p99, computed with
//! polars; spikes against a robust per-endpoint baseline; and the
//! saturation knee, the request rate above which p95 grows non-linearly.

use super::Draft;
use crate::model::{FindingKind, SymCol, Timeline};
use pm_parsers::Kind;
use polars::prelude::*;
use serde_json::{Map, json};
/// Maps keyed by (method, route) string ids, hashed once or twice per
/// request row: SipHash, the standard library's default, was 1 % of the
/// 512 MiB nginx ingest of BENCHMARKS.md.
type PairMap<V> = std::collections::HashMap<(u32, u32), V, foldhash::fast::RandomState>;

/// Per-bucket statistics of one endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// Bucket start (µs UTC).
    pub start: i64,
    /// Requests completed in the bucket.
    pub n: u32,
    /// Median duration, ms.
    pub p50: f64,
    /// 95th percentile, ms.
    pub p95: f64,
    /// 99th percentile, ms.
    pub p99: f64,
    /// Responses with status ≥ 500.
    pub errors: u32,
}

/// One endpoint's series.
#[derive(Debug, Clone)]
pub struct EndpointSeries {
    /// `POST /checkout`.
    pub endpoint: String,
    /// Buckets with requests, in time order.
    pub buckets: Vec<Bucket>,
    /// Requests in all.
    pub total: u64,
}

/// A bucket width for data spanning `span_us`: about 400 buckets, between 10 s and 5 min.
pub fn bucket_width(span_us: i64) -> i64 {
    const NICE: [i64; 7] = [10, 15, 30, 60, 120, 180, 300];
    let want = span_us / 400 / 1_000_000;
    let secs = NICE.iter().copied().find(|&n| n >= want).unwrap_or(300);
    secs * 1_000_000
}

fn endpoint_name(t: &Timeline, i: usize) -> String {
    let route = t.str(SymCol::Route, i).unwrap_or("?");
    match t.str(SymCol::Method, i) {
        Some(m) => format!("{m} {route}"),
        None => route.to_string(),
    }
}

/// Whether rows are requests to one endpoint (as [`endpoint_name`] names
/// it), decided once per (method, route) pair of string ids: the scans of
/// a spike's and an episode's window asked it of every row, and building
/// the name each time was most of the analysis of the mixed corpus of
/// BENCHMARKS.md.
struct EndpointMatch<'a> {
    name: &'a str,
    seen: PairMap<bool>,
}

impl<'a> EndpointMatch<'a> {
    fn new(name: &'a str) -> Self {
        EndpointMatch {
            name,
            seen: PairMap::default(),
        }
    }

    /// Whether row `i` is a request to the endpoint.
    fn is(&mut self, t: &Timeline, i: usize) -> bool {
        if t.kind(i) != Kind::Request {
            return false;
        }
        let key = (t.sym(SymCol::Method, i), t.sym(SymCol::Route, i));
        let name = self.name;
        *self
            .seen
            .entry(key)
            .or_insert_with(|| endpoint_name(t, i) == name)
    }
}

/// Requests per polars frame in [`series`]: the group-by copies what it is
/// given several times over, so it is given the requests a slice of time at
/// a time (a whole 2.6 M-request log at once added 220 MB to the peak).
const SERIES_CHUNK: usize = 256 * 1024;

/// The columns of one slice of requests, for the group-by.
#[derive(Default)]
struct Chunk {
    ep: Vec<u32>,
    bucket: Vec<i64>,
    dur: Vec<f64>,
    err: Vec<u32>,
}

/// Bucketed statistics per endpoint (endpoints with fewer than `min_total` requests are left out).
///
/// The timeline is in time order, so every bucket's requests are
/// consecutive: they are grouped a slice of whole buckets at a time, and
/// each (endpoint, bucket) group is computed exactly as over all requests
/// at once.
pub fn series(t: &Timeline, width: i64, min_total: u64) -> PolarsResult<Vec<EndpointSeries>> {
    series_in_chunks(t, width, min_total, SERIES_CHUNK)
}

/// [`series`], grouping at least `chunk` requests (and whole buckets) at a time.
fn series_in_chunks(
    t: &Timeline,
    width: i64,
    min_total: u64,
    chunk_rows: usize,
) -> PolarsResult<Vec<EndpointSeries>> {
    // Endpoints with fewer than `min_total` requests are left out. They
    // are counted first, so that their rows are never grouped: a log of
    // cache-busted asset names has tens of thousands of them (84 K in the
    // nginx log of BENCHMARKS.md, whose series took 20 MB until the end).
    const SKIP: u32 = u32::MAX;
    const UNSEEN: u32 = u32::MAX - 1;
    let mut totals: PairMap<u64> = PairMap::default();
    for i in t.rows_released_behind(0..t.len()) {
        if t.kind(i) == Kind::Request && t.duration_ms(i).is_some() {
            *totals
                .entry((t.sym(SymCol::Method, i), t.sym(SymCol::Route, i)))
                .or_default() += 1;
        }
    }
    let mut key_of: PairMap<u32> = totals
        .into_iter()
        .map(|(k, n)| (k, if n >= min_total { UNSEEN } else { SKIP }))
        .collect();
    let mut by_ep: Vec<EndpointSeries> = Vec::new();
    let mut chunk = Chunk::default();
    for i in t.rows_released_behind(0..t.len()) {
        if t.kind(i) != Kind::Request {
            continue;
        }
        let Some(d) = t.duration_ms(i) else {
            continue;
        };
        let k = (t.sym(SymCol::Method, i), t.sym(SymCol::Route, i));
        let key = match key_of.get_mut(&k) {
            None | Some(&mut SKIP) => continue,
            Some(slot) => {
                if *slot == UNSEEN {
                    by_ep.push(EndpointSeries {
                        endpoint: endpoint_name(t, i),
                        buckets: Vec::new(),
                        total: 0,
                    });
                    *slot = by_ep.len() as u32 - 1;
                }
                *slot
            }
        };
        let bucket = t.ts(i).div_euclid(width) * width;
        if chunk.ep.len() >= chunk_rows && chunk.bucket.last() != Some(&bucket) {
            group_chunk(std::mem::take(&mut chunk), width, &mut by_ep)?;
        }
        chunk.ep.push(key);
        chunk.bucket.push(bucket);
        chunk.dur.push(d);
        chunk
            .err
            .push(u32::from(t.status(i).is_some_and(|s| s >= 500)));
    }
    if !chunk.ep.is_empty() {
        group_chunk(chunk, width, &mut by_ep)?;
    }
    by_ep.retain(|s| s.total >= min_total);
    by_ep.sort_by(|a, b| b.total.cmp(&a.total).then(a.endpoint.cmp(&b.endpoint)));
    Ok(by_ep)
}

/// Count and percentiles per (endpoint, bucket) of one slice of requests,
/// appended to each endpoint's series in bucket order.
///
/// The two are grouped as one integer key, the endpoint in the high 32 bits
/// and the bucket's number within the slice in the low ones: grouped as
/// two columns, polars encodes each row's pair as bytes and hashes those
/// (about a fifth of the analysis of the 512 MiB nginx log of
/// BENCHMARKS.md). The key sorts as the pair does.
fn group_chunk(chunk: Chunk, width: i64, by_ep: &mut [EndpointSeries]) -> PolarsResult<()> {
    let n = chunk.ep.len();
    let first = chunk.bucket.iter().copied().min().unwrap_or(0);
    let width = width.max(1);
    let key: Vec<u64> = chunk
        .ep
        .iter()
        .zip(&chunk.bucket)
        .map(|(&ep, &b)| {
            // A slice spans whole buckets of one stretch of time: far fewer
            // than 2^32 of them.
            let k = u32::try_from((b - first) / width).unwrap_or(u32::MAX);
            (u64::from(ep) << 32) | u64::from(k)
        })
        .collect();
    let df = DataFrame::new(
        n,
        vec![
            Column::new("key".into(), key),
            Column::new("dur".into(), chunk.dur),
            Column::new("err".into(), chunk.err),
        ],
    )?;
    let out = df
        .lazy()
        .group_by([col("key")])
        .agg([
            len().alias("n"),
            col("dur")
                .quantile(lit(0.5), QuantileMethod::Linear)
                .alias("p50"),
            col("dur")
                .quantile(lit(0.95), QuantileMethod::Linear)
                .alias("p95"),
            col("dur")
                .quantile(lit(0.99), QuantileMethod::Linear)
                .alias("p99"),
            col("err").sum().alias("errors"),
        ])
        .sort(["key"], SortMultipleOptions::default())
        .collect()?;
    let key = out.column("key")?.u64()?;
    let cnt = out.column("n")?.cast(&DataType::UInt32)?;
    let cnt = cnt.u32()?;
    let p50 = out.column("p50")?.f64()?;
    let p95 = out.column("p95")?.f64()?;
    let p99 = out.column("p99")?.f64()?;
    let errs = out.column("errors")?.cast(&DataType::UInt32)?;
    let errs = errs.u32()?;
    for r in 0..out.height() {
        let Some(k) = key.get(r) else {
            continue;
        };
        let e = k >> 32;
        let start = first + i64::from(k as u32) * width;
        let Some(s) = by_ep.get_mut(e as usize) else {
            continue;
        };
        let b = Bucket {
            start,
            n: cnt.get(r).unwrap_or(0),
            p50: p50.get(r).unwrap_or(0.0),
            p95: p95.get(r).unwrap_or(0.0),
            p99: p99.get(r).unwrap_or(0.0),
            errors: errs.get(r).unwrap_or(0),
        };
        s.total += b.n as u64;
        s.buckets.push(b);
    }
    Ok(())
}

fn quantile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// Tunables for spike detection.
#[derive(Debug, Clone)]
pub struct SpikeConfig {
    /// Ignore buckets with fewer requests.
    pub min_bucket_requests: u32,
    /// A spike bucket's p95 is at least this many times the baseline…
    pub ratio: f64,
    /// …and at least this many ms above it.
    pub min_excess_ms: f64,
    /// Spikes need this many requests in all.
    pub min_requests: u64,
}

impl Default for SpikeConfig {
    fn default() -> Self {
        SpikeConfig {
            min_bucket_requests: 3,
            ratio: 4.0,
            min_excess_ms: 400.0,
            min_requests: 10,
        }
    }
}

/// Latency spikes per endpoint.
pub fn spikes(t: &Timeline, all: &[EndpointSeries], width: i64, cfg: &SpikeConfig) -> Vec<Draft> {
    let mut out = Vec::new();
    let traffic: u64 = all.iter().map(|s| s.total).sum();
    for s in all {
        let usable: Vec<&Bucket> = s
            .buckets
            .iter()
            .filter(|b| b.n >= cfg.min_bucket_requests)
            .collect();
        if usable.len() < 8 {
            continue;
        }
        // Baseline: the lower quartile of bucket p95s, robust to incidents
        // that cover up to three quarters of the data.
        let mut p95s: Vec<f64> = usable.iter().map(|b| b.p95).collect();
        let base = quantile(&mut p95s, 0.25).max(1.0);
        let threshold = (base * cfg.ratio).max(base + cfg.min_excess_ms);
        // Hysteresis: a spike needs a bucket over the high threshold, and
        // extends over neighbouring buckets above the low one (twice the
        // baseline), so its edges are where latency leaves and rejoins normal.
        let low = (base * 2.0).max(base + cfg.min_excess_ms / 2.0);
        let mut spans: Vec<(i64, i64, bool)> = Vec::new();
        for b in usable.iter().filter(|b| b.p95 >= low) {
            let hot = b.p95 >= threshold;
            match spans.last_mut() {
                Some((_, end, h)) if b.start <= *end + width => {
                    *end = b.start + width;
                    *h |= hot;
                }
                _ => spans.push((b.start, b.start + width, hot)),
            }
        }
        let windows: Vec<(i64, i64)> = spans
            .into_iter()
            .filter(|w| w.2)
            .map(|(a, b, _)| (a, b))
            .collect();
        for (ws, we) in windows {
            let lo = t.lower_bound(ws);
            let hi = t.lower_bound(we);
            // The window proper: from the start of the first slow request to
            // the end of the last one (buckets only locate it).
            let mut first_slow = i64::MAX;
            let mut last_slow = i64::MIN;
            let mut durs = Vec::new();
            let mut evidence = Vec::new();
            let mut errors = 0u64;
            let mut worst: Vec<(f64, usize)> = Vec::new();
            let mut to_endpoint = EndpointMatch::new(&s.endpoint);
            for i in lo..hi {
                if !to_endpoint.is(t, i) {
                    continue;
                }
                let Some(d) = t.duration_ms(i) else { continue };
                if d >= low {
                    first_slow = first_slow.min(t.ts(i) - (d * 1000.0) as i64);
                    last_slow = last_slow.max(t.ts(i));
                }
                durs.push(d);
                worst.push((d, i));
                if t.status(i).is_some_and(|x| x >= 500) {
                    errors += 1;
                }
            }
            let n = durs.len() as u64;
            if n < cfg.min_requests || (traffic > 10_000 && n * 2000 < traffic.min(2_000_000) / 100)
            {
                continue;
            }
            let p95 = quantile(&mut durs, 0.95);
            let p50 = quantile(&mut durs, 0.5);
            worst.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            evidence.extend(worst.iter().take(30).map(|(_, i)| *i));
            evidence.sort_unstable();
            let ratio = p95 / base;
            let mut attrs = Map::new();
            attrs.insert("endpoint".into(), json!(s.endpoint));
            attrs.insert("p95_ms".into(), json!(p95.round()));
            attrs.insert("p50_ms".into(), json!(p50.round()));
            attrs.insert("baseline_p95_ms".into(), json!(base.round()));
            attrs.insert("requests".into(), json!(n));
            attrs.insert("errors".into(), json!(errors));
            attrs.insert("bucket_s".into(), json!(width / 1_000_000));
            attrs.insert("causes".into(), json!([]));
            let score = (1.0 - (-(ratio.ln().max(0.0)) / 3.0).exp())
                * (1.0 - (-(n as f64) / 200.0).exp()).max(0.3);
            let summary = format!(
                "Latency spike on {}: p95 {} against a baseline of {} ({} requests)",
                s.endpoint,
                crate::text::human_ms(p95),
                crate::text::human_ms(base),
                n
            );
            let (ws, we) = if first_slow <= last_slow {
                (first_slow.max(ws - width), last_slow)
            } else {
                (ws, we)
            };
            out.push(Draft::new(
                FindingKind::LatencySpike,
                ws,
                we,
                score.clamp(0.05, 0.95),
                summary,
                evidence,
                attrs,
            ));
        }
    }
    out
}

/// The saturation knee of an endpoint, if its latency grows non-linearly
/// with its request rate: (knee in requests/min, median p95 below, median p95 above, points).
pub fn knee(s: &EndpointSeries, width: i64) -> Option<(f64, f64, f64, usize)> {
    let minutes = width as f64 / 60_000_000.0;
    let mut pts: Vec<(f64, f64)> = s
        .buckets
        .iter()
        .filter(|b| b.n >= 2)
        .map(|b| (b.n as f64 / minutes, b.p95))
        .collect();
    if pts.len() < 20 {
        return None;
    }
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let n = pts.len();
    // Two-segment fit: flat below the knee, linear above; minimise squared error.
    let mut best: Option<(f64, usize)> = None;
    for k in (n / 5)..(n * 9 / 10) {
        let below = &pts[..k];
        let above = &pts[k..];
        let mean_b = below.iter().map(|p| p.1).sum::<f64>() / below.len() as f64;
        let sse_b: f64 = below.iter().map(|p| (p.1 - mean_b).powi(2)).sum();
        let (mx, my) = (
            above.iter().map(|p| p.0).sum::<f64>() / above.len() as f64,
            above.iter().map(|p| p.1).sum::<f64>() / above.len() as f64,
        );
        let sxx: f64 = above.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let sxy: f64 = above.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        let sse_a: f64 = above
            .iter()
            .map(|p| (p.1 - (my + slope * (p.0 - mx))).powi(2))
            .sum();
        let sse = sse_b + sse_a;
        if best.is_none_or(|(b, _)| sse < b) {
            best = Some((sse, k));
        }
    }
    let (_, k) = best?;
    let mut below: Vec<f64> = pts[..k].iter().map(|p| p.1).collect();
    let mut above: Vec<f64> = pts[k..].iter().map(|p| p.1).collect();
    let pb = quantile(&mut below, 0.5);
    let pa = quantile(&mut above, 0.5);
    if pa < 3.0 * pb.max(1.0) || pa - pb < 300.0 {
        return None;
    }
    // The knee: the rate from which latency is high, read as the lower
    // quartile of the upper segment's rates (robust to the transition
    // minutes; with a hard ceiling, the points crowd just under it).
    // Where the fitted upper line meets the flat lower level is the knee of a
    // ramp; for a wall (a hard ceiling) that crossing falls outside the upper
    // points, and their lower quartile is used instead.
    let mut upper: Vec<f64> = pts[k..].iter().map(|p| p.0).collect();
    let level = pts[..k].iter().map(|p| p.1).sum::<f64>() / k as f64;
    let (ux, uy) = (
        upper.iter().sum::<f64>() / upper.len() as f64,
        pts[k..].iter().map(|p| p.1).sum::<f64>() / upper.len() as f64,
    );
    let sxx: f64 = upper.iter().map(|x| (x - ux).powi(2)).sum();
    let sxy: f64 = pts[k..].iter().map(|p| (p.0 - ux) * (p.1 - uy)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let lo = upper.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = upper.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let crossing = (slope > 0.0).then(|| ux + (level - uy) / slope);
    let knee_rpm = match crossing {
        Some(x) if x >= lo && x <= hi => x,
        _ => quantile(&mut upper, 0.25),
    };
    Some((knee_rpm, pb, pa, n))
}

/// Per-minute buckets of one endpoint's requests in [from, to).
fn minute_series(t: &Timeline, endpoint: &str, from: i64, to: i64) -> EndpointSeries {
    const MINUTE: i64 = 60_000_000;
    let mut by_min: std::collections::BTreeMap<i64, (Vec<f64>, u32)> =
        std::collections::BTreeMap::new();
    let mut to_endpoint = EndpointMatch::new(endpoint);
    for i in t.lower_bound(from)..t.lower_bound(to) {
        if !to_endpoint.is(t, i) {
            continue;
        }
        let Some(d) = t.duration_ms(i) else { continue };
        let e = by_min
            .entry(t.ts(i).div_euclid(MINUTE) * MINUTE)
            .or_default();
        e.0.push(d);
        if t.status(i).is_some_and(|x| x >= 500) {
            e.1 += 1;
        }
    }
    let mut total = 0;
    let buckets = by_min
        .into_iter()
        .map(|(start, (mut d, errors))| {
            total += d.len() as u64;
            Bucket {
                start,
                n: d.len() as u32,
                p50: quantile(&mut d, 0.5),
                p95: quantile(&mut d, 0.95),
                p99: quantile(&mut d, 0.99),
                errors,
            }
        })
        .collect();
    EndpointSeries {
        endpoint: endpoint.to_string(),
        buckets,
        total,
    }
}

/// Saturation findings: for each endpoint, the spikes within a day of each
/// other form one episode; the knee is fitted on that episode's per-minute
/// rate and p95 (with three hours of context either side), so traffic from
/// other days (after a fix, say) does not blur it.
pub fn saturation(
    t: &Timeline,
    all: &[EndpointSeries],
    spikes: &[(String, i64, i64)],
) -> Vec<Draft> {
    const DAY: i64 = 24 * 3600 * 1_000_000;
    const CONTEXT: i64 = 3 * 3600 * 1_000_000;
    let mut out = Vec::new();
    for s in all {
        let mut windows: Vec<(i64, i64)> = spikes
            .iter()
            .filter(|(e, _, _)| *e == s.endpoint)
            .map(|(_, a, b)| (*a, *b))
            .collect();
        windows.sort_unstable();
        let mut episodes: Vec<(i64, i64)> = Vec::new();
        for (a, b) in windows {
            match episodes.last_mut() {
                Some((_, end)) if a <= *end + DAY => *end = (*end).max(b),
                _ => episodes.push((a, b)),
            }
        }
        for (a, b) in episodes {
            let width = 60_000_000;
            let local = minute_series(t, &s.endpoint, a - CONTEXT, b + CONTEXT);
            let Some((knee_rpm, pb, pa, npts)) = knee(&local, width) else {
                continue;
            };
            let minutes = width as f64 / 60_000_000.0;
            let above: Vec<&Bucket> = local
                .buckets
                .iter()
                .filter(|k| k.n as f64 / minutes >= knee_rpm && k.p95 >= pa / 2.0)
                .collect();
            let start = above.iter().map(|k| k.start).min().unwrap_or(a);
            let end = above.iter().map(|k| k.start + width).max().unwrap_or(b);
            let mut attrs = Map::new();
            attrs.insert("endpoint".into(), json!(s.endpoint));
            attrs.insert("knee_rpm".into(), json!(knee_rpm.round()));
            attrs.insert("p95_below_ms".into(), json!(pb.round()));
            attrs.insert("p95_above_ms".into(), json!(pa.round()));
            attrs.insert("buckets".into(), json!(npts));
            let summary = format!(
                "Saturation on {}: above about {} requests/min p95 jumps from {} to {}",
                s.endpoint,
                knee_rpm.round(),
                crate::text::human_ms(pb),
                crate::text::human_ms(pa)
            );
            let score = (1.0 - (-(pa / pb.max(1.0)).ln() / 3.0).exp()).clamp(0.1, 0.8);
            attrs.insert("requests".into(), json!(local.total));
            out.push(Draft::new(
                FindingKind::Saturation,
                start,
                end,
                score,
                summary,
                Vec::new(),
                attrs,
            ));
        }
    }
    // Endpoints that saturate together share one cause: keep the busiest.
    out.sort_by(|a, b| {
        let n = |d: &Draft| {
            d.attrs
                .get("requests")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        };
        n(b).cmp(&n(a)).then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Draft> = Vec::new();
    for d in out {
        if !kept.iter().any(|k| k.start < d.end && d.start < k.end) {
            kept.push(d);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use pm_parsers::Event;
    use std::borrow::Cow;

    fn req(ts_s: f64, route: &'static str, ms: f64) -> Event<'static> {
        let mut e = Event::new(Kind::Request, (ts_s * 1e6) as i64, 1, 0);
        e.method = Some(Cow::Borrowed("POST"));
        e.route = Some(Cow::Borrowed(route));
        e.status = Some(200);
        e.duration_ms = Some(ms);
        e
    }

    fn timeline(evs: Vec<Event<'static>>) -> Timeline {
        let mut t = Timeline::new();
        for e in &evs {
            t.push(0, e);
        }
        t.sort();
        t
    }

    /// A row is a request to an endpoint exactly when its name is the
    /// endpoint's, with or without a method or a route, whichever rows were
    /// asked first.
    #[test]
    fn endpoint_match_agrees_with_the_name() {
        let mut evs = Vec::new();
        for (k, (method, route)) in [
            (Some("POST"), Some("/a")),
            (Some("GET"), Some("/a")),
            (None, Some("/a")),
            (Some("GET"), None),
            (None, None),
            (None, Some("GET /a")),
            (Some("POST"), Some("/b")),
        ]
        .into_iter()
        .enumerate()
        {
            let mut e = req(k as f64, "/x", 1.0);
            e.method = method.map(Cow::Borrowed);
            e.route = route.map(Cow::Borrowed);
            evs.push(e);
        }
        let mut log = Event::new(Kind::Log, 10_000_000, 1, 0);
        log.route = Some(Cow::Borrowed("/a"));
        evs.push(log);
        let t = timeline(evs);
        for name in ["POST /a", "GET /a", "/a", "GET ?", "?", "POST /b", "/b"] {
            for order in [false, true] {
                let mut m = EndpointMatch::new(name);
                let rows: Vec<usize> = match order {
                    false => (0..t.len()).collect(),
                    true => (0..t.len()).rev().collect(),
                };
                for i in rows {
                    let want = t.kind(i) == Kind::Request && endpoint_name(&t, i) == name;
                    assert_eq!(m.is(&t, i), want, "{name} row {i}");
                }
            }
        }
        let get_a = (0..t.len()).filter(|&i| EndpointMatch::new("GET /a").is(&t, i));
        assert_eq!(
            get_a.count(),
            2,
            "GET with route /a, and the method-less route 'GET /a'"
        );
    }

    /// Grouped a few requests at a time, the series are those of all the
    /// requests at once: buckets never straddle two slices.
    #[test]
    fn series_in_slices_equal_series_at_once() {
        let mut evs = Vec::new();
        for k in 0..400 {
            let route = ["/a", "/b", "/c"][k % 3];
            let ms = (k % 17) as f64 * 3.0 + if k % 50 == 0 { 900.0 } else { 0.0 };
            evs.push(req(k as f64 * 0.7, route, ms));
        }
        let t = timeline(evs);
        let width = 10_000_000;
        let whole = series_in_chunks(&t, width, 1, usize::MAX).unwrap();
        assert_eq!(whole.len(), 3);
        assert!(whole.iter().all(|s| s.buckets.len() == 28), "{whole:?}");
        for rows in [1, 7, 64] {
            let sliced = series_in_chunks(&t, width, 1, rows).unwrap();
            assert_eq!(
                format!("{sliced:?}"),
                format!("{whole:?}"),
                "{rows} at a time"
            );
        }
    }

    /// Each endpoint's buckets hold exactly its own requests: counts,
    /// percentiles and errors per bucket, buckets in time order and empty
    /// ones left out, endpoints by traffic. Times far from 0 (2023) and
    /// gaps of many buckets between requests.
    #[test]
    fn series_buckets_are_each_endpoints_own() {
        let t0 = 1_685_600_000.0;
        let mut evs = Vec::new();
        // /a: 4 requests at 0-3 s (10..40 ms), 2 at 3600 s (one a 500).
        for k in 0..4 {
            evs.push(req(t0 + f64::from(k), "/a", f64::from(10 * (k + 1))));
        }
        let mut failed = req(t0 + 3600.0, "/a", 200.0);
        failed.status = Some(503);
        evs.push(failed);
        evs.push(req(t0 + 3601.0, "/a", 100.0));
        // /b: 2 requests at 5 s and 15 s, in two buckets.
        evs.push(req(t0 + 5.0, "/b", 7.0));
        evs.push(req(t0 + 15.0, "/b", 9.0));
        let t = timeline(evs);
        let width = 10_000_000;
        let all = series(&t, width, 1).unwrap();
        // Seconds from t0, count, p50, p95, errors.
        type Row = (i64, u32, f64, f64, u32);
        let got: Vec<(String, Vec<Row>)> = all
            .iter()
            .map(|s| {
                let b = s.buckets.iter();
                let b = b.map(|b| {
                    (
                        (b.start - 1_685_600_000_000_000) / 1_000_000,
                        b.n,
                        b.p50,
                        b.p95,
                        b.errors,
                    )
                });
                (s.endpoint.clone(), b.collect())
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "POST /a".to_string(),
                    vec![(0, 4, 25.0, 38.5, 0), (3600, 2, 150.0, 195.0, 1)]
                ),
                (
                    "POST /b".to_string(),
                    vec![(0, 1, 7.0, 7.0, 0), (10, 1, 9.0, 9.0, 0)]
                ),
            ]
        );
    }

    #[test]
    fn widths() {
        assert_eq!(bucket_width(3600 * 1_000_000), 10_000_000);
        assert_eq!(bucket_width(24 * 3600 * 1_000_000), 300_000_000);
        assert_eq!(bucket_width(6 * 3600 * 1_000_000), 60_000_000);
    }

    #[test]
    fn a_spike_in_the_middle_and_one_at_the_edge() {
        let mut evs = Vec::new();
        // 2 hours, one request every 6 s at 100 ms; 13 s between 3600 and 4200 s,
        // and from 7000 s to the end of the data.
        let mut s = 0.0;
        while s < 7200.0 {
            let slow = (3600.0..4200.0).contains(&s) || s >= 7000.0;
            evs.push(req(s, "/checkout", if slow { 13_000.0 } else { 100.0 }));
            s += 6.0;
        }
        let t = timeline(evs);
        let width = bucket_width(7200 * 1_000_000);
        let all = series(&t, width, 10).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].total, 1200);
        let sp = spikes(&t, &all, width, &SpikeConfig::default());
        assert_eq!(sp.len(), 2);
        // Windows run from the start of the first slow request (logged at its
        // end, 3600 s, after 13 s) to the end of the last one.
        assert_eq!(sp[0].start, 3587 * 1_000_000);
        assert_eq!(sp[0].end, 4194 * 1_000_000);
        assert_eq!(sp[0].attrs["p95_ms"], json!(13000.0));
        assert_eq!(sp[0].attrs["baseline_p95_ms"], json!(100.0));
        assert_eq!(sp[0].attrs["endpoint"], json!("POST /checkout"));
        // At the edge of the data: 7002 s is the first slow request there.
        assert_eq!(width, 30 * 1_000_000);
        assert_eq!(sp[1].start, 6989 * 1_000_000);
        assert_eq!(sp[1].end, 7194 * 1_000_000);
    }

    #[test]
    fn knee_of_a_queue() {
        // p95 flat at 50 ms up to 400 rpm, exploding above.
        let mut s = EndpointSeries {
            endpoint: "POST /login".into(),
            buckets: Vec::new(),
            total: 0,
        };
        for k in 0..60u32 {
            let rpm = 100 + k * 10;
            let p95 = if rpm <= 400 {
                50.0
            } else {
                50.0 + (rpm - 400) as f64 * 40.0
            };
            s.buckets.push(Bucket {
                start: k as i64 * 60_000_000,
                n: rpm,
                p50: p95 / 2.0,
                p95,
                p99: p95,
                errors: 0,
            });
        }
        let (knee_rpm, below, above, _) = knee(&s, 60_000_000).unwrap();
        assert!((390.0..=420.0).contains(&knee_rpm), "{knee_rpm}");
        assert_eq!(below, 50.0);
        assert!(above > 3000.0);
    }

    #[test]
    fn no_knee_when_latency_is_flat() {
        let mut s = EndpointSeries {
            endpoint: "GET /".into(),
            buckets: Vec::new(),
            total: 0,
        };
        for k in 0..60u32 {
            s.buckets.push(Bucket {
                start: k as i64 * 60_000_000,
                n: 100 + k * 10,
                p50: 20.0,
                p95: 50.0 + (k % 3) as f64,
                p99: 60.0,
                errors: 0,
            });
        }
        assert!(knee(&s, 60_000_000).is_none());
    }
}

//! Error bursts: errors grouped by code (message id, SQLSTATE, HTTP 5xx by
//! endpoint) or by message template (numbers and ids masked), reported where
//! they come far denser than their own average.

use super::Draft;
use crate::model::{FindingKind, Sym, SymCol, Timeline};
use pm_parsers::{Kind, Level};
use serde_json::{Map, json};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A message with its variable parts masked: numbers → `N`, hex and ids →
/// `X`, quoted text → `"…"`. Cut to 80 characters.
pub fn template(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or("");
    let mut out = String::with_capacity(first.len().min(96));
    // Characters in `out` (counting them again for each one was quadratic,
    // and this runs for every error message of an ingest).
    let mut written = 0;
    let mut chars = first.chars().peekable();
    while let Some(c) = chars.next() {
        if written >= 80 {
            out.push('…');
            break;
        }
        written += 1;
        if c == '"' || c == '\'' {
            for d in chars.by_ref() {
                if d == c {
                    break;
                }
            }
            out.push(c);
            out.push('…');
            out.push(c);
            written += 2;
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

/// The burst key of event `i`, if it is an error: the HTTP status and
/// endpoint, the code or message id, the exception class, or the message
/// template.
fn key(t: &Timeline, i: usize) -> Option<Key<'_>> {
    match t.kind(i) {
        Kind::Request => {
            let s = t.status(i)?;
            if s < 500 {
                return None;
            }
            Some(Key::Http(s))
        }
        Kind::Deadlock | Kind::LockTimeout | Kind::LockWait | Kind::LockAcquired => None,
        _ => {
            let is_error =
                t.kind(i) == Kind::Error || t.level(i).is_some_and(|l| l >= Level::Error);
            if !is_error {
                return None;
            }
            match (t.str(SymCol::Code, i), t.attr(i, "exception")) {
                (Some(c), _) => Some(Key::Text(Cow::Borrowed(c))),
                (None, Some(x)) => Some(Key::Text(Cow::Borrowed(x))),
                (None, None) => {
                    let tpl = template(t.message(i));
                    (!tpl.trim().is_empty()).then_some(Key::Text(Cow::Owned(tpl)))
                }
            }
        }
    }
}

/// A burst key as [`key`] finds it, borrowed where it can be: it is asked
/// of every error row, and most rows repeat a key already seen.
enum Key<'t> {
    /// `HTTP {status}`.
    Http(u16),
    Text(Cow<'t, str>),
}

const HOUR: i64 = 3600 * 1_000_000;
const DAY: i64 = 24 * HOUR;

/// Error bursts. For each error key, hourly counts are compared with the
/// key's quiet rate (the lower quartile of its daily counts over the data's
/// days, so bursts on up to three days in four do not hide themselves); hours
/// at five times that rate, and at least `min_hot` errors, are hot; runs of
/// hot hours (one quiet hour allowed between) form a burst, trimmed to its
/// first and last error. Bursts need `min_count` errors.
pub fn bursts(t: &Timeline, sources: &[String], min_count: usize, min_hot: usize) -> Vec<Draft> {
    if t.is_empty() {
        return Vec::new();
    }
    let (t0, t1) = (t.ts(0), t.ts(t.len() - 1));
    let days = ((t1.div_euclid(DAY) - t0.div_euclid(DAY)) + 1).max(1) as usize;
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut http: BTreeMap<u16, String> = BTreeMap::new();
    for i in t.rows_released_behind(0..t.len()) {
        let k = match key(t, i) {
            None => continue,
            Some(Key::Http(s)) => Cow::Borrowed(
                http.entry(s)
                    .or_insert_with(|| format!("HTTP {s}"))
                    .as_str(),
            ),
            Some(Key::Text(k)) => k,
        };
        match by_key.get_mut(k.as_ref()) {
            Some(rows) => rows.push(i),
            None => {
                by_key.insert(k.into_owned(), vec![i]);
            }
        }
    }
    let mut out = Vec::new();
    // The keys' rows are read again below, scattered over the timeline:
    // each pass hands back what it paged in behind it (the 5xx rows of an
    // access log touch most pages of the columns they read).
    for (k, list) in by_key {
        if list.len() < min_count {
            continue;
        }
        let mut daily = vec![0usize; days];
        for i in t.listed_rows_released_behind(list.iter().copied()) {
            let d = (t.ts(i).div_euclid(DAY) - t0.div_euclid(DAY)) as usize;
            if let Some(c) = daily.get_mut(d) {
                *c += 1;
            }
        }
        // A key seen on most days (seven or more, and 70 % of the days in the
        // data) has a normal day, the median of its daily counts; a burst must
        // be several of those. Keys seen only on bad days have no such norm.
        let mut active: Vec<usize> = daily.iter().copied().filter(|&c| c > 0).collect();
        active.sort_unstable();
        let everyday = active.len() >= 7 && active.len() * 10 >= days * 7;
        let normal_day = if everyday {
            active[active.len() / 2]
        } else {
            0
        };
        daily.sort_unstable();
        let quiet_per_hour = daily[days / 4] as f64 / 24.0;
        let hot_threshold = (5.0 * quiet_per_hour).max(min_hot as f64);
        let mut hourly: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for i in t.listed_rows_released_behind(list.iter().copied()) {
            hourly.entry(t.ts(i).div_euclid(HOUR)).or_default().push(i);
        }
        // Hysteresis: a burst needs a hot hour, and extends over adjacent
        // hours above twice the quiet rate (one empty hour may separate them).
        let warm_threshold = (2.0 * quiet_per_hour).max(1.0);
        let mut spans: Vec<(Vec<usize>, bool)> = Vec::new();
        let mut last: Option<i64> = None;
        for (h, evs) in &hourly {
            if (evs.len() as f64) < warm_threshold {
                continue;
            }
            let hot = evs.len() as f64 >= hot_threshold;
            match (last, spans.last_mut()) {
                (Some(prev), Some((run, was_hot))) if h - prev <= 2 => {
                    run.extend(evs);
                    *was_hot |= hot;
                }
                _ => spans.push((evs.clone(), hot)),
            }
            last = Some(*h);
        }
        let runs: Vec<Vec<usize>> = spans.into_iter().filter(|s| s.1).map(|s| s.0).collect();
        for cluster in runs
            .into_iter()
            .map(|c| trim_strays(t, c))
            // Errors that come most days at their usual rate are not a burst.
            .filter(|c| c.len() >= min_count && c.len() >= 3 * normal_day)
        {
            out.push(burst(t, sources, &k, cluster));
        }
    }
    out
}

/// Drop stray errors at a burst's edges: split where the gap between two
/// errors exceeds both two minutes and five times the burst's median gap,
/// and keep everything from the first to the last piece holding at least
/// one error in thirty-three.
fn trim_strays(t: &Timeline, evs: Vec<usize>) -> Vec<usize> {
    let mut evs: Vec<(i64, usize)> = t
        .listed_rows_released_behind(evs)
        .map(|i| (t.ts(i), i))
        .collect();
    evs.sort_unstable();
    if evs.len() < 3 {
        return evs.into_iter().map(|(_, i)| i).collect();
    }
    let mut gaps: Vec<i64> = evs.windows(2).map(|w| w[1].0 - w[0].0).collect();
    gaps.sort_unstable();
    let limit = (gaps[gaps.len() / 2] * 5).max(2 * 60 * 1_000_000);
    let mut bounds: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    for k in 1..=evs.len() {
        if k == evs.len() || evs[k].0 - evs[k - 1].0 > limit {
            bounds.push((from, k));
            from = k;
        }
    }
    let big = |(a, b): &(usize, usize)| (b - a) * 33 >= evs.len();
    let first = bounds.iter().find(|p| big(p)).map(|p| p.0).unwrap_or(0);
    let last = bounds
        .iter()
        .rev()
        .find(|p| big(p))
        .map(|p| p.1)
        .unwrap_or(evs.len());
    evs[first..last].iter().map(|&(_, i)| i).collect()
}

fn burst(t: &Timeline, sources: &[String], k: &str, cluster: Vec<usize>) -> Draft {
    let n = cluster.len();
    let start = t.ts(cluster[0]);
    let end = t.ts(cluster[n - 1]);
    let http = k.starts_with("HTTP ");
    // One pass over the rows, counting string ids; names are looked up
    // (and endpoint names built) once per distinct id, not once per row:
    // per row, this was a third of the analysis of the mixed corpus of
    // BENCHMARKS.md.
    let mut source_ids: BTreeSet<u32> = BTreeSet::new();
    let mut host_ids: BTreeSet<Sym> = BTreeSet::new();
    let mut pairs: HashMap<(Sym, Sym), usize, foldhash::fast::RandomState> = HashMap::default();
    for i in t.listed_rows_released_behind(cluster.iter().copied()) {
        source_ids.insert(t.source(i));
        let host = t.sym(SymCol::Host, i);
        if host != 0 {
            host_ids.insert(host);
        }
        if http {
            *pairs
                .entry((t.sym(SymCol::Method, i), t.sym(SymCol::Route, i)))
                .or_default() += 1;
        }
    }
    let name = |s: Sym, none: &'static str| -> &str {
        match s {
            0 => none,
            s => t.strings().get(s),
        }
    };
    let files: BTreeSet<&str> = source_ids
        .iter()
        .filter_map(|&s| sources.get(s as usize).map(String::as_str))
        .collect();
    let hosts: BTreeSet<&str> = host_ids.iter().map(|&h| name(h, "")).collect();
    let mut attrs = Map::new();
    attrs.insert("code".into(), json!(k));
    attrs.insert("count".into(), json!(n));
    attrs.insert("sources".into(), json!(files));
    attrs.insert("hosts".into(), json!(hosts));
    attrs.insert(
        "example".into(),
        json!(crate::text::truncate_chars(&t.summary(cluster[0]), 200)),
    );
    if http {
        // Two pairs of ids can name one endpoint (a route written "?"
        // and no route): their counts add up.
        let mut by_ep: BTreeMap<String, usize> = BTreeMap::new();
        for ((method, route), count) in pairs {
            let ep = format!("{} {}", name(method, ""), name(route, "?"));
            *by_ep.entry(ep.trim().to_string()).or_default() += count;
        }
        let mut eps: Vec<(String, usize)> = by_ep.into_iter().collect();
        eps.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let top: Vec<serde_json::Value> = eps
            .iter()
            .take(8)
            .map(|(e, n)| json!({"endpoint": e, "count": n}))
            .collect();
        attrs.insert("endpoints".into(), serde_json::Value::Array(top));
    }
    let on = if hosts.is_empty() {
        String::new()
    } else {
        format!(
            " on {}",
            hosts.iter().copied().collect::<Vec<_>>().join(", ")
        )
    };
    let what = match attrs
        .get("endpoints")
        .and_then(|e| e.get(0))
        .and_then(|e| e.get("endpoint"))
        .and_then(serde_json::Value::as_str)
    {
        Some(ep) => format!("{k} (most on {ep})"),
        None => k.to_string(),
    };
    let summary = format!(
        "{n} × {what} in {}{on}",
        crate::text::human_ms((end - start).max(1000) as f64 / 1000.0)
    );
    let score = 0.25 + 0.45 * (1.0 - (-(n as f64) / 100.0).exp());
    let mut evidence = cluster;
    if evidence.len() > 200 {
        let step = evidence.len() / 200 + 1;
        evidence = evidence.into_iter().step_by(step).collect();
    }
    Draft::new(
        FindingKind::ErrorBurst,
        start,
        end,
        score,
        summary,
        evidence,
        attrs,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use pm_parsers::Event;
    use std::borrow::Cow;

    /// [`template`] as first written, counting its output's characters
    /// again for each one: the reference the faster one must agree with.
    fn reference_template(msg: &str) -> String {
        let first = msg.lines().next().unwrap_or("");
        let mut out = String::new();
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

    /// Generated messages around the 80-character cut (quotes that add
    /// three characters, numbers that collapse to one, multi-byte text)
    /// give the reference's templates.
    #[test]
    fn template_agrees_with_the_reference() {
        let pieces = [
            "a", "1", "'", "\"", "-", ".", ":", "é", "日本", " ", "x", "f", "7f", "\n", "'q'",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let mut msg = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 120) as usize;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                msg.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            assert_eq!(template(&msg), reference_template(&msg), "{msg:?}");
        }
    }

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
            t.push(0, &mk(h * 3600 + 60, "KDJE34368-W"));
        }
        for s in 0..40 {
            t.push(0, &mk(50_500 + s * 5, "KDJE34368-W"));
        }
        t.sort();
        let b = bursts(&t, &[], 10, 3);
        assert_eq!(b.len(), 1);
        // The hot hour holds the burst and that hour's one background error.
        assert_eq!(b[0].attrs["count"], json!(41));
        assert_eq!(b[0].start, 50_460_000_000);
        assert_eq!(b[0].end, 50_695_000_000);
    }

    /// A 5xx burst names its files, its hosts and its endpoints with their
    /// counts, most first; a route written "?" and a request without a
    /// route are one endpoint, "GET ?", and count together.
    #[test]
    fn an_http_burst_names_its_files_hosts_and_endpoints() {
        let mut t = Timeline::new();
        let routes = [Some("/cart"), Some("/cart"), Some("/pay"), Some("?"), None];
        for s in 0..40u32 {
            let mut e = Event::new(Kind::Request, i64::from(s) * 1_000_000, s + 1, 0);
            e.status = Some(503);
            e.method = Some(Cow::Borrowed(if s % 5 == 2 { "POST" } else { "GET" }));
            e.route = routes[s as usize % 5].map(Cow::Borrowed);
            e.host = (s % 4 != 3).then(|| Cow::Borrowed(["web2", "web1", "web2"][s as usize % 4]));
            t.push(s % 3, &e);
        }
        t.sort();
        let sources = ["a.log", "b.log", "c.log"].map(String::from);
        let b = bursts(&t, &sources[..2], 10, 3);
        assert_eq!(b.len(), 1);
        let a = &b[0].attrs;
        assert_eq!(a["code"], json!("HTTP 503"));
        assert_eq!(a["count"], json!(40));
        // Source 2 is not among the names given: it is left out.
        assert_eq!(a["sources"], json!(["a.log", "b.log"]));
        assert_eq!(a["hosts"], json!(["web1", "web2"]));
        assert_eq!(
            a["endpoints"],
            json!([
                {"endpoint": "GET /cart", "count": 16},
                {"endpoint": "GET ?", "count": 16},
                {"endpoint": "POST /pay", "count": 8},
            ])
        );
        assert!(
            b[0].summary
                .starts_with("40 × HTTP 503 (most on GET /cart)"),
            "{}",
            b[0].summary
        );
    }
}

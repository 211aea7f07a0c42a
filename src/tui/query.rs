//! Filters, search and typed times: compiled on the UI thread (so a bad
//! regex is reported at once), run over the rows in a job.

use pm_parsers::time::{Zone, parse_user_time};
use pm_parsers::{Kind, Level};
use pm_tui::model::{Case, SymCol, Timeline};
use regex::{Regex, RegexBuilder};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The rows the events list shows: every event, or those a filter kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// Events `0..n`.
    All(usize),
    /// These event ids, ascending.
    Some(Arc<Vec<u32>>),
}

impl Rows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::All(n) => *n,
            Rows::Some(v) => v.len(),
        }
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Event id at list position `pos`.
    pub fn get(&self, pos: usize) -> Option<usize> {
        match self {
            Rows::All(n) => (pos < *n).then_some(pos),
            Rows::Some(v) => v.get(pos).map(|&r| r as usize),
        }
    }

    /// First position whose event is at or after `ts`.
    pub fn lower_bound(&self, t: &Timeline, ts: i64) -> usize {
        match self {
            Rows::All(_) => t.lower_bound(ts),
            Rows::Some(v) => v.partition_point(|&r| t.ts(r as usize) < ts),
        }
    }

    /// Position of event `row`, or where it would be.
    pub fn position(&self, row: usize) -> Result<usize, usize> {
        match self {
            Rows::All(n) if row < *n => Ok(row),
            Rows::All(n) => Err(*n),
            Rows::Some(v) => v.binary_search(&(row as u32)),
        }
    }

    /// Rows with events in `[from, to)`.
    pub fn count_between(&self, t: &Timeline, from: i64, to: i64) -> usize {
        self.lower_bound(t, to)
            .saturating_sub(self.lower_bound(t, from))
    }
}

/// What the filter bar holds, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterSpec {
    /// Hosts (comma-separated substrings).
    pub host: String,
    /// Source paths (comma-separated substrings).
    pub source: String,
    /// Kinds (comma-separated names or prefixes: `lock` = every lock kind).
    pub kind: String,
    /// Lowest level (`warn` keeps warnings and worse).
    pub level: String,
    /// Regex over message, statement and path.
    pub text: String,
    /// From this time (in the display zone).
    pub since: String,
    /// Until this time.
    pub until: String,
}

/// Names of the filter fields, in form order.
pub const FILTER_FIELDS: [&str; 7] = ["host", "source", "kind", "level", "text", "since", "until"];

impl FilterSpec {
    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|f| f.trim().is_empty())
    }

    /// The fields in form order.
    pub fn fields(&self) -> [&String; 7] {
        [
            &self.host,
            &self.source,
            &self.kind,
            &self.level,
            &self.text,
            &self.since,
            &self.until,
        ]
    }

    /// Field `i` for editing.
    pub fn field_mut(&mut self, i: usize) -> &mut String {
        match i {
            0 => &mut self.host,
            1 => &mut self.source,
            2 => &mut self.kind,
            3 => &mut self.level,
            4 => &mut self.text,
            5 => &mut self.since,
            _ => &mut self.until,
        }
    }

    /// `host=db01 kind=lock_wait text=/items/`, for the always-visible filter line.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (name, v) in FILTER_FIELDS.iter().zip(self.fields()) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match *name {
                "text" => parts.push(format!("text=/{v}/")),
                "level" => parts.push(format!("level≥{v}")),
                _ => parts.push(format!("{name}={v}")),
            }
        }
        parts.join(" ")
    }
}

/// A filter ready to run.
#[derive(Debug, Clone)]
pub struct Filter {
    host_terms: Vec<String>,
    hosts: Option<Vec<bool>>,
    sources: Option<Vec<bool>>,
    kinds: Option<[bool; 17]>,
    level: Option<Level>,
    text: Option<Regex>,
    since: Option<i64>,
    until: Option<i64>,
}

fn terms(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_lowercase())
        .filter(|x| !x.is_empty())
        .collect()
}

/// A case-insensitive regex unless the pattern has an upper-case letter.
pub fn smart_regex(pattern: &str) -> Result<Regex, String> {
    let insensitive = !pattern.chars().any(char::is_uppercase);
    RegexBuilder::new(pattern)
        .case_insensitive(insensitive)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| {
            let msg = e.to_string();
            let last = msg.lines().last().unwrap_or("").trim().to_string();
            format!("bad regex /{pattern}/: {last}")
        })
}

impl Filter {
    /// Compile `spec` for `case`, reading times in `zone`.
    pub fn compile(spec: &FilterSpec, case: &Case, zone: &Zone) -> Result<Filter, String> {
        let t = &case.timeline;
        // Which interned strings are matching hosts is worked out in the job
        // (`run`): a big case interns millions of strings.
        let sources = {
            let want = terms(&spec.source);
            (!want.is_empty()).then(|| {
                case.meta
                    .sources
                    .iter()
                    .map(|s| {
                        let p = s.path.to_lowercase();
                        want.iter().any(|w| p.contains(w.as_str()))
                    })
                    .collect()
            })
        };
        let kinds = {
            let want = terms(&spec.kind);
            if want.is_empty() {
                None
            } else {
                let mut k = [false; 17];
                for w in &want {
                    let mut any = false;
                    for kind in Kind::ALL {
                        if kind.as_str().starts_with(w.as_str()) {
                            k[kind.code() as usize] = true;
                            any = true;
                        }
                    }
                    if !any {
                        return Err(format!(
                            "kind {w:?}: not a kind (lock_wait, deadlock, request, job_start, error, …)"
                        ));
                    }
                }
                Some(k)
            }
        };
        let level = match spec.level.trim() {
            "" => None,
            l => Some(Level::parse(l).ok_or_else(|| {
                format!("level {l:?}: use trace, debug, info, notice, warn, error or fatal")
            })?),
        };
        let text = match spec.text.trim() {
            "" => None,
            p => Some(smart_regex(p)?),
        };
        let at = |s: &str, what: &str| -> Result<Option<i64>, String> {
            match s.trim() {
                "" => Ok(None),
                v => parse_time(v, zone, t.times().first().copied().unwrap_or(0))
                    .map(Some)
                    .ok_or_else(|| {
                        format!("{what} {v:?}: not a time (21:50, 2023-06-01 21:50, RFC 3339)")
                    }),
            }
        };
        Ok(Filter {
            host_terms: terms(&spec.host),
            hosts: None,
            sources,
            kinds,
            level,
            text,
            since: at(&spec.since, "since")?,
            until: at(&spec.until, "until")?,
        })
    }

    /// True when event `i` passes.
    pub fn matches(&self, t: &Timeline, i: usize) -> bool {
        if let Some(k) = &self.kinds {
            if !k[t.kind(i).code() as usize] {
                return false;
            }
        }
        if let Some(min) = self.level {
            if t.level(i).is_none_or(|l| l < min) {
                return false;
            }
        }
        if let Some(h) = &self.hosts {
            if !h
                .get(t.sym(SymCol::Host, i) as usize)
                .copied()
                .unwrap_or(false)
            {
                return false;
            }
        }
        if let Some(s) = &self.sources {
            if !s.get(t.source(i) as usize).copied().unwrap_or(false) {
                return false;
            }
        }
        if let Some(re) = &self.text {
            if !text_matches(re, t, i) {
                return false;
            }
        }
        true
    }

    /// Work out which host symbols match (done once, in the job).
    pub fn prepare(&mut self, t: &Timeline) {
        if self.host_terms.is_empty() || self.hosts.is_some() {
            return;
        }
        let hosts: std::collections::HashSet<u32> = t.sym_values(SymCol::Host).collect();
        let mut mask = vec![false; t.strings().len()];
        for h in hosts {
            let s = t.strings().get(h).to_lowercase();
            if !s.is_empty() && self.host_terms.iter().any(|w| s.contains(w.as_str())) {
                if let Some(m) = mask.get_mut(h as usize) {
                    *m = true;
                }
            }
        }
        self.hosts = Some(mask);
    }

    /// Run over the whole timeline. `None` when cancelled.
    pub fn run(&mut self, t: &Timeline, cancel: &AtomicBool) -> Option<Vec<u32>> {
        self.prepare(t);
        let lo = self.since.map(|s| t.lower_bound(s)).unwrap_or(0);
        let hi = self.until.map(|u| t.lower_bound(u)).unwrap_or(t.len());
        let mut out = Vec::new();
        for i in t.rows_released_behind(lo..hi.max(lo)) {
            if i % 65_536 == 0 && cancel.load(Ordering::Relaxed) {
                return None;
            }
            if self.matches(t, i) {
                out.push(i as u32);
            }
        }
        Some(out)
    }
}

/// True when the regex matches the event's message, statement, path or summary.
pub fn text_matches(re: &Regex, t: &Timeline, i: usize) -> bool {
    let m = t.message(i);
    if !m.is_empty() && re.is_match(m) {
        return true;
    }
    if t.statement(i).is_some_and(|s| re.is_match(s)) {
        return true;
    }
    if t.path(i).is_some_and(|s| re.is_match(s)) {
        return true;
    }
    m.is_empty() && re.is_match(&t.summary(i))
}

/// Events among `rows` whose text matches `re`, ascending. `None` when cancelled.
pub fn search(t: &Timeline, rows: &Rows, re: &Regex, cancel: &AtomicBool) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for pos in 0..rows.len() {
        if pos % 65_536 == 0 && cancel.load(Ordering::Relaxed) {
            return None;
        }
        if let Some(i) = rows.get(pos) {
            if text_matches(re, t, i) {
                out.push(i as u32);
            }
        }
    }
    Some(out)
}

/// A typed time: `21:50`, `21:50:13.4` (on the date of `near` in `zone`),
/// `2023-06-01 21:50`, RFC 3339, or relative to `near`: `+5m`, `-30s`, `+1h`, `-2d`.
pub fn parse_time(s: &str, zone: &Zone, near: i64) -> Option<i64> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('+').or_else(|| s.strip_prefix('-')) {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        let (num, unit) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit() && c != '.')?);
        let n: f64 = num.parse().ok()?;
        let mult = match unit.trim() {
            "ms" => 1e3,
            "s" | "sec" => 1e6,
            "m" | "min" => 60e6,
            "h" => 3600e6,
            "d" => 86400e6,
            _ => return None,
        };
        return Some(near + sign * (n * mult) as i64);
    }
    if let Some(ts) = parse_user_time(s, zone) {
        return Some(ts);
    }
    // A time of day on the date of `near`.
    let date = zone.local(near).date();
    for fmt in ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"] {
        if let Ok(t) = chrono::NaiveTime::parse_from_str(s, fmt) {
            return Some(zone.resolve(date.and_time(t)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_times() {
        let z = Zone::utc();
        let near = 1_685_656_800_000_000; // 2023-06-01T22:00:00Z
        assert_eq!(parse_time("+5m", &z, near), Some(near + 300_000_000));
        assert_eq!(parse_time("-30s", &z, near), Some(near - 30_000_000));
        assert_eq!(parse_time("21:50", &z, near), Some(near - 600_000_000));
        assert_eq!(
            parse_time("21:50:01.5", &z, near),
            Some(near - 600_000_000 + 1_500_000)
        );
        assert_eq!(parse_time("2023-06-01T22:00:00Z", &z, 0), Some(near));
        assert_eq!(parse_time("soon", &z, near), None);
        let tokyo: Zone = "Asia/Tokyo".parse().unwrap_or(z);
        // 22:00 UTC is 07:00 JST on June 2.
        assert_eq!(parse_time("07:00", &tokyo, near), Some(near));
    }

    #[test]
    fn bad_regex_is_a_message() {
        let e = smart_regex("(").err().unwrap_or_default();
        assert!(e.starts_with("bad regex /(/"), "{e}");
    }
}

//! The markdown postmortem draft, shaped like the Google SRE workbook's
//! template:
//!
//! 1. `# Postmortem draft: NAME` and the metadata (case, sources, time range,
//!    window, zone, findings, redaction);
//! 2. `## Summary`: one generated paragraph on the primary episode (what,
//!    when, impact, probable cause) and a line per other episode;
//! 3. `## Impact`: per episode, the affected window, request and error
//!    figures from the timeline, the affected endpoints (a table), errors,
//!    locks and jobs;
//! 4. `## Detection`: annotations labelled detection, else the first symptom;
//! 5. `## Root-cause evidence`: per finding, its summary, key figures,
//!    causes and a handful of evidence excerpts quoted with `source:line`;
//! 6. `## Resolution and action items`, `## Lessons learned`: prompts and
//!    candidate items for the team to edit;
//! 7. `## Timeline`: a table of annotations, outage markers and key events
//!    (at most `max_events` rows), then a mermaid gantt per episode;
//! 8. `## Appendix: sources`: line accounting per file.
//!
//! Text from logs is redacted, then escaped ([`super::escape`]); the
//! structure (headings, tables, lists, quotes) is only ever made here.

use super::Scope;
use super::escape::{self, cell, code_span, code_span_in_cell, inline, mermaid_label};
use super::figures::{causes, key_figures};
use super::select::{self, Episode, Key, Row, attr_f64, attr_str, is_symptom};
use crate::model::{AnnotationLabel, Finding, FindingKind, SymCol};
use crate::text::{human_ms, thousands, truncate_chars};
use pm_parsers::Kind;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Evidence excerpts quoted per finding.
const EXCERPTS: usize = 5;
/// Characters of log text kept per excerpt or table cell.
const EXCERPT_CHARS: usize = 400;
const CELL_CHARS: usize = 200;
/// Findings given a section of their own; the rest share a table.
const DETAILED: usize = 10;
/// Rows of the other-findings table, lines per episode in Impact, other
/// episodes listed in the Summary.
const MAX_OTHER_FINDINGS: usize = 30;
const MAX_IMPACT_LINES: usize = 12;
const MAX_LISTED: usize = 5;
/// Episodes drawn as gantt charts, and job runs per chart.
const MAX_GANTTS: usize = 6;
const MAX_RUNS: usize = 12;
/// Symptom bars and convoy bars per chart (the best-ranked).
const MAX_BARS: usize = 12;
/// Margin around an episode in its chart.
const CHART_MARGIN_US: i64 = 10 * 60 * 1_000_000;

/// Human name of a finding kind.
pub fn kind_title(k: FindingKind) -> &'static str {
    match k {
        FindingKind::LockConvoy => "Lock convoy",
        FindingKind::Deadlock => "Deadlock",
        FindingKind::LockTimeout => "Lock time-outs",
        FindingKind::DuplicateRun => "Duplicate job run",
        FindingKind::LatencySpike => "Latency spike",
        FindingKind::Saturation => "Saturation",
        FindingKind::ErrorBurst => "Error burst",
    }
}

fn lower(k: FindingKind) -> String {
    kind_title(k).to_lowercase()
}

struct Doc<'s, 'a> {
    s: &'s Scope<'a>,
    out: String,
}

impl Doc<'_, '_> {
    fn line(&mut self, l: &str) {
        self.out.push_str(l);
        self.out.push('\n');
    }

    fn blank(&mut self) {
        if !self.out.ends_with("\n\n") && !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn heading(&mut self, level: usize, text: &str) {
        self.blank();
        let _ = writeln!(self.out, "{} {text}", "#".repeat(level));
        self.out.push('\n');
    }
}

impl Scope<'_> {
    fn abbr(&self, ts: i64) -> String {
        self.opts.zone.abbreviation_at(ts)
    }

    /// `2020-05-02 21:00:40 – 21:39:12 JST` (the date repeated only when it changes).
    fn range(&self, a: i64, b: i64) -> String {
        let (la, lb) = (self.local(a), self.local(b));
        let end = if la.get(..10) == lb.get(..10) {
            lb.get(11..).unwrap_or(&lb).to_string()
        } else {
            lb
        };
        format!("{la} – {end} {}", self.abbr(a))
    }

    fn local_ms(&self, ts: i64) -> String {
        self.opts
            .zone
            .local(ts)
            .format("%Y-%m-%d %H:%M:%S%.3f")
            .to_string()
    }

    fn mermaid_time(&self, ts: i64) -> String {
        self.opts
            .zone
            .local(ts)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// The raw text of event `i`, redacted and cut (not yet escaped): the
    /// whole message (every line of a multi-line record), requests as
    /// `POST /checkout 504 60.0 s`, and the statement when the message
    /// does not already hold it.
    fn event_text(&self, i: usize) -> String {
        let t = &self.case.timeline;
        let msg = t.message(i);
        let mut s = if t.kind(i) == Kind::Request {
            request_text(t, i)
        } else if msg.is_empty() {
            t.summary(i)
        } else {
            msg.to_string()
        };
        // Terse structured lines ("start", "granted", "") say more with
        // their fields: job, run, code, business ids, attributes.
        if s.chars().count() < 80 && t.kind(i) != Kind::Request {
            let mut parts: Vec<String> = Vec::new();
            for c in [SymCol::Job, SymCol::RunId, SymCol::Code, SymCol::Resource] {
                if let Some(v) = t.str(c, i).filter(|v| !s.contains(*v)) {
                    parts.push(format!("{}={v}", c.name()));
                }
            }
            if let Some(x) = t.extra(i) {
                for (k, v) in x.ids.iter().take(4) {
                    parts.push(format!("{k}={v}"));
                }
            }
            for (k, v) in t.attrs(i).take(4) {
                parts.push(format!("{k}={v}"));
            }
            if !parts.is_empty() {
                if !s.is_empty() {
                    s.push_str(" · ");
                }
                s.push_str(&parts.join(" "));
            }
        }
        if let Some(st) = t.statement(i) {
            if !s.contains(st.trim()) {
                if !s.is_empty() {
                    s.push_str(" — ");
                }
                s.push_str(st);
            }
        }
        let red = self.text(&s).into_owned();
        truncate_chars(&red, EXCERPT_CHARS).into_owned()
    }

    fn host_of(&self, i: usize) -> Option<String> {
        self.case
            .timeline
            .str(SymCol::Host, i)
            .map(|h| self.text(h).into_owned())
    }
}

/// `POST /items/12/checkout → 504 in 60.0 s` (method, path as logged,
/// status, duration: what the access log says about a request).
fn request_text(t: &crate::model::Timeline, i: usize) -> String {
    let mut s = String::new();
    if let Some(m) = t.str(SymCol::Method, i) {
        s.push_str(m);
        s.push(' ');
    }
    match t.path(i).or(t.str(SymCol::Route, i)) {
        Some(p) => s.push_str(p),
        None => return t.summary(i),
    }
    match (t.status(i), t.duration_ms(i)) {
        (Some(st), Some(d)) => s.push_str(&format!(" → {st} in {}", human_ms(d))),
        (Some(st), None) => s.push_str(&format!(" → {st}")),
        (None, Some(d)) => s.push_str(&format!(" in {}", human_ms(d))),
        (None, None) => {}
    }
    s
}

/// Render the report.
pub fn render(scope: &Scope<'_>) -> String {
    let eps = select::episodes(scope);
    let primary = select::primary(scope, &eps);
    let mut d = Doc {
        s: scope,
        out: String::with_capacity(64 * 1024),
    };
    header(&mut d, &eps);
    summary(&mut d, &eps, primary);
    impact(&mut d, &eps, primary);
    detection(&mut d, &eps, primary);
    root_causes(&mut d);
    actions(&mut d, &eps, primary);
    timeline(&mut d, &eps);
    gantts(&mut d, &eps, primary);
    appendix(&mut d);
    let mut out = d.out;
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn case_name(s: &Scope<'_>) -> String {
    let inputs = &s.case.meta.inputs;
    let first = inputs
        .first()
        .map(|p| {
            let p = p.trim_end_matches('/');
            p.rsplit('/').next().unwrap_or(p).to_string()
        })
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "case".to_string());
    match inputs.len() {
        0 | 1 => first,
        n => format!("{first} and {} more", n - 1),
    }
}

fn header(d: &mut Doc<'_, '_>, eps: &[Episode<'_>]) {
    let s = d.s;
    let m = &s.case.meta;
    d.line(&format!(
        "# Postmortem draft: {}",
        inline(&s.text(&case_name(s)))
    ));
    d.blank();
    d.line(&format!(
        "> Generated by {} from the case's findings and logs. Every statement below needs a \
         human check before it is published; _italic prompts_ are for the team to fill in.",
        inline(&m.created_by)
    ));
    d.blank();
    let inputs: Vec<String> = m.inputs.iter().map(|p| s.code(p)).collect();
    let zone = &s.opts.zone;
    let t = &s.case.timeline;
    let mut formats: BTreeMap<&str, usize> = BTreeMap::new();
    for src in &m.sources {
        *formats
            .entry(src.format.as_deref().unwrap_or("not recognised"))
            .or_default() += 1;
    }
    let formats: Vec<String> = formats
        .iter()
        .map(|(f, n)| format!("{} × {n}", inline(f)))
        .collect();
    d.line(&format!(
        "- **Case:** {} (case created {})",
        inputs.join(", "),
        inline(&m.created)
    ));
    d.line(&format!(
        "- **Sources:** {} files, {} events ({}); see the appendix",
        thousands(m.sources.len() as u64),
        thousands(t.len() as u64),
        formats.join(", ")
    ));
    if !t.is_empty() {
        d.line(&format!(
            "- **Time range of the logs:** {}",
            s.range(t.ts(0), t.ts(t.len() - 1))
        ));
    }
    let window = match (s.opts.since, s.opts.until) {
        (None, None) => "the whole case".to_string(),
        (Some(a), None) => format!("from {} {}", s.local(a), s.abbr(a)),
        (None, Some(b)) => format!("until {} {}", s.local(b), s.abbr(b)),
        (Some(a), Some(b)) => s.range(a, b),
    };
    d.line(&format!(
        "- **This report covers:** {window} ({} events)",
        thousands((s.hi - s.lo) as u64)
    ));
    let probe = if t.is_empty() {
        0
    } else {
        t.ts(s.lo.min(t.len() - 1))
    };
    let off = zone.offset_at(probe);
    d.line(&format!(
        "- **Times are in:** {} ({}, UTC{}); naive log timestamps were read as {} (from {})",
        inline(&zone.to_string()),
        inline(&s.abbr(probe)),
        off,
        inline(&m.zone),
        code_span(&m.zone_source)
    ));
    d.line(&format!(
        "- **Findings:** {} in {} episode{}",
        s.findings.len(),
        eps.len(),
        if eps.len() == 1 { "" } else { "s" }
    ));
    d.line(&format!(
        "- **Redaction:** {}",
        if s.opts.redact {
            "on (e-mails, IP addresses, tokens, passwords and long secrets are masked)"
        } else if s.red.is_active() {
            "user patterns only"
        } else {
            "off"
        }
    ));
}

/// Short description of what users felt in `f` (for the summary).
fn impact_phrase(s: &Scope<'_>, f: &Finding) -> Option<String> {
    match f.kind {
        FindingKind::LatencySpike => {
            let ep = attr_str(f, "endpoint")
                .map(|e| s.code(e))
                .unwrap_or_else(|| "requests".into());
            let p95 = attr_f64(f, "p95_ms").map(human_ms)?;
            let base = attr_f64(f, "baseline_p95_ms")
                .map(|b| format!(" against a baseline of {}", human_ms(b)))
                .unwrap_or_default();
            let n = attr_f64(f, "requests")
                .map(|n| format!(" over {} requests", thousands(n as u64)))
                .unwrap_or_default();
            Some(format!("the p95 latency of {ep} rose to {p95}{base}{n}"))
        }
        FindingKind::ErrorBurst => {
            let code = attr_str(f, "code")
                .map(|c| s.code(c))
                .unwrap_or_else(|| "errors".into());
            let n = attr_f64(f, "count").map(|n| thousands(n as u64))?;
            Some(format!("{n} × {code} were logged"))
        }
        FindingKind::LockTimeout => {
            let n = attr_f64(f, "count").map(|n| thousands(n as u64))?;
            let on = attr_str(f, "resource")
                .map(|r| format!(" on {}", s.code(r)))
                .unwrap_or_default();
            Some(format!(
                "{n} statements were cancelled by lock wait time-outs{on}"
            ))
        }
        FindingKind::Deadlock => Some("the database broke a deadlock".to_string()),
        FindingKind::DuplicateRun => {
            let job = attr_str(f, "job").map(|j| s.code(j))?;
            Some(format!("job {job} ran twice"))
        }
        FindingKind::Saturation => {
            let ep = attr_str(f, "endpoint").map(|e| s.code(e))?;
            let knee = attr_f64(f, "knee_rpm")?;
            Some(format!(
                "{ep} stopped scaling above about {} requests/min",
                thousands(knee.round() as u64)
            ))
        }
        FindingKind::LockConvoy => None,
    }
}

/// The probable cause of an episode: the top cause of its best spike, else
/// its best-ranked cause-like finding. Returns (cause finding, spike that
/// names it) or none; `Err(endpoint)` when the best spike has no cause.
fn probable_cause<'a>(
    s: &Scope<'a>,
    e: &Episode<'a>,
) -> Result<Option<(&'a Finding, Option<&'a Finding>)>, &'a Finding> {
    let spikes: Vec<&&Finding> = e
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::LatencySpike)
        .collect();
    // A spike's causes are ranked; a lock, job or deadlock among them
    // explains more than an error burst (often the spike's own errors).
    for sp in &spikes {
        let named: Vec<&'a Finding> = sp
            .attrs
            .get("causes")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("finding").and_then(|v| v.as_str()))
            .filter_map(|id| s.finding(id))
            .collect();
        if let Some(c) = named.iter().find(|c| is_causal(c.kind)) {
            return Ok(Some((c, Some(sp))));
        }
        // A cause-like finding overlapping the spike explains it better than
        // an error burst the ranking put first (often the spike's own errors).
        let overlapping = e
            .findings
            .iter()
            .find(|c| is_causal(c.kind) && c.start <= sp.end && c.end >= sp.start);
        if let Some(c) = overlapping {
            return Ok(Some((c, None)));
        }
        if let Some(c) = named.first() {
            return Ok(Some((c, Some(sp))));
        }
    }
    let causal = e.findings.iter().find(|f| is_causal(f.kind));
    match (causal, spikes.first()) {
        (Some(c), _) => Ok(Some((c, None))),
        (None, Some(sp)) => Err(sp),
        (None, None) => Ok(None),
    }
}

/// Kinds that explain other findings (rather than being felt).
fn is_causal(k: FindingKind) -> bool {
    matches!(
        k,
        FindingKind::LockConvoy
            | FindingKind::DuplicateRun
            | FindingKind::Deadlock
            | FindingKind::LockTimeout
    )
}

/// Other findings of the episode like `f`: same kind and same resource,
/// endpoint, job or code.
fn alike<'a>(e: &Episode<'a>, f: &Finding) -> Vec<&'a Finding> {
    let key = |g: &Finding| {
        ["resource", "endpoint", "job", "code"]
            .iter()
            .find_map(|k| attr_str(g, k).map(str::to_string))
    };
    let mine = key(f);
    e.findings
        .iter()
        .copied()
        .filter(|g| g.id != f.id && g.kind == f.kind && key(g) == mine)
        .collect()
}

fn summary(d: &mut Doc<'_, '_>, eps: &[Episode<'_>], primary: Option<usize>) {
    let s = d.s;
    d.heading(2, "Summary");
    let Some(p) = primary else {
        d.line(
            "pm-tui found nothing unusual in this window: no lock convoys, deadlocks, \
             duplicate job runs, latency spikes or error bursts. _Describe the incident here._",
        );
        return;
    };
    let e = &eps[p];
    let (is, ie) = e.impact_window();
    let mut para = format!("Between {} ({}), ", s.range(is, ie), span(is, ie));
    // Phrases in rank order; identical phrases (two deadlocks) share one
    // mention with both ids; at most two findings of a kind and four phrases.
    let mut phrases: Vec<(String, Vec<&str>)> = Vec::new();
    let mut seen_kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut described: Vec<&str> = Vec::new();
    for f in &e.findings {
        let Some(w) = impact_phrase(s, f) else {
            continue;
        };
        if let Some(p) = phrases.iter_mut().find(|(t, _)| *t == w) {
            p.1.push(&f.id);
            described.push(&f.id);
            continue;
        }
        let n = seen_kinds.entry(f.kind.as_str()).or_default();
        *n += 1;
        if *n > 2 || phrases.len() >= 4 {
            continue;
        }
        phrases.push((w, vec![&f.id]));
        described.push(&f.id);
    }
    let what: Vec<String> = phrases
        .iter()
        .map(|(w, ids)| {
            let w = match w.strip_suffix(" a deadlock") {
                Some(head) if ids.len() > 1 => format!("{head} {} deadlocks", ids.len()),
                _ => w.clone(),
            };
            format!("{w} ({})", inline(&short_ids(ids)))
        })
        .collect();
    if what.is_empty() {
        let top = e
            .findings
            .first()
            .map(|f| s.md(&f.summary))
            .unwrap_or_default();
        para.push_str(&format!("pm-tui found: {top}."));
    } else {
        para.push_str(&join_and(&what));
        para.push('.');
    }
    match probable_cause(s, e) {
        Ok(Some((c, _))) if described.contains(&c.id.as_str()) => {
            para.push_str(&format!(
                " In pm-tui's words ({}): {}",
                inline(&c.id),
                s.md(&c.summary)
            ));
            if !para.ends_with('.') {
                para.push('.');
            }
        }
        Ok(Some((c, via))) => {
            let via = via
                .map(|sp| format!(" (named by {})", inline(&sp.id)))
                .unwrap_or_default();
            let k = lower(c.kind);
            para.push_str(&format!(
                " The probable cause{via} is {}: {}",
                inline(&c.id),
                s.md(&c.summary)
            ));
            if !para.ends_with('.') {
                para.push('.');
            }
            let more = alike(e, c);
            if !more.is_empty() {
                let ids: Vec<&str> = more.iter().map(|f| f.id.as_str()).collect();
                para.push_str(&format!(
                    " The episode holds {} more {k}{} like it ({}).",
                    more.len(),
                    if more.len() == 1 { "" } else { "s" },
                    inline(&short_ids(&ids))
                ));
            }
        }
        Ok(None) => {}
        Err(sp) => {
            let ep = attr_str(sp, "endpoint")
                .map(|e| s.code(e))
                .unwrap_or_else(|| "it".into());
            para.push_str(&format!(
                " No lock, job or error cause was found in the data for {ep}: the cause is \
                 outside these logs (CPU, memory, a dependency); _say what it was_."
            ));
        }
    }
    d.line(&para);
    let others: Vec<(usize, &Episode<'_>)> =
        eps.iter().enumerate().filter(|(k, _)| *k != p).collect();
    if !others.is_empty() {
        d.blank();
        d.line(&format!(
            "The report window also holds {} other episode{} (see Impact):",
            others.len(),
            if others.len() == 1 { "" } else { "s" }
        ));
        d.blank();
        let n_others = others.len();
        for (_, o) in others.into_iter().take(MAX_LISTED) {
            let top = o.findings.first();
            let (a, b) = o.impact_window();
            let line = match top {
                Some(f) => {
                    let tail = match probable_cause(s, o) {
                        Err(_) if !f.summary.contains("cause") => {
                            "; no lock, job or error cause in the data"
                        }
                        _ => "",
                    };
                    format!(
                        "- {}: {} ({}){tail}",
                        s.range(a, b),
                        s.md(&f.summary),
                        inline(&f.id)
                    )
                }
                None => format!("- {}", s.range(a, b)),
            };
            d.line(&line);
        }
        if n_others > MAX_LISTED {
            d.line(&format!(
                "- … and {} more (see Impact)",
                n_others - MAX_LISTED
            ));
        }
    }
}

/// `F1, F2, F3` or, for long lists, `F1, F2, … (40 in all)`.
fn short_ids(ids: &[&str]) -> String {
    if ids.len() <= 8 {
        return ids.join(", ");
    }
    format!("{}, … ({} in all)", ids[..6].join(", "), ids.len())
}

/// A duration for people: `40 m 00 s`, or `a single moment`.
fn span(a: i64, b: i64) -> String {
    if b - a < 1_000_000 {
        "a single moment".to_string()
    } else {
        human_ms((b - a) as f64 / 1000.0)
    }
}

fn join_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// Requests, 5xx and p95 over the events in `[a, b]`.
fn request_figures(s: &Scope<'_>, a: i64, b: i64) -> Option<(u64, u64, f64)> {
    let t = &s.case.timeline;
    let lo = t.lower_bound(a.max(s.since)).max(s.lo);
    let hi = t.lower_bound(b.saturating_add(1).min(s.until)).min(s.hi);
    let mut n = 0u64;
    let mut err = 0u64;
    let mut durs: Vec<f64> = Vec::new();
    for i in lo..hi {
        if t.kind(i) != Kind::Request {
            continue;
        }
        n += 1;
        if t.status(i).is_some_and(|c| c >= 500) {
            err += 1;
        }
        if let Some(ms) = t.duration_ms(i) {
            durs.push(ms);
        }
    }
    if n == 0 {
        return None;
    }
    durs.sort_by(f64::total_cmp);
    let p95 = if durs.is_empty() {
        f64::NAN
    } else {
        durs[((durs.len() as f64 * 0.95).ceil() as usize).clamp(1, durs.len()) - 1]
    };
    Some((n, err, p95))
}

fn episode_title(s: &Scope<'_>, k: usize, e: &Episode<'_>, primary: bool) -> String {
    let (a, b) = e.impact_window();
    format!(
        "Episode {} · {}{}",
        k + 1,
        s.range(a, b),
        if primary { " (primary)" } else { "" }
    )
}

fn impact(d: &mut Doc<'_, '_>, eps: &[Episode<'_>], primary: Option<usize>) {
    let s = d.s;
    d.heading(2, "Impact");
    if eps.is_empty() {
        d.line("_No impact found in the data; describe who was affected and how._");
        return;
    }
    d.line("_Who was affected, and how much? The figures below come from the logs; add what they cannot show (users, orders, revenue)._");
    for (k, e) in eps.iter().enumerate() {
        d.heading(3, &episode_title(s, k, e, primary == Some(k)));
        let (a, b) = e.impact_window();
        let symptoms: Vec<&str> = e
            .findings
            .iter()
            .filter(|f| is_symptom(f.kind))
            .map(|f| f.id.as_str())
            .collect();
        let basis = if symptoms.is_empty() {
            "the span of its findings".to_string()
        } else {
            format!("the span of {}", inline(&short_ids(&symptoms)))
        };
        d.line(&format!(
            "- **Affected window:** {} ({}), {basis}",
            s.range(a, b),
            span(a, b)
        ));
        if let Some((n, err, p95)) = request_figures(s, a, b) {
            let share = 100.0 * err as f64 / n as f64;
            let p = if p95.is_finite() {
                format!("; p95 of all requests {}", human_ms(p95))
            } else {
                String::new()
            };
            d.line(&format!(
                "- **Requests in the window:** {}, {} with a 5xx status ({share:.1} %){p}",
                thousands(n),
                thousands(err)
            ));
        }
        let eps_rows: Vec<&&Finding> = e
            .findings
            .iter()
            .filter(|f| matches!(f.kind, FindingKind::LatencySpike | FindingKind::Saturation))
            .collect();
        let n_rows = eps_rows.len();
        let eps_rows: Vec<&&Finding> = eps_rows.into_iter().take(MAX_IMPACT_LINES).collect();
        if !eps_rows.is_empty() {
            d.blank();
            d.line("| Endpoint | Finding | Requests | p95 | Baseline p95 | 5xx | Notes |");
            d.line("|---|---|---:|---:|---:|---:|---|");
            for f in eps_rows {
                let num = |k: &str| attr_f64(f, k).map(|x| thousands(x.max(0.0) as u64));
                let ms = |k: &str| attr_f64(f, k).map(human_ms);
                let notes = match f.kind {
                    FindingKind::Saturation => attr_f64(f, "knee_rpm")
                        .map(|k| {
                            let below = ms("p95_below_ms").unwrap_or_else(|| "?".into());
                            let above = ms("p95_above_ms").unwrap_or_else(|| "?".into());
                            format!(
                                "knee at {} requests/min: p95 {below} below, {above} above",
                                thousands(k.round() as u64)
                            )
                        })
                        .unwrap_or_default(),
                    _ => {
                        let n = f
                            .attrs
                            .get("causes")
                            .and_then(|c| c.as_array())
                            .map(|a| a.len())
                            .unwrap_or(0);
                        if n == 0 {
                            "no cause in the data".to_string()
                        } else {
                            let ids: Vec<&str> = f
                                .attrs
                                .get("causes")
                                .and_then(|c| c.as_array())
                                .into_iter()
                                .flatten()
                                .filter_map(|c| c.get("finding").and_then(|v| v.as_str()))
                                .collect();
                            format!("caused by {}", ids.join(", "))
                        }
                    }
                };
                let (p95, base) = match f.kind {
                    FindingKind::Saturation => (None, None),
                    _ => (ms("p95_ms"), ms("baseline_p95_ms")),
                };
                d.line(&format!(
                    "| {} | {} {} | {} | {} | {} | {} | {} |",
                    attr_str(f, "endpoint")
                        .map(|e| code_span_in_cell(&s.text(e)))
                        .unwrap_or_else(|| "?".into()),
                    inline(&f.id),
                    lower(f.kind),
                    num("requests").unwrap_or_else(|| "—".into()),
                    p95.unwrap_or_else(|| "—".into()),
                    base.unwrap_or_else(|| "—".into()),
                    num("errors").unwrap_or_else(|| "—".into()),
                    cell(&notes)
                ));
            }
            d.blank();
            if n_rows > MAX_IMPACT_LINES {
                d.line(&format!("_{} more endpoint findings in this episode are listed under Root-cause evidence._", n_rows - MAX_IMPACT_LINES));
                d.blank();
            }
        }
        let mut grouped: Vec<&str> = Vec::new();
        let mut lines = 0usize;
        let mut skipped = 0usize;
        for f in &e.findings {
            if grouped.contains(&f.id.as_str()) {
                continue;
            }
            if lines >= MAX_IMPACT_LINES {
                if !matches!(f.kind, FindingKind::LatencySpike | FindingKind::Saturation) {
                    skipped += 1;
                }
                continue;
            }
            let more = alike(e, f);
            if f.kind == FindingKind::LockConvoy && !more.is_empty() {
                let all: Vec<&Finding> = std::iter::once(*f).chain(more.iter().copied()).collect();
                grouped.extend(all.iter().map(|g| g.id.as_str()));
                let max = |k: &str| {
                    all.iter()
                        .filter_map(|g| attr_f64(g, k))
                        .fold(f64::NAN, f64::max)
                };
                let total: f64 = all
                    .iter()
                    .filter_map(|g| attr_f64(g, "total_wait_ms"))
                    .sum();
                let ids: Vec<&str> = all.iter().map(|g| g.id.as_str()).collect();
                let res = attr_str(f, "resource")
                    .map(|r| s.code(r))
                    .unwrap_or_default();
                let mut figs = Vec::new();
                if max("waiters").is_finite() {
                    figs.push(format!(
                        "up to {} sessions waiting",
                        thousands(max("waiters") as u64)
                    ));
                }
                if max("max_wait_ms").is_finite() {
                    figs.push(format!("longest wait {}", human_ms(max("max_wait_ms"))));
                }
                if total > 0.0 {
                    figs.push(format!("{} of waiting in all", human_ms(total)));
                }
                lines += 1;
                d.line(&format!(
                    "- **Locks ({}):** {} lock convoys on {res}, {}; {}",
                    inline(&short_ids(&ids)),
                    all.len(),
                    s.range(
                        all.iter().map(|g| g.start).min().unwrap_or(f.start),
                        all.iter().map(|g| g.end).max().unwrap_or(f.end)
                    ),
                    figs.join(", ")
                ));
                continue;
            }
            let line = match f.kind {
                FindingKind::ErrorBurst => {
                    let code = attr_str(f, "code")
                        .map(|c| s.code(c))
                        .unwrap_or_else(|| "?".into());
                    let n = attr_f64(f, "count")
                        .map(|n| thousands(n as u64))
                        .unwrap_or_default();
                    format!(
                        "- **Errors ({}):** {n} × {code}, {}",
                        inline(&f.id),
                        s.range(f.start, f.end)
                    )
                }
                FindingKind::LockTimeout | FindingKind::Deadlock => {
                    format!("- **Database ({}):** {}", inline(&f.id), s.md(&f.summary))
                }
                FindingKind::LockConvoy => {
                    format!("- **Locks ({}):** {}", inline(&f.id), s.md(&f.summary))
                }
                FindingKind::DuplicateRun => {
                    format!("- **Jobs ({}):** {}", inline(&f.id), s.md(&f.summary))
                }
                _ => continue,
            };
            lines += 1;
            d.line(&line);
        }
        if skipped > 0 {
            d.line(&format!(
                "- … and {skipped} more findings (see Root-cause evidence)"
            ));
        }
    }
}

fn detection(d: &mut Doc<'_, '_>, eps: &[Episode<'_>], primary: Option<usize>) {
    let s = d.s;
    d.heading(2, "Detection");
    let annotated: Vec<_> = s
        .annotations
        .iter()
        .filter(|a| a.label == AnnotationLabel::Detection)
        .collect();
    if !annotated.is_empty() {
        for a in annotated {
            let ev = a
                .event
                .map(|e| e as usize)
                .filter(|&e| e < s.case.timeline.len())
                .map(|e| {
                    format!(
                        " — {} {}",
                        code_span(&s.location(e)),
                        code_span(&s.event_text(e))
                    )
                })
                .unwrap_or_default();
            d.line(&format!(
                "- {} {}: {}{ev}",
                s.local(a.ts),
                inline(&s.abbr(a.ts)),
                if a.note.is_empty() {
                    "detected".to_string()
                } else {
                    s.md(&a.note)
                }
            ));
        }
        return;
    }
    let Some(p) = primary else {
        d.line("_How was the problem noticed (alert, user report), and when?_");
        return;
    };
    let e = &eps[p];
    let t = &s.case.timeline;
    let mut first: Option<(i64, usize, &Finding)> = None;
    let sym: Vec<&&Finding> = e.findings.iter().filter(|f| is_symptom(f.kind)).collect();
    let pool: Vec<&&Finding> = if sym.is_empty() {
        e.findings.iter().collect()
    } else {
        sym
    };
    for f in pool {
        for &ev in &f.evidence {
            let i = ev as usize;
            if i < t.len()
                && t.ts(i) >= s.since
                && t.ts(i) < s.until
                && first.is_none_or(|(ts, _, _)| t.ts(i) < ts)
            {
                first = Some((t.ts(i), i, f));
            }
        }
    }
    d.line(
        "No detection is annotated in the case (mark it in the TUI with `a`, label *detection*).",
    );
    d.blank();
    if let Some((ts, i, f)) = first {
        d.line(&format!(
            "The first symptom in the data is at **{} {}**, the first evidence of {} ({}):",
            s.local_ms(ts),
            inline(&s.abbr(ts)),
            inline(&f.id),
            lower(f.kind)
        ));
        d.blank();
        quote(d, i, "");
        d.blank();
    }
    d.line("_When and how did people notice (alert, dashboard, user report)? How long after the first symptom?_");
}

/// One evidence excerpt as a blockquote paragraph.
fn quote(d: &mut Doc<'_, '_>, i: usize, why: &str) {
    let s = d.s;
    let t = &s.case.timeline;
    let host = s
        .host_of(i)
        .map(|h| format!(" · {}", inline(&h)))
        .unwrap_or_default();
    let why = if why.is_empty() {
        String::new()
    } else {
        format!(" · {why}")
    };
    d.line(&format!(
        "> {} · {}{host} · {}{why}\\",
        code_span(&s.location(i)),
        s.local_ms(t.ts(i)),
        t.kind(i).as_str().replace('_', " ")
    ));
    d.line(&format!("> {}", code_span(&s.event_text(i))));
}

fn root_causes(d: &mut Doc<'_, '_>) {
    let s = d.s;
    d.heading(2, "Root-cause evidence");
    if s.findings.is_empty() {
        d.line("_No findings in this window._");
        return;
    }
    d.line("Each finding, best first, with the figures pm-tui measured and a few of the log lines behind it (`source:line`, times in the report's zone).");
    for f in s.findings.iter().take(DETAILED) {
        d.heading(
            3,
            &format!(
                "{} · {} · {} (score {:.2})",
                inline(&f.id),
                kind_title(f.kind),
                s.range(f.start, f.end),
                f.score
            ),
        );
        d.line(&s.md(&f.summary));
        d.blank();
        for l in key_figures(s, f) {
            d.line(&l);
        }
        let cs = causes(s, f);
        if !cs.is_empty() {
            d.blank();
            d.line(if f.kind == FindingKind::LatencySpike {
                "**Probable causes, ranked:**"
            } else {
                "**Why it happened (evidence of the cause):**"
            });
            d.blank();
            for l in cs {
                d.line(&l);
            }
        } else if f.kind == FindingKind::LatencySpike {
            d.blank();
            d.line("**Probable causes:** none in the data (no overlapping lock convoy, job run or error burst).");
        }
        let picks = select::evidence_picks(s, f, EXCERPTS);
        if !picks.is_empty() {
            d.blank();
            d.line(&format!(
                "**Evidence** ({} of {} events):",
                picks.len(),
                thousands(f.evidence.len() as u64)
            ));
            d.blank();
            for (k, (i, why)) in picks.iter().enumerate() {
                if k > 0 {
                    d.line(">");
                }
                quote(d, *i, why);
            }
        }
        d.blank();
    }
    let rest = &s.findings[DETAILED.min(s.findings.len())..];
    if !rest.is_empty() {
        d.heading(3, "Other findings");
        d.line(&format!(
            "{} more, lower-ranked (`pm-tui findings CASE -v` shows their figures):",
            rest.len()
        ));
        d.blank();
        d.line("| Finding | Kind | Window | Summary |");
        d.line("|---|---|---|---|");
        for f in rest.iter().take(MAX_OTHER_FINDINGS) {
            d.line(&format!(
                "| {} | {} | {} | {} |",
                inline(&f.id),
                lower(f.kind),
                inline(&s.range(f.start, f.end)),
                cell(&truncate_chars(&s.text(&f.summary), CELL_CHARS))
            ));
        }
        if rest.len() > MAX_OTHER_FINDINGS {
            d.blank();
            d.line(&format!(
                "_… and {} more: `pm-tui findings CASE` lists them all._",
                rest.len() - MAX_OTHER_FINDINGS
            ));
        }
    }
}

fn actions(d: &mut Doc<'_, '_>, eps: &[Episode<'_>], primary: Option<usize>) {
    let s = d.s;
    d.heading(2, "Resolution and action items");
    d.line("_What stopped the impact (fix, rollback, restart, load shedding), and when? Mark it in the timeline (label *mitigation*)._");
    let Some(p) = primary else { return };
    let mut items: Vec<String> = Vec::new();
    let mut done: Vec<FindingKind> = Vec::new();
    for f in &eps[p].findings {
        if done.contains(&f.kind) {
            continue;
        }
        done.push(f.kind);
        let item = match f.kind {
            FindingKind::LockConvoy => {
                let res = attr_str(f, "resource")
                    .map(|r| s.code(r))
                    .unwrap_or_else(|| "the lock".into());
                format!(
                    "Shorten the transactions that hold {res}: no external calls or slow work while the lock is held ({}).",
                    inline(&f.id)
                )
            }
            FindingKind::Saturation => {
                let ep = attr_str(f, "endpoint")
                    .map(|e| s.code(e))
                    .unwrap_or_else(|| "the endpoint".into());
                let knee = attr_f64(f, "knee_rpm")
                    .map(|k| thousands(k.round() as u64))
                    .unwrap_or_else(|| "?".into());
                format!(
                    "Raise the ceiling of {ep} (about {knee} requests/min) or shed load before it; alert when traffic nears it ({}).",
                    inline(&f.id)
                )
            }
            FindingKind::LatencySpike => {
                let ep = attr_str(f, "endpoint")
                    .map(|e| s.code(e))
                    .unwrap_or_else(|| "the endpoint".into());
                format!(
                    "Alert on the p95 latency of {ep} (baseline {}) ({}).",
                    attr_f64(f, "baseline_p95_ms")
                        .map(human_ms)
                        .unwrap_or_else(|| "?".into()),
                    inline(&f.id)
                )
            }
            FindingKind::ErrorBurst => {
                let code = attr_str(f, "code")
                    .map(|c| s.code(c))
                    .unwrap_or_else(|| "these errors".into());
                format!("Alert on the rate of {code} ({}).", inline(&f.id))
            }
            FindingKind::DuplicateRun => {
                let job = attr_str(f, "job")
                    .map(|j| s.code(j))
                    .unwrap_or_else(|| "the job".into());
                format!(
                    "Make {job} safe to start twice: a lease longer than its longest run, and idempotent processing of each ID ({}).",
                    inline(&f.id)
                )
            }
            FindingKind::Deadlock => format!(
                "Take the locks of the deadlocking transactions in one order ({}).",
                inline(&f.id)
            ),
            FindingKind::LockTimeout => format!(
                "Find the holder behind the lock time-outs and shorten its transaction ({}).",
                inline(&f.id)
            ),
        };
        items.push(item);
    }
    if !items.is_empty() {
        d.blank();
        d.line("Candidate action items from the findings (edit, assign an owner and a date, or delete):");
        d.blank();
        for i in items {
            d.line(&format!("- [ ] {i}"));
        }
    }
    d.heading(2, "Lessons learned");
    d.line("_What went well? What went wrong? Where did we get lucky?_");
}

fn row_text(s: &Scope<'_>, k: &Key<'_>) -> (String, String, String) {
    let t = &s.case.timeline;
    let ev_cells = |i: usize| {
        (
            s.host_of(i).map(|h| cell(&h)).unwrap_or_else(|| "—".into()),
            code_span_in_cell(&s.location(i)),
        )
    };
    match &k.row {
        Row::Annotation(a) => {
            let label = a.label.title();
            let label = if matches!(
                a.label,
                AnnotationLabel::OutageBegins
                    | AnnotationLabel::Mitigation
                    | AnnotationLabel::OutageEnds
            ) {
                format!("**{label}**")
            } else {
                format!("**{}**", inline(label))
            };
            let note = if a.note.is_empty() {
                String::new()
            } else {
                format!(" {}", cell(&truncate_chars(&s.text(&a.note), CELL_CHARS)))
            };
            match k.event.filter(|&e| e < t.len()) {
                Some(e) => {
                    let (h, src) = ev_cells(e);
                    (
                        h,
                        src,
                        format!(
                            "{label}{note} — {}",
                            cell(&s.event_text(e).chars().take(CELL_CHARS).collect::<String>())
                        ),
                    )
                }
                None => ("—".into(), "annotation".into(), format!("{label}{note}")),
            }
        }
        Row::Marker(m) => (
            "—".into(),
            "inferred".into(),
            format!(
                "**{}** (inferred from {} {})",
                m.label.title(),
                inline(&m.from),
                match m.label {
                    AnnotationLabel::OutageEnds => "ending",
                    _ => "starting",
                }
            ),
        ),
        Row::Start(f) => (
            "—".into(),
            format!("finding {}", inline(&f.id)),
            format!(
                "{} {} begins ({}): {}",
                inline(&f.id),
                lower(f.kind),
                if f.end > f.start {
                    human_ms((f.end - f.start) as f64 / 1000.0)
                } else {
                    "a moment".to_string()
                },
                cell(&truncate_chars(&s.text(&f.summary), CELL_CHARS))
            ),
        ),
        Row::End(f) => (
            "—".into(),
            format!("finding {}", inline(&f.id)),
            format!("{} {} ends", inline(&f.id), lower(f.kind)),
        ),
        Row::Evidence(f, i, why) => {
            let (h, src) = ev_cells(*i);
            (
                h,
                src,
                format!(
                    "{} ({} {why})",
                    cell(&truncate_chars(&s.event_text(*i), CELL_CHARS)),
                    inline(&f.id)
                ),
            )
        }
    }
}

fn timeline(d: &mut Doc<'_, '_>, eps: &[Episode<'_>]) {
    let s = d.s;
    d.heading(2, "Timeline");
    let keys = select::key_events(s, eps, s.opts.max_events);
    if keys.is_empty() {
        d.line("_No annotated or key events in this window._");
        return;
    }
    let abbrs: std::collections::BTreeSet<String> = keys.iter().map(|k| s.abbr(k.ts)).collect();
    let one_abbr = abbrs.len() == 1;
    let zone_head = if one_abbr {
        format!(
            "{}, {}",
            abbrs.iter().next().cloned().unwrap_or_default(),
            s.opts.zone
        )
    } else {
        s.opts.zone.to_string()
    };
    d.line(&format!(
        "Annotations, outage markers (annotated, or inferred from the findings when none is annotated), \
         finding windows and a few key events per finding; {} rows at most (`--max-events`). \
         A date is shown when it changes.",
        s.opts.max_events
    ));
    d.blank();
    d.line(&format!(
        "| Time ({}) | Host | Source | Event |",
        inline(&zone_head)
    ));
    d.line("|---|---|---|---|");
    let mut last_date = String::new();
    for k in &keys {
        let full = s.local_ms(k.ts);
        let (date, time) = full.split_at(10.min(full.len()));
        let mut when = if date != last_date {
            last_date = date.to_string();
            full.clone()
        } else {
            time.trim().to_string()
        };
        if !one_abbr {
            when.push(' ');
            when.push_str(&s.abbr(k.ts));
        }
        let (host, src, event) = row_text(s, k);
        d.line(&format!("| {} | {host} | {src} | {event} |", inline(&when)));
    }
}

fn gantts(d: &mut Doc<'_, '_>, eps: &[Episode<'_>], primary: Option<usize>) {
    let s = d.s;
    if eps.is_empty() {
        return;
    }
    d.heading(3, "Incident chart");
    d.line(&format!(
        "One mermaid gantt per episode (times in {}): symptoms, lock convoys with their head blocker's \
         span, job runs (duplicates marked critical), outage markers.",
        inline(&s.opts.zone.to_string())
    ));
    let runs = crate::analyze::jobs::runs(&s.case.timeline);
    let markers = select::markers(s, eps);
    let mut order: Vec<usize> = (0..eps.len()).collect();
    if let Some(p) = primary {
        order.retain(|&k| k != p);
        order.insert(0, p);
    }
    order.truncate(MAX_GANTTS);
    order.sort_unstable();
    for k in order {
        let e = &eps[k];
        d.blank();
        let (body, left_out) = gantt(s, k, e, &runs, &markers);
        let fence = escape::fence_for(&body);
        d.line(&format!("{fence}mermaid"));
        d.out.push_str(&body);
        d.line(&fence);
        if left_out > 0 {
            d.blank();
            d.line(&format!(
                "_Episode {}: {left_out} lower-ranked findings are not drawn._",
                k + 1
            ));
        }
    }
    if eps.len() > MAX_GANTTS {
        d.blank();
        d.line(&format!(
            "_{} more episodes are not charted; narrow the window with `--since`/`--until`._",
            eps.len() - MAX_GANTTS
        ));
    }
}

fn gantt(
    s: &Scope<'_>,
    k: usize,
    e: &Episode<'_>,
    runs: &[crate::analyze::jobs::Run],
    markers: &[select::Marker],
) -> (String, usize) {
    let mut g = String::new();
    let _ = writeln!(g, "gantt");
    let (a, _) = e.impact_window();
    let _ = writeln!(
        g,
        "    title Episode {} {}",
        k + 1,
        mermaid_label(
            &format!("{} {}", s.local(a).get(..10).unwrap_or(""), s.opts.zone),
            60
        )
    );
    let _ = writeln!(g, "    dateFormat YYYY-MM-DD HH:mm:ss");
    let _ = writeln!(g, "    axisFormat %H:%M");
    let mut id = 0usize;
    // Bars are clipped to the episode (with a margin): a finding measured
    // over weeks would squash the chart to nothing.
    let lo = e.start - CHART_MARGIN_US;
    let hi = e.end + CHART_MARGIN_US;
    let mut task = |g: &mut String, label: &str, tags: &str, a: i64, b: i64| {
        id += 1;
        let clipped = a < lo || b > hi;
        let (a, b) = (a.clamp(lo, hi), b.clamp(lo, hi));
        let name = mermaid_label(
            &format!("{label}{}", if clipped { " (clipped)" } else { "" }),
            70,
        );
        if b - a < 1_000_000 {
            let _ = writeln!(g, "    {name} :milestone, t{id}, {}, 0d", s.mermaid_time(a));
        } else {
            let tags = if tags.is_empty() {
                String::new()
            } else {
                format!("{tags}, ")
            };
            let _ = writeln!(
                g,
                "    {name} :{tags}t{id}, {}, {}",
                s.mermaid_time(a),
                s.mermaid_time(b)
            );
        }
    };
    let section = |g: &mut String, name: &str| {
        let _ = writeln!(g, "    section {name}");
    };
    // The best-ranked bars of each kind (findings are in rank order), drawn by time.
    let mut left_out = 0usize;
    let mut of = |kinds: &[FindingKind], cap: usize| -> Vec<&&Finding> {
        let all: Vec<&&Finding> = e
            .findings
            .iter()
            .filter(|f| kinds.contains(&f.kind))
            .collect();
        left_out += all.len().saturating_sub(cap);
        let mut v: Vec<&&Finding> = all.into_iter().take(cap).collect();
        v.sort_by(|x, y| x.start.cmp(&y.start).then(x.id.cmp(&y.id)));
        v
    };
    let sym = of(
        &[
            FindingKind::LatencySpike,
            FindingKind::ErrorBurst,
            FindingKind::LockTimeout,
            FindingKind::Deadlock,
            FindingKind::Saturation,
        ],
        MAX_BARS,
    );
    if !sym.is_empty() {
        section(&mut g, "Symptoms");
        for f in sym {
            let what = match f.kind {
                FindingKind::LatencySpike | FindingKind::Saturation => {
                    attr_str(f, "endpoint").unwrap_or("")
                }
                FindingKind::ErrorBurst => attr_str(f, "code").unwrap_or(""),
                _ => attr_str(f, "resource").unwrap_or(""),
            };
            let tags = if f.kind == FindingKind::Saturation {
                "active"
            } else {
                "crit"
            };
            task(
                &mut g,
                &format!("{} {} {}", f.id, lower(f.kind), s.text(what)),
                tags,
                f.start,
                f.end,
            );
        }
    }
    let convoys = of(&[FindingKind::LockConvoy], MAX_BARS);
    if !convoys.is_empty() {
        section(&mut g, "Locks");
        for f in convoys {
            task(
                &mut g,
                &format!(
                    "{} convoy on {}",
                    f.id,
                    s.text(attr_str(f, "resource").unwrap_or("?"))
                ),
                "active",
                f.start,
                f.end,
            );
            let be = select::blocker_events(s, f);
            let t = &s.case.timeline;
            if let (Some(&x), Some(&y)) = (
                be.iter().min_by_key(|&&i| t.ts(i)),
                be.iter().max_by_key(|&&i| t.ts(i)),
            ) {
                let b = f.attrs.get("blocker").and_then(|b| b.as_object());
                let who = b
                    .and_then(|b| {
                        b.get("txn")
                            .and_then(|v| v.as_str())
                            .map(|x| format!("trx {x}"))
                            .or_else(|| {
                                b.get("pid")
                                    .and_then(|v| v.as_i64())
                                    .map(|p| format!("pid {p}"))
                            })
                    })
                    .unwrap_or_else(|| "head blocker".into());
                // A record's time is often its end: a statement that ran for
                // d ms held its locks from ts - d.
                let start = be
                    .iter()
                    .map(|&i| t.ts(i) - (t.duration_ms(i).unwrap_or(0.0) * 1000.0) as i64)
                    .min()
                    .unwrap_or(t.ts(x));
                task(
                    &mut g,
                    &format!("{} head blocker {}", f.id, s.text(&who)),
                    "crit",
                    start.min(t.ts(x)),
                    t.ts(y),
                );
            }
        }
    }
    let dups = of(&[FindingKind::DuplicateRun], usize::MAX);
    let in_ep: Vec<&crate::analyze::jobs::Run> = runs
        .iter()
        .filter(|r| r.start <= hi && r.end >= lo)
        .collect();
    let dup_of = |r: &crate::analyze::jobs::Run| -> Option<&str> {
        dups.iter().find_map(|f| {
            let same_job = attr_str(f, "job") == Some(r.job.as_str());
            let listed = f
                .attrs
                .get("runs")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .any(|x| {
                    x.get("start").and_then(|v| v.as_str())
                        == Some(pm_parsers::time::format_utc(r.start).as_str())
                });
            (same_job && listed).then_some(f.id.as_str())
        })
    };
    if !in_ep.is_empty() {
        section(&mut g, "Jobs");
        let mut chosen: Vec<&crate::analyze::jobs::Run> = in_ep
            .iter()
            .copied()
            .filter(|r| dup_of(r).is_some())
            .collect();
        for r in &in_ep {
            if chosen.len() >= MAX_RUNS {
                break;
            }
            if !chosen.iter().any(|c| std::ptr::eq(*c, *r)) {
                chosen.push(r);
            }
        }
        chosen.sort_by(|x, y| x.start.cmp(&y.start).then(x.job.cmp(&y.job)));
        for r in chosen {
            let host = r
                .host
                .as_deref()
                .map(|h| format!(" on {}", s.text(h)))
                .unwrap_or_default();
            match dup_of(r) {
                Some(fid) => task(
                    &mut g,
                    &format!("run {}{host} duplicate {fid}", s.text(&r.job)),
                    "crit",
                    r.start,
                    r.end,
                ),
                None => task(
                    &mut g,
                    &format!("run {}{host}", s.text(&r.job)),
                    "done",
                    r.start,
                    r.end,
                ),
            }
        }
    }
    let ms: Vec<&select::Marker> = markers
        .iter()
        .filter(|m| m.ts >= lo && m.ts <= hi)
        .collect();
    if !ms.is_empty() {
        section(&mut g, "Outage");
        for m in ms {
            let inferred = if m.annotation.is_none() {
                " inferred"
            } else {
                ""
            };
            task(
                &mut g,
                &format!("{}{inferred}", m.label.title()),
                "",
                m.ts,
                m.ts,
            );
        }
    }
    (g, left_out)
}

fn appendix(d: &mut Doc<'_, '_>) {
    let s = d.s;
    d.heading(2, "Appendix: sources");
    let m = &s.case.meta;
    if !s.prefix.is_empty() {
        d.line(&format!("Paths are relative to {}.", s.code(&s.prefix)));
        d.blank();
    }
    d.line("Every line of every file is accounted for: lines = parsed + continuation + skipped.");
    d.blank();
    d.line("| Source | Format | Host | Lines | Parsed | Continuation | Skipped | Events | Notes |");
    d.line("|---|---|---|---:|---:|---:|---:|---:|---|");
    let (mut tl, mut tp, mut tc, mut ts, mut te) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for (k, src) in m.sources.iter().enumerate() {
        let mut notes: Vec<String> = src
            .skip_reasons
            .iter()
            .map(|(r, n)| format!("{} × {}", thousands(*n), s.text(r)))
            .collect();
        if let Some(e) = &src.error {
            notes.push(format!("error: {}", s.text(e)));
        }
        if let Some(enc) = src
            .encoding
            .as_deref()
            .filter(|e| !e.eq_ignore_ascii_case("utf-8"))
        {
            notes.push(enc.to_string());
        }
        if src.compression != "none" && !src.compression.is_empty() {
            notes.push(src.compression.clone());
        }
        if src.invalid_sequences > 0 {
            notes.push(format!(
                "{} invalid byte sequences",
                thousands(src.invalid_sequences)
            ));
        }
        if !src.balanced() {
            notes.push("accounting does not balance".into());
        }
        tl += src.lines;
        tp += src.parsed;
        tc += src.continuation;
        ts += src.skipped;
        let kept = src.events_kept;
        te += kept;
        d.line(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            code_span_in_cell(&s.source_name(k as u32)),
            cell(src.format.as_deref().unwrap_or("—")),
            cell(
                &src.host
                    .as_deref()
                    .map(|h| s.text(h).into_owned())
                    .unwrap_or_else(|| "—".into())
            ),
            thousands(src.lines),
            thousands(src.parsed),
            thousands(src.continuation),
            thousands(src.skipped),
            thousands(kept),
            cell(&notes.join("; "))
        ));
    }
    d.line(&format!(
        "| **Total** ({} files) | | | {} | {} | {} | {} | {} | |",
        m.sources.len(),
        thousands(tl),
        thousands(tp),
        thousands(tc),
        thousands(ts),
        thousands(te)
    ));
}

//! A finding's attributes as "key figures" for the report: known keys get a
//! label and a unit (durations in human form, counts with separators,
//! times in the report's zone), unknown ones are shown plainly, so new
//! attributes from the analyzers appear without a change here. Missing
//! attributes are simply not shown. Every value is redacted and escaped.

use super::Scope;
use super::escape::{code_span, inline};
use crate::model::Finding;
use crate::text::{human_ms, thousands};
use pm_parsers::time::parse_user_time;
use serde_json::{Map, Value};

/// Numeric attributes that are counts (shown with thousands separators;
/// ids and pids are not).
const COUNTS: &[&str] = &[
    "waiters",
    "waits",
    "timeouts",
    "requests",
    "errors",
    "count",
    "ids_twice_count",
    "reports",
    "buckets",
    "ids",
    "events",
];

/// Attributes shown elsewhere in the report (or not worth a line).
const SKIP: &[&str] = &["causes", "ids_twice", "bucket_s", "example"];

fn label(key: &str) -> String {
    let known = match key {
        "resource" => "Resource",
        "blocker" => "Head blocker",
        "waiters" => "Waiting sessions",
        "waits" => "Waits reported",
        "max_wait_ms" => "Longest wait",
        "total_wait_ms" => "Total wait",
        "timeouts" => "Waits that timed out",
        "db_host" => "Database host",
        "top_blockers" => "Blockers by wait caused",
        "endpoint" => "Endpoint",
        "p95_ms" => "p95 latency",
        "p50_ms" => "Median latency",
        "baseline_p95_ms" => "Baseline p95",
        "requests" => "Requests",
        "errors" => "Errors (5xx)",
        "knee_rpm" => "Knee",
        "p95_below_ms" => "p95 below the knee",
        "p95_above_ms" => "p95 above the knee",
        "buckets" => "Buckets measured",
        "code" => "Code",
        "count" => "Count",
        "sources" => "Sources",
        "hosts" => "Hosts",
        "job" => "Job",
        "runs" => "Runs",
        "overlap_ms" => "Overlap",
        "ids_twice_count" => "IDs processed twice",
        "source" => "Reported by",
        "participants" => "Participants",
        "tables" => "Tables",
        "reports" => "Reports",
        "pids" => "Processes",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    let words = key.replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Scope<'_> {
    /// A log-derived string, redacted and escaped as markdown inline text.
    pub fn md(&self, s: &str) -> String {
        inline(&self.text(s))
    }

    /// A log-derived string, redacted, as a code span.
    pub fn code(&self, s: &str) -> String {
        code_span(&self.text(s))
    }

    /// A local time for an RFC 3339 string found in attributes.
    pub fn attr_time(&self, v: &Value) -> Option<String> {
        let s = v.as_str()?;
        let ts = parse_user_time(s, &pm_parsers::time::Zone::utc())?;
        Some(self.local(ts))
    }

    /// `2020-05-02 21:00:40` in the report's zone.
    pub fn local(&self, ts: i64) -> String {
        self.opts
            .zone
            .local(ts)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }
}

fn scalar(scope: &Scope<'_>, key: &str, v: &Value) -> Option<String> {
    let ms = key.ends_with("_ms");
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_string()),
        Value::Number(n) => {
            let x = n.as_f64()?;
            if ms {
                Some(human_ms(x))
            } else if key == "knee_rpm" {
                Some(format!(
                    "{} requests/min",
                    thousands(x.max(0.0).round() as u64)
                ))
            } else if key == "share" {
                Some(format!("{:.0} % of the wait", x * 100.0))
            } else if n.is_u64() && COUNTS.contains(&key) {
                Some(thousands(n.as_u64().unwrap_or(0)))
            } else if n.is_u64() || n.is_i64() {
                Some(n.to_string())
            } else {
                Some(format!("{}", (x * 100.0).round() / 100.0))
            }
        }
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => {
            if matches!(key, "start" | "end" | "ts") {
                if let Some(t) = scope.attr_time(v) {
                    return Some(t);
                }
            }
            // Paths under the sources' common directory are shown relative, as in the appendix.
            let s = match s.strip_prefix(scope.prefix.as_str()) {
                Some(rel) if !scope.prefix.is_empty() && !rel.is_empty() => rel,
                _ => s.as_str(),
            };
            if matches!(key, "resource" | "statement" | "endpoint" | "code") {
                Some(scope.code(s))
            } else {
                Some(scope.md(s))
            }
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().filter_map(|x| scalar(scope, key, x)).collect();
            if items.is_empty() {
                return None;
            }
            let n = items.len();
            let mut shown: Vec<String> = items.into_iter().take(10).collect();
            if n > 10 {
                shown.push(format!("… ({} in all)", thousands(n as u64)));
            }
            Some(shown.join(", "))
        }
        Value::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .filter_map(|(k, x)| scalar(scope, k, x).map(|s| format!("{} {s}", inline(k))))
                .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
    }
}

fn blocker_line(scope: &Scope<'_>, b: &Map<String, Value>, skip: &[&str]) -> Option<String> {
    let mut who = Vec::new();
    if let Some(x) = b.get("txn").and_then(|v| scalar(scope, "txn", v)) {
        who.push(format!("trx {x}"));
    }
    if let Some(x) = b.get("pid").and_then(|v| scalar(scope, "pid", v)) {
        who.push(format!("pid {x}"));
    }
    for k in ["app", "user", "host"] {
        if let Some(x) = b.get(k).and_then(|v| scalar(scope, k, v)) {
            who.push(format!("{k} {x}"));
        }
    }
    if let Some(j) = b.get("job").and_then(|v| scalar(scope, "job", v)) {
        let on = b
            .get("job_host")
            .and_then(|v| scalar(scope, "job_host", v))
            .map(|h| format!(" on {h}"))
            .unwrap_or_default();
        who.push(format!("job {j}{on}"));
    }
    if let Some(s) = b.get("share").and_then(|v| scalar(scope, "share", v)) {
        who.push(s);
    }
    for (k, v) in b {
        if skip.contains(&k.as_str())
            || matches!(
                k.as_str(),
                "txn"
                    | "pid"
                    | "app"
                    | "user"
                    | "host"
                    | "job"
                    | "job_host"
                    | "share"
                    | "statement"
            )
        {
            continue;
        }
        if let Some(x) = scalar(scope, k, v) {
            who.push(format!("{} {x}", inline(k)));
        }
    }
    let mut line = who.join(" · ");
    if let Some(s) = b
        .get("statement")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        if !line.is_empty() {
            line.push_str(" · ");
        }
        line.push_str(&format!("statement {}", scope.code(s)));
    }
    (!line.is_empty()).then_some(line)
}

fn run_line(scope: &Scope<'_>, r: &Value) -> Option<String> {
    let o = r.as_object()?;
    let mut s = String::new();
    let host = o.get("host").and_then(|v| scalar(scope, "host", v));
    s.push_str(&host.unwrap_or_else(|| "?".into()));
    if let Some(p) = o.get("pid").and_then(|v| scalar(scope, "pid", v)) {
        s.push_str(&format!(" pid {p}"));
    }
    if let Some(id) = o.get("run_id").and_then(|v| scalar(scope, "run_id", v)) {
        s.push_str(&format!(" run {id}"));
    }
    let start = o.get("start").and_then(|v| scope.attr_time(v));
    let end = o.get("end").and_then(|v| scope.attr_time(v));
    if let (Some(a), Some(b)) = (start, end) {
        s.push_str(&format!(": {a} – {}", b.get(11..).unwrap_or(&b)));
    }
    let mut tail = Vec::new();
    if let Some(x) = o.get("outcome").and_then(|v| scalar(scope, "outcome", v)) {
        tail.push(x);
    }
    if let Some(n) = o.get("ids").and_then(Value::as_u64) {
        tail.push(format!("{} ids", thousands(n)));
    }
    if !tail.is_empty() {
        s.push_str(&format!(" ({})", tail.join(", ")));
    }
    Some(s)
}

fn participant_line(scope: &Scope<'_>, p: &Value) -> Option<String> {
    let o = p.as_object()?;
    let mut who = Vec::new();
    if let Some(x) = o.get("txn").and_then(|v| scalar(scope, "txn", v)) {
        who.push(format!("trx {x}"));
    }
    if let Some(x) = o.get("pid").and_then(|v| scalar(scope, "pid", v)) {
        who.push(format!("pid {x}"));
    }
    for k in ["mode", "table", "index", "waits_for"] {
        if let Some(x) = o.get(k).and_then(|v| scalar(scope, k, v)) {
            who.push(format!("{} {x}", k.replace('_', " ")));
        }
    }
    if o.get("victim").and_then(Value::as_bool) == Some(true) {
        who.push("**rolled back**".into());
    }
    if let Some(s) = o
        .get("statement")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        who.push(scope.code(s));
    }
    (!who.is_empty()).then(|| who.join(" · "))
}

/// Key figures of `f` as markdown bullet lines (`- **Label:** value`),
/// nested lists for runs, participants and top blockers.
pub fn key_figures(scope: &Scope<'_>, f: &Finding) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in &f.attrs {
        if SKIP.contains(&k.as_str()) {
            continue;
        }
        let name = inline(&label(k));
        match (k.as_str(), v) {
            ("blocker", Value::Object(b)) => {
                if let Some(l) = blocker_line(scope, b, &[]) {
                    out.push(format!("- **{name}:** {l}"));
                }
            }
            ("runs", Value::Array(rs)) => {
                let lines: Vec<String> = rs.iter().filter_map(|r| run_line(scope, r)).collect();
                if !lines.is_empty() {
                    out.push(format!("- **{name}:**"));
                    out.extend(lines.into_iter().map(|l| format!("  - {l}")));
                }
            }
            ("participants", Value::Array(ps)) => {
                let lines: Vec<String> = ps
                    .iter()
                    .filter_map(|p| participant_line(scope, p))
                    .collect();
                if !lines.is_empty() {
                    out.push(format!("- **{name}:**"));
                    out.extend(lines.into_iter().map(|l| format!("  - {l}")));
                }
            }
            ("top_blockers", Value::Array(bs)) => {
                if bs.len() < 2 {
                    continue; // the head blocker says it
                }
                let lines: Vec<String> = bs
                    .iter()
                    .filter_map(|b| b.as_object())
                    .filter_map(|b| {
                        let mut s = blocker_line(scope, b, &["wait_ms"]).unwrap_or_default();
                        if let Some(w) = b.get("wait_ms").and_then(Value::as_f64) {
                            s.push_str(&format!(" — {} of waiting behind it", human_ms(w)));
                        }
                        (!s.is_empty()).then_some(s)
                    })
                    .collect();
                if !lines.is_empty() {
                    out.push(format!("- **{name}:**"));
                    out.extend(lines.into_iter().map(|l| format!("  - {l}")));
                }
            }
            ("ids_twice_count", _) => {
                if let Some(x) = scalar(scope, k, v) {
                    let examples: Vec<String> = f
                        .attrs
                        .get("ids_twice")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .take(5)
                        .map(|s| scope.code(s))
                        .collect();
                    let eg = if examples.is_empty() {
                        String::new()
                    } else {
                        format!(" (e.g. {})", examples.join(", "))
                    };
                    out.push(format!("- **{name}:** {x}{eg}"));
                }
            }
            _ => {
                if let Some(x) = scalar(scope, k, v) {
                    out.push(format!("- **{name}:** {x}"));
                }
            }
        }
    }
    if let Some(e) = attr_example(f) {
        out.push(format!("- **Example:** {}", scope.code(e)));
    }
    out
}

fn attr_example(f: &Finding) -> Option<&str> {
    f.attrs
        .get("example")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The causes of a spike or duplicate run as markdown bullet lines.
pub fn causes(scope: &Scope<'_>, f: &Finding) -> Vec<String> {
    let Some(list) = f.attrs.get("causes").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in list {
        let Some(o) = c.as_object() else { continue };
        if let Some(id) = o.get("finding").and_then(Value::as_str) {
            let kind = o
                .get("kind")
                .and_then(Value::as_str)
                .map(|k| k.replace('_', " "))
                .unwrap_or_default();
            let score = o
                .get("score")
                .and_then(Value::as_f64)
                .map(|s| format!(", score {:.2}", s))
                .unwrap_or_default();
            let reason = o
                .get("reason")
                .and_then(Value::as_str)
                .map(|r| format!(": {}", scope.md(r)))
                .unwrap_or_default();
            let gone = if scope.finding(id).is_some() {
                ""
            } else {
                ", outside the window"
            };
            out.push(format!(
                "- {} ({}{score}{gone}){reason}",
                inline(id),
                inline(&kind)
            ));
        } else if let Some(what) = o.get("what").and_then(Value::as_str) {
            let when = o
                .get("ts")
                .and_then(|v| scope.attr_time(v))
                .map(|t| format!(" at {t}"))
                .unwrap_or_default();
            let text = o
                .get("text")
                .and_then(Value::as_str)
                .map(|t| format!(": {}", scope.code(t)))
                .unwrap_or_default();
            let loc = o
                .get("event")
                .and_then(Value::as_u64)
                .filter(|&i| (i as usize) < scope.case.timeline.len())
                .map(|i| format!(" ({})", code_span(&scope.location(i as usize))))
                .unwrap_or_default();
            out.push(format!("- {}{when}{loc}{text}", scope.md(what)));
        } else if let Some(x) = scalar(scope, "cause", c) {
            out.push(format!("- {x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels() {
        assert_eq!(label("max_wait_ms"), "Longest wait");
        assert_eq!(label("new_thing"), "New thing");
        assert_eq!(label(""), "");
    }
}

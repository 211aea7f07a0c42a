//! Golden tests: ingest each sample dataset and compare the findings with
//! its hand-written `expected.json` (schema in `sample_logs/README.md`).

use pm_parsers::time::{Zone, parse_user_time};
use pm_tui::analyze::{self, AnalyzeConfig};
use pm_tui::ingest::{self, IngestOptions, NoProgress};
use pm_tui::model::Finding;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn dataset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_logs")
        .join(name)
}

fn analyse(name: &str) -> (Vec<Finding>, usize) {
    let registry = Arc::new(pm_parsers::Registry::builtin());
    let zone: Zone = "Asia/Tokyo".parse().unwrap();
    let opts = IngestOptions::new(registry, zone);
    let out = ingest::run(&[dataset(name)], &opts, Arc::new(NoProgress)).unwrap();
    for s in &out.sources {
        assert!(
            s.balanced(),
            "{}: accounting does not balance: {s:?}",
            s.path
        );
    }
    let findings = analyze::run(&out.timeline, &out.sources, &AnalyzeConfig::default());
    (findings, out.timeline.len())
}

fn ts(v: &Value) -> i64 {
    parse_user_time(v.as_str().unwrap_or(""), &Zone::utc()).unwrap_or(i64::MIN)
}

fn s(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn num(v: Option<&Value>) -> f64 {
    v.and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// Why `f` does not match expectation `e` (None when it does).
fn mismatch(e: &Map<String, Value>, f: &Finding, all: &[Finding]) -> Option<String> {
    let tol = e.get("tolerance_s").and_then(Value::as_f64).unwrap_or(60.0) as i64 * 1_000_000;
    let (es, ee) = (ts(&e["start"]), ts(&e["end"]));
    if (f.start - es).abs() > tol || (f.end - ee).abs() > tol {
        return Some(format!(
            "window {}..{} vs expected {}..{}",
            pm_parsers::time::format_utc(f.start),
            pm_parsers::time::format_utc(f.end),
            s(e.get("start")),
            s(e.get("end"))
        ));
    }
    let empty = Map::new();
    let want = e.get("attrs").and_then(Value::as_object).unwrap_or(&empty);
    let a = &f.attrs;
    for (k, w) in want {
        let ok = match k.as_str() {
            "resource" | "endpoint" | "code" | "job" | "source" => {
                s(a.get(k)).contains(&s(Some(w)))
            }
            "blocker" => {
                let b = a
                    .get("blocker")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                w.as_object().into_iter().flatten().all(|(bk, bv)| {
                    let want = s(Some(bv));
                    let got = s(b.get(bk));
                    got.contains(&want) || (bk == "app" && s(b.get("user")).contains(&want))
                })
            }
            "min_waiters" => num(a.get("waiters")) >= num(Some(w)),
            "min_count" => match f.kind.as_str() {
                "deadlock" => {
                    let n = all
                        .iter()
                        .filter(|g| g.kind == f.kind && g.start <= ee + tol && g.end >= es - tol)
                        .count() as f64;
                    n >= num(Some(w))
                }
                _ => num(a.get("count")) >= num(Some(w)),
            },
            "p95_ms" => {
                let got = num(a.get("p95_ms"));
                match want.get("p95_ms_range").and_then(Value::as_array) {
                    Some(r) if r.len() == 2 => got >= num(r.first()) && got <= num(r.get(1)),
                    _ => (got - num(Some(w))).abs() <= num(Some(w)) * 0.5,
                }
            }
            "p95_ms_range" => true,
            "knee_rpm" => {
                let t = num(want.get("knee_rpm_tolerance"));
                let t = if t.is_nan() { num(Some(w)) * 0.25 } else { t };
                (num(a.get("knee_rpm")) - num(Some(w))).abs() <= t
            }
            "knee_rpm_tolerance" => true,
            "causes" => {
                let got: Vec<String> = a
                    .get("causes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|c| s(c.get("kind")))
                    .collect();
                let exp: Vec<String> = w
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|x| s(Some(x)))
                    .collect();
                if exp.is_empty() {
                    got.is_empty()
                } else {
                    got.len() >= exp.len() && got[..exp.len()] == exp[..]
                }
            }
            "hosts" => {
                let hosts: Vec<String> = a
                    .get("runs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|r| s(r.get("host")))
                    .collect();
                w.as_array()
                    .into_iter()
                    .flatten()
                    .all(|h| hosts.contains(&s(Some(h))))
            }
            "ids_twice" => match w {
                Value::Object(o) => num(a.get("ids_twice_count")) == num(o.get("count")),
                Value::Array(list) => {
                    let got: Vec<String> = a
                        .get("ids_twice")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|x| s(Some(x)))
                        .collect();
                    list.iter().all(|x| {
                        got.iter()
                            .any(|g| g.ends_with(&format!("={}", s(Some(x)))) || *g == s(Some(x)))
                    })
                }
                _ => false,
            },
            "participants" => {
                let parts = a
                    .get("participants")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                w.as_array().into_iter().flatten().all(|p| {
                    let stmt = s(p.get("statement"));
                    let victim = p.get("victim").and_then(Value::as_bool);
                    parts.iter().any(|q| {
                        s(q.get("statement")).contains(&stmt)
                            && victim
                                .is_none_or(|v| q.get("victim").and_then(Value::as_bool) == Some(v))
                    })
                })
            }
            "min_overlap_ms" => num(a.get("overlap_ms")) >= num(Some(w)),
            _ => s(a.get(k)).contains(&s(Some(w))),
        };
        if !ok {
            return Some(format!(
                "{k}: expected {w}, got {}",
                a.get(k)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "nothing".into())
            ));
        }
    }
    None
}

fn check(name: &str) {
    let (findings, events) = analyse(name);
    let text = std::fs::read_to_string(dataset(name).join("expected.json")).unwrap();
    let expected: Vec<Map<String, Value>> = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    for e in &expected {
        let kind = s(e.get("kind"));
        let same_kind: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.kind.as_str() == kind)
            .collect();
        let absent = e.get("absent").and_then(Value::as_bool).unwrap_or(false);
        let matched = same_kind
            .iter()
            .find(|f| mismatch(e, f, &findings).is_none());
        match (absent, matched) {
            (false, Some(_)) | (true, None) => {}
            (true, Some(f)) => failures.push(format!(
                "{kind} must be absent, found {}: {}",
                f.id, f.summary
            )),
            (false, None) => {
                let es = ts(&e["start"]);
                let mut near: Vec<&&Finding> = same_kind.iter().collect();
                near.sort_by_key(|f| (f.start - es).abs());
                let why: Vec<String> = near
                    .iter()
                    .take(3)
                    .map(|f| {
                        format!(
                            "    {} {}: {}",
                            f.id,
                            f.summary,
                            mismatch(e, f, &findings).unwrap_or_default()
                        )
                    })
                    .collect();
                failures.push(format!(
                    "missing {kind} {} {} {}\n{}",
                    s(e.get("start")),
                    s(e.get("end")),
                    e.get("attrs").map(|a| a.to_string()).unwrap_or_default(),
                    why.join("\n")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} events, {} findings; {} of {} expectations failed:\n{}",
        events,
        findings.len(),
        failures.len(),
        expected.len(),
        failures.join("\n")
    );
}

#[test]
fn btob_session_restore() {
    check("btob-session-restore");
}

#[test]
fn penguin_karte_trash_purge() {
    check("penguin-karte-trash-purge");
}

#[test]
fn booth_payment_spike() {
    check("booth-payment-spike");
}

#[test]
fn batch_double_run() {
    check("batch-double-run");
}

#[test]
fn cosminexus_global_session() {
    check("cosminexus-global-session");
}

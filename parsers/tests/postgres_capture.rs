//! The PostgreSQL parsers against the captured set of
//! `scripts/capture-db-fixtures.sh` (`tests/fixtures/db-capture/`): every
//! PostgreSQL log it lists in `truth.json` must give exactly the events the
//! capture says happened, with the holders, participants and victims the
//! server reported. `.ci/run` also points `PM_DB_CAPTURE` at a fresh capture.

// Helpers outside `#[test]` functions may fail the test too.
#![allow(clippy::unwrap_used, clippy::panic)]

use pm_parsers::event::{Event, Kind};
use pm_parsers::parser::Format;
use pm_parsers::postgres::{PgCsvlog, PgJsonlog, PgStderr};
use pm_parsers::testutil::ParseTester;
use pm_parsers::time::{Resolver, Zone};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn capture_dir() -> PathBuf {
    match std::env::var_os("PM_DB_CAPTURE") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/db-capture"),
    }
}

fn pids(v: &Value) -> BTreeSet<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn count(events: &[Event<'_>], key: &str) -> Option<usize> {
    let n = |f: &dyn Fn(&Event<'_>) -> bool| events.iter().filter(|e| f(e)).count();
    Some(match key {
        "lock_wait" => n(&|e| e.kind == Kind::LockWait),
        "lock_acquired" => n(&|e| e.kind == Kind::LockAcquired),
        "deadlock" => n(&|e| e.kind == Kind::Deadlock),
        "lock_timeout" => n(&|e| e.kind == Kind::LockTimeout),
        "deadlock_detected_log" => {
            n(&|e| e.kind == Kind::Log && e.attr("lock_event") == Some("deadlock_detected"))
        }
        "slow_statement" => n(&|e| e.kind == Kind::Query && e.attr("phase") == Some("statement")),
        _ => return None,
    })
}

/// The pids of a scenario's sessions.
fn members(s: &Value) -> BTreeSet<i64> {
    s["sessions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["pid"].as_i64())
        .collect()
}

/// A scenario's time window, µs UTC.
fn window(s: &Value) -> Option<(i64, i64)> {
    let at = |k: &str| {
        s[k].as_str()
            .and_then(pm_parsers::time::parse_prefix)
            .and_then(|(st, _)| Resolver::new(Zone::utc()).resolve(st))
    };
    Some((at("started_at")?, at("ended_at")?))
}

/// Check one scenario's facts against the events of its pass. `all` is
/// every scenario of the pass and `precision` the log's time resolution in
/// µs: an event stamped `ts` happened in `[ts, ts + precision)`, so with
/// whole-second stamps (`%t`) an event in the second two scenarios share
/// may belong to either.
fn check_scenario(file: &str, s: &Value, all: &[Value], events: &[Event<'_>], precision: i64) {
    let name = s["name"].as_str().unwrap_or("?");
    let ctx = format!("{file} / {name}");
    // Inside the scenario's time window, every wait is by a session of a
    // scenario that can own it and blocked by a session of the same one.
    if let Some((from, to)) = window(s) {
        let overlaps = |ts: i64, (a, b): (i64, i64)| ts <= b && ts + precision > a;
        let waits: Vec<_> = events
            .iter()
            .filter(|e| overlaps(e.ts, (from, to)))
            .filter(|e| matches!(e.kind, Kind::LockWait | Kind::LockTimeout | Kind::Deadlock))
            .collect();
        assert!(!waits.is_empty(), "{ctx}: no lock events in the window");
        for e in waits {
            let owned = all
                .iter()
                .filter(|o| window(o).is_some_and(|w| overlaps(e.ts, w)))
                .map(members)
                .any(|m| {
                    e.pid.is_some_and(|p| m.contains(&p))
                        && e.blocker_pid.is_some_and(|p| m.contains(&p))
                });
            assert!(
                owned,
                "{ctx}: {:?} blocked by {:?} is no scenario's pair",
                e.pid, e.blocker_pid
            );
        }
    }
    if let Some(h) = s["holder_pid"].as_i64() {
        assert!(
            events
                .iter()
                .any(|e| e.kind == Kind::LockWait && e.blocker_pid == Some(h)),
            "{ctx}: no lock_wait names the holder {h}"
        );
    }
    if let Some(victim) = s["victim_pid"].as_i64() {
        let want = pids(&s["participants"]);
        let d = events
            .iter()
            .find(|e| e.kind == Kind::Deadlock && e.pid == Some(victim))
            .unwrap_or_else(|| panic!("{ctx}: no deadlock reported by {victim}"));
        let got: BTreeSet<i64> = d.participants.iter().filter_map(|p| p.pid).collect();
        assert_eq!(got, want, "{ctx}: participants");
        let victims: Vec<i64> = d
            .participants
            .iter()
            .filter(|p| p.victim)
            .filter_map(|p| p.pid)
            .collect();
        assert_eq!(victims, vec![victim], "{ctx}: victim");
        for p in &d.participants {
            assert!(p.statement.is_some(), "{ctx}: statement of {:?}", p.pid);
            assert!(p.blocked_by.is_some() && p.mode.is_some(), "{ctx}");
        }
    }
    if s["timed_out_pids"].is_array() {
        let want = pids(&s["timed_out_pids"]);
        let got: BTreeSet<i64> = events
            .iter()
            .filter(|e| e.kind == Kind::LockTimeout)
            .filter_map(|e| e.pid)
            .filter(|p| want.contains(p))
            .collect();
        assert_eq!(got, want, "{ctx}: lock time-outs");
    }
}

#[test]
fn captured_postgresql_logs_match_the_truth() {
    let dir = capture_dir();
    let truth_path = dir.join("truth.json");
    let Ok(bytes) = std::fs::read(&truth_path) else {
        eprintln!(
            "skipped: no capture at {} (run scripts/capture-db-fixtures.sh)",
            truth_path.display()
        );
        return;
    };
    let truth: Value = serde_json::from_slice(&bytes).unwrap();
    let pg = &truth["postgresql"];
    let files = pg["files"].as_array().expect("postgresql.files");
    assert!(!files.is_empty());
    for f in files {
        let file = f["file"].as_str().unwrap();
        let pass = f["pass"].as_str().unwrap();
        let format: &dyn Format = match f["format"].as_str().unwrap() {
            "stderr" => &PgStderr,
            "csvlog" => &PgCsvlog,
            "jsonlog" => &PgJsonlog,
            other => panic!("{file}: unknown format {other}"),
        };
        let data = std::fs::read(dir.join(file)).unwrap();
        let (events, acct) = ParseTester::new(format, "UTC")
            .check(&data)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(acct.balanced(), "{file}");
        let accounted = (acct.parsed + acct.continuation) as f64 / acct.lines.max(1) as f64;
        assert!(accounted >= 0.99, "{file}: {:?}", acct.skip_reasons);
        let expected = &pg["passes"][pass]["expected_counts"];
        let obj = expected.as_object().expect("expected_counts");
        let mut checked = 0;
        for (k, v) in obj {
            if let Some(got) = count(&events, k) {
                assert_eq!(got as u64, v.as_u64().unwrap(), "{file}: {k}");
                checked += 1;
            }
        }
        assert!(checked >= 4, "{file}: too few known counts in {obj:?}");
        let scenarios = pg["passes"][pass]["scenarios"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        // `%t` stamps whole seconds; `%m`, csvlog and jsonlog milliseconds.
        let precision = match f["log_line_prefix"].as_str() {
            Some(p) if p.contains("%t") => 1_000_000,
            _ => 1_000,
        };
        for s in scenarios {
            check_scenario(file, s, scenarios, &events, precision);
        }
    }
}

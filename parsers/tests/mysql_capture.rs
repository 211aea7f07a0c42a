//! The MySQL formats against a real MariaDB capture and its truth file
//! (`scripts/capture-db-fixtures.sh`): `tests/fixtures/db-capture/` at the
//! repository root, or the directory in `PM_DB_CAPTURE_DIR` (a fresh
//! capture in CI). Every count is the truth file's, so the same assertions
//! hold on any capture; they are exact.
//!
//! Without a capture the tests say so and pass, unless
//! `PM_REQUIRE_DB_CAPTURE` is set.
#![allow(clippy::unwrap_used, clippy::panic)]

use pm_parsers::mysql::client_errors::MysqlClientErrors;
use pm_parsers::mysql::error_log::MysqlError;
use pm_parsers::mysql::innodb_status::InnodbStatus;
use pm_parsers::mysql::lock_tables::MysqlLockTables;
use pm_parsers::mysql::slowlog::MysqlSlow;
use pm_parsers::registry::sample_lines;
use pm_parsers::testutil::ParseTester;
use pm_parsers::time::{Zone, parse_user_time};
use pm_parsers::{Accounting, Event, Format, Kind, Registry, Sample};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn capture_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("PM_DB_CAPTURE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/db-capture"),
    };
    if dir.join("truth.json").is_file() && dir.join("mariadb").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("PM_REQUIRE_DB_CAPTURE").is_some() {
        panic!("no MariaDB capture with truth.json in {}", dir.display());
    }
    eprintln!("no MariaDB capture in {}: skipped", dir.display());
    None
}

struct Capture {
    dir: PathBuf,
    truth: Value,
}

impl Capture {
    fn load() -> Option<Capture> {
        let dir = capture_dir()?;
        let truth =
            serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
        Some(Capture { dir, truth })
    }

    fn m(&self) -> &Value {
        &self.truth["mariadb"]
    }

    fn bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn run(
        &self,
        f: &dyn Format,
        rel: &str,
        snapshot: Option<i64>,
    ) -> (Vec<Event<'static>>, Accounting) {
        let mut t = ParseTester::new(f, "UTC");
        t.ctx.path = rel.to_string();
        t.ctx.snapshot_time = snapshot;
        let (ev, acct) = t
            .check(&self.bytes(rel))
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert!(acct.balanced(), "{rel}");
        (ev, acct)
    }

    fn scenario(&self, name: &str) -> &Value {
        self.m()["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no scenario {name}"))
    }

    fn snapshot_time(&self) -> i64 {
        let at = self.m()["snapshots"]["taken_at"].as_str().unwrap();
        parse_user_time(at, &Zone::utc()).unwrap()
    }
}

fn count(ev: &[Event<'_>], k: Kind) -> usize {
    ev.iter().filter(|e| e.kind == k).count()
}

fn n(v: &Value) -> usize {
    v.as_u64().unwrap() as usize
}

fn sniffed(bytes: &[u8], name: &str) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines = sample_lines(&text);
    let reg = Registry::builtin();
    let s = reg.sniff(&Sample {
        lines: &lines,
        file_name: name,
    });
    s.best
        .and_then(|i| reg.entry(i))
        .map(|e| e.format.name().to_string())
        .unwrap_or_default()
}

/// Connection ids of a scenario's sessions with `role`.
fn conns(s: &Value, role: &str) -> BTreeSet<i64> {
    s["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["role"] == role)
        .map(|x| x["connection_id"].as_i64().unwrap())
        .collect()
}

#[test]
fn error_log_has_every_deadlock_with_participants_and_victim() {
    let Some(c) = Capture::load() else { return };
    let rel = c.m()["files"]["error_log"].as_str().unwrap().to_string();
    assert_eq!(sniffed(&c.bytes(&rel), &rel), "mysql-error");
    let (ev, acct) = c.run(&MysqlError, &rel, None);
    assert_eq!(acct.skipped, 0, "{:?}", acct.skipped_examples);
    assert_eq!(
        count(&ev, Kind::Deadlock),
        n(&c.m()["expected_counts"]["deadlocks"])
    );
    let s = c.scenario("two-way-deadlock");
    let want: BTreeSet<i64> = s["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_i64().unwrap())
        .collect();
    let victim = s["victim_connection_id"].as_i64().unwrap();
    let d = ev.iter().find(|e| e.kind == Kind::Deadlock).unwrap();
    let got: BTreeSet<i64> = d.participants.iter().filter_map(|p| p.pid).collect();
    assert_eq!(got, want);
    let victims: Vec<i64> = d
        .participants
        .iter()
        .filter(|p| p.victim)
        .filter_map(|p| p.pid)
        .collect();
    assert_eq!(victims, vec![victim]);
    assert_eq!(d.pid, Some(victim));
    // A two-way cycle: each waits for the other.
    for p in &d.participants {
        let other = want.iter().find(|&&x| Some(x) != p.pid).copied();
        assert_eq!(p.blocked_by, other);
        assert!(p.statement.is_some() && p.waits_for.is_some());
    }
    let trx: BTreeSet<String> = s["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|x| x["trx_ids_seen_in_snapshots"].as_array().unwrap().clone())
        .map(|t| t.to_string())
        .collect();
    let got: BTreeSet<String> = d
        .participants
        .iter()
        .filter_map(|p| p.txn.clone())
        .collect();
    assert_eq!(got, trx);
}

#[test]
fn slow_log_has_every_entry() {
    let Some(c) = Capture::load() else { return };
    let rel = c.m()["files"]["slow_log"].as_str().unwrap().to_string();
    assert_eq!(sniffed(&c.bytes(&rel), &rel), "mysql-slow");
    let (ev, acct) = c.run(&MysqlSlow, &rel, None);
    assert_eq!(acct.skipped, 0);
    assert_eq!(ev.len(), n(&c.m()["observed_counts"]["slow_log_entries"]));
    assert!(
        ev.iter()
            .all(|e| e.kind == Kind::Query && e.duration_ms.is_some())
    );
}

#[test]
fn client_errors_in_file_order() {
    let Some(c) = Capture::load() else { return };
    let rel = c.m()["files"]["client_errors"]
        .as_str()
        .unwrap()
        .to_string();
    // The client prints no time: without one every error is skipped…
    let (ev, acct) = c.run(&MysqlClientErrors, &rel, None);
    let want = c.m()["client_errors_in_file_order"].as_array().unwrap();
    assert!(ev.is_empty());
    assert_eq!(acct.skipped as usize, want.len());
    // …with one, each becomes an event, in order.
    let (ev, acct) = c.run(&MysqlClientErrors, &rel, Some(c.snapshot_time()));
    assert_eq!(acct.skipped, 0);
    let codes: Vec<String> = ev
        .iter()
        .map(|e| e.code.clone().unwrap().into_owned())
        .collect();
    let want_codes: Vec<String> = want
        .iter()
        .map(|w| format!("ERROR {}", w["error"]))
        .collect();
    assert_eq!(codes, want_codes);
    assert_eq!(
        count(&ev, Kind::LockTimeout),
        n(&c.m()["expected_counts"]["error_1205"])
    );
    assert_eq!(
        ev.iter()
            .filter(|e| e.code.as_deref() == Some("ERROR 1213"))
            .count(),
        n(&c.m()["expected_counts"]["error_1213"])
    );
    assert!(ev.iter().all(|e| e.statement.is_some()));
}

#[test]
fn repeated_status_has_each_samples_waits() {
    let Some(c) = Capture::load() else { return };
    let rel = c.m()["files"]["innodb_status_repeated"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(sniffed(&c.bytes(&rel), &rel), "innodb-status");
    let (ev, acct) = c.run(&InnodbStatus, &rel, None);
    assert_eq!(acct.skipped, 0);
    let samples = c.m()["innodb_status_repeated_samples"].as_array().unwrap();
    assert_eq!(count(&ev, Kind::Log), samples.len());
    // Waits per snapshot, in file order: a snapshot's events come before its `log`.
    let mut per: Vec<usize> = vec![0];
    for e in &ev {
        match e.kind {
            Kind::LockWait => *per.last_mut().unwrap() += 1,
            Kind::Log => per.push(0),
            _ => {}
        }
    }
    per.pop();
    let want: Vec<usize> = samples.iter().map(|s| n(&s["waiting_trx"])).collect();
    assert_eq!(per, want);
    // The convoy's waiters are the scenario's.
    let convoy = c.scenario("row-lock-convoy");
    let first: BTreeSet<i64> = ev
        .iter()
        .take_while(|e| e.kind != Kind::Log)
        .filter(|e| e.kind == Kind::LockWait)
        .filter_map(|e| e.pid)
        .collect();
    assert_eq!(first, conns(convoy, "waiter"));
    // The same latest deadlock in every snapshot, with one key.
    let keys: BTreeSet<&str> = ev
        .iter()
        .filter(|e| e.kind == Kind::Deadlock)
        .filter_map(|e| e.attr("dedup_key"))
        .collect();
    assert_eq!(keys.len(), n(&c.m()["expected_counts"]["deadlocks"]));
}

#[test]
fn every_snapshot_file_gives_the_waiting_transactions() {
    let Some(c) = Capture::load() else { return };
    let convoy = c.scenario("row-lock-convoy");
    let waiters = conns(convoy, "waiter");
    let holder = convoy["holder_connection_id"].as_i64().unwrap();
    let holder_trx: Vec<String> = convoy["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["role"] == "holder")
        .flat_map(|x| x["trx_ids_seen_in_snapshots"].as_array().unwrap().clone())
        .map(|t| t.to_string())
        .collect();
    let at = c.snapshot_time();
    for f in c.m()["snapshots"]["files"].as_array().unwrap() {
        let rel = f["file"].as_str().unwrap();
        let query = f["query"].as_str().unwrap();
        let bytes = c.bytes(rel);
        let status = query == "innodb-status";
        let want_format = if status {
            "innodb-status"
        } else {
            "mysql-lock-tables"
        };
        assert_eq!(sniffed(&bytes, rel), want_format, "{rel}");
        let format: &dyn Format = if status {
            &InnodbStatus
        } else {
            &MysqlLockTables
        };
        let (ev, acct) = c.run(format, rel, Some(at));
        assert_eq!(acct.skipped, 0, "{rel}: {:?}", acct.skip_reasons);
        let samples = String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| l.starts_with("TS "))
            .count()
            .max(1);
        let rows = n(&f["rows"]);
        let waits: Vec<&Event<'_>> = ev.iter().filter(|e| e.kind == Kind::LockWait).collect();
        match query {
            "processlist" => {
                // Row-lock waiters look like running queries in the processlist.
                assert_eq!(count(&ev, Kind::Log), rows * samples, "{rel}");
                let ids: BTreeSet<i64> = ev.iter().filter_map(|e| e.pid).collect();
                assert!(waiters.is_subset(&ids) && ids.contains(&holder), "{rel}");
            }
            "innodb_locks" => assert!(ev.is_empty(), "{rel}"),
            _ => {
                let want = n(&f["waiting_trx"]);
                assert_eq!(waits.len(), want * samples, "{rel}");
                if query == "innodb_trx" || query == "transactions" {
                    assert_eq!(count(&ev, Kind::Txn), rows * samples, "{rel}");
                }
                // Where the table names threads, they are the convoy's waiters.
                let pids: BTreeSet<i64> = waits.iter().filter_map(|e| e.pid).collect();
                if query != "innodb_lock_waits" {
                    assert_eq!(pids, waiters, "{rel}");
                }
                // Where it names blockers, the head of the line is the holder.
                if query != "innodb-status" && query != "innodb_trx" {
                    for w in &waits {
                        assert!(
                            holder_trx
                                .iter()
                                .any(|t| w.blocker_txn.as_deref() == Some(t)),
                            "{rel}: blocker {:?}",
                            w.blocker_txn
                        );
                    }
                }
                if query == "sys_innodb_lock_waits" || query == "transactions" {
                    assert!(waits.iter().all(|w| w.blocker_pid == Some(holder)), "{rel}");
                }
            }
        }
    }
}

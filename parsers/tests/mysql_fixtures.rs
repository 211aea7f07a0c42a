//! The MySQL / MariaDB formats on real output: files captured from MariaDB
//! 10.11 for this project and lnav's MySQL 8.0 error-log sample (see
//! `tests/fixtures/mysql/README.md`). Exact counts and field values.
#![allow(clippy::unwrap_used)]

use pm_parsers::mysql::client_errors::MysqlClientErrors;
use pm_parsers::mysql::error_log::MysqlError;
use pm_parsers::mysql::innodb_status::InnodbStatus;
use pm_parsers::mysql::lock_tables::MysqlLockTables;
use pm_parsers::mysql::slowlog::MysqlSlow;
use pm_parsers::registry::sample_lines;
use pm_parsers::testutil::ParseTester;
use pm_parsers::time::format_utc;
use pm_parsers::{Accounting, Event, Format, Kind, Registry, Sample};
use std::collections::BTreeMap;

/// (txn, pid, victim, blocked_by) of a participant.
type Part<'a> = (Option<&'a str>, Option<i64>, bool, Option<i64>);
/// (txn, pid, blocker txn, blocker pid) of a wait.
type WaitBrief<'a> = (&'a str, Option<i64>, Option<&'a str>, Option<i64>);

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mysql/");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{name}")).unwrap()
}

fn run(format: &dyn Format, name: &str) -> (Vec<Event<'static>>, Accounting) {
    let mut t = ParseTester::new(format, "UTC");
    t.ctx.path = name.to_string();
    let (ev, acct) = t.check(&read(name)).unwrap();
    assert!(acct.balanced());
    (ev, acct)
}

fn kinds(ev: &[Event<'_>]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for e in ev {
        *m.entry(e.kind.as_str()).or_default() += 1;
    }
    m
}

fn counts(pairs: &[(&'static str, usize)]) -> BTreeMap<&'static str, usize> {
    pairs.iter().copied().collect()
}

fn sniffed(name: &str) -> String {
    let bytes = read(name);
    let text = String::from_utf8_lossy(&bytes);
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

#[test]
fn every_fixture_sniffs_as_its_format() {
    let cases = [
        ("lnav_mysql_error.0", "mysql-error"),
        ("mariadb-10.11-error.log", "mysql-error"),
        ("mariadb-10.11-slow.log", "mysql-slow"),
        ("mariadb-10.11-innodbstatus-repeated.txt", "innodb-status"),
        ("mariadb-10.11-innodb-status-batch.txt", "innodb-status"),
        ("mariadb-10.11-innodb-status-boxed.txt", "innodb-status"),
        ("mariadb-10.11-innodb-trx-vertical.txt", "mysql-lock-tables"),
        ("mariadb-10.11-lock-waits.box", "mysql-lock-tables"),
        ("mariadb-10.11-lock-waits-join.tsv", "mysql-lock-tables"),
        (
            "mariadb-10.11-processlist-vertical.txt",
            "mysql-lock-tables",
        ),
        (
            "mariadb-10.11-sys-innodb-lock-waits.box",
            "mysql-lock-tables",
        ),
        (
            "2026_11_22_21_20_06-mariadb-10.11-processlist.tsv",
            "mysql-lock-tables",
        ),
        (
            "2026_11_22_21_20_06-mariadb-10.11-client-errors.txt",
            "mysql-client-errors",
        ),
    ];
    for (name, want) in cases {
        assert_eq!(sniffed(name), want, "{name}");
    }
}

#[test]
fn lnav_mysql8_error_log() {
    let (ev, acct) = run(&MysqlError, "lnav_mysql_error.0");
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (4, 4, 0));
    assert_eq!(kinds(&ev), counts(&[("log", 4)]));
    assert_eq!(format_utc(ev[0].ts), "2020-08-06T14:25:02.835Z");
    assert_eq!(ev[0].code.as_deref(), Some("MY-012487"));
    assert_eq!(ev[0].app.as_deref(), Some("InnoDB"));
    assert_eq!(ev[1].level, Some(pm_parsers::Level::Warn));
    assert_eq!(ev[3].pid, Some(5));
}

#[test]
fn mariadb_error_log_deadlock() {
    let (ev, acct) = run(&MysqlError, "mariadb-10.11-error.log");
    assert_eq!((acct.lines, acct.skipped), (73, 0));
    assert_eq!(kinds(&ev), counts(&[("deadlock", 1), ("log", 17)]));
    let d = ev.iter().find(|e| e.kind == Kind::Deadlock).unwrap();
    assert_eq!(format_utc(d.ts), "2026-11-22T21:19:55.000Z");
    assert_eq!(d.participants.len(), 2);
    let p: Vec<Part<'_>> = d
        .participants
        .iter()
        .map(|p| (p.txn.as_deref(), p.pid, p.victim, p.blocked_by))
        .collect();
    assert_eq!(
        p,
        vec![
            (Some("32"), Some(6), true, Some(5)),
            (Some("31"), Some(5), false, Some(6)),
        ]
    );
    assert_eq!(d.attr("dedup_key"), Some("2026-11-22T21:19:55Z|31,32"));
}

#[test]
fn mariadb_slow_log() {
    let (ev, acct) = run(&MysqlSlow, "mariadb-10.11-slow.log");
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (76, 11, 0));
    assert_eq!(kinds(&ev), counts(&[("query", 11)]));
    let del = ev
        .iter()
        .find(|e| e.statement.as_deref() == Some("delete from items where id=1;"))
        .unwrap();
    assert_eq!(del.pid, Some(11));
    assert_eq!(del.duration_ms, Some(11401.595));
    assert_eq!(del.attr("lock_time_ms"), Some("11.533"));
    assert_eq!(format_utc(del.ts), "2026-11-22T21:20:03.000Z");
}

#[test]
fn mariadb_status_repeated_with_ts_lines() {
    let (ev, acct) = run(&InnodbStatus, "mariadb-10.11-innodbstatus-repeated.txt");
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (398, 2, 0));
    assert_eq!(
        kinds(&ev),
        counts(&[("deadlock", 2), ("lock_wait", 4), ("log", 2), ("txn", 5)])
    );
    // The same latest deadlock in both snapshots carries the same key.
    let keys: Vec<&str> = ev
        .iter()
        .filter(|e| e.kind == Kind::Deadlock)
        .filter_map(|e| e.attr("dedup_key"))
        .collect();
    assert_eq!(keys, vec!["2026-11-22T21:19:55Z|31,32"; 2]);
    // Both waiters queue behind trx 54 (thread 30), found from the lock monitor's lists.
    let waits: Vec<WaitBrief<'_>> = ev
        .iter()
        .filter(|e| e.kind == Kind::LockWait)
        .map(|e| {
            (
                e.txn.as_deref().unwrap(),
                e.pid,
                e.blocker_txn.as_deref(),
                e.blocker_pid,
            )
        })
        .collect();
    assert_eq!(
        waits,
        vec![
            ("56", Some(32), Some("54"), Some(30)),
            ("55", Some(31), Some("54"), Some(30)),
            ("56", Some(32), Some("54"), Some(30)),
            ("55", Some(31), Some("54"), Some(30)),
        ]
    );
    let w = ev.iter().find(|e| e.kind == Kind::LockWait).unwrap();
    assert_eq!(w.resource.as_deref(), Some("`shop`.`items` index PRIMARY"));
    assert_eq!(w.mode.as_deref(), Some("X locks rec but not gap"));
    assert_eq!(w.duration_ms, Some(2031.281));
    assert_eq!(w.statement.as_deref(), Some("delete from items where id=1"));
    assert_eq!(w.attr("record"), Some("space 5 page 3 heap 2"));
    assert_eq!(format_utc(w.ts), "2026-11-22T21:31:34.000Z");
}

#[test]
fn mariadb_status_batch_and_boxed() {
    let (ev, acct) = run(&InnodbStatus, "mariadb-10.11-innodb-status-batch.txt");
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (2, 1, 0));
    assert_eq!(
        kinds(&ev),
        counts(&[("deadlock", 1), ("lock_wait", 2), ("log", 1), ("txn", 4)])
    );
    let (ev, acct) = run(&InnodbStatus, "mariadb-10.11-innodb-status-boxed.txt");
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (142, 1, 0));
    assert_eq!(
        kinds(&ev),
        counts(&[("deadlock", 1), ("lock_wait", 1), ("log", 1)])
    );
    let w = ev.iter().find(|e| e.kind == Kind::LockWait).unwrap();
    assert_eq!((w.txn.as_deref(), w.pid), (Some("38"), Some(11)));
    assert_eq!(w.duration_ms, Some(2994.919));
}

#[test]
fn mariadb_lock_tables() {
    let (ev, acct) = run(&MysqlLockTables, "mariadb-10.11-innodb-trx-vertical.txt");
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (186, 8, 0));
    assert_eq!(kinds(&ev), counts(&[("lock_wait", 4), ("txn", 8)]));

    let (ev, acct) = run(&MysqlLockTables, "mariadb-10.11-lock-waits.box");
    assert_eq!((acct.lines, acct.skipped), (30, 0));
    assert_eq!(kinds(&ev), counts(&[("lock_wait", 4)]));
    let w = &ev[0];
    assert_eq!(w.txn.as_deref(), Some("56"));
    // The holder first, not the waiter queued ahead.
    assert_eq!(w.blocker_txn.as_deref(), Some("54"));
    assert_eq!(w.attr("blocker_txns"), Some("54,55"));
    assert_eq!(w.resource.as_deref(), Some("`shop`.`items` index PRIMARY"));
    assert_eq!(w.attr("lock_data"), Some("1"));

    let (ev, _) = run(&MysqlLockTables, "mariadb-10.11-lock-waits-join.tsv");
    assert_eq!(kinds(&ev), counts(&[("lock_wait", 4)]));
    assert_eq!(
        (ev[0].pid, ev[0].blocker_pid, ev[0].attr("blocking_query")),
        (Some(32), Some(30), Some("select sleep(9)"))
    );

    let (ev, acct) = run(&MysqlLockTables, "mariadb-10.11-processlist-vertical.txt");
    assert_eq!((acct.lines, acct.skipped), (122, 0));
    assert_eq!(kinds(&ev), counts(&[("lock_wait", 2), ("log", 10)]));
    let mdl = ev.iter().find(|e| e.kind == Kind::LockWait).unwrap();
    assert_eq!(
        mdl.resource.as_deref(),
        Some("`shop`.`orders` metadata lock")
    );

    // No snapshot time: observation = wait_started + wait_age.
    let (ev, _) = run(&MysqlLockTables, "mariadb-10.11-sys-innodb-lock-waits.box");
    assert_eq!(kinds(&ev), counts(&[("lock_wait", 2)]));
    assert_eq!(ev[0].blocker_pid, Some(30));
    assert_eq!(ev[0].attr("ts_source"), Some("wait_started"));

    // Time from the pt-stalk style file name.
    let name = "2026_11_22_21_20_06-mariadb-10.11-processlist.tsv";
    let (ev, acct) = run(&MysqlLockTables, name);
    assert_eq!((acct.parsed, acct.skipped), (5, 0));
    assert_eq!(format_utc(ev[0].ts), "2026-11-22T21:20:06.000Z");
}

#[test]
fn mariadb_client_errors_take_the_file_name_time() {
    let name = "2026_11_22_21_20_06-mariadb-10.11-client-errors.txt";
    let (ev, acct) = run(&MysqlClientErrors, name);
    assert_eq!(acct.skip_reasons.get("not a client error line"), Some(&2));
    assert_eq!(kinds(&ev), counts(&[("error", 1), ("lock_timeout", 1)]));
    assert_eq!(ev[0].code.as_deref(), Some("ERROR 1213"));
    assert_eq!(
        ev[0].statement.as_deref(),
        Some("update items set v=20 where id=1")
    );
    assert_eq!(ev[1].code.as_deref(), Some("ERROR 1205"));
}

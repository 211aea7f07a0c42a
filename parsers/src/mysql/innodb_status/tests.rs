//! Hand-made samples following the documented layouts (MySQL 5.0 and 8.0,
//! MariaDB), and fuzz-style damage: truncation, garbage, interleaving.

use super::*;
use crate::testutil::ParseTester;

/// MySQL 8.0 layout: a waiter, its holder listed by the lock monitor.
const MYSQL8: &str = "\
=====================================
2023-06-01 14:50:10 139784548730624 INNODB MONITOR OUTPUT
=====================================
Per second averages calculated from the last 10 seconds
------------
TRANSACTIONS
------------
Trx id counter 9001
Purge done for trx's n:o < 8990 undo n:o < 0 state: running but idle
History list length 12
LIST OF TRANSACTIONS FOR EACH SESSION:
---TRANSACTION 421260532587336, not started
0 lock struct(s), heap size 1192, 0 row lock(s)
---TRANSACTION 9000, ACTIVE 7 sec starting index read
mysql tables in use 1, locked 1
LOCK WAIT 2 lock struct(s), heap size 1192, 1 row lock(s)
MySQL thread id 42, OS thread handle 139785216907008, query id 777 10.0.0.5 app updating
UPDATE sessions SET data = 'x'
 WHERE id = 7
------- TRX HAS BEEN WAITING 6 SEC FOR THIS LOCK TO BE GRANTED:
RECORD LOCKS space id 9 page no 4 n bits 72 index PRIMARY of table `shop`.`sessions` trx id 9000 lock_mode X locks rec but not gap waiting
Record lock, heap no 5 PHYSICAL RECORD: n_fields 4; compact format; info bits 0
 0: len 4; hex 80000007; asc     ;;

------------------
---TRANSACTION 8995, ACTIVE 40 sec
2 lock struct(s), heap size 1192, 1 row lock(s)
MySQL thread id 17, OS thread handle 139785216900000, query id 700 10.0.0.9 batch
TABLE LOCK table `shop`.`sessions` trx id 8995 lock mode IX
RECORD LOCKS space id 9 page no 4 n bits 72 index PRIMARY of table `shop`.`sessions` trx id 8995 lock_mode X locks rec but not gap
Record lock, heap no 5 PHYSICAL RECORD: n_fields 4; compact format; info bits 0
 0: len 4; hex 80000007; asc     ;;

--------
FILE I/O
--------
Pending flushes (fsync) log: 0; buffer pool: 0
----------------------------
END OF INNODB MONITOR OUTPUT
============================
";

/// MySQL 5.0 layout: two-part transaction ids, process numbers.
const MYSQL50_DEADLOCK: &str = "\
=====================================
070913 17:13:09 INNODB MONITOR OUTPUT
=====================================
------------------------
LATEST DETECTED DEADLOCK
------------------------
070913 11:14:21
*** (1) TRANSACTION:
TRANSACTION 0 1000, ACTIVE 3 sec, process no 100, OS thread id 2000 starting index read
mysql tables in use 1, locked 1
LOCK WAIT 4 lock struct(s), heap size 1216
MySQL thread id 5, query id 50 localhost alice Updating
update t set a = 0 where a <> 0
*** (1) WAITING FOR THIS LOCK TO BE GRANTED:
RECORD LOCKS space id 0 page no 10 n bits 72 index `GEN_CLUST_INDEX` of table `test/t` trx id 0 1000 lock_mode X waiting
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0

*** (2) TRANSACTION:
TRANSACTION 1 7, ACTIVE 3 sec, process no 100, OS thread id 2001 starting index read, thread declared inside InnoDB 500
mysql tables in use 1, locked 1
4 lock struct(s), heap size 1216
MySQL thread id 6, query id 51 localhost bob Updating
update t set a = 1 where a <> 1
*** (2) HOLDS THE LOCK(S):
RECORD LOCKS space id 0 page no 10 n bits 72 index `GEN_CLUST_INDEX` of table `test/t` trx id 1 7 lock mode S
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0

*** (2) WAITING FOR THIS LOCK TO BE GRANTED:
RECORD LOCKS space id 0 page no 10 n bits 72 index `GEN_CLUST_INDEX` of table `test/t` trx id 1 7 lock_mode X waiting
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0

*** WE ROLL BACK TRANSACTION (2)
------------
TRANSACTIONS
------------
Trx id counter 0 1010
LIST OF TRANSACTIONS FOR EACH SESSION:
---TRANSACTION 0 0, not started, process no 100, OS thread id 2002
MySQL thread id 9, query id 60 localhost root
show innodb status
----------------------------
END OF INNODB MONITOR OUTPUT
============================
";

/// MySQL 8.0 `TOO DEEP` variant: one transaction, rolled back.
const TOO_DEEP: &str = "\
------------------------
LATEST DETECTED DEADLOCK
------------------------
2023-06-01 14:50:00 0x7f8ff8aab700TOO DEEP OR LONG SEARCH IN THE LOCK TABLE WAITS-FOR GRAPH, WE WILL ROLL BACK FOLLOWING TRANSACTION

*** TRANSACTION:
TRANSACTION 77, ACTIVE 0 sec setting auto-inc lock
mysql tables in use 1, locked 1
1 lock struct(s), heap size 376, 0 row lock(s)
MySQL thread id 12, OS thread handle 1, query id 99 10.0.0.7 app update
INSERT INTO audit (msg) VALUES ('x')
*** WAITING FOR THIS LOCK TO BE GRANTED:
TABLE LOCK table `shop`.`audit` trx id 77 lock mode AUTO-INC waiting
";

type Brief = (Kind, Option<String>, Option<i64>, Option<f64>);

fn kinds(ev: &[Event<'_>]) -> Vec<Kind> {
    ev.iter().map(|e| e.kind).collect()
}

#[test]
fn mysql8_wait_with_holder_from_lock_lists() {
    let t = ParseTester::new(&InnodbStatus, "Asia/Tokyo");
    let (ev, acct) = t.check(MYSQL8.as_bytes()).unwrap();
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (40, 1, 0));
    // The waiter has been active 7 s: a long transaction too.
    assert_eq!(
        kinds(&ev),
        vec![Kind::LockWait, Kind::Txn, Kind::Txn, Kind::Log]
    );
    assert_eq!(ev[1].txn.as_deref(), Some("9000"));
    let w = &ev[0];
    assert_eq!(time::format_utc(w.ts), "2023-06-01T05:50:10.000Z");
    assert_eq!((w.txn.as_deref(), w.pid), (Some("9000"), Some(42)));
    // The thread line names the client; the database host comes from
    // the collection or the path.
    assert_eq!(w.client.as_deref(), Some("10.0.0.5"));
    assert_eq!(w.host, None);
    assert_eq!(w.user.as_deref(), Some("app"));
    assert_eq!(
        w.statement.as_deref(),
        Some("UPDATE sessions SET data = 'x'\n WHERE id = 7")
    );
    assert_eq!(
        w.resource.as_deref(),
        Some("`shop`.`sessions` index PRIMARY")
    );
    assert_eq!(w.mode.as_deref(), Some("X locks rec but not gap"));
    assert_eq!(w.db.as_deref(), Some("shop"));
    assert_eq!(w.duration_ms, Some(6000.0));
    assert_eq!(
        (w.blocker_txn.as_deref(), w.blocker_pid),
        (Some("8995"), Some(17))
    );
    assert_eq!(w.holders, vec![17]);
    assert_eq!(w.line, 14);
    assert_eq!(w.line_count, 12);
    let h = &ev[2];
    assert_eq!((h.txn.as_deref(), h.pid), (Some("8995"), Some(17)));
    assert_eq!(h.duration_ms, Some(40_000.0));
    assert_eq!(h.statement, None);
    assert_eq!(h.attr("blocks_others"), Some("true"));
    assert_eq!(ev[3].attr("history_list_length"), Some("12"));
    assert_eq!(ev[3].line_count, 38);
}

#[test]
fn wrappings_give_the_same_events() {
    let t = ParseTester::new(&InnodbStatus, "UTC");
    let (plain, _) = t.check(MYSQL8.as_bytes()).unwrap();
    let strip = |v: &[Event<'static>]| -> Vec<Brief> {
        v.iter()
            .map(|e| {
                (
                    e.kind,
                    e.txn.as_deref().map(str::to_string),
                    e.blocker_pid,
                    e.duration_ms,
                )
            })
            .collect()
    };
    // \G
    let g = format!(
        "*************************** 1. row ***************************\n  Type: InnoDB\n  Name: \nStatus: \n{MYSQL8}"
    );
    let (ev, acct) = t.check(g.as_bytes()).unwrap();
    assert_eq!(strip(&ev), strip(&plain));
    assert_eq!(acct.skipped, 0);
    // mysql -e: one line with \n escapes.
    let escaped = format!(
        "Type\tName\tStatus\nInnoDB\t\t\\n{}\n",
        MYSQL8.trim_end().replace('\n', "\\n")
    );
    let (ev, acct) = t.check(escaped.as_bytes()).unwrap();
    assert_eq!(strip(&ev), strip(&plain));
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (2, 1, 0));
    // Two snapshots after pt-stalk TS lines.
    let two =
        format!("TS 1685631010.5 2023-06-01 14:50:10\n{g}TS 1685631030.5 2023-06-01 14:50:30\n{g}");
    let (ev, acct) = t.check(two.as_bytes()).unwrap();
    assert_eq!(ev.len(), 8);
    assert_eq!((acct.parsed, acct.skipped), (2, 0));
}

#[test]
fn mysql50_two_part_ids() {
    let t = ParseTester::new(&InnodbStatus, "UTC");
    let (ev, acct) = t.check(MYSQL50_DEADLOCK.as_bytes()).unwrap();
    assert_eq!(acct.skipped, 0);
    assert_eq!(kinds(&ev), vec![Kind::Deadlock, Kind::Log]);
    let d = &ev[0];
    assert_eq!(time::format_utc(d.ts), "2007-09-13T11:14:21.000Z");
    assert_eq!(d.line, 7);
    let p = &d.participants;
    assert_eq!(p[0].txn.as_deref(), Some("1000"));
    assert_eq!(p[1].txn.as_deref(), Some("4294967303"));
    assert_eq!((p[0].pid, p[1].pid), (Some(5), Some(6)));
    assert_eq!(
        p[0].waits_for.as_deref(),
        Some("`test`.`t` index GEN_CLUST_INDEX")
    );
    assert_eq!(p[0].mode.as_deref(), Some("X"));
    assert_eq!((p[0].blocked_by, p[1].blocked_by), (Some(6), Some(5)));
    assert!(p[1].victim && !p[0].victim);
    assert_eq!(d.attr("p2_trx_state"), Some("starting index read"));
    assert_eq!(d.attr("p1_query_id"), Some("50"));
    assert_eq!(
        d.attr("dedup_key"),
        Some("2007-09-13T11:14:21Z|1000,4294967303")
    );
}

#[test]
fn too_deep_without_snapshot_header() {
    let t = ParseTester::new(&InnodbStatus, "UTC");
    let (ev, acct) = t.check(TOO_DEEP.as_bytes()).unwrap();
    assert_eq!((acct.skipped, acct.parsed), (0, 0));
    assert_eq!(kinds(&ev), vec![Kind::Deadlock]);
    let d = &ev[0];
    assert_eq!(d.attr("too_deep"), Some("true"));
    assert_eq!(d.participants.len(), 1);
    assert!(d.participants[0].victim);
    assert_eq!(d.resource.as_deref(), Some("`shop`.`audit`"));
    assert_eq!(d.mode.as_deref(), Some("AUTO-INC"));
    assert_eq!(time::format_utc(d.ts), "2023-06-01T14:50:00.000Z");
}

#[test]
fn transactions_without_any_time_are_skipped_with_the_reason() {
    let body = MYSQL8
        .lines()
        .skip(4)
        .take(34)
        .collect::<Vec<_>>()
        .join("\n");
    let t = ParseTester::new(&InnodbStatus, "UTC");
    let (ev, acct) = t.check(body.as_bytes()).unwrap();
    assert!(ev.is_empty());
    assert_eq!(acct.skip_reasons.get(REASON_NO_SNAPSHOT_TIME), Some(&25));
    let mut t = ParseTester::new(&InnodbStatus, "UTC");
    t.ctx.snapshot_time = Some(1_685_631_010_000_000);
    let (ev, acct) = t.check(body.as_bytes()).unwrap();
    assert_eq!(acct.skipped, 0);
    assert_eq!(kinds(&ev), vec![Kind::LockWait, Kind::Txn, Kind::Txn]);
}

#[test]
fn garbage_between_snapshots_is_skipped() {
    let text = format!(
        "some banner\n{MYSQL8}garbage line 1\ngarbage line 2\n{MYSQL50_DEADLOCK}trailing junk\n"
    );
    let t = ParseTester::new(&InnodbStatus, "UTC");
    let (ev, acct) = t.check(text.as_bytes()).unwrap();
    assert_eq!(acct.skip_reasons.get(REASON_OUTSIDE), Some(&4));
    assert_eq!(acct.parsed, 2);
    assert_eq!(
        kinds(&ev),
        vec![
            Kind::LockWait,
            Kind::Txn,
            Kind::Txn,
            Kind::Log,
            Kind::Deadlock,
            Kind::Log
        ]
    );
}

#[test]
fn interleaved_snapshots_and_truncation_never_panic() {
    // A second header in the middle of a snapshot starts a new one.
    let cut = MYSQL8.find("---TRANSACTION 8995").unwrap();
    let text = format!("{}{MYSQL50_DEADLOCK}{}", &MYSQL8[..cut], &MYSQL8[cut..]);
    let t = ParseTester::new(&InnodbStatus, "UTC");
    let (ev, acct) = t.check(text.as_bytes()).unwrap();
    assert!(acct.balanced());
    assert_eq!(ev.iter().filter(|e| e.kind == Kind::Deadlock).count(), 1);
    assert_eq!(ev.iter().filter(|e| e.kind == Kind::LockWait).count(), 1);
    // Every prefix of every sample parses and balances.
    for sample in [MYSQL8, MYSQL50_DEADLOCK, TOO_DEEP, &text] {
        let b = sample.as_bytes();
        for end in (0..b.len()).step_by(13) {
            let (_, acct) = t.run(&b[..end]);
            assert!(acct.balanced(), "cut at {end}");
        }
    }
}

#[test]
fn sniffs_status_and_not_others() {
    let score = |text: &str| {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        InnodbStatus.sniff(&Sample {
            lines: &lines,
            file_name: "x",
        })
    };
    assert!(score(MYSQL8) > 0.9);
    assert!(score(TOO_DEEP) > 0.6);
    assert_eq!(score("2023-06-01 12:00:00 [INFO] app started\n"), 0.0);
    assert_eq!(
        score("# Time: 2023-06-01T05:50:13Z\n# Query_time: 1.0  Lock_time: 0.0\nselect 1;\n"),
        0.0
    );
}

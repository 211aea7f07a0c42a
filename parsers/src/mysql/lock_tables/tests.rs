//! Hand-made tables following the documented layouts (MySQL 8.0
//! `performance_schema.data_locks` / `data_lock_waits` with the manual's
//! aliases, `sys.innodb_lock_waits`, 5.7 `INNODB_TRX`), and damage.

use super::*;
use crate::testutil::ParseTester;
use crate::time::format_utc;

/// data_locks and data_lock_waits, boxed, with the aliases the MySQL 8.0
/// manual's deadlock example uses, after a `SELECT NOW()`.
const DATA_LOCKS: &str = "\
+---------------------+
| NOW()               |
+---------------------+
| 2023-06-01 14:50:10 |
+---------------------+
1 row in set (0.00 sec)

+----------------------------------+------------+----------------------------------+-----------------+
| Req_Lock_Id                      | Req_Trx_Id | Blk_Lock_Id                      | Blk_Trx_Id      |
+----------------------------------+------------+----------------------------------+-----------------+
| 140000000000001:30:4:3:140000001 |      51000 | 140000000000002:30:4:3:140000002 | 422000000000002 |
+----------------------------------+------------+----------------------------------+-----------------+
1 row in set (0.00 sec)

+----------------------------------+-----------------+----------+---------+--------+---------------+---------+--------+
| Lock_Id                          | Trx_Id          | Table    | Index   | Data   | Mode          | Status  | Type   |
+----------------------------------+-----------------+----------+---------+--------+---------------+---------+--------+
| 140000000000001:1200:140000009   |           51000 | Sessions | NULL    | NULL   | IX            | GRANTED | TABLE  |
| 140000000000001:30:4:3:140000001 |           51000 | Sessions | PRIMARY | 'abc'  | X,REC_NOT_GAP | WAITING | RECORD |
| 140000000000002:30:4:3:140000002 | 422000000000002 | Sessions | PRIMARY | 'abc'  | S,REC_NOT_GAP | GRANTED | RECORD |
+----------------------------------+-----------------+----------+---------+--------+---------------+---------+--------+
3 rows in set (0.00 sec)
";

/// data_locks only (no waits table): the holder is inferred from the
/// granted lock on the same record. TSV, with the full column names.
const DATA_LOCKS_TSV: &str = "\
ENGINE\tENGINE_LOCK_ID\tENGINE_TRANSACTION_ID\tTHREAD_ID\tOBJECT_SCHEMA\tOBJECT_NAME\tINDEX_NAME\tLOCK_TYPE\tLOCK_MODE\tLOCK_STATUS\tLOCK_DATA
INNODB\t1:30:4:3:1\t51000\t61\tshop\tsessions\tPRIMARY\tRECORD\tX,REC_NOT_GAP\tWAITING\t7
INNODB\t2:30:4:3:2\t50990\t60\tshop\tsessions\tPRIMARY\tRECORD\tX,REC_NOT_GAP\tGRANTED\t7
INNODB\t2:30:4:9:2\t50990\t60\tshop\tsessions\tPRIMARY\tRECORD\tX,REC_NOT_GAP\tGRANTED\t9
";

/// INNODB_TRX in 5.7's TSV form, a waiter and its holder.
const TRX_TSV: &str = "\
trx_id\ttrx_state\ttrx_started\ttrx_requested_lock_id\ttrx_wait_started\ttrx_weight\ttrx_mysql_thread_id\ttrx_query
7001\tLOCK WAIT\t2023-06-01 14:50:04\t7001:30:4:3\t2023-06-01 14:50:04\t2\t42\tUPDATE sessions SET data='x' WHERE id=7
7000\tRUNNING\t2023-06-01 14:49:30\tNULL\tNULL\t3\t17\tNULL
";

fn kinds(ev: &[Event<'_>]) -> Vec<Kind> {
    ev.iter().map(|e| e.kind).collect()
}

#[test]
fn data_locks_with_waits_and_now() {
    let t = ParseTester::new(&MysqlLockTables, "UTC");
    let (ev, acct) = t.check(DATA_LOCKS.as_bytes()).unwrap();
    assert_eq!((acct.lines, acct.skipped, acct.parsed), (22, 0, 1));
    assert_eq!(kinds(&ev), vec![Kind::LockWait]);
    let w = &ev[0];
    assert_eq!(format_utc(w.ts), "2023-06-01T14:50:10.000Z");
    assert_eq!(w.txn.as_deref(), Some("51000"));
    assert_eq!(w.blocker_txn.as_deref(), Some("422000000000002"));
    assert_eq!(w.resource.as_deref(), Some("`Sessions` index PRIMARY"));
    assert_eq!(w.mode.as_deref(), Some("X locks rec but not gap"));
    assert_eq!(w.attr("lock_data"), Some("'abc'"));
    assert_eq!(
        w.attr("blocking_lock_mode"),
        Some("S locks rec but not gap")
    );
    assert_eq!(w.line, 11);
}

#[test]
fn data_locks_alone_infer_the_holder() {
    let mut t = ParseTester::new(&MysqlLockTables, "UTC");
    t.ctx.snapshot_time = Some(1_685_631_010_000_000);
    let (ev, acct) = t.check(DATA_LOCKS_TSV.as_bytes()).unwrap();
    assert_eq!((acct.lines, acct.skipped, acct.parsed), (4, 0, 1));
    assert_eq!(kinds(&ev), vec![Kind::LockWait]);
    assert_eq!(ev[0].blocker_txn.as_deref(), Some("50990"));
    assert_eq!(
        ev[0].resource.as_deref(),
        Some("`shop`.`sessions` index PRIMARY")
    );
    assert_eq!(ev[0].db.as_deref(), Some("shop"));
    assert_eq!(ev[0].line, 2);
}

#[test]
fn innodb_trx_with_and_without_a_snapshot_time() {
    // Without a snapshot time, rows keep their own times.
    let t = ParseTester::new(&MysqlLockTables, "UTC");
    let (ev, acct) = t.check(TRX_TSV.as_bytes()).unwrap();
    assert_eq!((acct.parsed, acct.skipped), (2, 0));
    assert_eq!(kinds(&ev), vec![Kind::LockWait, Kind::Txn, Kind::Txn]);
    assert_eq!(format_utc(ev[0].ts), "2023-06-01T14:50:04.000Z");
    assert_eq!(ev[0].attr("ts_source"), Some("wait_started"));
    assert_eq!(ev[0].duration_ms, None);
    // With one, durations follow.
    let text = format!("TS 1685631010 2023-06-01 14:50:10\n{TRX_TSV}");
    let (ev, acct) = t.check(text.as_bytes()).unwrap();
    assert_eq!((acct.parsed, acct.continuation, acct.skipped), (2, 2, 0));
    assert_eq!(ev[0].duration_ms, Some(6000.0));
    assert_eq!(ev[0].pid, Some(42));
    assert_eq!(ev[2].duration_ms, Some(40_000.0));
    assert_eq!(ev[2].pid, Some(17));
    assert_eq!(ev[2].statement, None);
}

#[test]
fn lock_waits_without_any_time_are_skipped() {
    let text = "requesting_trx_id\trequested_lock_id\tblocking_trx_id\tblocking_lock_id\n\
                7001\t7001:30:4:3\t7000\t7000:30:4:3\n";
    let t = ParseTester::new(&MysqlLockTables, "UTC");
    let (ev, acct) = t.check(text.as_bytes()).unwrap();
    assert!(ev.is_empty());
    assert_eq!(acct.skip_reasons.get(REASON_NO_SNAPSHOT_TIME), Some(&2));
    let mut t = ParseTester::new(&MysqlLockTables, "UTC");
    t.ctx.path = "/cases/2023_06_01_14_50_10-lock-waits".into();
    let (ev, acct) = t.check(text.as_bytes()).unwrap();
    assert_eq!(acct.skipped, 0);
    assert_eq!(format_utc(ev[0].ts), "2023-06-01T14:50:10.000Z");
    assert_eq!(ev[0].blocker_txn.as_deref(), Some("7000"));
}

#[test]
fn processlist_vertical_with_multiline_info() {
    let text = "TS 1685631010 2023-06-01 14:50:10
*************************** 1. row ***************************
     Id: 12
   User: app
   Host: 10.0.0.5:51234
     db: shop
Command: Query
   Time: 31
  State: Waiting for table metadata lock
   Info: ALTER TABLE sessions
  ADD COLUMN z INT
*************************** 2. row ***************************
     Id: 13
   User: app
   Host: 10.0.0.6:40000
     db: shop
Command: Sleep
   Time: 95
  State: 
   Info: NULL
2 rows in set (0.00 sec)
";
    let t = ParseTester::new(&MysqlLockTables, "UTC");
    let (ev, acct) = t.check(text.as_bytes()).unwrap();
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (21, 2, 0));
    assert_eq!(kinds(&ev), vec![Kind::LockWait, Kind::Log]);
    assert_eq!(
        ev[0].statement.as_deref(),
        Some("ALTER TABLE sessions\n  ADD COLUMN z INT")
    );
    assert_eq!(
        ev[0].resource.as_deref(),
        Some("`shop`.`sessions` metadata lock")
    );
    assert_eq!(ev[0].duration_ms, Some(31_000.0));
    assert_eq!(ev[0].line_count, 10);
    assert_eq!(ev[1].attr("command"), Some("Sleep"));
    assert_eq!(ev[1].statement, None);
}

#[test]
fn unknown_tables_and_garbage_are_skipped() {
    let text = format!(
        "garbage before\n+---+\n| a |\n+---+\n| 1 |\n+---+\nTS 1685631010 2023-06-01 14:50:10\n{TRX_TSV}junk after\n"
    );
    let t = ParseTester::new(&MysqlLockTables, "UTC");
    let (ev, acct) = t.check(text.as_bytes()).unwrap();
    assert_eq!(acct.skip_reasons.get(REASON_NOT_TABLE), Some(&2));
    assert_eq!(acct.skip_reasons.get(REASON_UNKNOWN_TABLE), Some(&5));
    assert_eq!(ev.len(), 3);
    // Truncation anywhere never panics and always balances.
    for sample in [DATA_LOCKS, DATA_LOCKS_TSV, TRX_TSV, &text] {
        let b = sample.as_bytes();
        for end in 0..b.len() {
            let (_, acct) = t.run(&b[..end]);
            assert!(acct.balanced(), "cut at {end}");
        }
    }
}

#[test]
fn statement_tables() {
    assert_eq!(
        statement_table("ALTER TABLE sessions ADD x INT").as_deref(),
        Some("sessions")
    );
    assert_eq!(
        statement_table("insert into `shop`.`t` values (1)").as_deref(),
        Some("`shop`.`t`")
    );
    assert_eq!(
        statement_table("DROP TABLE IF EXISTS t1;").as_deref(),
        Some("t1")
    );
    assert_eq!(statement_table("select 1"), None);
}

#[test]
fn sniffs_tables_and_not_others() {
    let score = |text: &str| {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        MysqlLockTables.sniff(&Sample {
            lines: &lines,
            file_name: "x",
        })
    };
    assert!(score(DATA_LOCKS) > 0.8);
    assert!(score(TRX_TSV) > 0.8);
    assert_eq!(score("a\tb\tc\n1\t2\t3\n"), 0.0);
    assert_eq!(score("2023-06-01 12:00:00 [INFO] x: y\n"), 0.0);
}

#[test]
fn consecutive_vertical_results_are_separate_tables() {
    let text = "TS 1685631010 2023-06-01 14:50:10
*************************** 1. row ***************************
                    trx_id: 7001
                 trx_state: LOCK WAIT
               trx_started: 2023-06-01 14:50:04
     trx_requested_lock_id: 7001:30:4:3
          trx_wait_started: 2023-06-01 14:50:04
       trx_mysql_thread_id: 42
                 trx_query: UPDATE sessions SET data='x' WHERE id=7
*************************** 2. row ***************************
                    trx_id: 7000
                 trx_state: RUNNING
               trx_started: 2023-06-01 14:49:30
     trx_requested_lock_id: NULL
          trx_wait_started: NULL
       trx_mysql_thread_id: 17
                 trx_query: NULL
*************************** 1. row ***************************
    lock_id: 7001:30:4:3
lock_trx_id: 7001
  lock_mode: X
  lock_type: RECORD
 lock_table: `shop`.`sessions`
 lock_index: PRIMARY
  lock_data: 7
*************************** 2. row ***************************
    lock_id: 7000:30:4:3
lock_trx_id: 7000
  lock_mode: X
  lock_type: RECORD
 lock_table: `shop`.`sessions`
 lock_index: PRIMARY
  lock_data: 7
*************************** 1. row ***************************
requesting_trx_id: 7001
requested_lock_id: 7001:30:4:3
  blocking_trx_id: 7000
 blocking_lock_id: 7000:30:4:3
";
    let t = ParseTester::new(&MysqlLockTables, "UTC");
    let (ev, acct) = t.check(text.as_bytes()).unwrap();
    assert_eq!(acct.skipped, 0);
    assert_eq!(kinds(&ev), vec![Kind::LockWait, Kind::Txn, Kind::Txn]);
    let w = &ev[0];
    assert_eq!((w.txn.as_deref(), w.pid), (Some("7001"), Some(42)));
    assert_eq!(
        (w.blocker_txn.as_deref(), w.blocker_pid),
        (Some("7000"), Some(17))
    );
    assert_eq!(
        w.resource.as_deref(),
        Some("`shop`.`sessions` index PRIMARY")
    );
    assert_eq!(w.duration_ms, Some(6000.0));
    assert_eq!(acct.parsed, 3);
}

/// Keeping only the header cells `kind_of` asks about tells the kinds of
/// tables apart as the whole lower-cased header does: headers built from
/// its names in any case, other columns, blanks and time headers.
#[test]
fn kind_columns_tell_kinds_as_whole_headers_do() {
    let pool: Vec<String> = KIND_COLUMNS
        .iter()
        .flat_map(|n| [n.to_string(), n.to_ascii_uppercase(), format!(" {n} ")])
        .chain(["now()", "ts", "lock_id", "trx_query", "waiting_query", "x"].map(String::from))
        .collect();
    let mut rng = crate::testutil::XorShift(0x2545_F491_4F6C_DD1D);
    let mut known = 0;
    for _ in 0..20_000 {
        let header: Vec<&str> = (0..1 + rng.below(6))
            .map(|_| rng.pick(&pool[..]).as_str())
            .collect();
        let whole: Vec<String> = header
            .iter()
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        let kept: Vec<&str> = header.iter().filter_map(|c| kind_column(c)).collect();
        let settle = |k: TableKind| match k {
            TableKind::Unknown | TableKind::Now => None,
            k => Some(k),
        };
        let want = settle(kind_of(&whole));
        assert_eq!(settle(kind_of(&kept)), want, "{header:?}");
        known += usize::from(want.is_some());
    }
    assert!(known > 1000, "only {known} headers of a known kind");
}

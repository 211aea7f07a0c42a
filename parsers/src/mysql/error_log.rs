//! The MySQL / MariaDB server error log, with every deadlock
//! `innodb_print_all_deadlocks` writes into it.
//!
//! Line prefixes read (thread id and tags optional):
//! - MySQL 8: `2020-08-06T14:25:02.835618Z 0 [Note] [MY-012487] [InnoDB] text`
//! - MySQL 5.7: `2017-05-01T12:00:00.123456Z 123 [Note] InnoDB: text`
//! - MySQL 5.6: `2014-01-10 10:34:56 12345 [Note] text`, `2014-01-10 10:34:56 7f2d4c1b8700InnoDB: text`
//! - MySQL ≤ 5.5: `130624 17:39:24 [Note] text`, `130624 17:39:24  InnoDB: text`
//! - MariaDB: `2024-12-19 10:27:46 266487 [Note] InnoDB: text`
//!
//! `[ERROR]` lines become `error` events (code from `[MY-…]` or the text),
//! others `log`; unprefixed lines continue the record before them. A
//! deadlock dump (`Transactions deadlock detected, dumping detailed
//! information.` followed by the report, whose section lines may or may not
//! carry the prefix) becomes one `deadlock` event, read by
//! [`super::deadlock::DeadlockBuilder`].

use super::deadlock::DeadlockBuilder;
use crate::assemble::{Assembler, REASON_BEFORE_FIRST};
use crate::codes::extract_code;
use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver, Stamp};
use std::borrow::Cow;

/// The `mysql-error` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlError;

/// An error-log line split into its prefix and message.
#[derive(Debug, Clone, PartialEq)]
pub struct Prefix<'a> {
    /// The timestamp.
    pub stamp: Stamp,
    /// The thread / connection id (or mysqld's pid in 5.6), as written.
    pub thread: Option<&'a str>,
    /// `[Note]` → notice, `[Warning]`, `[ERROR]`, `[System]`.
    pub level: Option<Level>,
    /// `MY-012487`.
    pub code: Option<&'a str>,
    /// `[InnoDB]`, `[Server]`, or `InnoDB` from an `InnoDB:` message prefix.
    pub subsystem: Option<&'a str>,
    /// The text after the prefix (and after `InnoDB: `).
    pub msg: &'a str,
}

fn bracket(s: &str) -> Option<(&str, &str)> {
    let r = s.strip_prefix('[')?;
    let end = r.find(']')?;
    Some((&r[..end], &r[end + 1..]))
}

fn level_word(w: &str) -> Option<Level> {
    match w {
        "Note" | "NOTE" => Some(Level::Notice),
        "Warning" | "WARNING" => Some(Level::Warn),
        "ERROR" | "Error" => Some(Level::Error),
        "System" | "SYSTEM" | "Info" | "INFO" => Some(Level::Info),
        _ => None,
    }
}

/// Split an error-log line into its prefix and message; `None` when the
/// line does not start with a MySQL timestamp.
pub fn split_prefix(l: &str) -> Option<Prefix<'_>> {
    if !l.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    let (stamp, used) = time::parse_iso(l).or_else(|| time::parse_mysql_short(l))?;
    let mut rest = l.get(used..)?;
    let mut p = Prefix {
        stamp,
        thread: None,
        level: None,
        code: None,
        subsystem: None,
        msg: "",
    };
    let trimmed = rest.trim_start();
    if trimmed.len() == rest.len() && !trimmed.is_empty() && !trimmed.starts_with("TOO DEEP") {
        // Text glued to the time is not a prefix, except InnoDB's own glue.
        return None;
    }
    rest = trimmed;
    let tok_end = rest
        .bytes()
        .position(|b| !(b.is_ascii_hexdigit() || b == b'x'))
        .unwrap_or(rest.len());
    let tok = &rest[..tok_end];
    let after = &rest[tok_end..];
    if !tok.is_empty()
        && tok.bytes().any(|b| b.is_ascii_digit())
        && (after.is_empty() || after.starts_with(' ') || after.starts_with("InnoDB:"))
    {
        p.thread = Some(tok);
        rest = after.trim_start();
    }
    if let Some((w, r)) = bracket(rest) {
        if let Some(lv) = level_word(w) {
            p.level = Some(lv);
            rest = r.trim_start();
        }
    }
    if let Some((w, r)) = bracket(rest) {
        if w.starts_with("MY-") {
            p.code = Some(w);
            rest = r.trim_start();
            if let Some((sub, r2)) = bracket(rest) {
                p.subsystem = Some(sub);
                rest = r2.strip_prefix(' ').unwrap_or(r2);
            }
        }
    }
    if let Some(r) = rest.strip_prefix("InnoDB:") {
        p.subsystem = Some("InnoDB");
        rest = r.strip_prefix(' ').unwrap_or(r);
    }
    p.msg = rest;
    Some(p)
}

/// Lines of a deadlock report body (after any prefix).
fn deadlock_body(msg: &str) -> bool {
    let t = msg.trim();
    t.is_empty()
        || t.starts_with("***")
        || t.starts_with("TRANSACTION ")
        || t.starts_with("RECORD LOCKS ")
        || t.starts_with("TABLE LOCK ")
        || t.starts_with("MySQL thread id ")
        || t.starts_with("MariaDB thread id ")
        || t.contains("TOO DEEP OR LONG SEARCH")
}

fn is_deadlock_start(msg: &str) -> bool {
    let t = msg.trim_start();
    // `get`: byte 30 may fall inside a character (then it is no match).
    t.get(..30)
        .is_some_and(|h| h.eq_ignore_ascii_case("transactions deadlock detected"))
}

impl Format for MysqlError {
    fn name(&self) -> &str {
        "mysql-error"
    }

    fn description(&self) -> &str {
        "MySQL / MariaDB error log ([Note]/[Warning]/[ERROR], MY- codes) with innodb_print_all_deadlocks dumps"
    }

    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let skip = |l: &str| {
            let t = l.trim();
            t.is_empty()
                || l.starts_with([' ', '\t'])
                || deadlock_body(t)
                || t.starts_with("Record lock")
                || t.starts_with("mysql tables in use")
                || t.contains(" lock struct(s)")
        };
        let specific = sample
            .lines
            .iter()
            .any(|l| split_prefix(l).is_some_and(|p| p.code.is_some() || p.subsystem.is_some()));
        let f = sample.fraction(skip, |l| match split_prefix(l) {
            Some(p) => {
                let short_date = l.as_bytes().get(6) == Some(&b' ');
                p.level.is_some() && (p.thread.is_some() || short_date)
                    || p.subsystem.is_some()
                    || p.code.is_some()
                    || p.msg.starts_with("mysqld")
                    || p.msg.starts_with("mariadbd")
            }
            None => {
                l.starts_with("Version: '")
                    || l.starts_with("mysqld: ")
                    || l.starts_with("mariadbd: ")
                    || l.starts_with("InnoDB: ")
            }
        });
        let markers = sample.any_contains("[MY-0")
            || sample.any_contains("InnoDB: ")
            || sample.any_contains("mysqld")
            || sample.any_contains("mariadbd");
        if specific || markers {
            0.92 * f
        } else {
            0.7 * f
        }
    }

    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(ErrorLogParser {
            resolver: ctx.resolver,
            asm: Assembler::default(),
            deadlock: None,
            deadlock_ts: None,
            seen_record: false,
        })
    }
}

struct ErrorLogParser {
    resolver: Resolver,
    asm: Assembler,
    deadlock: Option<DeadlockBuilder>,
    deadlock_ts: Option<i64>,
    seen_record: bool,
}

impl ErrorLogParser {
    fn finish_deadlock(&mut self, out: &mut dyn EventSink) {
        if let Some(b) = self.deadlock.take() {
            if let Some(e) = b.finish(self.deadlock_ts, "error-log") {
                out.push(e);
            }
        }
    }

    fn record<'a>(&self, p: &Prefix<'a>, ts: i64, line: &Line<'a>) -> Event<'a> {
        let kind = if p.level == Some(Level::Error) {
            Kind::Error
        } else {
            Kind::Log
        };
        let mut e = Event::new(kind, ts, line.number, line.offset);
        e.level = p.level.or_else(|| {
            let m = p.msg;
            Some(if m.contains("Error") || m.contains("ERROR") {
                Level::Error
            } else if m.contains("Warning") || m.contains("WARNING") {
                Level::Warn
            } else {
                Level::Info
            })
        });
        if e.kind == Kind::Log && e.level == Some(Level::Error) {
            e.kind = Kind::Error;
        }
        if let Some(t) = p.thread {
            e.thread = Some(Cow::Borrowed(t));
            if t.bytes().all(|b| b.is_ascii_digit()) {
                e.pid = t.parse().ok();
            }
        }
        e.app = Some(Cow::Borrowed(p.subsystem.unwrap_or("mysqld")));
        e.code = match p.code {
            Some(c) => Some(Cow::Borrowed(c)),
            None => extract_code(p.msg).map(Cow::Owned),
        };
        e.message = Cow::Borrowed(p.msg);
        e
    }
}

impl LineParser for ErrorLogParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let text = line.text;
        let prefix = split_prefix(text);
        if self.deadlock.is_some() {
            let body = match &prefix {
                Some(p) if deadlock_body(p.msg) && !is_deadlock_start(p.msg) => Some(p.msg),
                Some(_) => None,
                None => Some(text),
            };
            if let Some(b) = body {
                let resolver = self.resolver;
                if let Some(d) = self.deadlock.as_mut() {
                    // A bare time line (`130624 17:39:24`) dates the report.
                    match &prefix {
                        Some(p) if p.msg.trim().is_empty() => {
                            d.set_time_if_none(resolver.resolve(p.stamp));
                        }
                        _ => d.feed(b, line.number, &resolver),
                    }
                    if d.is_done() {
                        self.finish_deadlock(out);
                    }
                }
                return Disposition::Continuation;
            }
            self.finish_deadlock(out);
        }
        let Some(p) = prefix else {
            if self.asm.is_open() {
                return self.asm.continue_with(line);
            }
            return if self.seen_record {
                Disposition::Continuation
            } else {
                Disposition::Skipped(REASON_BEFORE_FIRST)
            };
        };
        let Some(ts) = self.resolver.resolve(p.stamp) else {
            return Disposition::Skipped("unreadable timestamp");
        };
        self.seen_record = true;
        if is_deadlock_start(p.msg) {
            self.asm.flush(out);
            let mut b = DeadlockBuilder::new(line.number, line.offset);
            b.feed("", line.number, &self.resolver);
            self.deadlock = Some(b);
            self.deadlock_ts = Some(ts);
            return Disposition::Parsed;
        }
        if p.msg.trim().is_empty() && p.level.is_none() {
            // A bare time stamp (InnoDB's `130624 17:39:24` before a report).
            return if self.asm.is_open() {
                self.asm.continue_with(line)
            } else {
                Disposition::Continuation
            };
        }
        let e = self.record(&p, ts, line);
        self.asm.start(e, out)
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.finish_deadlock(out);
        self.asm.flush(out);
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ParseTester;

    #[test]
    fn deadlock_start_with_a_character_across_byte_30() {
        // Found by the mysql and sniff fuzz targets: slicing at byte 30
        // panicked inside the three-byte '‡'.
        assert!(!is_deadlock_start(
            "CA certificate /vaeduler thre‡d started"
        ));
        assert!(is_deadlock_start(
            "  TRANSACTIONS deadlock detected, dumping"
        ));
        assert!(!is_deadlock_start("Transactions deadlock"));
    }

    #[test]
    fn prefixes() {
        let p = split_prefix(
            "2020-08-06T14:25:02.835618Z 0 [Note] [MY-012487] [InnoDB] DDL log recovery : begin",
        )
        .unwrap();
        assert_eq!(p.thread, Some("0"));
        assert_eq!(p.level, Some(Level::Notice));
        assert_eq!(p.code, Some("MY-012487"));
        assert_eq!(p.subsystem, Some("InnoDB"));
        assert_eq!(p.msg, "DDL log recovery : begin");
        let p = split_prefix(
            "2024-12-19 10:27:46 266487 [Note] InnoDB: *** WAITING FOR THIS LOCK TO BE GRANTED:",
        )
        .unwrap();
        assert_eq!(p.thread, Some("266487"));
        assert_eq!(p.subsystem, Some("InnoDB"));
        assert_eq!(p.msg, "*** WAITING FOR THIS LOCK TO BE GRANTED:");
        let p = split_prefix("2014-01-10 10:34:56 7f2d4c1b8700InnoDB: transactions deadlock detected, dumping detailed information.").unwrap();
        assert_eq!(p.thread, Some("7f2d4c1b8700"));
        assert!(is_deadlock_start(p.msg));
        let p = split_prefix("130624 17:39:24  InnoDB: Started; log sequence number 0 1").unwrap();
        assert_eq!(p.thread, None);
        assert_eq!(p.msg, "Started; log sequence number 0 1");
        let p = split_prefix("130624 17:39:24 [ERROR] Can't open the mysql.plugin table.").unwrap();
        assert_eq!(p.level, Some(Level::Error));
        assert!(split_prefix("Version: '10.11.19-MariaDB'").is_none());
        assert!(split_prefix("2023-06-01 12:00:00abc").is_none());
    }

    const MARIADB: &str = "\
2026-11-22 21:19:47 0 [Note] mariadbd: ready for connections.
Version: '10.11.19-MariaDB-0+deb12u1-log'  socket: '/tmp/mdb/sock'  port: 0  Debian 12
2026-11-22 21:19:55 6 [Note] InnoDB: Transactions deadlock detected, dumping detailed information.
2026-11-22 21:19:55 6 [Note] InnoDB: 
*** (1) TRANSACTION:

TRANSACTION 32, ACTIVE 1 sec starting index read
mysql tables in use 1, locked 1
LOCK WAIT 3 lock struct(s), heap size 1128, 2 row lock(s), undo log entries 1
MariaDB thread id 6, OS thread handle 140183975868096, query id 16 localhost root Updating
update items set v=20 where id=1
2026-11-22 21:19:55 6 [Note] InnoDB: *** WAITING FOR THIS LOCK TO BE GRANTED:

RECORD LOCKS space id 5 page no 3 n bits 320 index PRIMARY of table `shop`.`items` trx id 32 lock_mode X locks rec but not gap waiting
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0
 0: len 4; hex 80000001; asc     ;;

2026-11-22 21:19:55 6 [Note] InnoDB: *** CONFLICTING WITH:

RECORD LOCKS space id 5 page no 3 n bits 320 index PRIMARY of table `shop`.`items` trx id 31 lock_mode X locks rec but not gap
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0

2026-11-22 21:19:55 6 [Note] InnoDB: 
*** (2) TRANSACTION:

TRANSACTION 31, ACTIVE 2 sec starting index read
mysql tables in use 1, locked 1
LOCK WAIT 3 lock struct(s), heap size 1128, 2 row lock(s), undo log entries 1
MariaDB thread id 5, OS thread handle 140183976175296, query id 15 localhost root Updating
update items set v=10 where id=2
2026-11-22 21:19:55 6 [Note] InnoDB: *** WAITING FOR THIS LOCK TO BE GRANTED:

RECORD LOCKS space id 5 page no 3 n bits 320 index PRIMARY of table `shop`.`items` trx id 31 lock_mode X locks rec but not gap waiting
Record lock, heap no 3 PHYSICAL RECORD: n_fields 4; compact format; info bits 0

2026-11-22 21:19:55 6 [Note] InnoDB: *** CONFLICTING WITH:

RECORD LOCKS space id 5 page no 3 n bits 320 index PRIMARY of table `shop`.`items` trx id 32 lock_mode X locks rec but not gap
Record lock, heap no 3 PHYSICAL RECORD: n_fields 4; compact format; info bits 0

2026-11-22 21:19:55 6 [Note] InnoDB: *** WE ROLL BACK TRANSACTION (1)
2026-11-22 21:20:30 12 [Warning] Aborted connection 12 to db: 'shop' user: 'root' host: 'localhost' (Got an error reading communication packets)
2026-11-22 21:20:31 0 [ERROR] InnoDB: Unable to lock ./ibdata1 error: 11
";

    #[test]
    fn mariadb_deadlock_in_error_log() {
        let t = ParseTester::new(&MysqlError, "UTC");
        let (events, acct) = t.check(MARIADB.as_bytes()).unwrap();
        assert_eq!(acct.skipped, 0, "{:?}", acct.skipped_examples);
        assert_eq!(acct.parsed, 4);
        let kinds: Vec<Kind> = events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![Kind::Log, Kind::Deadlock, Kind::Log, Kind::Error]
        );
        assert!(events[0].message.contains("Version: '10.11"));
        let d = &events[1];
        assert_eq!(time::format_utc(d.ts), "2026-11-22T21:19:55.000Z");
        assert_eq!(d.line, 3);
        assert_eq!(d.line_count, 39);
        assert_eq!(d.participants.len(), 2);
        let (p1, p2) = (&d.participants[0], &d.participants[1]);
        assert_eq!((p1.txn.as_deref(), p1.pid), (Some("32"), Some(6)));
        assert_eq!((p2.txn.as_deref(), p2.pid), (Some("31"), Some(5)));
        assert!(p1.victim && !p2.victim);
        assert_eq!(p1.blocked_by, Some(5));
        assert_eq!(p2.blocked_by, Some(6));
        assert_eq!(
            p1.statement.as_deref(),
            Some("update items set v=20 where id=1")
        );
        assert_eq!(
            p1.waits_for.as_deref(),
            Some("`shop`.`items` index PRIMARY")
        );
        assert_eq!(p1.mode.as_deref(), Some("X locks rec but not gap"));
        assert_eq!(p1.user.as_deref(), Some("root"));
        assert_eq!(d.attr("dedup_key"), Some("2026-11-22T21:19:55Z|31,32"));
        assert_eq!(d.pid, Some(6));
        assert_eq!(events[2].pid, Some(12));
        assert_eq!(events[3].level, Some(Level::Error));
        assert_eq!(events[3].app.as_deref(), Some("InnoDB"));
    }

    /// MySQL 8.0 style (section lines prefixed with `[MY-012469]`, bodies
    /// bare) and MySQL 5.5 style (`InnoDB: transactions deadlock detected`,
    /// then a bare time line), two deadlocks in one log; hand-made following
    /// the manual's error-log body.
    const MYSQL8_AND_55: &str = "\
2023-06-01T05:50:00.123456Z 0 [Note] [MY-012468] [InnoDB] Transactions deadlock detected, dumping detailed information.
2023-06-01T05:50:00.123501Z 0 [Note] [MY-012469] [InnoDB] *** (1) TRANSACTION:
TRANSACTION 5100, ACTIVE 12 sec starting index read
mysql tables in use 1, locked 1
LOCK WAIT 4 lock struct(s), heap size 1128, 2 row lock(s)
MySQL thread id 21, OS thread handle 139815619204864, query id 301 localhost u2 updating
UPDATE Fish SET value=3 WHERE name='Carp'
2023-06-01T05:50:00.123530Z 0 [Note] [MY-012469] [InnoDB] *** (1) HOLDS THE LOCK(S):
RECORD LOCKS space id 31 page no 4 n bits 72 index PRIMARY of table `zoo`.`Birds` trx id 5100 lock mode S locks rec but not gap
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0
 0: len 4; hex 4f776c73; asc Owls;;

2023-06-01T05:50:00.123560Z 0 [Note] [MY-012469] [InnoDB] *** (1) WAITING FOR THIS LOCK TO BE GRANTED:
RECORD LOCKS space id 30 page no 4 n bits 72 index PRIMARY of table `zoo`.`Fish` trx id 5100 lock_mode X locks rec but not gap waiting
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0

2023-06-01T05:50:00.123590Z 0 [Note] [MY-012469] [InnoDB] *** (2) TRANSACTION:
TRANSACTION 5101, ACTIVE 15 sec starting index read
mysql tables in use 1, locked 1
LOCK WAIT 4 lock struct(s), heap size 1128, 2 row lock(s)
MySQL thread id 22, OS thread handle 139815618148096, query id 305 localhost u1 updating
UPDATE Birds SET value=4 WHERE name='Owls'
2023-06-01T05:50:00.123620Z 0 [Note] [MY-012469] [InnoDB] *** (2) HOLDS THE LOCK(S):
RECORD LOCKS space id 30 page no 4 n bits 72 index PRIMARY of table `zoo`.`Fish` trx id 5101 lock mode S locks rec but not gap
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0

2023-06-01T05:50:00.123650Z 0 [Note] [MY-012469] [InnoDB] *** (2) WAITING FOR THIS LOCK TO BE GRANTED:
RECORD LOCKS space id 31 page no 4 n bits 72 index PRIMARY of table `zoo`.`Birds` trx id 5101 lock_mode X locks rec but not gap waiting
Record lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0

2023-06-01T05:50:00.123680Z 0 [Note] [MY-012469] [InnoDB] *** WE ROLL BACK TRANSACTION (2)
2023-06-01T05:51:00.000000Z 9 [Warning] [MY-010055] [Server] IP address '10.0.0.9' could not be resolved
130624 17:39:24 InnoDB: transactions deadlock detected, dumping detailed information.
130624 17:39:24
*** (1) TRANSACTION:
TRANSACTION 3405, ACTIVE 161 sec starting index read
MySQL thread id 19, OS thread handle 0x7fac301e4700, query id 180 localhost ro Updating
update a set b=1 where id=2
*** (1) WAITING FOR THIS LOCK TO BE GRANTED:
RECORD LOCKS space id 0 page no 307 n bits 72 index `PRIMARY` of table `test`.`a` trx id 3405 lock_mode X locks rec but not gap waiting
*** (2) TRANSACTION:
TRANSACTION 3404, ACTIVE 1026 sec starting index read
MySQL thread id 18, OS thread handle 0x7fac30225700, query id 181 localhost ro Updating
update a set b=2 where id=4
*** (2) HOLDS THE LOCK(S):
RECORD LOCKS space id 0 page no 307 n bits 72 index `PRIMARY` of table `test`.`a` trx id 3404 lock_mode X locks rec but not gap
*** (2) WAITING FOR THIS LOCK TO BE GRANTED:
RECORD LOCKS space id 0 page no 307 n bits 72 index `PRIMARY` of table `test`.`a` trx id 3404 lock_mode X locks rec but not gap waiting
*** WE ROLL BACK TRANSACTION (2)
130624 17:40:00 [Note] Event Scheduler: Loaded 0 events
";

    #[test]
    fn every_deadlock_in_mysql8_and_55_logs() {
        let t = ParseTester::new(&MysqlError, "UTC");
        let (ev, acct) = t.check(MYSQL8_AND_55.as_bytes()).unwrap();
        assert_eq!((acct.skipped, acct.parsed), (0, 4));
        let kinds: Vec<Kind> = ev.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![Kind::Deadlock, Kind::Log, Kind::Deadlock, Kind::Log]
        );
        let d = &ev[0];
        assert_eq!(time::format_utc(d.ts), "2023-06-01T05:50:00.123Z");
        assert_eq!(d.line_count, 31);
        let p = &d.participants;
        assert_eq!((p[0].pid, p[1].pid), (Some(21), Some(22)));
        assert_eq!(p[0].holds, vec!["`zoo`.`Birds` index PRIMARY".to_string()]);
        assert_eq!(
            p[0].waits_for.as_deref(),
            Some("`zoo`.`Fish` index PRIMARY")
        );
        // Matched through the held locks, not only because there are two.
        assert_eq!((p[0].blocked_by, p[1].blocked_by), (Some(22), Some(21)));
        assert!(p[1].victim);
        assert_eq!(d.attr("origin"), Some("error-log"));
        let d = &ev[2];
        assert_eq!(time::format_utc(d.ts), "2013-06-24T17:39:24.000Z");
        assert_eq!(d.participants.len(), 2);
        assert_eq!(d.pid, Some(18));
        assert_eq!(ev[3].message, "Event Scheduler: Loaded 0 events");
    }

    #[test]
    fn other_programs_bracketed_levels_are_not_mysql() {
        let lines = [
            "2025-11-01 09:05:34 [WARNING] external API unstable",
            "2025-11-01 09:05:38 [INFO] cache refreshed",
            "2025-11-01 09:05:41 [ERROR] connection timed out",
        ];
        let s = Sample {
            lines: &lines,
            file_name: "app.log",
        };
        assert!(MysqlError.sniff(&s) < 0.1);
        let lines = ["130624 17:40:00 [Note] Event Scheduler: Loaded 0 events"];
        let s = Sample {
            lines: &lines,
            file_name: "mysqld.err",
        };
        assert!(MysqlError.sniff(&s) > 0.6);
    }
}

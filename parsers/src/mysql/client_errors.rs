//! Error lines the `mysql` / `mariadb` client prints:
//! `ERROR 1213 (40001) at line 1: Deadlock found when trying to get lock; …`,
//! `ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction`.
//!
//! The client prints no time, so a line is placed by a timestamp before it on
//! the same line (`2023-06-01 12:00:00 ERROR 1205 …`, as a wrapper script
//! writes it), else by the snapshot time (`--snapshot-time`, or a time in the
//! file name); without either it is skipped. `ERROR 1205` becomes a
//! `lock_timeout`, every other error an `error` with its code. The
//! statement the MariaDB client echoes between `--------------` rules before
//! the error is attached to it.

use super::{context_snapshot_time, owned};
use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver};
use std::borrow::Cow;

/// The `mysql-client-errors` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlClientErrors;

/// Reason for error lines that cannot be placed in time.
pub const REASON_NO_TIME: &str = "client error without a timestamp (use --snapshot-time)";
/// Reason for client output that is not an error.
pub const REASON_NOT_ERROR: &str = "not a client error line";

/// A client error line split up: (time, code number, SQLSTATE, line no, message).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientError<'a> {
    /// The timestamp written before `ERROR`, when there is one.
    pub stamp: Option<time::Stamp>,
    /// `1213`.
    pub number: &'a str,
    /// `40001`.
    pub sqlstate: &'a str,
    /// `at line 1`.
    pub at_line: Option<u32>,
    /// The text after the colon.
    pub message: &'a str,
}

/// Read `[time] ERROR nnnn (SSSSS)[ at line n]: message`.
pub fn parse_client_error(text: &str) -> Option<ClientError<'_>> {
    let t = text.trim();
    let (stamp, rest) = match t.find("ERROR ") {
        Some(0) => (None, t),
        Some(p) => {
            let (s, used) = time::parse_prefix(t)?;
            let between = t.get(used..p)?.trim();
            if !between.is_empty() && !between.chars().all(|c| "[]:-|".contains(c)) {
                return None;
            }
            (Some(s), &t[p..])
        }
        None => return None,
    };
    let r = rest.strip_prefix("ERROR ")?;
    let num_end = r.bytes().take_while(|b| b.is_ascii_digit()).count();
    if !(4..=5).contains(&num_end) {
        return None;
    }
    let number = &r[..num_end];
    let r = r[num_end..].strip_prefix(" (")?;
    let close = r.find(')')?;
    let sqlstate = &r[..close];
    if sqlstate.len() != 5 {
        return None;
    }
    let mut r = &r[close + 1..];
    let mut at_line = None;
    if let Some(x) = r.strip_prefix(" at line ") {
        let n = x.bytes().take_while(|b| b.is_ascii_digit()).count();
        at_line = x[..n].parse().ok();
        r = &x[n..];
        if let Some(p) = r.find(':') {
            r = &r[p..];
        }
    }
    let message = r.strip_prefix(':')?.trim();
    Some(ClientError {
        stamp,
        number,
        sqlstate,
        at_line,
        message,
    })
}

impl Format for MysqlClientErrors {
    fn name(&self) -> &str {
        "mysql-client-errors"
    }

    fn description(&self) -> &str {
        "mysql client error lines (ERROR 1213 (40001) deadlock, ERROR 1205 (HY000) lock wait timeout)"
    }

    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let any = sample.lines.iter().any(|l| parse_client_error(l).is_some());
        if !any {
            return 0.0;
        }
        let f = sample.fraction(
            |l| l.trim().is_empty() || super::deadlock::is_rule(l),
            |l| parse_client_error(l).is_some(),
        );
        0.3 + 0.6 * f
    }

    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(ClientParser {
            resolver: ctx.resolver,
            snapshot: context_snapshot_time(ctx),
            echo: Echo::None,
        })
    }
}

#[derive(Debug)]
enum Echo {
    None,
    Open(Vec<String>),
    Closed(String),
}

struct ClientParser {
    resolver: Resolver,
    snapshot: Option<i64>,
    echo: Echo,
}

impl LineParser for ClientParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let t = line.text.trim_end();
        if t.len() >= 10 && t.bytes().all(|b| b == b'-') {
            self.echo = match std::mem::replace(&mut self.echo, Echo::None) {
                Echo::Open(lines) => Echo::Closed(lines.join("\n")),
                _ => Echo::Open(Vec::new()),
            };
            return Disposition::Continuation;
        }
        if let Echo::Open(lines) = &mut self.echo {
            if lines.len() < 500 {
                lines.push(t.to_string());
            }
            return Disposition::Continuation;
        }
        let Some(ce) = parse_client_error(t) else {
            if t.trim().is_empty() {
                return Disposition::Continuation;
            }
            self.echo = Echo::None;
            return Disposition::Skipped(REASON_NOT_ERROR);
        };
        let ts = match ce.stamp {
            Some(s) => self.resolver.resolve(s),
            None => self.snapshot,
        };
        let echo = std::mem::replace(&mut self.echo, Echo::None);
        let Some(ts) = ts else {
            return Disposition::Skipped(REASON_NO_TIME);
        };
        let kind = if ce.number == "1205" {
            Kind::LockTimeout
        } else {
            Kind::Error
        };
        let mut e = Event::new(kind, ts, line.number, line.offset);
        e.level = Some(Level::Error);
        e.code = Some(owned(format!("ERROR {}", ce.number)));
        e.message = Cow::Borrowed(ce.message);
        e.app = Some(Cow::Borrowed("mysql"));
        e.attrs
            .push((Cow::Borrowed("sqlstate"), Cow::Borrowed(ce.sqlstate)));
        if let Some(n) = ce.at_line {
            e.attrs.push((owned("at_line"), owned(n.to_string())));
        }
        if ce.number == "1213" {
            e.attrs.push((owned("deadlock"), owned("true")));
        }
        if ce.stamp.is_none() {
            e.attrs.push((owned("ts_source"), owned("snapshot_time")));
        }
        if let Echo::Closed(stmt) = echo {
            let s = stmt.trim();
            if !s.is_empty() {
                e.statement = Some(owned(s));
            }
        }
        out.push(e);
        Disposition::Parsed
    }

    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ParseTester;

    #[test]
    fn lines() {
        let e = parse_client_error(
            "ERROR 1213 (40001) at line 1: Deadlock found when trying to get lock; try restarting transaction",
        )
        .unwrap();
        assert_eq!(
            (e.number, e.sqlstate, e.at_line),
            ("1213", "40001", Some(1))
        );
        assert!(e.message.starts_with("Deadlock found"));
        let e = parse_client_error(
            "2023-06-01 12:00:00 ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction",
        )
        .unwrap();
        assert!(e.stamp.is_some());
        assert_eq!(e.number, "1205");
        assert!(parse_client_error("2023-06-01 12:00:00 job ERROR 1205 (HY000): x").is_none());
        assert!(parse_client_error("ERROR: relation does not exist").is_none());
    }

    const SAMPLE: &str = "\
2023-06-01 12:00:00 ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction
--------------
update items set v=20 where id=1
--------------

ERROR 1213 (40001) at line 1: Deadlock found when trying to get lock; try restarting transaction
sleep(1)
ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction
";

    #[test]
    fn timed_and_untimed() {
        let t = ParseTester::new(&MysqlClientErrors, "UTC");
        let (ev, acct) = t.check(SAMPLE.as_bytes()).unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].kind, Kind::LockTimeout);
        assert_eq!(ev[0].code.as_deref(), Some("ERROR 1205"));
        assert_eq!(acct.skip_reasons.get(REASON_NO_TIME), Some(&2));
        assert_eq!(acct.skip_reasons.get(REASON_NOT_ERROR), Some(&1));

        let mut t = ParseTester::new(&MysqlClientErrors, "UTC");
        t.ctx.snapshot_time = Some(1_685_620_800_000_000);
        let (ev, acct) = t.check(SAMPLE.as_bytes()).unwrap();
        assert_eq!(ev.len(), 3);
        assert_eq!(acct.parsed, 3);
        assert_eq!(ev[1].kind, Kind::Error);
        assert_eq!(ev[1].code.as_deref(), Some("ERROR 1213"));
        assert_eq!(
            ev[1].statement.as_deref(),
            Some("update items set v=20 where id=1")
        );
        assert_eq!(ev[1].attr("sqlstate"), Some("40001"));
        assert_eq!(ev[2].kind, Kind::LockTimeout);
        assert_eq!(ev[2].statement, None);
    }
}

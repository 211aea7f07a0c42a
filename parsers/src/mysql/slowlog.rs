//! The MySQL / MariaDB slow query log.
//!
//! An entry is the `# Time:` line (optional: MySQL and MariaDB print it only
//! when the second changes; old `100320  9:37:16` and ISO forms),
//! `# User@Host: user[user] @ host [ip]  Id: 12`, MariaDB's
//! `# Thread_id: 8  Schema: shop  QC_hit: No`,
//! `# Query_time: 13.002  Lock_time: 12.9 Rows_sent: 1  Rows_examined: 1`,
//! more `# key: value` lines, `use db;`, `SET timestamp=…;` and the
//! statement (possibly spanning lines). Each entry is one `query` event at
//! the statement's start (`SET timestamp`, else `# Time` minus
//! `Query_time`), with `duration_ms`, user, host, pid (`Id`/`Thread_id`),
//! db, the statement, and `lock_time_ms`, `rows_sent`, `rows_examined`
//! (and any other counters) in attrs.

use super::owned;
use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, MICROS, Resolver};

/// The `mysql-slow` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlSlow;

/// Reason for lines before the first entry that are not the log's banner.
pub const REASON_BEFORE_ENTRY: &str = "slow log line before the first entry";

fn is_banner(t: &str) -> bool {
    t.contains(", Version: ") && t.contains("started with:")
        || t.starts_with("Tcp port: ")
        || t.starts_with("Time")
            && t.contains(" Id ")
            && t.contains("Command")
            && t.contains("Argument")
}

impl Format for MysqlSlow {
    fn name(&self) -> &str {
        "mysql-slow"
    }

    fn description(&self) -> &str {
        "MySQL / MariaDB slow query log (# Time, # User@Host, # Query_time ... Lock_time ... Rows_examined)"
    }

    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let has = sample.any_contains("# Query_time:") || sample.any_contains("# User@Host:");
        if !has {
            return 0.0;
        }
        let f = sample.fraction(
            |l| l.trim().is_empty(),
            |l| {
                let t = l.trim();
                t.starts_with("# ")
                    || t.starts_with("SET timestamp=")
                    || t.starts_with("use ")
                    || t.ends_with(';')
                    || is_banner(t)
            },
        );
        0.5 + 0.45 * f
    }

    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(SlowParser {
            resolver: ctx.resolver,
            cur: None,
            last_time: None,
            db: None,
        })
    }
}

#[derive(Debug, Default)]
struct Entry {
    line: u32,
    offset: u64,
    last_line: u32,
    time: Option<i64>,
    set_ts: Option<i64>,
    user: Option<String>,
    host: Option<String>,
    pid: Option<i64>,
    db: Option<String>,
    query_time: Option<f64>,
    attrs: Vec<(String, String)>,
    statement: Vec<String>,
    has_header: bool,
}

struct SlowParser {
    resolver: Resolver,
    cur: Option<Entry>,
    last_time: Option<i64>,
    db: Option<String>,
}

/// `key: value  key2: value2` pairs of a `# …` line.
fn pairs(s: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        if let Some(k) = words[i].strip_suffix(':') {
            let v = words.get(i + 1).copied().unwrap_or("");
            if v.ends_with(':') {
                out.push((k, ""));
                i += 1;
            } else {
                out.push((k, v));
                i += 2;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// `root[root] @ localhost [127.0.0.1]  Id:    12` → (user, host, id).
fn user_host(s: &str) -> (Option<String>, Option<String>, Option<i64>) {
    let (uh, id) = match s.find("Id:") {
        Some(p) => (&s[..p], s[p + 3..].trim().parse().ok()),
        None => (s, None),
    };
    let (u, h) = uh.split_once('@').unwrap_or((uh, ""));
    let user = u.split('[').next().unwrap_or("").trim();
    let user = if user.is_empty() {
        u.split('[')
            .nth(1)
            .and_then(|x| x.split(']').next())
            .unwrap_or("")
            .trim()
    } else {
        user
    };
    let h = h.trim();
    let (name, ip) = match h.find('[') {
        Some(p) => (
            h[..p].trim(),
            h[p + 1..].trim_end().trim_end_matches(']').trim(),
        ),
        None => (h, ""),
    };
    let host = if !name.is_empty() { name } else { ip };
    (
        (!user.is_empty()).then(|| user.to_string()),
        (!host.is_empty()).then(|| host.to_string()),
        id,
    )
}

impl SlowParser {
    fn flush(&mut self, out: &mut dyn EventSink) {
        let Some(en) = self.cur.take() else { return };
        let qt_us = en
            .query_time
            .map(|q| (q * MICROS as f64) as i64)
            .unwrap_or(0);
        let Some(ts) = en
            .set_ts
            .or_else(|| en.time.map(|t| t - qt_us))
            .or_else(|| self.last_time.map(|t| t - qt_us))
        else {
            return;
        };
        let mut e = Event::new(Kind::Query, ts, en.line, en.offset);
        e.line_count = en.last_line.saturating_sub(en.line) + 1;
        e.level = Some(Level::Info);
        e.duration_ms = en.query_time.map(|q| (q * 1e6).round() / 1e3);
        e.user = en.user.map(owned);
        // `User@Host` names the client; `host` is the server's own.
        e.client = en.host.map(owned);
        e.pid = en.pid;
        e.db = en.db.or_else(|| self.db.clone()).map(owned);
        let statement = en.statement.join("\n");
        let statement = statement.trim();
        if !statement.is_empty() {
            e.statement = Some(owned(statement));
        }
        e.message = owned(format!(
            "slow query {:.3} s: {}",
            en.query_time.unwrap_or(0.0),
            statement.chars().take(200).collect::<String>()
        ));
        e.attrs.push((owned("ts_is"), owned("start")));
        for (k, v) in en.attrs {
            e.attrs.push((owned(k), owned(v)));
        }
        out.push(e);
    }

    fn entry(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> &mut Entry {
        let open_new = match &self.cur {
            None => true,
            Some(c) => !c.statement.is_empty(),
        };
        if open_new {
            self.flush(out);
            self.cur = Some(Entry {
                line: line.number,
                offset: line.offset,
                last_line: line.number,
                ..Entry::default()
            });
        }
        let c = self.cur.get_or_insert_with(Entry::default);
        c.last_line = line.number;
        c
    }
}

impl LineParser for SlowParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let t = line.text.trim_end();
        let tt = t.trim_start();
        if let Some(h) = tt.strip_prefix("# ") {
            let resolver = self.resolver;
            let starts = match &self.cur {
                None => true,
                Some(c) => !c.statement.is_empty(),
            };
            if let Some(ts) = h.strip_prefix("Time:") {
                let ts = ts.trim();
                let stamp = time::parse_iso(ts).or_else(|| time::parse_mysql_short(ts));
                let at = stamp.and_then(|(s, _)| resolver.resolve(s));
                let e = self.entry(line, out);
                e.time = at;
                e.has_header = true;
                if at.is_some() {
                    self.last_time = at;
                }
                return if starts {
                    Disposition::Parsed
                } else {
                    Disposition::Continuation
                };
            }
            if self.cur.is_none() && !h.starts_with("User@Host:") && !h.contains("Query_time:") {
                return Disposition::Skipped(REASON_BEFORE_ENTRY);
            }
            let e = self.entry(line, out);
            e.has_header = true;
            if let Some(uh) = h.strip_prefix("User@Host:") {
                let (u, host, id) = user_host(uh);
                e.user = u;
                e.host = host;
                e.pid = id.or(e.pid);
            } else {
                for (k, v) in pairs(h) {
                    match k {
                        "Query_time" => e.query_time = v.parse().ok(),
                        "Lock_time" => {
                            if let Ok(x) = v.parse::<f64>() {
                                e.attrs
                                    .push(("lock_time_ms".into(), format!("{}", x * 1000.0)));
                            }
                        }
                        "Rows_sent" => e.attrs.push(("rows_sent".into(), v.into())),
                        "Rows_examined" => e.attrs.push(("rows_examined".into(), v.into())),
                        "Rows_affected" => e.attrs.push(("rows_affected".into(), v.into())),
                        "Thread_id" => e.pid = e.pid.or(v.parse().ok()),
                        "Schema" if !v.is_empty() => e.db = Some(v.to_string()),
                        "" => {}
                        other if !v.is_empty() && e.attrs.len() < 40 => {
                            e.attrs.push((other.to_ascii_lowercase(), v.to_string()));
                        }
                        _ => {}
                    }
                }
            }
            return if starts {
                Disposition::Parsed
            } else {
                Disposition::Continuation
            };
        }
        if is_banner(tt) {
            self.flush(out);
            return Disposition::Continuation;
        }
        let Some(cur) = self.cur.as_mut() else {
            return if tt.is_empty() {
                Disposition::Continuation
            } else {
                Disposition::Skipped(REASON_BEFORE_ENTRY)
            };
        };
        cur.last_line = line.number;
        if let Some(v) = tt.strip_prefix("SET timestamp=") {
            let v = v.trim_end_matches(';');
            if let Some((s, _)) = time::parse_epoch(v) {
                cur.set_ts = self.resolver.resolve(s);
            }
            return Disposition::Continuation;
        }
        if cur.statement.is_empty() {
            if let Some(db) = tt.strip_prefix("use ").and_then(|d| d.strip_suffix(';')) {
                let db = db.trim().trim_matches('`').to_string();
                cur.db = Some(db.clone());
                self.db = Some(db);
                return Disposition::Continuation;
            }
        }
        if (!tt.is_empty() || !cur.statement.is_empty()) && cur.statement.len() < 2000 {
            cur.statement.push(t.to_string());
        }
        Disposition::Continuation
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.flush(out);
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ParseTester;

    const MARIADB: &str = "\
mariadbd, Version: 10.11.19-MariaDB-0+deb12u1-log (Debian 12). started with:
Tcp port: 0  Unix socket: /tmp/mdb/sock
Time\t\t    Id Command\tArgument
# Time: 261122 21:20:03
# User@Host: root[root] @ localhost []
# Thread_id: 8  Schema: shop  QC_hit: No
# Query_time: 3.000420  Lock_time: 0.003088  Rows_sent: 0  Rows_examined: 0
# Rows_affected: 0  Bytes_sent: 67
SET timestamp=1795382403;
update items set v=5 where id=1;
# User@Host: root[root] @ localhost []
# Thread_id: 11  Schema: shop  QC_hit: No
# Query_time: 11.401595  Lock_time: 0.011533  Rows_sent: 0  Rows_examined: 1
# Rows_affected: 1  Bytes_sent: 11
SET timestamp=1795382403;
delete from items
  where id=1;
";

    const MYSQL57: &str = "\
# Time: 2023-06-01T05:50:13.002000Z
# User@Host: app[app] @ web1 [10.0.0.5]  Id:    12
# Query_time: 13.002000  Lock_time: 12.900000 Rows_sent: 1  Rows_examined: 1
use shop;
SELECT * FROM items WHERE id = 7 FOR UPDATE;
# Time: 100320  9:37:16
# User@Host: old[old] @ localhost []
# Query_time: 2  Lock_time: 0  Rows_sent: 0  Rows_examined: 10
update t set a=1;
";

    #[test]
    fn mariadb_entries() {
        let t = ParseTester::new(&MysqlSlow, "UTC");
        let (ev, acct) = t.check(MARIADB.as_bytes()).unwrap();
        assert_eq!((acct.parsed, acct.skipped), (2, 0));
        assert_eq!(ev.len(), 2);
        assert_eq!(time::format_utc(ev[0].ts), "2026-11-22T21:20:03.000Z");
        assert_eq!(ev[0].pid, Some(8));
        assert_eq!(ev[0].db.as_deref(), Some("shop"));
        assert_eq!(ev[0].duration_ms, Some(3000.42));
        assert_eq!(ev[0].attr("lock_time_ms"), Some("3.088"));
        assert_eq!(ev[0].line, 4);
        assert_eq!(ev[0].line_count, 7);
        assert_eq!(
            ev[1].statement.as_deref(),
            Some("delete from items\n  where id=1;")
        );
        assert_eq!(ev[1].attr("rows_examined"), Some("1"));
        assert_eq!(ev[1].user.as_deref(), Some("root"));
        assert_eq!(ev[1].client.as_deref(), Some("localhost"));
        assert_eq!(ev[1].host, None);
    }

    #[test]
    fn mysql_entries_without_set_timestamp() {
        let t = ParseTester::new(&MysqlSlow, "UTC");
        let (ev, acct) = t.check(MYSQL57.as_bytes()).unwrap();
        assert_eq!((acct.parsed, acct.skipped, ev.len()), (2, 0, 2));
        // Start = # Time minus Query_time.
        assert_eq!(time::format_utc(ev[0].ts), "2023-06-01T05:50:00.000Z");
        assert_eq!(ev[0].pid, Some(12));
        assert_eq!(ev[0].client.as_deref(), Some("web1"));
        assert_eq!(ev[0].db.as_deref(), Some("shop"));
        assert_eq!(ev[0].attr("lock_time_ms"), Some("12900"));
        assert_eq!(time::format_utc(ev[1].ts), "2010-03-20T09:37:14.000Z");
        assert_eq!(ev[1].db.as_deref(), Some("shop"));
    }

    #[test]
    fn user_host_forms() {
        assert_eq!(
            user_host(" app[app] @ web1 [10.0.0.5]  Id:    12"),
            (Some("app".into()), Some("web1".into()), Some(12))
        );
        assert_eq!(
            user_host(" [app] @  [10.0.0.5]"),
            (Some("app".into()), Some("10.0.0.5".into()), None)
        );
    }
}

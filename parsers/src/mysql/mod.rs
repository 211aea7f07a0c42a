//! MySQL and MariaDB: what the server and its tools write about locks.
//!
//! - [`innodb_status`]: `SHOW ENGINE INNODB STATUS` in every wrapping people
//!   save it in (plain, `\G`, `mysql -e` with `\n` escapes, boxed), repeated
//!   snapshots (pt-stalk's `TS` lines): the latest deadlock, the lock waits
//!   and long transactions of the `TRANSACTIONS` section.
//! - [`error_log`]: the server error log (MySQL 5.0 to 8.4, MariaDB), with
//!   every deadlock `innodb_print_all_deadlocks` dumps.
//! - [`lock_tables`]: `INNODB_TRX` / `INNODB_LOCKS` / `INNODB_LOCK_WAITS`,
//!   `performance_schema.data_locks` / `data_lock_waits`,
//!   `sys.innodb_lock_waits` and `SHOW FULL PROCESSLIST`, as TSV, boxed or
//!   vertical (`\G`) client output.
//! - [`slowlog`]: the slow query log.
//! - [`client_errors`]: `ERROR 1213 (40001)` / `ERROR 1205 (HY000)` lines the
//!   `mysql` client prints.
//! - [`deadlock`]: the deadlock report body shared by the status output and
//!   the error log, and the transaction / lock lines InnoDB prints.

pub mod client_errors;
pub mod deadlock;
pub mod error_log;
pub mod innodb_status;
pub mod lock_tables;
pub mod slowlog;

use crate::time::{self, MICROS, Resolver};
use std::borrow::Cow;

/// Reason for snapshot lines that cannot be placed in time.
pub const REASON_NO_SNAPSHOT_TIME: &str = "no timestamp for snapshot (use --snapshot-time)";

/// A pt-stalk timestamp line, `TS 1520256295.007092718 2018-03-05 13:24:55`:
/// the epoch (UTC) is authoritative; the local date-time is used when the
/// epoch is missing or unreadable.
pub fn parse_ts_line(text: &str, resolver: &Resolver) -> Option<i64> {
    let rest = text.strip_prefix("TS ")?.trim();
    let (first, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    let epoch = first.split('.').next().unwrap_or("");
    if epoch.len() >= 9 && epoch.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(secs) = epoch.parse::<i64>() {
            let frac = first.split_once('.').map(|(_, f)| f).unwrap_or("");
            let mut us = 0i64;
            let mut n = 0;
            for b in frac.bytes().take(6) {
                if !b.is_ascii_digit() {
                    break;
                }
                us = us * 10 + (b - b'0') as i64;
                n += 1;
            }
            for _ in n..6 {
                us *= 10;
            }
            return Some(secs * MICROS + us);
        }
    }
    let (stamp, _) = time::parse_iso(tail.trim()).or_else(|| time::parse_iso(rest))?;
    resolver.resolve(stamp)
}

/// A snapshot time named by a file: pt-stalk's `2018_03_05_13_24_55-innodbstatus1`,
/// or `2018-03-05_13-24-55`, `20180305-132455`, anywhere in the file name.
pub fn snapshot_time_from_name(path: &str, resolver: &Resolver) -> Option<i64> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let b = name.as_bytes();
    for start in 0..b.len() {
        if !b[start].is_ascii_digit() || (start > 0 && b[start - 1].is_ascii_digit()) {
            continue;
        }
        // Collect up to six digit groups separated by one of `_-T.:` or none.
        let mut groups: Vec<&str> = Vec::with_capacity(6);
        let mut i = start;
        let mut digits = String::new();
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_digit() {
                digits.push(c as char);
            } else if matches!(c, b'_' | b'-' | b'T' | b'.' | b':') && !digits.is_empty() {
                groups.push(&name[i - digits.len()..i]);
                digits.clear();
                if groups.len() == 6 {
                    break;
                }
            } else {
                break;
            }
            i += 1;
        }
        if !digits.is_empty() && groups.len() < 6 {
            groups.push(&name[i - digits.len()..i]);
        }
        let compact: String;
        let parts: Vec<&str> = if groups.len() >= 6 {
            groups[..6].to_vec()
        } else if groups.len() == 2 && groups[0].len() == 8 && groups[1].len() == 6 {
            compact = format!("{}{}", groups[0], groups[1]);
            vec![
                &compact[0..4],
                &compact[4..6],
                &compact[6..8],
                &compact[8..10],
                &compact[10..12],
                &compact[12..14],
            ]
        } else {
            continue;
        };
        let lens = [4usize, 2, 2, 2, 2, 2];
        if parts.iter().zip(lens).any(|(p, l)| p.len() != l) {
            continue;
        }
        let text = format!(
            "{}-{}-{} {}:{}:{}",
            parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]
        );
        if let Some((stamp, _)) = time::parse_iso(&text) {
            return resolver.resolve(stamp);
        }
    }
    None
}

/// The time a source's snapshots take when they carry none: `--snapshot-time`
/// (or whatever the caller put in the context), else a time in the file name.
pub fn context_snapshot_time(ctx: &crate::SourceCtx) -> Option<i64> {
    ctx.snapshot_time
        .or_else(|| snapshot_time_from_name(&ctx.path, &ctx.resolver))
}

/// A MySQL date-time cell (`2023-06-01 12:00:00`, `2023-06-01 12:00:00.123456`)
/// in the source's zone, µs UTC.
pub fn parse_datetime_cell(v: &str, resolver: &Resolver) -> Option<i64> {
    let v = v.trim();
    let (stamp, used) = time::parse_iso(v).or_else(|| time::parse_mysql_short(v))?;
    if used < v.len() && !v[used..].trim().is_empty() {
        return None;
    }
    resolver.resolve(stamp)
}

/// Normalise a table name as InnoDB and the lock tables print it to
/// `` `db`.`table` ``: `` `test`.`a` ``, `"db"."t"`, `` `test/innotop_dl` ``,
/// `test/t`, `db.t`, `` `db`.`t` /* Partition `p1` */ ``.
pub fn normalize_table(raw: &str) -> String {
    let t = raw.trim();
    let t = t.split(" /*").next().unwrap_or(t).trim();
    let mut parts: Vec<String> = Vec::with_capacity(2);
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in t.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '`' || c == '"' => quote = Some(c),
            None if c == '.' || c == '/' => parts.push(std::mem::take(&mut cur)),
            None => cur.push(c),
        }
    }
    // `test/innotop_dl` (one quoted name holding a slash).
    if parts.is_empty() {
        if let Some((db, tb)) = cur.split_once('/') {
            return format!("`{db}`.`{tb}`");
        }
    }
    parts.push(cur);
    parts.retain(|p| !p.is_empty());
    parts
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(".")
}

/// The database part of a normalised `` `db`.`table` `` name.
pub fn table_db(table: &str) -> Option<String> {
    let (db, _) = table.split_once("`.`")?;
    Some(db.trim_start_matches('`').to_string())
}

/// The resource text of a lock on `table` (normalised) and `index`.
pub fn lock_resource(table: &str, index: Option<&str>) -> String {
    match index {
        Some(ix) if !ix.is_empty() && !ix.eq_ignore_ascii_case("NULL") => {
            format!("{table} index {ix}")
        }
        _ => table.to_string(),
    }
}

/// Normalise a lock mode from the lock tables (`X,REC_NOT_GAP`, `S,GAP`,
/// `X,GAP,INSERT_INTENTION`, `AUTO_INC`) to the words InnoDB's status output
/// uses (`X locks rec but not gap`, `S locks gap before rec`,
/// `X locks gap before rec insert intention`, `AUTO-INC`).
pub fn normalize_mode(raw: &str) -> String {
    let raw = raw.trim();
    if !raw.contains(',') && !raw.contains('_') {
        return raw.to_string();
    }
    let mut base = String::new();
    let mut rest: Vec<&str> = Vec::new();
    for (i, part) in raw.split(',').map(str::trim).enumerate() {
        if i == 0 {
            base = if part.eq_ignore_ascii_case("AUTO_INC") {
                "AUTO-INC".to_string()
            } else {
                part.to_string()
            };
            continue;
        }
        match part {
            "REC_NOT_GAP" => rest.push("locks rec but not gap"),
            "GAP" => rest.push("locks gap before rec"),
            "INSERT_INTENTION" => rest.push("insert intention"),
            other => rest.push(other),
        }
    }
    if rest.is_empty() {
        base
    } else {
        format!("{base} {}", rest.join(" "))
    }
}

/// Normalise an InnoDB transaction id: the old two-part form `0 3793488`
/// (high and low 32-bit words) becomes one decimal number; others are kept.
pub fn normalize_trx_id(raw: &str) -> String {
    let t = raw.trim();
    if let Some((hi, lo)) = t.split_once(' ') {
        if let (Ok(h), Ok(l)) = (hi.trim().parse::<u64>(), lo.trim().parse::<u64>()) {
            return h
                .checked_shl(32)
                .and_then(|x| x.checked_add(l))
                .map(|v| v.to_string())
                .unwrap_or_else(|| t.to_string());
        }
    }
    t.to_string()
}

/// Owned string helper for events built across lines.
pub(crate) fn owned(s: impl Into<String>) -> Cow<'static, str> {
    Cow::Owned(s.into())
}

/// Leading unsigned integer of `s` and the rest.
pub(crate) fn leading_int(s: &str) -> Option<(i64, &str)> {
    let end = s.bytes().take_while(|b| b.is_ascii_digit()).count();
    if end == 0 || end > 18 {
        return None;
    }
    Some((s[..end].parse().ok()?, &s[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Zone;

    fn utc() -> Resolver {
        Resolver::new(Zone::utc())
    }

    #[test]
    fn ts_lines() {
        let r = utc();
        assert_eq!(
            parse_ts_line("TS 1520256295.007092718 2018-03-05 13:24:55", &r),
            Some(1_520_256_295_007_092)
        );
        let tokyo = Resolver::new("Asia/Tokyo".parse().unwrap());
        assert_eq!(
            parse_ts_line("TS 2018-03-05 13:24:55", &tokyo).map(time::format_utc),
            Some("2018-03-05T04:24:55.000Z".to_string())
        );
        assert_eq!(parse_ts_line("TSX 1", &r), None);
        assert_eq!(parse_ts_line("TS garbage", &r), None);
    }

    #[test]
    fn names_with_times() {
        let r = utc();
        let cases = [
            (
                "/x/2018_03_05_13_24_55-innodbstatus1",
                Some("2018-03-05T13:24:55.000Z"),
            ),
            (
                "lockwaits-2023-06-01_12-00-05.txt",
                Some("2023-06-01T12:00:05.000Z"),
            ),
            (
                "status-20230601-120005.log",
                Some("2023-06-01T12:00:05.000Z"),
            ),
            ("innodb-status.txt", None),
            ("v1_2_3.txt", None),
        ];
        for (name, want) in cases {
            assert_eq!(
                snapshot_time_from_name(name, &r)
                    .map(time::format_utc)
                    .as_deref(),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn tables_modes_ids() {
        assert_eq!(normalize_table("`test`.`a`"), "`test`.`a`");
        assert_eq!(
            normalize_table("\"<anon>\".\"cache_menu\""),
            "`<anon>`.`cache_menu`"
        );
        assert_eq!(normalize_table("`test/innotop_dl`"), "`test`.`innotop_dl`");
        assert_eq!(normalize_table("test/t"), "`test`.`t`");
        assert_eq!(normalize_table("`db`.`t` /* Partition `p1` */"), "`db`.`t`");
        assert_eq!(table_db("`shop`.`items`").as_deref(), Some("shop"));
        assert_eq!(normalize_mode("X,REC_NOT_GAP"), "X locks rec but not gap");
        assert_eq!(
            normalize_mode("X,GAP,INSERT_INTENTION"),
            "X locks gap before rec insert intention"
        );
        assert_eq!(normalize_mode("AUTO_INC"), "AUTO-INC");
        assert_eq!(normalize_mode("IX"), "IX");
        assert_eq!(normalize_trx_id("0 3793488"), "3793488");
        assert_eq!(normalize_trx_id("1 5"), "4294967301");
        assert_eq!(normalize_trx_id("6FE138"), "6FE138");
        assert_eq!(
            lock_resource("`test`.`a`", Some("PRIMARY")),
            "`test`.`a` index PRIMARY"
        );
        assert_eq!(lock_resource("`test`.`a`", Some("NULL")), "`test`.`a`");
    }
}

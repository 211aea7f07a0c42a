//! Python `logging` output in its common layouts, with tracebacks attached:
//!
//! - `2023-06-01 14:50:00,123 - app.db - ERROR - message` (the cookbook's
//!   `%(asctime)s - %(name)s - %(levelname)s - %(message)s`);
//! - `2023-06-01 14:50:00,123 ERROR app.db: message` and
//!   `2023-06-01 14:50:00,123 [ERROR] app.db: message`;
//! - `2023-06-01 14:50:00,123:ERROR:app.db:message`;
//! - Flask's `[2023-06-01 14:50:00,123] ERROR in views: message`;
//! - gunicorn's `[2023-06-01 14:50:00 +0900] [12345] [INFO] Booting worker with pid: 12346`.
//!
//! `Traceback (most recent call last):`, its `File "..."` frames and the final
//! `psycopg2.errors.LockNotAvailable: ...` line belong to the record; that
//! last line names the exception (attrs `exception`).

use crate::apps::{Head, HeadFormat, bracketed, token};
use crate::event::Level;
use crate::time;

/// The Python logging format.
pub fn format() -> HeadFormat {
    HeadFormat {
        name: "python-logging",
        description: "Python logging layouts (asctime - name - LEVEL - msg, asctime:LEVEL:name:msg, Flask, gunicorn) with tracebacks",
        head: python_head,
        weight: 0.86,
        marker: Some(python_marker),
        refine: None,
        cont: None,
    }
}

fn py_level(w: &str) -> Option<Level> {
    Some(match w {
        "DEBUG" => Level::Debug,
        "INFO" => Level::Info,
        "WARNING" | "WARN" => Level::Warn,
        "ERROR" | "EXCEPTION" => Level::Error,
        "CRITICAL" | "FATAL" => Level::Fatal,
        _ => return None,
    })
}

/// Python's asctime (`2023-06-01 14:50:00,123`, comma milliseconds), a
/// gunicorn line, or a traceback.
fn python_marker(l: &str) -> bool {
    let b = l.as_bytes();
    let at = usize::from(b.first() == Some(&b'['));
    if b.get(at + 19) == Some(&b',') && b.get(at + 10) == Some(&b' ') {
        return true;
    }
    if l.starts_with('[') && python_head(l).is_some_and(|h| h.pid.is_some()) {
        return true;
    }
    l.starts_with("Traceback (most recent call last):")
}

/// Any of the supported Python layouts.
pub fn python_head(text: &str) -> Option<Head<'_>> {
    let (stamp, used) = time::parse_prefix(text)?;
    let bracketed_ts = text.starts_with('[');
    let rest = &text[used..];
    let mut h = Head {
        stamp: Some(stamp),
        ..Head::default()
    };
    if bracketed_ts {
        let rest = rest.trim_start_matches(' ');
        // gunicorn: [ts] [pid] [LEVEL] msg
        if let Some((pid, r)) = bracketed(rest, '[', ']') {
            let pid: i64 = pid.parse().ok()?;
            let (lvl, msg) = bracketed(r, '[', ']')?;
            h.pid = Some(pid);
            h.level = Some(py_level(lvl)?);
            h.logger = Some("gunicorn");
            h.msg = msg;
            return Some(h);
        }
        // Flask: [ts] LEVEL in module: msg
        let (lvl, r) = token(rest);
        h.level = Some(py_level(lvl)?);
        let r = r.strip_prefix("in ")?;
        let (module, msg) = r.split_once(": ")?;
        h.logger = Some(module);
        h.msg = msg;
        return Some(h);
    }
    if let Some(r) = rest.strip_prefix(" - ") {
        // asctime - name - LEVEL - msg
        let (name, r) = r.split_once(" - ")?;
        let (lvl, msg) = match r.split_once(" - ") {
            Some((l, m)) => (l, m),
            None => (r.trim_end(), ""),
        };
        h.level = Some(py_level(lvl.trim())?);
        h.logger = Some(name);
        h.msg = msg;
        return Some(h);
    }
    if let Some(r) = rest.strip_prefix(':') {
        // asctime:LEVEL:name:msg
        let (lvl, r) = r.split_once(':')?;
        h.level = Some(py_level(lvl)?);
        let (name, msg) = r.split_once(':').unwrap_or((r, ""));
        h.logger = Some(name);
        h.msg = msg;
        return Some(h);
    }
    // asctime LEVEL name: msg / asctime [LEVEL] name: msg
    let r = rest.strip_prefix(' ')?;
    let (lvl, r) = token(r);
    let lvl = lvl.trim_matches(|c| c == '[' || c == ']');
    h.level = Some(py_level(lvl)?);
    // The logger must be one word followed by ": " (log4j's `logger - msg`
    // and `[thread] logger` layouts are not Python's).
    let (name, msg) = r.split_once(": ")?;
    if name.is_empty() || name.contains(' ') || name.starts_with('[') {
        return None;
    }
    h.logger = Some(name);
    h.msg = msg;
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;
    use crate::testutil::ParseTester;
    use crate::time::format_utc;

    #[test]
    fn layouts_and_traceback() {
        let text = "2023-06-01 14:50:00,123 - app.db - ERROR - could not lock row\n\
Traceback (most recent call last):\n  File \"/app/db.py\", line 10, in grant\n    cur.execute(sql)\n\
psycopg2.errors.LockNotAvailable: could not obtain lock on row in relation \"points\"\n\
2023-06-01 14:50:01,000:WARNING:app.jobs:retrying\n\
[2023-06-01 14:50:02,000] INFO in views: hello\n\
[2023-06-01 14:50:03 +0900] [12345] [INFO] Booting worker with pid: 12346\n\
2023-06-01 14:50:04,000 ERROR app.x: boom SQLSTATE 40001\n";
        let f = format();
        let (ev, acct) = ParseTester::new(&f, "UTC").check(text.as_bytes()).unwrap();
        assert_eq!((acct.lines, acct.parsed, acct.continuation), (9, 5, 4));
        assert_eq!(ev[0].kind, Kind::Error);
        assert_eq!(ev[0].app.as_deref(), Some("app.db"));
        assert_eq!(
            ev[0].attr("exception"),
            Some("psycopg2.errors.LockNotAvailable")
        );
        assert_eq!(ev[0].line_count, 5);
        assert_eq!(ev[1].level, Some(Level::Warn));
        assert_eq!(ev[1].message, "retrying");
        assert_eq!(ev[2].app.as_deref(), Some("views"));
        assert_eq!(ev[3].pid, Some(12345));
        assert_eq!(format_utc(ev[3].ts), "2023-06-01T05:50:03.000Z");
        assert_eq!(ev[4].code.as_deref(), Some("SQLSTATE 40001"));
    }
}

//! Go loggers' text outputs:
//!
//! - `go-zap`: zap's console encoder, TAB-separated
//!   `ts\tlevel\t[logger\t][caller\t]message\t{json fields}`, followed by a
//!   stack trace (`function` lines, TAB-indented `file:line` lines) on errors.
//! - `go-logrus`: logrus' TextFormatter on a terminal,
//!   `INFO[2023-06-01T14:50:00+09:00] message   key=value` (with
//!   `FullTimestamp`); the default `INFO[0042]` form counts seconds since the
//!   process started and has no clock time, so those lines are skipped with
//!   that reason. logrus' non-terminal output is logfmt (format `logfmt`).

use crate::apps::{Head, HeadFormat};
use crate::event::Level;
use crate::time;

/// The Go formats.
pub fn formats() -> Vec<HeadFormat> {
    vec![
        HeadFormat {
            name: "go-zap",
            description: "Go zap console encoder: ts<TAB>level<TAB>[logger<TAB>][caller<TAB>]message<TAB>{json fields}",
            head: zap_head,
            weight: 0.9,
            marker: None,
            refine: None,
            cont: None,
        },
        HeadFormat {
            name: "go-logrus",
            description: "Go logrus TextFormatter (terminal): INFO[2023-06-01T14:50:00+09:00] message key=value",
            head: logrus_head,
            weight: 0.9,
            marker: None,
            refine: None,
            cont: None,
        },
    ]
}

fn zap_level(w: &str) -> Option<Level> {
    Some(match w {
        "debug" | "DEBUG" => Level::Debug,
        "info" | "INFO" => Level::Info,
        "warn" | "WARN" => Level::Warn,
        "error" | "ERROR" => Level::Error,
        "dpanic" | "DPANIC" | "panic" | "PANIC" | "fatal" | "FATAL" => Level::Fatal,
        _ => return None,
    })
}

fn is_caller(s: &str) -> bool {
    match s.rsplit_once(':') {
        Some((file, line)) => {
            file.ends_with(".go") && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// `2025-04-24T22:09:20.856Z\terror\tinternal/queue_sender.go:128\tExporting failed.\t{"k": 1}`.
pub fn zap_head(text: &str) -> Option<Head<'_>> {
    let mut parts = text.split('\t');
    let ts = parts.next()?;
    let (stamp, used) = time::parse_prefix(ts)?;
    if used != ts.len() {
        return None;
    }
    let level = zap_level(parts.next()?)?;
    let mut rest: Vec<&str> = parts.collect();
    let mut h = Head {
        stamp: Some(stamp),
        level: Some(level),
        ..Head::default()
    };
    if rest
        .last()
        .is_some_and(|l| l.starts_with('{') && l.ends_with('}'))
    {
        h.json = rest.pop();
    }
    if let Some(i) = rest.iter().position(|p| is_caller(p)) {
        h.attrs
            .push(("caller", std::borrow::Cow::Borrowed(rest.remove(i))));
        if i == 1 {
            h.logger = Some(rest.remove(0));
        }
    } else if rest.len() >= 2 {
        h.logger = Some(rest.remove(0));
    }
    if rest.len() > 1 {
        // A message holding TABs: take the rest of the line from the message on.
        let start = rest
            .first()
            .map(|m| m.as_ptr() as usize - text.as_ptr() as usize)?;
        let end = h
            .json
            .map(|j| j.as_ptr() as usize - text.as_ptr() as usize - 1)
            .unwrap_or(text.len());
        h.msg = text.get(start..end)?;
    } else {
        h.msg = rest.first().copied().unwrap_or("");
    }
    Some(h)
}

fn logrus_level(w: &str) -> Option<Level> {
    Some(match w {
        "TRAC" => Level::Trace,
        "DEBU" => Level::Debug,
        "INFO" => Level::Info,
        "WARN" => Level::Warn,
        "ERRO" => Level::Error,
        "FATA" | "PANI" => Level::Fatal,
        _ => return None,
    })
}

/// Reason for logrus lines that count seconds since start instead of a time.
pub const REASON_RELATIVE: &str =
    "relative time (logrus INFO[0042] counts seconds since start; enable FullTimestamp)";

/// `INFO[2023-06-01T14:50:00+09:00] message   key=value other="x y"`.
pub fn logrus_head(text: &str) -> Option<Head<'_>> {
    let lvl = text.get(..4)?;
    let level = logrus_level(lvl)?;
    let rest = text[4..].strip_prefix('[')?;
    let end = rest.find(']')?;
    let inner = &rest[..end];
    let after = rest[end + 1..].trim_start_matches(' ');
    let mut h = Head {
        level: Some(level),
        ..Head::default()
    };
    if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
        h.no_time = Some(REASON_RELATIVE);
    } else {
        let (stamp, used) = time::parse_prefix(inner)?;
        if used != inner.len() {
            return None;
        }
        h.stamp = Some(stamp);
    }
    // The message is padded; fields follow as key=value.
    let split = after.match_indices(' ').map(|(i, _)| i).find(|&i| {
        let t = after[i + 1..].trim_start_matches(' ');
        let key_end = t.find('=').unwrap_or(0);
        key_end > 0
            && t[..key_end]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
    });
    match split {
        Some(i) => {
            h.msg = after[..i].trim_end();
            h.logfmt = Some(after[i + 1..].trim_start_matches(' '));
        }
        None => h.msg = after.trim_end(),
    }
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;
    use crate::testutil::ParseTester;

    #[test]
    fn zap_console_with_stack() {
        let text = "2025-04-24T22:09:20.854Z\tinfo\tMetrics\t{\"otelcol.component.id\": \"debug\", \"metrics\": 27}\n\
2025-04-24T22:09:20.856Z\terror\tinternal/queue_sender.go:128\tExporting failed. Dropping data.\t{\"error\": \"not retryable\", \"dropped_items\": 60, \"user_id\": 42}\n\
go.opentelemetry.io/collector/exporter/exporterhelper/internal.NewQueueSender.func3\n\
     go.opentelemetry.io/collector/exporter@v0.120.0/exporterhelper/internal/queue_sender.go:128\n\
2023-06-01T14:50:00.123+0900\tINFO\tpoints\tgrant/job.go:42\tgranted\t{\"order_id\": \"88213\"}\n";
        let fs = formats();
        let (ev, acct) = ParseTester::new(&fs[0], "UTC")
            .check(text.as_bytes())
            .unwrap();
        assert_eq!((acct.parsed, acct.continuation), (3, 2));
        assert_eq!(ev[0].message, "Metrics");
        assert_eq!(ev[0].kind, Kind::Log);
        assert_eq!(ev[1].kind, Kind::Error);
        assert_eq!(
            ev[1].message.lines().next(),
            Some("Exporting failed. Dropping data.")
        );
        assert_eq!(ev[1].attr("caller"), Some("internal/queue_sender.go:128"));
        assert_eq!(ev[1].line_count, 3);
        assert!(ev[1].ids.iter().any(|(k, v)| k == "user_id" && v == "42"));
        assert_eq!(ev[2].app.as_deref(), Some("points"));
        assert_eq!(ev[2].message, "granted");
    }

    #[test]
    fn logrus_text() {
        let text = "INFO[2023-06-01T14:50:00+09:00] lock acquired                                 key=points ttl=30s\n\
ERRO[2023-06-01T14:50:01+09:00] grant failed                                  error=\"deadlock\" user_id=7\n\
INFO[0042] relative\n";
        let fs = formats();
        let (ev, acct) = ParseTester::new(&fs[1], "UTC")
            .check(text.as_bytes())
            .unwrap();
        assert_eq!((acct.parsed, acct.skipped), (2, 1));
        assert_eq!(acct.skip_reasons.get(REASON_RELATIVE), Some(&1));
        assert_eq!(ev[0].message, "lock acquired");
        assert_eq!(ev[0].resource.as_deref(), Some("points"));
        assert_eq!(ev[0].kind, Kind::LeaseAcquire);
        assert_eq!(ev[1].kind, Kind::Error);
        assert!(ev[1].ids.iter().any(|(k, v)| k == "user_id" && v == "7"));
    }
}

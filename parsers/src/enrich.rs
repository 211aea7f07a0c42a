//! Format-independent enrichment, applied once to every parsed event:
//! what application text says in words that no format field carries.
//!
//! - Job lifecycle in free text: `[TrashPurgeJob] start run_id=...`,
//!   `PointsGrantBatch finished in 12.3s` become `job_start`/`job_end`/
//!   `job_fail` with the job name (and every line naming `[SomeJob]` gets
//!   the job name, so its ids can be attributed to the run).
//! - Business ids named as `customer_id=7692` or `order_id: 88213`.
//! - The exception class of a stack trace (`java.sql.SQLTransientConnectionException`),
//!   as the `exception` attribute errors are grouped by.

use crate::event::{Event, Kind};
use crate::fields::job_kind;
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

static JOB_TAG: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:\[(?P<tag>[A-Za-z][\w:.-]*(?:Job|Worker|Task|Batch|Runner|Cron))\]|(?P<bare>[A-Z][\w:]*(?:Job|Worker|Task|Batch|Runner)))[:\s]+(?P<verb>[A-Za-z]+)",
    )
    .ok()
});

static RUN_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(?:run_id|runId|job_id|jid)[=:]\s?(?P<v>[\w.:-]+)").ok());

static IDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b(?P<k>[a-z][a-z0-9_]*_id)\s?[=:]\s?(?P<v>[A-Za-z0-9][\w-]*)").ok()
});

static EXCEPTION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:Caused by:\s*)?(?P<e>(?:[a-z_][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable|Fault))(?::|$|\s)",
    )
    .ok()
});

const NOT_BUSINESS: [&str; 8] = [
    "run_id",
    "request_id",
    "session_id",
    "trace_id",
    "span_id",
    "job_id",
    "thread_id",
    "process_id",
];

/// Enrich `e` in place (see the module docs). Cheap when there is nothing to do.
pub fn enrich(e: &mut Event<'_>) {
    if e.message.is_empty() || !matches!(e.kind, Kind::Log | Kind::Error) {
        return;
    }
    if e.job.is_none() {
        job_lifecycle(e);
    }
    if e.ids.is_empty() && e.message.contains("_id") {
        if let Some(re) = IDS.as_ref() {
            let first_line = e.message.lines().next().unwrap_or("");
            let mut found: Vec<(Cow<'static, str>, Cow<'static, str>)> = Vec::new();
            for c in re.captures_iter(first_line).take(8) {
                let (Some(k), Some(v)) = (c.name("k"), c.name("v")) else {
                    continue;
                };
                if NOT_BUSINESS.contains(&k.as_str()) {
                    continue;
                }
                found.push((
                    Cow::Owned(k.as_str().to_string()),
                    Cow::Owned(v.as_str().to_string()),
                ));
            }
            e.ids.extend(found);
        }
    }
    if e.kind == Kind::Error && e.line_count > 1 && e.attr("exception").is_none() {
        if let Some(re) = EXCEPTION.as_ref() {
            let found = e.message.lines().skip(1).take(6).find_map(|l| {
                re.captures(l)
                    .and_then(|c| c.name("e"))
                    .map(|m| m.as_str().to_string())
            });
            if let Some(x) = found {
                e.attrs.push((Cow::Borrowed("exception"), Cow::Owned(x)));
            }
        }
    }
}

fn job_lifecycle(e: &mut Event<'_>) {
    let Some(re) = JOB_TAG.as_ref() else { return };
    let Some(c) = re.captures(&e.message) else {
        return;
    };
    let Some(job) = c
        .name("tag")
        .or_else(|| c.name("bare"))
        .map(|m| m.as_str().to_string())
    else {
        return;
    };
    let verb = c
        .name("verb")
        .map(|m| m.as_str().to_ascii_lowercase())
        .unwrap_or_default();
    let run_id = RUN_ID
        .as_ref()
        .and_then(|r| r.captures(&e.message))
        .and_then(|c| c.name("v").map(|m| m.as_str().to_string()));
    if let Some(kind) = job_kind(&verb) {
        if e.kind == Kind::Log || kind == Kind::JobFail {
            e.kind = kind;
        }
    }
    e.job = Some(Cow::Owned(job));
    if e.run_id.is_none() {
        e.run_id = run_id.map(Cow::Owned);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: Kind, msg: &str) -> Event<'static> {
        let mut e = Event::new(kind, 0, 1, 0);
        e.message = Cow::Owned(msg.to_string());
        e
    }

    #[test]
    fn job_lines_in_app_logs() {
        let mut e = ev(
            Kind::Log,
            "[TrashPurgeJob] start run_id=202204080405 cutoff=2022-03-09 candidates=15",
        );
        enrich(&mut e);
        assert_eq!(e.kind, Kind::JobStart);
        assert_eq!(e.job.as_deref(), Some("TrashPurgeJob"));
        assert_eq!(e.run_id.as_deref(), Some("202204080405"));

        let mut e = ev(
            Kind::Log,
            "[TrashPurgeJob] chunk 1/3 customer_id=1518 images=15 begin",
        );
        enrich(&mut e);
        assert_eq!(e.kind, Kind::Log);
        assert_eq!(e.job.as_deref(), Some("TrashPurgeJob"));
        assert_eq!(e.ids, vec![(Cow::from("customer_id"), Cow::from("1518"))]);

        let mut e = ev(Kind::Log, "PointsGrantBatch finished in 12.3s");
        enrich(&mut e);
        assert_eq!(e.kind, Kind::JobEnd);

        let mut e = ev(Kind::Log, "Session restore waited 2034 ms");
        enrich(&mut e);
        assert_eq!((e.kind, e.job.is_none()), (Kind::Log, true));
    }

    #[test]
    fn exception_classes_from_stack_traces() {
        let mut e = ev(
            Kind::Error,
            "Session restore failed: sessionId=AB userId=u1\njava.sql.SQLTransientConnectionException: SessionStorePool - Connection is not available\n\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
        );
        e.line_count = 3;
        enrich(&mut e);
        assert_eq!(
            e.attr("exception"),
            Some("java.sql.SQLTransientConnectionException")
        );
    }

    #[test]
    fn ids_skip_correlation_ids() {
        let mut e = ev(
            Kind::Log,
            "granted user_id=42 request_id=abc order_id: 88213",
        );
        enrich(&mut e);
        assert_eq!(
            e.ids,
            vec![
                (Cow::from("user_id"), Cow::from("42")),
                (Cow::from("order_id"), Cow::from("88213"))
            ]
        );
    }
}

//! Celery worker logs (`celery worker -f worker.log`), as Celery 5 writes
//! them (captured from celery 5.7 with a filesystem broker; see
//! `tests/fixtures/jobs/README.md`):
//!
//! ```text
//! [2023-06-01 12:00:00,123: INFO/MainProcess] Task app.tasks.grant_points[e231…] received
//! [2023-06-01 12:00:00,323: INFO/ForkPoolWorker-1] Task app.tasks.grant_points[e231…] succeeded in 0.2007s: None
//! [2023-06-01 12:00:01,134: ERROR/ForkPoolWorker-1] Task app.tasks.send_mail[ba31…] raised unexpected: RuntimeError('...')
//! Traceback (most recent call last):
//! ...
//! [2023-06-01 12:00:01,178: INFO/ForkPoolWorker-2] Task app.tasks.retry_me[ffae…] retry: Retry in 1s: ValueError('lock not available')
//! ```
//!
//! Celery logs no line when a task starts executing; `received` (the worker
//! took the message) is the `job_start`, with attrs `phase = received`.
//! `succeeded in Ns` → `job_end` with the duration; `raised unexpected` /
//! `raised` → `job_fail` with the exception (attrs `exception`) from the
//! traceback; `retry:` → `job_fail` with attrs `outcome = retry`. job = task
//! name, run_id = task id; the worker process name goes to `thread`.

use crate::apps::stack;
use crate::assemble::Assembler;
use crate::codes::extract_code;
use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver, Stamp};
use std::borrow::Cow;

/// `[2023-06-01 12:00:00,123: INFO/MainProcess] message` → (stamp, level, process, message).
pub fn parse_prefix(text: &str) -> Option<(Stamp, Option<Level>, &str, &str)> {
    let inner = text.strip_prefix('[')?;
    let (stamp, used) = time::parse_iso(inner)?;
    let rest = inner[used..].strip_prefix(": ")?;
    let end = rest
        .find("] ")
        .or_else(|| rest.strip_suffix(']').map(|r| r.len()))?;
    let (lvl, process) = rest[..end].split_once('/')?;
    let level = match lvl {
        "DEBUG" => Level::Debug,
        "INFO" => Level::Info,
        "WARNING" => Level::Warn,
        "ERROR" => Level::Error,
        "CRITICAL" => Level::Fatal,
        _ => return None,
    };
    let msg = rest.get(end + 2..).unwrap_or("");
    Some((stamp, Some(level), process, msg))
}

/// `Task app.tasks.x[uuid] rest` (also Celery 3's `Received task: app.tasks.x[uuid]`)
/// → (task name, task id, rest).
fn task_ref(msg: &str) -> Option<(&str, &str, &str)> {
    let rest = msg
        .strip_prefix("Task ")
        .or_else(|| msg.strip_prefix("Received task: "))
        .or_else(|| msg.strip_prefix("Discarding revoked task: "))?;
    let open = rest.find('[')?;
    let close = open + rest[open..].find(']')?;
    let name = &rest[..open];
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    Some((name, &rest[open + 1..close], rest[close + 1..].trim_start()))
}

/// The verb of a task line → (kind, duration ms, outcome).
fn task_verb(msg: &str, rest: &str) -> (Kind, Option<f64>, Option<&'static str>) {
    if msg.starts_with("Received task: ") || rest.starts_with("received") {
        return (Kind::JobStart, None, Some("received"));
    }
    if let Some(r) = rest.strip_prefix("succeeded in ") {
        let secs = r.split_once("s:").map(|(n, _)| n).unwrap_or(r);
        return (
            Kind::JobEnd,
            secs.trim().parse::<f64>().ok().map(|s| s * 1000.0),
            None,
        );
    }
    if rest.starts_with("raised") || rest.starts_with("failed") {
        return (Kind::JobFail, None, Some("raised"));
    }
    if rest.starts_with("retry") {
        return (Kind::JobFail, None, Some("retry"));
    }
    if rest.starts_with("revoked") || msg.starts_with("Discarding revoked") {
        return (Kind::JobFail, None, Some("revoked"));
    }
    if rest.starts_with("rejected") || rest.starts_with("ignored") {
        return (Kind::Log, None, None);
    }
    (Kind::Log, None, None)
}

/// `RuntimeError('SMTP 451')` at the end of a raised/retry line → class.
fn repr_class(rest: &str) -> Option<&str> {
    let tail = rest.rsplit(": ").next()?;
    let open = tail.find('(')?;
    let class = &tail[..open];
    (!class.is_empty()
        && class
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_'))
    .then_some(class)
}

struct CeleryParser {
    resolver: Resolver,
    asm: Assembler,
}

impl LineParser for CeleryParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let Some((stamp, level, process, msg)) = parse_prefix(line.text) else {
            if let Some(p) = self.asm.pending_mut() {
                stack::enrich(p, line.text);
            }
            return self.asm.continue_with(line);
        };
        let Some(ts) = self.resolver.resolve(stamp) else {
            return Disposition::Skipped(crate::apps::REASON_BAD_TIME);
        };
        let mut e = Event::new(Kind::Log, ts, line.number, line.offset);
        e.level = level;
        e.thread = Some(Cow::Borrowed(process));
        e.message = Cow::Borrowed(msg);
        if let Some((name, id, rest)) = task_ref(msg) {
            let (kind, dur, outcome) = task_verb(msg, rest);
            e.kind = kind;
            e.job = Some(Cow::Borrowed(name));
            e.run_id = Some(Cow::Borrowed(id));
            e.duration_ms = dur;
            match outcome {
                Some("received") => e
                    .attrs
                    .push((Cow::Borrowed("phase"), Cow::Borrowed("received"))),
                Some(o) => e.attrs.push((Cow::Borrowed("outcome"), Cow::Borrowed(o))),
                None => {}
            }
            if kind == Kind::JobFail {
                if let Some(c) = repr_class(rest) {
                    e.attrs.push((Cow::Borrowed("exception"), Cow::Borrowed(c)));
                }
                e.code = extract_code(rest).map(Cow::Owned);
            }
        } else {
            if matches!(level, Some(l) if l >= Level::Warn) {
                e.code = extract_code(msg).map(Cow::Owned);
            }
            stack::settle_kind(&mut e);
        }
        self.asm.start(e, out)
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.asm.flush(out);
        Settlement::default()
    }
}

/// Celery worker logs.
pub struct Celery;

impl Format for Celery {
    fn name(&self) -> &str {
        "celery"
    }
    fn description(&self) -> &str {
        "Celery worker log: [ts: LEVEL/Process] Task name[id] received | succeeded in Ns | raised ... (with tracebacks)"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.95 * sample.fraction(
            |l| l.trim().is_empty() || stack::looks_like_continuation(l),
            |l| parse_prefix(l).is_some(),
        )
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(CeleryParser {
            resolver: ctx.resolver,
            asm: Assembler::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ParseTester;
    use crate::time::format_utc;

    /// Captured from celery 5.7.0 (see tests/fixtures/jobs/README.md).
    const REAL: &str = include_str!("../../tests/fixtures/jobs/celery5_worker.log");

    #[test]
    fn real_celery5_worker_log() {
        let (ev, acct) = ParseTester::new(&Celery, "UTC")
            .check(REAL.as_bytes())
            .unwrap();
        assert_eq!(acct.lines, 42);
        assert_eq!(acct.skipped, 0);
        assert_eq!(acct.parsed, 17);
        assert_eq!(acct.continuation, 25);
        let count = |k: Kind| ev.iter().filter(|e| e.kind == k).count();
        assert_eq!(count(Kind::JobStart), 5);
        assert_eq!(count(Kind::JobEnd), 2);
        assert_eq!(count(Kind::JobFail), 3);
        let ok = ev.iter().find(|e| e.kind == Kind::JobEnd).unwrap();
        assert_eq!(ok.job.as_deref(), Some("app.tasks.grant_points"));
        assert_eq!(
            ok.run_id.as_deref(),
            Some("e23185ab-221e-420e-aa19-1db27693f5ed")
        );
        assert_eq!(ok.thread.as_deref(), Some("ForkPoolWorker-1"));
        assert!((ok.duration_ms.unwrap() - 200.728).abs() < 0.01);
        assert_eq!(format_utc(ok.ts), "2026-11-22T21:29:32.970Z");
        let fail = ev
            .iter()
            .find(|e| e.kind == Kind::JobFail && e.job.as_deref() == Some("app.tasks.send_mail"))
            .unwrap();
        assert_eq!(fail.attr("exception"), Some("RuntimeError"));
        assert_eq!(fail.code.as_deref(), Some("SQLSTATE 40001"));
        assert_eq!(fail.line_count, 11);
        let retry = ev
            .iter()
            .find(|e| e.attr("outcome") == Some("retry"))
            .unwrap();
        assert_eq!(retry.attr("exception"), Some("ValueError"));
        // The retried task is received again under the same id.
        let starts: Vec<_> = ev
            .iter()
            .filter(|e| e.kind == Kind::JobStart && e.run_id == retry.run_id)
            .collect();
        assert_eq!(starts.len(), 2);
    }

    #[test]
    fn sniffs_celery_not_python_logging() {
        let lines: Vec<&str> = REAL.lines().collect();
        let s = Sample {
            lines: &lines,
            file_name: "worker.log",
        };
        assert!(Celery.sniff(&s) > 0.9);
        assert!(crate::apps::python::format().sniff(&s) < 0.5);
    }
}

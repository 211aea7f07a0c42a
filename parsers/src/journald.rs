//! The systemd journal as `journalctl -o json` writes it: one JSON object
//! per entry.
//!
//! Fields used: `__REALTIME_TIMESTAMP` (µs since the epoch, as a string),
//! `_HOSTNAME`, `SYSLOG_IDENTIFIER` (else `_COMM`), `_PID` (else
//! `SYSLOG_PID`), `PRIORITY` (syslog severity), `MESSAGE` (a string, or an
//! array of bytes when the message was not valid UTF-8), `_SYSTEMD_UNIT`
//! (kept as the `unit` attribute), and `UNIT` / `USER_UNIT`, which name the
//! unit systemd's own job messages are about. Messages are classified like
//! syslog's ([`crate::syslog::JobTracker`]): cron and systemd runs become
//! job events.

use crate::access::json::{Value, byte_array_text, object};
use crate::event::{Event, EventSink, Kind};
use crate::fields::numeric_level;
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::syslog::JobTracker;
use crate::time::MICROS;
use std::borrow::Cow;

/// Reason for lines that are not a journal entry.
pub const REASON_NOT_JOURNAL: &str = "not a journal JSON entry";
/// Reason for entries without `__REALTIME_TIMESTAMP`.
pub const REASON_NO_TS: &str = "journal entry without __REALTIME_TIMESTAMP";

fn is_journal_line(l: &str) -> bool {
    let t = l.trim_start();
    t.starts_with('{') && t.contains("\"__REALTIME_TIMESTAMP\"")
}

/// `journalctl -o json` output.
pub struct Journald;

impl Format for Journald {
    fn name(&self) -> &str {
        "journald-json"
    }
    fn description(&self) -> &str {
        "systemd journal export (journalctl -o json): __REALTIME_TIMESTAMP, _HOSTNAME, SYSLOG_IDENTIFIER, _PID, PRIORITY, MESSAGE, _SYSTEMD_UNIT"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        // `__REALTIME_TIMESTAMP` is journald's own: beats json-lines (0.6).
        let compact = sample.fraction(|l| l.trim().is_empty(), is_journal_line);
        if compact > 0.0 || !sample.any_contains("\"__REALTIME_TIMESTAMP\"") {
            return 0.9 * compact;
        }
        // `journalctl -o json-pretty`: braces alone on a line, one field per line.
        0.9 * sample.fraction(
            |l| l.trim().is_empty(),
            |l| {
                let t = l.trim();
                t == "{" || t == "}" || t == "}," || (t.starts_with('"') && t.contains("\" : "))
            },
        )
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        let _ = ctx;
        Box::new(JournaldParser {
            jobs: JobTracker::default(),
            pretty: None,
        })
    }
}

struct JournaldParser {
    jobs: JobTracker,
    /// A `json-pretty` entry being collected: its text, first line number
    /// and offset.
    pretty: Option<(String, u32, u64)>,
}

/// Upper bound on one pretty-printed entry.
const MAX_PRETTY: usize = 1 << 20;

fn str_of<'a>(v: &Value<'a>) -> Option<Cow<'a, str>> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Num(n) => Some(Cow::Borrowed(n)),
        _ => None,
    }
}

/// Parse one journal entry.
pub fn journal_event<'a>(
    text: &'a str,
    jobs: &mut JobTracker,
    line: &Line<'_>,
) -> Result<Event<'a>, &'static str> {
    let mut ts = None;
    let mut e = Event::new(Kind::Log, 0, line.number, line.offset);
    let mut ident = None;
    let mut comm = None;
    let mut syslog_pid = None;
    let mut message: Option<Cow<'a, str>> = None;
    let mut unit_hint: Option<&'a str> = None;
    let mut it = object(text);
    for (k, v) in it.by_ref() {
        match &*k {
            "__REALTIME_TIMESTAMP" => {
                ts = str_of(&v)
                    .and_then(|s| s.parse::<i64>().ok())
                    .filter(|us| *us > MICROS);
            }
            "_HOSTNAME" => e.host = str_of(&v),
            "SYSLOG_IDENTIFIER" => ident = str_of(&v),
            "_COMM" => comm = str_of(&v),
            "_PID" => e.pid = str_of(&v).and_then(|s| s.parse().ok()),
            "SYSLOG_PID" => syslog_pid = str_of(&v).and_then(|s| s.parse().ok()),
            "PRIORITY" => {
                e.level = str_of(&v)
                    .and_then(|s| s.parse::<i64>().ok())
                    .and_then(|p| numeric_level(p, true))
            }
            "MESSAGE" => {
                message = match &v {
                    Value::Arr(raw) => byte_array_text(raw).map(Cow::Owned),
                    other => str_of(other),
                }
            }
            "_SYSTEMD_UNIT" => {
                if let Some(u) = str_of(&v) {
                    e.attrs.push((Cow::Borrowed("unit"), u));
                }
            }
            "UNIT" | "USER_UNIT" => {
                if let Value::Str(Cow::Borrowed(u)) = v {
                    unit_hint = Some(u);
                }
            }
            _ => {}
        }
    }
    if it.bad {
        return Err(REASON_NOT_JOURNAL);
    }
    let ts = ts.ok_or(REASON_NO_TS)?;
    e.ts = ts;
    if e.pid.is_none() {
        e.pid = syslog_pid;
    }
    e.app = ident.or(comm);
    let app = e.app.clone();
    match message {
        Some(Cow::Borrowed(m)) => {
            e.message = Cow::Borrowed(m);
            jobs.classify(&mut e, app.as_deref(), m, unit_hint);
        }
        Some(Cow::Owned(m)) => {
            // Escaped or byte-array messages: classify on the owned text,
            // then keep it owned.
            let mut tmp = Event::new(Kind::Log, ts, line.number, line.offset);
            tmp.pid = e.pid;
            tmp.level = e.level;
            jobs.classify(&mut tmp, app.as_deref(), &m, unit_hint);
            let tmp = tmp.into_owned();
            e.kind = tmp.kind;
            e.job = tmp.job;
            e.user = tmp.user;
            e.code = tmp.code;
            e.duration_ms = tmp.duration_ms;
            e.level = tmp.level;
            e.attrs.extend(tmp.attrs);
            e.message = Cow::Owned(m);
        }
        None => jobs.classify(&mut e, app.as_deref(), "", unit_hint),
    }
    Ok(e)
}

impl LineParser for JournaldParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let t = line.text.trim();
        if let Some((buf, number, offset)) = self.pretty.as_mut() {
            if buf.len() < MAX_PRETTY {
                buf.push_str(t);
                buf.push('\n');
            }
            if t == "}" || t == "}," {
                let (buf, number, offset) = (std::mem::take(buf), *number, *offset);
                self.pretty = None;
                let first = Line {
                    text: "",
                    number,
                    offset,
                    overlong: None,
                };
                if let Ok(mut e) =
                    journal_event(buf.trim_end().trim_end_matches(','), &mut self.jobs, &first)
                {
                    e.line_count = line.number.saturating_sub(number) + 1;
                    out.push(e);
                }
            }
            return Disposition::Continuation;
        }
        if t == "{" {
            self.pretty = Some((String::from("{\n"), line.number, line.offset));
            return Disposition::Parsed;
        }
        if t.is_empty() {
            return Disposition::Skipped("empty line");
        }
        if !t.starts_with('{') {
            return Disposition::Skipped(REASON_NOT_JOURNAL);
        }
        match journal_event(t, &mut self.jobs, line) {
            Ok(e) => {
                out.push(e);
                Disposition::Parsed
            }
            Err(r) => Disposition::Skipped(r),
        }
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        // A truncated pretty entry: its lines stay counted, it has no event.
        self.pretty = None;
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_str;
    use crate::time::{Resolver, Zone, format_utc};

    #[test]
    fn entries_and_jobs() {
        let text = concat!(
            r#"{"__REALTIME_TIMESTAMP":"1685598600000000","_HOSTNAME":"batch01","SYSLOG_IDENTIFIER":"systemd","_PID":"1","PRIORITY":"6","UNIT":"points-grant.service","MESSAGE":"Starting Points grant batch..."}"#,
            "\n",
            r#"{"__REALTIME_TIMESTAMP":"1685598605000000","_HOSTNAME":"batch01","SYSLOG_IDENTIFIER":"points","_PID":"4242","PRIORITY":"3","_SYSTEMD_UNIT":"points-grant.service","MESSAGE":[103,114,97,110,116,101,100,32,226,156,147]}"#,
            "\n",
            r#"{"__REALTIME_TIMESTAMP":"1685598660000000","_HOSTNAME":"batch01","SYSLOG_IDENTIFIER":"systemd","_PID":"1","PRIORITY":"4","UNIT":"points-grant.service","MESSAGE":"points-grant.service: Main process exited, code=exited, status=1/FAILURE"}"#,
            "\n",
            r#"{"__REALTIME_TIMESTAMP":"1685598660000100","_HOSTNAME":"batch01","SYSLOG_IDENTIFIER":"systemd","_PID":"1","PRIORITY":"4","UNIT":"points-grant.service","MESSAGE":"points-grant.service: Failed with result 'exit-code'."}"#,
            "\n",
            r#"{"_HOSTNAME":"x","MESSAGE":"no time"}"#,
            "\n",
            "garbage\n",
        );
        let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "t");
        let mut p = Journald.parser(&ctx);
        let mut ev: Vec<Event<'static>> = Vec::new();
        let acct = parse_str(text, p.as_mut(), &mut ev);
        assert_eq!((acct.lines, acct.parsed, acct.skipped), (6, 4, 2));
        assert_eq!(ev[0].kind, Kind::JobStart);
        assert_eq!(ev[0].job.as_deref(), Some("points-grant.service"));
        assert_eq!(format_utc(ev[0].ts), "2023-06-01T05:50:00.000Z");
        assert_eq!(ev[0].host.as_deref(), Some("batch01"));
        assert_eq!(ev[1].message, "granted ✓");
        assert_eq!(ev[1].kind, Kind::Error);
        assert_eq!(ev[1].attr("unit"), Some("points-grant.service"));
        assert_eq!(ev[1].pid, Some(4242));
        assert_eq!(ev[2].kind, Kind::JobFail);
        assert_eq!(ev[2].duration_ms, Some(60_000.0));
        assert_eq!(ev[3].kind, Kind::Log);
    }

    #[test]
    fn json_pretty() {
        let text = "{\n\t\"__REALTIME_TIMESTAMP\" : \"1685598600000000\",\n\t\"_HOSTNAME\" : \"h\",\n\t\"SYSLOG_IDENTIFIER\" : \"CRON\",\n\t\"_PID\" : \"77\",\n\t\"MESSAGE\" : \"(root) CMD (/opt/x.sh)\"\n}\n{\n\t\"__REALTIME_TIMESTAMP\" : \"1685598601000000\",\n";
        let lines: Vec<&str> = text.lines().collect();
        let s = Sample {
            lines: &lines,
            file_name: "j.json",
        };
        assert!(Journald.sniff(&s) > 0.8);
        let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "t");
        let mut p = Journald.parser(&ctx);
        let mut ev: Vec<Event<'static>> = Vec::new();
        let acct = parse_str(text, p.as_mut(), &mut ev);
        assert_eq!((acct.lines, acct.parsed, acct.continuation), (9, 2, 7));
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].kind, Kind::JobStart);
        assert_eq!(ev[0].job.as_deref(), Some("/opt/x.sh"));
        assert_eq!((ev[0].line, ev[0].line_count), (1, 7));
    }
}

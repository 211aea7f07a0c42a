//! Sidekiq worker logs.
//!
//! Text, as Sidekiq ≤ 5 writes it:
//! ```text
//! 2016-10-20T08:24:43.630Z 42978 TID-oxwbmpfgc ExportWorker JID-95d90c0ea3774e54099d6bb7 INFO: start
//! 2016-10-20T08:24:43.714Z 42978 TID-oxwbmpfgc ExportWorker JID-95d90c0ea3774e54099d6bb7 INFO: fail: 0.084 sec
//! 2016-10-20T08:24:43.716Z 42978 TID-oxwbmpfgc WARN: {"class"=>"ExportWorker", "args"=>[...], "retry_count"=>16, ...}
//! 2016-10-20T08:24:43.716Z 42978 TID-oxwbmpfgc WARN: ArgumentError: wrong number of arguments (6 for 2..3)
//! 2016-10-20T08:24:43.716Z 42978 TID-oxwbmpfgc WARN: /app/worker/export_worker.rb:5:in `perform'
//! /gems/sidekiq-4.0.1/lib/sidekiq/processor.rb:150:in `execute_job'
//! ```
//! and as Sidekiq ≥ 6 writes it:
//! `2020-01-01T00:00:00.000Z pid=1 tid=abc class=HardWorker jid=123 elapsed=0.101 INFO: done`.
//!
//! JSON (`Sidekiq::Logger::Formatters::JSON`):
//! `{"ts":"...","pid":1,"tid":"abc","lvl":"INFO","msg":"done","ctx":{"class":"X","jid":"Y","elapsed":0.1}}`.
//!
//! `start` → `job_start`, `done` → `job_end`, `fail` → `job_fail` with job =
//! worker class, run_id = jid, duration. The failure report that follows a
//! `fail` on the same thread (the job payload, `ErrorClass: message`, the
//! backtrace) is folded into the `job_fail` event: args, retry count, queue
//! into attrs, the error class into `exception`, business ids named in the
//! args into `ids`.

use crate::apps::stack;
use crate::codes::extract_code;
use crate::event::{Event, EventSink, Kind, Level};
use crate::jobs::{compact, ids_in_args, ruby_hash_to_json};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver, Stamp};
use std::borrow::Cow;

/// The parts of one Sidekiq log line, from either encoding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SkLine<'a> {
    /// Timestamp.
    pub stamp: Option<Stamp>,
    /// Process id.
    pub pid: Option<i64>,
    /// Thread id (`TID-oxw…` or `tid=…`), without the `TID-` prefix.
    pub tid: Option<Cow<'a, str>>,
    /// Worker class.
    pub class: Option<Cow<'a, str>>,
    /// Job id.
    pub jid: Option<Cow<'a, str>>,
    /// Batch id.
    pub bid: Option<Cow<'a, str>>,
    /// `elapsed=` seconds (Sidekiq ≥ 6).
    pub elapsed: Option<f64>,
    /// Severity.
    pub level: Option<Level>,
    /// Message.
    pub msg: Cow<'a, str>,
}

fn sk_level(w: &str) -> Option<Level> {
    Some(match w {
        "DEBUG" => Level::Debug,
        "INFO" => Level::Info,
        "WARN" => Level::Warn,
        "ERROR" => Level::Error,
        "FATAL" | "UNKNOWN" => Level::Fatal,
        _ => return None,
    })
}

/// Parse a Sidekiq text line (both generations).
pub fn parse_text(text: &str) -> Option<SkLine<'_>> {
    let (stamp, used) = time::parse_iso(text)?;
    let mut rest = text[used..].strip_prefix(' ')?;
    let mut l = SkLine {
        stamp: Some(stamp),
        ..SkLine::default()
    };
    for _ in 0..12 {
        let (tok, after) = match rest.find(' ') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        if let Some(lvl) = tok.strip_suffix(':').and_then(sk_level) {
            l.level = Some(lvl);
            l.msg = Cow::Borrowed(after);
            l.tid.as_ref()?;
            return Some(l);
        }
        if let Some(v) = tok.strip_prefix("pid=") {
            l.pid = v.parse().ok();
        } else if let Some(v) = tok
            .strip_prefix("TID-")
            .or_else(|| tok.strip_prefix("tid="))
        {
            l.tid = Some(Cow::Borrowed(v));
        } else if let Some(v) = tok
            .strip_prefix("JID-")
            .or_else(|| tok.strip_prefix("jid="))
        {
            l.jid = Some(Cow::Borrowed(v));
        } else if let Some(v) = tok
            .strip_prefix("BID-")
            .or_else(|| tok.strip_prefix("bid="))
        {
            l.bid = Some(Cow::Borrowed(v));
        } else if let Some(v) = tok.strip_prefix("class=") {
            l.class = Some(Cow::Borrowed(v));
        } else if let Some(v) = tok.strip_prefix("elapsed=") {
            l.elapsed = v.parse().ok();
        } else if tok.bytes().all(|b| b.is_ascii_digit()) && !tok.is_empty() && l.pid.is_none() {
            l.pid = tok.parse().ok();
        } else if tok.contains('=') {
            // tags=..., other context
        } else if l.tid.is_some()
            && l.class.is_none()
            && tok
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_')
            && !tok.is_empty()
        {
            l.class = Some(Cow::Borrowed(tok));
        } else {
            return None;
        }
        rest = after;
        if rest.is_empty() {
            return None;
        }
    }
    None
}

/// Parse a Sidekiq JSON line.
pub fn parse_json(text: &str) -> Option<SkLine<'static>> {
    let t = text.trim();
    if !t.starts_with('{') || !t.contains("\"lvl\"") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(t).ok()?;
    let s = |x: Option<&serde_json::Value>| {
        x.and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .map(Cow::Owned)
    };
    let ts = v.get("ts")?.as_str()?;
    let (stamp, _) = time::parse_prefix(ts)?;
    let ctx = v.get("ctx");
    let c = |k: &str| ctx.and_then(|c| c.get(k));
    Some(SkLine {
        stamp: Some(stamp),
        pid: v.get("pid").and_then(|p| p.as_i64()),
        tid: s(v.get("tid")),
        class: s(c("class")),
        jid: s(c("jid")),
        bid: s(c("bid")),
        elapsed: c("elapsed").and_then(|e| e.as_f64().or_else(|| e.as_str()?.parse().ok())),
        level: v.get("lvl").and_then(|l| l.as_str()).and_then(sk_level),
        msg: s(v.get("msg")).unwrap_or(Cow::Borrowed("")),
    })
}

/// `start`, `done: 0.142 sec`, `fail: 1.2 sec`, `done`, `fail` → (kind, seconds).
fn job_verb(msg: &str) -> Option<(Kind, Option<f64>)> {
    let (verb, rest) = match msg.split_once(':') {
        Some((v, r)) => (v, Some(r)),
        None => (msg.trim(), None),
    };
    let kind = match verb {
        "start" => Kind::JobStart,
        "done" => Kind::JobEnd,
        "fail" => Kind::JobFail,
        _ => return None,
    };
    let secs = rest.and_then(|r| r.trim().strip_suffix("sec")?.trim().parse::<f64>().ok());
    if rest.is_some() && secs.is_none() {
        return None;
    }
    Some((kind, secs))
}

/// `Mysql2::Error: ...`, `ActiveRecord::Deadlocked: ...`: a Ruby class name
/// then `: ` (the line Sidekiq writes after a failed job's payload).
fn class_head(msg: &str) -> Option<(&str, &str)> {
    let (class, m) = msg.split_once(": ")?;
    let ok = class.len() <= 120
        && class
            .as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_uppercase())
        && class
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_');
    ok.then_some((class, m))
}

/// A failure being assembled from the lines after `fail`.
struct Held {
    tid: String,
    jid: Option<String>,
    event: Event<'static>,
    last_line: u32,
}

/// How many lines a failure report may trail its `fail` line.
const HOLD_LINES: u32 = 400;

struct SidekiqParser {
    resolver: Resolver,
    json: bool,
    held: Vec<Held>,
    /// The last plain record, to which unprefixed lines attach.
    last: Option<Event<'static>>,
    last_tid: Option<String>,
}

/// Reason for lines that are neither Sidekiq lines nor continuations.
pub const REASON_NOT_SIDEKIQ: &str = "not a Sidekiq line (before the first record)";

impl SidekiqParser {
    fn flush_last(&mut self, out: &mut dyn EventSink) {
        if let Some(e) = self.last.take() {
            out.push(e);
        }
    }

    fn flush_held(&mut self, keep: impl Fn(&Held) -> bool, out: &mut dyn EventSink) {
        let mut i = 0;
        while i < self.held.len() {
            if keep(&self.held[i]) {
                i += 1;
            } else {
                out.push(self.held.remove(i).event);
            }
        }
    }

    /// Fold a payload (`{"class"=>..., "jid"=>...}` or `{"context":..., "job":{...}}`) into `e`.
    fn fold_payload(e: &mut Event<'static>, v: &serde_json::Value) {
        let job = v.get("job").unwrap_or(v);
        let put = |e: &mut Event<'static>, k: &'static str, val: String| {
            if !e.attrs.iter().any(|(a, _)| a == k) {
                e.attrs.push((Cow::Borrowed(k), Cow::Owned(val)));
            }
        };
        if let Some(args) = job.get("args") {
            put(e, "args", compact(args, 512));
            ids_in_args(args, &mut e.ids);
        }
        for (key, name) in [
            ("retry_count", "retry_count"),
            ("queue", "queue"),
            ("retry", "retry"),
        ] {
            if let Some(x) = job.get(key) {
                let text = x
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string());
                put(e, name, text);
            }
        }
        if let Some(c) = job.get("error_class").and_then(|c| c.as_str()) {
            put(e, "exception", c.to_string());
        }
        if let Some(m) = job.get("error_message").and_then(|c| c.as_str()) {
            put(e, "error_message", m.chars().take(512).collect());
            if e.code.is_none() {
                e.code = extract_code(m).map(Cow::Owned);
            }
        }
        if e.job.is_none() {
            if let Some(c) = job.get("class").and_then(|c| c.as_str()) {
                e.job = Some(Cow::Owned(c.to_string()));
            }
        }
        if e.run_id.is_none() {
            if let Some(j) = job.get("jid").and_then(|c| c.as_str()) {
                e.run_id = Some(Cow::Owned(j.to_string()));
            }
        }
    }

    fn payload(msg: &str) -> Option<serde_json::Value> {
        let t = msg.trim();
        if !t.starts_with('{') {
            return None;
        }
        serde_json::from_str(t)
            .ok()
            .or_else(|| serde_json::from_str(&ruby_hash_to_json(t)).ok())
    }

    fn record(&mut self, l: SkLine<'_>, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let Some(ts) = l.stamp.and_then(|s| self.resolver.resolve(s)) else {
            return Disposition::Skipped(crate::apps::REASON_BAD_TIME);
        };
        let tid = l.tid.as_deref().unwrap_or("").to_string();
        let n = line.number;
        self.flush_held(|h| n.saturating_sub(h.last_line) <= HOLD_LINES, out);
        self.last_tid = Some(tid.clone());
        let msg: &str = &l.msg;
        let job = job_verb(msg).filter(|_| l.class.is_some() || l.jid.is_some());
        if job.is_none() && l.level.is_some_and(|lv| lv >= Level::Warn) {
            // Part of a failure report?
            let payload = Self::payload(msg);
            let pjid = payload.as_ref().and_then(|p| {
                p.get("job")
                    .unwrap_or(p)
                    .get("jid")
                    .and_then(|j| j.as_str())
                    .map(str::to_string)
            });
            let idx = match &pjid {
                Some(j) => self
                    .held
                    .iter()
                    .rposition(|h| h.jid.as_deref() == Some(j.as_str())),
                None => self.held.iter().rposition(|h| h.tid == tid),
            };
            if let Some(i) = idx {
                let h = &mut self.held[i];
                h.last_line = n;
                let e = &mut h.event;
                if let Some(p) = &payload {
                    Self::fold_payload(e, p);
                } else if let Some((class, m)) =
                    stack::exception_head(msg).or_else(|| class_head(msg))
                {
                    if !e.attrs.iter().any(|(k, _)| k == "exception") {
                        e.attrs
                            .push((Cow::Borrowed("exception"), Cow::Owned(class.to_string())));
                    }
                    if !e.attrs.iter().any(|(k, _)| k == "error_message") {
                        e.attrs.push((
                            Cow::Borrowed("error_message"),
                            Cow::Owned(m.chars().take(512).collect()),
                        ));
                    }
                    if e.code.is_none() {
                        e.code = extract_code(m).map(Cow::Owned);
                    }
                }
                e.append_line(msg);
                e.line_count += 1;
                return Disposition::Continuation;
            }
        }
        self.flush_held(|h| h.tid != tid, out);
        self.flush_last(out);
        let mut e = Event::new(Kind::Log, ts, line.number, line.offset);
        e.level = l.level;
        e.pid = l.pid;
        e.thread = l.tid.map(|t| Cow::Owned(t.into_owned()));
        e.job = l.class.map(|c| Cow::Owned(c.into_owned()));
        e.run_id = l.jid.as_ref().map(|j| Cow::Owned(j.to_string()));
        if let Some(b) = l.bid {
            e.attrs
                .push((Cow::Borrowed("batch_id"), Cow::Owned(b.into_owned())));
        }
        e.message = Cow::Owned(msg.to_string());
        if let Some((kind, secs)) = job {
            e.kind = kind;
            e.duration_ms = secs.or(l.elapsed).map(|s| s * 1000.0);
            if kind == Kind::JobFail {
                self.held.push(Held {
                    tid,
                    jid: l.jid.map(|j| j.into_owned()),
                    event: e,
                    last_line: n,
                });
            } else {
                out.push(e);
            }
            return Disposition::Parsed;
        }
        if let Some(p) = Self::payload(msg).filter(|_| e.level.is_some_and(|lv| lv >= Level::Warn))
        {
            // A failure report with no `fail` line before it.
            Self::fold_payload(&mut e, &p);
            e.kind = Kind::Error;
        } else if e.level.is_some_and(|lv| lv >= Level::Warn) {
            if let Some((class, m)) = stack::exception_head(msg) {
                e.attrs
                    .push((Cow::Borrowed("exception"), Cow::Owned(class.to_string())));
                e.code = extract_code(m).map(Cow::Owned);
            } else {
                e.code = extract_code(msg).map(Cow::Owned);
            }
            stack::settle_kind(&mut e);
        }
        self.last = Some(e);
        Disposition::Parsed
    }

    fn continuation(&mut self, line: &Line<'_>) -> Disposition {
        let tid = self.last_tid.clone();
        if let Some(h) = self
            .held
            .iter_mut()
            .rev()
            .find(|h| Some(&h.tid) == tid.as_ref())
        {
            h.event.append_line(line.text);
            h.event.line_count += 1;
            h.last_line = line.number;
            return Disposition::Continuation;
        }
        if let Some(e) = self.last.as_mut() {
            e.append_line(line.text);
            e.line_count += 1;
            return Disposition::Continuation;
        }
        Disposition::Skipped(REASON_NOT_SIDEKIQ)
    }
}

impl LineParser for SidekiqParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if self.json {
            return match parse_json(line.text) {
                Some(l) => self.record(l, line, out),
                None if line.text.trim().is_empty() => Disposition::Skipped("empty line"),
                None => self.continuation(line),
            };
        }
        match parse_text(line.text) {
            Some(l) => self.record(l, line, out),
            None => {
                if line.text.starts_with("# Logfile created on") {
                    return Disposition::Parsed;
                }
                self.continuation(line)
            }
        }
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.flush_held(|_| false, out);
        self.flush_last(out);
        Settlement::default()
    }
}

fn new_parser(ctx: &SourceCtx, json: bool) -> Box<dyn LineParser> {
    Box::new(SidekiqParser {
        resolver: ctx.resolver,
        json,
        held: Vec::new(),
        last: None,
        last_tid: None,
    })
}

/// Sidekiq's text log.
pub struct SidekiqText;

impl Format for SidekiqText {
    fn name(&self) -> &str {
        "sidekiq"
    }
    fn description(&self) -> &str {
        "Sidekiq text log: ts pid TID-x [Class JID-y] LEVEL: start|done: N sec|fail: N sec (also pid= tid= class= jid= elapsed=)"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.95 * sample.fraction(
            |l| {
                l.trim().is_empty()
                    || l.starts_with("# Logfile created")
                    || stack::looks_like_continuation(l)
            },
            |l| parse_text(l).is_some(),
        )
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        new_parser(ctx, false)
    }
}

/// Sidekiq's JSON log.
pub struct SidekiqJson;

impl Format for SidekiqJson {
    fn name(&self) -> &str {
        "sidekiq-json"
    }
    fn description(&self) -> &str {
        "Sidekiq JSON log: {\"ts\",\"pid\",\"tid\",\"lvl\",\"msg\",\"ctx\":{\"class\",\"jid\",\"elapsed\"}}"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.95 * sample.fraction(
            |l| l.trim().is_empty(),
            |l| l.contains("\"tid\"") && parse_json(l).is_some(),
        )
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        new_parser(ctx, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ParseTester;
    use crate::time::format_utc;

    // Hand-made after Sidekiq 4/5's documented format (the real samples we
    // checked locally carry no licence).
    const TEXT: &str = "# Logfile created on 2016-10-20 11:35:19 +0800 by logger.rb/47272\n\
2016-10-20T08:24:43.614Z 42978 TID-oxwchpj08 AwardWorker JID-83fbd190027c0c111491e8e1 INFO: start\n\
2016-10-20T08:24:43.630Z 42978 TID-oxwbmpfgc ExportWorker JID-95d90c0ea3774e54099d6bb7 INFO: start\n\
2016-10-20T08:24:43.714Z 42978 TID-oxwbmpfgc ExportWorker JID-95d90c0ea3774e54099d6bb7 INFO: fail: 0.084 sec\n\
2016-10-20T08:24:43.716Z 42978 TID-oxwbmpfgc WARN: {\"class\"=>\"ExportWorker\", \"args\"=>[{\"user_id\"=>503823, \"order_id\"=>\"88213\"}, \"xlsx\"], \"retry\"=>true, \"queue\"=>\"export\", \"jid\"=>\"95d90c0ea3774e54099d6bb7\", \"error_message\"=>\"wrong number of arguments (6 for 2..3)\", \"error_class\"=>\"ArgumentError\", \"retry_count\"=>16}\n\
2016-10-20T08:24:43.980Z 42978 TID-oxwchpj08 AwardWorker JID-83fbd190027c0c111491e8e1 INFO: done: 0.366 sec\n\
2016-10-20T08:24:43.716Z 42978 TID-oxwbmpfgc WARN: ArgumentError: wrong number of arguments (6 for 2..3)\n\
2016-10-20T08:24:43.716Z 42978 TID-oxwbmpfgc WARN: /app/worker/export_worker.rb:5:in `perform'\n\
/gems/sidekiq-4.0.1/lib/sidekiq/processor.rb:150:in `execute_job'\n\
2016-10-20T08:24:44.000Z 42978 TID-oxwbmpfgc INFO: Shutting down\n\
2020-01-01T00:00:00.000Z pid=1 tid=2mw class=HardWorker jid=b4a8 INFO: start\n\
2020-01-01T00:00:00.101Z pid=1 tid=2mw class=HardWorker jid=b4a8 elapsed=0.101 INFO: done\n";

    #[test]
    fn text_jobs_and_failure_report() {
        let (ev, acct) = ParseTester::new(&SidekiqText, "UTC")
            .check(TEXT.as_bytes())
            .unwrap();
        assert_eq!(
            (acct.lines, acct.parsed, acct.continuation, acct.skipped),
            (12, 8, 4, 0)
        );
        let kinds: Vec<Kind> = ev.iter().map(|e| e.kind).collect();
        assert_eq!(kinds.iter().filter(|k| **k == Kind::JobStart).count(), 3);
        assert_eq!(kinds.iter().filter(|k| **k == Kind::JobEnd).count(), 2);
        let fail = ev.iter().find(|e| e.kind == Kind::JobFail).unwrap();
        assert_eq!(fail.job.as_deref(), Some("ExportWorker"));
        assert_eq!(fail.run_id.as_deref(), Some("95d90c0ea3774e54099d6bb7"));
        assert_eq!(fail.duration_ms, Some(84.0));
        assert_eq!(fail.pid, Some(42978));
        assert_eq!(fail.thread.as_deref(), Some("oxwbmpfgc"));
        assert_eq!(fail.attr("exception"), Some("ArgumentError"));
        assert_eq!(fail.attr("retry_count"), Some("16"));
        assert_eq!(fail.attr("queue"), Some("export"));
        assert!(
            fail.ids
                .iter()
                .any(|(k, v)| k == "user_id" && v == "503823")
        );
        assert!(
            fail.ids
                .iter()
                .any(|(k, v)| k == "order_id" && v == "88213")
        );
        assert_eq!(fail.line_count, 5);
        let done = ev
            .iter()
            .find(|e| e.kind == Kind::JobEnd && e.job.as_deref() == Some("AwardWorker"))
            .unwrap();
        assert_eq!(done.duration_ms, Some(366.0));
        assert_eq!(format_utc(done.ts), "2016-10-20T08:24:43.980Z");
        let v6 = ev
            .iter()
            .find(|e| e.kind == Kind::JobEnd && e.job.as_deref() == Some("HardWorker"))
            .unwrap();
        assert_eq!(v6.run_id.as_deref(), Some("b4a8"));
        assert_eq!(v6.duration_ms, Some(101.0));
        assert_eq!(v6.pid, Some(1));
    }

    #[test]
    fn json_lines() {
        let text = concat!(
            r#"{"ts":"2023-06-01T03:00:00.000Z","pid":9,"tid":"owq","lvl":"INFO","msg":"start","ctx":{"class":"PointsGrantJob","jid":"j1"}}"#,
            "\n",
            r#"{"ts":"2023-06-01T03:00:02.500Z","pid":9,"tid":"owq","lvl":"INFO","msg":"fail","ctx":{"class":"PointsGrantJob","jid":"j1","elapsed":2.5}}"#,
            "\n",
            r#"{"ts":"2023-06-01T03:00:02.501Z","pid":9,"tid":"owq","lvl":"WARN","msg":"{\"context\":\"Job raised exception\",\"job\":{\"class\":\"PointsGrantJob\",\"args\":[{\"user_id\":42}],\"retry\":true,\"queue\":\"default\",\"jid\":\"j1\",\"retry_count\":2}}","ctx":{}}"#,
            "\n",
            r#"{"ts":"2023-06-01T03:00:02.502Z","pid":9,"tid":"owq","lvl":"WARN","msg":"ActiveRecord::Deadlocked: Mysql2::Error: Deadlock found when trying to get lock","ctx":{}}"#,
            "\n",
        );
        let (ev, acct) = ParseTester::new(&SidekiqJson, "UTC")
            .check(text.as_bytes())
            .unwrap();
        assert_eq!((acct.parsed, acct.continuation), (2, 2));
        assert_eq!(ev[0].kind, Kind::JobStart);
        let fail = &ev[1];
        assert_eq!(fail.kind, Kind::JobFail);
        assert_eq!(fail.duration_ms, Some(2500.0));
        assert_eq!(fail.attr("retry_count"), Some("2"));
        assert_eq!(fail.attr("exception"), Some("ActiveRecord::Deadlocked"));
        assert_eq!(fail.ids, vec![(Cow::from("user_id"), Cow::from("42"))]);
    }

    #[test]
    fn sniff_sidekiq_not_ruby_logger() {
        let lines: Vec<&str> = TEXT.lines().collect();
        let s = Sample {
            lines: &lines,
            file_name: "sidekiq.log",
        };
        assert!(SidekiqText.sniff(&s) > 0.9);
        assert_eq!(crate::apps::rails::RubyLogger.sniff(&s), 0.0);
    }
}

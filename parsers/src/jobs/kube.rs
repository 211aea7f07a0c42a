//! Kubernetes events, as `kubectl get events` prints them:
//!
//! - `kube-events`: the text table (`LAST SEEN  TYPE  REASON  OBJECT  MESSAGE`,
//!   with `NAMESPACE` first under `-A`, the `-o wide` columns, and the old
//!   `LAST SEEN  FIRST SEEN  COUNT  NAME  KIND  ...` layout). Its times are
//!   ages (`5m`, `2m30s`, `3d`) relative to when the command ran: they are
//!   resolved against [`SourceCtx::snapshot_time`]; without one the rows are
//!   skipped with that reason (times cannot be guessed).
//! - `kube-events-json`: `kubectl get events -o json` (one `List` document
//!   with `items`, or a `-w -o json` stream of objects), read whole at the end.
//!
//! The unit of a run is the Job: job = the CronJob's name (the Job name
//! without its `-<scheduled minutes>` suffix) or the Job's, run_id = the Job
//! name. Pod events map to their Job through `Created pod:` messages or the
//! pod name's hash suffix. `Started` on a Job's pod → `job_start` (a second
//! start of the same run is a restart), Job `Completed` → `job_end`, Job
//! `Failed`/`BackoffLimitExceeded`/`DeadlineExceeded` and `Killing` of a Job's
//! pod → `job_fail`; other `Warning` events → `error` with code = reason;
//! the rest → `log`. host = the node (`source.host`, or the node a pod was
//! `Scheduled` to).

use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, MICROS, Resolver};
use std::borrow::Cow;
use std::collections::HashMap;

/// Reason for table rows when no snapshot time is known.
pub const REASON_NO_SNAPSHOT: &str =
    "relative age (kubectl LAST SEEN) with no snapshot time: give --snapshot-time to place it";
/// Reason for rows whose age cannot be read.
pub const REASON_BAD_AGE: &str = "unreadable age in LAST SEEN";
/// Reason for lines before the header.
pub const REASON_NO_HEADER: &str = "before the kubectl events header";

/// A kubectl age (`45s`, `5m`, `2m30s`, `3h5m`, `2d3h`, `1y`) → seconds.
pub fn parse_age(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut num: i64 = 0;
    let mut have = false;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = num.checked_mul(10)?.checked_add(d as i64)?;
            have = true;
            continue;
        }
        if !have {
            return None;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'y' => 365 * 86_400,
            _ => return None,
        };
        total = total.checked_add(num.checked_mul(unit)?)?;
        num = 0;
        have = false;
    }
    if have {
        return None;
    }
    Some(total)
}

/// Job/pod bookkeeping shared by both encodings.
#[derive(Default)]
struct State {
    pod_job: HashMap<String, String>,
    job_cron: HashMap<String, String>,
    pod_node: HashMap<String, String>,
}

/// `points-grant-28112345` → `points-grant` (a CronJob's Job carries the
/// scheduled time in minutes).
fn cron_base(job: &str) -> Option<&str> {
    let (base, tail) = job.rsplit_once('-')?;
    (tail.len() >= 6 && tail.bytes().all(|b| b.is_ascii_digit()) && !base.is_empty())
        .then_some(base)
}

impl State {
    /// The Job a pod belongs to, if it is a Job's pod.
    fn job_of_pod(&self, pod: &str) -> Option<String> {
        if let Some(j) = self.pod_job.get(pod) {
            return Some(j.clone());
        }
        let (job, hash) = pod.rsplit_once('-')?;
        let hashy = hash.len() == 5
            && hash
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        (hashy && (cron_base(job).is_some() || self.job_cron.contains_key(job)))
            .then(|| job.to_string())
    }

    fn job_name(&self, job: &str) -> String {
        self.job_cron
            .get(job)
            .cloned()
            .or_else(|| cron_base(job).map(str::to_string))
            .unwrap_or_else(|| job.to_string())
    }

    /// Learn from a message, then build the event.
    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        ts: i64,
        line: u32,
        offset: u64,
        namespace: Option<&str>,
        kind: &str,
        name: &str,
        typ: &str,
        reason: &str,
        message: &str,
        host: Option<&str>,
        count: Option<&str>,
    ) -> Event<'static> {
        let kind_l = kind.to_ascii_lowercase();
        if let Some(p) = message.strip_prefix("Created pod: ") {
            if kind_l == "job" {
                self.pod_job.insert(p.trim().to_string(), name.to_string());
            }
        }
        if let Some(j) = message.strip_prefix("Created job ") {
            if kind_l == "cronjob" {
                self.job_cron.insert(j.trim().to_string(), name.to_string());
            }
        }
        if reason == "Scheduled" && kind_l == "pod" {
            if let Some(i) = message.rfind(" to ") {
                self.pod_node
                    .insert(name.to_string(), message[i + 4..].trim().to_string());
            }
        }
        let mut e = Event::new(Kind::Log, ts, line, offset);
        e.level = Some(if typ == "Warning" {
            Level::Warn
        } else {
            Level::Info
        });
        e.message = Cow::Owned(format!("{reason}: {message}"));
        e.app = Some(Cow::Borrowed("kubernetes"));
        let host = host.map(str::to_string).or_else(|| {
            (kind_l == "pod")
                .then(|| self.pod_node.get(name).cloned())
                .flatten()
        });
        e.host = host.map(Cow::Owned);
        let (job, run) = match kind_l.as_str() {
            "pod" => match self.job_of_pod(name) {
                Some(j) => (Some(self.job_name(&j)), Some(j)),
                None => (None, None),
            },
            "job" => (Some(self.job_name(name)), Some(name.to_string())),
            "cronjob" => {
                let run = message
                    .strip_prefix("Created job ")
                    .or_else(|| message.strip_prefix("Saw completed job: "))
                    .map(|r| r.split([',', ' ']).next().unwrap_or(r).to_string());
                (Some(name.to_string()), run)
            }
            _ => (None, None),
        };
        let is_job_pod = kind_l == "pod" && run.is_some();
        e.kind = match (kind_l.as_str(), reason) {
            ("pod", "Started") if is_job_pod => Kind::JobStart,
            ("pod", "Killing") if is_job_pod => Kind::JobFail,
            ("job", "Completed") => Kind::JobEnd,
            ("job", "Failed" | "BackoffLimitExceeded" | "DeadlineExceeded") => Kind::JobFail,
            _ if typ == "Warning" => Kind::Error,
            _ => Kind::Log,
        };
        if matches!(e.kind, Kind::Error | Kind::JobFail) {
            e.code = Some(Cow::Owned(reason.to_string()));
        }
        e.job = job.map(Cow::Owned);
        e.run_id = run.map(Cow::Owned);
        e.attrs.push((
            Cow::Borrowed("object"),
            Cow::Owned(format!("{kind_l}/{name}")),
        ));
        e.attrs
            .push((Cow::Borrowed("reason"), Cow::Owned(reason.to_string())));
        if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
            e.attrs
                .push((Cow::Borrowed("namespace"), Cow::Owned(ns.to_string())));
        }
        if let Some(c) = count.filter(|c| !c.is_empty()) {
            e.attrs
                .push((Cow::Borrowed("count"), Cow::Owned(c.to_string())));
        }
        e
    }
}

/// Column starts (in chars) of a kubectl table header.
fn header_columns(l: &str) -> Option<Vec<(String, usize)>> {
    let t = l.trim_end();
    if !(t.contains("LAST SEEN") && t.contains("REASON") && t.contains("MESSAGE")) {
        return None;
    }
    let chars: Vec<char> = t.chars().collect();
    let mut cols = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        // A header name may hold one space (`LAST SEEN`, `FIRST SEEN`).
        while i < chars.len() && !(chars[i] == ' ' && chars.get(i + 1).is_none_or(|c| *c == ' ')) {
            i += 1;
        }
        cols.push((chars[start..i].iter().collect::<String>(), start));
    }
    Some(cols)
}

struct TextParser {
    snapshot: Option<i64>,
    cols: Option<Vec<(String, usize)>>,
    state: State,
}

impl TextParser {
    fn cell<'a>(&self, cells: &'a [(String, String)], name: &str) -> Option<&'a str> {
        cells
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl LineParser for TextParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if let Some(c) = header_columns(line.text) {
            self.cols = Some(c);
            return Disposition::Parsed;
        }
        if line.text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        let Some(cols) = &self.cols else {
            return Disposition::Skipped(REASON_NO_HEADER);
        };
        let chars: Vec<(usize, char)> = line.text.char_indices().collect();
        let byte_at = |c: usize| chars.get(c).map(|(b, _)| *b).unwrap_or(line.text.len());
        let mut cells: Vec<(String, String)> = Vec::with_capacity(cols.len());
        for (i, (name, start)) in cols.iter().enumerate() {
            let end = cols
                .get(i + 1)
                .map(|(_, s)| byte_at(*s))
                .unwrap_or(line.text.len());
            let s = byte_at(*start).min(end);
            cells.push((name.clone(), line.text[s..end].trim().to_string()));
        }
        let Some(age) = self.cell(&cells, "LAST SEEN") else {
            return Disposition::Skipped(REASON_BAD_AGE);
        };
        let Some(secs) = parse_age(age) else {
            return Disposition::Skipped(REASON_BAD_AGE);
        };
        let Some(snap) = self.snapshot else {
            return Disposition::Skipped(REASON_NO_SNAPSHOT);
        };
        let ts = snap - secs * MICROS;
        let (kind, name) = match self.cell(&cells, "OBJECT") {
            Some(o) => match o.split_once('/') {
                Some((k, n)) => (k.to_string(), n.to_string()),
                None => (String::new(), o.to_string()),
            },
            None => (
                self.cell(&cells, "KIND").unwrap_or("").to_string(),
                self.cell(&cells, "NAME")
                    .map(|n| n.split('.').next().unwrap_or(n).to_string())
                    .unwrap_or_default(),
            ),
        };
        let host = self
            .cell(&cells, "SOURCE")
            .and_then(|s| s.split_once(", ").map(|(_, h)| h.to_string()));
        let ns = self.cell(&cells, "NAMESPACE").map(str::to_string);
        let e = self.state.event(
            ts,
            line.number,
            line.offset,
            ns.as_deref(),
            &kind,
            &name,
            self.cell(&cells, "TYPE").unwrap_or("Normal"),
            self.cell(&cells, "REASON").unwrap_or(""),
            self.cell(&cells, "MESSAGE").unwrap_or(""),
            host.as_deref(),
            self.cell(&cells, "COUNT"),
        );
        out.push(e);
        Disposition::Parsed
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

/// `kubectl get events` text output.
pub struct KubeEventsText;

impl Format for KubeEventsText {
    fn name(&self) -> &str {
        "kube-events"
    }
    fn description(&self) -> &str {
        "kubectl get events table (LAST SEEN TYPE REASON OBJECT MESSAGE); ages resolved against the snapshot time"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let Some(first) = sample
            .lines
            .iter()
            .position(|l| header_columns(l).is_some())
        else {
            return 0.0;
        };
        let rows = &sample.lines[first + 1..];
        if rows.is_empty() {
            return 0.9;
        }
        let ok = rows
            .iter()
            .filter(|l| {
                let t = l.trim_start();
                let first_tok = t.split_whitespace().next().unwrap_or("");
                parse_age(first_tok).is_some()
                    || t.split_whitespace()
                        .nth(1)
                        .is_some_and(|a| parse_age(a).is_some())
                    || first_tok.starts_with('<')
            })
            .count();
        0.97 * ok as f32 / rows.len() as f32
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(TextParser {
            snapshot: ctx.snapshot_time,
            cols: None,
            state: State::default(),
        })
    }
}

/// `kubectl get events -o json`.
pub struct KubeEventsJson;

impl Format for KubeEventsJson {
    fn name(&self) -> &str {
        "kube-events-json"
    }
    fn description(&self) -> &str {
        "kubectl get events -o json (List with items, or a -w stream of Event objects)"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let first = sample.lines.iter().find(|l| !l.trim().is_empty());
        if !first.is_some_and(|l| l.trim_start().starts_with('{')) {
            return 0.0;
        }
        let has = |n: &str| sample.lines.iter().any(|l| l.contains(n));
        if has("\"involvedObject\"") || (has("\"regarding\"") && has("\"kind\": \"Event\"")) {
            0.97
        } else {
            0.0
        }
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(JsonParser {
            resolver: ctx.resolver,
            text: String::new(),
            pending: 0,
            depth: 0,
            in_str: false,
            escaped: false,
            top_starts: Vec::new(),
            item_starts: Vec::new(),
            state: State::default(),
        })
    }
}

/// Most bytes of JSON held for one document.
const MAX_DOC: usize = 256 * 1024 * 1024;

struct JsonParser {
    resolver: Resolver,
    text: String,
    pending: u64,
    depth: i32,
    in_str: bool,
    escaped: bool,
    top_starts: Vec<(u32, u64)>,
    item_starts: Vec<(u32, u64)>,
    state: State,
}

/// Reason for lines of a document that is not valid JSON.
pub const REASON_BAD_DOC: &str = "not a valid kubectl events JSON document";

impl JsonParser {
    fn scan(&mut self, line: &Line<'_>) {
        for c in line.text.bytes() {
            if self.in_str {
                if self.escaped {
                    self.escaped = false;
                } else if c == b'\\' {
                    self.escaped = true;
                } else if c == b'"' {
                    self.in_str = false;
                }
                continue;
            }
            match c {
                b'"' => self.in_str = true,
                b'{' | b'[' => {
                    if c == b'{' && self.depth == 0 {
                        self.top_starts.push((line.number, line.offset));
                    }
                    if c == b'{' && self.depth == 2 {
                        self.item_starts.push((line.number, line.offset));
                    }
                    self.depth += 1;
                }
                b'}' | b']' => self.depth -= 1,
                _ => {}
            }
        }
    }

    fn emit(&mut self, v: &serde_json::Value, at: (u32, u64), out: &mut dyn EventSink) -> bool {
        fn s(v: Option<&serde_json::Value>) -> Option<&str> {
            v.and_then(|x| x.as_str()).filter(|x| !x.is_empty())
        }
        let obj = v.get("involvedObject").or_else(|| v.get("regarding"));
        let ts = [
            v.get("lastTimestamp"),
            v.get("eventTime"),
            v.get("deprecatedLastTimestamp"),
            v.get("firstTimestamp"),
            v.get("metadata").and_then(|m| m.get("creationTimestamp")),
        ]
        .into_iter()
        .filter_map(s)
        .find_map(|t| time::parse_prefix(t).and_then(|(st, _)| self.resolver.resolve(st)));
        let Some(ts) = ts else { return false };
        let kind = s(obj.and_then(|o| o.get("kind"))).unwrap_or("");
        let name = s(obj.and_then(|o| o.get("name"))).unwrap_or("");
        let ns = s(obj.and_then(|o| o.get("namespace")));
        let host = s(v.get("source").and_then(|x| x.get("host")))
            .or_else(|| s(v.get("deprecatedSource").and_then(|x| x.get("host"))));
        let count = v
            .get("count")
            .or_else(|| v.get("deprecatedCount"))
            .map(|c| c.to_string());
        let e = self.state.event(
            ts,
            at.0,
            at.1,
            ns,
            kind,
            name,
            s(v.get("type")).unwrap_or("Normal"),
            s(v.get("reason")).unwrap_or(""),
            s(v.get("message"))
                .or_else(|| s(v.get("note")))
                .unwrap_or(""),
            host,
            count.as_deref().filter(|c| *c != "null"),
        );
        out.push(e);
        true
    }
}

impl LineParser for JsonParser {
    fn line(&mut self, line: &Line<'_>, _out: &mut dyn EventSink) -> Disposition {
        if self.text.len() + line.text.len() < MAX_DOC {
            self.scan(line);
            self.text.push_str(line.text);
            self.text.push('\n');
        }
        self.pending += 1;
        Disposition::Pending
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        let text = std::mem::take(&mut self.text);
        let mut values = Vec::new();
        for v in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>() {
            match v {
                Ok(v) => values.push(v),
                Err(_) => {
                    return Settlement {
                        skipped: vec![(REASON_BAD_DOC, self.pending)],
                        ..Settlement::default()
                    };
                }
            }
        }
        let mut emitted = 0u64;
        let mut items = std::mem::take(&mut self.item_starts).into_iter();
        let tops = std::mem::take(&mut self.top_starts);
        for (i, v) in values.iter().enumerate() {
            let top_at = tops.get(i).copied().unwrap_or((1, 0));
            match v.get("items").and_then(|x| x.as_array()) {
                Some(list) => {
                    for item in list {
                        let at = items.next().unwrap_or(top_at);
                        if self.emit(item, at, out) {
                            emitted += 1;
                        }
                    }
                }
                None => {
                    if self.emit(v, top_at, out) {
                        emitted += 1;
                    }
                }
            }
        }
        let parsed = emitted.min(self.pending);
        Settlement {
            parsed,
            continuation: self.pending - parsed,
            skipped: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ParseTester;
    use crate::time::format_utc;

    // Hand-made after `kubectl get events` output (kubectl 1.2x column layout).
    const TABLE: &str = "LAST SEEN   TYPE      REASON             OBJECT                              MESSAGE\n\
12m         Normal    SuccessfulCreate   cronjob/points-grant                Created job points-grant-28112345\n\
12m         Normal    SuccessfulCreate   job/points-grant-28112345           Created pod: points-grant-28112345-x7k2p\n\
12m         Normal    Scheduled          pod/points-grant-28112345-x7k2p     Successfully assigned default/points-grant-28112345-x7k2p to node-a\n\
11m         Normal    Started            pod/points-grant-28112345-x7k2p     Started container grant\n\
6m          Normal    Killing            pod/points-grant-28112345-x7k2p     Stopping container grant\n\
6m          Warning   BackOff            pod/points-grant-28112345-x7k2p     Back-off restarting failed container\n\
5m30s       Normal    Started            pod/points-grant-28112345-x7k2p     Started container grant\n\
2m          Normal    Completed          job/points-grant-28112345           Job completed\n\
2m          Normal    SawCompletedJob    cronjob/points-grant                Saw completed job: points-grant-28112345, status: Complete\n\
3m          Normal    Pulled             pod/web-7d9f8b6c5d-abcde            Container image \"nginx\" already present on machine\n";

    #[test]
    fn table_with_snapshot() {
        let mut t = ParseTester::new(&KubeEventsText, "UTC");
        t.ctx.snapshot_time = time::parse_user_time("2023-06-01T03:30:00Z", &time::Zone::utc());
        let (ev, acct) = t.check(TABLE.as_bytes()).unwrap();
        assert_eq!((acct.lines, acct.parsed, acct.skipped), (11, 11, 0));
        assert_eq!(ev.len(), 10);
        let starts: Vec<_> = ev.iter().filter(|e| e.kind == Kind::JobStart).collect();
        assert_eq!(starts.len(), 2);
        assert_eq!(starts[0].job.as_deref(), Some("points-grant"));
        assert_eq!(starts[0].run_id.as_deref(), Some("points-grant-28112345"));
        assert_eq!(starts[0].host.as_deref(), Some("node-a"));
        assert_eq!(format_utc(starts[0].ts), "2023-06-01T03:19:00.000Z");
        assert_eq!(format_utc(starts[1].ts), "2023-06-01T03:24:30.000Z");
        let kill = ev.iter().find(|e| e.kind == Kind::JobFail).unwrap();
        assert_eq!(kill.code.as_deref(), Some("Killing"));
        let backoff = ev.iter().find(|e| e.kind == Kind::Error).unwrap();
        assert_eq!(backoff.code.as_deref(), Some("BackOff"));
        assert_eq!(backoff.level, Some(Level::Warn));
        let end = ev.iter().find(|e| e.kind == Kind::JobEnd).unwrap();
        assert_eq!(end.run_id.as_deref(), Some("points-grant-28112345"));
        let web = ev.last().unwrap();
        assert_eq!(web.kind, Kind::Log);
        assert_eq!(web.job, None);
    }

    #[test]
    fn table_without_snapshot_is_skipped_with_reason() {
        let t = ParseTester::new(&KubeEventsText, "UTC");
        let (ev, acct) = t.check(TABLE.as_bytes()).unwrap();
        assert!(ev.is_empty());
        assert_eq!((acct.parsed, acct.skipped), (1, 10));
        assert_eq!(acct.skip_reasons.get(REASON_NO_SNAPSHOT), Some(&10));
    }

    #[test]
    fn ages() {
        assert_eq!(parse_age("5m"), Some(300));
        assert_eq!(parse_age("2m30s"), Some(150));
        assert_eq!(parse_age("3d4h"), Some(3 * 86_400 + 4 * 3600));
        assert_eq!(parse_age("<unknown>"), None);
        assert_eq!(parse_age("5"), None);
    }

    const JSON: &str = r#"{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "count": 1,
            "eventTime": null,
            "firstTimestamp": "2023-06-01T03:00:05Z",
            "involvedObject": {
                "apiVersion": "v1",
                "kind": "Pod",
                "name": "points-grant-28112345-x7k2p",
                "namespace": "default"
            },
            "kind": "Event",
            "lastTimestamp": "2023-06-01T03:00:05Z",
            "message": "Started container grant",
            "metadata": {"name": "points-grant-28112345-x7k2p.17a", "namespace": "default"},
            "reason": "Started",
            "source": {"component": "kubelet", "host": "node-b"},
            "type": "Normal"
        },
        {
            "count": 1,
            "involvedObject": {"kind": "Job", "name": "points-grant-28112345", "namespace": "default"},
            "kind": "Event",
            "lastTimestamp": "2023-06-01T03:10:00Z",
            "message": "Job has reached the specified backoff limit",
            "reason": "BackoffLimitExceeded",
            "source": {"component": "job-controller"},
            "type": "Warning"
        }
    ],
    "kind": "List",
    "metadata": {"resourceVersion": ""}
}
"#;

    #[test]
    fn json_document() {
        let (ev, acct) = ParseTester::new(&KubeEventsJson, "UTC")
            .check(JSON.as_bytes())
            .unwrap();
        assert_eq!(acct.parsed, 2);
        assert_eq!(acct.parsed + acct.continuation, acct.lines);
        assert_eq!(ev[0].kind, Kind::JobStart);
        assert_eq!(ev[0].host.as_deref(), Some("node-b"));
        assert_eq!(ev[0].job.as_deref(), Some("points-grant"));
        assert_eq!(ev[0].line, 4);
        assert_eq!(ev[1].kind, Kind::JobFail);
        assert_eq!(ev[1].code.as_deref(), Some("BackoffLimitExceeded"));
        assert_eq!(ev[1].line, 23);
        assert_eq!(format_utc(ev[1].ts), "2023-06-01T03:10:00.000Z");
        let (_, bad) = ParseTester::new(&KubeEventsJson, "UTC")
            .check(b"{\n \"items\": [\n")
            .unwrap();
        assert_eq!(bad.skip_reasons.get(REASON_BAD_DOC), Some(&2));
    }
}

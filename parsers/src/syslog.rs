//! Syslog: RFC 3164 (BSD) and RFC 5424 lines, and the jobs they report.
//!
//! ```text
//! Jun  9 06:06:20 combo sshd(pam_unix)[19939]: authentication failure; ...     RFC 3164
//! <30>Jun  9 06:06:20 web01 CRON[4242]: (root) CMD (/usr/local/bin/purge)      with PRI
//! Jun  9 06:06:20 systemd[1]: Started Daily apt upgrade.                        without host
//! 2023-06-01T14:50:00.123456+09:00 web01 app[12]: msg                          rsyslog high precision
//! <34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed   RFC 5424
//! ```
//!
//! Year-less RFC 3164 stamps resolve through the source's [`Resolver`] (its
//! year and `not_after` handle files spanning New Year). The level comes
//! from PRI's severity where there is one.
//!
//! Jobs ([`JobTracker`], shared with [`crate::journald`]):
//! - cron (Debian `CRON[pid]`, cronie `CROND[pid]`/`crond`): `(user) CMD
//!   (command)` is a `job_start` with the command's stable name as `job`;
//!   Debian's `(CRON) error (grandchild #N failed with exit status S)` from
//!   the same pid is its `job_fail`; its `(user) END (...)` (`cron -L 2`),
//!   cronie's `CMDEND`, or else `pam_unix(cron:session): session closed`
//!   its `job_end` (one end per run: nothing after a failure). The job's
//!   pid that `cron -L 8` writes (`CMD ([23983] cmd)`) is the `run_id`.
//!   Daemon lines (`(CRON) INFO`, `STARTUP`) stay `log`.
//! - systemd (`systemd[pid]`): `Starting X...` → `job_start`; `Finished X.`,
//!   `X: Deactivated successfully.`, `X: Succeeded.` → `job_end`; `X: Main
//!   process exited, code=exited, status=1/FAILURE` (or killed), `X: Failed
//!   with result '...'`, `Failed to start X.` → one `job_fail` per run.
//!   `Started X.` opens a run when no `Starting` did; a `Started` 1 s or more
//!   after its `Starting` is an old systemd's oneshot completion (`job_end`).
//!   The job is the unit (`apt-daily.service`) when the line names it, else
//!   the description. Only services count: scopes, slices, targets, mounts,
//!   sockets, timers and user sessions stay `log`.

use crate::assemble::Assembler;
use crate::codes::extract_code;
use crate::event::{Event, EventSink, Kind, Level};
use crate::fields::{infer_kind, numeric_level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver, Stamp};
use memchr::memchr;
use std::borrow::Cow;
use std::collections::HashMap;

/// Reason for lines that are not syslog.
pub const REASON_NOT_SYSLOG: &str = "not a syslog line";

/// The parts of a syslog line, borrowed.
#[derive(Debug, Clone, PartialEq)]
pub struct Header<'a> {
    /// The timestamp (year-less for RFC 3164).
    pub stamp: Stamp,
    /// PRI (facility × 8 + severity).
    pub pri: Option<u8>,
    /// Host name.
    pub host: Option<&'a str>,
    /// Program / APP-NAME.
    pub app: Option<&'a str>,
    /// Process id.
    pub pid: Option<i64>,
    /// RFC 5424 MSGID.
    pub msgid: Option<&'a str>,
    /// RFC 5424 structured data (`[id k="v"]...`).
    pub sd: Option<&'a str>,
    /// The message.
    pub msg: &'a str,
    /// True for RFC 5424.
    pub rfc5424: bool,
}

impl Header<'_> {
    /// The level from PRI's severity.
    pub fn level(&self) -> Option<Level> {
        self.pri.and_then(|p| numeric_level((p & 7) as i64, true))
    }
}

fn pri(b: &[u8]) -> Option<(u8, usize)> {
    if b.first() != Some(&b'<') {
        return None;
    }
    let mut v: u16 = 0;
    let mut i = 1;
    while i < b.len() && i <= 4 && b[i].is_ascii_digit() {
        v = v * 10 + (b[i] - b'0') as u16;
        i += 1;
    }
    if i == 1 || b.get(i) != Some(&b'>') || v > 191 {
        return None;
    }
    Some((v as u8, i + 1))
}

fn nil(s: &str) -> Option<&str> {
    if s == "-" || s.is_empty() {
        None
    } else {
        Some(s)
    }
}

/// A syslog tag: `prog:`, `prog[123]:`, `sshd(pam_unix)[1]:`, `postfix/smtpd[7]:`
/// → (name, pid).
pub fn parse_tag(tok: &str) -> Option<(&str, Option<i64>)> {
    let t = tok.strip_suffix(':')?;
    if t.is_empty() || t.len() > 64 {
        return None;
    }
    let (name, pid) = match t.strip_suffix(']') {
        Some(inner) => {
            let lb = memchr::memrchr(b'[', inner.as_bytes())?;
            let pid: i64 = inner[lb + 1..].parse().ok()?;
            (&inner[..lb], Some(pid))
        }
        None => (t, None),
    };
    if name.is_empty()
        || !name.bytes().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/' | b'(' | b')' | b'@')
        })
    {
        return None;
    }
    Some((name, pid))
}

fn is_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b':'))
}

fn split_token(s: &str) -> (&str, &str) {
    match memchr(b' ', s.as_bytes()) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

/// Parse an RFC 5424 line after its PRI.
fn parse_5424(text: &str, pri: u8) -> Option<Header<'_>> {
    let rest = text.strip_prefix("1 ")?;
    let (ts, rest) = split_token(rest);
    let stamp = if ts == "-" {
        return None;
    } else {
        let (st, used) = time::parse_iso(ts)?;
        if used != ts.len() {
            return None;
        }
        st
    };
    let (host, rest) = split_token(rest);
    let (app, rest) = split_token(rest);
    let (procid, rest) = split_token(rest);
    let (msgid, rest) = split_token(rest);
    let (sd, msg) = if rest.starts_with('[') {
        let b = rest.as_bytes();
        let mut i = 0;
        let mut in_quote = false;
        let mut end = b.len();
        while i < b.len() {
            match b[i] {
                b'\\' => i += 1,
                b'"' => in_quote = !in_quote,
                b']' if !in_quote && b.get(i + 1) != Some(&b'[') => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        let sd = &rest[..end.min(rest.len())];
        (Some(sd), rest.get(end + 1..).unwrap_or(""))
    } else {
        let (sd, msg) = split_token(rest);
        (nil(sd), msg)
    };
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    Some(Header {
        stamp,
        pri: Some(pri),
        host: nil(host),
        app: nil(app),
        pid: nil(procid).and_then(|p| p.parse().ok()),
        msgid: nil(msgid),
        sd,
        msg,
        rfc5424: true,
    })
}

/// Parse a syslog line (RFC 3164 with or without host and PRI, rsyslog's
/// ISO-stamped file format, RFC 5424).
pub fn parse_header(text: &str) -> Option<Header<'_>> {
    let b = text.as_bytes();
    let (pri, start) = match pri(b) {
        Some((p, n)) => (Some(p), n),
        None => (None, 0),
    };
    let body = &text[start..];
    if let Some(p) = pri {
        if body.starts_with("1 ") {
            return parse_5424(body, p);
        }
    }
    let first = *body.as_bytes().first()?;
    let (stamp, used, iso) = if first.is_ascii_digit() {
        let (st, used) = time::parse_iso(body)?;
        (st, used, true)
    } else {
        let (st, used) = time::parse_syslog(body)?;
        (st, used, false)
    };
    let rest = body.get(used..)?;
    let rest = rest.strip_prefix(' ')?;
    let rest = rest.trim_start_matches(' ');
    let (t1, after1) = split_token(rest);
    if let Some((app, pid)) = parse_tag(t1) {
        if !iso || pid.is_some() {
            return Some(Header {
                stamp,
                pri,
                host: None,
                app: Some(app),
                pid,
                msgid: None,
                sd: None,
                msg: after1,
                rfc5424: false,
            });
        }
    }
    if !is_hostname(t1) {
        return None;
    }
    let (t2, after2) = split_token(after1);
    match parse_tag(t2) {
        Some((app, pid)) => Some(Header {
            stamp,
            pri,
            host: Some(t1),
            app: Some(app),
            pid,
            msgid: None,
            sd: None,
            msg: after2,
            rfc5424: false,
        }),
        // ISO-stamped lines must have a tag: `2023-06-01 14:50:00 INFO x` is no syslog.
        None if iso => None,
        None => Some(Header {
            stamp,
            pri,
            host: Some(t1),
            app: None,
            pid: None,
            msgid: None,
            sd: None,
            msg: after1,
            rfc5424: false,
        }),
    }
}

/// A level word leading a message (`ERROR ...`, `warning: ...`, `[WARN] ...`):
/// only whole words of four letters or more that are upper case, end in a
/// colon or are bracketed, so prose is not mistaken for a level.
pub fn lead_level(msg: &str) -> Option<Level> {
    let (tok, _) = split_token(msg);
    if tok.len() < 4 || tok.len() > 12 {
        return None;
    }
    let bracketed = tok.starts_with('[') && tok.ends_with(']');
    let coloned = tok.ends_with(':');
    let upper = tok
        .bytes()
        .all(|c| c.is_ascii_uppercase() || matches!(c, b'[' | b']' | b':'));
    if !(bracketed || coloned || upper) {
        return None;
    }
    let core = tok.trim_matches(|c| c == '[' || c == ']' || c == ':');
    if core.len() < 4 {
        return None;
    }
    Level::parse(core)
}

/// Messages that stay `log` whatever their level: sshd and its PAM lines
/// (internet scanners make thousands), and the kernel's OOM-killer reports.
fn is_noise(app: Option<&str>, msg: &str) -> bool {
    match app {
        Some(a) if a.starts_with("sshd") => true,
        Some("kernel") => {
            msg.contains("Out of memory") || msg.contains("oom-kill") || msg.contains("oom_reaper")
        }
        _ => false,
    }
}

/// One cron run being tracked by the pid of its cron child.
#[derive(Debug, Clone)]
struct CronRun {
    job: String,
    user: Option<String>,
    start: i64,
    /// Its failure was reported (the run ended).
    failed: bool,
}

/// One systemd unit run.
#[derive(Debug, Clone, Copy)]
struct UnitRun {
    start: Option<i64>,
    failed: bool,
    open: bool,
}

/// Upper bound on tracked runs (cron pids, units): beyond it the oldest
/// knowledge is dropped rather than growing without limit.
const MAX_TRACKED: usize = 4096;

/// Turns cron and systemd lines into job events, remembering runs across
/// lines (a cron pid's command, a unit's start time).
#[derive(Debug, Default)]
pub struct JobTracker {
    cron: HashMap<i64, CronRun>,
    units: HashMap<String, UnitRun>,
}

/// Lower-case ASCII comparison without allocating.
fn eq_ic(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn is_cron_app(app: &str) -> bool {
    eq_ic(app, "cron") || eq_ic(app, "crond") || app == "anacron"
}

fn is_systemd_app(app: &str) -> bool {
    app == "systemd"
}

/// `(user) VERB (text)` → (user, verb, text).
fn cron_parts(msg: &str) -> Option<(&str, &str, &str)> {
    let rest = msg.strip_prefix('(')?;
    let close = memchr(b')', rest.as_bytes())?;
    let user = &rest[..close];
    let rest = rest[close + 1..].strip_prefix(' ')?;
    let (verb, rest) = split_token(rest);
    let text = rest
        .strip_prefix('(')
        .map(|t| t.strip_suffix(')').unwrap_or(t))
        .unwrap_or(rest);
    Some((user, verb, text))
}

const WRAPPERS: &[&str] = &[
    "nice", "ionice", "timeout", "flock", "sudo", "chronic", "env", "nohup", "exec", "time",
    "setlock", "lckdo", "run-one", "cronic", "then", "do", "else",
];
const SKIP_SEGMENTS: &[&str] = &[
    "cd", "test", "[", "[[", "command", "sleep", "export", "source", ".", "umask", "true", "if",
    "fi", "done", "for", "while", "which", "type", "ulimit", "set",
];

fn base_name(word: &str) -> &str {
    match memchr::memrchr(b'/', word.as_bytes()) {
        Some(i) => &word[i + 1..],
        None => word,
    }
}

/// A stable job name for a cron command: the first command that does real
/// work (after `cd dir &&`, `test -x ... ||`, `[ -x ... ] &&`, wrappers like
/// `nice`/`flock`/`timeout` and `VAR=value` assignments), up to its first
/// four words, without redirections. Always a slice of `cmd`.
pub fn cron_job_name(cmd: &str) -> &str {
    let cmd = cmd.trim();
    let b = cmd.as_bytes();
    // Segment boundaries: && || ; | and parentheses.
    let mut seg_start = 0;
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let mut segments: [(usize, usize); 8] = [(0, 0); 8];
    let mut n = 0;
    while i <= b.len() {
        let c = b.get(i).copied();
        match (quote, c) {
            (Some(q), Some(ch)) if ch == q => quote = None,
            (Some(_), Some(_)) => {}
            (None, Some(ch @ (b'\'' | b'"'))) => quote = Some(ch),
            // `2>&1` is a redirection, not a separator.
            (None, Some(b'&')) if i > 0 && b[i - 1] == b'>' => {}
            (_, None) | (None, Some(b';' | b'|' | b'&' | b'(' | b')' | b'\n')) => {
                if i > seg_start && n < segments.len() {
                    segments[n] = (seg_start, i);
                    n += 1;
                }
                seg_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    for &(s, e) in &segments[..n] {
        let seg = cmd[s..e].trim();
        if let Some(name) = command_words(seg) {
            return name;
        }
    }
    cmd
}

/// The command words of one segment (wrappers and assignments skipped,
/// redirections dropped, four words at most), `None` for a setup segment.
fn command_words(seg: &str) -> Option<&str> {
    let mut start = None;
    let mut end = 0;
    let mut words = 0;
    let mut skip_next_arg = false;
    let mut in_wrapper = false;
    let mut off = 0;
    for w in seg.split(' ') {
        let w_start = off;
        off += w.len() + 1;
        if w.is_empty() {
            continue;
        }
        if start.is_none() {
            if skip_next_arg && !w.starts_with('-') {
                skip_next_arg = false;
                continue;
            }
            if w.starts_with('-') && skip_next_arg {
                continue;
            }
            // `nice -n 10`, `ionice -c 3`, `sudo -u app`, `flock -w 5`, `timeout -s KILL`.
            if in_wrapper && matches!(w, "-n" | "-c" | "-u" | "-g" | "-w" | "-s" | "-k" | "-p") {
                skip_next_arg = true;
                continue;
            }
            let base = base_name(w);
            if WRAPPERS.contains(&base) {
                in_wrapper = true;
                // timeout DURATION cmd, flock LOCK cmd, sudo -u USER cmd, nice -n N cmd
                skip_next_arg = matches!(base, "timeout" | "flock" | "setlock" | "lckdo");
                continue;
            }
            if w.starts_with('-') {
                continue;
            }
            if memchr(b'=', w.as_bytes()).is_some_and(|eq| !w[..eq].contains('/')) {
                continue;
            }
            if SKIP_SEGMENTS.contains(&w) {
                return None;
            }
            start = Some(w_start);
        }
        if w.starts_with('>') || w.starts_with("2>") || w.starts_with("1>") || w.starts_with('<') {
            break;
        }
        words += 1;
        end = w_start + w.len();
        if words == 4 {
            break;
        }
    }
    let s = start?;
    Some(&seg[s..end.max(s)])
}

/// systemd's word for a unit line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sd {
    Starting,
    Started,
    Finished,
    Deactivated,
    FailedExit,
    FailedResult,
    FailedStart,
    Stop,
}

/// Unit-ish names that are no jobs.
fn is_job_name(name: &str) -> bool {
    if let Some(dot) = memchr::memrchr(b'.', name.as_bytes()) {
        let suffix = &name[dot + 1..];
        if matches!(
            suffix,
            "scope"
                | "slice"
                | "target"
                | "mount"
                | "automount"
                | "socket"
                | "timer"
                | "device"
                | "path"
                | "swap"
        ) {
            return false;
        }
    }
    !(name.starts_with("Session ")
        || name.starts_with("session-")
        || name.starts_with("User Manager")
        || name.starts_with("User Runtime Directory")
        || name.starts_with("user@")
        || name.starts_with("user-runtime-dir@")
        || name.is_empty())
}

/// `apt-daily.service - Daily apt download activities` → the unit; a bare
/// description → itself; trailing `...`/`.` dropped.
fn unit_or_description(x: &str) -> &str {
    let x = x.trim_end_matches('…').trim_end_matches('.');
    match x.find(" - ") {
        Some(i) if memchr(b' ', &x.as_bytes()[..i]).is_none() => &x[..i],
        _ => x,
    }
}

/// Read a systemd message → (phase, job name).
fn systemd_line(msg: &str) -> Option<(Sd, &str)> {
    for (prefix, phase) in [
        ("Starting ", Sd::Starting),
        ("Started ", Sd::Started),
        ("Finished ", Sd::Finished),
        ("Failed to start ", Sd::FailedStart),
        ("Stopping ", Sd::Stop),
        ("Stopped ", Sd::Stop),
    ] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            return Some((phase, unit_or_description(rest)));
        }
    }
    // `unit.service: Something.`
    let colon = msg.find(": ")?;
    let unit = &msg[..colon];
    if memchr(b' ', unit.as_bytes()).is_some() || !unit.contains('.') {
        return None;
    }
    let what = &msg[colon + 2..];
    let phase = if what.starts_with("Deactivated successfully") || what.starts_with("Succeeded") {
        Sd::Deactivated
    } else if let Some(r) = what.strip_prefix("Main process exited, ") {
        if r.contains("status=0/SUCCESS") {
            return None;
        }
        Sd::FailedExit
    } else if what.starts_with("Failed with result") {
        Sd::FailedResult
    } else {
        return None;
    };
    Some((phase, unit))
}

impl JobTracker {
    fn bound(&mut self) {
        if self.cron.len() > MAX_TRACKED {
            self.cron.clear();
        }
        if self.units.len() > MAX_TRACKED {
            self.units.clear();
        }
    }

    /// Mark a unit's run as ended (so `Deactivated` then `Finished` is one end).
    fn close(&mut self, job: &str) {
        if let Some(r) = self.units.get_mut(job) {
            r.open = false;
            r.start = None;
        }
    }

    /// Classify one message from `app` on `e` (whose `ts`, `pid` and
    /// `level` are set): job events for cron and systemd, `error` for
    /// messages at error level or with a code at warning level, else `log`.
    /// `unit` is the unit journald names for systemd's own messages.
    pub fn classify<'a>(
        &mut self,
        e: &mut Event<'a>,
        app: Option<&str>,
        msg: &'a str,
        unit: Option<&'a str>,
    ) {
        if e.level.is_none() {
            e.level = lead_level(msg);
        }
        match app {
            Some(a) if is_cron_app(a) => self.cron(e, msg),
            Some(a) if is_systemd_app(a) => self.systemd(e, msg, unit),
            _ => {}
        }
        if e.kind == Kind::Log {
            if matches!(e.level, Some(l) if l >= Level::Warn) {
                e.code = extract_code(msg).map(Cow::Owned);
            }
            // A job line that stayed `log` (`Stopping X...`) keeps that kind;
            // so do sshd's scanner noise and kernel OOM reports, whatever
            // their severity, so they do not drown real error bursts.
            if e.job.is_none() && !is_noise(app, msg) {
                e.kind = infer_kind(e, None);
            }
        }
    }

    fn cron<'a>(&mut self, e: &mut Event<'a>, msg: &'a str) {
        let ts = e.ts;
        if let Some((user, verb, text)) = cron_parts(msg) {
            // With `cron -L 8` and up, Debian names the job's pid: `([23983] cmd)`.
            let (gpid, text) = match text.strip_prefix('[').and_then(|t| t.split_once("] ")) {
                Some((p, rest)) if !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) => {
                    (Some(p), rest)
                }
                _ => (None, text),
            };
            if let Some(p) = gpid {
                e.run_id = Some(Cow::Borrowed(p));
            }
            match verb {
                "CMD" => {
                    let job = cron_job_name(text);
                    e.kind = Kind::JobStart;
                    e.job = Some(Cow::Borrowed(job));
                    e.user = Some(Cow::Borrowed(user));
                    if let Some(pid) = e.pid {
                        self.bound();
                        self.cron.insert(
                            pid,
                            CronRun {
                                job: job.to_string(),
                                user: Some(user.to_string()),
                                start: ts,
                                failed: false,
                            },
                        );
                    }
                }
                // Debian `cron -L 2`: `(root) END (cmd)`; cronie: `CMDEND`.
                "END" | "CMDEND" => {
                    let run = e.pid.and_then(|p| self.cron.remove(&p));
                    e.job = Some(Cow::Borrowed(cron_job_name(text)));
                    e.user = Some(Cow::Borrowed(user));
                    match run {
                        // The failure was the run's end already.
                        Some(r) if r.failed => {}
                        Some(r) => {
                            e.kind = Kind::JobEnd;
                            e.duration_ms = Some((ts - r.start) as f64 / 1000.0);
                        }
                        None => e.kind = Kind::JobEnd,
                    }
                }
                "error" | "ERROR" if user == "CRON" && text.contains("failed with exit status") => {
                    e.kind = Kind::JobFail;
                    if let Some(run) = e.pid.and_then(|p| self.cron.get_mut(&p)) {
                        if run.failed {
                            e.kind = Kind::Log;
                        }
                        run.failed = true;
                        e.duration_ms = Some((ts - run.start) as f64 / 1000.0);
                        e.job = Some(Cow::Owned(run.job.clone()));
                        e.user = run.user.clone().map(Cow::Owned);
                    }
                    // `(grandchild #23982 failed with exit status 1)`
                    if let Some(g) = text
                        .strip_prefix("grandchild #")
                        .and_then(|t| t.split(' ').next())
                    {
                        e.run_id = Some(Cow::Borrowed(g));
                    }
                    if let Some(st) = text.rsplit(' ').next() {
                        if !st.is_empty() {
                            e.attrs
                                .push((Cow::Borrowed("exit_status"), Cow::Borrowed(st)));
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        if msg.starts_with("pam_unix(cron:session): session closed") {
            if let Some(run) = e.pid.and_then(|p| self.cron.remove(&p)) {
                if !run.failed {
                    e.kind = Kind::JobEnd;
                    e.duration_ms = Some((ts - run.start) as f64 / 1000.0);
                    e.job = Some(Cow::Owned(run.job));
                    e.user = run.user.map(Cow::Owned);
                }
            }
        }
    }

    fn systemd<'a>(&mut self, e: &mut Event<'a>, msg: &'a str, unit: Option<&'a str>) {
        let Some((phase, named)) = systemd_line(msg) else {
            return;
        };
        // journald's UNIT names the unit even when the text has the description.
        let job: &'a str = match unit {
            Some(u) if u.ends_with(".service") => u,
            _ => named,
        };
        if !is_job_name(job) || !is_job_name(named) {
            return;
        }
        let ts = e.ts;
        let run = self.units.get(job).copied();
        let elapsed = |r: &UnitRun| r.start.map(|s| (ts - s) as f64 / 1000.0);
        let kind = match phase {
            Sd::Starting => {
                self.bound();
                self.units.insert(
                    job.to_string(),
                    UnitRun {
                        start: Some(ts),
                        failed: false,
                        open: true,
                    },
                );
                Kind::JobStart
            }
            Sd::Started => match run {
                Some(r) if r.open => {
                    if elapsed(&r).is_some_and(|ms| ms >= 1000.0) {
                        e.duration_ms = elapsed(&r);
                        self.close(job);
                        Kind::JobEnd
                    } else {
                        Kind::Log
                    }
                }
                _ => {
                    self.bound();
                    self.units.insert(
                        job.to_string(),
                        UnitRun {
                            start: Some(ts),
                            failed: false,
                            open: true,
                        },
                    );
                    Kind::JobStart
                }
            },
            Sd::Finished | Sd::Deactivated => match run {
                Some(r) if r.open => {
                    e.duration_ms = elapsed(&r);
                    self.close(job);
                    Kind::JobEnd
                }
                Some(_) => Kind::Log,
                None if phase == Sd::Finished => Kind::JobEnd,
                None => Kind::Log,
            },
            Sd::FailedExit | Sd::FailedResult | Sd::FailedStart => match run {
                Some(r) if r.failed => Kind::Log,
                _ => {
                    if let Some(r) = run {
                        e.duration_ms = elapsed(&r);
                    }
                    self.bound();
                    self.units.insert(
                        job.to_string(),
                        UnitRun {
                            start: None,
                            failed: true,
                            open: false,
                        },
                    );
                    Kind::JobFail
                }
            },
            Sd::Stop => Kind::Log,
        };
        if kind != Kind::Log || phase == Sd::Stop || phase == Sd::Started {
            e.job = Some(Cow::Borrowed(job));
        }
        e.kind = kind;
    }
}

/// Syslog files (`/var/log/syslog`, `messages`, `cron`, `daemon.log`).
pub struct Syslog;

fn looks_like_syslog(l: &str) -> bool {
    parse_header(l).is_some()
}

impl Format for Syslog {
    fn name(&self) -> &str {
        "syslog"
    }
    fn description(&self) -> &str {
        "syslog: RFC 3164 (with or without host and <PRI>), rsyslog ISO stamps, RFC 5424; cron and systemd runs as job events"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.8 * sample.fraction(crate::parser::is_blank_or_indented, looks_like_syslog)
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(SyslogParser {
            resolver: ctx.resolver,
            asm: Assembler::default(),
            jobs: JobTracker::default(),
        })
    }
}

struct SyslogParser {
    resolver: Resolver,
    asm: Assembler,
    jobs: JobTracker,
}

/// Build the event of a syslog line (kind classified by `jobs`).
pub fn syslog_event<'a>(
    text: &'a str,
    resolver: &Resolver,
    jobs: &mut JobTracker,
    line: &Line<'_>,
) -> Option<Event<'a>> {
    let h = parse_header(text)?;
    let ts = resolver.resolve(h.stamp)?;
    let mut e = Event::new(Kind::Log, ts, line.number, line.offset);
    e.level = h.level();
    e.host = h.host.map(Cow::Borrowed);
    e.app = h.app.map(Cow::Borrowed);
    e.pid = h.pid;
    e.message = Cow::Borrowed(h.msg);
    if let Some(id) = h.msgid {
        e.attrs.push((Cow::Borrowed("msgid"), Cow::Borrowed(id)));
    }
    if let Some(sd) = h.sd {
        e.attrs.push((Cow::Borrowed("sd"), Cow::Borrowed(sd)));
    }
    jobs.classify(&mut e, h.app, h.msg, None);
    Some(e)
}

impl LineParser for SyslogParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        match syslog_event(line.text, &self.resolver, &mut self.jobs, line) {
            Some(e) => self.asm.start(e, out),
            None if line.text.starts_with([' ', '\t']) && self.asm.is_open() => {
                self.asm.continue_with(line)
            }
            None if line.text.trim().is_empty() => Disposition::Skipped("empty line"),
            // journalctl's own markers: `-- Boot 5d1c... --`, `-- Logs begin at ... --`.
            None if line.text.starts_with("-- ") && line.text.ends_with(" --") => {
                Disposition::Parsed
            }
            None => Disposition::Skipped(REASON_NOT_SYSLOG),
        }
    }
    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.asm.flush(out);
        Settlement::default()
    }
}

#[cfg(test)]
mod tests;

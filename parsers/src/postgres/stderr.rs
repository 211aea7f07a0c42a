//! `log_destination = 'stderr'` (and syslog / Heroku logplex copies of it).
//!
//! A message is a line with a severity label (`LOG:  `, `ERROR:  `, any
//! catalogued language) and the lines of the same process after it: its
//! `DETAIL` / `HINT` / `QUERY` / `CONTEXT` / `LOCATION` / `STATEMENT` lines
//! (each with its own prefix) and the tab-indented lines that continue a
//! multi-line text. Messages of different processes may interleave (without
//! the logging collector, or in syslog), so each process has its own open
//! record; a record is emitted when its process starts a new message, when it
//! has been idle for [`IDLE_LINES`] lines ([`IDLE_LINES_NUMBERED`] for a
//! syslog message, whose every line names its message), or at the end of
//! the file.
//!
//! Lines another program wrote into the log (`pg_ctl: could not start
//! server`) right after a message are kept with it (up to
//! [`MAX_FOREIGN_RUN`] in a row); others are skipped.

use super::i18n::{Label, Part};
use super::messages::{self, PartLines, Tracker};
use super::prefix::{self, Learner, MAX_BARE, PrefixFields, Wrapper};
use super::{Record, append_opt, present};
use crate::event::EventSink;
use crate::parser::{
    Disposition, Format, Joint, LineParser, PartEnd, PartParser, RunOver, Sample, Settlement,
    SourceCtx,
};
use crate::split::Line;
use crate::time::Resolver;
use std::borrow::Cow;

/// Reason for a line that is neither a PostgreSQL message nor part of one.
pub const REASON_FOREIGN: &str = "not a PostgreSQL log line";
/// Reason for a `DETAIL`/`STATEMENT`/... line whose message is not in the file.
pub const REASON_ORPHAN_PART: &str = "DETAIL/HINT/CONTEXT/STATEMENT line without its message";
/// Reason for a message without any timestamp (none in the prefix nor before it).
pub const REASON_NO_TS: &str = "no timestamp (log_line_prefix has no %m/%t/%n)";
/// Reason for continuation lines before the first message.
pub const REASON_BEFORE_FIRST: &str = "continuation before the first message";

/// A record idle for this many lines is emitted.
pub const IDLE_LINES: u32 = 32;
/// A syslog message's record (`[seq-part]` on each line) idle for this many
/// lines is emitted. Its lines name their process and message, so waiting
/// longer takes nothing that is not its own; on a busy server the chunks of
/// one message come far apart (41 lines apart with 16 pgbench clients on
/// two cores, in the captured syslog pass).
pub const IDLE_LINES_NUMBERED: u32 = 1024;
/// At most this many records are held open at once.
pub const MAX_OPEN: usize = 256;
/// Foreign lines kept with the record before them, in a row.
pub const MAX_FOREIGN_RUN: u32 = 5;

/// PostgreSQL `stderr` logs with any `log_line_prefix`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PgStderr;

/// How a line reads, for sniffing.
fn sniff_line(l: &str) -> f32 {
    let (w, rest) = prefix::unwrap(l);
    if w.is_some() && (rest.starts_with("#011") || w.seq.is_some_and(|(_, m)| m > 1)) {
        return 1.0;
    }
    let Some(sp) = prefix::split(rest) else {
        return 0.0;
    };
    let f = prefix::parse_prefix(sp.prefix);
    let stamped = f.stamp.is_some() || w.stamp.is_some();
    if !stamped {
        // A message without a time (empty `log_line_prefix`) counts only
        // among stamped ones: the parser gives such messages the time of the
        // message before them.
        return if sp.prefix.is_empty() { 0.4 } else { 0.2 };
    }
    // The server writes two spaces after the label (other programs' `INFO: x`
    // has one); a pid or a syslog sequence number `[4-1]` confirm it.
    let two_spaces = sp.body.is_empty() || rest.contains(":  ");
    let confirmed = w.seq.is_some() || f.pid.is_some() || w.pid.is_some();
    match (two_spaces, confirmed) {
        (true, true) => 1.0,
        (true, false) => 0.8,
        (false, true) if w.seq.is_some() => 0.6,
        _ => 0.25,
    }
}

impl Format for PgStderr {
    fn name(&self) -> &str {
        "postgres-stderr"
    }

    fn description(&self) -> &str {
        "PostgreSQL server log (stderr, any log_line_prefix; syslog and Heroku copies; any lc_messages)"
    }

    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let mut total = 0.0f32;
        let mut score = 0.0f32;
        let mut stamped = 0u32;
        for l in sample.lines {
            if l.trim().is_empty() || l.starts_with(['\t', ' ']) {
                continue;
            }
            total += 1.0;
            let s = sniff_line(l);
            if s > 0.4 {
                stamped += 1;
            }
            score += s;
        }
        // Without any timestamp (psql's client-side errors) there is nothing to place.
        if total == 0.0 || stamped == 0 {
            return 0.0;
        }
        0.97 * score / total
    }

    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(StderrParser::new(ctx.resolver))
    }

    /// Any file whose prefix has no bare words but `[unknown]` (which a
    /// connection not yet authorized writes for `%u@%d`): the roles of bare
    /// words are learned as the file is read, so the parts of a file with
    /// them would all be read again (see [`PgStderr::join_parts`]).
    fn cut_at_records(&self, sample: &Sample<'_>) -> bool {
        sample.lines.iter().all(|l| {
            let (_, rest) = prefix::unwrap(l);
            prefix::split(rest).is_none_or(|sp| {
                let f = prefix::parse_prefix(sp.prefix);
                f.bare.iter().flatten().all(|w| *w == prefix::UNKNOWN_WORD)
            })
        })
    }

    /// A message's first line with its own time stamp.
    fn starts_part(&self, line: &str) -> bool {
        if line.starts_with(['\t', ' ']) || line.trim().is_empty() {
            return false;
        }
        let (w, rest) = prefix::unwrap(line);
        if w.is_some()
            && (rest.starts_with("#011")
                || rest.starts_with('\t')
                || w.seq.is_some_and(|(_, m)| m > 1))
        {
            return false;
        }
        let Some(sp) = prefix::split(rest) else {
            return false;
        };
        matches!(sp.label, Label::Primary(_))
            && (w.stamp.is_some() || prefix::parse_prefix(sp.prefix).stamp.is_some())
    }

    fn part_parser(
        &self,
        ctx: &SourceCtx,
        after: Option<(&PartEnd, &[u32])>,
    ) -> Option<Box<dyn PartParser>> {
        let mut p = StderrParser::new(ctx.resolver);
        if let Some((before, claimed)) = after {
            let b = before.0.downcast_ref::<PgPartEnd>()?;
            p.tracker = Tracker::going_on(&b.tracker);
            p.last_ts = b.last_ts;
            p.learner = b.learner;
            p.lines = PartLines::claimed_before(claimed);
        }
        Some(Box::new(p))
    }

    /// A part read by a fresh parser reads as in a single pass when:
    ///
    /// - it needed no time from before its first stamped message;
    /// - none of its bare prefix words (`[unknown]` aside, which reads the
    ///   same either way) stand where the parts before it had learned a
    ///   role; the roles after it are the ones it learned, then theirs;
    /// - none of its lock time-outs ended a wait reported before it (see
    ///   `Tracker::then`);
    /// - every line the part before it claimed was one it skipped: a record
    ///   left open at the cut (its process's messages interleaved with
    ///   others') took it, where the part's parser found no record for it.
    ///   A line it gave to one of its own records makes it read again.
    fn join_parts(&self, before: &PartEnd, next: &PartEnd, claimed: &[u32]) -> Option<Joint> {
        let b = before.0.downcast_ref::<PgPartEnd>()?;
        let n = next.0.downcast_ref::<PgPartEnd>()?;
        if n.needed_last_ts && b.last_ts.is_some() {
            return None;
        }
        if n.bare_at & roles_at(&b.learner) != 0 {
            return None;
        }
        let tracker = Tracker::then(&b.tracker, &n.tracker)?;
        let unskipped = n.lines.unskipped(claimed)?;
        let end = PgPartEnd {
            tracker,
            last_ts: n.last_ts.or(b.last_ts),
            learner: Learner {
                // What it learned replaced what the parts before taught.
                roles: std::array::from_fn(|i| n.learner.roles[i].or(b.learner.roles[i])),
            },
            ..PgPartEnd::default()
        };
        Some(Joint {
            end: PartEnd(Box::new(end)),
            claimed: unskipped,
        })
    }
}

/// Bit i set when the i-th bare prefix word has a role.
fn roles_at(l: &Learner) -> u8 {
    l.roles
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_some())
        .fold(0, |m, (i, _)| m | 1 << i)
}

/// What a [`StderrParser`] knew at the end of its part of a file.
#[derive(Debug, Default)]
struct PgPartEnd {
    tracker: Tracker,
    /// The time of its last message (before its run-over).
    last_ts: Option<i64>,
    learner: Learner,
    /// Where (bit i: the i-th bare word) its prefixes had bare words.
    bare_at: u8,
    /// It met a message without a time before its first with one.
    needed_last_ts: bool,
    /// The lines it skipped among its first.
    lines: PartLines,
}

/// Which text a tab-indented line continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Message,
    Part(Part),
}

#[derive(Debug)]
struct Open {
    rec: Record<'static>,
    /// Line number of the last line taken.
    last_line: u32,
    slot: Slot,
    /// The syslog sequence number, when wrapped.
    seq: Option<u64>,
    /// Closed: waits only for the records before it to be emitted.
    done: bool,
    /// Begun in the run-over: the next part's, never emitted here.
    phantom: bool,
}

/// The reader of one `stderr` log.
#[derive(Debug)]
pub struct StderrParser {
    resolver: Resolver,
    open: Vec<Open>,
    /// Start line of the record that took the last line.
    last: Option<u32>,
    foreign_run: u32,
    last_ts: Option<i64>,
    learner: Learner,
    tracker: Tracker,
    /// Reading on past its part (see [`PartParser::run_over`]), since the
    /// time it kept then.
    run_over: Option<Option<i64>>,
    /// Whether the last line read was taken by a record of this part (in
    /// the run-over).
    took_own: bool,
    /// A resumed part's lines that the part before it took, and the lines
    /// a fresh part skipped (for [`PgStderr::join_parts`]).
    lines: PartLines,
    /// What a part's fresh parser notes for [`PgStderr::join_parts`].
    bare_at: u8,
    own_ts: bool,
    needed_last_ts: bool,
}

impl StderrParser {
    /// A parser resolving naive timestamps with `resolver`.
    pub fn new(resolver: Resolver) -> StderrParser {
        StderrParser {
            resolver,
            open: Vec::new(),
            last: None,
            foreign_run: 0,
            last_ts: None,
            learner: Learner::default(),
            tracker: Tracker::default(),
            run_over: None,
            took_own: false,
            lines: PartLines::default(),
            bare_at: 0,
            own_ts: false,
            needed_last_ts: false,
        }
    }

    /// Close the record at `i`; records are emitted in the order they
    /// started, once every record before them is closed too.
    fn flush_at(&mut self, i: usize, out: &mut dyn EventSink) {
        let Some(o) = self.open.get_mut(i) else {
            return;
        };
        if o.done {
            return;
        }
        o.done = true;
        let line = o.rec.line;
        if self.last == Some(line) {
            self.last = None;
        }
        self.drain(out);
    }

    /// Emit the closed records at the front.
    fn drain(&mut self, out: &mut dyn EventSink) {
        while self.open.first().is_some_and(|o| o.done) {
            let o = self.open.remove(0);
            if !o.phantom {
                messages::emit(&o.rec, &mut self.tracker, out);
            }
        }
    }

    fn learn(&mut self, bare: &[Option<String>], m: &str) {
        if bare.iter().all(Option::is_none) {
            return;
        }
        let rest = m
            .strip_prefix("connection authorized: ")
            .or_else(|| m.strip_prefix("replication connection authorized: "))
            .or_else(|| m.strip_prefix("disconnection: "));
        let Some(rest) = rest else { return };
        let val = |k: &str| -> String {
            rest.split_whitespace()
                .find_map(|kv| kv.strip_prefix(k))
                .unwrap_or("")
                .to_string()
        };
        let (u, d, a) = (val("user="), val("database="), val("application_name="));
        self.learner.learn(bare, &u, &d, &a);
    }

    /// Emit records idle for too long, and the oldest beyond the cap.
    fn flush_idle(&mut self, now: u32, out: &mut dyn EventSink) {
        while let Some(i) = self.open.iter().position(|o| {
            let idle = if o.seq.is_some() {
                IDLE_LINES_NUMBERED
            } else {
                IDLE_LINES
            };
            !o.done && now.saturating_sub(o.last_line) > idle
        }) {
            self.flush_at(i, out);
        }
        while self.open.len() >= MAX_OPEN {
            match self.open.iter().position(|o| !o.done) {
                Some(i) => self.flush_at(i, out),
                None => self.drain(out),
            }
        }
    }

    fn last_open(&mut self) -> Option<&mut Open> {
        let l = self.last?;
        self.open.iter_mut().find(|o| !o.done && o.rec.line == l)
    }

    /// The open record a part line of process `pid` (syslog sequence `seq`) belongs to.
    fn owner(&self, pid: Option<i64>, seq: Option<u64>, host: Option<&str>) -> Option<usize> {
        self.open.iter().rposition(|o| {
            if o.done {
                return false;
            }
            let same_pid = pid.is_none() || o.rec.pid == pid;
            let same_seq = seq.is_none() || o.seq.is_none() || o.seq == seq;
            let same_host = host.is_none() || o.rec.server_host.as_deref() == host;
            same_pid && same_seq && same_host
        })
    }

    fn continuation(&mut self, line: &Line<'_>, text: &str) -> Disposition {
        let n = line.number;
        match self.last_open() {
            Some(o) => {
                let t = text.strip_prefix('\t').unwrap_or(text);
                match o.slot {
                    Slot::Message => {
                        let m = o.rec.message.to_mut();
                        m.push('\n');
                        m.push_str(t);
                    }
                    Slot::Part(p) => append_opt(part_mut(&mut o.rec, p), t),
                }
                o.rec.line_count += 1;
                o.last_line = n;
                self.took_own = !o.phantom;
                self.foreign_run = 0;
                Disposition::Continuation
            }
            None => Disposition::Skipped(REASON_BEFORE_FIRST),
        }
    }

    fn foreign(&mut self, line: &Line<'_>) -> Disposition {
        if self.foreign_run >= MAX_FOREIGN_RUN {
            return Disposition::Skipped(REASON_FOREIGN);
        }
        let n = line.number;
        let text = line.text;
        match self.last_open() {
            Some(o) => {
                append_opt(&mut o.rec.foreign, text);
                o.rec.line_count += 1;
                o.last_line = n;
                self.took_own = !o.phantom;
                self.foreign_run += 1;
                Disposition::Continuation
            }
            None => Disposition::Skipped(REASON_FOREIGN),
        }
    }
}

fn part_mut<'r, 'a>(rec: &'r mut Record<'a>, p: Part) -> &'r mut Option<Cow<'a, str>> {
    match p {
        Part::Detail => &mut rec.detail,
        Part::Hint => &mut rec.hint,
        Part::Query => &mut rec.query,
        Part::Context => &mut rec.context,
        Part::Location => &mut rec.location,
        Part::Statement => &mut rec.statement,
        Part::Backtrace => &mut rec.location,
    }
}

/// `00000: text` (verbose error messages) → (`00000`, `text`).
fn verbose_code(body: &str) -> (Option<&str>, &str) {
    match (body.get(..5), body.get(5..7)) {
        (Some(code), Some(": "))
            if code
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
                && code.bytes().filter(u8::is_ascii_digit).count() >= 2 =>
        {
            (Some(code), body.get(7..).unwrap_or(""))
        }
        _ => (None, body),
    }
}

fn owned(v: Option<&str>) -> Option<Cow<'static, str>> {
    v.filter(|s| present(s)).map(|s| Cow::Owned(s.to_string()))
}

/// Fill a record's identity from the prefix and the wrapper.
fn identity(rec: &mut Record<'static>, f: &PrefixFields<'_>, w: &Wrapper<'_>) {
    rec.pid = f.pid.or(w.pid);
    rec.user = owned(f.user);
    rec.db = owned(f.db);
    rec.app = owned(f.app);
    rec.client = owned(f.client);
    rec.client_port = owned(f.client_port);
    rec.server_host = owned(w.host);
    rec.session = owned(f.session);
    rec.vxid = owned(f.vxid);
    rec.txid = owned(f.txid);
    rec.sqlstate = owned(f.sqlstate);
    rec.query_id = owned(f.query_id);
    rec.command_tag = owned(f.command_tag);
    rec.backend_type = owned(f.backend_type);
    rec.session_line = f.session_line.or(w.seq.map(|(n, _)| n));
}

impl StderrParser {
    /// Read one line (of its part or, in the run-over, of the next).
    fn read(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let text = line.text;
        if text.trim().is_empty() {
            return match self.last_open() {
                Some(o) => {
                    o.rec.line_count += 1;
                    o.last_line = line.number;
                    self.took_own = !o.phantom;
                    Disposition::Continuation
                }
                None => Disposition::Skipped(REASON_BEFORE_FIRST),
            };
        }
        if text.starts_with(['\t', ' ']) {
            return self.continuation(line, text);
        }
        let (w, rest) = prefix::unwrap(text);
        if w.is_some() {
            if let Some(t) = rest.strip_prefix("#011") {
                return self.continuation(line, t);
            }
            if rest.starts_with('\t') {
                return self.continuation(line, rest);
            }
        }
        let Some(sp) = prefix::split(rest) else {
            if w.seq.is_some_and(|(_, m)| m > 1) {
                return self.continuation(line, rest);
            }
            if w.is_some() {
                // Another program's line in a syslog file.
                return Disposition::Skipped(REASON_FOREIGN);
            }
            return self.foreign(line);
        };
        self.foreign_run = 0;
        let mut f = prefix::parse_prefix(sp.prefix);
        if self.run_over.is_none() {
            // `[unknown]` reads the same with or without a role.
            for (i, w) in f.bare.iter().enumerate() {
                if w.is_some_and(present) {
                    self.bare_at |= 1 << i;
                }
            }
        }
        let pid = f.pid.or(w.pid);
        if matches!(sp.label, Label::Primary(_)) {
            // A new message of this process ends its previous one (which may
            // teach the roles of bare prefix words).
            while let Some(i) = self.open.iter().position(|o| {
                !o.done
                    && (pid.is_none() || o.rec.pid == pid)
                    && o.rec.server_host.as_deref() == w.host.filter(|h| present(h))
            }) {
                self.flush_at(i, out);
            }
        }
        f.apply(&self.learner);
        match sp.label {
            Label::Part(part) => {
                let seq = w.seq.map(|(n, _)| n);
                let Some(i) = self.owner(pid, seq, w.host) else {
                    return Disposition::Skipped(REASON_ORPHAN_PART);
                };
                let Some(o) = self.open.get_mut(i) else {
                    return Disposition::Skipped(REASON_ORPHAN_PART);
                };
                append_opt(part_mut(&mut o.rec, part), sp.body);
                o.slot = Slot::Part(part);
                o.rec.line_count += 1;
                o.last_line = line.number;
                self.took_own = !o.phantom;
                if o.rec.sqlstate.is_none() {
                    o.rec.sqlstate = owned(f.sqlstate);
                }
                self.last = Some(o.rec.line);
                Disposition::Continuation
            }
            Label::Primary(sev) => {
                let stamp = f.stamp.or(w.stamp);
                let resolved = stamp.and_then(|s| self.resolver.resolve(s));
                if self.run_over.is_none() {
                    self.needed_last_ts |= resolved.is_none() && !self.own_ts;
                    self.own_ts |= resolved.is_some();
                }
                let ts = match resolved {
                    Some(ts) => ts,
                    None => match self.last_ts {
                        Some(ts) => ts,
                        None => return Disposition::Skipped(REASON_NO_TS),
                    },
                };
                self.last_ts = Some(ts);
                self.flush_idle(line.number, out);
                // `log_error_verbosity = verbose` puts the SQLSTATE first.
                let (code, body) = verbose_code(sp.body);
                let mut rec = Record {
                    line: line.number,
                    offset: line.offset,
                    line_count: 1,
                    ts,
                    severity: sev,
                    severity_word: Cow::Owned(sp.word.to_string()),
                    message: Cow::Owned(body.to_string()),
                    ..Record::default()
                };
                identity(&mut rec, &f, &w);
                if rec.sqlstate.is_none() {
                    rec.sqlstate = code.map(|c| Cow::Owned(c.to_string()));
                }
                // A connection message teaches the roles of bare prefix
                // words from the next line on: its first line holds all
                // it teaches, so a part's parser knows at its end exactly
                // what a single pass knows there (its run-over's records
                // are the next part's, which learns from them itself).
                if self.run_over.is_none() && f.bare.iter().any(Option::is_some) {
                    let bare: Vec<Option<String>> = f
                        .bare
                        .iter()
                        .take(MAX_BARE)
                        .map(|b| b.map(str::to_string))
                        .collect();
                    self.learn(&bare, body);
                }
                self.last = Some(line.number);
                self.open.push(Open {
                    rec,
                    last_line: line.number,
                    slot: Slot::Message,
                    seq: w.seq.map(|(n, _)| n),
                    done: false,
                    phantom: self.run_over.is_some(),
                });
                Disposition::Parsed
            }
        }
    }
}

impl LineParser for StderrParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        if self.lines.is_claimed(line.number) {
            // A line of a record of the part before (interleaved with this
            // part's): the record it follows is not this part's.
            self.last = None;
            return Disposition::Continuation;
        }
        let d = self.read(line, out);
        self.lines.note(line.number, d);
        d
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        for o in &mut self.open {
            o.done = true;
        }
        self.drain(out);
        Settlement::default()
    }
}

impl PartParser for StderrParser {
    /// Read on as a single pass would, until no record of this part is
    /// open: a message starting in the next part becomes a record that
    /// is never emitted here, and a line is taken when one of this part's
    /// records takes it.
    fn run_over(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> RunOver {
        if self.run_over.is_none() {
            self.run_over = Some(self.last_ts);
        }
        if !self.open.iter().any(|o| !o.done && !o.phantom) {
            return RunOver::Done;
        }
        if self.lines.is_claimed(line.number) {
            // A resumed part: a record of a part before this one takes
            // the line, so the next continuation is not this part's.
            self.last = None;
            return RunOver::NotMine;
        }
        self.took_own = false;
        self.read(line, out);
        if self.took_own {
            RunOver::Taken
        } else {
            RunOver::NotMine
        }
    }

    fn part_end(&mut self) -> PartEnd {
        PartEnd(Box::new(PgPartEnd {
            tracker: std::mem::take(&mut self.tracker),
            last_ts: self.run_over.unwrap_or(self.last_ts),
            learner: self.learner,
            bare_at: self.bare_at,
            needed_last_ts: self.needed_last_ts,
            lines: std::mem::take(&mut self.lines),
        }))
    }
}

//! Application and framework logs: Rails / Ruby Logger, Laravel, Python
//! logging, Go (zap console, logrus text), Node (bunyan, pino), .NET
//! (Microsoft.Extensions.Logging console, Serilog compact JSON).
//!
//! Most of these are "a head line, then lines that belong to it" formats:
//! [`HeadFormat`] turns a per-format head recogniser ([`HeadFn`]) into a
//! [`Format`] whose parser assembles multi-line records (stack traces,
//! `Caused by:`, `... N more`, tracebacks) with [`crate::assemble::Assembler`]
//! and enriches the open record from them ([`stack`]).

pub mod dotnet;
pub mod golang;
pub mod laravel;
pub mod node;
pub mod python;
pub mod rails;
pub mod stack;

use crate::assemble::Assembler;
use crate::event::{Event, EventSink, Level};
use crate::fields::FieldSink;
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{Resolver, Stamp};
use std::borrow::Cow;

/// What a format recognised on a line that starts a record.
#[derive(Debug, Clone, Default)]
pub struct Head<'a> {
    /// The record's timestamp, not yet resolved.
    pub stamp: Option<Stamp>,
    /// Severity.
    pub level: Option<Level>,
    /// Thread name or id.
    pub thread: Option<&'a str>,
    /// Logger / category / component (becomes `app`).
    pub logger: Option<&'a str>,
    /// Process id.
    pub pid: Option<i64>,
    /// Host, where the line names it.
    pub host: Option<&'a str>,
    /// The message.
    pub msg: &'a str,
    /// A message id the format knows how to find (WebSphere `WSVR0001I`, JBoss `WFLYSRV0049`).
    pub code: Option<Cow<'a, str>>,
    /// A JSON object of extra fields on the line (zap's trailing fields, Laravel's context).
    pub json: Option<&'a str>,
    /// logfmt `key=value` pairs on the line (logrus text after the message).
    pub logfmt: Option<&'a str>,
    /// Why the line, though recognised, carries no usable time (skipped with this reason).
    pub no_time: Option<&'static str>,
    /// Extra attributes.
    pub attrs: Vec<(&'static str, Cow<'a, str>)>,
    /// The line is really a piece of the open record written with its own
    /// prefix (WebSphere `SystemErr R` stack frames): attach it when a record
    /// of the same thread is open.
    pub frame: bool,
}

/// Recognise a record's first line.
pub type HeadFn = for<'a> fn(&'a str) -> Option<Head<'a>>;

/// Build an event from a recognised head: typed fields first, then the
/// line's JSON fields through the common key mapping, then kind and code
/// inference ([`FieldSink::finish`]).
pub fn head_event<'a>(h: Head<'a>, resolver: &Resolver, line: &Line<'_>) -> Option<Event<'a>> {
    let mut s = FieldSink::new(resolver, line.number, line.offset);
    if let Some(st) = h.stamp {
        s.set_stamp(st);
    }
    s.event.level = h.level;
    s.event.thread = h.thread.map(Cow::Borrowed);
    s.event.app = h.logger.map(Cow::Borrowed);
    s.event.pid = h.pid;
    s.event.host = h.host.map(Cow::Borrowed);
    s.event.message = Cow::Borrowed(h.msg);
    s.event.code = h.code;
    for (k, v) in h.attrs {
        s.put_other(Cow::Borrowed(k), v);
    }
    if let Some(j) = h.json {
        put_json_fields(&mut s, j);
    }
    if let Some(l) = h.logfmt {
        for (k, v) in crate::structured::logfmt_pairs(l) {
            s.put(Cow::Borrowed(k), v, false);
        }
    }
    let mut e = s.finish()?;
    stack::enrich_from_text(&mut e);
    if e.kind == crate::event::Kind::Log {
        if let Some((kind, key)) = stack::lease_in_message(&e.message) {
            e.kind = kind;
            if e.resource.is_none() {
                e.resource = key.map(|k| Cow::Owned(k.to_string()));
            }
        }
    }
    Some(e)
}

/// Feed the top-level fields of a JSON object into `s` (values as text).
pub fn put_json_fields(s: &mut FieldSink<'_, '_>, json: &str) {
    let Ok(map) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json) else {
        return;
    };
    for (k, v) in map {
        let (text, numeric) = json_text(&v);
        s.put(Cow::Owned(k), Cow::Owned(text), numeric);
    }
}

/// A JSON value as text: strings unquoted, everything else as compact JSON.
pub fn json_text(v: &serde_json::Value) -> (String, bool) {
    match v {
        serde_json::Value::String(s) => (s.clone(), false),
        serde_json::Value::Number(n) => (n.to_string(), true),
        other => (other.to_string(), false),
    }
}

/// A line format defined by a head recogniser: records start at lines the
/// recogniser accepts, and every other line belongs to the open record.
pub struct HeadFormat {
    /// Stable format name.
    pub name: &'static str,
    /// One line for `pm-tui formats`.
    pub description: &'static str,
    /// The head recogniser.
    pub head: HeadFn,
    /// Specificity: the score on a sample whose every head line is recognised.
    pub weight: f32,
    /// A sample line that must be present for the format to score at all
    /// (an unmistakable marker), as a predicate; `None` when heads alone decide.
    pub marker: Option<fn(&str) -> bool>,
    /// Run on an event once its message is known (on its first line, or on
    /// the line after a head that carried no message, as in .NET's console
    /// two-line form): recognise requests and the like.
    pub refine: Option<fn(&mut Event<'static>)>,
    /// Lines that continue a record in this format beyond the usual stack
    /// trace shapes (Laravel's `"}` and `[previous exception]`): left out
    /// when sniffing.
    pub cont: Option<fn(&str) -> bool>,
}

impl HeadFormat {
    fn score(&self, sample: &Sample<'_>) -> f32 {
        if let Some(m) = self.marker {
            if !sample.lines.iter().any(|l| m(l)) {
                return 0.0;
            }
        }
        let cont = self.cont;
        // Head lines count as hits; other lines as misses, unless they
        // are blank or continue a record.
        let f = sample.fraction_judged(|l| {
            if l.trim().is_empty() {
                None
            } else if (self.head)(l).is_some() {
                Some(true)
            } else if stack::looks_like_continuation(l) || cont.is_some_and(|c| c(l)) {
                None
            } else {
                Some(false)
            }
        });
        self.weight * f
    }
}

impl Format for HeadFormat {
    fn name(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        self.description
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        self.score(sample)
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        let mut p = HeadParser::new(self.head, ctx.resolver);
        p.refine = self.refine;
        Box::new(p)
    }
}

/// Reason for head lines whose timestamp does not resolve.
pub const REASON_BAD_TIME: &str = "timestamp out of range";

/// The parser behind [`HeadFormat`].
pub struct HeadParser {
    head: HeadFn,
    resolver: Resolver,
    asm: Assembler,
    open_thread: Option<String>,
    refine: Option<fn(&mut Event<'static>)>,
}

impl HeadParser {
    /// A parser recognising heads with `head`, resolving times with `resolver`.
    pub fn new(head: HeadFn, resolver: Resolver) -> HeadParser {
        HeadParser {
            head,
            resolver,
            asm: Assembler::default(),
            open_thread: None,
            refine: None,
        }
    }

    /// Attach a line to the open record, enriching it (exception class, code).
    fn attach(&mut self, line: &Line<'_>) -> Disposition {
        if let Some(p) = self.asm.pending_mut() {
            if p.message.is_empty() && !line.text.trim().is_empty() {
                // The head carried no message: this line is it.
                p.message = Cow::Owned(line.text.trim().to_string());
                p.line_count += 1;
                if let Some(r) = self.refine {
                    r(p);
                }
                return Disposition::Continuation;
            }
            stack::enrich(p, line.text);
        }
        self.asm.continue_with(line)
    }
}

impl LineParser for HeadParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let Some(h) = (self.head)(line.text) else {
            return self.attach(line);
        };
        if h.frame
            && self.asm.is_open()
            && h.thread.is_some()
            && h.thread == self.open_thread.as_deref()
        {
            let msg = h.msg;
            if let Some(p) = self.asm.pending_mut() {
                stack::enrich(p, msg);
                p.append_line(msg);
                p.line_count += 1;
                return Disposition::Continuation;
            }
        }
        if let Some(reason) = h.no_time {
            return Disposition::Skipped(reason);
        }
        let thread = h.thread.map(str::to_string);
        match head_event(h, &self.resolver, line) {
            Some(e) => {
                self.open_thread = thread;
                let d = self.asm.start(e, out);
                if let (Some(r), Some(p)) = (self.refine, self.asm.pending_mut()) {
                    if !p.message.is_empty() {
                        r(p);
                    }
                }
                d
            }
            None => Disposition::Skipped(REASON_BAD_TIME),
        }
    }
    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.asm.flush(out);
        Settlement::default()
    }
}

/// Split `s` at the first run of spaces: (token, rest with leading spaces removed).
pub fn token(s: &str) -> (&str, &str) {
    match s.find([' ', '\t']) {
        Some(i) => (&s[..i], s[i..].trim_start_matches([' ', '\t'])),
        None => (s, ""),
    }
}

/// `[inner] rest` → (inner, rest after spaces). Inner may hold spaces (padded thread names).
pub fn bracketed(s: &str, open: char, close: char) -> Option<(&str, &str)> {
    let rest = s.strip_prefix(open)?;
    let end = rest.find(close)?;
    Some((
        &rest[..end],
        rest[end + close.len_utf8()..].trim_start_matches(' '),
    ))
}

/// Every format of the application, app-server and job families, most
/// specific first (registered by [`crate::builtin_formats`]).
pub fn formats() -> Vec<std::sync::Arc<dyn Format>> {
    use std::sync::Arc;
    let mut v: Vec<Arc<dyn Format>> = vec![
        Arc::new(crate::cosminexus::Cosminexus),
        Arc::new(crate::jobs::sidekiq::SidekiqText),
        Arc::new(crate::jobs::sidekiq::SidekiqJson),
        Arc::new(crate::jobs::celery::Celery),
        Arc::new(crate::jobs::kube::KubeEventsText),
        Arc::new(crate::jobs::kube::KubeEventsJson),
        Arc::new(rails::Rails),
        Arc::new(rails::RubyLogger),
    ];
    for f in crate::java::formats() {
        v.push(Arc::new(f));
    }
    v.push(Arc::new(laravel::format()));
    v.push(Arc::new(python::format()));
    for f in golang::formats() {
        v.push(Arc::new(f));
    }
    v.push(Arc::new(node::NodeJson));
    v.push(Arc::new(dotnet::SerilogCompact));
    v.push(Arc::new(dotnet::console_format()));
    v
}

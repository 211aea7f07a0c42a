//! Declarative line formats: TOML files with regexes of named captures, a
//! level map, a kind mapping and sample lines with their expected fields.
//!
//! Built-in ones live in `parsers/formats/`; users add theirs under
//! `$XDG_CONFIG_HOME/pm-tui/formats/`. As lnav does, every format carries
//! samples, and loading a format checks them: a format whose samples do not
//! parse as declared is rejected with the file and line of the problem.
//!
//! ```toml
//! name = "batch-kv"
//! description = "Batch runner lines: job=NAME run_id=ID start|end|fail"
//! multiline = false
//!
//! [[pattern]]
//! regex = '^(?P<ts>\S+ \S+) (?P<level>[A-Z]+) job=(?P<job>\S+) run_id=(?P<run_id>\S+) (?P<event>start|end|fail)\b(?P<msg>.*)$'
//!
//! [kind]
//! field = "event"
//! map = { start = "job_start", end = "job_end", fail = "job_fail" }
//!
//! [[sample]]
//! line = "2023-06-01 03:00:00 INFO job=points run_id=r1 start"
//! expect = { kind = "job_start", job = "points", run_id = "r1", ts = "2023-06-01T03:00:00.000Z" }
//! ```
//!
//! Capture names follow the common key names of [`crate::fields`] (`ts`,
//! `level`, `msg`, `pid`, `host`, `job`, `run_id`, `duration_ms`, `status`,
//! ...); other captures become business ids (`*_id`) or attributes.

use crate::assemble::Assembler;
use crate::event::{Event, EventSink, Kind, Level};
use crate::fields::{Field, FieldSink, field_for_key};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver, Zone};
use chrono::NaiveDateTime;
use regex::Regex;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A problem in a format definition, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// The file (or built-in name) the definition came from.
    pub path: String,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.path, l, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for FormatError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFormat {
    name: String,
    description: String,
    #[serde(default)]
    multiline: bool,
    #[serde(default)]
    priority: Option<f32>,
    #[serde(default)]
    timestamp_formats: Vec<String>,
    #[serde(default)]
    timezone: Option<String>,
    pattern: Vec<RawPattern>,
    #[serde(default)]
    level: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    kind: Option<RawKind>,
    #[serde(default)]
    sample: Vec<RawSample>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    #[serde(default)]
    name: Option<String>,
    regex: toml::Spanned<String>,
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    field: String,
    map: BTreeMap<String, String>,
    #[serde(default)]
    default: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSample {
    line: toml::Spanned<String>,
    #[serde(default)]
    expect: BTreeMap<String, toml::Value>,
}

struct Pattern {
    name: String,
    regex: Regex,
    kind: Option<Kind>,
}

/// A compiled declarative format.
pub struct DeclFormat {
    inner: Arc<Compiled>,
}

struct Compiled {
    name: String,
    description: String,
    multiline: bool,
    priority: f32,
    timestamp_formats: Vec<String>,
    zone: Option<Zone>,
    patterns: Vec<Pattern>,
    levels: Vec<(String, Level)>,
    kind_field: Option<(String, BTreeMap<String, Kind>, Option<Kind>)>,
    origin: String,
}

/// A warning from loading a format: it loads, but something looks off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatWarning {
    /// Where.
    pub path: String,
    /// Line, when known.
    pub line: Option<usize>,
    /// What.
    pub message: String,
}

impl fmt::Display for FormatWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: warning: {}", self.path, l, self.message),
            None => write!(f, "{}: warning: {}", self.path, self.message),
        }
    }
}

fn line_of(src: &str, byte: usize) -> usize {
    src[..byte.min(src.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

impl DeclFormat {
    /// Parse, compile and check a format definition. `path` names it in errors.
    pub fn from_toml(
        src: &str,
        path: &str,
    ) -> Result<(DeclFormat, Vec<FormatWarning>), FormatError> {
        let err = |line: Option<usize>, message: String| FormatError {
            path: path.to_string(),
            line,
            message,
        };
        let raw: RawFormat = toml::from_str(src).map_err(|e| {
            let line = e.span().map(|s| line_of(src, s.start));
            err(line, e.message().to_string())
        })?;
        if raw.name.is_empty()
            || !raw
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(err(
                Some(line_of(src, src.find("name").unwrap_or(0))),
                format!(
                    "format name `{}` must be lower-case letters, digits and `-`",
                    raw.name
                ),
            ));
        }
        if raw.pattern.is_empty() {
            return Err(err(None, "a format needs at least one [[pattern]]".into()));
        }
        let mut patterns = Vec::new();
        for (i, p) in raw.pattern.iter().enumerate() {
            let line = Some(line_of(src, p.regex.span().start));
            let regex = Regex::new(p.regex.get_ref())
                .map_err(|e| err(line, format!("pattern {} does not compile: {e}", i + 1)))?;
            let has_ts = regex
                .capture_names()
                .flatten()
                .any(|n| field_for_key(n) == Some(Field::Ts));
            if !has_ts {
                return Err(err(
                    line,
                    format!(
                        "pattern {} has no timestamp capture: name one `(?P<ts>...)`",
                        i + 1
                    ),
                ));
            }
            let kind = match &p.kind {
                Some(k) => Some(Kind::from_name(k).ok_or_else(|| {
                    err(
                        line,
                        format!("unknown kind `{k}` (see `pm-tui formats --kinds`)"),
                    )
                })?),
                None => None,
            };
            patterns.push(Pattern {
                name: p
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("pattern {}", i + 1)),
                regex,
                kind,
            });
        }
        let mut levels = Vec::new();
        for (lvl, words) in &raw.level {
            let level = Level::parse(lvl)
                .ok_or_else(|| err(None, format!("unknown level `{lvl}` in [level]")))?;
            for w in words {
                levels.push((w.clone(), level));
            }
        }
        let kind_field = match &raw.kind {
            Some(k) => {
                let mut map = BTreeMap::new();
                for (v, name) in &k.map {
                    let kind = Kind::from_name(name)
                        .ok_or_else(|| err(None, format!("unknown kind `{name}` in [kind.map]")))?;
                    map.insert(v.clone(), kind);
                }
                let default = match &k.default {
                    Some(d) => Some(
                        Kind::from_name(d)
                            .ok_or_else(|| err(None, format!("unknown kind `{d}` in [kind]")))?,
                    ),
                    None => None,
                };
                Some((k.field.clone(), map, default))
            }
            None => None,
        };
        let zone = match &raw.timezone {
            Some(z) => Some(z.parse::<Zone>().map_err(|e| err(None, e.to_string()))?),
            None => None,
        };
        let format = Compiled {
            name: raw.name.clone(),
            description: raw.description.clone(),
            multiline: raw.multiline,
            priority: raw.priority.unwrap_or(0.7).clamp(0.0, 1.0),
            timestamp_formats: raw.timestamp_formats.clone(),
            zone,
            patterns,
            levels,
            kind_field,
            origin: path.to_string(),
        };
        let warnings = format.check_samples(&raw.sample, src)?;
        Ok((
            DeclFormat {
                inner: Arc::new(format),
            },
            warnings,
        ))
    }

    /// Where the definition came from.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }
}

impl Compiled {
    fn check_samples(
        &self,
        samples: &[RawSample],
        src: &str,
    ) -> Result<Vec<FormatWarning>, FormatError> {
        let path = self.origin.clone();
        if samples.is_empty() {
            return Err(FormatError {
                path,
                line: None,
                message: "a format needs at least one [[sample]] line with its expected fields"
                    .into(),
            });
        }
        let mut warnings = Vec::new();
        let mut used = vec![false; self.patterns.len()];
        let resolver = Resolver::new(self.zone.unwrap_or_else(Zone::utc));
        for (i, s) in samples.iter().enumerate() {
            let line_no = Some(line_of(src, s.line.span().start));
            let text = s.line.get_ref();
            let matching: Vec<usize> = self
                .patterns
                .iter()
                .enumerate()
                .filter(|(_, p)| p.regex.is_match(text))
                .map(|(j, _)| j)
                .collect();
            let Some(&first) = matching.first() else {
                return Err(FormatError {
                    path,
                    line: line_no,
                    message: format!("sample {} is matched by no pattern: {text:?}", i + 1),
                });
            };
            if matching.len() > 1 {
                warnings.push(FormatWarning {
                    path: path.clone(),
                    line: line_no,
                    message: format!(
                        "sample {} is matched by {} patterns; the first ({}) wins",
                        i + 1,
                        matching.len(),
                        self.patterns[first].name
                    ),
                });
            }
            used[first] = true;
            let line = Line {
                text,
                number: 1,
                offset: 0,
                overlong: None,
            };
            let event = match self.parse_line(&line, &resolver) {
                LineResult::Event(e) => *e,
                LineResult::NoTimestamp => {
                    return Err(FormatError {
                        path,
                        line: line_no,
                        message: format!(
                            "sample {}: the timestamp capture could not be read as a time",
                            i + 1
                        ),
                    });
                }
                LineResult::NoMatch => unreachable_no_match(&path, line_no)?,
            };
            for (key, want) in &s.expect {
                let want = match want {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let got = event_field(&event, key);
                if got.as_deref() != Some(want.as_str()) {
                    return Err(FormatError {
                        path,
                        line: line_no,
                        message: format!(
                            "sample {}: expected {key} = {want:?}, got {}",
                            i + 1,
                            got.map(|g| format!("{g:?}"))
                                .unwrap_or_else(|| "nothing".into())
                        ),
                    });
                }
            }
        }
        for (j, u) in used.iter().enumerate() {
            if !u {
                warnings.push(FormatWarning {
                    path: path.clone(),
                    line: None,
                    message: format!("{} matches no sample", self.patterns[j].name),
                });
            }
        }
        Ok(warnings)
    }

    fn parse_line<'a>(&self, line: &Line<'a>, resolver: &Resolver) -> LineResult<'a> {
        let line: Line<'a> = *line;
        let text = line.text;
        let Some((pattern, caps)) = self
            .patterns
            .iter()
            .find_map(|p| p.regex.captures(text).map(|c| (p, c)))
        else {
            return LineResult::NoMatch;
        };
        let resolver = match self.zone {
            Some(z) => Resolver {
                zone: z,
                ..*resolver
            },
            None => *resolver,
        };
        let mut sink: FieldSink<'a, '_> = FieldSink::new(&resolver, line.number, line.offset);
        let mut kind_value: Option<String> = None;
        for name in pattern.regex.capture_names().flatten() {
            let Some(m) = caps.name(name) else { continue };
            let value = m.as_str();
            if let Some((kf, _, _)) = &self.kind_field {
                if kf == name {
                    kind_value = Some(value.to_string());
                }
            }
            match field_for_key(name) {
                Some(Field::Ts) => {
                    if !self.set_ts(&mut sink, value) {
                        return LineResult::NoTimestamp;
                    }
                }
                Some(Field::Level) if !self.levels.is_empty() => {
                    let lvl = self
                        .levels
                        .iter()
                        .find(|(w, _)| w == value)
                        .map(|(_, l)| *l)
                        .or_else(|| Level::parse(value));
                    sink.event.level = lvl;
                }
                _ => sink.put_key(name, Cow::Borrowed(value), false),
            }
        }
        let Some(mut event) = sink.finish() else {
            return LineResult::NoTimestamp;
        };
        if let Some(k) = pattern.kind {
            event.kind = k;
        }
        if let Some((_, map, default)) = &self.kind_field {
            match kind_value.as_deref().and_then(|v| map.get(v)) {
                Some(k) => event.kind = *k,
                None => {
                    if let Some(d) = default {
                        event.kind = *d;
                    }
                }
            }
        }
        LineResult::Event(Box::new(event))
    }

    fn set_ts(&self, sink: &mut FieldSink<'_, '_>, value: &str) -> bool {
        for f in &self.timestamp_formats {
            if let Ok(n) = NaiveDateTime::parse_from_str(value, f) {
                sink.set_stamp(time::Stamp::Naive(n));
                return true;
            }
            if let Ok(dt) = chrono::DateTime::parse_from_str(value, f) {
                sink.set_stamp(time::Stamp::Utc(dt.timestamp_micros()));
                return true;
            }
        }
        sink.set_time(value)
    }
}

fn unreachable_no_match(path: &str, line: Option<usize>) -> Result<Event<'static>, FormatError> {
    Err(FormatError {
        path: path.to_string(),
        line,
        message: "internal: a matching pattern produced no match".into(),
    })
}

enum LineResult<'a> {
    Event(Box<Event<'a>>),
    NoTimestamp,
    NoMatch,
}

/// A field of an event as text, by contract name (for sample checks and tests).
pub fn event_field(e: &Event<'_>, key: &str) -> Option<String> {
    let s = |o: &Option<Cow<'_, str>>| o.as_ref().map(|c| c.to_string());
    match key {
        "ts" => Some(time::format_utc(e.ts)),
        "kind" => Some(e.kind.as_str().to_string()),
        "level" => e.level.map(|l| l.as_str().to_string()),
        "message" | "msg" => Some(e.message.to_string()),
        "host" => s(&e.host),
        "app" => s(&e.app),
        "user" => s(&e.user),
        "db" => s(&e.db),
        "pid" => e.pid.map(|p| p.to_string()),
        "thread" => s(&e.thread),
        "txn" => s(&e.txn),
        "request_id" => s(&e.request_id),
        "resource" => s(&e.resource),
        "mode" => s(&e.mode),
        "blocker_pid" => e.blocker_pid.map(|p| p.to_string()),
        "duration_ms" => e.duration_ms.map(|d| d.to_string()),
        "method" => s(&e.method),
        "path" => s(&e.path),
        "route" => s(&e.route),
        "status" => e.status.map(|v| v.to_string()),
        "bytes" => e.bytes.map(|v| v.to_string()),
        "client" => s(&e.client),
        "job" => s(&e.job),
        "run_id" => s(&e.run_id),
        "code" => s(&e.code),
        "statement" => s(&e.statement),
        other => e
            .ids
            .iter()
            .chain(e.attrs.iter())
            .find(|(k, _)| k == other)
            .map(|(_, v)| v.to_string()),
    }
}

impl Format for DeclFormat {
    fn name(&self) -> &str {
        &self.inner.name
    }
    fn description(&self) -> &str {
        &self.inner.description
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let this = &self.inner;
        let skip = |l: &str| {
            l.trim().is_empty() || (this.multiline && crate::assemble::looks_like_continuation(l))
        };
        let f = sample.fraction(skip, |l| this.patterns.iter().any(|p| p.regex.is_match(l)));
        this.priority * f
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(DeclParser {
            format: Arc::clone(&self.inner),
            resolver: ctx.resolver,
            asm: Assembler::default(),
        })
    }
}

struct DeclParser {
    format: Arc<Compiled>,
    resolver: Resolver,
    asm: Assembler,
}

/// Reason for lines a declarative format does not match.
pub const REASON_NO_PATTERN: &str = "matches no pattern of the format";

impl LineParser for DeclParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let result = self.format.parse_line(line, &self.resolver);
        let multiline = self.format.multiline;
        match result {
            LineResult::Event(e) => {
                if multiline {
                    self.asm.start(*e, out)
                } else {
                    out.push(*e);
                    Disposition::Parsed
                }
            }
            LineResult::NoTimestamp if !multiline => Disposition::Skipped("no timestamp"),
            LineResult::NoMatch if !multiline => Disposition::Skipped(REASON_NO_PATTERN),
            _ => self.asm.continue_with(line),
        }
    }
    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.asm.flush(out);
        Settlement::default()
    }
}

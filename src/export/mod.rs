//! Exports: pure functions of a case. [`markdown`] writes a postmortem
//! draft, [`json`] the whole case as one document, [`csv`] the events of a
//! window. The same case and options always give the same bytes: nothing
//! depends on the clock, the machine or hash order.
//!
//! Every string that came from the logs (messages, statements, paths,
//! finding summaries and attributes, annotation notes) goes through
//! [`redact::Redactor`] first, then through the escaping of the target
//! format ([`escape`] for markdown and mermaid; JSON and CSV quoting).
//!
//! Layout: [`markdown`](fn@markdown) in `markdown.rs` (with `figures.rs`
//! for finding attributes), `json.rs`, `csv.rs`; `select.rs` picks the
//! episodes, key events and evidence excerpts shared by the formats.

pub mod escape;
pub mod redact;

mod csv;
mod figures;
mod json;
mod markdown;
mod select;

use crate::model::{Annotation, Case, Finding};
use pm_parsers::time::Zone;
use redact::Redactor;
use std::borrow::Cow;

pub use self::csv::{CSV_COLUMNS, csv_to};

/// What every export takes.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Zone for times shown to people.
    pub zone: Zone,
    /// Only this window (µs UTC).
    pub since: Option<i64>,
    /// Only this window (µs UTC).
    pub until: Option<i64>,
    /// At most this many events in the markdown timeline table.
    pub max_events: usize,
    /// Mask secrets and personal data.
    pub redact: bool,
    /// Extra regexes to mask.
    pub redact_patterns: Vec<String>,
}

impl ExportOptions {
    /// Defaults: the given zone, no window, 40 events, no redaction.
    pub fn new(zone: Zone) -> ExportOptions {
        ExportOptions {
            zone,
            since: None,
            until: None,
            max_events: 40,
            redact: false,
            redact_patterns: Vec::new(),
        }
    }
}

/// The markdown postmortem draft of `case` (see `markdown.rs` for its
/// sections). Errors only on bad options (a redaction pattern that does not
/// compile, an empty window).
pub fn markdown(case: &Case, opts: &ExportOptions) -> Result<String, String> {
    let scope = Scope::new(case, opts)?;
    Ok(markdown::render(&scope))
}

/// The whole case as one JSON document (pretty-printed, ending in a newline):
/// meta, sources, findings, annotations, episodes, markers and key events.
/// The shape is documented in `json.rs` and the README.
pub fn json(case: &Case, opts: &ExportOptions) -> Result<String, String> {
    let scope = Scope::new(case, opts)?;
    json::render(&scope)
}

/// The events of the window as CSV (RFC 4180, CRLF line ends, a header row
/// of [`CSV_COLUMNS`]). For big cases prefer [`csv_to`], which streams.
pub fn csv(case: &Case, opts: &ExportOptions) -> Result<String, String> {
    let mut out = Vec::new();
    csv_to(case, opts, &mut out)?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// What an export works on: the window, the findings and annotations in it,
/// the redactor, and how to name sources.
pub(crate) struct Scope<'a> {
    pub case: &'a Case,
    pub opts: &'a ExportOptions,
    pub red: Redactor,
    /// Window start (µs UTC), inclusive.
    pub since: i64,
    /// Window end (µs UTC), exclusive.
    pub until: i64,
    /// Events `lo..hi` are in the window.
    pub lo: usize,
    pub hi: usize,
    /// Findings overlapping the window, in rank order.
    pub findings: Vec<&'a Finding>,
    /// Annotations in the window, by time.
    pub annotations: Vec<&'a Annotation>,
    /// The directory every source path starts with (`sample_logs/x/`), or "".
    pub prefix: String,
}

impl<'a> Scope<'a> {
    pub fn new(case: &'a Case, opts: &'a ExportOptions) -> Result<Scope<'a>, String> {
        let red = if opts.redact || !opts.redact_patterns.is_empty() {
            Redactor::new(opts.redact, &opts.redact_patterns)?
        } else {
            Redactor::off()
        };
        let since = opts.since.unwrap_or(i64::MIN);
        let until = opts.until.unwrap_or(i64::MAX);
        if since >= until {
            return Err("--since must be before --until".into());
        }
        let t = &case.timeline;
        let lo = if since == i64::MIN {
            0
        } else {
            t.lower_bound(since)
        };
        let hi = if until == i64::MAX {
            t.len()
        } else {
            t.lower_bound(until)
        };
        let findings = case
            .findings
            .iter()
            .filter(|f| f.end >= since && f.start < until)
            .collect();
        let mut annotations: Vec<&Annotation> = case
            .annotations
            .iter()
            .filter(|a| a.ts >= since && a.ts < until)
            .collect();
        annotations.sort_by_key(|a| a.ts);
        let prefix = common_dir(case.meta.sources.iter().map(|s| s.path.as_str()));
        Ok(Scope {
            case,
            opts,
            red,
            since,
            until,
            lo,
            hi: hi.max(lo),
            findings,
            annotations,
            prefix,
        })
    }

    /// Log-derived text, redacted.
    pub fn text<'s>(&self, s: &'s str) -> Cow<'s, str> {
        self.red.apply(s)
    }

    /// A source path without the common prefix, redacted.
    pub fn source_name(&self, source: u32) -> String {
        let path = self
            .case
            .meta
            .sources
            .get(source as usize)
            .map(|s| s.path.as_str())
            .unwrap_or("?");
        self.text(path.strip_prefix(&self.prefix).unwrap_or(path))
            .into_owned()
    }

    /// `path:line` of event `i` (relative to the common prefix, redacted).
    pub fn location(&self, i: usize) -> String {
        let t = &self.case.timeline;
        format!("{}:{}", self.source_name(t.source(i)), t.line(i))
    }

    /// The rank of a finding id (`F3` → 2), for ordering.
    pub fn rank_of(&self, id: &str) -> usize {
        self.case
            .findings
            .iter()
            .position(|f| f.id == id)
            .unwrap_or(usize::MAX)
    }

    /// The finding with this id, if it is in the window.
    pub fn finding(&self, id: &str) -> Option<&'a Finding> {
        self.findings.iter().copied().find(|f| f.id == id)
    }
}

/// The longest directory prefix (ending in `/`) shared by every path.
fn common_dir<'p>(paths: impl Iterator<Item = &'p str>) -> String {
    let mut common: Option<&str> = None;
    for p in paths {
        let dir = match p.rfind('/') {
            Some(k) => &p[..=k],
            None => "",
        };
        common = Some(match common {
            None => dir,
            Some(c) => {
                let mut end = 0;
                for ((k, a), b) in c.char_indices().zip(dir.chars()) {
                    if a != b {
                        break;
                    }
                    if a == '/' {
                        end = k + 1;
                    }
                }
                &c[..end]
            }
        });
    }
    common.unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::common_dir;

    #[test]
    fn common_dir_of_sources() {
        assert_eq!(
            common_dir(["logs/x/web01/a.log", "logs/x/db01/b.log"].into_iter()),
            "logs/x/"
        );
        assert_eq!(common_dir(["logs/x/a.log"].into_iter()), "logs/x/");
        assert_eq!(common_dir(["a.log", "logs/b.log"].into_iter()), "");
        assert_eq!(common_dir(["logs/ab/a", "logs/ac/b"].into_iter()), "logs/");
        assert_eq!(common_dir(std::iter::empty()), "");
    }
}

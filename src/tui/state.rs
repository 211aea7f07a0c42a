//! The application state. `update` changes it; views only read it.

use super::index::{Grouping, Index, Level};
use super::locktree::LockTree;
use super::msg::Progress;
use super::query::{FilterSpec, Rows};
use super::raw::RawContext;
use pm_parsers::time::Zone;
use pm_tui::model::{Annotation, AnnotationLabel, Case, Finding};
use regex::Regex;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The whole TUI.
#[derive(Debug)]
pub struct App {
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Loading, browsing, or failed.
    pub phase: Phase,
    /// Set when the event loop should end.
    pub quit: bool,
    /// Last job id handed out.
    pub job_seq: u64,
    /// Ticks seen (spinners).
    pub tick: u64,
    /// The user's zone (`--tz`, TZ or the system's) and its name.
    pub local: NamedZone,
    /// True when `--tz` was given (start in it rather than the case zone).
    pub prefer_local: bool,
}

/// A display zone with its menu name.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedZone {
    /// The zone.
    pub zone: Zone,
    /// `case Asia/Tokyo`, `UTC`, `local Europe/Berlin`.
    pub label: String,
}

/// What the screen is doing.
#[derive(Debug)]
pub enum Phase {
    /// Reading a case or ingesting logs.
    Loading(Loading),
    /// Browsing a case.
    Ready(Box<Browser>),
    /// Loading failed; any key quits.
    Failed(String),
}

/// The loading screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Loading {
    /// "Reading case pm-case", "Ingesting 3 paths".
    pub what: String,
    /// The job doing it.
    pub job: u64,
    /// Ingest progress, when ingesting.
    pub progress: Option<Progress>,
    /// Esc was pressed.
    pub cancelling: bool,
}

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The ranked findings.
    Findings,
    /// The events list.
    Events,
}

/// Which main screen is shown under the timeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Findings, events and detail.
    Home,
    /// The wait-for tree.
    Locks(LocksView),
    /// The jobs gantt.
    Jobs(ListPos),
}

/// A scrollable list position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListPos {
    /// Selected line.
    pub sel: usize,
    /// First line shown.
    pub top: usize,
}

/// The locks view.
#[derive(Debug, Clone, PartialEq)]
pub struct LocksView {
    /// The tree, once computed.
    pub tree: Option<LockTree>,
    /// What it is being computed for.
    pub title: String,
    /// Position in the tree's lines.
    pub pos: ListPos,
}

/// An open text field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    /// The text.
    pub text: String,
    /// Caret, in characters.
    pub caret: usize,
}

impl Input {
    /// A field holding `s`, caret at the end.
    pub fn new(s: &str) -> Input {
        Input {
            text: s.to_string(),
            caret: s.chars().count(),
        }
    }
}

/// What a one-line prompt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// `/` regex search.
    Search,
    /// `:` jump to a time.
    Goto,
    /// `W` write the case to a directory.
    WritePath,
}

/// A one-line prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// What for.
    pub kind: PromptKind,
    /// The text.
    pub input: Input,
    /// Why the last submit was refused.
    pub error: Option<String>,
}

/// The filter bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterForm {
    /// Being edited.
    pub spec: FilterSpec,
    /// Field with the caret.
    pub field: usize,
    /// Caret in that field, in characters.
    pub caret: usize,
    /// Why the last apply was refused.
    pub error: Option<String>,
}

/// The annotation form.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotateForm {
    /// Index into [`AnnotationLabel::ALL`].
    pub label: usize,
    /// Free text.
    pub note: Input,
    /// The moment annotated.
    pub ts: i64,
    /// The event annotated.
    pub event: Option<u64>,
}

impl AnnotateForm {
    /// The chosen label.
    pub fn label(&self) -> AnnotationLabel {
        AnnotationLabel::ALL[self.label % AnnotationLabel::ALL.len()]
    }
}

/// What floats over the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// Nothing.
    None,
    /// The key list.
    Help,
    /// The selected event in full, scrolled.
    Detail(usize),
    /// A one-line prompt.
    Prompt(Prompt),
    /// The filter bar.
    Filter(FilterForm),
    /// The annotation form.
    Annotate(AnnotateForm),
}

/// A search and its hits.
#[derive(Debug, Clone)]
pub struct Search {
    /// As typed.
    pub pattern: String,
    /// Compiled.
    pub re: Regex,
    /// Matching event ids among the rows, ascending (`None` while searching).
    pub hits: Option<Arc<Vec<u32>>>,
    /// Whether the hits, when they arrive, select the first one after the
    /// selection: a search the responder just ran does; the same search
    /// re-run under a new filter keeps the selection and the status line
    /// (it may arrive while they are annotating or reading something else).
    pub jump: bool,
}

/// A finding's evidence, highlighted after `Enter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlight {
    /// Index into the findings.
    pub finding: usize,
    /// Event ids, ascending.
    pub evidence: Arc<Vec<u64>>,
    /// Where the jump put the cursor (`] [` go on from the finding while it is there).
    pub at: i64,
}

/// A line for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The text.
    pub text: String,
    /// Shown as an error.
    pub error: bool,
}

/// Kinds of background jobs; a new job replaces the pending one of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Reading or ingesting the case.
    Load,
    /// A filter query.
    Filter,
    /// A search query.
    Search,
    /// The locks tree.
    Locks,
    /// Raw lines of the selected event.
    Raw,
    /// Saving annotations (on the writer thread, in order).
    Write,
    /// The markdown export (writer thread).
    Export,
    /// Writing the case elsewhere (writer thread).
    SaveCase,
    /// Decoding a file for the pager.
    Pager,
}

/// Browsing a loaded case.
#[derive(Debug)]
pub struct Browser {
    /// The case (annotations inside are synced when no job holds it).
    pub case: Arc<Case>,
    /// Aggregates.
    pub index: Arc<Index>,
    /// Where the case lives.
    pub dir: PathBuf,
    /// True for `open`'s temporary case until written with `W`.
    pub temp: bool,
    /// The case's name (its directory's).
    pub name: String,
    /// Display zones `t` cycles through.
    pub zones: Vec<NamedZone>,
    /// The zone in use.
    pub zone_ix: usize,
    /// Index into [`super::index::ZOOMS`].
    pub zoom: usize,
    /// Time of the first column, µs UTC (a bucket boundary).
    pub view_start: i64,
    /// The cursor, µs UTC.
    pub cursor: i64,
    /// Lanes by host or by source.
    pub grouping: Grouping,
    /// Pane with the keyboard.
    pub focus: Focus,
    /// Findings list position.
    pub findings: ListPos,
    /// Rows of the events list.
    pub rows: Rows,
    /// Events list position (into `rows`).
    pub events: ListPos,
    /// The applied filter.
    pub filter: FilterSpec,
    /// The search, if any.
    pub search: Option<Search>,
    /// The highlighted finding's evidence.
    pub highlight: Option<Highlight>,
    /// Marks and notes (saved on every change).
    pub annotations: Vec<Annotation>,
    /// What floats over the screen.
    pub overlay: Overlay,
    /// Home, locks or jobs.
    pub screen: Screen,
    /// Raw lines of an event (event id, result).
    pub raw: Option<(usize, Result<RawContext, String>)>,
    /// Status bar message.
    pub status: Option<Status>,
    /// Pending job per kind.
    pub pending: HashMap<JobKind, u64>,
    /// `q` was pressed once on an unsaved temporary case.
    pub quit_armed: bool,
    /// The visible window's level, when the zoom is too fine to precompute.
    pub live: Option<Arc<Level>>,
}

impl Browser {
    /// The display zone.
    pub fn zone(&self) -> &Zone {
        &self.zones[self.zone_ix.min(self.zones.len() - 1)].zone
    }

    /// The level drawn at the current zoom.
    pub fn level(&self) -> Option<&Level> {
        self.index.level(self.zoom).or(self.live.as_deref())
    }

    /// Column width, µs.
    pub fn col_width(&self) -> i64 {
        super::index::ZOOMS[self.zoom.min(super::index::ZOOMS.len() - 1)]
    }

    /// The selected event id.
    pub fn selected_event(&self) -> Option<usize> {
        self.rows.get(self.events.sel)
    }

    /// The selected finding.
    pub fn selected_finding(&self) -> Option<&Finding> {
        self.case.findings.get(self.findings.sel)
    }

    /// True when event `i` is evidence of the highlighted finding.
    pub fn is_evidence(&self, i: usize) -> bool {
        self.highlight
            .as_ref()
            .is_some_and(|h| h.evidence.binary_search(&(i as u64)).is_ok())
    }

    /// True when event `i` is a search hit.
    pub fn is_hit(&self, i: usize) -> bool {
        self.search
            .as_ref()
            .and_then(|s| s.hits.as_ref())
            .is_some_and(|h| h.binary_search(&(i as u32)).is_ok())
    }

    /// The annotation on event `i`, if any.
    pub fn annotation_of(&self, i: usize) -> Option<&Annotation> {
        self.annotations.iter().find(|a| a.event == Some(i as u64))
    }

    /// Job runs overlapping the `cols` visible columns, by start.
    pub fn runs_in_view(&self, cols: usize) -> Vec<usize> {
        let end = self.view_start + cols as i64 * self.col_width();
        (0..self.index.jobs.runs.len())
            .filter(|&k| {
                let r = &self.index.jobs.runs[k];
                r.end >= self.view_start && r.start < end
            })
            .collect()
    }

    /// True while a job of `kind` is pending.
    pub fn busy(&self, kind: JobKind) -> bool {
        self.pending.contains_key(&kind)
    }
}

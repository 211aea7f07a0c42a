//! Messages (everything that can happen to the TUI) and commands (the side
//! effects `update` asks the event loop to carry out).

use super::jobs::{Job, JobResult};

/// A field of a text prompt was edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// A character typed.
    Char(char),
    /// Delete before the caret.
    Backspace,
    /// Delete at the caret.
    Delete,
    /// Caret left.
    Left,
    /// Caret right.
    Right,
    /// Caret to the start.
    Home,
    /// Caret to the end.
    End,
    /// Clear the field.
    Clear,
    /// Next field (filter form, annotation label).
    Next,
    /// Previous field.
    Prev,
}

/// Everything that can happen.
#[derive(Debug)]
pub enum Msg {
    /// `q`: quit (asks first when a temporary case would be lost).
    Quit,
    /// Ctrl-C, SIGTERM: quit now.
    ForceQuit,
    /// The terminal was resized.
    Resize(u16, u16),
    /// Periodic tick (spinners).
    Tick,
    /// Move the timeline cursor by columns (`h l`, arrows).
    Pan(i64),
    /// Move the timeline by half a screen (`H L`).
    PanPage(i64),
    /// Zoom in (+1: `+ z`) or out (-1: `- Z`).
    Zoom(i32),
    /// `g`, Home: the case's first event.
    Start,
    /// `G`, End: the case's last event.
    End,
    /// `]`: the next finding in time.
    NextFinding,
    /// `[`: the previous finding in time.
    PrevFinding,
    /// `j k`, arrows: move in the focused list.
    Move(i64),
    /// PgDn / PgUp in the focused list.
    Page(i64),
    /// Tab: next pane.
    FocusNext,
    /// Shift-Tab: previous pane.
    FocusPrev,
    /// Enter.
    Activate,
    /// Esc: close what is open, else clear the highlight.
    Back,
    /// `/`: search prompt.
    Search,
    /// `n`: next search hit.
    SearchNext,
    /// `N`: previous search hit.
    SearchPrev,
    /// `:`: jump to a typed time.
    GotoTime,
    /// `f`: the filter bar.
    Filter,
    /// `F`: clear every filter.
    ClearFilters,
    /// `m`: mark / unmark the selected event.
    Mark,
    /// `a`: annotate the selected event.
    Annotate,
    /// `e`: export the markdown report.
    Export,
    /// `L`: the locks view.
    Locks,
    /// `J`: the jobs view.
    Jobs,
    /// `o`: the raw file in `$PAGER`.
    Pager,
    /// `t`: next display zone.
    CycleZone,
    /// `s`: lanes by host / by source.
    CycleGrouping,
    /// `?`: help.
    Help,
    /// `W`: write the (temporary) case somewhere.
    WriteCase,
    /// A key typed into the open prompt or form.
    Input(Edit),
    /// A mouse click at a cell.
    Click(u16, u16),
    /// Mouse wheel at a cell: positive is down.
    Scroll(u16, u16, i64),
    /// A background job finished.
    JobDone(u64, Box<JobResult>),
    /// Ingest progress (for `open`).
    Progress(Progress),
    /// The pager returned (with its error, if it could not run).
    PagerDone(Option<String>),
}

/// Ingest progress.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Files to read.
    pub files: u64,
    /// Files read.
    pub files_done: u64,
    /// Bytes to read.
    pub bytes: u64,
    /// Bytes read.
    pub bytes_done: u64,
    /// The file read last.
    pub current: String,
}

/// Side effects for the event loop.
#[derive(Debug)]
pub enum Cmd {
    /// Leave the event loop.
    Quit,
    /// Start a background job (replacing a pending one of the same kind).
    Spawn(Job),
    /// Suspend the TUI and show `path` at `line` in `$PAGER`.
    Pager {
        /// The file.
        path: std::path::PathBuf,
        /// 1-based line.
        line: u32,
        /// A decoded copy to delete afterwards.
        temp: bool,
    },
}

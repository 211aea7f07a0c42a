//! Background work. `update` asks for a [`Job`]; the [`Runner`] runs it on
//! its own thread and sends the result back as [`Msg::JobDone`]. A new job
//! of a kind cancels the pending one of that kind (the newest request wins;
//! stale results are dropped by `update`). Writes run one at a time, in
//! order, on a writer thread, so an older save never lands after a newer one.

use super::index::{self, Index};
use super::locktree::{self, LockTree};
use super::msg::{Msg, Progress};
use super::query::{Filter, Rows, search};
use super::raw::{self, RawContext};
use super::state::JobKind;
use pm_parsers::time::Zone;
use pm_tui::ingest::IngestOptions;
use pm_tui::model::{Annotation, Case, StagedCase};
use pm_tui::{analyze, export, ingest};
use regex::Regex;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A request for background work.
#[derive(Debug)]
pub struct Job {
    /// Unique id; the result comes back with it.
    pub id: u64,
    /// The work.
    pub work: Work,
}

/// What to do.
pub enum Work {
    /// Read a saved case and index it.
    Load {
        /// The case directory.
        dir: PathBuf,
    },
    /// Ingest logs into a temporary case, analyse, save, index.
    Ingest {
        /// Files and directories.
        paths: Vec<PathBuf>,
        /// Reading options.
        opts: Box<IngestOptions>,
        /// Where to save the case.
        dir: PathBuf,
        /// Zone name and where it came from, for `case.json`.
        zone: (String, String),
    },
    /// Run a filter.
    Filter {
        /// The case.
        case: Arc<Case>,
        /// Compiled filter.
        filter: Box<Filter>,
    },
    /// Search the rows.
    Search {
        /// The case.
        case: Arc<Case>,
        /// Rows to search.
        rows: Rows,
        /// The regex.
        re: Regex,
        /// Results of the previous search, to free off the UI thread.
        discard: Option<Arc<Vec<u32>>>,
    },
    /// Build a wait-for tree.
    Locks {
        /// The case.
        case: Arc<Case>,
        /// Its index.
        index: Arc<Index>,
        /// Title.
        title: String,
        /// Window.
        from: i64,
        /// Window end.
        to: i64,
        /// Only this resource.
        resource: Option<String>,
    },
    /// Raw lines around an event.
    Raw {
        /// The event.
        event: usize,
        /// Where its file may be (as ingested, beside the case).
        candidates: Vec<PathBuf>,
        /// Its first line.
        line: u32,
        /// Its line count.
        count: u32,
    },
    /// `e`: the markdown report into the case directory.
    Export {
        /// The case.
        case: Arc<Case>,
        /// Current annotations.
        annotations: Vec<Annotation>,
        /// Case directory.
        dir: PathBuf,
        /// Display zone.
        zone: Zone,
    },
    /// Save annotations.
    SaveAnnotations {
        /// Case directory.
        dir: PathBuf,
        /// Them.
        annotations: Vec<Annotation>,
    },
    /// `W`: write the case to a directory.
    SaveCase {
        /// The case.
        case: Arc<Case>,
        /// Current annotations.
        annotations: Vec<Annotation>,
        /// Target.
        to: PathBuf,
    },
    /// Decode a compressed / non-UTF-8 file for the pager.
    PagerFile {
        /// The file.
        path: PathBuf,
        /// The decoded copy.
        out: PathBuf,
        /// Line to open at.
        line: u32,
    },
}

impl fmt::Debug for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Work::Load { dir } => return write!(f, "Load({})", dir.display()),
            Work::Ingest { paths, .. } => return write!(f, "Ingest({paths:?})"),
            Work::Filter { .. } => "Filter",
            Work::Search { re, .. } => return write!(f, "Search(/{re}/)"),
            Work::Locks { title, .. } => return write!(f, "Locks({title})"),
            Work::Raw { event, line, .. } => return write!(f, "Raw({event}, line {line})"),
            Work::Export { .. } => "Export",
            Work::SaveAnnotations { annotations, .. } => {
                return write!(f, "SaveAnnotations({})", annotations.len());
            }
            Work::SaveCase { to, .. } => return write!(f, "SaveCase({})", to.display()),
            Work::PagerFile { path, .. } => return write!(f, "PagerFile({})", path.display()),
        };
        f.write_str(name)
    }
}

impl Work {
    /// The slot this work occupies.
    pub fn kind(&self) -> JobKind {
        match self {
            Work::Load { .. } | Work::Ingest { .. } => JobKind::Load,
            Work::Filter { .. } => JobKind::Filter,
            Work::Search { .. } => JobKind::Search,
            Work::Locks { .. } => JobKind::Locks,
            Work::Raw { .. } => JobKind::Raw,
            Work::Export { .. } => JobKind::Export,
            Work::SaveAnnotations { .. } => JobKind::Write,
            Work::SaveCase { .. } => JobKind::SaveCase,
            Work::PagerFile { .. } => JobKind::Pager,
        }
    }
}

/// A loaded case.
#[derive(Debug)]
pub struct Loaded {
    /// The case.
    pub case: Arc<Case>,
    /// Its index.
    pub index: Arc<Index>,
    /// Where it lives.
    pub dir: PathBuf,
    /// True for `open`'s temporary case.
    pub temp: bool,
    /// Something to tell the user about the case once it is shown (its
    /// column file was set aside, so it opened slowly from Parquet).
    pub note: Option<String>,
}

/// What a job produced.
#[derive(Debug)]
pub enum JobResult {
    /// A case is ready (or why not).
    Loaded(Result<Loaded, String>),
    /// Filtered rows.
    Rows(Vec<u32>),
    /// Search hits.
    Hits(Vec<u32>),
    /// A wait-for tree.
    Locks(LockTree),
    /// Raw lines of an event.
    Raw(usize, Result<RawContext, String>),
    /// The report was written (where), or why not.
    Exported(Result<PathBuf, String>),
    /// Annotations saved, or why not.
    Saved(Result<usize, String>),
    /// The case was written (where), or why not.
    CaseWritten(Result<PathBuf, String>),
    /// A file for the pager (path, line), or why not.
    PagerFile(Result<(PathBuf, u32), String>),
    /// Cancelled before it finished.
    Cancelled,
    /// The job panicked.
    Failed(String),
}

/// Sends ingest progress as messages, at most every 100 ms.
struct ProgressSink {
    tx: Option<Sender<Msg>>,
    state: Mutex<Progress>,
    last: AtomicU64,
    started: Instant,
}

impl ProgressSink {
    fn send(&self, force: bool) {
        let now = self.started.elapsed().as_millis() as u64;
        let last = self.last.load(Ordering::Relaxed);
        if !force && now < last + 100 {
            return;
        }
        self.last.store(now, Ordering::Relaxed);
        if let (Some(tx), Ok(p)) = (&self.tx, self.state.lock()) {
            let _ = tx.send(Msg::Progress(p.clone()));
        }
    }
}

impl ingest::Progress for ProgressSink {
    fn start(&self, files: u64, bytes: u64) {
        if let Ok(mut p) = self.state.lock() {
            p.files = files;
            p.bytes = bytes;
        }
        self.send(true);
    }
    fn advance(&self, bytes: u64) {
        if let Ok(mut p) = self.state.lock() {
            p.bytes_done += bytes;
        }
        self.send(false);
    }
    fn file_done(&self, path: &str) {
        if let Ok(mut p) = self.state.lock() {
            p.files_done += 1;
            p.current = path.to_string();
        }
        self.send(false);
    }
}

fn load(dir: PathBuf, cancel: &Arc<AtomicBool>) -> JobResult {
    let (case, note) = match Case::load_noting(&dir) {
        Ok(c) => c,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            return JobResult::Loaded(Err(chain.join(": ")));
        }
    };
    finish_load(case, dir, false, note, cancel)
}

fn finish_load(
    case: Case,
    dir: PathBuf,
    temp: bool,
    note: Option<String>,
    cancel: &Arc<AtomicBool>,
) -> JobResult {
    match index::build(&case, Some(cancel)) {
        Ok(ix) => JobResult::Loaded(Ok(Loaded {
            case: Arc::new(case),
            index: Arc::new(ix),
            dir,
            temp,
            note,
        })),
        Err(_) => JobResult::Cancelled,
    }
}

fn ingest_case(
    paths: Vec<PathBuf>,
    mut opts: Box<IngestOptions>,
    dir: PathBuf,
    zone: (String, String),
    cancel: &Arc<AtomicBool>,
    tx: Option<&Sender<Msg>>,
) -> JobResult {
    opts.cancel = Some(cancel.clone());
    let sink = Arc::new(ProgressSink {
        tx: tx.cloned(),
        state: Mutex::new(Progress::default()),
        last: AtomicU64::new(0),
        started: Instant::now(),
    });
    let out = match ingest::run(&paths, &opts, sink.clone()) {
        Ok(o) => o,
        Err(e) => return JobResult::Loaded(Err(e)),
    };
    sink.send(true);
    if cancel.load(Ordering::Relaxed) {
        return JobResult::Cancelled;
    }
    if out.timeline.is_empty() {
        let why: Vec<String> = out
            .sources
            .iter()
            .filter_map(|s| {
                s.error
                    .as_ref()
                    .map(|e| format!("{}: {e}", s.path))
                    .or_else(|| Some(format!("{}: {}", s.path, s.format_reason)))
            })
            .take(5)
            .collect();
        return JobResult::Loaded(Err(format!(
            "nothing could be ingested: no events were read from the given paths ({})",
            why.join("; ")
        )));
    }
    let saving =
        |e: anyhow::Error| JobResult::Loaded(Err(format!("saving the temporary case: {e:#}")));
    let mut staged = match StagedCase::begin(&dir) {
        Ok(s) => s,
        Err(e) => return saving(e),
    };
    // As `pm-tui ingest` does: the session goes on from the timeline read
    // back from the column file, mapped: its pages are the page cache's,
    // not this process's memory, for as long as the TUI runs.
    let analyse = |t: &_| analyze::run(t, &out.sources, &analyze::AnalyzeConfig::default());
    let (timeline, findings, written) = match staged.write_beside(out.timeline, cancel, analyse) {
        Ok(done) => done,
        Err(_) => {
            staged.abandon();
            return JobResult::Cancelled;
        }
    };
    let case = Case::new(
        timeline,
        out.sources,
        findings,
        &zone.0,
        &zone.1,
        paths.iter().map(|p| p.display().to_string()).collect(),
    );
    let committed = match written {
        Ok(()) => staged.commit(&case, cancel),
        Err(e) => {
            staged.abandon();
            Err(e)
        }
    };
    match committed {
        Ok(()) => finish_load(case, dir, true, None, cancel),
        Err(_) if cancel.load(Ordering::Relaxed) => JobResult::Cancelled,
        Err(e) => saving(e),
    }
}

/// The case with `annotations`, borrowed when they are already its own.
fn with_annotations(case: &Arc<Case>, annotations: Vec<Annotation>) -> std::borrow::Cow<'_, Case> {
    if case.annotations == annotations {
        std::borrow::Cow::Borrowed(&**case)
    } else {
        // Rare: a job held the case when the annotations changed.
        let mut c = (**case).clone();
        c.annotations = annotations;
        std::borrow::Cow::Owned(c)
    }
}

/// Do `work` now, on this thread.
pub fn run(work: Work, cancel: &Arc<AtomicBool>, tx: Option<&Sender<Msg>>) -> JobResult {
    match work {
        Work::Load { dir } => load(dir, cancel),
        Work::Ingest {
            paths,
            opts,
            dir,
            zone,
        } => ingest_case(paths, opts, dir, zone, cancel, tx),
        Work::Filter { case, mut filter } => match filter.run(&case.timeline, cancel) {
            Some(rows) => JobResult::Rows(rows),
            None => JobResult::Cancelled,
        },
        Work::Search {
            case,
            rows,
            re,
            discard,
        } => {
            drop(discard);
            match search(&case.timeline, &rows, &re, cancel) {
                Some(hits) => JobResult::Hits(hits),
                None => JobResult::Cancelled,
            }
        }
        Work::Locks {
            case,
            index,
            title,
            from,
            to,
            resource,
        } => JobResult::Locks(locktree::build(
            &case,
            &index,
            title,
            from,
            to,
            resource.as_deref(),
        )),
        Work::Raw {
            event,
            candidates,
            line,
            count,
        } => {
            let found = candidates.iter().find(|p| p.is_file());
            JobResult::Raw(
                event,
                match found {
                    Some(p) => raw::read_context(p, line, count, 4),
                    None => Err(format!(
                        "the source file is no longer at {}",
                        candidates
                            .first()
                            .map(|p| p.display().to_string())
                            .unwrap_or_else(|| "its recorded path".into())
                    )),
                },
            )
        }
        Work::Export {
            case,
            annotations,
            dir,
            zone,
        } => {
            let c = with_annotations(&case, annotations);
            let opts = export::ExportOptions::new(zone);
            JobResult::Exported(export::markdown(&c, &opts).and_then(|md| {
                let path = dir.join("postmortem.md");
                pm_tui::model::case::write_atomic(&path, md.as_bytes())
                    .map(|_| path)
                    .map_err(|e| format!("{e:#}"))
            }))
        }
        Work::SaveAnnotations { dir, annotations } => JobResult::Saved(
            Case::save_annotations(&dir, &annotations)
                .map(|_| annotations.len())
                .map_err(|e| format!("saving annotations: {e:#}")),
        ),
        Work::SaveCase {
            case,
            annotations,
            to,
        } => {
            if to.exists() {
                return JobResult::CaseWritten(Err(format!(
                    "{} already exists; choose a new directory",
                    to.display()
                )));
            }
            let c = with_annotations(&case, annotations);
            JobResult::CaseWritten(c.save(&to).map(|_| to).map_err(|e| format!("{e:#}")))
        }
        Work::PagerFile { path, out, line } => {
            JobResult::PagerFile(raw::decode_to(&path, &out).map(|_| (out, line)))
        }
    }
}

thread_local! {
    static IN_JOB: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True on a job thread (the panic hook leaves the terminal alone there).
pub fn in_job() -> bool {
    IN_JOB.with(|c| c.get())
}

fn run_caught(work: Work, cancel: &Arc<AtomicBool>, tx: &Sender<Msg>) -> JobResult {
    IN_JOB.with(|c| c.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(work, cancel, Some(tx))));
    r.unwrap_or_else(|p| {
        let why = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        JobResult::Failed(format!("internal error in a background job: {why}"))
    })
}

/// Runs jobs on threads and reports back on the message channel.
pub struct Runner {
    tx: Sender<Msg>,
    cancels: HashMap<JobKind, Arc<AtomicBool>>,
    writer: Sender<(u64, Work)>,
}

impl Runner {
    /// A runner reporting to `tx`.
    pub fn new(tx: Sender<Msg>) -> Runner {
        let (wtx, wrx) = channel::<(u64, Work)>();
        let out = tx.clone();
        let never = Arc::new(AtomicBool::new(false));
        let _ = std::thread::Builder::new()
            .name("pm-tui-writer".into())
            .spawn(move || {
                for (id, work) in wrx {
                    let r = run_caught(work, &never, &out);
                    if out.send(Msg::JobDone(id, Box::new(r))).is_err() {
                        break;
                    }
                }
            });
        Runner {
            tx,
            cancels: HashMap::new(),
            writer: wtx,
        }
    }

    /// Start `job`, cancelling the pending one of its kind.
    pub fn spawn(&mut self, job: Job) {
        let kind = job.work.kind();
        if matches!(kind, JobKind::Write | JobKind::Export | JobKind::SaveCase) {
            let _ = self.writer.send((job.id, job.work));
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        if let Some(old) = self.cancels.insert(kind, cancel.clone()) {
            old.store(true, Ordering::Relaxed);
        }
        let tx = self.tx.clone();
        let id = job.id;
        let work = job.work;
        let spawned = std::thread::Builder::new()
            .name(format!("pm-tui-{kind:?}").to_lowercase())
            .spawn(move || {
                let r = run_caught(work, &cancel, &tx);
                let _ = tx.send(Msg::JobDone(id, Box::new(r)));
            });
        if let Err(e) = spawned {
            let _ = self.tx.send(Msg::JobDone(
                id,
                Box::new(JobResult::Failed(format!("cannot start a thread: {e}"))),
            ));
        }
    }

    /// Cancel every pending job (on quit).
    pub fn cancel_all(&self) {
        for c in self.cancels.values() {
            c.store(true, Ordering::Relaxed);
        }
    }
}

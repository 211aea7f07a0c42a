//! The interactive timeline (`pm-tui tui CASE`, `pm-tui open PATH...`).
//!
//! Elm-style: [`state::App`] is the state, [`msg::Msg`] everything that can
//! happen, [`update::update`] all behaviour, [`view::view`] drawing only.
//! This module is the thin event loop around them: an input thread, a job
//! runner ([`jobs`]), a tick, and a terminal that is restored on `q`,
//! Ctrl-C, a panic (hook) and SIGTERM/SIGHUP.

pub mod index;
pub mod jobs;
pub mod keys;
pub mod layout;
pub mod locktree;
pub mod msg;
pub mod query;
pub mod raw;
pub mod state;
pub mod update;
pub mod view;

#[cfg(test)]
pub mod fixture;
#[cfg(test)]
mod tests;

use anyhow::{Context, Result, bail};
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use msg::{Cmd, Msg};
use pm_parsers::time::Zone;
use pm_tui::ingest::IngestOptions;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use state::{App, Loading, NamedZone, Phase};
use std::io::{IsTerminal, Stdout};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// How often the screen refreshes without input (spinners, progress).
const TICK: Duration = Duration::from_millis(200);

/// A new app in its loading phase, with the job that loads it.
pub fn loading_app(
    what: String,
    work: jobs::Work,
    local: NamedZone,
    prefer_local: bool,
) -> (App, Cmd) {
    let app = App {
        size: (80, 24),
        phase: Phase::Loading(Loading {
            what,
            job: 1,
            progress: None,
            cancelling: false,
        }),
        quit: false,
        job_seq: 1,
        tick: 0,
        local,
        prefer_local,
    };
    (app, Cmd::Spawn(jobs::Job { id: 1, work }))
}

fn local_zone(tz: Option<&str>) -> Result<NamedZone> {
    let (zone, _) = pm_tui::config::resolve_zone(tz).map_err(|e| anyhow::anyhow!(e))?;
    Ok(NamedZone {
        label: if zone == Zone::utc() {
            "UTC".into()
        } else {
            format!("local {zone}")
        },
        zone,
    })
}

fn need_terminal() -> Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!(
            "the interactive timeline needs a terminal; for scripts use `pm-tui findings` and `pm-tui events`"
        );
    }
    Ok(())
}

/// `pm-tui tui CASE`.
pub fn browse_case(dir: PathBuf, tz: Option<&str>) -> Result<()> {
    // Fail fast, before the screen changes, on a missing or foreign case.
    let meta = pm_tui::model::Case::load_meta(&dir)?;
    need_terminal()?;
    let local = local_zone(tz)?;
    let what = format!(
        "Reading case {} ({} events)",
        dir.display(),
        pm_tui::text::thousands(meta.events)
    );
    let (app, first) = loading_app(what, jobs::Work::Load { dir }, local, tz.is_some());
    let app = run(app, first)?;
    finish(app, None)
}

/// `pm-tui open PATH...`: ingest into a temporary case, then browse it.
pub fn open_paths(
    paths: Vec<PathBuf>,
    mut opts: IngestOptions,
    zone_source: &str,
    tz: Option<&str>,
) -> Result<()> {
    need_terminal()?;
    let local = local_zone(tz)?;
    let tmp = tempfile::Builder::new()
        .prefix("pm-tui-open-")
        .tempdir()
        .context("creating a temporary directory")?;
    let dir = tmp.path().join("case");
    // A large file's message text waits beside the temporary case, as
    // `ingest` keeps it beside its case, not in memory for as long as the
    // TUI runs: the kernel pages in what is shown or searched.
    opts.spill_beside(&dir);
    let what = format!(
        "Ingesting {} into a temporary case",
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let zone = (opts.zone.to_string(), zone_source.to_string());
    let work = jobs::Work::Ingest {
        paths,
        opts: Box::new(opts),
        dir,
        zone,
    };
    let (app, first) = loading_app(what, work, local, tz.is_some());
    let app = run(app, first)?;
    let r = finish(app, Some(&tmp));
    drop(tmp);
    r
}

fn finish(app: App, tmp: Option<&tempfile::TempDir>) -> Result<()> {
    match app.phase {
        Phase::Failed(e) => bail!("{e}"),
        Phase::Loading(l) if l.cancelling => {
            eprintln!("pm-tui: cancelled");
            Ok(())
        }
        Phase::Ready(b) => {
            if b.temp && tmp.is_some() {
                eprintln!(
                    "pm-tui: the temporary case was deleted (W in the TUI writes a case to keep)"
                );
            } else if !b.annotations.is_empty() {
                eprintln!(
                    "pm-tui: {} annotations are saved in {}",
                    b.annotations.len(),
                    b.dir.join("annotations.json").display()
                );
            }
            Ok(())
        }
        Phase::Loading(_) => Ok(()),
    }
}

/// What the loop receives.
enum Incoming {
    Term(Event),
    Msg(Msg),
}

/// Reads terminal events on its own thread; pausable while a pager runs.
struct InputThread {
    paused: Arc<AtomicBool>,
    idle: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl InputThread {
    fn spawn(tx: Sender<Incoming>) -> InputThread {
        let paused = Arc::new(AtomicBool::new(false));
        let idle = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, i, s) = (paused.clone(), idle.clone(), stop.clone());
        let _ = std::thread::Builder::new()
            .name("pm-tui-input".into())
            .spawn(move || {
                while !s.load(Ordering::Relaxed) {
                    if p.load(Ordering::Relaxed) {
                        i.store(true, Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                    i.store(false, Ordering::Relaxed);
                    match event::poll(Duration::from_millis(50)) {
                        Ok(true) if !p.load(Ordering::Relaxed) => match event::read() {
                            Ok(ev) => {
                                if tx.send(Incoming::Term(ev)).is_err() {
                                    break;
                                }
                            }
                            Err(_) => std::thread::sleep(Duration::from_millis(50)),
                        },
                        Ok(_) => {}
                        Err(_) => std::thread::sleep(Duration::from_millis(50)),
                    }
                }
            });
        InputThread { paused, idle, stop }
    }

    fn pause(&self) {
        self.paused.store(true, Ordering::Relaxed);
        let start = Instant::now();
        while !self.idle.load(Ordering::Relaxed) && start.elapsed() < Duration::from_millis(500) {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn resume(&self) {
        self.paused.store(false, Ordering::Relaxed);
    }
}

impl Drop for InputThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

type Term = Terminal<CrosstermBackend<Stdout>>;

fn enter_screen() -> std::io::Result<()> {
    pm_tui::fault::terminal_taken(true);
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)
}

/// Put the terminal back as it was. Safe to call more than once.
pub fn leave_screen() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    pm_tui::fault::terminal_taken(false);
}

/// Restores the terminal when dropped (errors, early returns).
struct ScreenGuard;

impl Drop for ScreenGuard {
    fn drop(&mut self) {
        leave_screen();
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if jobs::in_job() {
            // A job's panic becomes its error message; the screen stays.
            return;
        }
        leave_screen();
        previous(info);
    }));
}

fn run_pager(
    term: &mut Term,
    input: &InputThread,
    path: &std::path::Path,
    line: u32,
) -> Option<String> {
    input.pause();
    leave_screen();
    let pager = std::env::var("PAGER").ok().filter(|p| !p.trim().is_empty());
    let pager = pager.unwrap_or_else(|| "less".to_string());
    let mut words = pager.split_whitespace();
    let prog = words.next().unwrap_or("less").to_string();
    let mut cmd = std::process::Command::new(&prog);
    cmd.args(words);
    if prog.ends_with("less") {
        cmd.arg(format!("+{line}g"));
    } else {
        cmd.arg(format!("+{line}"));
    }
    cmd.arg(path);
    let result = cmd.status();
    let err = match result {
        Ok(_) => None,
        Err(e) => Some(format!("cannot run the pager `{pager}`: {e} (set PAGER)")),
    };
    let _ = enter_screen();
    let _ = term.clear();
    input.resume();
    err
}

/// Run the event loop until the app quits; returns the final state.
pub fn run(mut app: App, first: Cmd) -> Result<App> {
    install_panic_hook();
    let term_flag = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        let _ = signal_hook::flag::register(sig, term_flag.clone());
    }
    enter_screen().context("setting up the terminal")?;
    let _guard = ScreenGuard;
    let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    term.clear()?;
    let size = term.size()?;
    app.size = (size.width, size.height);

    let (tx, rx): (Sender<Incoming>, Receiver<Incoming>) = channel();
    let (jtx, jrx) = channel::<Msg>();
    {
        let tx = tx.clone();
        let _ = std::thread::Builder::new()
            .name("pm-tui-jobs".into())
            .spawn(move || {
                for m in jrx {
                    if tx.send(Incoming::Msg(m)).is_err() {
                        break;
                    }
                }
            });
    }
    let input = InputThread::spawn(tx);
    let mut runner = jobs::Runner::new(jtx);
    let mut pending: std::collections::VecDeque<Cmd> = std::collections::VecDeque::from([first]);
    loop {
        // Carry out commands.
        while let Some(cmd) = pending.pop_front() {
            match cmd {
                Cmd::Quit => app.quit = true,
                Cmd::Spawn(job) => runner.spawn(job),
                Cmd::Pager { path, line, temp } => {
                    let err = run_pager(&mut term, &input, &path, line);
                    if temp {
                        let _ = std::fs::remove_file(&path);
                    }
                    if let Some(c) = update::update(&mut app, Msg::PagerDone(err)) {
                        pending.push_back(c);
                    }
                }
            }
        }
        if app.quit {
            break;
        }
        term.draw(|f| view::view(&app, f))?;
        // Wait for something, then take everything already queued.
        let mut msgs = Vec::new();
        match rx.recv_timeout(TICK) {
            Ok(m) => msgs.push(m),
            Err(RecvTimeoutError::Timeout) => msgs.push(Incoming::Msg(Msg::Tick)),
            Err(RecvTimeoutError::Disconnected) => break,
        }
        while msgs.len() < 64 {
            match rx.try_recv() {
                Ok(m) => msgs.push(m),
                Err(_) => break,
            }
        }
        if term_flag.load(Ordering::Relaxed) {
            msgs.push(Incoming::Msg(Msg::ForceQuit));
        }
        for m in msgs {
            let msg = match m {
                Incoming::Msg(m) => Some(m),
                Incoming::Term(ev) => keys::map(&ev, &app),
            };
            if let Some(msg) = msg {
                if let Some(c) = update::update(&mut app, msg) {
                    pending.push_back(c);
                }
            }
            if app.quit {
                break;
            }
        }
    }
    runner.cancel_all();
    drop(input);
    Ok(app)
}

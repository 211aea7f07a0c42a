//! Tests of `update` (every message) and snapshots of every screen over
//! the small fixture case, drawn into ratatui's `TestBackend`.

use super::fixture::{T0, small_case};
use super::index;
use super::jobs::{self, JobResult, Loaded};
use super::msg::{Cmd, Edit, Msg, Progress};
use super::raw::RawContext;
use super::state::*;
use super::update::{browser, update};
use super::view::view;
use pm_parsers::time::Zone;
use pm_tui::model::{AnnotationLabel, Case};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use unicode_width::UnicodeWidthStr;

const SIZE: (u16, u16) = (160, 45);

fn local() -> NamedZone {
    NamedZone {
        zone: Zone::utc(),
        label: "UTC".into(),
    }
}

/// What a finished load job hands the TUI for `case`.
fn loaded(case: Case, dir: PathBuf, temp: bool, note: Option<String>) -> Loaded {
    let ix = index::build(&case, None).expect("index");
    Loaded {
        case: Arc::new(case),
        index: Arc::new(ix),
        dir,
        temp,
        note,
    }
}

fn app_for(case: Case, dir: PathBuf, temp: bool, size: (u16, u16)) -> App {
    app_showing(loaded(case, dir, temp, None), size)
}

fn app_showing(loaded: Loaded, size: (u16, u16)) -> App {
    let b = browser(loaded, size, &local(), false);
    App {
        size,
        phase: Phase::Ready(Box::new(b)),
        quit: false,
        job_seq: 1,
        tick: 0,
        local: local(),
        prefer_local: false,
    }
}

fn app() -> App {
    app_for(
        small_case(),
        PathBuf::from("/tmp/pm-case-test"),
        false,
        SIZE,
    )
}

fn b(app: &App) -> &Browser {
    match &app.phase {
        Phase::Ready(b) => b,
        other => panic!("not browsing: {other:?}"),
    }
}

fn bm(app: &mut App) -> &mut Browser {
    match &mut app.phase {
        Phase::Ready(b) => b,
        _ => panic!("not browsing"),
    }
}

/// Apply a message and run every job it asks for synchronously, feeding
/// the results back, as the event loop would. Returns the commands seen.
fn send(app: &mut App, msg: Msg) -> Vec<String> {
    let mut seen = Vec::new();
    let mut queue = vec![msg];
    while let Some(m) = queue.pop() {
        if let Some(cmd) = update(app, m) {
            seen.push(format!("{cmd:?}"));
            match cmd {
                Cmd::Spawn(job) => {
                    let cancel = Arc::new(AtomicBool::new(false));
                    let r = jobs::run(job.work, &cancel, None);
                    queue.push(Msg::JobDone(job.id, Box::new(r)));
                }
                Cmd::Quit | Cmd::Pager { .. } => {}
            }
        }
    }
    seen
}

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        send(app, Msg::Input(Edit::Char(c)));
    }
}

/// The screen as text; cells hidden under a double-width character skipped.
fn render(app: &App) -> String {
    let mut term = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    term.draw(|f| view(app, f)).expect("draw");
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let s = buf[(x, y)].symbol();
            skip = s.width().saturating_sub(1);
            line.push_str(s);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn snap(name: &str, app: &App) {
    let text = render(app);
    insta::with_settings!({
        snapshot_path => "snapshots",
        prepend_module_to_snapshot => false,
        filters => vec![(r"/tmp/[A-Za-z0-9._/-]+", "[TMP]")],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

// ----- update: every message -----

#[test]
fn opens_zoomed_to_the_whole_case_in_the_case_zone() {
    let a = app();
    let b = b(&a);
    assert_eq!(b.zones[b.zone_ix].label, "case Asia/Tokyo");
    assert_eq!(b.cursor, T0);
    assert_eq!(b.events.sel, 0);
    assert!(b.view_start <= T0);
    let cols = super::layout::plot_cols(SIZE.0) as i64;
    assert!(
        b.view_start + cols * b.col_width() > b.index.last,
        "whole case visible"
    );
}

#[test]
fn quit_resize_tick_force_quit() {
    let mut a = app();
    send(&mut a, Msg::Resize(100, 30));
    assert_eq!(a.size, (100, 30));
    send(&mut a, Msg::Tick);
    assert_eq!(a.tick, 1);
    assert_eq!(send(&mut a, Msg::Quit), vec!["Quit".to_string()]);
    assert!(a.quit);
    let mut a = app();
    send(&mut a, Msg::ForceQuit);
    assert!(a.quit);
}

#[test]
fn quitting_a_temporary_case_asks_first() {
    let mut a = app_for(small_case(), PathBuf::from("/tmp/x/case"), true, SIZE);
    assert!(send(&mut a, Msg::Quit).is_empty());
    assert!(!a.quit);
    assert!(
        b(&a)
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("W writes it"))
    );
    send(&mut a, Msg::Quit);
    assert!(a.quit);
}

#[test]
fn pan_moves_the_cursor_and_the_list_follows() {
    let mut a = app();
    let w = b(&a).col_width();
    send(&mut a, Msg::Pan(3));
    let br = b(&a);
    assert_eq!(br.cursor, T0 + 3 * w);
    let sel = br.selected_event().expect("selection");
    assert!(br.case.timeline.ts(sel) >= br.cursor);
    send(&mut a, Msg::Pan(-100));
    assert_eq!(
        b(&a).cursor,
        b(&a).index.align(T0, w),
        "clamped at the start"
    );
    send(&mut a, Msg::PanPage(1));
    assert!(b(&a).cursor > T0);
    send(&mut a, Msg::PanPage(-1));
    assert_eq!(b(&a).cursor, b(&a).index.align(T0, w));
}

#[test]
fn zoom_keeps_the_cursor_and_reaches_one_second() {
    let mut a = app();
    let z0 = b(&a).zoom;
    send(&mut a, Msg::Pan(5));
    let cur = b(&a).cursor;
    send(&mut a, Msg::Zoom(1));
    assert_eq!(b(&a).zoom, z0 - 1);
    assert_eq!(b(&a).cursor, cur);
    for _ in 0..12 {
        send(&mut a, Msg::Zoom(1));
    }
    assert_eq!(b(&a).zoom, 0);
    assert!(b(&a).level().is_some(), "1 s level available");
    assert!(
        b(&a)
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("finest"))
    );
    for _ in 0..12 {
        send(&mut a, Msg::Zoom(-1));
    }
    assert_eq!(b(&a).zoom, index::ZOOMS.len() - 1);
}

#[test]
fn start_and_end() {
    let mut a = app();
    send(&mut a, Msg::End);
    let br = b(&a);
    assert_eq!(br.cursor, br.index.last);
    assert_eq!(br.selected_event(), Some(br.case.timeline.len() - 1));
    send(&mut a, Msg::Start);
    assert_eq!(b(&a).cursor, T0);
    assert_eq!(b(&a).selected_event(), Some(0));
}

#[test]
fn next_and_previous_finding_go_by_time() {
    let mut a = app();
    send(&mut a, Msg::NextFinding);
    // F3 (duplicate run) starts first, at T0+130 s.
    assert_eq!(b(&a).highlight.as_ref().map(|h| h.finding), Some(2));
    send(&mut a, Msg::NextFinding);
    assert_eq!(b(&a).highlight.as_ref().map(|h| h.finding), Some(1));
    send(&mut a, Msg::NextFinding);
    assert_eq!(b(&a).highlight.as_ref().map(|h| h.finding), Some(0));
    send(&mut a, Msg::NextFinding);
    assert!(
        b(&a)
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("no finding after"))
    );
    send(&mut a, Msg::PrevFinding);
    assert_eq!(b(&a).highlight.as_ref().map(|h| h.finding), Some(1));
}

#[test]
fn enter_on_a_finding_jumps_and_highlights_its_evidence() {
    let mut a = app();
    send(&mut a, Msg::Activate);
    let br = b(&a);
    let f = &br.case.findings[0];
    assert_eq!(br.highlight.as_ref().map(|h| h.finding), Some(0));
    let sel = br.selected_event().expect("selected");
    assert_eq!(sel as u64, f.evidence[0]);
    assert!(br.is_evidence(sel));
    let cols = super::layout::plot_cols(SIZE.0) as i64;
    let w = br.col_width();
    assert!(br.view_start <= f.start && f.end < br.view_start + cols * w);
    assert!(br.zoom < 4, "zoomed in to the finding");
}

#[test]
fn move_page_and_focus() {
    let mut a = app();
    send(&mut a, Msg::Move(1));
    assert_eq!(b(&a).findings.sel, 1);
    send(&mut a, Msg::Move(10));
    assert_eq!(b(&a).findings.sel, 2);
    send(&mut a, Msg::FocusNext);
    assert_eq!(b(&a).focus, Focus::Events);
    send(&mut a, Msg::Move(3));
    let br = b(&a);
    assert_eq!(br.events.sel, 3);
    assert_eq!(br.cursor, br.case.timeline.ts(3), "cursor follows the list");
    send(&mut a, Msg::Page(1));
    assert!(b(&a).events.sel > 10);
    send(&mut a, Msg::Page(-1));
    assert_eq!(b(&a).events.sel, 3);
    send(&mut a, Msg::FocusPrev);
    assert_eq!(b(&a).focus, Focus::Findings);
}

#[test]
fn enter_on_an_event_opens_the_record_and_reads_raw_lines() {
    let dir = tempfile::tempdir().expect("tmp");
    let logs = dir.path().join("logs/web01");
    std::fs::create_dir_all(&logs).expect("mkdir");
    let text: String = (1..=60).map(|i| format!("raw line {i}\n")).collect();
    std::fs::write(logs.join("access.log"), text).expect("write");
    // Sources are relative to where ingest ran: the case's parent here.
    let mut a = app_for(small_case(), dir.path().join("case"), false, SIZE);
    send(&mut a, Msg::FocusNext);
    let cmds = send(&mut a, Msg::Activate);
    assert!(cmds[0].contains("Raw"), "{cmds:?}");
    let br = b(&a);
    assert_eq!(br.overlay, Overlay::Detail(0));
    let (e, ctx) = br.raw.as_ref().expect("raw read");
    assert_eq!(*e, 0);
    let ctx = ctx.as_ref().expect("found the file");
    assert_eq!(ctx.lines[0], "raw line 1");
    send(&mut a, Msg::Move(2));
    assert_eq!(b(&a).overlay, Overlay::Detail(2), "j scrolls the record");
    // o: a plain file goes straight to the pager.
    let cmds = send(&mut a, Msg::Pager);
    assert!(cmds[0].starts_with("Pager"), "{cmds:?}");
    send(&mut a, Msg::PagerDone(Some("cannot run the pager".into())));
    assert!(b(&a).status.as_ref().is_some_and(|s| s.error));
    send(&mut a, Msg::Back);
    assert_eq!(b(&a).overlay, Overlay::None);
}

#[test]
fn missing_source_file_is_said_not_crashed() {
    let mut a = app();
    send(&mut a, Msg::FocusNext);
    send(&mut a, Msg::Activate);
    let (_, r) = b(&a).raw.as_ref().expect("raw");
    assert!(r.as_ref().err().is_some_and(|e| e.contains("no longer at")));
    send(&mut a, Msg::Pager);
    assert!(b(&a).status.as_ref().is_some_and(|s| s.error));
}

#[test]
fn search_finds_and_steps_through_matches() {
    let mut a = app();
    send(&mut a, Msg::Search);
    assert!(matches!(
        b(&a).overlay,
        Overlay::Prompt(Prompt {
            kind: PromptKind::Search,
            ..
        })
    ));
    keys(&mut a, "waits");
    let cmds = send(&mut a, Msg::Activate);
    assert!(
        cmds.iter().any(|c| c.contains("Search(/waits/)")),
        "{cmds:?}"
    );
    let br = b(&a);
    let hits = br
        .search
        .as_ref()
        .and_then(|s| s.hits.clone())
        .expect("hits");
    assert_eq!(hits.len(), 6);
    assert_eq!(br.selected_event(), Some(hits[0] as usize));
    send(&mut a, Msg::SearchNext);
    assert_eq!(b(&a).selected_event(), Some(hits[1] as usize));
    send(&mut a, Msg::SearchPrev);
    send(&mut a, Msg::SearchPrev);
    assert_eq!(b(&a).selected_event(), Some(hits[5] as usize), "wraps");
    assert!(
        b(&a)
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("wrapped"))
    );
    send(&mut a, Msg::Back);
    assert!(b(&a).search.is_none(), "Esc clears the search");
}

#[test]
fn a_bad_regex_stays_in_the_prompt_with_the_reason() {
    let mut a = app();
    send(&mut a, Msg::Search);
    keys(&mut a, "(unclosed");
    send(&mut a, Msg::Activate);
    match &b(&a).overlay {
        Overlay::Prompt(p) => assert!(p.error.as_deref().is_some_and(|e| e.contains("bad regex"))),
        o => panic!("{o:?}"),
    }
    send(&mut a, Msg::Input(Edit::Backspace));
    send(&mut a, Msg::Input(Edit::Home));
    send(&mut a, Msg::Input(Edit::Delete));
    match &b(&a).overlay {
        Overlay::Prompt(p) => assert_eq!(p.input.text, "unclose"),
        o => panic!("{o:?}"),
    }
    send(&mut a, Msg::Back);
    assert_eq!(b(&a).overlay, Overlay::None);
}

#[test]
fn goto_a_typed_time_in_the_display_zone() {
    let mut a = app();
    send(&mut a, Msg::GotoTime);
    keys(&mut a, "21:55");
    send(&mut a, Msg::Activate);
    assert_eq!(b(&a).cursor, T0 + 300_000_000);
    send(&mut a, Msg::GotoTime);
    keys(&mut a, "soon");
    send(&mut a, Msg::Activate);
    assert!(matches!(&b(&a).overlay, Overlay::Prompt(p) if p.error.is_some()));
    send(&mut a, Msg::Input(Edit::Clear));
    keys(&mut a, "-1m");
    send(&mut a, Msg::Activate);
    assert_eq!(b(&a).cursor, T0 + 240_000_000);
}

/// Clearing a filter re-runs the search in the background; its hits
/// arriving later must not move the selection or replace the status line
/// (in the end-to-end test they overwrote "annotated: ..." at random).
#[test]
fn a_search_re_run_under_a_new_filter_keeps_the_selection() {
    let mut a = app();
    send(&mut a, Msg::Search);
    keys(&mut a, "waits");
    send(&mut a, Msg::Activate);
    let first = b(&a).selected_event();
    assert!(first.is_some());
    send(&mut a, Msg::FocusNext);
    send(&mut a, Msg::Move(3));
    let chosen = b(&a).selected_event();
    assert_ne!(chosen, first);
    let cmds = send(&mut a, Msg::ClearFilters);
    assert!(
        cmds.iter().any(|c| c.contains("Search(/waits/)")),
        "{cmds:?}"
    );
    let br = b(&a);
    assert_eq!(
        br.selected_event(),
        chosen,
        "the hits did not move the selection"
    );
    assert!(
        br.status
            .as_ref()
            .is_some_and(|s| s.text == "filters cleared"),
        "{:?}",
        br.status
    );
    assert_eq!(
        br.search
            .as_ref()
            .and_then(|s| s.hits.as_ref())
            .map(|h| h.len()),
        Some(6)
    );
    send(&mut a, Msg::SearchNext);
    assert!(
        b(&a)
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("match"))
    );
}

#[test]
fn filter_by_host_and_kind_then_clear() {
    let mut a = app();
    send(&mut a, Msg::Filter);
    keys(&mut a, "db");
    send(&mut a, Msg::Input(Edit::Next));
    send(&mut a, Msg::Input(Edit::Next));
    keys(&mut a, "lock");
    let cmds = send(&mut a, Msg::Activate);
    assert!(cmds.iter().any(|c| c.contains("Filter")), "{cmds:?}");
    let br = b(&a);
    assert_eq!(br.rows.len(), 6);
    assert_eq!(br.filter.describe(), "host=db kind=lock");
    assert!(
        br.status
            .as_ref()
            .is_some_and(|s| s.text.starts_with("6 of"))
    );
    send(&mut a, Msg::ClearFilters);
    assert_eq!(b(&a).rows.len(), b(&a).case.timeline.len());
    // A wrong kind is refused in the form.
    send(&mut a, Msg::Filter);
    send(&mut a, Msg::Input(Edit::Prev));
    send(&mut a, Msg::Input(Edit::Prev));
    send(&mut a, Msg::Input(Edit::Prev));
    send(&mut a, Msg::Input(Edit::Prev));
    send(&mut a, Msg::Input(Edit::Prev));
    keys(&mut a, "nonsense");
    send(&mut a, Msg::Activate);
    assert!(
        matches!(&b(&a).overlay, Overlay::Filter(f) if f.error.as_deref().is_some_and(|e| e.contains("not a kind")))
    );
}

#[test]
fn marks_and_annotations_are_saved_to_the_case() {
    let dir = tempfile::tempdir().expect("tmp");
    let case_dir = dir.path().join("case");
    small_case().save(&case_dir).expect("save");
    let mut a = app_for(small_case(), case_dir.clone(), false, SIZE);
    send(&mut a, Msg::FocusNext);
    send(&mut a, Msg::Move(2));
    let cmds = send(&mut a, Msg::Mark);
    assert!(cmds[0].contains("SaveAnnotations(1)"), "{cmds:?}");
    let saved = std::fs::read_to_string(case_dir.join("annotations.json")).expect("saved");
    assert!(saved.contains("\"mark\""), "{saved}");
    send(&mut a, Msg::Mark);
    assert!(b(&a).annotations.is_empty(), "m again unmarks");
    send(&mut a, Msg::Annotate);
    send(&mut a, Msg::Input(Edit::Next));
    keys(&mut a, "pager ブザー");
    send(&mut a, Msg::Activate);
    let br = b(&a);
    assert_eq!(br.annotations.len(), 1);
    assert_eq!(br.annotations[0].label, AnnotationLabel::Detection);
    assert_eq!(br.annotations[0].note, "pager ブザー");
    assert_eq!(br.annotations[0].event, Some(2));
    let back = pm_tui::model::Case::load(&case_dir).expect("load");
    assert_eq!(back.annotations, br.annotations);
    assert_eq!(
        br.case.annotations, br.annotations,
        "case copy in step for export"
    );
    // a again edits the same event's annotation.
    send(&mut a, Msg::Annotate);
    assert!(
        matches!(&b(&a).overlay, Overlay::Annotate(f) if f.note.text == "pager ブザー" && f.label() == AnnotationLabel::Detection)
    );
    send(&mut a, Msg::Back);
    send(&mut a, Msg::Mark);
    assert!(
        b(&a)
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("already has"))
    );
}

#[test]
fn export_reports_where_or_why_not() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut a = app_for(small_case(), dir.path().to_path_buf(), false, SIZE);
    let cmds = send(&mut a, Msg::Export);
    assert!(cmds[0].contains("Export"));
    let st = b(&a).status.clone().expect("status");
    match pm_tui::export::markdown(
        &small_case(),
        &pm_tui::export::ExportOptions::new(Zone::utc()),
    ) {
        Ok(_) => {
            assert!(
                st.text.starts_with("wrote ") && st.text.contains("postmortem.md"),
                "{st:?}"
            );
            assert!(dir.path().join("postmortem.md").is_file());
        }
        Err(e) => {
            assert!(st.error && st.text.contains(&e), "{st:?}");
        }
    }
}

#[test]
fn locks_view_builds_the_wait_for_tree() {
    let mut a = app();
    // On the convoy finding: its tree.
    let cmds = send(&mut a, Msg::Locks);
    assert!(cmds[0].contains("Locks(F1"), "{cmds:?}");
    let Screen::Locks(v) = &b(&a).screen else {
        panic!("not locks")
    };
    let tree = v.tree.as_ref().expect("tree");
    assert_eq!(tree.lines[0].role, super::locktree::Role::Head);
    assert!(tree.lines[0].actor.contains("4190"));
    assert_eq!(tree.lines.len(), 7);
    assert_eq!(tree.lines[1].wait_ms, 10000.0, "longest wait first");
    assert_eq!(tree.deadlocks.len(), 1);
    assert_eq!(tree.deadlocks[0].participants.len(), 2);
    send(&mut a, Msg::Move(1));
    send(&mut a, Msg::Activate);
    let br = b(&a);
    assert_eq!(
        br.case.timeline.kind(br.selected_event().expect("sel")),
        pm_parsers::Kind::LockWait
    );
    send(&mut a, Msg::Locks);
    assert_eq!(b(&a).screen, Screen::Home);
    // From the events list (Enter above focused it): the tree at the cursor, following it.
    assert_eq!(b(&a).focus, Focus::Events);
    send(&mut a, Msg::Locks);
    let Screen::Locks(v) = &b(&a).screen else {
        panic!("not locks")
    };
    assert!(v.title.starts_with("at "), "{}", v.title);
    send(&mut a, Msg::Pan(1));
    assert!(
        matches!(&b(&a).screen, Screen::Locks(v) if v.tree.is_some()),
        "recomputed after the cursor moved"
    );
    send(&mut a, Msg::Back);
    assert_eq!(b(&a).screen, Screen::Home);
}

#[test]
fn jobs_view_lists_runs_and_duplicates() {
    let mut a = app();
    send(&mut a, Msg::Jobs);
    let br = b(&a);
    assert!(matches!(br.screen, Screen::Jobs(_)));
    assert_eq!(br.index.jobs.runs.len(), 2);
    assert!(br.index.jobs.duplicate.iter().all(|d| *d));
    assert_eq!(br.index.jobs.ids_twice.len(), 1);
    send(&mut a, Msg::Move(1));
    send(&mut a, Msg::Activate);
    let br = b(&a);
    assert_eq!(
        br.case.timeline.kind(br.selected_event().expect("sel")),
        pm_parsers::Kind::JobStart
    );
    send(&mut a, Msg::Jobs);
    assert_eq!(b(&a).screen, Screen::Home);
}

#[test]
fn zone_grouping_help_and_back() {
    let mut a = app();
    send(&mut a, Msg::CycleZone);
    assert_eq!(b(&a).zones[b(&a).zone_ix].label, "UTC");
    send(&mut a, Msg::CycleZone);
    assert_eq!(b(&a).zone_ix, 0, "local is UTC here: two zones");
    send(&mut a, Msg::CycleGrouping);
    assert_eq!(b(&a).grouping, index::Grouping::Source);
    send(&mut a, Msg::Help);
    assert_eq!(b(&a).overlay, Overlay::Help);
    send(&mut a, Msg::Help);
    assert_eq!(b(&a).overlay, Overlay::None);
    send(&mut a, Msg::Activate);
    assert!(b(&a).highlight.is_some());
    send(&mut a, Msg::Back);
    assert!(b(&a).highlight.is_none());
    send(&mut a, Msg::Back);
    assert!(b(&a).status.is_none());
}

#[test]
fn write_case_keeps_a_temporary_case() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut a = app_for(small_case(), dir.path().join("tmpcase"), true, SIZE);
    send(&mut a, Msg::WriteCase);
    send(&mut a, Msg::Input(Edit::Clear));
    let to = dir.path().join("kept");
    keys(&mut a, &to.display().to_string());
    send(&mut a, Msg::Activate);
    let br = b(&a);
    assert!(!br.temp);
    assert_eq!(br.dir, to);
    assert!(to.join("case.json").is_file());
    assert_eq!(br.name, "kept");
    // Never over an existing directory.
    send(&mut a, Msg::WriteCase);
    send(&mut a, Msg::Input(Edit::Clear));
    keys(&mut a, &to.display().to_string());
    send(&mut a, Msg::Activate);
    assert!(
        b(&a)
            .status
            .as_ref()
            .is_some_and(|s| s.error && s.text.contains("already exists"))
    );
    send(&mut a, Msg::Quit);
    assert!(a.quit, "no second q needed once written");
}

#[test]
fn mouse_clicks_and_wheel() {
    let mut a = app();
    let areas = super::layout::areas(a.size, b(&a));
    let y = areas.event_row_y() + 4;
    send(&mut a, Msg::Click(areas.events.x + 5, y));
    let br = b(&a);
    assert_eq!(br.focus, Focus::Events);
    assert_eq!(br.events.sel, br.events.top + 4);
    send(&mut a, Msg::Scroll(areas.events.x + 5, y, 1));
    assert_eq!(b(&a).events.sel, b(&a).events.top + 7);
    send(
        &mut a,
        Msg::Click(areas.findings.x + 3, areas.findings.y + 2),
    );
    assert_eq!(b(&a).focus, Focus::Findings);
    assert_eq!(b(&a).findings.sel, 1);
    let (_, ty) = areas.strips[1];
    let view = b(&a).view_start;
    send(&mut a, Msg::Click(areas.plot_x + 40, ty));
    let br = b(&a);
    assert_eq!(br.cursor, view + 40 * br.col_width());
    send(&mut a, Msg::Scroll(areas.plot_x + 40, ty, 1));
    assert_eq!(b(&a).cursor, view + 44 * b(&a).col_width());
}

#[test]
fn stale_job_results_are_dropped() {
    let mut a = app();
    let before = b(&a).rows.clone();
    update(
        &mut a,
        Msg::JobDone(999, Box::new(JobResult::Rows(vec![1, 2]))),
    );
    assert_eq!(b(&a).rows, before);
    // A newer filter replaces the pending one: the older result is stale.
    let br = bm(&mut a);
    br.pending.insert(JobKind::Filter, 50);
    update(&mut a, Msg::JobDone(49, Box::new(JobResult::Rows(vec![1]))));
    assert_eq!(b(&a).rows, before);
    update(&mut a, Msg::JobDone(50, Box::new(JobResult::Rows(vec![1]))));
    assert_eq!(b(&a).rows.len(), 1);
}

#[test]
fn loading_progress_then_ready_or_cancel() {
    let (mut a, cmd) = super::loading_app(
        "Ingesting logs".into(),
        jobs::Work::Load {
            dir: PathBuf::from("/nonexistent"),
        },
        local(),
        false,
    );
    assert!(matches!(cmd, Cmd::Spawn(_)));
    update(
        &mut a,
        Msg::Progress(Progress {
            files: 4,
            files_done: 1,
            bytes: 1000,
            bytes_done: 250,
            current: "web01/access.log".into(),
        }),
    );
    assert!(
        matches!(&a.phase, Phase::Loading(l) if l.progress.as_ref().is_some_and(|p| p.files_done == 1))
    );
    let loaded = loaded(small_case(), PathBuf::from("/tmp/c"), true, None);
    update(
        &mut a,
        Msg::JobDone(1, Box::new(JobResult::Loaded(Ok(loaded)))),
    );
    assert!(matches!(&a.phase, Phase::Ready(b) if b.temp));

    let (mut a, _) = super::loading_app(
        "x".into(),
        jobs::Work::Load {
            dir: PathBuf::from("/x"),
        },
        local(),
        false,
    );
    assert!(matches!(update(&mut a, Msg::Back), Some(Cmd::Quit)));
    assert!(matches!(&a.phase, Phase::Loading(l) if l.cancelling));

    let (mut a, _) = super::loading_app(
        "x".into(),
        jobs::Work::Load {
            dir: PathBuf::from("/x"),
        },
        local(),
        false,
    );
    update(
        &mut a,
        Msg::JobDone(1, Box::new(JobResult::Loaded(Err("no case here".into())))),
    );
    assert!(matches!(&a.phase, Phase::Failed(e) if e == "no case here"));
    update(&mut a, Msg::Activate);
    assert!(a.quit);
}

#[test]
fn keys_map_to_messages_in_one_place() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let k = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    assert!(matches!(
        super::keys::key(&k(KeyCode::Char('q')), false),
        Some(Msg::Quit)
    ));
    assert!(matches!(
        super::keys::key(&k(KeyCode::Char('q')), true),
        Some(Msg::Input(Edit::Char('q')))
    ));
    assert!(matches!(
        super::keys::key(
            &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            true
        ),
        Some(Msg::ForceQuit)
    ));
    assert!(matches!(
        super::keys::key(&k(KeyCode::Char('L')), false),
        Some(Msg::Locks)
    ));
    assert!(matches!(
        super::keys::key(&k(KeyCode::Char('+')), false),
        Some(Msg::Zoom(1))
    ));
    assert!(matches!(
        super::keys::key(&k(KeyCode::Char(']')), false),
        Some(Msg::NextFinding)
    ));
    assert!(matches!(
        super::keys::key(&k(KeyCode::Esc), true),
        Some(Msg::Back)
    ));
}

// ----- what is drawn -----

#[test]
fn hostile_text_is_drawn_escaped() {
    let mut a = app();
    send(&mut a, Msg::FocusNext);
    let i = (0..b(&a).case.timeline.len())
        .find(|&i| b(&a).case.timeline.message(i).starts_with("evil"))
        .expect("hostile event");
    bm(&mut a).events.sel = i;
    send(&mut a, Msg::Move(0));
    let text = render(&a);
    assert!(
        text.contains("evil \\x1b[31mRED\\x1b[0m \\x07bell \\u{202e}txet desrever\\r done"),
        "{text}"
    );
    assert!(
        !text.contains('\x1b')
            && !text.contains('\u{202e}')
            && !text.contains('\x07')
            && !text.contains('\r')
    );
}

#[test]
fn japanese_text_keeps_the_columns_aligned() {
    let mut a = app();
    send(&mut a, Msg::FocusNext);
    let t = &b(&a).case.timeline;
    let i = (0..t.len())
        .find(|&i| t.message(i).starts_with("決済"))
        .expect("japanese event");
    bm(&mut a).events.sel = i;
    send(&mut a, Msg::Move(0));
    // Rows of the events list, as cell columns.
    let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("terminal");
    term.draw(|f| view(&a, f)).expect("draw");
    let buf = term.backend().buffer();
    let areas = super::layout::areas(a.size, b(&a));
    let mut kind_x = None;
    let mut checked = 0;
    for y in areas.event_row_y()..areas.event_row_y() + areas.event_rows() as u16 {
        let row: Vec<&str> = (areas.events.x..areas.events.x + areas.events.width)
            .map(|x| buf[(x, y)].symbol())
            .collect();
        let line: String = row.concat();
        // Every row's kind column starts at the same cell.
        let Some(k) = [
            "request",
            "log",
            "error",
            "lock_wait",
            "deadlock",
            "job_start",
            "job_end",
        ]
        .iter()
        .filter_map(|k| {
            (0..row.len()).find(|&x| row[x..].concat().starts_with(&format!("{k} ")) && x > 20)
        })
        .min() else {
            continue;
        };
        match kind_x {
            None => kind_x = Some(k),
            Some(x) => assert_eq!(x, k, "kind column moved in {line:?}"),
        }
        if line.contains("ア") && line.contains("決") {
            checked += 1;
        }
        // The right border stays in place.
        assert_eq!(row[row.len() - 1], "│", "{row:?}");
    }
    assert!(checked >= 1, "the Japanese row was drawn");
}

#[test]
fn snapshot_home() {
    let mut a = app();
    snap("home", &a);
    send(&mut a, Msg::CycleGrouping);
    send(&mut a, Msg::FocusNext);
    snap("by_source", &a);
}

#[test]
fn snapshot_after_jumping_to_a_finding() {
    let mut a = app();
    send(&mut a, Msg::Activate);
    snap("finding_jump", &a);
}

#[test]
fn snapshot_events_focus_and_search() {
    let mut a = app();
    send(&mut a, Msg::FocusNext);
    send(&mut a, Msg::Search);
    keys(&mut a, "checkout|waits");
    snap("search_prompt", &a);
    send(&mut a, Msg::Activate);
    snap("search_hits", &a);
}

#[test]
fn snapshot_filter_form_and_filtered() {
    let mut a = app();
    send(&mut a, Msg::Filter);
    keys(&mut a, "db01");
    snap("filter_form", &a);
    send(&mut a, Msg::Activate);
    snap("filtered", &a);
}

#[test]
fn snapshot_locks() {
    let mut a = app();
    send(&mut a, Msg::Locks);
    snap("locks", &a);
}

#[test]
fn snapshot_jobs() {
    let mut a = app();
    send(&mut a, Msg::Jobs);
    snap("jobs", &a);
}

#[test]
fn snapshot_detail_with_raw_lines() {
    let mut a = app();
    send(&mut a, Msg::FocusNext);
    send(&mut a, Msg::Move(1));
    let br = bm(&mut a);
    br.overlay = Overlay::Detail(0);
    br.raw = Some((1, Ok(RawContext {
        path: PathBuf::from("logs/web01/access.log"),
        first_line: 1,
        lines: (1..=6).map(|i| format!("10.0.0.{i} - - [01/Jun/2023:21:50:{i:02} +0900] \"POST /checkout HTTP/1.1\" 200")).collect(),
        record: (2, 1),
        plain: true,
    })));
    snap("detail", &a);
}

#[test]
fn snapshot_help_annotate_goto() {
    let mut a = app();
    send(&mut a, Msg::Help);
    snap("help", &a);
    send(&mut a, Msg::Back);
    send(&mut a, Msg::FocusNext);
    send(&mut a, Msg::Annotate);
    send(&mut a, Msg::Input(Edit::Next));
    keys(&mut a, "on-call paged");
    snap("annotate", &a);
    send(&mut a, Msg::Back);
    send(&mut a, Msg::GotoTime);
    keys(&mut a, "21:55");
    snap("goto", &a);
}

#[test]
fn snapshot_small_terminal_and_marks() {
    let mut a = app_for(
        small_case(),
        PathBuf::from("/tmp/pm-case-test"),
        false,
        (80, 24),
    );
    let br = bm(&mut a);
    br.annotations.push(pm_tui::model::Annotation {
        ts: T0 + 200_000_000,
        event: None,
        label: AnnotationLabel::OutageBegins,
        note: "checkout down".into(),
    });
    br.annotations.push(pm_tui::model::Annotation {
        ts: T0 + 420_000_000,
        event: None,
        label: AnnotationLabel::Mitigation,
        note: String::new(),
    });
    snap("small_terminal", &a);
}

#[test]
fn snapshot_loading_and_failed() {
    let (mut a, _) = super::loading_app(
        "Ingesting sample_logs/booth-payment-spike into a temporary case".into(),
        jobs::Work::Load {
            dir: PathBuf::from("/x"),
        },
        local(),
        false,
    );
    a.size = (100, 20);
    update(
        &mut a,
        Msg::Progress(Progress {
            files: 12,
            files_done: 5,
            bytes: 4 << 20,
            bytes_done: 3 << 20,
            current: "sample_logs/booth-payment-spike/web01/nginx/access.log".into(),
        }),
    );
    snap("loading", &a);
    update(
        &mut a,
        Msg::JobDone(
            1,
            Box::new(JobResult::Loaded(Err(
                "nothing could be ingested: no events were read from the given paths".into(),
            ))),
        ),
    );
    snap("failed", &a);
}

#[test]
fn a_scripted_session_on_a_larger_case_draws_every_frame() {
    // The benchmark's session (examples/tui-bench.rs) on 200k events, as a
    // smoke test: every message applies and every frame draws.
    let case = super::fixture::synthetic_case(200_000);
    let mut a = app_for(case, PathBuf::from("/tmp/pm-case-bench"), false, SIZE);
    let script: Vec<Msg> = vec![
        Msg::Zoom(1),
        Msg::Zoom(1),
        Msg::Pan(40),
        Msg::PanPage(1),
        Msg::Zoom(1),
        Msg::Zoom(1),
        Msg::Zoom(1),
        Msg::Zoom(1),
        Msg::Zoom(1),
        Msg::Pan(-3),
        Msg::NextFinding,
        Msg::NextFinding,
        Msg::FocusNext,
        Msg::Page(1),
        Msg::Move(5),
        Msg::Locks,
        Msg::Back,
        Msg::Jobs,
        Msg::Back,
        Msg::Search,
    ];
    for m in script {
        send(&mut a, m);
        render(&a);
    }
    keys(&mut a, "注文");
    send(&mut a, Msg::Activate);
    assert!(
        b(&a)
            .search
            .as_ref()
            .and_then(|s| s.hits.as_ref())
            .is_some_and(|h| !h.is_empty())
    );
    send(&mut a, Msg::SearchNext);
    render(&a);
    send(&mut a, Msg::Filter);
    keys(&mut a, "db");
    send(&mut a, Msg::Activate);
    assert!(b(&a).rows.len() < 200_000 && !b(&a).rows.is_empty());
    render(&a);
    send(&mut a, Msg::End);
    render(&a);
}

#[test]
fn tiny_and_odd_terminal_sizes_never_panic() {
    let mut a = app();
    for (w, h) in [
        (1, 1),
        (10, 5),
        (49, 13),
        (50, 14),
        (60, 20),
        (300, 100),
        (161, 46),
    ] {
        send(&mut a, Msg::Resize(w, h));
        for m in [
            Msg::Activate,
            Msg::Locks,
            Msg::Jobs,
            Msg::Help,
            Msg::Back,
            Msg::Back,
            Msg::Back,
            Msg::Zoom(1),
            Msg::Pan(3),
        ] {
            send(&mut a, m);
            render(&a);
        }
    }
}

#[test]
fn index_levels_agree_with_each_other_and_with_a_window() {
    let case = super::fixture::synthetic_case(50_000);
    let ix = index::build(&case, None).expect("index");
    let n = case.timeline.len() as u64;
    let requests = (0..case.timeline.len())
        .filter(|&i| case.timeline.kind(i) == pm_parsers::Kind::Request)
        .count() as u64;
    let mut built = 0;
    for lvl in ix.levels.iter().flatten() {
        built += 1;
        for g in 0..2 {
            let total: u64 = lvl.lanes[g].iter().flatten().map(|&c| c as u64).sum();
            assert_eq!(total, n, "every event in one lane, width {}", lvl.width);
        }
        assert_eq!(
            lvl.requests.iter().map(|&c| c as u64).sum::<u64>(),
            requests
        );
        assert!(lvl.jobs.iter().any(|&j| j >= 2), "duplicate runs overlap");
    }
    assert!(built >= 8);
    assert!(
        ix.levels[0].is_none(),
        "1 s over two days is computed per window"
    );
    // A window at 1 min equals the precomputed 1 min level over the same columns.
    let z = 3;
    let lvl = ix.level(z).expect("1 min level");
    let start = lvl.origin + 100 * lvl.width;
    let win = ix.window(&case, lvl.width, start, 50);
    assert_eq!(win.requests[..], lvl.requests[100..150]);
    assert_eq!(win.lanes[0][0][..], lvl.lanes[0][0][100..150]);
    assert_eq!(win.waits[..], lvl.waits[100..150]);
    assert_eq!(win.jobs[..], lvl.jobs[100..150]);
    for (a, b) in win.p95.iter().zip(&lvl.p95[100..150]) {
        assert!(a == b || (a.is_nan() && b.is_nan()));
    }
}

/// A case whose column file was set aside says so on the status line once
/// it is shown (it opened slowly from Parquet), escaped like any text.
#[test]
fn a_load_note_is_shown_on_the_status_line() {
    let note = "events.cols was set aside (\u{1b}[31mcut)";
    let app = app_showing(
        loaded(
            small_case(),
            PathBuf::from("/tmp/c"),
            false,
            Some(note.into()),
        ),
        SIZE,
    );
    let Phase::Ready(b) = &app.phase else {
        panic!("not ready")
    };
    let status = b.status.clone().expect("a status line");
    assert!(!status.error);
    assert_eq!(status.text, note);
    let screen = render(&app);
    assert!(screen.contains("events.cols was set aside ("), "{screen}");
    assert!(!screen.contains('\u{1b}'), "{screen}");
}

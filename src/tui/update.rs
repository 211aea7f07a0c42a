//! All behaviour: `update(&mut App, Msg) -> Option<Cmd>`. Nothing here
//! draws or blocks; slow work is asked for as a [`Cmd::Spawn`] job.

use super::index::{Grouping, ZOOMS};
use super::jobs::{Job, JobResult, Loaded, Work};
use super::layout::{self, Areas};
use super::locktree::TreeLine;
use super::msg::{Cmd, Edit, Msg};
use super::query::{Filter, FilterSpec, Rows, parse_time, smart_regex};
use super::state::*;
use pm_parsers::time::Zone;
use pm_tui::model::{Annotation, AnnotationLabel, FindingKind};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Apply `msg` to the state; return what the event loop should do.
pub fn update(app: &mut App, msg: Msg) -> Option<Cmd> {
    match msg {
        Msg::Resize(w, h) => {
            app.size = (w, h);
            if let Phase::Ready(b) = &mut app.phase {
                let a = layout::areas(app.size, b);
                keep_cursor_visible(b, &a);
                keep_list_visible(b, &a);
                refresh_live(b, app.size);
            }
            return None;
        }
        Msg::Tick => {
            app.tick = app.tick.wrapping_add(1);
            return None;
        }
        _ => {}
    }
    let App {
        phase,
        job_seq,
        size,
        quit,
        local,
        prefer_local,
        ..
    } = app;
    match phase {
        Phase::Loading(l) => match msg {
            Msg::Quit | Msg::ForceQuit | Msg::Back => {
                l.cancelling = true;
                *quit = true;
                Some(Cmd::Quit)
            }
            Msg::Progress(p) => {
                l.progress = Some(p);
                None
            }
            Msg::JobDone(id, r) if id == l.job => match *r {
                JobResult::Loaded(Ok(loaded)) => {
                    let b = browser(loaded, *size, local, *prefer_local);
                    *phase = Phase::Ready(Box::new(b));
                    None
                }
                JobResult::Loaded(Err(e)) | JobResult::Failed(e) => {
                    *phase = Phase::Failed(e);
                    None
                }
                JobResult::Cancelled => {
                    *quit = true;
                    Some(Cmd::Quit)
                }
                _ => None,
            },
            _ => None,
        },
        Phase::Failed(_) => match msg {
            Msg::Quit
            | Msg::ForceQuit
            | Msg::Back
            | Msg::Activate
            | Msg::Input(_)
            | Msg::Click(..) => {
                *quit = true;
                Some(Cmd::Quit)
            }
            _ => None,
        },
        Phase::Ready(b) => {
            let mut cx = Cx {
                seq: job_seq,
                size: *size,
            };
            let cmd = browse(b, &mut cx, msg);
            refresh_live(b, *size);
            if matches!(cmd, Some(Cmd::Quit)) {
                *quit = true;
            }
            cmd
        }
    }
}

/// Context for browser updates: job ids and the screen size.
struct Cx<'a> {
    seq: &'a mut u64,
    size: (u16, u16),
}

impl Cx<'_> {
    fn job(&mut self, b: &mut Browser, work: Work) -> Cmd {
        *self.seq += 1;
        let id = *self.seq;
        b.pending.insert(work.kind(), id);
        Cmd::Spawn(Job { id, work })
    }
}

/// The zones `t` cycles through, and which to start in.
pub fn zones(case_zone: &str, local: &NamedZone, prefer_local: bool) -> (Vec<NamedZone>, usize) {
    let mut out: Vec<NamedZone> = Vec::new();
    if let Ok(z) = case_zone.parse::<Zone>() {
        out.push(NamedZone {
            zone: z,
            label: format!("case {z}"),
        });
    }
    let utc = Zone::utc();
    if !out.iter().any(|n| n.zone == utc) {
        out.push(NamedZone {
            zone: utc,
            label: "UTC".into(),
        });
    }
    let mut start = 0;
    match out.iter().position(|n| n.zone == local.zone) {
        Some(i) => {
            if prefer_local {
                start = i;
            }
        }
        None => {
            out.push(local.clone());
            if prefer_local {
                start = out.len() - 1;
            }
        }
    }
    (out, start)
}

/// A browser over a freshly loaded case, zoomed to show all of it.
pub fn browser(l: Loaded, size: (u16, u16), local: &NamedZone, prefer_local: bool) -> Browser {
    let (zones, zone_ix) = zones(&l.case.meta.zone, local, prefer_local);
    let name = l
        .dir
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| l.dir.display().to_string());
    let n = l.case.timeline.len();
    let annotations = l.case.annotations.clone();
    let mut b = Browser {
        zoom: 0,
        view_start: l.index.first,
        cursor: l.index.first,
        case: l.case,
        index: l.index,
        dir: l.dir,
        temp: l.temp,
        name,
        zones,
        zone_ix,
        grouping: Grouping::Host,
        focus: Focus::Findings,
        findings: ListPos::default(),
        rows: Rows::All(n),
        events: ListPos::default(),
        filter: FilterSpec::default(),
        search: None,
        highlight: None,
        annotations,
        overlay: Overlay::None,
        screen: Screen::Home,
        raw: None,
        status: None,
        pending: HashMap::new(),
        quit_armed: false,
        live: None,
    };
    if b.temp {
        b.status = Some(Status {
            text: "temporary case: W writes it somewhere to keep it".into(),
            error: false,
        });
    }
    if let Some(note) = l.note {
        b.status = Some(Status {
            text: note,
            error: false,
        });
    }
    // Fit the bulk of the events: a few stray timestamps (a syslog line
    // dated by the file's year) must not squash the incident into a column.
    let (lo, hi) = bulk(&b);
    fit(&mut b, size, lo, hi);
    b.cursor = lo;
    select_at_cursor(&mut b, size);
    refresh_live(&mut b, size);
    b
}

/// The span of the middle 99 % of events.
fn bulk(b: &Browser) -> (i64, i64) {
    let t = &b.case.timeline;
    let n = t.len();
    if n < 200 {
        return (b.index.first, b.index.last);
    }
    (t.ts(n / 200), t.ts(n - 1 - n / 200))
}

fn align(b: &Browser, ts: i64) -> i64 {
    b.index.align(ts, b.col_width())
}

/// Compute the visible window's level when the zoom has no precomputed one.
pub fn refresh_live(b: &mut Browser, size: (u16, u16)) {
    if b.index.level(b.zoom).is_some() {
        b.live = None;
        return;
    }
    let cols = layout::plot_cols(size.0);
    let w = b.col_width();
    let fresh = b
        .live
        .as_ref()
        .is_some_and(|l| l.width == w && l.origin == b.view_start && l.n == cols);
    if !fresh {
        b.live = Some(Arc::new(b.index.window(&b.case, w, b.view_start, cols)));
    }
}

/// Zoom and pan so that `[from, to]` fills most of the plot.
fn fit(b: &mut Browser, size: (u16, u16), from: i64, to: i64) {
    let cols = layout::plot_cols(size.0) as i64;
    let span = (to - from).max(1);
    let pad = span / 10;
    let mut z = ZOOMS.len() - 1;
    for (i, &w) in ZOOMS.iter().enumerate() {
        if (span + 2 * pad) <= w * (cols - 2).max(1) {
            z = i;
            break;
        }
    }
    b.zoom = z;
    let w = b.col_width();
    b.view_start = align(b, from - pad.max(w));
    clamp_view(b, cols);
}

fn clamp_view(b: &mut Browser, cols: i64) {
    let w = b.col_width();
    let lo = align(b, b.index.first) - (cols - 1).max(0) * w;
    let hi = align(b, b.index.last);
    b.view_start = align(b, b.view_start.clamp(lo.min(hi), hi));
}

fn keep_cursor_visible(b: &mut Browser, a: &Areas) {
    let cols = a.cols as i64;
    let w = b.col_width();
    let margin = (cols / 8).min(8);
    let col = (b.cursor - b.view_start).div_euclid(w);
    if col < margin.min(cols / 2) {
        b.view_start = align(b, b.cursor) - margin * w;
    } else if col >= cols - margin {
        b.view_start = align(b, b.cursor) - (cols - 1 - margin) * w;
    }
    b.view_start = align(b, b.view_start);
}

fn keep_list_visible(b: &mut Browser, a: &Areas) {
    let h = a.event_rows().max(1);
    if b.events.sel < b.events.top {
        b.events.top = b.events.sel;
    } else if b.events.sel >= b.events.top + h {
        b.events.top = b.events.sel + 1 - h;
    }
    let fh = a.finding_rows().max(1);
    if b.findings.sel < b.findings.top {
        b.findings.top = b.findings.sel;
    } else if b.findings.sel >= b.findings.top + fh {
        b.findings.top = b.findings.sel + 1 - fh;
    }
}

/// Select the first row at or after the cursor's column and show it a
/// third of the way down the list.
fn select_at_cursor(b: &mut Browser, size: (u16, u16)) {
    let a = layout::areas(size, b);
    let start = align(b, b.cursor);
    let pos = b.rows.lower_bound(&b.case.timeline, start);
    b.events.sel = pos.min(b.rows.len().saturating_sub(1));
    let h = a.event_rows().max(1);
    b.events.top = b.events.sel.saturating_sub(h / 3);
    keep_cursor_visible(b, &a);
}

/// Move the cursor to the selected event.
fn cursor_to_selection(b: &mut Browser, size: (u16, u16)) {
    if let Some(i) = b.selected_event() {
        b.cursor = b.case.timeline.ts(i);
    }
    let a = layout::areas(size, b);
    keep_cursor_visible(b, &a);
    keep_list_visible(b, &a);
}

/// Select event `i` (or the nearest row) and move the cursor to it.
fn select_event(b: &mut Browser, size: (u16, u16), i: usize) {
    let pos = match b.rows.position(i) {
        Ok(p) => p,
        Err(p) => p.min(b.rows.len().saturating_sub(1)),
    };
    b.events.sel = pos;
    let h = layout::areas(size, b).event_rows().max(1);
    if pos < b.events.top || pos >= b.events.top + h {
        b.events.top = pos.saturating_sub(h / 3);
    }
    cursor_to_selection(b, size);
}

fn set_status(b: &mut Browser, text: impl Into<String>, error: bool) {
    b.status = Some(Status {
        text: text.into(),
        error,
    });
}

fn move_cursor_cols(b: &mut Browser, size: (u16, u16), cols: i64) {
    let w = b.col_width();
    let (first, last) = (align(b, b.index.first), align(b, b.index.last));
    b.cursor = (align(b, b.cursor) + cols * w).clamp(first, last.max(first));
    select_at_cursor(b, size);
    cursor_moved(b, size);
}

/// A locks view that follows the cursor recomputes its tree.
fn cursor_moved(b: &mut Browser, _size: (u16, u16)) {
    if let Screen::Locks(v) = &mut b.screen {
        if v.title.starts_with("at ") {
            v.tree = None;
        }
    }
}

fn zoom(b: &mut Browser, size: (u16, u16), dir: i32) {
    let a = layout::areas(size, b);
    let z = if dir > 0 {
        b.zoom.saturating_sub(1)
    } else {
        (b.zoom + 1).min(ZOOMS.len() - 1)
    };
    if z == b.zoom {
        set_status(
            b,
            if dir > 0 {
                "finest zoom (1 s per column)"
            } else {
                "coarsest zoom"
            },
            false,
        );
        return;
    }
    let old_w = b.col_width();
    let col = (b.cursor - b.view_start).div_euclid(old_w);
    b.zoom = z;
    let w = b.col_width();
    b.view_start = align(b, b.cursor) - col * w;
    clamp_view(b, a.cols as i64);
    keep_cursor_visible(b, &a);
}

fn lock_kind(k: FindingKind) -> bool {
    matches!(
        k,
        FindingKind::LockConvoy | FindingKind::Deadlock | FindingKind::LockTimeout
    )
}

/// Jump to finding `fi`: fit its window, highlight its evidence, select
/// its first evidence event.
fn jump_to_finding(b: &mut Browser, size: (u16, u16), fi: usize) {
    let Some(f) = b.case.findings.get(fi) else {
        return;
    };
    let (start, end) = (f.start, f.end);
    let mut ev = f.evidence.clone();
    ev.sort_unstable();
    ev.dedup();
    let first_ev = ev.first().map(|&e| e as usize);
    let id = f.id.clone();
    let summary = f.summary.clone();
    b.findings.sel = fi;
    b.highlight = Some(Highlight {
        finding: fi,
        evidence: Arc::new(ev),
        at: start,
    });
    fit(b, size, start, end);
    b.cursor = start;
    match first_ev {
        Some(i) if i < b.case.timeline.len() => select_event(b, size, i),
        _ => select_at_cursor(b, size),
    }
    keep_list_visible(b, &layout::areas(size, b));
    if let Some(h) = &mut b.highlight {
        h.at = b.cursor;
    }
    set_status(
        b,
        format!("{id}: {}", pm_tui::text::truncate_chars(&summary, 120)),
        false,
    );
    cursor_moved(b, size);
}

fn finding_by_time(b: &Browser, forward: bool) -> Option<usize> {
    let f = &b.case.findings;
    // Relative to the highlighted finding while the cursor is still in it,
    // else relative to the cursor.
    let current = b
        .highlight
        .as_ref()
        .filter(|h| h.at == b.cursor)
        .map(|h| h.finding);
    let mut order: Vec<usize> = (0..f.len()).collect();
    order.sort_by_key(|&i| (f[i].start, i));
    let key = |i: usize| (f[i].start, i as i64);
    let here = match current {
        Some(c) => key(c),
        None if forward => (b.cursor, -1),
        None => (b.cursor, i64::MIN),
    };
    if forward {
        order.iter().copied().find(|&i| key(i) > here)
    } else {
        order.iter().rev().copied().find(|&i| key(i) < here)
    }
}

fn save_annotations(b: &mut Browser, cx: &mut Cx<'_>) -> Option<Cmd> {
    b.annotations.sort_by_key(|a| (a.ts, a.event));
    // Keep the case's copy in step when no job holds it (export reads it).
    if let Some(c) = Arc::get_mut(&mut b.case) {
        c.annotations = b.annotations.clone();
    }
    let work = Work::SaveAnnotations {
        dir: b.dir.clone(),
        annotations: b.annotations.clone(),
    };
    Some(cx.job(b, work))
}

fn source_candidates(b: &Browser, i: usize) -> Vec<PathBuf> {
    let t = &b.case.timeline;
    let Some(s) = b.case.meta.sources.get(t.source(i) as usize) else {
        return Vec::new();
    };
    let p = PathBuf::from(&s.path);
    let mut out = vec![p.clone()];
    if p.is_relative() {
        if let Some(parent) = b.dir.parent() {
            out.push(parent.join(&p));
        }
    }
    out
}

fn request_raw(b: &mut Browser, cx: &mut Cx<'_>) -> Option<Cmd> {
    let i = b.selected_event()?;
    if b.raw.as_ref().is_some_and(|(e, _)| *e == i) {
        return None;
    }
    let t = &b.case.timeline;
    let work = Work::Raw {
        event: i,
        candidates: source_candidates(b, i),
        line: t.line(i),
        count: t.line_count(i),
    };
    b.raw = None;
    Some(cx.job(b, work))
}

fn start_locks(b: &mut Browser, cx: &mut Cx<'_>, at_cursor: bool) -> Option<Cmd> {
    let (title, from, to, resource) = match b.selected_finding() {
        Some(f) if !at_cursor && b.focus == Focus::Findings && lock_kind(f.kind) => (
            format!(
                "{} {} · {}",
                f.id,
                f.kind,
                pm_tui::text::truncate_chars(&f.summary, 80)
            ),
            f.start,
            f.end,
            f.attrs
                .get("resource")
                .and_then(|v| v.as_str())
                .map(str::to_string),
        ),
        _ => {
            let w = b.col_width();
            let s = align(b, b.cursor);
            (String::from("at cursor"), s, s + w, None)
        }
    };
    let title = if title == "at cursor" {
        let z = b.zone();
        format!(
            "at {} {}",
            z.local(from).format("%Y-%m-%d %H:%M:%S"),
            z.abbreviation_at(from)
        )
    } else {
        title
    };
    let work = Work::Locks {
        case: b.case.clone(),
        index: b.index.clone(),
        title: title.clone(),
        from,
        to,
        resource,
    };
    b.screen = Screen::Locks(LocksView {
        tree: None,
        title,
        pos: ListPos::default(),
    });
    Some(cx.job(b, work))
}

fn rerun_search(b: &mut Browser, cx: &mut Cx<'_>) -> Option<Cmd> {
    let s = b.search.as_mut()?;
    // The old hits (millions of ids on a big case) are freed by the job.
    let old = s.hits.take();
    let work = Work::Search {
        case: b.case.clone(),
        rows: b.rows.clone(),
        re: s.re.clone(),
        discard: old,
    };
    Some(cx.job(b, work))
}

fn apply_filter(b: &mut Browser, cx: &mut Cx<'_>, spec: FilterSpec) -> Result<Option<Cmd>, String> {
    if spec.is_empty() {
        b.filter = spec;
        b.pending.remove(&JobKind::Filter);
        let keep = b.selected_event();
        b.rows = Rows::All(b.case.timeline.len());
        if let Some(i) = keep {
            select_event(b, cx.size, i);
        }
        set_status(b, "filters cleared", false);
        return Ok(rerun_search(b, cx));
    }
    let filter = Filter::compile(&spec, &b.case, b.zone())?;
    b.filter = spec;
    let work = Work::Filter {
        case: b.case.clone(),
        filter: Box::new(filter),
    };
    set_status(b, "filtering…", false);
    Ok(Some(cx.job(b, work)))
}

/// Move to the next (or previous) search hit after the selection.
fn search_step(b: &mut Browser, size: (u16, u16), forward: bool) {
    let Some(s) = &b.search else {
        set_status(b, "no search: / to search", false);
        return;
    };
    let Some(hits) = s.hits.clone() else {
        set_status(b, format!("searching /{}/…", s.pattern), false);
        return;
    };
    if hits.is_empty() {
        set_status(b, format!("/{}/: no match", s.pattern), true);
        return;
    }
    let cur = b.selected_event().unwrap_or(0) as u32;
    let (idx, wrapped) = if forward {
        let p = hits.partition_point(|&h| h <= cur);
        if p < hits.len() {
            (p, false)
        } else {
            (0, true)
        }
    } else {
        let p = hits.partition_point(|&h| h < cur);
        if p > 0 {
            (p - 1, false)
        } else {
            (hits.len() - 1, true)
        }
    };
    let pattern = s.pattern.clone();
    select_event(b, size, hits[idx] as usize);
    set_status(
        b,
        format!(
            "/{pattern}/ match {} of {}{}",
            idx + 1,
            hits.len(),
            if wrapped { " (wrapped)" } else { "" }
        ),
        false,
    );
}

fn edit_input(input: &mut Input, e: &Edit) {
    let mut chars: Vec<char> = input.text.chars().collect();
    let c = input.caret.min(chars.len());
    match e {
        Edit::Char(ch) => {
            chars.insert(c, *ch);
            input.caret = c + 1;
        }
        Edit::Backspace if c > 0 => {
            chars.remove(c - 1);
            input.caret = c - 1;
        }
        Edit::Delete if c < chars.len() => {
            chars.remove(c);
        }
        Edit::Left => input.caret = c.saturating_sub(1),
        Edit::Right => input.caret = (c + 1).min(chars.len()),
        Edit::Home => input.caret = 0,
        Edit::End => input.caret = chars.len(),
        Edit::Clear => {
            chars.clear();
            input.caret = 0;
        }
        _ => {}
    }
    input.text = chars.into_iter().collect();
}

/// Keys while an overlay with text is open.
fn overlay_input(b: &mut Browser, cx: &mut Cx<'_>, msg: Msg) -> Option<Cmd> {
    let size = cx.size;
    match (&mut b.overlay, msg) {
        (Overlay::Prompt(p), Msg::Input(e)) => {
            edit_input(&mut p.input, &e);
            p.error = None;
            None
        }
        (Overlay::Filter(f), Msg::Input(e)) => {
            match e {
                Edit::Next => f.field = (f.field + 1) % 7,
                Edit::Prev => f.field = (f.field + 6) % 7,
                e => {
                    let mut input = Input {
                        text: f.spec.field_mut(f.field).clone(),
                        caret: f.caret,
                    };
                    edit_input(&mut input, &e);
                    *f.spec.field_mut(f.field) = input.text;
                    f.caret = input.caret;
                }
            }
            if matches!(f.field, 0..=6) {
                f.caret = f.caret.min(f.spec.fields()[f.field].chars().count());
            }
            f.error = None;
            None
        }
        (Overlay::Annotate(a), Msg::Input(e)) => {
            match e {
                Edit::Next => a.label = (a.label + 1) % AnnotationLabel::ALL.len(),
                Edit::Prev => {
                    a.label =
                        (a.label + AnnotationLabel::ALL.len() - 1) % AnnotationLabel::ALL.len()
                }
                e => edit_input(&mut a.note, &e),
            }
            None
        }
        (Overlay::Prompt(p), Msg::Activate) => {
            let text = p.input.text.trim().to_string();
            match p.kind {
                PromptKind::Search => {
                    if text.is_empty() {
                        b.overlay = Overlay::None;
                        b.search = None;
                        return None;
                    }
                    match smart_regex(&text) {
                        Err(e) => {
                            p.error = Some(e);
                            None
                        }
                        Ok(re) => {
                            b.overlay = Overlay::None;
                            b.search = Some(Search {
                                pattern: text.clone(),
                                re,
                                hits: None,
                                jump: true,
                            });
                            set_status(b, format!("searching /{text}/…"), false);
                            rerun_search(b, cx)
                        }
                    }
                }
                PromptKind::Goto => match parse_time(&text, &b.zones[b.zone_ix].zone, b.cursor) {
                    None => {
                        p.error = Some(format!(
                            "{text:?}: not a time (21:50, 21:50:13, 2023-06-01 21:50, +5m, -30s)"
                        ));
                        None
                    }
                    Some(ts) => {
                        b.overlay = Overlay::None;
                        let (first, last) = (b.index.first, b.index.last);
                        if ts < first || ts > last {
                            set_status(
                                b,
                                "that time is outside the case; went to the nearest end",
                                false,
                            );
                        }
                        b.cursor = ts.clamp(first, last);
                        let a = layout::areas(size, b);
                        let w = b.col_width();
                        b.view_start = align(b, b.cursor) - (a.cols as i64 / 2) * w;
                        select_at_cursor(b, size);
                        cursor_moved(b, size);
                        None
                    }
                },
                PromptKind::WritePath => {
                    if text.is_empty() {
                        p.error = Some("type a directory to write the case to".into());
                        return None;
                    }
                    b.overlay = Overlay::None;
                    let to = PathBuf::from(&text);
                    set_status(b, format!("writing the case to {text}…"), false);
                    let work = Work::SaveCase {
                        case: b.case.clone(),
                        annotations: b.annotations.clone(),
                        to,
                    };
                    Some(cx.job(b, work))
                }
            }
        }
        (Overlay::Filter(f), Msg::Activate) => {
            let spec = f.spec.clone();
            match apply_filter(b, cx, spec) {
                Ok(cmd) => {
                    b.overlay = Overlay::None;
                    cmd
                }
                Err(e) => {
                    if let Overlay::Filter(f) = &mut b.overlay {
                        f.error = Some(e);
                    }
                    None
                }
            }
        }
        (Overlay::Annotate(a), Msg::Activate) => {
            let ann = Annotation {
                ts: a.ts,
                event: a.event,
                label: a.label(),
                note: a.note.text.trim().to_string(),
            };
            b.overlay = Overlay::None;
            if let Some(e) = ann.event {
                b.annotations.retain(|x| x.event != Some(e));
            } else {
                b.annotations
                    .retain(|x| !(x.event.is_none() && x.ts == ann.ts));
            }
            let title = ann.label.title();
            b.annotations.push(ann);
            set_status(b, format!("annotated: {title}"), false);
            save_annotations(b, cx)
        }
        (_, Msg::Back) => {
            b.overlay = Overlay::None;
            None
        }
        _ => None,
    }
}

fn list_move(b: &mut Browser, size: (u16, u16), delta: i64) {
    match &mut b.screen {
        Screen::Locks(v) => {
            let n = v
                .tree
                .as_ref()
                .map(|t| t.lines.len() + t.deadlocks.len())
                .unwrap_or(0);
            v.pos.sel = step(v.pos.sel, delta, n);
            let h = layout::areas(size, b).main_rows().max(1);
            if let Screen::Locks(v) = &mut b.screen {
                scroll_into(&mut v.pos, h);
            }
            return;
        }
        Screen::Jobs(_) => {
            let n = b.runs_in_view(layout::plot_cols(size.0)).len();
            if let Screen::Jobs(p) = &mut b.screen {
                p.sel = step(p.sel, delta, n);
            }
            let h = layout::areas(size, b).main_rows().max(1);
            if let Screen::Jobs(p) = &mut b.screen {
                scroll_into(p, h);
            }
            return;
        }
        Screen::Home => {}
    }
    match b.focus {
        Focus::Findings => {
            b.findings.sel = step(b.findings.sel, delta, b.case.findings.len());
            keep_list_visible(b, &layout::areas(size, b));
        }
        Focus::Events => {
            b.events.sel = step(b.events.sel, delta, b.rows.len());
            cursor_to_selection(b, size);
            cursor_moved(b, size);
        }
    }
}

fn step(cur: usize, delta: i64, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    (cur as i64 + delta).clamp(0, n as i64 - 1) as usize
}

fn scroll_into(p: &mut ListPos, h: usize) {
    if p.sel < p.top {
        p.top = p.sel;
    } else if p.sel >= p.top + h {
        p.top = p.sel + 1 - h;
    }
}

fn click(b: &mut Browser, size: (u16, u16), x: u16, y: u16) {
    let a = layout::areas(size, b);
    if layout::hit(a.timeline, x, y) && x >= a.plot_x {
        let col = (x - a.plot_x) as i64;
        if (col as usize) < a.cols {
            b.cursor = b.view_start + col * b.col_width();
            let (first, last) = (b.index.first, b.index.last);
            b.cursor = b.cursor.clamp(align(b, first), last);
            select_at_cursor(b, size);
            cursor_moved(b, size);
        }
        return;
    }
    if !matches!(b.screen, Screen::Home) {
        return;
    }
    if layout::hit(a.findings, x, y) && y > a.findings.y {
        let i = b.findings.top + (y - a.findings.y - 1) as usize;
        b.focus = Focus::Findings;
        if i < b.case.findings.len() {
            b.findings.sel = i;
        }
    } else if layout::hit(a.events, x, y) && y >= a.event_row_y() {
        let pos = b.events.top + (y - a.event_row_y()) as usize;
        b.focus = Focus::Events;
        if pos < b.rows.len() {
            b.events.sel = pos;
            cursor_to_selection(b, size);
            cursor_moved(b, size);
        }
    }
}

fn scroll(b: &mut Browser, size: (u16, u16), x: u16, y: u16, delta: i64) {
    let a = layout::areas(size, b);
    if layout::hit(a.timeline, x, y) {
        move_cursor_cols(b, size, delta * 4);
    } else if layout::hit(a.findings, x, y) && matches!(b.screen, Screen::Home) {
        b.focus = Focus::Findings;
        list_move(b, size, delta);
    } else {
        if matches!(b.screen, Screen::Home) {
            b.focus = Focus::Events;
        }
        list_move(b, size, delta * 3);
    }
}

fn activate(b: &mut Browser, cx: &mut Cx<'_>) -> Option<Cmd> {
    let size = cx.size;
    match &b.screen {
        Screen::Locks(v) => {
            let ev = v.tree.as_ref().and_then(|t| {
                let s = v.pos.sel;
                if s < t.lines.len() {
                    t.lines.get(s).and_then(|l: &TreeLine| l.event)
                } else {
                    t.deadlocks.get(s - t.lines.len()).map(|d| d.event)
                }
            });
            if let Some(i) = ev {
                select_event(b, size, i);
                b.focus = Focus::Events;
            }
            return None;
        }
        Screen::Jobs(p) => {
            let in_view = b.runs_in_view(layout::plot_cols(size.0));
            let first = in_view
                .get(p.sel.min(in_view.len().saturating_sub(1)))
                .and_then(|&k| b.index.jobs.runs.get(k))
                .and_then(|r| r.events.iter().min().copied());
            if let Some(i) = first {
                select_event(b, size, i);
                b.focus = Focus::Events;
            }
            return None;
        }
        Screen::Home => {}
    }
    match b.focus {
        Focus::Findings => {
            let fi = b.findings.sel;
            jump_to_finding(b, size, fi);
            None
        }
        Focus::Events => {
            b.selected_event()?;
            b.overlay = Overlay::Detail(0);
            request_raw(b, cx)
        }
    }
}

fn open_pager(b: &mut Browser, cx: &mut Cx<'_>) -> Option<Cmd> {
    let Some(i) = b.selected_event() else {
        set_status(b, "no event selected", true);
        return None;
    };
    let line = b.case.timeline.line(i);
    match &b.raw {
        Some((e, Ok(ctx))) if *e == i => {
            if ctx.plain {
                Some(Cmd::Pager {
                    path: ctx.path.clone(),
                    line,
                    temp: false,
                })
            } else {
                let name = ctx
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_else(|| "source".into());
                let out =
                    std::env::temp_dir().join(format!("pm-tui-{}-{name}.txt", std::process::id()));
                let work = Work::PagerFile {
                    path: ctx.path.clone(),
                    out,
                    line,
                };
                set_status(b, "decoding the file for the pager…", false);
                Some(cx.job(b, work))
            }
        }
        Some((e, Err(err))) if *e == i => {
            let err = err.clone();
            set_status(b, err, true);
            None
        }
        _ => {
            b.overlay = Overlay::Detail(0);
            set_status(b, "reading the source file… press o again", false);
            request_raw(b, cx)
        }
    }
}

fn job_done(b: &mut Browser, cx: &mut Cx<'_>, id: u64, r: JobResult) -> Option<Cmd> {
    let size = cx.size;
    let Some(kind) = b.pending.iter().find(|(_, v)| **v == id).map(|(k, _)| *k) else {
        return None; // stale: a newer request replaced it
    };
    b.pending.remove(&kind);
    match r {
        JobResult::Rows(rows) => {
            let keep = b.selected_event();
            let n = rows.len();
            b.rows = Rows::Some(Arc::new(rows));
            match keep {
                Some(i) => select_event(b, size, i),
                None => select_at_cursor(b, size),
            }
            set_status(
                b,
                format!(
                    "{} of {} events match",
                    pm_tui::text::thousands(n as u64),
                    pm_tui::text::thousands(b.case.timeline.len() as u64)
                ),
                n == 0,
            );
            rerun_search(b, cx)
        }
        JobResult::Hits(hits) => {
            let Some(s) = &mut b.search else {
                return None;
            };
            s.hits = Some(Arc::new(hits));
            if std::mem::take(&mut s.jump) {
                search_step(b, size, true);
            }
            None
        }
        JobResult::Locks(tree) => {
            if let Screen::Locks(v) = &mut b.screen {
                v.tree = Some(tree);
                v.pos = ListPos::default();
            }
            None
        }
        JobResult::Raw(event, res) => {
            b.raw = Some((event, res));
            None
        }
        JobResult::Exported(Ok(path)) => {
            let mut msg = format!("wrote {}", path.display());
            if b.temp {
                msg.push_str(" (inside the temporary case: W keeps it)");
            }
            set_status(b, msg, false);
            None
        }
        JobResult::Exported(Err(e)) => {
            set_status(b, format!("export failed: {e}"), true);
            None
        }
        // Saved quietly: "marked" / "annotated" already said it.
        JobResult::Saved(Ok(_)) => None,
        JobResult::Saved(Err(e)) | JobResult::Failed(e) => {
            set_status(b, e, true);
            None
        }
        JobResult::CaseWritten(Ok(path)) => {
            b.temp = false;
            b.name = path
                .file_name()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| path.display().to_string());
            set_status(
                b,
                format!(
                    "case written to {}; annotations now save there",
                    path.display()
                ),
                false,
            );
            b.dir = path;
            None
        }
        JobResult::CaseWritten(Err(e)) => {
            set_status(b, format!("writing the case failed: {e}"), true);
            None
        }
        JobResult::PagerFile(Ok((path, line))) => Some(Cmd::Pager {
            path,
            line,
            temp: true,
        }),
        JobResult::PagerFile(Err(e)) => {
            set_status(b, e, true);
            None
        }
        JobResult::Loaded(_) | JobResult::Cancelled => None,
    }
}

fn browse(b: &mut Browser, cx: &mut Cx<'_>, msg: Msg) -> Option<Cmd> {
    let size = cx.size;
    if !matches!(
        msg,
        Msg::Quit | Msg::JobDone(..) | Msg::Progress(_) | Msg::Tick
    ) {
        b.quit_armed = false;
    }
    // Text overlays take every key.
    if matches!(
        b.overlay,
        Overlay::Prompt(_) | Overlay::Filter(_) | Overlay::Annotate(_)
    ) && matches!(msg, Msg::Input(_) | Msg::Activate | Msg::Back)
    {
        return overlay_input(b, cx, msg);
    }
    match msg {
        Msg::Quit => {
            if b.temp && !b.quit_armed {
                b.quit_armed = true;
                set_status(
                    b,
                    "the temporary case and its annotations will be deleted: W writes it, q again quits",
                    true,
                );
                None
            } else {
                Some(Cmd::Quit)
            }
        }
        Msg::ForceQuit => Some(Cmd::Quit),
        Msg::Resize(..) | Msg::Tick | Msg::Progress(_) | Msg::Input(_) => None,
        Msg::Pan(n) => {
            if !matches!(b.overlay, Overlay::Detail(_)) {
                move_cursor_cols(b, size, n);
            }
            None
        }
        Msg::PanPage(n) => {
            let cols = layout::plot_cols(size.0) as i64;
            move_cursor_cols(b, size, n * (cols / 2).max(1));
            None
        }
        Msg::Zoom(d) => {
            zoom(b, size, d);
            None
        }
        Msg::Start => {
            b.cursor = b.index.first;
            let a = layout::areas(size, b);
            let w = b.col_width();
            b.view_start = align(b, b.cursor) - (a.cols as i64 / 8).min(8) * w;
            select_at_cursor(b, size);
            cursor_moved(b, size);
            None
        }
        Msg::End => {
            b.cursor = b.index.last;
            select_at_cursor(b, size);
            cursor_moved(b, size);
            None
        }
        Msg::NextFinding | Msg::PrevFinding => {
            match finding_by_time(b, matches!(msg, Msg::NextFinding)) {
                Some(fi) => jump_to_finding(b, size, fi),
                None => set_status(
                    b,
                    if b.case.findings.is_empty() {
                        "this case has no findings"
                    } else if matches!(msg, Msg::NextFinding) {
                        "no finding after the cursor"
                    } else {
                        "no finding before the cursor"
                    },
                    false,
                ),
            }
            None
        }
        Msg::Move(d) => {
            if let Overlay::Detail(s) = &mut b.overlay {
                *s = (*s as i64 + d).max(0) as usize;
                return None;
            }
            list_move(b, size, d);
            None
        }
        Msg::Page(d) => {
            let a = layout::areas(size, b);
            let h = match (&b.screen, b.focus) {
                (Screen::Home, Focus::Events) => a.event_rows(),
                (Screen::Home, Focus::Findings) => a.finding_rows(),
                _ => a.main_rows(),
            };
            if let Overlay::Detail(s) = &mut b.overlay {
                *s = (*s as i64 + d * 10).max(0) as usize;
                return None;
            }
            list_move(b, size, d * h.max(1) as i64);
            None
        }
        Msg::FocusNext | Msg::FocusPrev => {
            b.focus = match b.focus {
                Focus::Findings => Focus::Events,
                Focus::Events => Focus::Findings,
            };
            None
        }
        Msg::Activate => activate(b, cx),
        Msg::Back => {
            if !matches!(b.overlay, Overlay::None) {
                b.overlay = Overlay::None;
            } else if !matches!(b.screen, Screen::Home) {
                b.screen = Screen::Home;
                b.pending.remove(&JobKind::Locks);
            } else if b.search.is_some() {
                b.search = None;
                b.pending.remove(&JobKind::Search);
                set_status(b, "search cleared", false);
            } else if b.highlight.is_some() {
                b.highlight = None;
            } else {
                b.status = None;
            }
            None
        }
        Msg::Search => {
            let text = b.search.as_ref().map(|s| s.pattern.clone()).unwrap_or_default();
            b.overlay = Overlay::Prompt(Prompt {
                kind: PromptKind::Search,
                input: Input::new(&text),
                error: None,
            });
            None
        }
        Msg::SearchNext | Msg::SearchPrev => {
            search_step(b, size, matches!(msg, Msg::SearchNext));
            None
        }
        Msg::GotoTime => {
            b.overlay = Overlay::Prompt(Prompt {
                kind: PromptKind::Goto,
                input: Input::default(),
                error: None,
            });
            None
        }
        Msg::Filter => {
            let caret = b.filter.host.chars().count();
            b.overlay = Overlay::Filter(FilterForm {
                spec: b.filter.clone(),
                field: 0,
                caret,
                error: None,
            });
            None
        }
        Msg::ClearFilters => apply_filter(b, cx, FilterSpec::default()).unwrap_or(None),
        Msg::Mark => {
            let Some(i) = b.selected_event() else {
                set_status(b, "no event selected", true);
                return None;
            };
            let ts = b.case.timeline.ts(i);
            let had = b
                .annotations
                .iter()
                .any(|a| a.event == Some(i as u64) && a.label == AnnotationLabel::Mark);
            if had {
                b.annotations
                    .retain(|a| !(a.event == Some(i as u64) && a.label == AnnotationLabel::Mark));
                set_status(b, "mark removed", false);
            } else if b.annotation_of(i).is_some() {
                set_status(b, "this event already has an annotation (a edits it)", false);
                return None;
            } else {
                b.annotations.push(Annotation {
                    ts,
                    event: Some(i as u64),
                    label: AnnotationLabel::Mark,
                    note: String::new(),
                });
                set_status(b, "marked", false);
            }
            save_annotations(b, cx)
        }
        Msg::Annotate => {
            let (ts, event) = match b.selected_event() {
                Some(i) => (b.case.timeline.ts(i), Some(i as u64)),
                None => (b.cursor, None),
            };
            let existing = event.and_then(|e| b.annotation_of(e as usize)).cloned();
            let (label, note) = match existing {
                Some(a) if a.label != AnnotationLabel::Mark => (
                    AnnotationLabel::ALL
                        .iter()
                        .position(|l| *l == a.label)
                        .unwrap_or(0),
                    a.note,
                ),
                _ => (0, String::new()),
            };
            b.overlay = Overlay::Annotate(AnnotateForm {
                label,
                note: Input::new(&note),
                ts,
                event,
            });
            None
        }
        Msg::Export => {
            set_status(b, "exporting…", false);
            let work = Work::Export {
                case: b.case.clone(),
                annotations: b.annotations.clone(),
                dir: b.dir.clone(),
                zone: *b.zone(),
            };
            Some(cx.job(b, work))
        }
        Msg::Locks => {
            if matches!(b.screen, Screen::Locks(_)) {
                b.screen = Screen::Home;
                return None;
            }
            b.overlay = Overlay::None;
            start_locks(b, cx, false)
        }
        Msg::Jobs => {
            b.overlay = Overlay::None;
            b.screen = if matches!(b.screen, Screen::Jobs(_)) {
                Screen::Home
            } else {
                Screen::Jobs(ListPos::default())
            };
            None
        }
        Msg::Pager => open_pager(b, cx),
        Msg::CycleZone => {
            b.zone_ix = (b.zone_ix + 1) % b.zones.len().max(1);
            let label = b.zones[b.zone_ix].label.clone();
            set_status(b, format!("times in {label}"), false);
            None
        }
        Msg::CycleGrouping => {
            b.grouping = b.grouping.toggled();
            let g = b.grouping.name();
            set_status(b, format!("lanes by {g}"), false);
            None
        }
        Msg::Help => {
            b.overlay = if matches!(b.overlay, Overlay::Help) {
                Overlay::None
            } else {
                Overlay::Help
            };
            None
        }
        Msg::WriteCase => {
            let default = if b.temp {
                "./pm-case".to_string()
            } else {
                format!("{}-copy", b.dir.display())
            };
            b.overlay = Overlay::Prompt(Prompt {
                kind: PromptKind::WritePath,
                input: Input::new(&default),
                error: None,
            });
            None
        }
        Msg::Click(x, y) => {
            if !matches!(b.overlay, Overlay::None) {
                b.overlay = Overlay::None;
                return None;
            }
            click(b, size, x, y);
            None
        }
        Msg::Scroll(x, y, d) => {
            if let Overlay::Detail(s) = &mut b.overlay {
                *s = (*s as i64 + d * 3).max(0) as usize;
                return None;
            }
            scroll(b, size, x, y, d);
            None
        }
        Msg::JobDone(id, r) => job_done(b, cx, id, *r),
        Msg::PagerDone(err) => {
            if let Some(e) = err {
                set_status(b, e, true);
            }
            None
        }
    }
    .or_else(|| {
        // A cursor-following locks view whose tree went stale recomputes.
        match &b.screen {
            Screen::Locks(v) if v.tree.is_none() && !b.busy(JobKind::Locks) => start_locks(b, cx, true),
            _ => None,
        }
    })
}

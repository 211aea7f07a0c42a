//! Terminal input → [`Msg`], in one place. What a key means depends only on
//! whether a text field is open (then keys edit it) or not.

use super::msg::{Edit, Msg};
use super::state::{App, Overlay, Phase};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};

/// True when typed characters go into a text field.
pub fn typing(app: &App) -> bool {
    match &app.phase {
        Phase::Ready(b) => matches!(
            b.overlay,
            Overlay::Prompt(_) | Overlay::Filter(_) | Overlay::Annotate(_)
        ),
        _ => false,
    }
}

/// The message for a terminal event, if it means anything.
pub fn map(ev: &Event, app: &App) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => key(k, typing(app)),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(_) => Some(Msg::Click(m.column, m.row)),
            MouseEventKind::ScrollDown => Some(Msg::Scroll(m.column, m.row, 1)),
            MouseEventKind::ScrollUp => Some(Msg::Scroll(m.column, m.row, -1)),
            _ => None,
        },
        Event::Resize(w, h) => Some(Msg::Resize(*w, *h)),
        _ => None,
    }
}

/// The message for a key.
pub fn key(k: &KeyEvent, typing: bool) -> Option<Msg> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(k.code, KeyCode::Char('c')) {
        return Some(Msg::ForceQuit);
    }
    if typing {
        return Some(match k.code {
            KeyCode::Enter => Msg::Activate,
            KeyCode::Esc => Msg::Back,
            KeyCode::Char('u') if ctrl => Msg::Input(Edit::Clear),
            KeyCode::Char('a') if ctrl => Msg::Input(Edit::Home),
            KeyCode::Char('e') if ctrl => Msg::Input(Edit::End),
            KeyCode::Char(c) => Msg::Input(Edit::Char(c)),
            KeyCode::Backspace => Msg::Input(Edit::Backspace),
            KeyCode::Delete => Msg::Input(Edit::Delete),
            KeyCode::Left => Msg::Input(Edit::Left),
            KeyCode::Right => Msg::Input(Edit::Right),
            KeyCode::Home => Msg::Input(Edit::Home),
            KeyCode::End => Msg::Input(Edit::End),
            KeyCode::Tab | KeyCode::Down => Msg::Input(Edit::Next),
            KeyCode::BackTab | KeyCode::Up => Msg::Input(Edit::Prev),
            _ => return None,
        });
    }
    Some(match k.code {
        KeyCode::Char('q') => Msg::Quit,
        KeyCode::Char('?') | KeyCode::F(1) => Msg::Help,
        KeyCode::Char('h') | KeyCode::Left => Msg::Pan(-1),
        KeyCode::Char('l') | KeyCode::Right => Msg::Pan(1),
        KeyCode::Char('>') => Msg::PanPage(1),
        KeyCode::Char('<') => Msg::PanPage(-1),
        KeyCode::Char('+') | KeyCode::Char('=') | KeyCode::Char('z') => Msg::Zoom(1),
        KeyCode::Char('-') | KeyCode::Char('Z') => Msg::Zoom(-1),
        KeyCode::Char('g') | KeyCode::Home => Msg::Start,
        KeyCode::Char('G') | KeyCode::End => Msg::End,
        KeyCode::Char(']') => Msg::NextFinding,
        KeyCode::Char('[') => Msg::PrevFinding,
        KeyCode::Char('j') | KeyCode::Down => Msg::Move(1),
        KeyCode::Char('k') | KeyCode::Up => Msg::Move(-1),
        KeyCode::PageDown => Msg::Page(1),
        KeyCode::PageUp => Msg::Page(-1),
        KeyCode::Char('d') if ctrl => Msg::Page(1),
        KeyCode::Char('u') if ctrl => Msg::Page(-1),
        KeyCode::Tab => Msg::FocusNext,
        KeyCode::BackTab => Msg::FocusPrev,
        KeyCode::Enter => Msg::Activate,
        KeyCode::Esc => Msg::Back,
        KeyCode::Char('/') => Msg::Search,
        KeyCode::Char('n') => Msg::SearchNext,
        KeyCode::Char('N') => Msg::SearchPrev,
        KeyCode::Char(':') => Msg::GotoTime,
        KeyCode::Char('f') => Msg::Filter,
        KeyCode::Char('F') => Msg::ClearFilters,
        KeyCode::Char('m') => Msg::Mark,
        KeyCode::Char('a') => Msg::Annotate,
        KeyCode::Char('e') => Msg::Export,
        KeyCode::Char('L') => Msg::Locks,
        KeyCode::Char('J') => Msg::Jobs,
        KeyCode::Char('o') => Msg::Pager,
        KeyCode::Char('t') => Msg::CycleZone,
        KeyCode::Char('s') => Msg::CycleGrouping,
        KeyCode::Char('W') => Msg::WriteCase,
        _ => return None,
    })
}

/// Every key, for the help overlay: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    (
        "h l ← →",
        "move the time cursor one column (the view follows)",
    ),
    ("< >", "move half a screen back / forward"),
    ("+ z / - Z", "zoom in / out (1 s … 1 day per column)"),
    ("g G Home End", "first / last event"),
    (":", "jump to a time: 21:50, 2023-06-01 21:50:13, +5m, -30s"),
    ("] [", "next / previous finding in time"),
    (
        "j k ↑ ↓",
        "move in the list (findings, events, locks, jobs)",
    ),
    ("PgDn PgUp", "a page down / up"),
    ("Tab", "switch between findings and events"),
    (
        "Enter",
        "finding: jump there, highlight its evidence · event: full record",
    ),
    (
        "/  n N",
        "search (regex; smart case) · next / previous match",
    ),
    (
        "f F",
        "filter bar (host, source, kind, level, text, since, until) · clear",
    ),
    ("m", "mark / unmark the selected event (saved in the case)"),
    (
        "a",
        "annotate: detection, mitigation, outage begins/ends, root cause, note",
    ),
    ("e", "export the postmortem to CASE/postmortem.md"),
    (
        "L",
        "locks: wait-for tree of the selected convoy or at the cursor",
    ),
    (
        "J",
        "jobs: runs in view, duplicates and ids processed twice",
    ),
    ("o", "open the raw file at the event's line in $PAGER"),
    ("t", "times in the case zone / UTC / your zone"),
    (
        "s",
        "lanes and the events' origin column by host / by source file",
    ),
    (
        "W",
        "write the case to a directory (keeps a temporary case)",
    ),
    ("Esc", "close, back, clear search, clear highlight"),
    (
        "mouse",
        "click selects, wheel scrolls the list or moves the cursor",
    ),
    ("? q Ctrl-C", "this help · quit · quit now"),
];

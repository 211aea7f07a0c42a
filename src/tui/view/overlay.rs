//! What floats over the screen: help, the full event record, the prompts,
//! the filter bar and the annotation form.

use super::detail::{event_lines, render_lines};
use super::{clear, fit, frame, put, safe};
use crate::tui::keys::HELP;
use crate::tui::layout::{Areas, centered};
use crate::tui::query::FILTER_FIELDS;
use crate::tui::state::{Browser, Input, Overlay, PromptKind};
use pm_tui::model::AnnotationLabel;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use unicode_width::UnicodeWidthStr;

/// Draw the open overlay, if any.
pub fn draw(b: &Browser, a: &Areas, f: &mut Frame<'_>) {
    let area = f.area();
    match &b.overlay {
        Overlay::None => {}
        Overlay::Help => {
            let r = centered(area, 96, HELP.len() as u16 + 4);
            let buf = f.buffer_mut();
            clear(buf, r);
            frame(buf, r, "Keys · any key closes", true);
            for (k, (keys, what)) in HELP.iter().enumerate() {
                let y = r.y + 1 + k as u16;
                let x = put(
                    buf,
                    r.x + 2,
                    y,
                    &fit(keys, 14),
                    14,
                    Style::default()
                        .fg(Color::Cyan)
                        .add_modifier(Modifier::BOLD),
                );
                put(
                    buf,
                    x + 1,
                    y,
                    what,
                    (r.width as usize).saturating_sub(18),
                    Style::default(),
                );
            }
            let y = r.y + r.height - 2;
            put(
                buf,
                r.x + 2,
                y,
                "timeline strips: requests · p95 latency · lock waits · running jobs · lanes (red: warnings/errors)",
                (r.width - 4) as usize,
                Style::default().fg(Color::DarkGray),
            );
        }
        Overlay::Detail(scroll) => {
            let r = Rect::new(
                area.x + 2,
                a.timeline.y + 1,
                area.width.saturating_sub(4),
                area.height.saturating_sub(a.timeline.y + 3),
            );
            let buf = f.buffer_mut();
            clear(buf, r);
            frame(buf, r, "Event · j k scroll · o $PAGER · Esc closes", true);
            let lines = event_lines(b, true);
            render_lines(
                buf,
                Rect::new(
                    r.x + 1,
                    r.y + 1,
                    r.width.saturating_sub(2),
                    r.height.saturating_sub(2),
                ),
                &lines,
                *scroll,
            );
        }
        Overlay::Prompt(p) => {
            let (title, hint) = match p.kind {
                PromptKind::Search => (
                    "Search (regex; smart case)",
                    "Enter searches · n N next/previous · Esc cancels",
                ),
                PromptKind::Goto => (
                    "Go to time",
                    "21:50 · 21:50:13.402 · 2023-06-01 21:50 · +5m · -30s",
                ),
                PromptKind::WritePath => (
                    "Write the case to directory",
                    "Enter writes · annotations then save there",
                ),
            };
            let r = Rect::new(0, a.footer.y.saturating_sub(4), area.width, 4);
            let buf = f.buffer_mut();
            clear(buf, r);
            frame(buf, r, title, true);
            let w = (r.width - 2) as usize;
            let prefix = match p.kind {
                PromptKind::Search => "/",
                PromptKind::Goto => ":",
                PromptKind::WritePath => "→ ",
            };
            let x = put(
                buf,
                r.x + 1,
                r.y + 1,
                prefix,
                w,
                Style::default().fg(Color::Cyan),
            );
            let caret = field(
                buf,
                x,
                r.y + 1,
                &p.input,
                w - prefix.len(),
                Style::default().add_modifier(Modifier::BOLD),
            );
            match &p.error {
                Some(e) => put(
                    buf,
                    r.x + 1,
                    r.y + 2,
                    &fit(&safe(e), w),
                    w,
                    Style::default().fg(Color::Red),
                ),
                None => put(
                    buf,
                    r.x + 1,
                    r.y + 2,
                    hint,
                    w,
                    Style::default().fg(Color::DarkGray),
                ),
            };
            f.set_cursor_position(caret);
        }
        Overlay::Filter(form) => {
            let r = Rect::new(0, a.footer.y.saturating_sub(11), area.width.min(100), 11);
            let buf = f.buffer_mut();
            clear(buf, r);
            frame(
                buf,
                r,
                "Filter · Tab/↑↓ field · Enter applies · Esc cancels · empty = any",
                true,
            );
            let w = (r.width - 2) as usize;
            let hints = [
                "web01, db  (comma: any of)",
                "access.log, postgresql",
                "lock  (prefix: lock_wait, lock_timeout …), request, job_start, error",
                "warn  (this level and worse)",
                "regex over message, statement, path",
                "21:50 or 2023-06-01 21:50 (display zone)",
                "22:10, +10m",
            ];
            let mut caret = Position::new(r.x + 1, r.y + 1);
            for (k, name) in FILTER_FIELDS.iter().enumerate() {
                let y = r.y + 1 + k as u16;
                let active = k == form.field;
                let ls = if active {
                    Style::default()
                        .fg(Color::Cyan)
                        .add_modifier(Modifier::BOLD)
                } else {
                    Style::default().fg(Color::Gray)
                };
                let x = put(
                    buf,
                    r.x + 1,
                    y,
                    &fit(&format!("{}{name}", if active { "›" } else { " " }), 8),
                    8,
                    ls,
                );
                let value = form.spec.fields()[k];
                let input = Input {
                    text: value.clone(),
                    caret: if active {
                        form.caret
                    } else {
                        value.chars().count()
                    },
                };
                let vw = 40.min(w.saturating_sub(9));
                let c = field(
                    buf,
                    x,
                    y,
                    &input,
                    vw,
                    Style::default().add_modifier(Modifier::UNDERLINED),
                );
                if active {
                    caret = c;
                }
                put(
                    buf,
                    x + vw as u16 + 1,
                    y,
                    hints[k],
                    w.saturating_sub(9 + vw + 1),
                    Style::default().fg(Color::DarkGray),
                );
            }
            if let Some(e) = &form.error {
                put(
                    buf,
                    r.x + 1,
                    r.y + 9,
                    &fit(&safe(e), w),
                    w,
                    Style::default().fg(Color::Red),
                );
            }
            f.set_cursor_position(caret);
        }
        Overlay::Annotate(form) => {
            let r = Rect::new(0, a.footer.y.saturating_sub(6), area.width.min(110), 6);
            let buf = f.buffer_mut();
            clear(buf, r);
            let what = match form.event {
                Some(e) => format!("Annotate event #{e}"),
                None => "Annotate the cursor time".into(),
            };
            frame(
                buf,
                r,
                &format!("{what} · Tab/↑↓ label · type a note · Enter saves · Esc cancels"),
                true,
            );
            let w = (r.width - 2) as usize;
            let mut x = put(
                buf,
                r.x + 1,
                r.y + 1,
                "label: ",
                w,
                Style::default().fg(Color::Gray),
            );
            for (k, l) in AnnotationLabel::ALL.iter().enumerate() {
                let st = if k == form.label {
                    Style::default()
                        .fg(Color::Black)
                        .bg(Color::Cyan)
                        .add_modifier(Modifier::BOLD)
                } else {
                    Style::default().fg(Color::Gray)
                };
                x = put(buf, x, r.y + 1, &format!(" {} ", l.title()), w, st);
                x = put(buf, x, r.y + 1, " ", 1, Style::default());
            }
            let x = put(
                buf,
                r.x + 1,
                r.y + 2,
                "note:  ",
                w,
                Style::default().fg(Color::Gray),
            );
            let caret = field(
                buf,
                x,
                r.y + 2,
                &form.note,
                w.saturating_sub(8),
                Style::default().add_modifier(Modifier::UNDERLINED),
            );
            put(
                buf,
                r.x + 1,
                r.y + 3,
                "saved to annotations.json at once; used by the export (e)",
                w,
                Style::default().fg(Color::DarkGray),
            );
            f.set_cursor_position(caret);
        }
    }
}

/// Draw an input field in `width` cells, scrolled so the caret shows;
/// returns where the caret is.
fn field(
    buf: &mut ratatui::buffer::Buffer,
    x: u16,
    y: u16,
    input: &Input,
    width: usize,
    style: Style,
) -> Position {
    let shown = safe(&input.text).into_owned();
    let before: String = input.text.chars().take(input.caret).collect();
    let before_w = safe(&before).width();
    let skip = before_w.saturating_sub(width.saturating_sub(1));
    // Drop characters from the left until `skip` cells are gone.
    let mut dropped = 0;
    let mut rest = shown.as_str();
    while dropped < skip {
        let Some(c) = rest.chars().next() else { break };
        dropped += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        rest = &rest[c.len_utf8()..];
    }
    put(buf, x, y, &fit(rest, width), width, style);
    Position::new(x + (before_w - dropped.min(before_w)) as u16, y)
}

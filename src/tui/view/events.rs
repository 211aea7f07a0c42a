//! The events list: one row per event, synchronised with the cursor.
//! Columns are fitted by display width, so double-width (Japanese) text
//! never shifts the columns after it.

use super::{clock, fit, frame, kind_color, label_symbol, level_style, multi_day, put, safe};
use crate::tui::index::{Grouping, short_path};
use crate::tui::state::{Browser, Focus};
use pm_tui::model::SymCol;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use unicode_width::UnicodeWidthStr;

/// Draw the events pane.
pub fn draw(b: &Browser, r: Rect, buf: &mut Buffer) {
    if r.width < 10 || r.height < 4 {
        return;
    }
    let t = &b.case.timeline;
    let z = b.zone();
    let focused = b.focus == Focus::Events;
    let title = match b.selected_event() {
        Some(i) => format!(
            "Events · {} {} · {} of {}",
            clock(z, t.ts(i), false),
            z.abbreviation_at(t.ts(i)),
            pm_tui::text::thousands(b.events.sel as u64 + 1),
            pm_tui::text::thousands(b.rows.len() as u64)
        ),
        None => "Events · none".to_string(),
    };
    frame(buf, r, &title, focused);
    let inner_w = (r.width - 2) as usize;
    let rows = r.height.saturating_sub(3) as usize;
    let date = multi_day(b);
    let time_w = if date { 18 } else { 12 };
    // Host column as wide as the widest host in view (4..=14).
    let visible: Vec<usize> = (b.events.top..b.events.top + rows)
        .filter_map(|p| b.rows.get(p))
        .collect();
    // The origin column follows the lanes: host, or source file (`s`).
    let by_source = b.grouping == Grouping::Source;
    let origin = |i: usize| -> String {
        if by_source {
            b.case
                .meta
                .sources
                .get(t.source(i) as usize)
                .map(|s| short_path(&s.path))
                .unwrap_or_else(|| "-".into())
        } else {
            t.str(SymCol::Host, i).unwrap_or("-").to_string()
        }
    };
    let max_w = if by_source { 28 } else { 14 };
    let host_w = visible
        .iter()
        .map(|&i| safe(&origin(i)).width())
        .max()
        .unwrap_or(4)
        .clamp(4, max_w);
    let kind_w = 13;
    let lvl_w = 5;
    let head = Style::default()
        .fg(Color::DarkGray)
        .add_modifier(Modifier::UNDERLINED);
    let header = format!(
        "  {} {} {} {} message",
        fit(&format!("time {}", z.abbreviation_at(b.cursor)), time_w),
        fit(if by_source { "source" } else { "host" }, host_w),
        fit("kind", kind_w),
        fit("lvl", lvl_w)
    );
    put(buf, r.x + 1, r.y + 1, &fit(&header, inner_w), inner_w, head);
    if b.rows.is_empty() {
        put(
            buf,
            r.x + 1,
            r.y + 2,
            "no events match the filter (F clears it)",
            inner_w,
            Style::default().fg(Color::DarkGray),
        );
        return;
    }
    for (k, &i) in visible.iter().enumerate() {
        let pos = b.events.top + k;
        let y = r.y + 2 + k as u16;
        let sel = pos == b.events.sel;
        let base = if sel && focused {
            Style::default().add_modifier(Modifier::REVERSED)
        } else if sel {
            Style::default().bg(Color::DarkGray)
        } else {
            Style::default()
        };
        let evidence = b.is_evidence(i);
        let hit = b.is_hit(i);
        let (mark, mcolor) = match b.annotation_of(i) {
            Some(a) => label_symbol(a.label),
            None if evidence => ("◆", Color::Magenta),
            None if hit => ("»", Color::Green),
            None => (" ", Color::Reset),
        };
        let mut x = put(buf, r.x + 1, y, mark, 1, base.fg(mcolor));
        x = put(buf, x, y, " ", 1, base);
        x = put(
            buf,
            x,
            y,
            &fit(&clock(z, t.ts(i), date), time_w),
            time_w,
            base.fg(Color::Gray),
        );
        x = put(buf, x, y, " ", 1, base);
        let host = origin(i);
        x = put(
            buf,
            x,
            y,
            &fit(&safe(&host), host_w),
            host_w,
            base.fg(Color::LightBlue),
        );
        x = put(buf, x, y, " ", 1, base);
        let kind = t.kind(i);
        x = put(
            buf,
            x,
            y,
            &fit(kind.as_str(), kind_w),
            kind_w,
            base.fg(kind_color(kind)),
        );
        x = put(buf, x, y, " ", 1, base);
        // Requests have no level: their HTTP status stands in (5xx red, 4xx yellow).
        let (lvl, lvl_style) = match (t.level(i), t.status(i)) {
            (Some(l), _) => (l.as_str().to_string(), level_style(Some(l))),
            (None, Some(st)) => (
                st.to_string(),
                match st {
                    500.. => Style::default().fg(Color::Red),
                    400..=499 => Style::default().fg(Color::Yellow),
                    _ => Style::default().fg(Color::DarkGray),
                },
            ),
            (None, None) => (String::new(), Style::default()),
        };
        x = put(buf, x, y, &fit(&lvl, lvl_w), lvl_w, base.patch(lvl_style));
        x = put(buf, x, y, " ", 1, base);
        let used = (x - r.x - 1) as usize;
        let room = inner_w.saturating_sub(used);
        let mut msg_style = base.patch(level_style(t.level(i)));
        if evidence {
            msg_style = msg_style.add_modifier(Modifier::BOLD);
        }
        let summary = t.summary(i);
        let text = safe(&summary);
        match b.search.as_ref().filter(|_| hit) {
            Some(s) => highlighted(buf, x, y, &text, room, msg_style, &s.re),
            None => {
                put(buf, x, y, &fit(&text, room), room, msg_style);
            }
        }
    }
}

/// Draw `text` in `room` cells with regex matches highlighted.
fn highlighted(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    text: &str,
    room: usize,
    style: Style,
    re: &regex::Regex,
) {
    let fitted = fit(text, room);
    let mut cx = x;
    let mut last = 0;
    let end = x + room as u16;
    for m in re.find_iter(&fitted) {
        if m.start() > last {
            cx = put(
                buf,
                cx,
                y,
                &fitted[last..m.start()],
                (end - cx) as usize,
                style,
            );
        }
        cx = put(
            buf,
            cx,
            y,
            m.as_str(),
            (end.saturating_sub(cx)) as usize,
            style.fg(Color::Black).bg(Color::Yellow),
        );
        last = m.end();
        if m.start() == m.end() {
            break;
        }
    }
    if last < fitted.len() && cx < end {
        put(buf, cx, y, &fitted[last..], (end - cx) as usize, style);
    }
}

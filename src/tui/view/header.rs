//! The title line, the always-visible filter/search line, and the footer.

use super::{full_time, put, safe};
use crate::tui::layout::Areas;
use crate::tui::query::Rows;
use crate::tui::state::{Browser, JobKind};
use pm_tui::text::thousands;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

const SPINNER: [&str; 4] = ["⠋", "⠙", "⠹", "⠸"];

/// Title and filter lines.
pub fn draw(b: &Browser, tick: u64, a: &Areas, buf: &mut Buffer) {
    let z = b.zone();
    let label = &b.zones[b.zone_ix.min(b.zones.len() - 1)].label;
    let mut title = format!(
        " pm-tui · {} · {} – {} ({label}) · {} events · {} findings",
        safe(&b.name),
        full_time(z, b.index.first),
        full_time(z, b.index.last),
        thousands(b.case.timeline.len() as u64),
        b.case.findings.len()
    );
    if b.temp {
        title.push_str(" · temporary case");
    }
    let w = a.header.width as usize;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    put(
        buf,
        0,
        a.header.y,
        &super::fit(&title, w),
        w,
        bold.bg(Color::Blue).fg(Color::White),
    );
    if !b.pending.is_empty() {
        let what: Vec<&str> = b
            .pending
            .keys()
            .map(|k| match k {
                JobKind::Load => "loading",
                JobKind::Filter => "filtering",
                JobKind::Search => "searching",
                JobKind::Locks => "locks",
                JobKind::Raw => "reading",
                JobKind::Write => "saving",
                JobKind::Export => "exporting",
                JobKind::SaveCase => "writing the case",
                JobKind::Pager => "decoding",
            })
            .collect();
        let s = format!("{} {} ", SPINNER[(tick % 4) as usize], what.join(", "));
        let x = (w as u16).saturating_sub(s.chars().count() as u16);
        put(
            buf,
            x,
            a.header.y,
            &s,
            w,
            bold.bg(Color::Blue).fg(Color::Yellow),
        );
    }

    // The filter line: always says what is filtered.
    let y = a.status.y;
    let dim = Style::default().fg(Color::DarkGray);
    let mut x = put(buf, 0, y, " filter: ", w, dim);
    let total = b.case.timeline.len() as u64;
    if b.filter.is_empty() {
        x = put(buf, x, y, "none (f to filter)", w, dim);
    } else {
        let desc = safe(&b.filter.describe()).into_owned();
        x = put(
            buf,
            x,
            y,
            &desc,
            w,
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        );
        let count = match &b.rows {
            Rows::All(_) if b.busy(JobKind::Filter) => " · filtering…".to_string(),
            Rows::All(_) => String::new(),
            Rows::Some(v) => format!(
                " · {} of {} events",
                thousands(v.len() as u64),
                thousands(total)
            ),
        };
        x = put(buf, x, y, &count, w, dim);
        x = put(buf, x, y, " (F clears)", w, dim);
    }
    if let Some(s) = &b.search {
        let hits = match &s.hits {
            None => "searching…".to_string(),
            Some(h) => format!("{} matches", thousands(h.len() as u64)),
        };
        x = put(buf, x, y, "  │ search ", w, dim);
        x = put(
            buf,
            x,
            y,
            &format!("/{}/ ", safe(&s.pattern)),
            w,
            Style::default().fg(Color::Green),
        );
        x = put(buf, x, y, &hits, w, dim);
    }
    if let Some(h) = &b.highlight {
        if let Some(f) = b.case.findings.get(h.finding) {
            x = put(buf, x, y, "  │ highlight ", w, dim);
            put(
                buf,
                x,
                y,
                &format!(
                    "{} ({} evidence events, Esc clears)",
                    f.id,
                    h.evidence.len()
                ),
                w,
                Style::default().fg(Color::Magenta),
            );
        }
    }
}

/// Key hints, or the status message.
pub fn footer(b: &Browser, r: Rect, buf: &mut Buffer) {
    let w = r.width as usize;
    match &b.status {
        Some(s) => {
            let style = if s.error {
                Style::default().fg(Color::White).bg(Color::Red)
            } else {
                Style::default().fg(Color::Black).bg(Color::Gray)
            };
            put(
                buf,
                r.x,
                r.y,
                &super::fit(&format!(" {}", safe(&s.text)), w),
                w,
                style,
            );
        }
        None => {
            let hints = " ? help  / search  f filter  Tab pane  Enter open  ] [ findings  L locks  J jobs  m mark  a annotate  e export  t zone  q quit";
            put(
                buf,
                r.x,
                r.y,
                &super::fit(hints, w),
                w,
                Style::default().fg(Color::Black).bg(Color::Gray),
            );
        }
    }
}

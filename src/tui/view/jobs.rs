//! The jobs view: a gantt of the job runs in the visible window, on the
//! timeline's columns; overlapping runs of one job are red, and the ids
//! both runs processed are listed.

use super::{clock, fit, frame, put, safe};
use crate::tui::layout::{Areas, LABEL_W};
use crate::tui::state::{Browser, ListPos};
use pm_tui::analyze::jobs::RunEnd;
use pm_tui::text::human_ms;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

/// Draw the jobs screen.
pub fn draw(b: &Browser, p: &ListPos, a: &Areas, buf: &mut Buffer) {
    let r = a.main;
    if r.height < 5 {
        return;
    }
    let jr = &b.index.jobs;
    let dups = jr.duplicate.iter().filter(|d| **d).count();
    frame(
        buf,
        r,
        &format!(
            "Jobs · {} runs · {} in duplicate runs · J or Esc closes",
            jr.runs.len(),
            dups
        ),
        true,
    );
    let dim = Style::default().fg(Color::DarkGray);
    let w = b.col_width();
    let cols = a.cols;
    let z = b.zone();
    let inner_w = (r.width - 2) as usize;
    let in_view = b.runs_in_view(cols);
    if in_view.is_empty() {
        let s = if jr.runs.is_empty() {
            "no job runs in this case".to_string()
        } else {
            format!(
                "no job runs in this window ({} in the case: zoom out with -, or pan)",
                jr.runs.len()
            )
        };
        put(buf, r.x + 1, r.y + 1, &s, inner_w, dim);
        return;
    }
    let sel = p.sel.min(in_view.len() - 1);
    // Bottom lines: the selected run, ids processed twice.
    let info_h = 2 + jr.ids_twice.len().min(3) as u16;
    let list_h = (r.height - 2).saturating_sub(info_h) as usize;
    let end = b.view_start + cols as i64 * w;
    let top = p.top.min(sel).max((sel + 1).saturating_sub(list_h));
    for (n, &k) in in_view.iter().enumerate().skip(top).take(list_h) {
        let run = &jr.runs[k];
        let y = r.y + 1 + (n - top) as u16;
        let is_sel = n == sel;
        let label = run.host.as_deref().unwrap_or("?").to_string();
        let ls = if is_sel {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(Color::Gray)
        };
        put(
            buf,
            1,
            y,
            &fit(&safe(&label), LABEL_W as usize),
            LABEL_W as usize,
            ls,
        );
        if run.end < b.view_start || run.start >= end {
            let side = if run.end < b.view_start {
                "◀ earlier"
            } else {
                "later ▶"
            };
            put(buf, a.plot_x, y, side, cols, dim);
            continue;
        }
        let c0 = (run.start - b.view_start).div_euclid(w).max(0) as usize;
        let c1 = ((run.end - b.view_start).div_euclid(w).max(0) as usize)
            .min(cols - 1)
            .max(c0);
        let dup = jr.duplicate.get(k).copied().unwrap_or(false);
        let color = match (dup, run.outcome) {
            (true, _) => Color::LightRed,
            (false, RunEnd::Failed) => Color::Red,
            (false, RunEnd::Unknown) => Color::DarkGray,
            (false, RunEnd::Ended) => Color::Magenta,
        };
        let glyph = if run.outcome == RunEnd::Unknown {
            "▒"
        } else {
            "█"
        };
        let bar = glyph.repeat(c1 - c0 + 1);
        let x = put(
            buf,
            a.plot_x + c0 as u16,
            y,
            &bar,
            cols - c0,
            Style::default().fg(color),
        );
        let name = format!(
            " {} {}{}",
            safe(&run.job),
            human_ms((run.end - run.start) as f64 / 1000.0),
            if dup { " DUPLICATE" } else { "" }
        );
        let room = (a.plot_x as usize + cols).saturating_sub(x as usize);
        put(
            buf,
            x,
            y,
            &name,
            room,
            Style::default().fg(if dup { Color::LightRed } else { Color::Gray }),
        );
    }
    // Details of the selected run.
    let mut y = r.y + 1 + list_h as u16;
    if let Some(&k) = in_view.get(sel) {
        let run = &jr.runs[k];
        let dup = jr.duplicate.get(k).copied().unwrap_or(false);
        let s = format!(
            "› {} on {} pid {} · {} – {} ({}) · {:?}{} · {} ids · Enter jumps to its first event",
            run.job,
            run.host.as_deref().unwrap_or("?"),
            run.pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
            clock(z, run.start, true),
            clock(z, run.end, true),
            human_ms((run.end - run.start) as f64 / 1000.0),
            run.outcome,
            if dup {
                " · DUPLICATE (overlaps another run)"
            } else {
                ""
            },
            run.ids.len()
        );
        put(
            buf,
            r.x + 1,
            y,
            &fit(&safe(&s), inner_w),
            inner_w,
            Style::default().fg(if dup { Color::LightRed } else { Color::White }),
        );
        y += 1;
    }
    for (job, ids) in jr.ids_twice.iter().take(3) {
        let shown: Vec<&str> = ids.iter().take(12).map(String::as_str).collect();
        let more = if ids.len() > 12 {
            format!(" … +{}", ids.len() - 12)
        } else {
            String::new()
        };
        let s = format!("processed twice by {job}: {}{more}", shown.join(", "));
        put(
            buf,
            r.x + 1,
            y,
            &fit(&safe(&s), inner_w),
            inner_w,
            Style::default().fg(Color::LightRed),
        );
        y += 1;
    }
}

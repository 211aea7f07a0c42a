//! The locks view: the wait-for tree (head blocker → waiters, with wait
//! times and statements) and the deadlock cycles in the window.

use super::{clock, fit, frame, put, safe};
use crate::tui::locktree::Role;
use crate::tui::state::{Browser, LocksView};
use pm_tui::text::human_ms;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

/// Draw the locks screen.
pub fn draw(b: &Browser, v: &LocksView, r: Rect, buf: &mut Buffer) {
    if r.height < 4 {
        return;
    }
    frame(
        buf,
        r,
        &format!("Locks · {} · L or Esc closes", safe(&v.title)),
        true,
    );
    let w = (r.width - 2) as usize;
    let x0 = r.x + 1;
    let dim = Style::default().fg(Color::DarkGray);
    let Some(tree) = &v.tree else {
        put(buf, x0, r.y + 1, "building the wait-for tree…", w, dim);
        return;
    };
    let z = b.zone();
    put(
        buf,
        x0,
        r.y + 1,
        &fit(
            &format!(
                "window {} – {} {} · {} sessions · {} deadlocks · Enter jumps to the session's event",
                clock(z, tree.from, true),
                clock(z, tree.to, true),
                z.abbreviation_at(tree.from),
                tree.lines.len(),
                tree.deadlocks.len()
            ),
            w,
        ),
        w,
        dim,
    );
    // Rows: tree lines, then deadlock lines (one per report plus participants).
    let mut rows: Vec<(usize, Vec<(String, Style)>)> = Vec::new();
    if tree.lines.is_empty() {
        rows.push((
            usize::MAX,
            vec![("no lock waits in this window".into(), dim)],
        ));
    }
    for (k, l) in tree.lines.iter().enumerate() {
        let indent = "   ".repeat(l.depth.saturating_sub(1));
        let branch = if l.depth == 0 { "" } else { "└─ " };
        let mut parts = vec![(format!("{indent}{branch}"), dim)];
        match l.role {
            Role::Head => {
                parts.push((
                    safe(&l.actor).into_owned(),
                    Style::default()
                        .fg(Color::LightRed)
                        .add_modifier(Modifier::BOLD),
                ));
                parts.push(("  HEAD BLOCKER".into(), Style::default().fg(Color::Red)));
            }
            Role::Waiter | Role::Cycle => {
                parts.push((
                    safe(&l.actor).into_owned(),
                    Style::default().fg(Color::Yellow),
                ));
                parts.push((
                    format!("  waits {}", human_ms(l.wait_ms)),
                    Style::default().fg(Color::White),
                ));
                if !l.resource.is_empty() {
                    parts.push((format!(" for {}", safe(&l.resource)), dim));
                }
                if l.role == Role::Cycle {
                    parts.push(("  IN A CYCLE".into(), Style::default().fg(Color::LightRed)));
                }
            }
        }
        if !l.about.is_empty() {
            parts.push((
                format!("  [{}]", safe(&l.about)),
                Style::default().fg(Color::LightBlue),
            ));
        }
        if let Some(s) = &l.statement {
            let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
            parts.push((
                format!("  {}", safe(&one)),
                Style::default().fg(Color::Green),
            ));
        }
        rows.push((k, parts));
    }
    if !tree.deadlocks.is_empty() {
        rows.push((usize::MAX, vec![(String::new(), dim)]));
        rows.push((
            usize::MAX,
            vec![(
                "Deadlocks".into(),
                Style::default().add_modifier(Modifier::BOLD),
            )],
        ));
        for (k, d) in tree.deadlocks.iter().enumerate() {
            rows.push((
                tree.lines.len() + k,
                vec![(
                    format!(
                        "{} deadlock ({} participants)",
                        clock(z, d.ts, true),
                        d.participants.len()
                    ),
                    Style::default().fg(Color::LightRed),
                )],
            ));
            for p in &d.participants {
                rows.push((
                    usize::MAX,
                    vec![(format!("   ↻ {}", safe(p)), Style::default())],
                ));
            }
        }
    }
    let h = (r.height - 3) as usize;
    // Keep the selected row in view.
    let sel_row = rows.iter().position(|(k, _)| *k == v.pos.sel).unwrap_or(0);
    let top = sel_row
        .saturating_sub(h.saturating_sub(1))
        .max(v.pos.top.min(sel_row));
    for (n, (k, parts)) in rows.iter().enumerate().skip(top).take(h) {
        let y = r.y + 2 + (n - top) as u16;
        let selected = *k == v.pos.sel;
        let mut x = x0;
        if selected {
            x = put(buf, x, y, "›", 1, Style::default().fg(Color::Cyan));
        } else {
            x = put(buf, x, y, " ", 1, Style::default());
        }
        for (s, st) in parts {
            let st = if selected {
                st.add_modifier(Modifier::REVERSED)
            } else {
                *st
            };
            x = put(
                buf,
                x,
                y,
                s,
                (x0 as usize + w).saturating_sub(x as usize),
                st,
            );
        }
    }
}

//! The ranked findings list.

use super::{finding_color, fit, frame, put, safe};
use crate::tui::state::{Browser, Focus};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

/// Draw the findings pane.
pub fn draw(b: &Browser, r: Rect, buf: &mut Buffer) {
    if r.width < 4 || r.height < 3 {
        return;
    }
    let focused = b.focus == Focus::Findings;
    let title = format!("Findings ({}) · Enter jumps", b.case.findings.len());
    frame(buf, r, &title, focused);
    let inner_w = (r.width - 2) as usize;
    let rows = (r.height - 2) as usize;
    if b.case.findings.is_empty() {
        put(
            buf,
            r.x + 1,
            r.y + 1,
            "no findings in this case",
            inner_w,
            Style::default().fg(Color::DarkGray),
        );
        return;
    }
    for (k, f) in b
        .case
        .findings
        .iter()
        .enumerate()
        .skip(b.findings.top)
        .take(rows)
    {
        let y = r.y + 1 + (k - b.findings.top) as u16;
        let sel = k == b.findings.sel;
        let lit = b.highlight.as_ref().is_some_and(|h| h.finding == k);
        let base = if sel && focused {
            Style::default().add_modifier(Modifier::REVERSED)
        } else if sel {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        let marker = if lit {
            "▶"
        } else if sel {
            "›"
        } else {
            " "
        };
        let mut x = put(buf, r.x + 1, y, marker, 1, base.fg(Color::Magenta));
        x = put(
            buf,
            x,
            y,
            &fit(&f.id, 4),
            4,
            base.add_modifier(Modifier::BOLD),
        );
        let kind = f.kind.as_str();
        x = put(
            buf,
            x,
            y,
            &fit(kind, 14),
            14,
            base.fg(finding_color(f.kind)),
        );
        let score = format!("{:>5.2}", f.score);
        let room = inner_w.saturating_sub(1 + 4 + 14 + 6);
        let subject = subject(f);
        x = put(buf, x, y, &fit(&safe(&subject), room), room, base);
        put(buf, x, y, &format!(" {score}"), 6, base.fg(Color::DarkGray));
    }
}

/// A short subject: the resource, endpoint, job or code the finding is about.
pub fn subject(f: &pm_tui::model::Finding) -> String {
    for key in ["resource", "endpoint", "job", "code"] {
        if let Some(v) = f.attrs.get(key).and_then(|v| v.as_str()) {
            return v.to_string();
        }
    }
    f.summary.clone()
}

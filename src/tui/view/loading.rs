//! The loading screen (reading a case, or ingesting for `open`, with a
//! progress gauge and Esc to cancel) and the failure screen.

use super::{fit, put, safe};
use crate::tui::layout::centered;
use crate::tui::state::Loading;
use pm_tui::text::thousands;
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};

const SPINNER: [&str; 4] = ["⠋", "⠙", "⠹", "⠸"];

/// Draw the loading screen.
pub fn draw(l: &Loading, tick: u64, f: &mut Frame<'_>) {
    let area = f.area();
    let r = centered(area, 72, 8);
    let buf = f.buffer_mut();
    super::frame(buf, r, "pm-tui", true);
    let w = r.width.saturating_sub(4) as usize;
    let x = r.x + 2;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    put(
        buf,
        x,
        r.y + 1,
        &format!("{} {}", SPINNER[(tick % 4) as usize], safe(&l.what)),
        w,
        bold,
    );
    if let Some(p) = &l.progress {
        let frac = if p.bytes > 0 {
            (p.bytes_done as f64 / p.bytes as f64).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let filled = (frac * w as f64).round() as usize;
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(w - filled));
        put(buf, x, r.y + 3, &bar, w, Style::default().fg(Color::Cyan));
        put(
            buf,
            x,
            r.y + 4,
            &format!(
                "{:>3.0}% · {} of {} files · {} of {} KiB",
                frac * 100.0,
                p.files_done,
                p.files,
                thousands(p.bytes_done / 1024),
                thousands(p.bytes / 1024)
            ),
            w,
            Style::default(),
        );
        put(
            buf,
            x,
            r.y + 5,
            &fit(&safe(&p.current), w),
            w,
            Style::default().fg(Color::DarkGray),
        );
    }
    let hint = if l.cancelling {
        "cancelling…"
    } else {
        "Esc cancels"
    };
    put(
        buf,
        x,
        r.y + 6,
        hint,
        w,
        Style::default().fg(Color::DarkGray),
    );
}

/// Draw why loading failed.
pub fn failed(e: &str, f: &mut Frame<'_>) {
    let area = f.area();
    let r = centered(area, 90, 9);
    let buf = f.buffer_mut();
    super::frame(buf, r, "pm-tui · cannot open", true);
    let w = r.width.saturating_sub(4) as usize;
    let text = safe(e).into_owned();
    let chars: Vec<char> = text.chars().collect();
    for (y, chunk) in (r.y + 1..).zip(chars.chunks(w.max(1)).take(5)) {
        let s: String = chunk.iter().collect();
        put(buf, r.x + 2, y, &s, w, Style::default().fg(Color::Red));
    }
    put(
        buf,
        r.x + 2,
        r.y + r.height - 2,
        "press any key to quit",
        w,
        Style::default().fg(Color::DarkGray),
    );
}

//! Drawing. Every function here reads the state and draws into the frame;
//! none changes anything. One module per screen or pane.

mod detail;
mod events;
mod findings;
mod header;
mod jobs;
mod loading;
mod locks;
mod overlay;
mod timeline;

use super::layout;
use super::state::{App, Browser, Phase, Screen};
use pm_parsers::time::Zone;
use pm_parsers::{Kind, Level};
use pm_tui::model::{AnnotationLabel, FindingKind};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Draw the whole screen.
pub fn view(app: &App, f: &mut Frame<'_>) {
    match &app.phase {
        Phase::Loading(l) => loading::draw(l, app.tick, f),
        Phase::Failed(e) => loading::failed(e, f),
        Phase::Ready(b) => browser(b, app, f),
    }
}

/// Below this size the layout cannot show a useful screen.
pub const MIN_SIZE: (u16, u16) = (50, 14);

fn browser(b: &Browser, app: &App, f: &mut Frame<'_>) {
    if app.size.0 < MIN_SIZE.0 || app.size.1 < MIN_SIZE.1 {
        let w = app.size.0 as usize;
        let buf = f.buffer_mut();
        put(
            buf,
            0,
            0,
            "pm-tui: the terminal is too small",
            w,
            Style::default(),
        );
        put(
            buf,
            0,
            1,
            &format!("(at least {}×{}; q quits)", MIN_SIZE.0, MIN_SIZE.1),
            w,
            Style::default(),
        );
        return;
    }
    let a = layout::areas(app.size, b);
    let buf = f.buffer_mut();
    header::draw(b, app.tick, &a, buf);
    timeline::draw(b, &a, buf);
    match &b.screen {
        Screen::Home => {
            findings::draw(b, a.findings, buf);
            events::draw(b, a.events, buf);
            detail::draw(b, a.detail, buf);
        }
        Screen::Locks(v) => locks::draw(b, v, a.main, buf),
        Screen::Jobs(p) => jobs::draw(b, p, &a, buf),
    }
    header::footer(b, a.footer, buf);
    overlay::draw(b, &a, f);
}

/// Text safe for the terminal: control characters, ANSI sequences and bidi
/// overrides shown escaped.
pub fn safe(s: &str) -> Cow<'_, str> {
    pm_tui::text::escape_terminal(s)
}

/// `s` cut or padded to exactly `width` cells; double-width characters that
/// would straddle the edge are replaced by a space, and a cut ends in `…`.
pub fn fit(s: &str, width: usize) -> String {
    let w = s.width();
    if w <= width {
        let mut out = String::with_capacity(s.len() + width - w);
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', width - w));
        return out;
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > width - 1 {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    used += 1;
    out.extend(std::iter::repeat_n(' ', width - used));
    out
}

/// Write `s` at `(x, y)` in at most `width` cells.
pub fn put(buf: &mut Buffer, x: u16, y: u16, s: &str, width: usize, style: Style) -> u16 {
    let area = buf.area;
    if y >= area.y + area.height || x >= area.x + area.width {
        return x;
    }
    let max = width.min((area.x + area.width - x) as usize);
    let (nx, _) = buf.set_stringn(x, y, s, max, style);
    nx
}

/// Fill a rectangle with blanks.
pub fn clear(buf: &mut Buffer, r: Rect) {
    let r = r.intersection(buf.area);
    for y in r.y..r.y + r.height {
        // A double-width character just left of the box would cover its border.
        if r.x > buf.area.x && buf[(r.x - 1, y)].symbol().width() > 1 {
            buf[(r.x - 1, y)].set_symbol(" ");
        }
        for x in r.x..r.x + r.width {
            buf[(x, y)].reset();
        }
    }
}

/// A box with a title.
pub fn frame(buf: &mut Buffer, r: Rect, title: &str, focused: bool) {
    use ratatui::widgets::{Block, BorderType, Borders, Widget};
    let style = if focused {
        Style::default().fg(Color::Cyan)
    } else {
        Style::default().fg(Color::DarkGray)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Plain)
        .border_style(style)
        .title(ratatui::text::Span::styled(
            format!(" {title} "),
            Style::default().add_modifier(Modifier::BOLD),
        ))
        .render(r, buf);
}

/// Colour of an event kind.
pub fn kind_color(k: Kind) -> Color {
    match k {
        Kind::LockWait | Kind::LockAcquired | Kind::LockTimeout => Color::Yellow,
        Kind::Deadlock => Color::LightRed,
        Kind::Request => Color::Cyan,
        Kind::JobStart | Kind::JobEnd | Kind::JobFail => Color::Magenta,
        Kind::LeaseAcquire | Kind::LeaseRenew | Kind::LeaseRelease | Kind::LeaseExpire => {
            Color::Blue
        }
        Kind::Error | Kind::Timeout => Color::Red,
        Kind::Query | Kind::Txn => Color::Green,
        Kind::Log => Color::Gray,
    }
}

/// Style of a message by level.
pub fn level_style(l: Option<Level>) -> Style {
    match l {
        Some(Level::Error) | Some(Level::Fatal) => Style::default().fg(Color::Red),
        Some(Level::Warn) => Style::default().fg(Color::Yellow),
        Some(Level::Debug) | Some(Level::Trace) => Style::default().fg(Color::DarkGray),
        _ => Style::default(),
    }
}

/// Colour of a finding kind.
pub fn finding_color(k: FindingKind) -> Color {
    match k {
        FindingKind::LockConvoy | FindingKind::LockTimeout => Color::Yellow,
        FindingKind::Deadlock => Color::LightRed,
        FindingKind::DuplicateRun => Color::Magenta,
        FindingKind::LatencySpike | FindingKind::Saturation => Color::Cyan,
        FindingKind::ErrorBurst => Color::Red,
    }
}

/// One-character symbol of an annotation label.
pub fn label_symbol(l: AnnotationLabel) -> (&'static str, Color) {
    match l {
        AnnotationLabel::Mark => ("•", Color::White),
        AnnotationLabel::Note => ("✎", Color::White),
        AnnotationLabel::Detection => ("D", Color::Cyan),
        AnnotationLabel::Mitigation => ("M", Color::Green),
        AnnotationLabel::OutageBegins => ("▶", Color::Red),
        AnnotationLabel::OutageEnds => ("◀", Color::Green),
        AnnotationLabel::RootCause => ("R", Color::LightRed),
    }
}

/// Time of day with milliseconds (and the date when `date`).
pub fn clock(z: &Zone, ts: i64, date: bool) -> String {
    let l = z.local(ts);
    if date {
        l.format("%m-%d %H:%M:%S%.3f").to_string()
    } else {
        l.format("%H:%M:%S%.3f").to_string()
    }
}

/// `2023-06-01 21:52:13 JST`.
pub fn full_time(z: &Zone, ts: i64) -> String {
    format!(
        "{} {}",
        z.local(ts).format("%Y-%m-%d %H:%M:%S%.3f"),
        z.abbreviation_at(ts)
    )
}

/// A compact duration for column widths: `1 s`, `15 min`, `1 h`, `1 d`.
pub fn width_label(us: i64) -> String {
    let s = us / 1_000_000;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min", s / 60)
    } else if s < 86400 {
        format!("{} h", s / 3600)
    } else {
        format!("{} d", s / 86400)
    }
}

/// True when the case spans more than one local day (times then show dates).
pub fn multi_day(b: &Browser) -> bool {
    let z = b.zone();
    z.local(b.index.first).date() != z.local(b.index.last).date()
}

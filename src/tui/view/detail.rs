//! The detail pane: the selected finding (summary, window, attrs, ranked
//! causes) or the selected event (fields, message, source file and line),
//! and the full record with its raw lines for the detail overlay.

use super::{finding_color, frame, full_time, kind_color, put, safe};
use crate::tui::state::{Browser, Focus};
use pm_tui::model::view::event_json;
use pm_tui::text::human_ms;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;

/// Draw the bottom pane.
pub fn draw(b: &Browser, r: Rect, buf: &mut Buffer) {
    if r.height < 3 || r.width < 10 {
        return;
    }
    let lines = match b.focus {
        Focus::Findings => finding_lines(b),
        Focus::Events => event_lines(b, false),
    };
    let title = match b.focus {
        Focus::Findings => "Detail · finding",
        Focus::Events => "Detail · event (Enter: full record and raw lines, o: $PAGER)",
    };
    frame(buf, r, title, false);
    render_lines(
        buf,
        Rect::new(r.x + 1, r.y + 1, r.width - 2, r.height - 2),
        &lines,
        0,
    );
}

/// Draw `lines` into `r`, skipping the first `scroll`, wrapping long lines.
pub fn render_lines(buf: &mut Buffer, r: Rect, lines: &[Line<'static>], scroll: usize) {
    let w = r.width as usize;
    let mut y = r.y;
    let mut skipped = 0;
    for line in lines {
        // Wrap by cells.
        let mut chunks: Vec<Vec<(String, Style)>> = vec![Vec::new()];
        let mut used = 0;
        for span in &line.spans {
            let mut cur = String::new();
            for c in span.content.chars() {
                let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if used + cw > w {
                    if let Some(last) = chunks.last_mut() {
                        last.push((std::mem::take(&mut cur), span.style));
                    }
                    chunks.push(Vec::new());
                    used = 0;
                }
                cur.push(c);
                used += cw;
            }
            if let Some(last) = chunks.last_mut() {
                last.push((cur, span.style));
            }
        }
        for chunk in chunks {
            if skipped < scroll {
                skipped += 1;
                continue;
            }
            if y >= r.y + r.height {
                return;
            }
            let mut x = r.x;
            for (s, st) in chunk {
                x = put(buf, x, y, &s, (r.x + r.width - x) as usize, st);
            }
            y += 1;
        }
    }
}

fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

fn kv(k: &str, v: String) -> Line<'static> {
    Line::from(vec![Span::styled(format!("{k}: "), dim()), Span::raw(v)])
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => safe(s).into_owned(),
        other => safe(&other.to_string()).into_owned(),
    }
}

/// The selected finding in words.
pub fn finding_lines(b: &Browser) -> Vec<Line<'static>> {
    let Some(f) = b.selected_finding() else {
        return vec![Line::styled("no finding selected", dim())];
    };
    let z = b.zone();
    let mut out = vec![Line::from(vec![
        Span::styled(
            format!("{} {} ", f.id, f.kind.as_str()),
            Style::default()
                .fg(finding_color(f.kind))
                .add_modifier(Modifier::BOLD),
        ),
        Span::raw(safe(&f.summary).into_owned()),
    ])];
    out.push(Line::from(vec![
        Span::styled("window: ", dim()),
        Span::raw(format!(
            "{} – {} ({}) · score {:.2} · {} evidence events",
            full_time(z, f.start),
            full_time(z, f.end),
            human_ms((f.end - f.start) as f64 / 1000.0),
            f.score,
            f.evidence.len()
        )),
    ]));
    // Ranked causes first: the question during an incident is "why".
    if let Some(Value::Array(causes)) = f.attrs.get("causes") {
        if causes.is_empty() {
            out.push(kv(
                "causes",
                "none in the data (no lock, job or error in the window)".into(),
            ));
        } else {
            out.push(Line::styled("ranked causes:", dim()));
            for (n, c) in causes.iter().enumerate() {
                let id = c.get("finding").and_then(Value::as_str).unwrap_or("?");
                let score = c.get("score").and_then(Value::as_f64).unwrap_or(0.0);
                let reason = c.get("reason").and_then(Value::as_str).unwrap_or("");
                out.push(Line::raw(format!(
                    "  {}. {id} ({score:.2}) {}",
                    n + 1,
                    safe(reason)
                )));
            }
        }
    }
    for (k, v) in &f.attrs {
        if k == "causes" {
            continue;
        }
        match v {
            Value::Object(m) => {
                let parts: Vec<String> = m
                    .iter()
                    .map(|(k, v)| format!("{k}={}", value_text(v)))
                    .collect();
                out.push(kv(k, parts.join(" · ")));
            }
            Value::Array(a) if a.iter().any(Value::is_object) => {
                out.push(kv(k, format!("{} items", a.len())));
                for item in a.iter().take(6) {
                    out.push(Line::raw(format!("  · {}", value_text(item))));
                }
            }
            v => out.push(kv(k, value_text(v))),
        }
    }
    out
}

/// The selected event: fields and message; with `full`, every field and the raw lines.
pub fn event_lines(b: &Browser, full: bool) -> Vec<Line<'static>> {
    let Some(i) = b.selected_event() else {
        return vec![Line::styled("no event selected", dim())];
    };
    let t = &b.case.timeline;
    let z = b.zone();
    let sources = &b.case.meta.sources;
    let src = sources
        .get(t.source(i) as usize)
        .map(|s| s.path.as_str())
        .unwrap_or("?");
    let kind = t.kind(i);
    let mut out = vec![Line::from(vec![
        Span::styled(
            full_time(z, t.ts(i)),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::raw("  "),
        Span::styled(
            kind.as_str().to_string(),
            Style::default().fg(kind_color(kind)),
        ),
        Span::raw(
            t.level(i)
                .map(|l| format!(" {}", l.as_str()))
                .unwrap_or_default(),
        ),
        Span::styled(format!("  #{i}  "), dim()),
        Span::styled(
            format!(
                "{}:{}{}",
                safe(src),
                t.line(i),
                if t.line_count(i) > 1 {
                    format!(" (+{} lines)", t.line_count(i) - 1)
                } else {
                    String::new()
                }
            ),
            Style::default().fg(Color::LightBlue),
        ),
    ])];
    if let Some(a) = b.annotation_of(i) {
        out.push(kv(
            "annotation",
            format!("{} {}", a.label.title(), safe(&a.note)),
        ));
    }
    let json = event_json(t, i, sources);
    let skip = [
        "id", "ts", "kind", "source", "line", "lines", "level", "message",
    ];
    let mut fields: Vec<String> = Vec::new();
    for (k, v) in &json {
        if skip.contains(&k.as_str()) {
            continue;
        }
        if full {
            out.push(kv(k, value_text(v)));
        } else {
            fields.push(format!("{k}={}", value_text(v)));
        }
    }
    if !fields.is_empty() {
        out.push(Line::styled(
            fields.join(" · "),
            Style::default().fg(Color::Gray),
        ));
    }
    let msg = t.message(i);
    let body: Vec<&str> = if msg.is_empty() {
        Vec::new()
    } else {
        msg.lines().collect()
    };
    let limit = if full { usize::MAX } else { 4 };
    for l in body.iter().take(limit) {
        out.push(Line::raw(safe(l).into_owned()));
    }
    if body.len() > limit {
        out.push(Line::styled(
            format!("… {} more lines (Enter)", body.len() - limit),
            dim(),
        ));
    }
    if full {
        out.push(Line::raw(""));
        match &b.raw {
            Some((e, Ok(ctx))) if *e == i => {
                out.push(Line::styled(
                    format!(
                        "raw lines of {} (o opens it in $PAGER):",
                        safe(&ctx.path.display().to_string())
                    ),
                    dim(),
                ));
                let (first, count) = ctx.record;
                for (k, l) in ctx.lines.iter().enumerate() {
                    let n = ctx.first_line + k as u32;
                    let inside = n >= first && n < first + count;
                    let style = if inside {
                        Style::default().add_modifier(Modifier::BOLD)
                    } else {
                        Style::default().fg(Color::Gray)
                    };
                    out.push(Line::from(vec![
                        Span::styled(format!("{n:>7}{} ", if inside { "▌" } else { " " }), dim()),
                        Span::styled(safe(l).into_owned(), style),
                    ]));
                }
            }
            Some((e, Err(err))) if *e == i => {
                out.push(Line::styled(
                    format!("raw lines: {}", safe(err)),
                    Style::default().fg(Color::Yellow),
                ));
            }
            _ => out.push(Line::styled("reading the raw lines…", dim())),
        }
    }
    out
}

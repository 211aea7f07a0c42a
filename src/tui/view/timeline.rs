//! The timeline block: axis, strips (requests, p95, lock waits, jobs),
//! lanes of event density, filter/search hits, findings as spans, marks.
//! Every value comes from the precomputed level; a frame reads only the
//! buckets of the visible columns.

use super::{finding_color, fit, frame, label_symbol, put, safe, width_label};
use crate::tui::index::Level;
use crate::tui::layout::{Areas, LABEL_W, Strip};
use crate::tui::state::Browser;
use pm_tui::text::human_ms;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

const BARS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
const SHADES: [&str; 6] = [" ", "·", "░", "▒", "▓", "█"];

/// Label step (in columns) per zoom, so that labels land on round times.
const TICK_COLS: [i64; 10] = [15, 12, 20, 15, 12, 12, 12, 8, 14, 7];

fn bar(v: f64, max: f64) -> &'static str {
    if v.is_nan() || max.is_nan() || v <= 0.0 || max <= 0.0 {
        return BARS[0];
    }
    let k = ((v / max) * 8.0).ceil().clamp(1.0, 8.0) as usize;
    BARS[k]
}

fn shade(v: u32, max: u32) -> &'static str {
    if v == 0 || max == 0 {
        return SHADES[0];
    }
    // Log scale: one event shows, the busiest bucket is solid.
    let r = ((v as f64).ln_1p() / (max as f64).ln_1p() * 5.0)
        .ceil()
        .clamp(1.0, 5.0);
    SHADES[r as usize]
}

/// Values of a per-bucket series for each visible column (None off the level).
fn columns<T: Copy>(level: &Level, start: i64, cols: usize, data: &[T]) -> Vec<Option<T>> {
    let b0 = level.bucket_at(start);
    (0..cols as i64)
        .map(|c| {
            let b = b0 + c;
            (b >= 0 && (b as usize) < data.len()).then(|| data[b as usize])
        })
        .collect()
}

/// Draw the block.
pub fn draw(b: &Browser, a: &Areas, buf: &mut Buffer) {
    let r = a.timeline;
    let w = b.col_width();
    let z = b.zone();
    let title = format!(
        "Timeline · {}/col · lanes by {} · cursor {}",
        width_label(w),
        b.grouping.name(),
        super::full_time(z, b.cursor)
    );
    frame(buf, r, &title, false);
    let Some(level) = b.level() else {
        return;
    };
    let cols = a.cols.min((r.width.saturating_sub(2 + LABEL_W)) as usize);
    let x0 = a.plot_x;
    let start = b.view_start;
    let cursor_col = (b.cursor - start).div_euclid(w);
    let label_style = Style::default().fg(Color::DarkGray);
    let lanes = &b.index.lanes[b.grouping.ix()];
    let gi = b.grouping.ix();

    for &(strip, y) in &a.strips {
        match strip {
            Strip::Axis => axis(b, level, x0, y, cols, buf),
            Strip::Requests => {
                let v = columns(level, start, cols, &level.requests);
                let max = v.iter().flatten().copied().max().unwrap_or(0);
                let per_min = max as f64 * 60e6 / w as f64;
                let label = if per_min >= 1.0 {
                    format!("req ≤{}/m", compact(per_min))
                } else {
                    "requests".into()
                };
                put(
                    buf,
                    1,
                    y,
                    &fit(&label, LABEL_W as usize),
                    LABEL_W as usize,
                    label_style,
                );
                for (c, x) in v.iter().enumerate() {
                    let s = bar(x.unwrap_or(0) as f64, max as f64);
                    put(
                        buf,
                        x0 + c as u16,
                        y,
                        s,
                        1,
                        Style::default().fg(Color::Cyan),
                    );
                }
            }
            Strip::P95 => {
                let v = columns(level, start, cols, &level.p95);
                let max = v
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|p| p.is_finite())
                    .fold(0.0f32, f32::max);
                let label = if max > 0.0 {
                    format!("p95 ≤{}", human_ms(max as f64).replace(' ', ""))
                } else {
                    "p95".into()
                };
                put(
                    buf,
                    1,
                    y,
                    &fit(&label, LABEL_W as usize),
                    LABEL_W as usize,
                    label_style,
                );
                for (c, x) in v.iter().enumerate() {
                    let val = x.unwrap_or(f32::NAN) as f64;
                    let color = if max > 0.0 && val > max as f64 * 0.5 {
                        Color::Red
                    } else {
                        Color::LightCyan
                    };
                    put(
                        buf,
                        x0 + c as u16,
                        y,
                        bar(val, max as f64),
                        1,
                        Style::default().fg(color),
                    );
                }
            }
            Strip::Waits | Strip::Jobs => {
                let (data, name, color) = if strip == Strip::Waits {
                    (&level.waits, "lock waits", Color::Yellow)
                } else {
                    (&level.jobs, "jobs", Color::Magenta)
                };
                let v = columns(level, start, cols, data);
                let max = v.iter().flatten().copied().max().unwrap_or(0);
                let label = if max > 0 {
                    format!(
                        "{} ≤{}",
                        if strip == Strip::Waits {
                            "waits"
                        } else {
                            "jobs"
                        },
                        max
                    )
                } else {
                    name.to_string()
                };
                put(
                    buf,
                    1,
                    y,
                    &fit(&label, LABEL_W as usize),
                    LABEL_W as usize,
                    label_style,
                );
                for (c, x) in v.iter().enumerate() {
                    let val = x.unwrap_or(0);
                    let color = if strip == Strip::Jobs && val >= 2 {
                        Color::LightRed
                    } else {
                        color
                    };
                    put(
                        buf,
                        x0 + c as u16,
                        y,
                        bar(val as f64, max as f64),
                        1,
                        Style::default().fg(color),
                    );
                }
            }
            Strip::Lane(l) => {
                let name = lanes.names.get(l).map(String::as_str).unwrap_or("");
                put(
                    buf,
                    1,
                    y,
                    &fit(&safe(name), LABEL_W as usize - 1),
                    LABEL_W as usize,
                    Style::default().fg(Color::Gray),
                );
                let (Some(counts), Some(alerts)) =
                    (level.lanes[gi].get(l), level.alerts[gi].get(l))
                else {
                    continue;
                };
                let v = columns(level, start, cols, counts);
                let al = columns(level, start, cols, alerts);
                let max = v.iter().flatten().copied().max().unwrap_or(0);
                for (c, x) in v.iter().enumerate() {
                    let n = x.unwrap_or(0);
                    let alert = al[c].unwrap_or(0) > 0;
                    let style = if alert {
                        Style::default().fg(Color::Red)
                    } else {
                        Style::default().fg(Color::Green)
                    };
                    put(buf, x0 + c as u16, y, shade(n, max), 1, style);
                }
            }
            Strip::Hits => hits(b, x0, y, cols, buf),
            Strip::Findings(row) => findings(b, row, x0, y, cols, buf),
            Strip::Marks => marks(b, x0, y, cols, buf),
        }
    }
    // The cursor column, across every row.
    if cursor_col >= 0 && (cursor_col as usize) < cols {
        let x = x0 + cursor_col as u16;
        for &(strip, y) in &a.strips {
            if strip == Strip::Axis {
                continue;
            }
            let cell = &mut buf[(x, y)];
            cell.set_bg(Color::DarkGray);
            if cell.symbol() == " " {
                cell.set_symbol("│");
                cell.set_fg(Color::Gray);
            }
        }
    }
}

fn compact(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn axis(b: &Browser, level: &Level, x0: u16, y: u16, cols: usize, buf: &mut Buffer) {
    let z = b.zone();
    let w = level.width;
    let zoom = crate::tui::index::ZOOMS
        .iter()
        .position(|&x| x == w)
        .unwrap_or(0);
    let step = TICK_COLS[zoom] * w;
    let fmt = match zoom {
        0..=2 => "%H:%M:%S",
        3..=6 => "%H:%M",
        7..=8 => "%m-%d %H:%M",
        _ => "%Y-%m-%d",
    };
    let label_style = Style::default().fg(Color::DarkGray);
    let abbr = z.abbreviation_at(b.cursor);
    put(
        buf,
        1,
        y,
        &fit(&abbr, LABEL_W as usize),
        LABEL_W as usize,
        label_style,
    );
    let mut next_free = 0usize;
    for c in 0..cols {
        let t = b.view_start + c as i64 * w;
        let local = z.local(t).and_utc().timestamp_micros();
        if local.rem_euclid(step) != 0 || c < next_free {
            continue;
        }
        let s = z.local(t).format(fmt).to_string();
        let len = s.chars().count() + 1;
        if c + len > cols {
            break;
        }
        put(buf, x0 + c as u16, y, "╵", 1, label_style);
        put(
            buf,
            x0 + c as u16 + 1,
            y,
            &s,
            len,
            Style::default().fg(Color::Gray),
        );
        next_free = c + len + 2;
    }
    let cc = (b.cursor - b.view_start).div_euclid(w);
    if cc >= 0 && (cc as usize) < cols {
        let cell = &mut buf[(x0 + cc as u16, y)];
        if cell.symbol() == " " {
            cell.set_symbol("▼");
        }
        cell.set_style(
            Style::default()
                .fg(Color::White)
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD),
        );
    }
}

fn hits(b: &Browser, x0: u16, y: u16, cols: usize, buf: &mut Buffer) {
    let t = &b.case.timeline;
    let w = b.col_width();
    let label = if b.search.is_some() {
        "matches"
    } else {
        "filtered"
    };
    put(
        buf,
        1,
        y,
        &fit(label, LABEL_W as usize),
        LABEL_W as usize,
        Style::default().fg(Color::DarkGray),
    );
    let search = b.search.as_ref().and_then(|s| s.hits.clone());
    let counts: Vec<u32> = (0..cols as i64)
        .map(|c| {
            let from = b.view_start + c * w;
            let to = from + w;
            match &search {
                Some(h) => {
                    let lo = h.partition_point(|&r| t.ts(r as usize) < from);
                    let hi = h.partition_point(|&r| t.ts(r as usize) < to);
                    (hi - lo) as u32
                }
                None => b.rows.count_between(t, from, to) as u32,
            }
        })
        .collect();
    let max = counts.iter().copied().max().unwrap_or(0);
    for (c, &n) in counts.iter().enumerate() {
        put(
            buf,
            x0 + c as u16,
            y,
            shade(n, max),
            1,
            Style::default().fg(Color::LightGreen),
        );
    }
}

/// The findings visible in the window, greedily packed into rows.
fn finding_rows(b: &Browser, cols: usize) -> Vec<Vec<(usize, i64, i64)>> {
    let w = b.col_width();
    let end = b.view_start + cols as i64 * w;
    let mut vis: Vec<(usize, i64, i64)> = b
        .case
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.end >= b.view_start && f.start < end)
        .map(|(i, f)| {
            let a = (f.start - b.view_start).div_euclid(w).max(0);
            let e = (f.end - b.view_start).div_euclid(w).min(cols as i64 - 1);
            (i, a, e.max(a))
        })
        .collect();
    // Selected / highlighted first so they always get a row; then by time.
    let hi = b.highlight.as_ref().map(|h| h.finding);
    vis.sort_by_key(|&(i, a, _)| (Some(i) != hi, i != b.findings.sel, a, i));
    // Each span reaches at least as far as its id label.
    let mut rows: Vec<Vec<(usize, i64, i64, i64)>> = Vec::new();
    for (i, a, e) in vis {
        let reach = e.max(a + b.case.findings[i].id.len() as i64 + 1);
        match rows
            .iter_mut()
            .find(|r| r.iter().all(|&(_, a2, _, r2)| reach + 1 < a2 || a > r2 + 1))
        {
            Some(r) => r.push((i, a, e, reach)),
            None => rows.push(vec![(i, a, e, reach)]),
        }
    }
    rows.into_iter()
        .map(|r| {
            let mut r: Vec<(usize, i64, i64)> =
                r.into_iter().map(|(i, a, e, _)| (i, a, e)).collect();
            r.sort_by_key(|&(_, a, _)| a);
            r
        })
        .collect()
}

fn findings(b: &Browser, row: usize, x0: u16, y: u16, cols: usize, buf: &mut Buffer) {
    let rows = finding_rows(b, cols);
    if row == 0 {
        let extra = rows.len().saturating_sub(3);
        let label = if extra > 0 {
            format!("findings +{extra}")
        } else {
            "findings".into()
        };
        put(
            buf,
            1,
            y,
            &fit(&label, LABEL_W as usize),
            LABEL_W as usize,
            Style::default().fg(Color::DarkGray),
        );
    }
    let Some(spans) = rows.get(row) else {
        return;
    };
    for (k, &(i, a, e)) in spans.iter().enumerate() {
        // Labels stop before the next span of the row.
        let next = spans.get(k + 1).map(|s| s.1 as usize).unwrap_or(cols);
        let f = &b.case.findings[i];
        let selected = b.highlight.as_ref().is_some_and(|h| h.finding == i) || i == b.findings.sel;
        let mut style = Style::default().fg(finding_color(f.kind));
        if selected {
            style = style.add_modifier(Modifier::BOLD | Modifier::REVERSED);
        }
        let len = (e - a + 1) as usize;
        let body: String = if len == 1 {
            "◆".into()
        } else {
            let mut s = String::from("╞");
            s.push_str(&"═".repeat(len.saturating_sub(2)));
            s.push('╡');
            s
        };
        put(buf, x0 + a as u16, y, &body, len, style);
        let text = format!("{} {}", f.id, f.kind.as_str());
        let room = next.saturating_sub(a as usize + 2);
        let text = if len > 2 && text.len() + 2 > len {
            f.id.clone()
        } else {
            text
        };
        put(
            buf,
            x0 + a as u16 + 1,
            y,
            &text,
            room.min(text.len()),
            style,
        );
    }
}

fn marks(b: &Browser, x0: u16, y: u16, cols: usize, buf: &mut Buffer) {
    put(
        buf,
        1,
        y,
        &fit("marks", LABEL_W as usize),
        LABEL_W as usize,
        Style::default().fg(Color::DarkGray),
    );
    let w = b.col_width();
    for a in &b.annotations {
        let c = (a.ts - b.view_start).div_euclid(w);
        if c < 0 || c as usize >= cols {
            continue;
        }
        let (sym, color) = label_symbol(a.label);
        put(
            buf,
            x0 + c as u16,
            y,
            sym,
            1,
            Style::default().fg(color).add_modifier(Modifier::BOLD),
        );
    }
}

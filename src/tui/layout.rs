//! Screen geometry, shared by the views (where to draw) and `update` (what
//! a click hit, how many rows a page is). Pure functions of the size and
//! the state.

use super::state::{Browser, Screen};
use ratatui::layout::Rect;

/// A `w` × `h` box in the middle of `area`, shrunk to fit it (overlays
/// and the loading screen).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Width of the label column left of the timeline plot.
pub const LABEL_W: u16 = 12;

/// Width of the findings list.
pub const FINDINGS_W: u16 = 44;

/// A row of the timeline block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strip {
    /// Time labels and the cursor time.
    Axis,
    /// Requests per column.
    Requests,
    /// p95 latency per column.
    P95,
    /// Lock waits in progress.
    Waits,
    /// Job runs in progress.
    Jobs,
    /// Event density of one host / source.
    Lane(usize),
    /// Filter and search hits.
    Hits,
    /// Findings as spans (row number).
    Findings(usize),
    /// Marks and annotations.
    Marks,
}

/// Where everything is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Areas {
    /// Title line.
    pub header: Rect,
    /// Filters, search, job activity.
    pub status: Rect,
    /// The timeline block (with border).
    pub timeline: Rect,
    /// Rows of the timeline: what, at which y.
    pub strips: Vec<(Strip, u16)>,
    /// First column of the plot.
    pub plot_x: u16,
    /// Number of plot columns.
    pub cols: usize,
    /// Everything under the timeline (locks and jobs screens use it whole).
    pub main: Rect,
    /// Findings block.
    pub findings: Rect,
    /// Events block.
    pub events: Rect,
    /// Detail block.
    pub detail: Rect,
    /// Key hints / status message.
    pub footer: Rect,
}

impl Areas {
    /// Rows of the events list (inside the border, below the column header).
    pub fn event_rows(&self) -> usize {
        self.events.height.saturating_sub(3) as usize
    }

    /// First y of the events list rows.
    pub fn event_row_y(&self) -> u16 {
        self.events.y + 2
    }

    /// Rows of the findings list.
    pub fn finding_rows(&self) -> usize {
        self.findings.height.saturating_sub(2) as usize
    }

    /// Rows of a list filling the main area (locks, jobs), below a header line.
    pub fn main_rows(&self) -> usize {
        self.main.height.saturating_sub(3) as usize
    }
}

/// True when `(x, y)` is inside `r`.
pub fn hit(r: Rect, x: u16, y: u16) -> bool {
    x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
}

/// Plot columns for a terminal `width` wide.
pub fn plot_cols(width: u16) -> usize {
    width.saturating_sub(2 + LABEL_W).max(1) as usize
}

/// Lay out a browser screen of `size`.
pub fn areas(size: (u16, u16), b: &Browser) -> Areas {
    let (w, h) = size;
    let full = Rect::new(0, 0, w, h);
    let header = Rect::new(0, 0, w, 1.min(h));
    let status = Rect::new(0, 1.min(h), w, 1.min(h.saturating_sub(1)));
    let footer = Rect::new(0, h.saturating_sub(1), w, 1.min(h));
    let body_y = 2.min(h);
    let body_h = h.saturating_sub(3);

    // Timeline rows: the fixed strips, then as many lanes as fit.
    let budget = ((body_h as usize) * 2 / 5).clamp(4, 22);
    let inner = budget.saturating_sub(2);
    let mut strips = vec![Strip::Axis];
    let fixed = [Strip::Requests, Strip::P95, Strip::Waits, Strip::Jobs];
    for s in fixed {
        if strips.len() < inner {
            strips.push(s);
        }
    }
    let filtered = !b.filter.is_empty() || b.search.is_some();
    let finding_rows = b.case.findings.len().min(if h >= 40 { 3 } else { 2 });
    let tail = finding_rows + 1 + usize::from(filtered);
    let lanes_total = b.index.lanes[b.grouping.ix()].names.len();
    let room = inner.saturating_sub(strips.len() + tail);
    let lanes = lanes_total.min(room).min(10);
    for l in 0..lanes {
        strips.push(Strip::Lane(l));
    }
    if filtered && strips.len() < inner {
        strips.push(Strip::Hits);
    }
    for r in 0..finding_rows {
        if strips.len() < inner {
            strips.push(Strip::Findings(r));
        }
    }
    if strips.len() < inner {
        strips.push(Strip::Marks);
    }
    let tl_h = (strips.len() as u16 + 2).min(body_h);
    let timeline = Rect::new(0, body_y, w, tl_h);
    let strips: Vec<(Strip, u16)> = strips
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s, timeline.y + 1 + i as u16))
        .filter(|(_, y)| *y + 1 < timeline.y + timeline.height)
        .collect();
    let main = Rect::new(
        0,
        timeline.y + timeline.height,
        w,
        body_h.saturating_sub(tl_h),
    );
    let detail_h = if matches!(b.screen, Screen::Home) && main.height >= 14 {
        (main.height / 3).clamp(5, 12)
    } else {
        0
    };
    let list_h = main.height - detail_h;
    let fw = FINDINGS_W.min(w / 3);
    let findings = Rect::new(0, main.y, fw, list_h);
    let events = Rect::new(fw, main.y, w.saturating_sub(fw), list_h);
    let detail = Rect::new(0, main.y + list_h, w, detail_h);
    let _ = full;
    Areas {
        header,
        status,
        timeline,
        strips,
        plot_x: 1 + LABEL_W,
        cols: plot_cols(w),
        main,
        findings,
        events,
        detail,
        footer,
    }
}

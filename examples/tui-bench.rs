//! Frame-time benchmark of the interactive timeline.
//!
//! Builds a synthetic case in memory (default 10 million events over a day,
//! 10 hosts, 24 findings), indexes it, then drives `update` + `view` through
//! a scripted session (zoom from days to seconds, pan, page, jump to
//! findings, lists, locks and jobs views, search, filter, zone and lane
//! switches) into a 160×45 `TestBackend`, and reports the time of every
//! frame: the worst, the median and the 99th percentile. Background jobs
//! (search, filter, locks) run as they would on their own threads; their
//! time is reported separately, since the UI keeps drawing meanwhile.
//!
//! ```text
//! cargo run --profile tui-bench --example tui-bench -- [EVENTS]
//! ```

#[allow(dead_code, unused_imports)]
#[path = "../src/tui/mod.rs"]
mod tui;

#[allow(dead_code)]
#[path = "../src/tui/fixture.rs"]
mod fixture;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use tui::msg::{Cmd, Edit, Msg};
use tui::state::{App, NamedZone, Phase};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(10_000_000);
    let size = (160u16, 45u16);

    let t = Instant::now();
    let case = fixture::synthetic_case(n);
    let build_case = t.elapsed();
    let t = Instant::now();
    let index = tui::index::build(&case, None).unwrap_or_default();
    let build_index = t.elapsed();

    let local = NamedZone {
        zone: pm_parsers::time::Zone::utc(),
        label: "UTC".into(),
    };
    let loaded = tui::jobs::Loaded {
        case: Arc::new(case),
        index: Arc::new(index),
        dir: PathBuf::from("/nonexistent/pm-case-bench"),
        temp: false,
        note: None,
    };
    let b = tui::update::browser(loaded, size, &local, false);
    let mut app = App {
        size,
        phase: Phase::Ready(Box::new(b)),
        quit: false,
        job_seq: 1,
        tick: 0,
        local,
        prefer_local: false,
    };
    let mut term = match Terminal::new(TestBackend::new(size.0, size.1)) {
        Ok(t) => t,
        Err(e) => match e {},
    };

    let mut script: Vec<Msg> = Vec::new();
    // Zoom from the whole day down to one second per column, panning.
    for _ in 0..9 {
        script.push(Msg::Zoom(1));
        script.push(Msg::Pan(7));
    }
    for _ in 0..20 {
        script.push(Msg::Pan(1));
    }
    script.push(Msg::PanPage(1));
    script.push(Msg::PanPage(-1));
    // Back out to hours, walk the findings.
    for _ in 0..6 {
        script.push(Msg::Zoom(-1));
    }
    for _ in 0..6 {
        script.push(Msg::NextFinding);
    }
    script.push(Msg::PrevFinding);
    script.push(Msg::FocusNext);
    for _ in 0..10 {
        script.push(Msg::Page(1));
        script.push(Msg::Move(3));
    }
    script.push(Msg::CycleZone);
    script.push(Msg::CycleGrouping);
    script.push(Msg::Locks);
    script.push(Msg::Move(2));
    script.push(Msg::Back);
    script.push(Msg::Jobs);
    script.push(Msg::Move(5));
    script.push(Msg::Back);
    script.push(Msg::End);
    script.push(Msg::Start);
    script.push(Msg::Help);
    script.push(Msg::Back);
    // Search, step through matches.
    script.push(Msg::Search);
    for c in "注文".chars() {
        script.push(Msg::Input(Edit::Char(c)));
    }
    script.push(Msg::Activate);
    for _ in 0..5 {
        script.push(Msg::SearchNext);
    }
    // Filter by host and kind.
    script.push(Msg::Filter);
    for c in "db01".chars() {
        script.push(Msg::Input(Edit::Char(c)));
    }
    script.push(Msg::Input(Edit::Next));
    script.push(Msg::Input(Edit::Next));
    for c in "lock".chars() {
        script.push(Msg::Input(Edit::Char(c)));
    }
    script.push(Msg::Activate);
    for _ in 0..5 {
        script.push(Msg::Zoom(1));
        script.push(Msg::Pan(3));
    }
    script.push(Msg::ClearFilters);
    script.push(Msg::Zoom(-1));

    let mut frames: Vec<(Duration, String)> = Vec::new();
    let mut updates: Vec<(Duration, String)> = Vec::new();
    let mut jobs: Vec<(Duration, String)> = Vec::new();
    let mut queue: std::collections::VecDeque<Msg> = script.into();
    while let Some(msg) = queue.pop_front() {
        let what = format!("{msg:?}");
        let what: String = what.chars().take(40).collect();
        let t = Instant::now();
        let cmd = tui::update::update(&mut app, msg);
        updates.push((t.elapsed(), what.clone()));
        let drawn = term.draw(|f| tui::view::view(&app, f));
        let took = t.elapsed();
        if let Err(e) = drawn {
            match e {}
        }
        frames.push((took, what));
        if let Some(Cmd::Spawn(job)) = cmd {
            let name = format!("{:?}", job.work);
            let t = Instant::now();
            let cancel = Arc::new(AtomicBool::new(false));
            let r = tui::jobs::run(job.work, &cancel, None);
            jobs.push((t.elapsed(), name));
            queue.push_front(Msg::JobDone(job.id, Box::new(r)));
        }
    }

    let mut sorted: Vec<Duration> = frames.iter().map(|f| f.0).collect();
    sorted.sort();
    let pct = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
    let worst = frames
        .iter()
        .max_by_key(|f| f.0)
        .cloned()
        .unwrap_or_default();
    println!("events            {n}");
    println!(
        "build case        {:.2} s (synthetic, in memory)",
        build_case.as_secs_f64()
    );
    println!(
        "build index       {:.2} s (once, on a background thread when a case opens)",
        build_index.as_secs_f64()
    );
    println!("frames            {}", frames.len());
    println!("frame p50         {:.2} ms", pct(0.5).as_secs_f64() * 1e3);
    println!("frame p99         {:.2} ms", pct(0.99).as_secs_f64() * 1e3);
    println!(
        "frame worst       {:.2} ms ({})",
        worst.0.as_secs_f64() * 1e3,
        worst.1
    );
    updates.sort_by_key(|u| u.0);
    let (uw, uwhat) = &updates[updates.len() - 1];
    println!(
        "of which update   p50 {:.2} ms, worst {:.2} ms ({uwhat}); the rest is view + TestBackend",
        updates[updates.len() / 2].0.as_secs_f64() * 1e3,
        uw.as_secs_f64() * 1e3
    );
    for (d, what) in &jobs {
        println!(
            "job {:<40} {:.1} ms (background)",
            what,
            d.as_secs_f64() * 1e3
        );
    }
    let slow: Vec<&(Duration, String)> = frames
        .iter()
        .filter(|f| f.0 > Duration::from_millis(16))
        .collect();
    println!("frames over 16 ms: {}", slow.len());
    for (d, what) in slow.iter().take(10) {
        println!("  {:.2} ms  {what}", d.as_secs_f64() * 1e3);
    }
}

//! Deterministic generator of pm-tui's sample incident datasets.
//!
//! Each dataset under `sample_logs/` is produced by simulating the incident's mechanism (a queue
//! behind one lock, a purge holding locks, two schedulers, a database stall) and writing what
//! each system would have logged, in its real format. The same arguments always produce the
//! same bytes: a seeded SplitMix64 generator, no wall clock, gzip with a fixed level and a zero
//! mtime.

pub mod datasets;
pub mod fmt;
pub mod out;
pub mod rng;
pub mod time;
pub mod traffic;

use std::io;
use std::path::Path;

/// Every dataset, by directory name.
pub const DATASETS: &[&str] = &[
    "btob-session-restore",
    "penguin-karte-trash-purge",
    "booth-payment-spike",
    "batch-double-run",
    "cosminexus-global-session",
];

/// Generate the named datasets (all when `only` is empty) under `out`, with traffic volume
/// multiplied by `scale`. Returns the files written (relative path, size in bytes).
pub fn generate(out: &Path, scale: f64, only: &[String]) -> io::Result<Vec<(String, u64)>> {
    let mut files = out::Files::new(out);
    for name in DATASETS {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        match *name {
            "btob-session-restore" => datasets::btob::generate(&mut files, scale)?,
            "penguin-karte-trash-purge" => datasets::penguin::generate(&mut files, scale)?,
            "booth-payment-spike" => datasets::booth::generate(&mut files, scale)?,
            "batch-double-run" => datasets::batch::generate(&mut files, scale)?,
            "cosminexus-global-session" => datasets::cosminexus::generate(&mut files, scale)?,
            _ => {}
        }
    }
    Ok(files.written)
}

//! `pm-tui tui` and `pm-tui open`: argument glue around [`crate::tui`].

use super::ingest_options;
use crate::cli::{OpenArgs, TuiArgs};
use anyhow::{Result, anyhow};
use pm_tui::config;
use pm_tui::text::escape_terminal;
use std::process::ExitCode;

/// `pm-tui tui CASE`.
pub fn browse(args: TuiArgs) -> Result<ExitCode> {
    crate::tui::browse_case(args.case, args.tz.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// `pm-tui open PATH...`.
pub fn open(args: OpenArgs) -> Result<ExitCode> {
    let (registry, messages) = config::load_registry();
    for m in &messages {
        eprintln!("pm-tui: warning: {}", escape_terminal(m));
    }
    let (zone, zone_source) =
        config::resolve_zone(args.read.tz.as_deref()).map_err(|e| anyhow!(e))?;
    let opts = ingest_options(&args.read, registry, zone, Vec::new())?;
    crate::tui::open_paths(args.paths, opts, zone_source, args.read.tz.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

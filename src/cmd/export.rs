//! `pm-tui export`: the postmortem draft (markdown), the case as JSON, or
//! the events of a window as CSV, to a file or standard output.

use super::{Globals, user_time};
use crate::cli::{ExportArgs, ExportFormat};
use anyhow::{Context, Result, anyhow, bail};
use pm_tui::export::{self, ExportOptions};
use std::io::Write;
use std::process::ExitCode;

/// Run `pm-tui export`.
pub fn run(args: ExportArgs, g: &Globals) -> Result<ExitCode> {
    let case = super::load_case(&args.case, g)?;
    // Without --tz the report uses the zone the case was ingested with, so
    // the same case gives the same report on every machine.
    let zone = match args.tz.as_deref() {
        Some(z) => z.parse().map_err(|e| anyhow!("--tz: {e}"))?,
        None => case
            .meta
            .zone
            .parse()
            .or_else(|_| super::display_zone(None))
            .map_err(|e| anyhow!("{e}"))?,
    };
    let mut opts = ExportOptions::new(zone);
    opts.since = user_time(args.since.as_deref(), &zone, "--since")?;
    opts.until = user_time(args.until.as_deref(), &zone, "--until")?;
    if let (Some(a), Some(b)) = (opts.since, opts.until) {
        if a >= b {
            bail!("--since must be before --until");
        }
    }
    opts.max_events = args.max_events;
    opts.redact = args.redact;
    opts.redact_patterns = args.redact_patterns.clone();
    let mut bytes = Vec::new();
    match args.format {
        ExportFormat::Md => {
            bytes = export::markdown(&case, &opts)
                .map_err(|e| anyhow!(e))?
                .into_bytes()
        }
        ExportFormat::Json => {
            bytes = export::json(&case, &opts)
                .map_err(|e| anyhow!(e))?
                .into_bytes()
        }
        ExportFormat::Csv => export::csv_to(&case, &opts, &mut bytes).map_err(|e| anyhow!(e))?,
    }
    match &args.output {
        Some(path) => {
            pm_tui::model::case::write_atomic(path, &bytes)
                .with_context(|| format!("writing {}", path.display()))?;
            if !g.quiet {
                eprintln!(
                    "pm-tui: wrote {} ({} bytes, times in {zone})",
                    path.display(),
                    bytes.len()
                );
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

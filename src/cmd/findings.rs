//! `pm-tui findings`: the ranked findings of a case.

use super::{Globals, display_zone};
use crate::cli::FindingsArgs;
use crate::style::local_time;
use anyhow::{Result, anyhow};
use pm_tui::model::FindingKind;
use pm_tui::text::{escape_terminal, human_ms};
use std::io::{BufWriter, Write};
use std::process::ExitCode;

/// Run `pm-tui findings`.
pub fn run(args: FindingsArgs, g: &Globals) -> Result<ExitCode> {
    let mut kinds = Vec::new();
    for v in args.kind.iter().flat_map(|v| v.split(',')) {
        kinds.push(FindingKind::from_name(v.trim()).ok_or_else(|| {
            let all: Vec<&str> = FindingKind::ALL.iter().map(|k| k.as_str()).collect();
            anyhow!("unknown finding kind {v:?}; kinds are: {}", all.join(", "))
        })?);
    }
    let zone = display_zone(args.tz.as_deref())?;
    let case = super::load_case(&args.case, g)?;
    let selected: Vec<_> = case
        .findings
        .iter()
        .filter(|f| kinds.is_empty() || kinds.contains(&f.kind))
        .collect();
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &selected)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let p = &g.paint;
    if selected.is_empty() {
        writeln!(out, "No findings in {}.", args.case.display())?;
        return Ok(ExitCode::SUCCESS);
    }
    for f in selected {
        let span = human_ms((f.end - f.start) as f64 / 1000.0);
        writeln!(
            out,
            "{} {} {:.2}  {} → {} ({span}, {})",
            p.bold(&format!("{:<4}", f.id)),
            p.cyan(&format!("{:<14}", f.kind.as_str())),
            f.score,
            local_time(f.start, &zone),
            local_time(f.end, &zone),
            zone.abbreviation_at(f.start)
        )?;
        writeln!(out, "     {}", escape_terminal(&f.summary))?;
        if g.verbose > 0 {
            for (k, v) in &f.attrs {
                writeln!(
                    out,
                    "     {}",
                    p.dim(&format!("{k}: {}", escape_terminal(&v.to_string())))
                )?;
            }
            writeln!(
                out,
                "     {}",
                p.dim(&format!("evidence: {} events", f.evidence.len()))
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

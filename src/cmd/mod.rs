//! One module per subcommand; each turns arguments into library calls and
//! prints the result.

pub mod events;
pub mod export;
pub mod findings;
pub mod formats;
pub mod ingest;
pub mod tui;

use crate::cli::{Cli, ReadArgs};
use crate::style::Paint;
use anyhow::{Context, Result, anyhow, bail};
use clap::CommandFactory;
use pm_parsers::Registry;
use pm_parsers::time::{Zone, parse_user_time};
use pm_tui::ingest::{FormatOverride, IngestOptions};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Options every command sees.
pub struct Globals {
    /// `-q`.
    pub quiet: bool,
    /// `-v` count.
    pub verbose: u8,
    /// Colours.
    pub paint: Paint,
}

/// Parse a `--since/--until` value in `zone`.
pub fn user_time(s: Option<&str>, zone: &Zone, flag: &str) -> Result<Option<i64>> {
    match s {
        None => Ok(None),
        Some(v) => parse_user_time(v, zone).map(Some).ok_or_else(|| {
            anyhow!("{flag} {v:?}: not a time (use RFC 3339 like 2023-06-01T14:50:00+09:00, or 2023-06-01 14:50 in --tz)")
        }),
    }
}

/// Open the case in `dir`, saying on stderr (unless `-q`) when its column
/// file had to be set aside.
pub fn load_case(dir: &std::path::Path, g: &Globals) -> Result<pm_tui::model::Case> {
    let (case, note) = pm_tui::model::Case::load_noting(dir)?;
    if let Some(note) = note.filter(|_| !g.quiet) {
        eprintln!("pm-tui: note: {}", pm_tui::text::escape_terminal(&note));
    }
    Ok(case)
}

/// The display zone: `--tz`, else TZ, else the system's.
pub fn display_zone(tz: Option<&str>) -> Result<Zone> {
    pm_tui::config::resolve_zone(tz)
        .map(|(z, _)| z)
        .map_err(|e| anyhow!(e))
}

/// Build ingest options from the reading arguments.
pub fn ingest_options(
    read: &ReadArgs,
    registry: Registry,
    zone: Zone,
    skip: Vec<PathBuf>,
) -> Result<IngestOptions> {
    let registry = Arc::new(registry);
    let mut overrides = Vec::new();
    for f in &read.formats {
        let (glob, name) = f.rsplit_once('=').ok_or_else(|| {
            anyhow!("--format {f:?}: expected GLOB=FORMAT, e.g. 'logs/*.log=generic'")
        })?;
        let format = registry.find(name).ok_or_else(|| {
            anyhow!("--format {f:?}: unknown format {name:?} (see `pm-tui formats`)")
        })?;
        let glob = globset::GlobBuilder::new(glob)
            .literal_separator(false)
            .build()
            .with_context(|| format!("--format {f:?}: bad glob"))?
            .compile_matcher();
        overrides.push(FormatOverride { glob, format });
    }
    let mut opts = IngestOptions::new(registry, zone);
    opts.overrides = overrides;
    opts.year = read.year;
    opts.since = user_time(read.since.as_deref(), &zone, "--since")?;
    opts.until = user_time(read.until.as_deref(), &zone, "--until")?;
    opts.snapshot_time = user_time(read.snapshot_time.as_deref(), &zone, "--snapshot-time")?;
    opts.host_from_path = !read.no_host_from_path;
    opts.skip_dirs = skip;
    for s in &read.skew {
        opts.skew
            .push(pm_tui::ingest::parse_skew(s).map_err(|e| anyhow!("--skew {e}"))?);
    }
    if let (Some(a), Some(b)) = (opts.since, opts.until) {
        if a >= b {
            bail!("--since must be before --until");
        }
    }
    Ok(opts)
}

/// `pm-tui completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "pm-tui", &mut out);
    Ok(ExitCode::SUCCESS)
}

/// `pm-tui man`.
pub fn man() -> Result<ExitCode> {
    let man = clap_mangen::Man::new(Cli::command());
    let mut out = std::io::stdout().lock();
    man.render(&mut out)?;
    Ok(ExitCode::SUCCESS)
}

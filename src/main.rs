//! The `pm-tui` command: parse arguments, dispatch to one function per
//! subcommand, print errors as one line plus their causes.

mod cli;
mod cmd;
mod style;
mod tui;

use clap::Parser;
use std::process::ExitCode;

/// Whether `e` is a write to a closed pipe (`pm-tui events ... | head`):
/// the reader has all it wanted, so pm-tui stops quietly. serde_json wraps
/// the I/O error without naming it as its source, so it is asked too.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = c
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| c.downcast_ref::<serde_json::Error>()?.io_error_kind());
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    pm_tui::memory::set_allocator_policy();
    pm_tui::fault::guard_mapped_files();
    let cli = cli::Cli::parse();
    let g = cmd::Globals {
        quiet: cli.quiet,
        verbose: cli.verbose,
        paint: style::Paint::new(cli.color),
    };
    let result = match cli.command {
        cli::Command::Ingest(a) => cmd::ingest::run(a, &g),
        cli::Command::Findings(a) => cmd::findings::run(a, &g),
        cli::Command::Events(a) => cmd::events::run(a, &g),
        cli::Command::Export(a) => cmd::export::run(a, &g),
        cli::Command::Tui(a) => cmd::tui::browse(a),
        cli::Command::Open(a) => cmd::tui::open(a),
        cli::Command::Formats(a) => cmd::formats::run(a, &g),
        cli::Command::Completions { shell } => cmd::completions(shell),
        cli::Command::Man => cmd::man(),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pm-tui: error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(1)
        }
    }
}

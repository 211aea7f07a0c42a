//! `pm-tui formats`: what pm-tui can read, and checking a user's format file.

use super::Globals;
use crate::cli::{FormatsAction, FormatsArgs};
use anyhow::{Context, Result};
use pm_parsers::decl::DeclFormat;
use pm_parsers::registry::Origin;
use pm_tui::config;
use pm_tui::text::escape_terminal;
use serde_json::json;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

/// Run `pm-tui formats`.
pub fn run(args: FormatsArgs, g: &Globals) -> Result<ExitCode> {
    if let Some(FormatsAction::Check { file }) = &args.action {
        return check(file, g);
    }
    let (registry, messages) = config::load_registry();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let origin = |o: &Origin| match o {
        Origin::Builtin => "built-in".to_string(),
        Origin::BuiltinToml(p) => format!("built-in ({p})"),
        Origin::User(p) => p.clone(),
    };
    if args.json {
        let list: Vec<_> = registry
            .entries()
            .iter()
            .map(|e| {
                json!({
                    "name": e.format.name(),
                    "description": e.format.description(),
                    "origin": origin(&e.origin),
                    "user": matches!(e.origin, Origin::User(_)),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "formats": list, "problems": messages }))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let p = &g.paint;
    for e in registry.entries() {
        writeln!(
            out,
            "{:<22} {}",
            p.bold(e.format.name()),
            e.format.description()
        )?;
        if !matches!(e.origin, Origin::Builtin) {
            writeln!(out, "{:<22} {}", "", p.dim(&origin(&e.origin)))?;
        }
    }
    match config::user_formats_dir() {
        Some(d) => writeln!(
            out,
            "\n{}",
            p.dim(&format!(
                "User formats are read from {}/*.toml",
                d.display()
            ))
        )?,
        None => writeln!(out, "\n{}", p.dim("No user configuration directory found."))?,
    }
    for m in messages {
        writeln!(
            out,
            "{}",
            p.yellow(&format!("warning: {}", escape_terminal(&m)))
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn check(file: &std::path::Path, g: &Globals) -> Result<ExitCode> {
    let src =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let shown = file.display().to_string();
    let p = &g.paint;
    match DeclFormat::from_toml(&src, &shown) {
        Ok((f, warnings)) => {
            for w in &warnings {
                eprintln!("{}", p.yellow(&w.to_string()));
            }
            println!(
                "{}: format `{}` is valid; its samples parse as declared",
                shown,
                pm_parsers::Format::name(&f)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}", p.red(&format!("error: {e}")));
            Ok(ExitCode::from(1))
        }
    }
}

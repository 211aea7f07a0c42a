//! `pm-tui events`: the events of a case, filtered.

use super::{Globals, display_zone, user_time};
use crate::cli::EventsArgs;
use crate::style::local_time;
use anyhow::{Context, Result, anyhow};
use pm_parsers::Kind;
use pm_tui::model::SymCol;
use pm_tui::model::view::event_json;
use pm_tui::text::{escape_terminal, truncate_chars};
use std::io::{BufWriter, Write};
use std::process::ExitCode;

/// Parse `--kind` values (also comma-separated).
pub fn parse_kinds(values: &[String]) -> Result<Vec<Kind>> {
    let mut out = Vec::new();
    for v in values.iter().flat_map(|v| v.split(',')) {
        let k = Kind::from_name(v.trim()).ok_or_else(|| {
            let all: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
            anyhow!("unknown event kind {v:?}; kinds are: {}", all.join(", "))
        })?;
        out.push(k);
    }
    Ok(out)
}

/// Run `pm-tui events`.
pub fn run(args: EventsArgs, g: &Globals) -> Result<ExitCode> {
    let kinds = parse_kinds(&args.kind)?;
    let zone = display_zone(args.tz.as_deref())?;
    let since = user_time(args.since.as_deref(), &zone, "--since")?;
    let until = user_time(args.until.as_deref(), &zone, "--until")?;
    let grep = match &args.grep {
        Some(r) => Some(regex::Regex::new(r).with_context(|| format!("--grep {r:?}"))?),
        None => None,
    };
    let case = super::load_case(&args.case, g)?;
    let t = &case.timeline;
    let sources = &case.meta.sources;
    let host = args.host.as_deref().and_then(|h| t.strings().lookup(h));
    let start = since.map(|s| t.lower_bound(s)).unwrap_or(0);
    let end = until.map(|u| t.lower_bound(u)).unwrap_or(t.len());
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut shown = 0usize;
    let p = &g.paint;
    for i in t.rows_released_behind(start..end.max(start)) {
        if !kinds.is_empty() && !kinds.contains(&t.kind(i)) {
            continue;
        }
        if args.host.is_some() && (host.is_none() || t.sym(SymCol::Host, i) != host.unwrap_or(0)) {
            continue;
        }
        if let Some(s) = &args.source {
            let path = sources
                .get(t.source(i) as usize)
                .map(|s| s.path.as_str())
                .unwrap_or("");
            if !path.contains(s.as_str()) {
                continue;
            }
        }
        if let Some(re) = &grep {
            let hit = re.is_match(t.message(i))
                || t.statement(i).is_some_and(|s| re.is_match(s))
                || t.path(i).is_some_and(|s| re.is_match(s));
            if !hit {
                continue;
            }
        }
        if args.json {
            serde_json::to_writer(&mut out, &event_json(t, i, sources))?;
            writeln!(out)?;
        } else {
            let level = t.level(i).map(|l| l.as_str()).unwrap_or("");
            let host = t.str(SymCol::Host, i).unwrap_or("-");
            let summary = t.summary(i);
            let summary = escape_terminal(&summary);
            let line = format!(
                "{} {:<10} {:<13} {:<6} {}",
                p.dim(&local_time(t.ts(i), &zone)),
                truncate_chars(&escape_terminal(host), 10),
                t.kind(i).as_str(),
                level,
                truncate_chars(&summary, 160)
            );
            writeln!(out, "{line}")?;
        }
        shown += 1;
        if args.limit.is_some_and(|l| shown >= l) {
            break;
        }
    }
    if !args.json && !g.quiet && shown == 0 {
        writeln!(out, "no events match")?;
    }
    out.flush()?;
    if !args.json && !g.quiet && shown > 0 && !t.is_empty() {
        eprintln!(
            "{}",
            p.dim(&format!(
                "{shown} events; times in {zone} ({})",
                zone.abbreviation_at(t.ts(0))
            ))
        );
    }
    Ok(ExitCode::SUCCESS)
}

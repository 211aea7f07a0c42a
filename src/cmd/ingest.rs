//! `pm-tui ingest`: read logs into a case and say what was found.

use super::{Globals, ingest_options};
use crate::cli::IngestArgs;
use crate::style::{Bar, local_time};
use anyhow::{Result, anyhow};
use pm_parsers::time::Zone;
use pm_tui::model::{Case, Finding, SourceReport, StagedCase, Timeline};
use pm_tui::text::{escape_terminal, human_ms, thousands};
use pm_tui::{analyze, config, ingest};
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use unicode_width::UnicodeWidthStr;

/// Run `pm-tui ingest`.
pub fn run(args: IngestArgs, g: &Globals) -> Result<ExitCode> {
    let started = Instant::now();
    let (registry, messages) = config::load_registry();
    if !g.quiet {
        for m in &messages {
            eprintln!("pm-tui: warning: {}", escape_terminal(m));
        }
    }
    let (zone, zone_source) =
        config::resolve_zone(args.read.tz.as_deref()).map_err(|e| anyhow!(e))?;
    let mut opts = ingest_options(&args.read, registry, zone, vec![args.output.clone()])?;
    opts.spill_beside(&args.output);
    let interrupted = on_interrupt();
    opts.cancel = Some(interrupted.clone());
    let bar = Bar::new(!g.quiet && !args.json);
    let out = ingest::run(&args.paths, &opts, bar.clone()).map_err(|e| anyhow!(e))?;
    bar.finish();
    if interrupted.load(Ordering::Relaxed) {
        return Ok(interrupted_exit(&args.output));
    }
    let read_ms = ms_since(started);
    let timeline_bytes = out.timeline.heap_bytes();
    let spilled_bytes = out.timeline.mapped_bytes();
    let strings = out.timeline.strings();
    let strings_bytes = (strings.len(), strings.heap_bytes());
    let nothing = out.timeline.is_empty();
    let mut staged = if nothing {
        None
    } else {
        let staged = StagedCase::begin(&args.output)?;
        Some(if args.no_column_file {
            staged.without_column_file()
        } else {
            staged
        })
    };
    let write_started = Instant::now();
    let analyse = |t: &Timeline| {
        let started = Instant::now();
        let findings = analyze::run(t, &out.sources, &analyze::AnalyzeConfig::default());
        (findings, ms_since(started))
    };
    // The column file first, then the analysis beside the Parquet write
    // (`StagedCase::write_beside`).
    let (timeline, (findings, analyze_ms), written) = match staged.as_mut() {
        Some(st) => match st.write_beside(out.timeline, &interrupted, analyse) {
            Ok((timeline, analysed, written)) => (timeline, analysed, Some(written)),
            Err(_) => {
                if let Some(st) = staged.take() {
                    st.abandon();
                }
                return Ok(interrupted_exit(&args.output));
            }
        },
        None => {
            let analysed = analyse(&out.timeline);
            (out.timeline, analysed, None)
        }
    };
    let case = Case::new(
        timeline,
        out.sources,
        findings,
        &zone.to_string(),
        zone_source,
        args.paths.iter().map(|p| p.display().to_string()).collect(),
    );
    let mut write_ms = 0.0;
    if let (Some(staged), Some(written)) = (staged, written) {
        let committed = match written {
            Ok(()) => staged.commit(&case, &interrupted),
            Err(e) => {
                staged.abandon();
                Err(e)
            }
        };
        match committed {
            Ok(()) => {}
            Err(_) if interrupted.load(Ordering::Relaxed) => {
                return Ok(interrupted_exit(&args.output));
            }
            Err(e) => return Err(e),
        }
        write_ms = ms_since(write_started);
    } else if interrupted.load(Ordering::Relaxed) {
        // Once committed, the case is complete: a late Ctrl-C does not
        // make it "not written".
        return Ok(interrupted_exit(&args.output));
    }
    let phases = Phases {
        read_ms,
        analyze_ms,
        write_ms,
        timeline_bytes,
        spilled_bytes,
        strings_bytes,
    };
    let mut stdout = std::io::stdout().lock();
    if args.json {
        let v = json!({
            "case": args.output.display().to_string(),
            "events": case.meta.events,
            "findings": case.findings.len(),
            "first_ts": case.meta.first_ts,
            "last_ts": case.meta.last_ts,
            "zone": case.meta.zone,
            "zone_source": case.meta.zone_source,
            "written": !nothing,
            "timings_ms": {
                "read": phases.read_ms.round(),
                "analyze": phases.analyze_ms.round(),
                "write": phases.write_ms.round(),
            },
            "sources": case.meta.sources,
        });
        writeln!(stdout, "{}", serde_json::to_string_pretty(&v)?)?;
    } else if !g.quiet {
        report(
            &mut stdout,
            &case,
            &args,
            g,
            zone,
            zone_source,
            ms_since(started),
            &phases,
        )?;
    }
    if nothing {
        eprintln!(
            "pm-tui: error: nothing could be ingested: no events were read from the given paths"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Catch Ctrl-C (and SIGTERM): the first sets the returned flag, which
/// stops reading and writing; a second one ends the process at once.
fn on_interrupt() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Order matters: the shutdown hook runs first and sees the flag of
        // the previous signal.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, flag.clone());
        let _ = signal_hook::flag::register(sig, flag.clone());
    }
    flag
}

fn interrupted_exit(output: &std::path::Path) -> ExitCode {
    let previous = if pm_tui::model::case::is_case_dir(output) {
        format!("the case in {} is unchanged", output.display())
    } else {
        format!("nothing was written to {}", output.display())
    };
    eprintln!("pm-tui: interrupted: no case written; {previous}");
    ExitCode::from(130)
}

fn fit_left(s: &str, width: usize) -> String {
    let w = s.width();
    if w <= width {
        return format!("{s}{}", " ".repeat(width - w));
    }
    let mut out = String::from("…");
    let mut acc = 1;
    let mut tail: Vec<char> = Vec::new();
    for c in s.chars().rev() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if acc + cw > width {
            break;
        }
        acc += cw;
        tail.push(c);
    }
    out.extend(tail.into_iter().rev());
    format!("{out}{}", " ".repeat(width.saturating_sub(acc)))
}

/// Where the time of an ingest went, shown with `-v`.
struct Phases {
    /// Walking, decoding, parsing and merging the timeline.
    read_ms: f64,
    /// The detectors and the correlation, beside the Parquet write.
    analyze_ms: f64,
    /// Writing the case: the column file first, then the Parquet files
    /// beside the analysis, then the findings and `case.json`.
    write_ms: f64,
    /// Memory held by the timeline's columns.
    timeline_bytes: usize,
    /// Message text that waited on disk instead (see `model/spill.rs`).
    spilled_bytes: usize,
    /// Interned strings: how many, and the memory they hold.
    strings_bytes: (usize, usize),
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

// One argument per thing the report shows; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
fn report(
    w: &mut impl Write,
    case: &Case,
    args: &IngestArgs,
    g: &Globals,
    zone: Zone,
    zone_source: &str,
    elapsed_ms: f64,
    phases: &Phases,
) -> Result<()> {
    let p = &g.paint;
    let m = &case.meta;
    let total_lines: u64 = m.sources.iter().map(|s| s.lines).sum();
    let bytes: u64 = m.sources.iter().map(|s| s.size).sum();
    let range = match (&m.first_ts, case.timeline.len()) {
        (Some(_), n) if n > 0 => {
            let a = case.timeline.ts(0);
            let b = case.timeline.ts(n - 1);
            format!(
                "{} – {} {}",
                local_time(a, &zone),
                local_time(b, &zone),
                zone.abbreviation_at(a)
            )
        }
        _ => "no events".into(),
    };
    writeln!(
        w,
        "{} {} files, {} MB, {} lines → {} events in {}",
        p.bold("pm-tui ingest:"),
        m.sources.len(),
        thousands(bytes >> 20),
        thousands(total_lines),
        p.bold(&thousands(m.events)),
        human_ms(elapsed_ms)
    )?;
    writeln!(w, "  time range  {range}")?;
    if g.verbose > 0 {
        writeln!(
            w,
            "  phases      read and parse {} · case written {} (the column file, then Parquet beside the findings: {})",
            human_ms(phases.read_ms),
            human_ms(phases.write_ms),
            human_ms(phases.analyze_ms)
        )?;
        // A large file's text and columns wait on disk while it is parsed
        // (temporary files, read in place): say how much of the timeline
        // was where.
        let all = phases.timeline_bytes + phases.spilled_bytes;
        let placed = match phases.spilled_bytes {
            0 => " in memory".to_string(),
            disk => format!(
                ": {} MB in memory, {} MB in temporary files on disk",
                thousands((phases.timeline_bytes >> 20) as u64),
                thousands((disk >> 20) as u64)
            ),
        };
        writeln!(
            w,
            "  memory      timeline {} MB ({} bytes per event){placed} · {} interned strings {} MB",
            thousands((all >> 20) as u64),
            all / (m.events.max(1) as usize),
            thousands(phases.strings_bytes.0 as u64),
            thousands((phases.strings_bytes.1 >> 20) as u64),
        )?;
        let mb = |b: u64| thousands(b.div_ceil(1 << 20));
        let usage = pm_tui::model::case::disk_usage(&args.output);
        let disk = match usage.column_file {
            Some(cols) => {
                use pm_tui::model::case::{COLUMN_FILE, COLUMN_TEXT_FILE};
                let (files, them) = match usage.text_file {
                    true => (format!("{COLUMN_FILE} and {COLUMN_TEXT_FILE}"), "them"),
                    false => (COLUMN_FILE.to_string(), "it"),
                };
                format!(
                    "case {} MB: {files} {} MB (read in place on reopening; delete {them}, or ingest with --no-column-file, to save disk) · Parquet and JSON {} MB",
                    mb(cols + usage.rest),
                    mb(cols),
                    mb(usage.rest)
                )
            }
            None => format!(
                "case {} MB (no {}: reopening decodes the Parquet files)",
                mb(usage.rest),
                pm_tui::model::case::COLUMN_FILE
            ),
        };
        if m.events > 0 {
            writeln!(w, "  disk        {disk}")?;
        }
    }
    let zone_note = match zone_source {
        "--tz" => "from --tz".to_string(),
        "TZ" => "from the TZ variable; use --tz to change".to_string(),
        "system" => "the system zone; use --tz to change".to_string(),
        _ => "no zone found; use --tz".to_string(),
    };
    writeln!(
        w,
        "  zone        timestamps without a zone read as {zone} ({zone_note})"
    )?;
    writeln!(w)?;
    let width = m
        .sources
        .iter()
        .map(|s| s.path.width())
        .max()
        .unwrap_or(10)
        .clamp(10, 48);
    writeln!(
        w,
        "  {}",
        p.dim(&format!(
            "{} {:<18} {:<10} {:>10} {:>7} {:>8}",
            fit_left("FILE", width),
            "FORMAT",
            "ENCODING",
            "LINES",
            "READ",
            "SKIPPED"
        ))
    )?;
    for s in &m.sources {
        source_line(w, s, width, g)?;
    }
    writeln!(w)?;
    writeln!(
        w,
        "Case written to {}.",
        p.bold(&args.output.display().to_string())
    )?;
    top_findings(w, &case.findings, args.top, g, &zone)?;
    let c = args.output.display();
    writeln!(
        w,
        "{}",
        p.dim(&format!(
            "Next: pm-tui findings {c}  ·  pm-tui events {c} --kind lock_wait  ·  pm-tui tui {c}"
        ))
    )?;
    Ok(())
}

fn source_line(w: &mut impl Write, s: &SourceReport, width: usize, g: &Globals) -> Result<()> {
    let p = &g.paint;
    let path = escape_terminal(&s.path);
    match (&s.format, &s.error) {
        (None, Some(err)) if s.lines == 0 => {
            writeln!(
                w,
                "  {} {}",
                fit_left(&path, width),
                p.red(&format!("! {}", escape_terminal(err)))
            )?;
            return Ok(());
        }
        (None, _) if s.lines == 0 => {
            writeln!(
                w,
                "  {} {}",
                fit_left(&path, width),
                p.dim(&s.format_reason)
            )?;
            return Ok(());
        }
        _ => {}
    }
    let share = s.accounted_share() * 100.0;
    let read = format!("{share:.1}%");
    let read = if share < 95.0 { p.yellow(&read) } else { read };
    let format = s.format.clone().unwrap_or_else(|| "?".into());
    writeln!(
        w,
        "  {} {:<18} {:<10} {:>10} {:>7} {:>8}",
        fit_left(&path, width),
        format,
        s.encoding.clone().unwrap_or_default(),
        thousands(s.lines),
        read,
        thousands(s.skipped)
    )?;
    if s.format.is_none() {
        writeln!(
            w,
            "  {} {}",
            " ".repeat(width),
            p.yellow(&format!("? {}", s.format_reason))
        )?;
    }
    if let Some(err) = &s.error {
        writeln!(
            w,
            "  {} {}",
            " ".repeat(width),
            p.red(&format!("! {}", escape_terminal(err)))
        )?;
    }
    for note in &s.notes {
        writeln!(
            w,
            "  {} {}",
            " ".repeat(width),
            p.dim(&escape_terminal(note))
        )?;
    }
    if s.invalid_sequences > 0 {
        writeln!(
            w,
            "  {} {}",
            " ".repeat(width),
            p.dim(&format!(
                "{} byte sequences invalid in {} were replaced",
                s.invalid_sequences,
                s.encoding.as_deref().unwrap_or("?")
            ))
        )?;
    }
    if g.verbose > 0 && s.skipped > 0 {
        for (reason, n) in &s.skip_reasons {
            writeln!(
                w,
                "  {} {}",
                " ".repeat(width),
                p.dim(&format!("skipped {n}: {reason}"))
            )?;
        }
        for ex in &s.skipped_examples {
            let text = escape_terminal(&ex.text);
            let at = if ex.line > 0 {
                format!("line {}", ex.line)
            } else {
                "lines".into()
            };
            writeln!(
                w,
                "  {} {}",
                " ".repeat(width),
                p.dim(&format!("  {at}: {text}"))
            )?;
        }
    }
    Ok(())
}

fn top_findings(
    w: &mut impl Write,
    findings: &[Finding],
    top: usize,
    g: &Globals,
    zone: &Zone,
) -> Result<()> {
    let p = &g.paint;
    if findings.is_empty() {
        writeln!(
            w,
            "No findings: no lock convoys, deadlocks, duplicate runs, latency spikes or error bursts detected."
        )?;
        return Ok(());
    }
    writeln!(w)?;
    writeln!(
        w,
        "{}",
        p.bold(&format!("Top findings ({} in all):", findings.len()))
    )?;
    for f in findings.iter().take(top) {
        writeln!(
            w,
            "  {:<4} {:<14} {}  {}",
            p.cyan(&f.id),
            f.kind.as_str(),
            p.dim(&local_time(f.start, zone)),
            escape_terminal(&f.summary)
        )?;
    }
    Ok(())
}

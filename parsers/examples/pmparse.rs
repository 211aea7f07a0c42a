//! Developer tool: parse one file with pm-parsers and show what happened.
//!
//! ```text
//! cargo run -p pm-parsers --example pmparse -- FILE [--format NAME] [--tz ZONE] [--events] [--scores] [--snapshot-time T]
//! ```
//! Prints the sniffed format (or uses `--format`), the encoding, the line
//! accounting with skip reasons and examples, event counts by kind, and with
//! `--events` every event as a JSON line. `.gz` files are decompressed.

use pm_parsers::decode::{Content, TextReader, encoding_label, sniff_content};
use pm_parsers::registry::sample_lines;
use pm_parsers::time::{Resolver, Zone};
use pm_parsers::{Event, Registry, Sample, SourceCtx, parse_stream};
use std::collections::BTreeMap;
use std::io::Read;

fn main() {
    if let Err(e) = run() {
        eprintln!("pmparse: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut file = None;
    let mut format = None;
    let mut zone = Zone::utc();
    let mut show_events = false;
    let mut show_scores = false;
    let mut snapshot = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--format" => format = args.next(),
            "--tz" => zone = args.next().ok_or("--tz needs a zone")?.parse()?,
            "--events" => show_events = true,
            "--scores" => show_scores = true,
            "--snapshot-time" => snapshot = args.next(),
            _ => file = Some(a),
        }
    }
    let path = file.ok_or(
        "usage: pmparse FILE [--format NAME] [--tz ZONE] [--events] [--scores] [--snapshot-time T]",
    )?;
    let raw = std::fs::read(&path)?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut out)?;
        out
    } else {
        raw
    };
    let (encoding, bom) = match sniff_content(&bytes[..bytes.len().min(64 * 1024)]) {
        Content::Text { encoding, bom } => (encoding, bom),
        Content::Binary { why } => return Err(format!("binary file: {why}").into()),
    };
    let (head, _, _) = encoding.decode(&bytes[bom..bytes.len().min(64 * 1024)]);
    let lines = sample_lines(&head);
    let registry = Registry::builtin();
    let file_name = std::path::Path::new(&path)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    let sniffed = registry.sniff(&Sample {
        lines: &lines,
        file_name,
    });
    if show_scores {
        for (i, s) in &sniffed.scores {
            if let Some(e) = registry.entry(*i) {
                println!("score {:.3} {}", s, e.format.name());
            }
        }
    }
    let idx = match &format {
        Some(name) => registry
            .find(name)
            .ok_or_else(|| format!("unknown format {name}"))?,
        None => sniffed.best.ok_or("no format recognises this file")?,
    };
    let entry = registry.entry(idx).ok_or("no such format")?;
    let mut ctx = SourceCtx::new(Resolver::new(zone), path.clone());
    if let Some(t) = &snapshot {
        ctx.snapshot_time =
            Some(pm_parsers::time::parse_user_time(t, &zone).ok_or("--snapshot-time: not a time")?);
    }
    let mut parser = entry.format.parser(&ctx);
    let mut events: Vec<Event<'static>> = Vec::new();
    let reader = TextReader::new(&bytes[..], encoding, bom)?;
    let (acct, err) = parse_stream(
        reader,
        parser.as_mut(),
        &mut events,
        pm_parsers::split::DEFAULT_MAX_LINE,
        &mut |_| {},
    );
    if let Some(e) = err {
        println!("read error: {e}");
    }
    println!("file      {path}");
    println!("format    {}", entry.format.name());
    println!("encoding  {}", encoding_label(encoding));
    let pct = |n: u64| {
        if acct.lines == 0 {
            0.0
        } else {
            100.0 * n as f64 / acct.lines as f64
        }
    };
    println!(
        "lines     {}  parsed {} ({:.1}%)  continuation {} ({:.1}%)  skipped {} ({:.1}%)  accounted {:.1}%",
        acct.lines,
        acct.parsed,
        pct(acct.parsed),
        acct.continuation,
        pct(acct.continuation),
        acct.skipped,
        pct(acct.skipped),
        pct(acct.parsed + acct.continuation)
    );
    for (reason, n) in &acct.skip_reasons {
        println!("  skipped {n:>6}  {reason}");
    }
    for (line, text, reason) in &acct.skipped_examples {
        println!("  e.g. line {line} ({reason}): {text}");
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &events {
        *kinds.entry(e.kind.as_str()).or_default() += 1;
    }
    println!("events    {} {:?}", events.len(), kinds);
    if show_events {
        for e in &events {
            println!("{}", serde_json::to_string(e)?);
        }
    }
    Ok(())
}

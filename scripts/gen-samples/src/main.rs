//! `gen-samples --out sample_logs [--scale N] [--only NAME]...`

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: gen-samples --out DIR [--scale N] [--only NAME]...\ndatasets: {}",
        gen_samples::DATASETS.join(", ")
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut out: Option<PathBuf> = None;
    let mut scale = 1.0f64;
    let mut only: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--scale" => match args.next().and_then(|s| s.parse().ok()) {
                Some(s) if s > 0.0 => scale = s,
                _ => return usage(),
            },
            "--only" => match args.next() {
                Some(n) if gen_samples::DATASETS.contains(&n.as_str()) => only.push(n),
                _ => return usage(),
            },
            "-h" | "--help" => return usage(),
            _ => return usage(),
        }
    }
    let Some(out) = out else { return usage() };
    match gen_samples::generate(&out, scale, &only) {
        Ok(written) => {
            let total: u64 = written.iter().map(|w| w.1).sum();
            for (path, size) in &written {
                println!("{size:>10}  {path}");
            }
            println!("{total:>10}  total ({} files)", written.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-samples: {e}");
            ExitCode::FAILURE
        }
    }
}

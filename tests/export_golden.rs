//! Golden tests of the markdown export: ingest each sample dataset with
//! `--tz Asia/Tokyo` semantics, analyse it, render the postmortem draft and
//! compare it byte for byte with `tests/golden/export/<name>.md`.
//!
//! The reports follow the analyzers: when findings change, regenerate with
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test -p pm-tui --test export_golden
//! ```
//!
//! and read the diff as a reviewer of the report would.

use pm_parsers::time::Zone;
use pm_tui::analyze::{self, AnalyzeConfig};
use pm_tui::export::{self, ExportOptions};
use pm_tui::ingest::{self, IngestOptions, NoProgress};
use pm_tui::model::Case;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The case `pm-tui ingest sample_logs/NAME --tz Asia/Tokyo` would write,
/// with paths relative to the repository and a fixed creation stamp.
pub fn sample_case(name: &str) -> Case {
    let registry = Arc::new(pm_parsers::Registry::builtin());
    let zone: Zone = "Asia/Tokyo".parse().expect("zone");
    let opts = IngestOptions::new(registry, zone);
    let dir = root().join("sample_logs").join(name);
    let out = ingest::run(&[dir], &opts, Arc::new(NoProgress)).expect("ingest");
    // Paths relative to the repository before the analysis sees them, so
    // the findings (which name their source files) do not depend on where
    // the checkout lives.
    let prefix = format!("{}/", root().display());
    let mut sources = out.sources;
    for s in &mut sources {
        s.path = s.path.strip_prefix(&prefix).unwrap_or(&s.path).to_string();
        s.group = s
            .group
            .strip_prefix(&prefix)
            .unwrap_or(&s.group)
            .to_string();
    }
    let findings = analyze::run(&out.timeline, &sources, &AnalyzeConfig::default());
    let mut case = Case::new(
        out.timeline,
        sources,
        findings,
        "Asia/Tokyo",
        "--tz",
        vec![format!("sample_logs/{name}")],
    );
    case.meta.created_by = "pm-tui".into();
    case.meta.created = "2026-01-01T00:00:00.000Z".into();
    case
}

fn check(name: &str) {
    let case = sample_case(name);
    let opts = ExportOptions::new("Asia/Tokyo".parse().expect("zone"));
    let md = export::markdown(&case, &opts).expect("renders");
    assert_eq!(
        md,
        export::markdown(&case, &opts).expect("renders"),
        "same case, same bytes"
    );
    let path = root()
        .join("tests/golden/export")
        .join(format!("{name}.md"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).expect("mkdir");
        std::fs::write(&path, &md).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `UPDATE_GOLDEN=1 cargo test -p pm-tui --test export_golden`",
            path.display()
        )
    });
    if md != want {
        let got = path.with_extension("md.new");
        let _ = std::fs::write(&got, &md);
        let first = md
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(md.lines().count().min(want.lines().count()));
        panic!(
            "{name}: the report differs from {} from line {} on (new output in {}).\n\
             If the analysis changed on purpose, regenerate the goldens:\n  \
             UPDATE_GOLDEN=1 cargo test -p pm-tui --test export_golden\n\
             want: {:?}\n got: {:?}",
            path.display(),
            first + 1,
            got.display(),
            want.lines().nth(first).unwrap_or(""),
            md.lines().nth(first).unwrap_or("")
        );
    }
}

#[test]
fn booth_payment_spike() {
    check("booth-payment-spike");
}

#[test]
fn btob_session_restore() {
    check("btob-session-restore");
}

#[test]
fn penguin_karte_trash_purge() {
    check("penguin-karte-trash-purge");
}

#[test]
fn batch_double_run() {
    check("batch-double-run");
}

#[test]
fn cosminexus_global_session() {
    check("cosminexus-global-session");
}

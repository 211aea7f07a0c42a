//! The committed `sample_logs/` must be exactly what the generator writes.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn regenerated_datasets_match_committed_bytes() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_logs");
    let tmp = std::env::temp_dir().join(format!("gen-samples-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let written = gen_samples::generate(&tmp, 1.0, &[]).expect("generate");
    let mut mismatches = Vec::new();
    for (rel, _) in &written {
        let a = std::fs::read(tmp.join(rel)).expect("read generated");
        match std::fs::read(committed.join(rel)) {
            Ok(b) if a == b => {}
            Ok(_) => mismatches.push(format!("differs: {rel}")),
            Err(_) => mismatches.push(format!("not committed: {rel}")),
        }
    }
    // Every committed generated file must still be generated (README.md, expected.json and
    // .pm-tui-ignore are hand-written).
    let mut all = Vec::new();
    walk(&committed, &mut all);
    for p in all {
        let rel = p
            .strip_prefix(&committed)
            .expect("prefix")
            .to_string_lossy()
            .replace('\\', "/");
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "README.md" || name == "expected.json" || name == ".pm-tui-ignore" {
            continue;
        }
        if !written.iter().any(|(w, _)| *w == rel) {
            mismatches.push(format!("committed but no longer generated: {rel}"));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        mismatches.is_empty(),
        "sample_logs/ is stale; run `cargo run --release --manifest-path scripts/gen-samples/Cargo.toml -- --out sample_logs`:\n{}",
        mismatches.join("\n")
    );
}

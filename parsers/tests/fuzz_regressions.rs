//! Inputs that once crashed a fuzz target (`fuzz/`, `scripts/fuzz.sh`),
//! replayed through the same harness in the normal test run. A file
//! `TARGET-NAME` in `tests/fuzz-regressions/` is fed to target TARGET
//! (`sniff`, `parts` or a parser family); the harness panics on a parser panic or an
//! accounting identity that does not hold.

use pm_parsers::testutil::{FUZZ_FAMILIES, fuzz_family, fuzz_one, fuzz_parts};
use std::path::Path;

#[test]
fn every_format_is_in_a_fuzzed_family() {
    let registry = pm_parsers::Registry::builtin();
    let mut seen = std::collections::BTreeMap::<&str, Vec<String>>::new();
    for e in registry.entries() {
        let fam = fuzz_family(e.format.name());
        assert!(FUZZ_FAMILIES.contains(&fam), "{}", e.format.name());
        seen.entry(fam)
            .or_default()
            .push(e.format.name().to_string());
    }
    for fam in FUZZ_FAMILIES {
        assert!(
            seen.contains_key(fam),
            "family {fam} has no format: {seen:?}"
        );
    }
    assert_eq!(seen["access"].len(), 9, "{seen:?}");
}

#[test]
fn fuzz_regressions_do_not_crash() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("regression dir") {
        let path = e.expect("entry").path();
        let name = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
        let Some((target, _)) = name.split_once('-') else {
            continue;
        };
        let data = std::fs::read(&path).expect("read");
        if target == "parts" {
            fuzz_parts(&data);
            n += 1;
            continue;
        }
        let family = (target != "sniff").then_some(target);
        assert!(
            family.is_none_or(|f| FUZZ_FAMILIES.contains(&f)),
            "{name}: unknown target {target}"
        );
        fuzz_one(&data, family);
        n += 1;
    }
    eprintln!("{n} fuzz regression inputs replayed");
}

#[test]
fn the_harness_reads_fixtures_through_every_family() {
    // The seeds fuzz.sh starts from: every family target and the sniffer
    // take a real fixture without complaint.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("fixtures") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    for (i, f) in files.iter().enumerate().step_by(5) {
        let mut data = vec![i as u8, 0];
        let body = std::fs::read(f).expect("fixture");
        data.extend_from_slice(&body[..body.len().min(16 * 1024)]);
        fuzz_one(&data, None);
        for fam in FUZZ_FAMILIES {
            fuzz_one(&data, Some(fam));
        }
    }
}

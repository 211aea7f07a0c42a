//! PostgreSQL logs read in parts, the way ingest reads a large one
//! (`testutil::read_in_parts`), give the events and the accounting of one
//! pass. The `parts` fuzz target runs the same comparison on mutated logs.

use pm_parsers::testutil::{parts_equal_one_pass, read_in_parts, record_cuts_in};
use pm_parsers::time::{Resolver, Zone};
use pm_parsers::{Registry, SourceCtx};
use std::io::Read;
use std::path::Path;

/// Every captured PostgreSQL log, by the format that reads it.
fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/postgres");
    let mut out = Vec::new();
    for (format, file) in [
        ("postgres-stderr", "captured/en/postgresql.log"),
        ("postgres-stderr", "captured/ja/postgresql.log"),
        ("postgres-stderr", "captured/ru/postgresql.log"),
        ("postgres-stderr", "captured/stock/postgresql.log"),
        ("postgres-stderr", "captured/bare/postgresql.log"),
        ("postgres-stderr", "lnav/lnav_postgres.1"),
        ("postgres-stderr", "lnav/lnav_postgres.2"),
        ("postgres-csvlog", "captured/en/postgresql.csv"),
        ("postgres-csvlog", "captured/ja/postgresql.csv"),
        ("postgres-csvlog", "pgbadger/pgbadger_pg_rawcsv.log"),
        ("postgres-jsonlog", "captured/en/postgresql.json"),
        ("postgres-jsonlog", "captured/ru/postgresql.json"),
    ] {
        let bytes = std::fs::read(root.join(file)).expect(file);
        out.push((format, bytes));
    }
    // Through rsyslog, with 16 clients' multi-line messages interleaved.
    let gz = std::fs::read(root.join("captured/syslog/postgresql.log.gz")).expect("syslog");
    let mut syslog = Vec::new();
    flate2::read::MultiGzDecoder::new(&gz[..])
        .read_to_end(&mut syslog)
        .expect("gzip");
    out.push(("postgres-stderr", syslog));
    out
}

/// The built-in format named `name`.
fn format(name: &str) -> std::sync::Arc<dyn pm_parsers::Format> {
    let registry = Registry::builtin();
    let entry = registry.find(name).and_then(|i| registry.entry(i));
    entry.expect("a built-in format").format.clone()
}

fn ctx() -> SourceCtx {
    SourceCtx::new(Resolver::new(Zone::utc()), "parts.log")
}

#[test]
fn captured_postgres_logs_read_in_parts_equal_one_pass() {
    for (name, bytes) in fixtures() {
        let format = format(name);
        for step in [16, 100, 700, 4096] {
            let compared = parts_equal_one_pass(format.as_ref(), &ctx(), &bytes, step, 1 << 20);
            assert_eq!(compared, Ok(()), "{name} in parts of {step} bytes");
        }
    }
}

#[test]
fn small_parts_are_cut_and_some_are_read_again() {
    // The comparison above is only worth something if the logs really
    // are cut, and if some parts take the read-again path.
    let (mut parts, mut again) = (0, 0);
    for (name, bytes) in fixtures() {
        let format = format(name);
        let cuts = record_cuts_in(format.as_ref(), &bytes, 16);
        let (_, _, n) = read_in_parts(format.as_ref(), &ctx(), &bytes, &cuts, 1 << 20)
            .expect("a format that reads parts");
        parts += cuts.len();
        again += n;
    }
    assert!(parts > 1000, "{parts} parts");
    assert!(again > 0, "no part of {parts} was read again");
}

#[test]
fn cuts_fall_where_records_start() {
    let format = format("postgres-stderr");
    let log = "2024-05-01 10:00:00.000 UTC [1] LOG:  one\n\
               \tcontinued here\n\
               2024-05-01 10:00:01.000 UTC [1] DETAIL:  two\n\
               2024-05-01 10:00:02.000 UTC [2] LOG:  three\n";
    // Neither the tab-indented continuation (at 42) nor the DETAIL line
    // (at 58, the rest of a message) may start a part: the only cut is
    // the third message.
    assert_eq!(
        record_cuts_in(format.as_ref(), log.as_bytes(), 10),
        vec![0, 103]
    );
    assert!(log[103..].starts_with("2024-05-01 10:00:02.000 UTC [2] LOG"));
}

#[test]
fn the_syslog_relayed_log_is_cut() {
    // Its prefix (pgBadger's advice for syslog) has no bare words, so
    // ingest cuts it, and the comparison above is not vacuous for it.
    let format = format("postgres-stderr");
    let (_, syslog) = fixtures().pop().expect("syslog");
    let head = String::from_utf8_lossy(&syslog[..64 * 1024]);
    let lines = pm_parsers::registry::sample_lines(&head);
    let sample = pm_parsers::Sample {
        lines: &lines,
        file_name: "postgresql.log",
    };
    assert!(format.cut_at_records(&sample));
    let cuts = record_cuts_in(format.as_ref(), &syslog, 4096);
    assert!(cuts.len() > 100);
    // Real interleaving needs no part read again: the chunks of a message
    // cut apart are claimed by the part before, and the keyed prefix's
    // `[unknown]` values are no bare words.
    let (_, _, again) =
        read_in_parts(format.as_ref(), &ctx(), &syslog, &cuts, 1 << 20).expect("parts");
    assert_eq!(again, 0);
}

//! The command line as a user meets it: help, formats, user format files,
//! completions, the man page, clock skew.

use std::process::Command;

fn pm_tui(config: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pm-tui"));
    c.env("NO_COLOR", "1").env("PM_TUI_CONFIG_DIR", config);
    c
}

/// `pm-tui ingest FLAGS -o CASE LOGS`, which must succeed; its report.
fn ingest_ok(
    config: &std::path::Path,
    flags: &[&str],
    case: &std::path::Path,
    logs: &std::path::Path,
) -> String {
    let out = pm_tui(config)
        .arg("ingest")
        .args(flags)
        .arg("-o")
        .arg(case)
        .arg(logs)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report
}

/// `pm-tui events CASE --json`, which must succeed: its NDJSON.
fn events_ndjson(config: &std::path::Path, case: &std::path::Path) -> String {
    let out = pm_tui(config)
        .args(["events", "--json"])
        .arg(case)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// [`events_ndjson`], parsed.
fn events_json(config: &std::path::Path, case: &std::path::Path) -> Vec<serde_json::Value> {
    events_ndjson(config, case)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const GOOD: &str = r#"
name = "acme-batch"
description = "ACME batch lines"
[[pattern]]
regex = '^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ACME (?P<job>\S+) (?P<event>START|END)$'
[kind]
field = "event"
map = { START = "job_start", END = "job_end" }
[[sample]]
line = "2023-06-01 03:00:00 ACME nightly START"
expect = { kind = "job_start", job = "nightly" }
"#;

#[test]
fn help_teaches_with_examples() {
    let tmp = tempfile::tempdir().unwrap();
    let out = pm_tui(tmp.path()).arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Examples:") && text.contains("pm-tui ingest logs/"),
        "{text}"
    );
    let out = pm_tui(tmp.path())
        .args(["ingest", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--tz", "--format", "--since", "--until", "--json", "--skew", "--year",
    ] {
        assert!(text.contains(flag), "ingest --help lacks {flag}");
    }
}

#[test]
fn user_formats_load_and_broken_ones_are_reported_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("formats");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("acme.toml"), GOOD).unwrap();
    std::fs::write(
        dir.join("broken.toml"),
        GOOD.replace(r"(?P<ts>", r"(?P<ts>[")
            .replace("acme-batch", "broken"),
    )
    .unwrap();
    let out = pm_tui(tmp.path())
        .args(["formats", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["formats"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(names.contains(&"acme-batch"));
    assert!(!names.contains(&"broken"));
    let problems = v["problems"].to_string();
    assert!(
        problems.contains("broken.toml:5:") && problems.contains("does not compile"),
        "{problems}"
    );

    // The user format reads a file end to end.
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("acme.log"),
        "2023-06-01 03:00:00 ACME nightly START\n2023-06-01 03:10:00 ACME nightly END\n",
    )
    .unwrap();
    let out = pm_tui(tmp.path())
        .args(["ingest", "--json", "--tz", "UTC", "-o"])
        .arg(tmp.path().join("case"))
        .arg(&logs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sources"][0]["format"], "acme-batch");
    for phase in ["read", "analyze", "write"] {
        assert!(
            v["timings_ms"][phase].as_f64().is_some_and(|ms| ms >= 0.0),
            "timings_ms.{phase} in {v}"
        );
    }
    let out = pm_tui(tmp.path())
        .args(["events", "--json", "--kind", "job_start,job_end"])
        .arg(tmp.path().join("case"))
        .output()
        .unwrap();
    let kinds: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds, ["job_start", "job_end"]);
}

#[test]
fn formats_check_says_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.toml");
    std::fs::write(&good, GOOD).unwrap();
    let out = pm_tui(tmp.path())
        .args(["formats", "check"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(out.status.success());
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, GOOD.replace("job = \"nightly\"", "job = \"weekly\"")).unwrap();
    let out = pm_tui(tmp.path())
        .args(["formats", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:10:") && err.contains("expected job = \"weekly\", got \"nightly\""),
        "{err}"
    );
}

#[test]
fn completions_and_man_page() {
    let tmp = tempfile::tempdir().unwrap();
    let out = pm_tui(tmp.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("pm-tui"));
    let out = pm_tui(tmp.path()).arg("man").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH pm-tui"));
}

#[test]
fn declared_clock_skew_is_applied_to_the_host() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(logs.join("batch02")).unwrap();
    std::fs::write(
        logs.join("batch02/app.log"),
        "2023-06-01 03:00:04 INFO started\n",
    )
    .unwrap();
    let case = tmp.path().join("case");
    ingest_ok(
        tmp.path(),
        &["-q", "--tz", "UTC", "--skew", "batch02=+4s"],
        &case,
        &logs,
    );
    let e = &events_json(tmp.path(), &case)[0];
    assert_eq!(e["ts"], "2023-06-01T03:00:00.000Z");
    assert_eq!(e["host"], "batch02");
    let bad = pm_tui(tmp.path())
        .args(["ingest", "--skew", "nonsense"])
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
}

/// Syslog lines carry no year: they take it from the file's date, unless
/// the other logs of the ingest are dated a whole number of years away,
/// when they take the other logs' year and the report says so.
#[test]
fn year_less_syslog_lines_take_the_year_of_the_other_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(logs.join("app01")).unwrap();
    std::fs::create_dir_all(logs.join("db01")).unwrap();
    let app: String = (0..5)
        .map(|s| format!("2023-06-01 03:00:0{s} INFO step {s}\n"))
        .collect();
    std::fs::write(logs.join("app01/app.log"), app).unwrap();
    // Written now: the file's date says another year than 2023.
    std::fs::write(
        logs.join("db01/syslog"),
        "Jun  1 03:00:02 db01 CRON[123]: (root) CMD (backup.sh)\n\
         Jun  1 03:00:03 db01 kernel: [12.5] eth0 link up\n",
    )
    .unwrap();
    let case = tmp.path().join("case");
    let report = ingest_ok(tmp.path(), &["--tz", "UTC"], &case, &logs);
    assert!(
        report.contains("timestamps carry no year: dated 2023 like the other logs"),
        "{report}"
    );
    let times = |case: &std::path::Path| -> Vec<(String, String)> {
        events_json(tmp.path(), case)
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                (s("ts"), s("host"))
            })
            .collect()
    };
    let want = |year: i32| -> Vec<(String, String)> {
        let at = |s: u32, host: &str| (format!("2023-06-01T03:00:0{s}.000Z"), host.to_string());
        let mut v: Vec<_> = (0..5).map(|s| at(s, "app01")).collect();
        let db = |s: u32| (format!("{year}-06-01T03:00:0{s}.000Z"), "db01".to_string());
        v.extend([db(2), db(3)]);
        v.sort();
        v
    };
    let mut got = times(&case);
    got.sort();
    assert_eq!(got, want(2023));
    // --year says which year, and nothing is inferred.
    let given = tmp.path().join("given");
    let report = ingest_ok(
        tmp.path(),
        &["--tz", "UTC", "--year", "2021"],
        &given,
        &logs,
    );
    assert!(!report.contains("carry no year"), "{report}");
    let mut got = times(&given);
    got.sort();
    assert_eq!(got, want(2021));
}

/// `ingest -v` says where the time and memory went and what the case
/// takes on disk, naming the column file users may delete; without it
/// the case reopens from Parquet with the same events.
#[test]
fn verbose_ingest_reports_the_disk_and_the_column_file_is_a_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let lines: String = (0..50)
        .map(|k| {
            format!(
                "10.0.0.{} - - [01/Jun/2023:03:00:{:02} +0000] \"GET /items/{k} HTTP/1.1\" 200 12 \"-\" \"curl\" 0.{k:03}\n",
                k % 7,
                k % 60
            )
        })
        .collect();
    std::fs::write(logs.join("access.log"), lines).unwrap();
    let case = tmp.path().join("case");
    let report = ingest_ok(tmp.path(), &["-v", "--tz", "UTC"], &case, &logs);
    let disk = report
        .lines()
        .find(|l| l.trim_start().starts_with("disk"))
        .unwrap_or_default();
    assert!(
        disk.contains("events.cols") && disk.contains("--no-column-file"),
        "{report}"
    );
    let events = |case: &std::path::Path| events_ndjson(tmp.path(), case);
    let mapped = events(&case);
    assert_eq!(mapped.lines().count(), 50);
    std::fs::remove_file(case.join("events.cols")).unwrap();
    assert_eq!(events(&case), mapped);
    // Or never written: the same events, from Parquet.
    let lean = tmp.path().join("lean");
    let report = ingest_ok(
        tmp.path(),
        &["-v", "--no-column-file", "--tz", "UTC"],
        &lean,
        &logs,
    );
    assert!(!lean.join("events.cols").exists());
    assert!(lean.join("events.parquet").is_file());
    assert!(
        report.contains("no events.cols: reopening decodes the Parquet files"),
        "{report}"
    );
    assert_eq!(events(&lean), mapped);
}

/// pt-stalk names the host it collected on in a `-hostname` file beside
/// its samples; that name, not a directory name, is the samples' host, and
/// the connections' own host (`localhost` in this real MariaDB capture)
/// stays their client.
#[test]
fn pt_stalk_samples_take_the_host_their_collection_names() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let sample = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/parsers/tests/fixtures/mysql/mariadb-10.11-innodb-status-batch.txt"
    ))
    .unwrap();
    for (dir, host) in [("collect", "db-primary01"), ("db01", "db-replica02")] {
        let at = logs.join(dir);
        std::fs::create_dir_all(&at).unwrap();
        std::fs::write(at.join("2026_11_22_21_20_06-innodbstatus1"), &sample).unwrap();
        std::fs::write(at.join("2026_11_22_21_20_06-hostname"), format!("{host}\n")).unwrap();
    }
    let case = tmp.path().join("case");
    ingest_ok(tmp.path(), &["-q", "--tz", "UTC"], &case, &logs);
    let mut seen = std::collections::BTreeMap::new();
    for e in events_json(tmp.path(), &case) {
        let dir = if e["source"].as_str().unwrap().contains("collect") {
            "collect"
        } else {
            "db01"
        };
        let host = e["host"].as_str().unwrap_or("").to_string();
        let client = e["client"].as_str().unwrap_or("").to_string();
        *seen.entry((dir, host, client)).or_insert(0) += 1;
    }
    let want: std::collections::BTreeMap<_, _> = [
        (("collect", "db-primary01".to_string(), String::new()), 1),
        (
            ("collect", "db-primary01".to_string(), "localhost".into()),
            7,
        ),
        (("db01", "db-replica02".to_string(), String::new()), 1),
        (("db01", "db-replica02".to_string(), "localhost".into()), 7),
    ]
    .into_iter()
    .collect();
    assert_eq!(seen, want);
}

/// `pm-tui events CASE | head` stops quietly when the reader has had
/// enough: no "Broken pipe" error, exit status 0, in both output modes.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let lines: String = (0..3000)
        .map(|i| {
            format!(
                "2023-06-01 03:{:02}:{:02} INFO step {i} done\n",
                i / 60 % 60,
                i % 60
            )
        })
        .collect();
    std::fs::write(logs.join("app.log"), lines).unwrap();
    let case = tmp.path().join("case");
    ingest_ok(tmp.path(), &["-q", "--tz", "UTC"], &case, &logs);
    for json in [true, false] {
        let mut cmd = pm_tui(tmp.path());
        cmd.arg("events").arg(&case);
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 100];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The read end is closed here, with most of the output unwritten.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "json={json}: {stderr}");
        assert!(stderr.is_empty(), "json={json}: {stderr}");
    }
}

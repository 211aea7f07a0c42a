//! Ctrl-C during `pm-tui ingest` leaves no partial case, and the previous
//! case, if any, intact: the real binary ingests a large input, gets SIGINT
//! part-way (at several moments: reading, and later), and the case
//! directory and its parent are checked afterwards.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn access_lines(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| {
            format!(
                "198.51.100.{} - - [02/Jun/2023:{:02}:{:02}:{:02} +0900] \"GET /items/{i} HTTP/1.1\" 200 512 \"-\" \"curl/8\" 0.012\n",
                i % 250 + 1,
                i / 3600 % 24,
                i / 60 % 60,
                i % 60
            )
        })
        .collect()
}

/// Every file of a case directory with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

fn pm() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pm-tui"));
    c.env("NO_COLOR", "1").env("TZ", "UTC").stdin(Stdio::null());
    c
}

/// Start an ingest of `input` into `case`, SIGINT it after `delay`, and
/// return its exit code (None: killed by a signal) and stderr.
fn interrupted_ingest(input: &Path, case: &Path, delay: Duration) -> (Option<i32>, String, bool) {
    let mut child = pm()
        .args(["-q", "ingest", "-o"])
        .arg(case)
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pm-tui");
    std::thread::sleep(delay);
    let still_running = child.try_wait().expect("try_wait").is_none();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let started = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("pm-tui ingest did not stop within 60 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        still_running,
    )
}

fn big_input(dir: &Path) -> PathBuf {
    let logs = dir.join("big");
    std::fs::create_dir_all(logs.join("web01")).unwrap();
    std::fs::create_dir_all(logs.join("web02")).unwrap();
    // About 2 x 40 MB: several seconds of work for a test build.
    for (host, from) in [("web01", 0), ("web02", 7)] {
        let mut f = std::fs::File::create(logs.join(host).join("access.log")).unwrap();
        for k in 0..4 {
            use std::io::Write;
            f.write_all(access_lines(from + k * 80_000, 80_000).as_bytes())
                .unwrap();
        }
    }
    logs
}

#[test]
fn ctrl_c_keeps_the_previous_case_and_leaves_nothing_half_written() {
    let d = tempfile::tempdir().unwrap();
    let small = d.path().join("small");
    std::fs::create_dir_all(&small).unwrap();
    std::fs::write(small.join("access.log"), access_lines(0, 50)).unwrap();
    let big = big_input(d.path());
    let parent = d.path().join("cases");
    std::fs::create_dir_all(&parent).unwrap();
    let case = parent.join("case");
    let status = pm()
        .args(["-q", "ingest", "-o"])
        .arg(&case)
        .arg(&small)
        .status()
        .unwrap();
    assert!(status.success());
    let before = snapshot(&case);

    let mut interrupted = 0;
    for ms in [300u64, 1200, 3000] {
        let (code, stderr, running) = interrupted_ingest(&big, &case, Duration::from_millis(ms));
        if !running {
            // It finished before the signal: the new case must be whole.
            assert_eq!(code, Some(0), "{stderr}");
            continue;
        }
        match code {
            Some(130) => {
                interrupted += 1;
                assert!(
                    stderr.contains("interrupted") && stderr.contains("unchanged"),
                    "{stderr}"
                );
                assert_eq!(
                    snapshot(&case),
                    before,
                    "the previous case changed ({ms} ms)"
                );
            }
            // The signal came after the new case was in place: it is whole.
            Some(0) => {
                let ev = pm()
                    .args(["events"])
                    .arg(&case)
                    .args(["--limit", "1"])
                    .output()
                    .unwrap();
                assert!(ev.status.success());
            }
            other => panic!("exit {other:?} after SIGINT at {ms} ms: {stderr}"),
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(
            leftovers(&parent),
            Vec::<String>::new(),
            "temporaries left ({ms} ms)"
        );
    }
    assert!(
        interrupted > 0,
        "no run was interrupted: make the input larger"
    );

    // Without a previous case, nothing at all is created.
    let fresh = parent.join("fresh");
    let (code, stderr, running) = interrupted_ingest(&big, &fresh, Duration::from_millis(300));
    if running {
        assert_eq!(code, Some(130), "{stderr}");
        assert!(!fresh.exists(), "a partial case was left");
        assert!(stderr.contains("nothing was written"), "{stderr}");
    }
    assert_eq!(leftovers(&parent), Vec::<String>::new());
}

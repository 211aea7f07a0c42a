//! End to end through the real binary: a directory of awkward files.
//!
//! Every file must be reported, every source's accounting must balance,
//! Japanese text must come out of `events --json` intact, and nothing may
//! panic.

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Command;

fn pm_tui() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pm-tui"));
    c.env("NO_COLOR", "1")
        .env("PM_TUI_CONFIG_DIR", "/nonexistent-pm-tui-config");
    c
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

fn mixed_dir(dir: &Path) {
    let sjis_text = "2023-06-01 14:50:00 [INFO] セッション復旧を開始しました ユーザーID：42\n\
                     2023-06-01 14:50:01 [WARN] ロック待ちが発生しました（待機 1200ミリ秒）\n"
        .repeat(3);
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&sjis_text);
    write(dir, "app01/sjis.log", &sjis);
    let euc_text = "2023-06-01 15:00:00 [ERROR] データベース接続に失敗しました\n".repeat(4);
    let (euc, _, _) = encoding_rs::EUC_JP.encode(&euc_text);
    write(dir, "app01/euc.log", &euc);
    let json: String = (0..5)
        .map(|i| format!("{{\"time\":\"2023-06-01T06:00:0{i}Z\",\"level\":\"info\",\"msg\":\"job step {i}\",\"order_id\":{i}}}\n"))
        .collect();
    write(dir, "web01/events.jsonl.gz", &gz(json.as_bytes()));
    write(
        dir,
        "web01/other.jsonl.zst",
        &zstd::encode_all(json.as_bytes(), 3).unwrap(),
    );
    // A rotated set: oldest first.
    write(
        dir,
        "web01/app.log.2.gz",
        &gz(b"2023-06-01 10:00:00 INFO oldest\n"),
    );
    write(dir, "web01/app.log.1", b"2023-06-01 11:00:00 INFO older\n");
    write(dir, "web01/app.log", b"2023-06-01 12:00:00 INFO newest\n");
    // Old-Mac line ends.
    write(dir, "web01/cr.log", b"2023-06-01 09:00:00 INFO one\r2023-06-01 09:00:01 INFO two\r2023-06-01 09:00:02 INFO three\r");
    write(
        dir,
        "bin/tool",
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    );
    let mut bad = b"2023-06-01 08:00:00 INFO fine\n".repeat(30);
    bad.extend_from_slice(b"2023-06-01 08:00:01 INFO broken \xff\xfe bytes\n");
    write(dir, "web01/invalid.log", &bad);
    write(dir, "web01/empty.log", b"");
    let big: String = (0..20_000)
        .map(|i| {
            format!(
                "2023-06-01 07:{:02}:{:02} INFO line {i}\n",
                (i / 60) % 60,
                i % 60
            )
        })
        .collect();
    let full = gz(big.as_bytes());
    write(dir, "web01/truncated.log.gz", &full[..full.len() / 2]);
}

#[test]
fn a_directory_of_awkward_files() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    mixed_dir(&logs);
    let case = tmp.path().join("case");
    let out = pm_tui()
        .args(["ingest", "--json", "--tz", "Asia/Tokyo", "-o"])
        .arg(&case)
        .arg(&logs)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ingest failed: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources = report["sources"].as_array().unwrap();
    let by_name = |suffix: &str| -> &Value {
        sources
            .iter()
            .find(|s| s["path"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} not reported"))
    };
    assert_eq!(sources.len(), 12, "every file is reported");
    for s in sources {
        let n = |k: &str| s[k].as_u64().unwrap_or(0);
        assert_eq!(
            n("parsed") + n("continuation") + n("skipped"),
            n("lines"),
            "{s}"
        );
    }
    let sjis = by_name("sjis.log");
    assert_eq!(
        (
            sjis["encoding"].as_str(),
            sjis["lines"].as_u64(),
            sjis["parsed"].as_u64()
        ),
        (Some("shift_jis"), Some(6), Some(6))
    );
    let euc = by_name("euc.log");
    assert_eq!(
        (euc["encoding"].as_str(), euc["parsed"].as_u64()),
        (Some("euc-jp"), Some(4))
    );
    let gzj = by_name("events.jsonl.gz");
    assert_eq!(
        (
            gzj["compression"].as_str(),
            gzj["format"].as_str(),
            gzj["events"].as_u64()
        ),
        (Some("gzip"), Some("json-lines"), Some(5))
    );
    let zst = by_name("other.jsonl.zst");
    assert_eq!(
        (zst["compression"].as_str(), zst["events"].as_u64()),
        (Some("zstd"), Some(5))
    );
    for name in ["app.log.2.gz", "app.log.1", "web01/app.log"] {
        let s = by_name(name);
        assert_eq!(
            s["group"].as_str().map(|g| g.ends_with("web01/app.log")),
            Some(true),
            "{name}"
        );
        assert_eq!(s["events"].as_u64(), Some(1), "{name}");
    }
    assert_eq!(by_name("cr.log")["lines"].as_u64(), Some(3));
    let bin = by_name("bin/tool");
    assert!(bin["format"].is_null());
    assert!(bin["error"].as_str().unwrap().contains("binary"), "{bin}");
    let invalid = by_name("invalid.log");
    assert_eq!(
        (
            invalid["encoding"].as_str(),
            invalid["invalid_sequences"].as_u64(),
            invalid["parsed"].as_u64()
        ),
        (Some("utf-8"), Some(2), Some(31))
    );
    let empty = by_name("empty.log");
    assert_eq!(
        (empty["lines"].as_u64(), empty["format_reason"].as_str()),
        (Some(0), Some("empty file"))
    );
    let trunc = by_name("truncated.log.gz");
    assert!(
        trunc["error"]
            .as_str()
            .unwrap()
            .contains("gzip stream ends early"),
        "{trunc}"
    );
    let read = trunc["lines"].as_u64().unwrap();
    assert!(
        read > 1000 && read < 20_000,
        "{read} lines read before the break"
    );
    // The last line is cut wherever the stream broke: it attaches to the one before.
    assert!(trunc["parsed"].as_u64().unwrap() >= read - 1);
    assert_eq!(trunc["skipped"].as_u64(), Some(0));

    // Japanese text comes out intact, and times are UTC.
    let out = pm_tui()
        .args(["events", "--json"])
        .arg(&case)
        .output()
        .unwrap();
    assert!(out.status.success());
    let events: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let warn = events
        .iter()
        .find(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("ロック待ちが発生しました"))
        })
        .expect("the Shift_JIS warning");
    assert_eq!(warn["ts"], "2023-06-01T05:50:01.000Z");
    assert_eq!(warn["level"], "warn");
    assert!(
        events
            .iter()
            .any(|e| e["message"] == "データベース接続に失敗しました")
    );
    // The rotated set is in time order and every event's id is its position.
    let order: Vec<&str> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .filter(|m| ["oldest", "older", "newest"].contains(m))
        .collect();
    assert_eq!(order, ["oldest", "older", "newest"]);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["id"].as_u64(), Some(i as u64));
    }
}

#[test]
fn nothing_readable_is_an_error_with_exit_status_1() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "only.bin", b"\x7fELF\x02\x01\x01\x00");
    let out = pm_tui()
        .args(["ingest", "-q", "-o"])
        .arg(tmp.path().join("case"))
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing could be ingested"));
    assert!(!tmp.path().join("case").exists());
    let missing = pm_tui()
        .args(["ingest", "/nonexistent/pm-tui/path"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such file"));
    let usage = pm_tui()
        .args(["ingest", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn reopening_a_case_from_the_future_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "logs/a.log", b"2023-06-01 10:00:00 INFO x\n");
    let case = tmp.path().join("case");
    let ok = pm_tui()
        .args(["ingest", "-q", "-o"])
        .arg(&case)
        .arg(tmp.path().join("logs"))
        .output()
        .unwrap();
    assert!(ok.status.success());
    let meta = std::fs::read_to_string(case.join("case.json")).unwrap();
    std::fs::write(
        case.join("case.json"),
        meta.replace(
            &format!("\"version\": {}", pm_tui::model::case::CASE_VERSION),
            "\"version\": 7",
        ),
    )
    .unwrap();
    let out = pm_tui().arg("findings").arg(&case).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer pm-tui"));
}

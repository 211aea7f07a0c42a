//! Exact-count tests of the access, syslog and journald parsers on the
//! fixtures in `tests/fixtures/{access,syslog}` (see the README there), and
//! sniffing: each format wins on its own files and loses on the others.

#![allow(clippy::unwrap_used, clippy::panic)]

use pm_parsers::testutil::ParseTester;
use pm_parsers::{Event, Kind, Registry, Sample};
use std::collections::BTreeMap;

fn fixture(rel: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sniff(bytes: &[u8], name: &str) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines = pm_parsers::registry::sample_lines(&text);
    let r = Registry::builtin();
    let s = r.sniff(&Sample {
        lines: &lines,
        file_name: name,
    });
    s.best
        .and_then(|i| r.entry(i))
        .map(|e| e.format.name().to_string())
        .unwrap_or_default()
}

struct Expect {
    file: &'static str,
    format: &'static str,
    lines: u64,
    parsed: u64,
    continuation: u64,
    kinds: &'static [(&'static str, usize)],
}

const EXPECT: &[Expect] = &[
    Expect {
        file: "access/lnav_shop_access_log.0",
        format: "access-combined",
        lines: 1000,
        parsed: 1000,
        continuation: 0,
        kinds: &[("request", 1000)],
    },
    Expect {
        file: "access/lnav_w3c_big.0",
        format: "iis-w3c",
        lines: 254,
        parsed: 254,
        continuation: 0,
        kinds: &[("request", 210)],
    },
    Expect {
        file: "access/lnav_uwsgi.0",
        format: "uwsgi",
        lines: 19,
        parsed: 19,
        continuation: 0,
        kinds: &[("request", 19)],
    },
    Expect {
        file: "access/lnav_caddy_docker_compose.0",
        format: "access-json",
        lines: 39,
        parsed: 39,
        continuation: 0,
        kinds: &[("log", 35), ("request", 4)],
    },
    Expect {
        file: "access/nginx_timed.log",
        format: "access-combined-timed",
        lines: 19,
        parsed: 19,
        continuation: 0,
        kinds: &[("request", 19)],
    },
    Expect {
        file: "access/nginx_main_rt.log",
        format: "access-combined-timed",
        lines: 19,
        parsed: 19,
        continuation: 0,
        kinds: &[("request", 19)],
    },
    Expect {
        file: "access/nginx_ltsv.log",
        format: "ltsv",
        lines: 19,
        parsed: 19,
        continuation: 0,
        kinds: &[("request", 19)],
    },
    Expect {
        file: "access/nginx_json.log",
        format: "access-json",
        lines: 19,
        parsed: 19,
        continuation: 0,
        kinds: &[("request", 19)],
    },
    Expect {
        file: "access/haproxy_http.log",
        format: "haproxy-http",
        lines: 11,
        parsed: 11,
        continuation: 0,
        kinds: &[("log", 3), ("request", 8)],
    },
    Expect {
        file: "access/haproxy_raw_capture.log",
        format: "haproxy-http",
        lines: 16,
        parsed: 8,
        continuation: 0,
        kinds: &[("request", 8)],
    },
    Expect {
        file: "access/apache_D_capture.log",
        format: "access-combined-timed",
        lines: 7,
        parsed: 7,
        continuation: 0,
        kinds: &[("request", 7)],
    },
    Expect {
        file: "access/apache_TD_capture.log",
        format: "access-combined-timed",
        lines: 7,
        parsed: 7,
        continuation: 0,
        kinds: &[("request", 7)],
    },
    Expect {
        file: "access/apache_vhost_capture.log",
        format: "access-combined",
        lines: 7,
        parsed: 7,
        continuation: 0,
        kinds: &[("request", 7)],
    },
    Expect {
        file: "access/apache_combined_D.log",
        format: "access-combined-timed",
        lines: 5,
        parsed: 5,
        continuation: 0,
        kinds: &[("request", 5)],
    },
    Expect {
        file: "syslog/debian_syslog.log",
        format: "syslog",
        lines: 25,
        parsed: 25,
        continuation: 0,
        kinds: &[
            ("error", 1),
            ("job_end", 3),
            ("job_fail", 2),
            ("job_start", 5),
            ("log", 14),
        ],
    },
    Expect {
        file: "syslog/debian_cron_capture.log",
        format: "syslog",
        lines: 77,
        parsed: 77,
        continuation: 0,
        kinds: &[
            ("job_end", 6),
            ("job_fail", 3),
            ("job_start", 12),
            ("log", 56),
        ],
    },
    Expect {
        file: "syslog/rfc5424.log",
        format: "syslog",
        lines: 4,
        parsed: 4,
        continuation: 0,
        kinds: &[("error", 1), ("job_start", 1), ("log", 2)],
    },
    Expect {
        file: "syslog/lnav_journald.json",
        format: "journald-json",
        lines: 2,
        parsed: 2,
        continuation: 0,
        kinds: &[("error", 1), ("log", 1)],
    },
];

fn kinds(events: &[Event<'static>]) -> Vec<(String, usize)> {
    let mut m: BTreeMap<String, usize> = BTreeMap::new();
    for e in events {
        *m.entry(e.kind.as_str().to_string()).or_default() += 1;
    }
    m.into_iter().collect()
}

#[test]
fn every_fixture_sniffs_and_parses_exactly() {
    let r = Registry::builtin();
    for x in EXPECT {
        let bytes = fixture(x.file);
        assert_eq!(
            sniff(&bytes, x.file),
            x.format,
            "sniffed format of {}",
            x.file
        );
        let idx = r.find(x.format).unwrap();
        let format = r.entry(idx).unwrap().format.clone();
        let (events, acct) = ParseTester::new(format.as_ref(), "Asia/Tokyo")
            .check(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", x.file));
        assert_eq!(
            (acct.lines, acct.parsed, acct.continuation, acct.skipped),
            (
                x.lines,
                x.parsed,
                x.continuation,
                x.lines - x.parsed - x.continuation
            ),
            "{}: {:?}",
            x.file,
            acct.skip_reasons
        );
        let want: Vec<(String, usize)> = x.kinds.iter().map(|(k, n)| (k.to_string(), *n)).collect();
        assert_eq!(kinds(&events), want, "{}", x.file);
    }
}

fn events_of(file: &str, format: &str) -> Vec<Event<'static>> {
    let r = Registry::builtin();
    let f = r.entry(r.find(format).unwrap()).unwrap().format.clone();
    ParseTester::new(f.as_ref(), "Asia/Tokyo")
        .check(&fixture(file))
        .unwrap()
        .0
}

#[test]
fn nginx_capture_fields() {
    let ev = events_of("access/nginx_timed.log", "access-combined-timed");
    // "GET /app/api/session/restore?uid=101 HTTP/1.1" 200 12 "-" "Mozilla/5.0 (iPhone; ...)" "203.0.113.1" 0.352 0.000, 0.352
    let e = &ev[14];
    assert_eq!(e.kind, Kind::Request);
    assert_eq!(e.route.as_deref(), Some("/app/api/session/restore"));
    assert_eq!(e.client.as_deref(), Some("203.0.113.1"));
    assert_eq!(e.duration_ms, Some(352.0));
    assert_eq!(e.attr("upstream_ms"), Some("352"));
    assert_eq!(e.attr("query"), Some("uid=101"));
    // The garbage request: status 400, no method.
    let bad = ev.iter().find(|e| e.status == Some(400)).unwrap();
    assert_eq!(bad.method, None);
    assert_eq!(bad.duration_ms, Some(9.0));
    let ltsv = events_of("access/nginx_ltsv.log", "ltsv");
    let json = events_of("access/nginx_json.log", "access-json");
    let rt = events_of("access/nginx_main_rt.log", "access-combined-timed");
    // The same requests read the same through four log formats.
    for other in [&ltsv, &json, &rt] {
        assert_eq!(other.len(), ev.len());
        for (a, b) in ev.iter().zip(other.iter()) {
            assert_eq!((a.ts, a.status, a.bytes), (b.ts, b.status, b.bytes));
            assert_eq!(a.route, b.route);
            assert_eq!(a.duration_ms, b.duration_ms);
        }
    }
    assert_eq!(ltsv[14].attr("upstream_ms"), Some("352"));
    assert_eq!(json[14].attr("upstream_ms"), Some("352"));
    assert_eq!(rt[17].attr("upstream_ms"), Some("122"));
    assert_eq!(ltsv[14].host.as_deref(), Some("shop.example.test"));
}

#[test]
fn haproxy_and_apache_fields() {
    let ev = events_of("access/haproxy_http.log", "haproxy-http");
    let req: Vec<&Event<'static>> = ev.iter().filter(|e| e.kind == Kind::Request).collect();
    assert_eq!(req[0].duration_ms, Some(109.0));
    assert_eq!(req[2].duration_ms, Some(2.0));
    assert_eq!(req[3].attr("termination"), Some("sH--"));
    assert_eq!(req[4].attr("server"), Some("<NOSRV>"));
    assert_eq!(req[5].attr("timers"), Some("5/1500/0/210/1715"));
    assert_eq!(req[6].attr("request"), Some("<BADREQ>"));
    assert_eq!(req[7].host, None);
    let ap = events_of("access/apache_combined_D.log", "access-combined-timed");
    assert_eq!(ap[1].duration_ms, Some(182.113));
    assert_eq!(ap[1].user.as_deref(), Some("alice"));
    assert_eq!(ap[3].duration_ms, Some(30001.422));
    assert_eq!(ap[3].route.as_deref(), Some("/api/items/:id"));
}

#[test]
fn syslog_jobs_from_fixture() {
    let ev = events_of("syslog/debian_syslog.log", "syslog");
    let jobs: Vec<(Kind, &str, Option<f64>)> = ev
        .iter()
        .filter(|e| matches!(e.kind, Kind::JobStart | Kind::JobEnd | Kind::JobFail))
        .map(|e| (e.kind, e.job.as_deref().unwrap_or(""), e.duration_ms))
        .collect();
    assert_eq!(
        jobs,
        vec![
            (Kind::JobStart, "/usr/local/bin/points-grant.sh", None),
            (Kind::JobStart, "run-parts --report /etc/cron.hourly", None),
            (
                Kind::JobEnd,
                "run-parts --report /etc/cron.hourly",
                Some(0.0)
            ),
            (
                Kind::JobFail,
                "/usr/local/bin/points-grant.sh",
                Some(30_000.0)
            ),
            (Kind::JobStart, "apt-daily-upgrade.service", None),
            (Kind::JobEnd, "apt-daily-upgrade.service", Some(39_000.0)),
            (Kind::JobStart, "points-grant.service", None),
            (Kind::JobFail, "points-grant.service", Some(10_000.0)),
            (Kind::JobStart, "/opt/batch/session-restore.sh", None),
            (
                Kind::JobEnd,
                "/opt/batch/session-restore.sh",
                Some(42_000.0)
            ),
        ]
    );
    let oom = ev
        .iter()
        .find(|e| e.app.as_deref() == Some("kernel"))
        .unwrap();
    assert_eq!(oom.kind, Kind::Log);
    let start = &ev[1];
    assert_eq!(
        (start.pid, start.host.as_deref(), start.user.as_deref()),
        (Some(4243), Some("batch01"), Some("root"))
    );
}

/// Each format scores zero (or loses) on every other fixture.
#[test]
fn formats_lose_on_each_others_fixtures() {
    let r = Registry::builtin();
    for x in EXPECT {
        let bytes = fixture(x.file);
        let text = String::from_utf8_lossy(&bytes);
        let lines = pm_parsers::registry::sample_lines(&text);
        let s = r.sniff(&Sample {
            lines: &lines,
            file_name: x.file,
        });
        let best = s.scores[0];
        for &(i, score) in &s.scores[1..] {
            assert!(
                score < best.1,
                "{}: {} ties the winner",
                x.file,
                r.entry(i).unwrap().format.name()
            );
        }
    }
}

/// Truncated input, garbage between records, interleaved junk: lines are
/// skipped and counted, nothing panics, and the rest still parses.
#[test]
fn junk_and_truncation() {
    let r = Registry::builtin();
    for x in EXPECT {
        let bytes = fixture(x.file);
        let f = r.entry(r.find(x.format).unwrap()).unwrap().format.clone();
        let tester = ParseTester::new(f.as_ref(), "UTC");
        // Truncated at every 97th byte boundary (on a char boundary).
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                let (_, acct) = tester.check(&text.as_bytes()[..cut]).unwrap();
                assert!(acct.balanced());
            }
            cut += 97.max(text.len() / 15);
        }
        // Junk interleaved after every line.
        let mut mixed = String::new();
        let n = text.lines().count() as u64;
        for l in text.lines() {
            mixed.push_str(l);
            mixed.push_str("\n\u{1}@@ junk ]]\"{ line\n");
        }
        let (_, acct) = tester.check(mixed.as_bytes()).unwrap();
        assert_eq!(acct.lines, 2 * n, "{}", x.file);
        assert_eq!(
            acct.parsed + acct.continuation,
            x.parsed + x.continuation,
            "{}: {:?}",
            x.file,
            acct.skip_reasons
        );
        assert_eq!(
            acct.skipped,
            n + (x.lines - x.parsed - x.continuation),
            "{}",
            x.file
        );
    }
}

fn best(lines: &[&str]) -> String {
    let r = Registry::builtin();
    let s = r.sniff(&Sample {
        lines,
        file_name: "x.log",
    });
    s.best
        .and_then(|i| r.entry(i))
        .map(|e| e.format.name().to_string())
        .unwrap_or_default()
}

/// Other families' shapes are not taken by the access and syslog formats.
#[test]
fn other_shapes_are_not_ours() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "2023-06-01 14:50:00.123 [main] WARN  SessionStore - lock wait 1200 ms",
                "2023-06-01 14:50:01.000 [main] INFO  SessionStore - saved",
            ],
            "java-log4j",
        ),
        (
            &[
                r#"{"name":"renovate","hostname":"h","pid":1,"level":30,"msg":"x","time":"2023-03-24T12:00:00.000Z","v":0}"#,
                r#"{"name":"renovate","hostname":"h","pid":1,"level":20,"msg":"y","time":"2023-03-24T12:00:01.000Z","v":0}"#,
            ],
            "node-bunyan-pino",
        ),
        (
            &[
                r#"{"reqId":"a","level":2,"time":"2023-10-01T00:00:00+00:00","remoteAddr":"1.2.3.4","user":"u","app":"core","method":"GET","url":"/index.php/apps/x","message":"m"}"#,
                r#"{"reqId":"b","level":2,"time":"2023-10-01T00:00:01+00:00","remoteAddr":"1.2.3.4","user":"u","app":"core","method":"GET","url":"/index.php/apps/y","message":"m"}"#,
            ],
            "json-lines",
        ),
        (
            &[
                r#"time="2021-09-15T10:00:00Z" level=error msg="pod not found" namespace=default"#,
                r#"time="2021-09-15T10:00:01Z" level=info msg="ok" namespace=default"#,
            ],
            "logfmt",
        ),
    ];
    for (lines, want) in cases {
        assert_eq!(best(lines), *want, "{lines:?}");
    }
}

/// One stray line of another format never flips a file.
#[test]
fn one_stray_line_does_not_flip() {
    let shop = String::from_utf8(fixture("access/lnav_shop_access_log.0")).unwrap();
    let mut lines: Vec<&str> = shop.lines().take(60).collect();
    lines.insert(
        7,
        "Jun  1 03:00:01 batch01 CRON[4243]: (root) CMD (/opt/a.sh)",
    );
    lines.insert(
        20,
        r#"{"time":"2023-06-01T00:00:00Z","msg":"x","status":200,"method":"GET"}"#,
    );
    assert_eq!(best(&lines), "access-combined");
    let sys = String::from_utf8(fixture("syslog/debian_syslog.log")).unwrap();
    let mut lines: Vec<&str> = sys.lines().collect();
    lines.insert(
        3,
        r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0900] "GET / HTTP/1.1" 200 5 "-" "ua" 0.1"#,
    );
    assert_eq!(best(&lines), "syslog");
    let timed = String::from_utf8(fixture("access/nginx_timed.log")).unwrap();
    let mut lines: Vec<&str> = timed.lines().collect();
    lines.insert(
        3,
        r#"1.2.3.4 - - [01/Jun/2023:14:50:00 +0900] "GET / HTTP/1.1" 200 5"#,
    );
    assert_eq!(best(&lines), "access-combined-timed");
}

/// Mutated fixture lines (characters replaced by delimiters the parsers look
/// for, cut short, doubled) through every format of this family: never a
/// panic, always balanced accounting.
#[test]
fn mutation_fuzz() {
    const DELIMS: &[char] = &[
        '"', '[', ']', '{', '}', ':', ' ', '\t', '\\', '|', '/', '=', ',', '-', '.', 'あ', '0',
    ];
    let r = Registry::builtin();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut corpus = String::new();
    for x in EXPECT {
        let text = String::from_utf8_lossy(&fixture(x.file)).into_owned();
        for l in text.lines().take(40) {
            let mut chars: Vec<char> = l.chars().collect();
            for _ in 0..4 {
                match next() % 4 {
                    0 if !chars.is_empty() => {
                        let i = (next() as usize) % chars.len();
                        chars[i] = DELIMS[(next() as usize) % DELIMS.len()];
                    }
                    1 if !chars.is_empty() => {
                        let i = (next() as usize) % chars.len();
                        chars.truncate(i);
                    }
                    2 => {
                        let i = (next() as usize) % (chars.len() + 1);
                        chars.insert(i, DELIMS[(next() as usize) % DELIMS.len()]);
                    }
                    _ => {}
                }
            }
            corpus.extend(chars);
            corpus.push('\n');
        }
    }
    for x in EXPECT {
        let f = r.entry(r.find(x.format).unwrap()).unwrap().format.clone();
        let (_, acct) = ParseTester::new(f.as_ref(), "Asia/Tokyo")
            .check(corpus.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", x.format));
        assert!(acct.balanced());
    }
    let f = r
        .entry(r.find("openstack-oslo").unwrap())
        .unwrap()
        .format
        .clone();
    let (_, acct) = ParseTester::new(f.as_ref(), "UTC")
        .check(corpus.as_bytes())
        .unwrap();
    assert!(acct.balanced());
}

/// Real Debian cron (3.0pl1-162) output, `cron -f -L 15` then `cron -f`.
#[test]
fn real_cron_runs() {
    let ev = events_of("syslog/debian_cron_capture.log", "syslog");
    type Run<'a> = (u32, Kind, &'a str, Option<&'a str>, Option<f64>);
    let runs: Vec<Run<'_>> = ev
        .iter()
        .filter(|e| e.kind != Kind::Log)
        .take(6)
        .map(|e| {
            (
                e.line,
                e.kind,
                e.job.as_deref().unwrap_or(""),
                e.run_id.as_deref(),
                e.duration_ms,
            )
        })
        .collect();
    assert_eq!(
        runs,
        vec![
            (
                13,
                Kind::JobStart,
                "/tmp/cronlab/job-ok.sh",
                Some("23983"),
                None
            ),
            (
                14,
                Kind::JobStart,
                "/tmp/cronlab/job-ok.sh",
                Some("23981"),
                None
            ),
            (
                15,
                Kind::JobStart,
                "/tmp/cronlab/job-fail.sh",
                Some("23982"),
                None
            ),
            (
                16,
                Kind::JobFail,
                "/tmp/cronlab/job-fail.sh",
                Some("23982"),
                Some(2000.0)
            ),
            (
                19,
                Kind::JobEnd,
                "/tmp/cronlab/job-ok.sh",
                Some("23981"),
                Some(3000.0)
            ),
            (
                20,
                Kind::JobEnd,
                "/tmp/cronlab/job-ok.sh",
                Some("23983"),
                Some(3000.0)
            ),
        ]
    );
    // With the default log level the CMD line comes from another pid than
    // the PAM session: starts only, no invented ends.
    let last: Vec<Kind> = ev
        .iter()
        .skip(60)
        .filter(|e| e.kind != Kind::Log)
        .map(|e| e.kind)
        .collect();
    assert_eq!(last, vec![Kind::JobStart, Kind::JobStart, Kind::JobStart]);
}

/// Real Apache 2.4 and HAProxy 2.6 output captured here.
#[test]
fn real_apache_and_haproxy() {
    let d = events_of("access/apache_D_capture.log", "access-combined-timed");
    let td = events_of("access/apache_TD_capture.log", "access-combined-timed");
    let vh = events_of("access/apache_vhost_capture.log", "access-combined");
    assert_eq!(d[2].duration_ms, Some(358.739));
    assert_eq!(d[2].route.as_deref(), Some("/app/api/session/restore"));
    for (a, b) in d.iter().zip(&td) {
        assert_eq!(a.duration_ms, b.duration_ms);
        assert_eq!((a.ts, a.status, &a.route), (b.ts, b.status, &b.route));
    }
    assert_eq!(vh[0].host.as_deref(), Some("www.example.test:80"));
    assert_eq!(vh[0].client.as_deref(), Some("127.0.0.1"));
    assert_eq!(vh[1].attr("ua"), Some(r#"Mozilla/5.0 (Macintosh) \"q\""#));
    let ha = events_of("access/haproxy_raw_capture.log", "haproxy-http");
    assert_eq!(ha[0].duration_ms, Some(355.0));
    assert_eq!(ha[0].attr("server"), Some("srv1"));
    assert_eq!(ha[0].route.as_deref(), Some("/api/session/restore"));
    assert_eq!(ha[7].status, Some(408));
    assert_eq!(ha[7].attr("termination"), Some("cR--"));
}

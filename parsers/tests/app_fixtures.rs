//! Real application, app-server and job logs (copied under
//! `tests/fixtures/{java,apps,jobs}` with their licences): each is sniffed as
//! its own format without a hint (so every other format loses on it), and
//! parses with exact counts through every reading path.

#![allow(clippy::panic, clippy::unwrap_used)]

use pm_parsers::registry::sample_lines;
use pm_parsers::testutil::ParseTester;
use pm_parsers::time::format_utc;
use pm_parsers::{Event, Kind, Level, Registry, Sample};
use std::collections::BTreeMap;

struct Case {
    file: &'static str,
    bytes: &'static [u8],
    format: &'static str,
    zone: &'static str,
    /// lines, parsed, continuation, skipped
    acct: (u64, u64, u64, u64),
    kinds: &'static [(&'static str, usize)],
}

const CASES: &[Case] = &[
    Case {
        file: "java/lnav_java.0",
        bytes: include_bytes!("fixtures/java/lnav_java.0"),
        format: "java-log4j",
        zone: "UTC",
        acct: (20, 20, 0, 0),
        kinds: &[("log", 20)],
    },
    Case {
        file: "java/lnav_laravel.0",
        bytes: include_bytes!("fixtures/java/lnav_laravel.0"),
        format: "laravel",
        zone: "UTC",
        acct: (1416, 82, 1334, 0),
        kinds: &[("error", 82)],
    },
    Case {
        file: "java/hayato_tomcat9_ja_catalina.2024-01-21.log",
        bytes: include_bytes!("fixtures/java/hayato_tomcat9_ja_catalina.2024-01-21.log"),
        format: "tomcat-juli",
        zone: "Asia/Tokyo",
        acct: (1181, 831, 350, 0),
        kinds: &[("error", 14), ("log", 817)],
    },
    Case {
        file: "apps/lnav_zap_console.0",
        bytes: include_bytes!("fixtures/apps/lnav_zap_console.0"),
        format: "go-zap",
        zone: "UTC",
        acct: (9, 3, 6, 0),
        kinds: &[("error", 1), ("log", 2)],
    },
    Case {
        file: "apps/lnav_bunyan.0",
        bytes: include_bytes!("fixtures/apps/lnav_bunyan.0"),
        format: "node-bunyan-pino",
        zone: "UTC",
        acct: (10, 10, 0, 0),
        kinds: &[("log", 10)],
    },
    Case {
        file: "apps/lnav_nextcloud.0",
        bytes: include_bytes!("fixtures/apps/lnav_nextcloud.0"),
        format: "json-lines",
        zone: "UTC",
        acct: (5, 5, 0, 0),
        kinds: &[("log", 5)],
    },
    Case {
        file: "apps/lnav_logfmt.0",
        bytes: include_bytes!("fixtures/apps/lnav_logfmt.0"),
        format: "logfmt",
        zone: "UTC",
        acct: (5, 5, 0, 0),
        kinds: &[("error", 2), ("log", 3)],
    },
    Case {
        file: "jobs/celery5_worker.log",
        bytes: include_bytes!("fixtures/jobs/celery5_worker.log"),
        format: "celery",
        zone: "UTC",
        acct: (42, 17, 25, 0),
        kinds: &[
            ("error", 2),
            ("job_end", 2),
            ("job_fail", 3),
            ("job_start", 5),
            ("log", 5),
        ],
    },
];

fn sniff(reg: &Registry, case: &Case) -> String {
    let text = String::from_utf8_lossy(case.bytes);
    let lines = sample_lines(&text);
    let name = case.file.rsplit('/').next().unwrap_or("");
    let s = reg.sniff(&Sample {
        lines: &lines,
        file_name: name,
    });
    s.best
        .and_then(|i| reg.entry(i))
        .map(|e| e.format.name().to_string())
        .unwrap_or_default()
}

fn run(case: &Case) -> (Vec<Event<'static>>, pm_parsers::Accounting) {
    let reg = Registry::builtin();
    let i = reg.find(case.format).expect("format registered");
    let entry = reg.entry(i).expect("entry");
    ParseTester::new(entry.format.as_ref(), case.zone)
        .check(case.bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", case.file))
}

#[test]
fn each_fixture_sniffs_as_its_format() {
    let reg = Registry::builtin();
    for case in CASES {
        assert_eq!(sniff(&reg, case), case.format, "{}", case.file);
    }
}

#[test]
fn each_fixture_parses_with_exact_counts() {
    for case in CASES {
        let (ev, a) = run(case);
        assert_eq!(
            (a.lines, a.parsed, a.continuation, a.skipped),
            case.acct,
            "{}",
            case.file
        );
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &ev {
            *kinds.entry(e.kind.as_str()).or_default() += 1;
        }
        let want: BTreeMap<&str, usize> = case.kinds.iter().copied().collect();
        assert_eq!(kinds, want, "{}", case.file);
    }
}

#[test]
fn tomcat_ja_fields() {
    let (ev, _) = run(&CASES[2]);
    assert_eq!(format_utc(ev[0].ts), "2024-01-21T08:06:43.203Z");
    assert_eq!(ev[0].level, Some(Level::Info));
    assert_eq!(ev[0].thread.as_deref(), Some("main"));
    assert_eq!(
        ev[0].app.as_deref(),
        Some("org.apache.catalina.startup.VersionLoggerListener.log")
    );
    let severe: Vec<_> = ev.iter().filter(|e| e.kind == Kind::Error).collect();
    assert!(severe.iter().all(|e| e.level == Some(Level::Fatal)));
    let bind = severe
        .iter()
        .find(|e| e.attr("cause") == Some("java.net.BindException"))
        .expect("a Caused by: BindException");
    assert_eq!(
        bind.attr("exception"),
        Some("org.apache.catalina.LifecycleException")
    );
    assert_eq!(bind.line_count, 27);
    assert!(bind.message.contains("... 11 more"));
}

#[test]
fn java_and_laravel_fields() {
    let (ev, _) = run(&CASES[0]);
    assert_eq!(ev[1].thread.as_deref(), Some("main"));
    assert_eq!(ev[1].app.as_deref(), Some("FarmApplication"));
    assert!(ev[1].message.starts_with("Starting FarmApplication v3.0.7"));
    assert_eq!(format_utc(ev[1].ts), "2025-01-24T07:00:30.227Z");
    let (ev, _) = run(&CASES[1]);
    assert_eq!(ev[0].attr("exception"), Some("BindingResolutionException"));
    assert_eq!(ev[0].app.as_deref(), Some("local"));
    assert_eq!(format_utc(ev[0].ts), "2023-05-15T18:19:32.000Z");
}

#[test]
fn zap_and_bunyan_fields() {
    let (ev, _) = run(&CASES[3]);
    assert_eq!(ev[1].level, Some(Level::Error));
    assert_eq!(ev[1].attr("caller"), Some("internal/queue_sender.go:128"));
    assert_eq!(ev[1].line_count, 7);
    assert_eq!(ev[1].attr("dropped_items"), Some("60"));
    let (ev, _) = run(&CASES[4]);
    assert_eq!(ev[0].level, Some(Level::Debug));
    assert_eq!(ev[3].level, Some(Level::Info));
    assert_eq!(ev[0].app.as_deref(), Some("renovate"));
    assert_eq!(
        ev[0].host.as_deref(),
        Some("renovate-gitlab-67c4bcb5-9ggbv")
    );
    assert_eq!(ev[0].pid, Some(7));
}

/// Hand-made samples (formats whose real samples cannot be copied, or that
/// must be told apart from a neighbour) are sniffed right by the whole registry.
#[test]
fn look_alikes_are_told_apart() {
    let cases: &[(&str, &str)] = &[
        (
            "sidekiq",
            "2017-06-06T20:55:55.724Z 207 TID-5aro4 INFO: Booting Sidekiq 5.0.2\n2017-06-07T10:55:00.064Z 10 TID-2ndao SchedulerMasterImport JID-0ea2f2a2 INFO: start\n2017-06-07T10:55:00.206Z 10 TID-2ndao SchedulerMasterImport JID-0ea2f2a2 INFO: done: 0.142 sec\n",
        ),
        (
            "sidekiq",
            "2020-01-01T00:00:00.000Z pid=1 tid=2mw class=HardWorker jid=b4a8 INFO: start\n2020-01-01T00:00:00.101Z pid=1 tid=2mw class=HardWorker jid=b4a8 elapsed=0.101 INFO: done\n",
        ),
        (
            "sidekiq-json",
            "{\"ts\":\"2023-06-01T03:00:00.000Z\",\"pid\":9,\"tid\":\"owq\",\"lvl\":\"INFO\",\"msg\":\"start\",\"ctx\":{\"class\":\"J\",\"jid\":\"j1\"}}\n",
        ),
        (
            "ruby-logger",
            "I, [2016-05-03T14:36:37.421862 #12345]  INFO -- worker: polling\nW, [2016-05-03T14:36:38.000000 #12345]  WARN -- worker: slow\n",
        ),
        (
            "rails",
            "I, [2016-05-03T14:36:37.421862 #12345]  INFO -- : Started GET \"/\" for 127.0.0.1 at 2016-05-03 14:36:37 +0900\nI, [2016-05-03T14:36:37.500000 #12345]  INFO -- : Completed 200 OK in 3ms\n",
        ),
        (
            "node-bunyan-pino",
            "{\"level\":30,\"time\":1685598600123,\"pid\":12,\"hostname\":\"api-1\",\"msg\":\"hello\"}\n{\"level\":40,\"time\":1685598600124,\"pid\":12,\"hostname\":\"api-1\",\"msg\":\"warn\"}\n",
        ),
        (
            "json-lines",
            "{\"time\":\"2023-06-01T00:00:00Z\",\"level\":\"info\",\"msg\":\"a\"}\n{\"time\":\"2023-06-01T00:00:01Z\",\"level\":\"warn\",\"msg\":\"b\"}\n",
        ),
        (
            "dotnet-serilog",
            "{\"@t\":\"2023-06-01T05:50:00Z\",\"@mt\":\"Hi {Name}\",\"Name\":\"x\"}\n",
        ),
        (
            "tomcat-juli",
            "21-Jan-2024 17:06:43.203 INFO [main] org.apache.catalina.startup.Catalina.start Server startup in [1558] milliseconds\n",
        ),
        (
            "spring-boot",
            "2023-06-01 14:50:00.123  INFO 12345 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port(s): 8080 (http)\n",
        ),
        (
            "java-log4j",
            "2023-06-01 14:50:00,123 [pool-1-thread-3] WARN  com.example.SessionStore - lock wait 1200 ms\n",
        ),
        (
            "wildfly",
            "2023-06-01 14:50:00,123 INFO  [org.jboss.as] (MSC service thread 1-2) WFLYSRV0049: WildFly Full 27.0.0.Final starting\n",
        ),
        (
            "websphere",
            "[1/21/24 17:06:43:203 JST] 00000034 WebContainer  I   SRVE0242I: [app] Initialization successful.\n",
        ),
        (
            "generic",
            "2023-06-01 14:50:00 something happened\n2023-06-01 14:50:01 and then more\n",
        ),
        (
            "python-logging",
            "2023-06-01 14:50:00,123 - app.db - ERROR - could not lock row\n2023-06-01 14:50:01,000 - app.db - INFO - ok\n",
        ),
        (
            "celery",
            "[2023-06-01 12:00:00,123: INFO/MainProcess] Task app.tasks.grant_points[e231] received\n",
        ),
        (
            "cosminexus",
            "**** Linux apsv01 TZ=Asia/Tokyo 2023/06/01 09:00:00.000\r\n0000 2023/06/01 14:50:00.123 HEJB             00001AFC 0000144C KDJE34368-W x\r\n",
        ),
        (
            "go-logrus",
            "INFO[2023-06-01T14:50:00+09:00] started                                       port=8080\n",
        ),
        (
            "dotnet-console",
            "2023-06-01 14:50:00 info: Microsoft.Hosting.Lifetime[14]\n      Now listening on: http://localhost:5000\n",
        ),
        (
            "kube-events",
            "LAST SEEN   TYPE      REASON    OBJECT                 MESSAGE\n5m          Normal    Started   pod/a-123456-abcde     Started container a\n",
        ),
        (
            "batch-kv",
            "2023-06-01 03:00:00.200 INFO lock acquired key=batch:points ttl=30s owner=b1:42\n2023-06-01 03:00:30.200 WARN lock expired key=batch:points owner=b1:42\n",
        ),
    ];
    let reg = Registry::builtin();
    for (want, text) in cases {
        let lines = sample_lines(text);
        let s = reg.sniff(&Sample {
            lines: &lines,
            file_name: "x.log",
        });
        let got = s.best.and_then(|i| reg.entry(i)).map(|e| e.format.name());
        assert_eq!(got, Some(*want), "{text}");
    }
}

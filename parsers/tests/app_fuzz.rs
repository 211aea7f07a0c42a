//! Hostile input for the application, app-server and job formats: truncated
//! files, garbage between records, interleaved junk and random bytes. No
//! format may panic, every reading path must agree, and every line must be
//! accounted for; line-oriented JSON formats skip exactly the junk lines.
#![allow(clippy::panic, clippy::unwrap_used)]

use pm_parsers::Registry;
use pm_parsers::testutil::ParseTester;

/// (format, a small valid sample of it)
const SEEDS: &[(&str, &str)] = &[
    (
        "tomcat-juli",
        "21-Jan-2024 17:42:14.851 重大 [main] org.a.B.c 失敗\n\torg.apache.catalina.LifecycleException: x\n\t\tat a.B.c(B.java:1)\n\t\t... 11 more\n21-Jan-2024 17:42:15.000 情報 [main] org.a.B.c ok\n",
    ),
    (
        "spring-boot",
        "2023-06-01 14:50:00.123  INFO 12345 --- [           main] o.s.b.Foo  : Tomcat started\n2023-06-01 14:50:01.000 ERROR 12345 --- [nio-8080-exec-1] c.e.Svc : boom\njava.lang.IllegalStateException: x\n\tat c.e.Svc.run(Svc.java:10)\n",
    ),
    (
        "java-log4j",
        "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.X: Created\n2023-06-01 14:50:00,123 [pool-1] WARN  com.example.S - lock wait ORA-00060\n",
    ),
    (
        "wildfly",
        "2023-06-01 14:50:00,123 INFO  [org.jboss.as] (MSC service thread 1-2) WFLYSRV0049: starting\n",
    ),
    (
        "websphere",
        "[1/21/24 17:06:43:203 JST] 00000034 WebContainer  I   SRVE0242I: ok\n[1/21/24 17:06:44:000 JST] 00000035 SystemErr     R java.sql.SQLException: ORA-00060\n[1/21/24 17:06:44:001 JST] 00000035 SystemErr     R \tat x.Y.z(Y.java:1)\n",
    ),
    (
        "cosminexus",
        "**** Linux host1 TZ=JST-9 2023/06/01 09:00:00.000\r\n0000 2023/06/01 14:50:00.123 HEJB 00001AFC 0000144C KDJE34368-W 縮退\r\n0001 2023/06/01 14:50:01.000 HEJB 00001AFC 0000144C KDJE34377-E 失敗\r\njava.sql.SQLException: x\r\n",
    ),
    (
        "rails",
        "I, [2016-05-03T09:34:37.002679 #6750]  INFO -- : Started GET \"/\" for 127.0.0.1 at 2016-05-03 09:34:37 +0200\nI, [2016-05-03T09:34:37.004610 #6750]  INFO -- : Processing by A#b as */*\nI, [2016-05-03T09:34:37.008331 #6750]  INFO -- : Completed 200 OK in 3ms (Views: 2.3ms)\n",
    ),
    (
        "laravel",
        "[2023-05-15 18:19:32] local.ERROR: x {\"exception\":\"[object] (A\\\\B(code: 0): x at /a.php:1)\n[stacktrace]\n#0 {main}\n\"} \n",
    ),
    (
        "python-logging",
        "2023-06-01 14:50:00,123 - app - ERROR - boom\nTraceback (most recent call last):\n  File \"x.py\", line 1, in f\nKeyError: 'a'\n",
    ),
    (
        "go-zap",
        "2025-04-24T22:09:20.856Z\terror\tq.go:128\tfailed\t{\"a\": 1}\nmain.main()\n\t/x/main.go:10\n",
    ),
    (
        "go-logrus",
        "INFO[2023-06-01T14:50:00+09:00] lock acquired   key=points\n",
    ),
    (
        "node-bunyan-pino",
        "{\"name\":\"a\",\"hostname\":\"h\",\"pid\":7,\"level\":30,\"msg\":\"m\",\"time\":\"2023-03-24T14:26:16.243Z\",\"v\":0}\n",
    ),
    (
        "dotnet-serilog",
        "{\"@t\":\"2023-06-01T05:50:00Z\",\"@mt\":\"Hi {Name}\",\"Name\":\"x\"}\n",
    ),
    (
        "dotnet-console",
        "2023-06-01 14:50:00 info: Microsoft.Hosting.Lifetime[14]\n      Now listening on: http://localhost:5000\n",
    ),
    (
        "sidekiq",
        "2016-10-20T08:24:43.630Z 42978 TID-oxw ExportWorker JID-95d9 INFO: start\n2016-10-20T08:24:43.714Z 42978 TID-oxw ExportWorker JID-95d9 INFO: fail: 0.084 sec\n2016-10-20T08:24:43.716Z 42978 TID-oxw WARN: {\"class\"=>\"ExportWorker\", \"jid\"=>\"95d9\"}\n",
    ),
    (
        "sidekiq-json",
        "{\"ts\":\"2023-06-01T03:00:00.000Z\",\"pid\":9,\"tid\":\"owq\",\"lvl\":\"INFO\",\"msg\":\"start\",\"ctx\":{\"class\":\"J\",\"jid\":\"j1\"}}\n",
    ),
    (
        "celery",
        "[2023-06-01 12:00:00,123: INFO/MainProcess] Task app.t[1] received\n[2023-06-01 12:00:01,123: ERROR/ForkPoolWorker-1] Task app.t[1] raised unexpected: ValueError('x')\nTraceback (most recent call last):\nValueError: x\n",
    ),
    (
        "kube-events",
        "LAST SEEN   TYPE      REASON    OBJECT          MESSAGE\n5m          Normal    Started   pod/a-123456-abcde   Started container a\n",
    ),
    (
        "kube-events-json",
        "{\"items\": [{\"involvedObject\": {\"kind\": \"Pod\", \"name\": \"a\"}, \"reason\": \"Started\", \"lastTimestamp\": \"2023-06-01T00:00:00Z\", \"message\": \"m\", \"type\": \"Normal\"}]}\n",
    ),
    (
        "batch-kv",
        "2023-06-01 03:00:00.200 INFO lock acquired key=batch:points ttl=30s\n2023-06-01 03:00:00 INFO job=p run_id=r1 start\n",
    ),
];

const JUNK: &[&str] = &[
    "",
    "garbage",
    "\u{fffd}\u{fffd}\u{fffd}",
    "{\"not\":\"closed\"",
    "[2023-13-45 99:99:99] x.ERROR: bad time",
    "0000 2023/02/30 25:00:00.000 HEJB zzzz 0000 KDJE-W",
    "I, [not a time #x]  INFO -- : y",
    "LAST SEEN   TYPE   REASON   OBJECT   MESSAGE",
    "\t\t... 3 more",
    "2023-06-01 14:50:00,123",
];

/// A deterministic generator, so failures reproduce.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn registry() -> &'static Registry {
    static REG: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REG.get_or_init(Registry::builtin)
}

fn check(format: &str, bytes: &[u8]) -> pm_parsers::Accounting {
    let reg = registry();
    let f = reg.entry(reg.find(format).unwrap()).unwrap();
    let mut t = ParseTester::new(f.format.as_ref(), "Asia/Tokyo");
    t.ctx.snapshot_time = Some(1_685_577_600_000_000);
    match t.check(bytes) {
        Ok((_, a)) => a,
        Err(e) => panic!("{format}: {e}\ninput: {:?}", String::from_utf8_lossy(bytes)),
    }
}

#[test]
fn truncated_at_every_byte() {
    for (format, seed) in SEEDS {
        let b = seed.as_bytes();
        for cut in 0..b.len() {
            check(format, &b[..cut]);
        }
    }
}

#[test]
fn junk_between_records() {
    for (format, seed) in SEEDS {
        let mut text = String::new();
        for (i, line) in seed.lines().enumerate() {
            text.push_str(JUNK[i % JUNK.len()]);
            text.push('\n');
            text.push_str(line);
            text.push('\n');
        }
        for j in JUNK {
            text.push_str(j);
            text.push('\n');
        }
        let a = check(format, text.as_bytes());
        assert!(a.balanced(), "{format}");
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Lcg(42);
    for (format, seed) in SEEDS {
        for _ in 0..40 {
            let mut b = seed.as_bytes().to_vec();
            for _ in 0..1 + rng.next() % 6 {
                let at = (rng.next() as usize) % (b.len() + 1);
                match rng.next() % 3 {
                    0 => b.insert(at, (rng.next() % 256) as u8),
                    1 if at < b.len() => {
                        b.remove(at);
                    }
                    _ => b.insert(at, b'\n'),
                }
            }
            check(format, &b);
        }
    }
}

#[test]
fn json_formats_skip_exactly_the_junk_lines() {
    for format in ["node-bunyan-pino", "dotnet-serilog"] {
        let seed = SEEDS.iter().find(|(f, _)| f == &format).unwrap().1;
        let text = format!("{seed}not json\n{seed}{{\"broken\"\n\n{seed}");
        let a = check(format, text.as_bytes());
        assert_eq!((a.lines, a.parsed, a.skipped), (6, 3, 3), "{format}");
    }
}

//! Cases built in memory: a small deterministic one for tests and
//! snapshots, and a large synthetic one for the benchmark.

use pm_parsers::{Event, Kind, Level, Participant};
use pm_tui::model::case::CASE_VERSION;
use pm_tui::model::{Case, CaseMeta, Finding, FindingKind, SourceReport, Timeline};
use serde_json::json;
use std::borrow::Cow;

/// 2023-06-01T12:50:00Z (21:50 JST).
pub const T0: i64 = 1_685_623_800_000_000;
const S: i64 = 1_000_000;

fn source(path: &str, format: &str) -> SourceReport {
    SourceReport {
        path: path.into(),
        group: path.into(),
        format: Some(format.into()),
        encoding: Some("utf-8".into()),
        compression: "none".into(),
        ..SourceReport::default()
    }
}

fn meta(events: usize, sources: Vec<SourceReport>) -> CaseMeta {
    CaseMeta {
        version: CASE_VERSION,
        created_by: "pm-tui test".into(),
        created: "2023-06-02T00:00:00.000Z".into(),
        zone: "Asia/Tokyo".into(),
        zone_source: "--tz".into(),
        inputs: vec!["logs".into()],
        events: events as u64,
        first_ts: None,
        last_ts: None,
        sources,
    }
}

/// A small incident: requests slowing down on web01, a lock convoy on
/// db01, a deadlock, a job run twice on batch01, Japanese and hostile text.
pub fn small_case() -> Case {
    let mut t = Timeline::new();
    let mut line = [0u32; 3];
    let mut push = |t: &mut Timeline, src: u32, e: Event<'static>| {
        line[src as usize] += 1;
        let mut e = e;
        e.line = line[src as usize];
        t.push(src, &e);
    };
    for k in 0..40i64 {
        let mut r = Event::new(Kind::Request, T0 + k * 15 * S, 0, 0);
        r.host = Some(Cow::Borrowed("web01"));
        r.method = Some(Cow::Borrowed("POST"));
        r.route = Some(Cow::Borrowed("/checkout"));
        r.path = Some(Cow::Borrowed("/checkout"));
        r.status = Some(if (20..24).contains(&k) { 503 } else { 200 });
        r.duration_ms = Some(if (12..28).contains(&k) {
            9000.0 + k as f64 * 100.0
        } else {
            120.0
        });
        push(&mut t, 0, r);
    }
    for k in 0..6i64 {
        let mut w = Event::new(Kind::LockWait, T0 + (200 + k * 20) * S, 0, 0);
        w.host = Some(Cow::Borrowed("db01"));
        w.level = Some(Level::Warn);
        w.pid = Some(4200 + k);
        w.txn = Some(Cow::Owned(format!("42{k:02}")));
        w.blocker_pid = Some(4190);
        w.blocker_txn = Some(Cow::Borrowed("4190"));
        w.resource = Some(Cow::Borrowed("`shop`.`items` PRIMARY"));
        w.mode = Some(Cow::Borrowed("X"));
        w.duration_ms = Some(5000.0 + k as f64 * 1000.0);
        w.statement = Some(Cow::Borrowed(
            "UPDATE items SET stock = stock - 1 WHERE id = 1",
        ));
        w.message = Cow::Owned(format!(
            "trx 42{k:02} waits X on items PRIMARY (holder 4190)"
        ));
        push(&mut t, 1, w);
    }
    let mut d = Event::new(Kind::Deadlock, T0 + 330 * S, 0, 0);
    d.host = Some(Cow::Borrowed("db01"));
    d.level = Some(Level::Error);
    d.message = Cow::Borrowed("Deadlock found when trying to get lock; try restarting transaction");
    d.participants = vec![
        Participant {
            pid: Some(11),
            txn: Some("5001".into()),
            statement: Some("UPDATE order_items SET qty = 2 WHERE id = 7".into()),
            waits_for: Some("`shop`.`order_items` PRIMARY".into()),
            mode: Some("X".into()),
            blocked_by: Some(12),
            ..Participant::default()
        },
        Participant {
            pid: Some(12),
            txn: Some("5002".into()),
            statement: Some("UPDATE order_items SET qty = 3 WHERE id = 8".into()),
            waits_for: Some("`shop`.`order_items` PRIMARY".into()),
            mode: Some("X".into()),
            blocked_by: Some(11),
            victim: true,
            ..Participant::default()
        },
    ];
    push(&mut t, 1, d);
    for (k, host, pid) in [(0i64, "batch01", 301i64), (1, "batch01", 302)] {
        let mut s = Event::new(Kind::JobStart, T0 + (100 + k * 30) * S, 0, 0);
        s.host = Some(Cow::Borrowed(host));
        s.pid = Some(pid);
        s.job = Some(Cow::Borrowed("daily-points-grant"));
        s.level = Some(Level::Info);
        s.message = Cow::Borrowed("job daily-points-grant started");
        push(&mut t, 2, s);
        let mut g = Event::new(Kind::Log, T0 + (110 + k * 30) * S, 0, 0);
        g.host = Some(Cow::Borrowed(host));
        g.pid = Some(pid);
        g.job = Some(Cow::Borrowed("daily-points-grant"));
        g.level = Some(Level::Info);
        g.ids = vec![(Cow::Borrowed("user_id"), Cow::Borrowed("100301"))];
        g.message = Cow::Borrowed("ポイント付与 user_id=100301 完了");
        push(&mut t, 2, g);
        let mut e = Event::new(Kind::JobEnd, T0 + (400 + k * 30) * S, 0, 0);
        e.host = Some(Cow::Borrowed(host));
        e.pid = Some(pid);
        e.job = Some(Cow::Borrowed("daily-points-grant"));
        e.level = Some(Level::Info);
        e.message = Cow::Borrowed("job daily-points-grant finished");
        push(&mut t, 2, e);
    }
    let mut h = Event::new(Kind::Error, T0 + 305 * S, 0, 0);
    h.host = Some(Cow::Borrowed("web01"));
    h.level = Some(Level::Error);
    h.message = Cow::Borrowed("evil \x1b[31mRED\x1b[0m \x07bell \u{202e}txet desrever\r done");
    push(&mut t, 0, h);
    let mut j = Event::new(Kind::Log, T0 + 306 * S, 0, 0);
    j.host = Some(Cow::Borrowed("アプリ01"));
    j.level = Some(Level::Warn);
    j.message = Cow::Borrowed("決済APIの応答が遅延しています（タイムアウト 3 秒）");
    push(&mut t, 0, j);
    t.sort();
    let n = t.len();
    let find = |t: &Timeline, k: Kind| -> Vec<u64> {
        (0..t.len())
            .filter(|&i| t.kind(i) == k)
            .map(|i| i as u64)
            .collect()
    };
    let findings = vec![
        Finding {
            id: "F1".into(),
            kind: FindingKind::LockConvoy,
            start: T0 + 195 * S,
            end: T0 + 300 * S,
            score: 0.97,
            summary: "Lock convoy on `shop`.`items` PRIMARY: 6 sessions waited behind trx 4190".into(),
            evidence: find(&t, Kind::LockWait),
            attrs: json!({
                "resource": "`shop`.`items` PRIMARY",
                "blocker": {"pid": 4190, "txn": "4190", "statement": "UPDATE items SET stock = stock - 1 WHERE id = 1"},
                "waiters": 6, "max_wait_ms": 10000.0, "total_wait_ms": 45000.0
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        },
        Finding {
            id: "F2".into(),
            kind: FindingKind::LatencySpike,
            start: T0 + 180 * S,
            end: T0 + 420 * S,
            score: 0.91,
            summary: "p95 of POST /checkout 11.7 s (baseline 120 ms); probable cause: F1 (lock convoy)".into(),
            evidence: find(&t, Kind::Request).into_iter().skip(12).take(16).collect(),
            attrs: json!({
                "endpoint": "POST /checkout", "p95_ms": 11700.0, "baseline_p95_ms": 120.0, "requests": 16,
                "causes": [{"finding": "F1", "kind": "lock_convoy", "score": 0.93, "reason": "same window; /checkout transactions lock items#1"}]
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        },
        Finding {
            id: "F3".into(),
            kind: FindingKind::DuplicateRun,
            start: T0 + 130 * S,
            end: T0 + 400 * S,
            score: 0.55,
            summary: "daily-points-grant ran twice on batch01, overlapping 4 m 30 s; 1 id processed twice".into(),
            evidence: find(&t, Kind::JobStart),
            attrs: json!({"job": "daily-points-grant", "overlap_ms": 270000.0, "ids_twice": ["user_id=100301"]})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        },
    ];
    Case {
        meta: meta(
            n,
            vec![
                source("logs/web01/access.log", "nginx-combined"),
                source("logs/db01/mysql-error.log", "mysql-error"),
                source("logs/batch01/job.log", "generic"),
            ],
        ),
        timeline: t,
        findings,
        annotations: Vec::new(),
    }
}

/// `n` events over two days (so that the 1 s zoom level is computed for the
/// visible window, not precomputed): requests on 8 web hosts, lock waits and
/// errors on 2 database hosts, job runs; a finding every two hours.
pub fn synthetic_case(n: usize) -> Case {
    let mut t = Timeline::new();
    let day = 2 * 86_400 * S;
    let step = (day / n.max(1) as i64).max(1);
    let hosts: Vec<String> = (0..10)
        .map(|h| {
            if h < 8 {
                format!("web{h:02}")
            } else {
                format!("db{:02}", h - 8)
            }
        })
        .collect();
    let msgs = [
        "GET /items/1 200",
        "stock lock acquired item_id=2156618 waited=3669ms",
        "注文を受け付けました order_id=88213",
        "PaymentApi#confirm took 2104 ms",
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let ts = T0 + i as i64 * step;
        let h = (x % 10) as usize;
        let kind = match x % 100 {
            0..=59 => Kind::Request,
            60..=69 if h >= 8 => Kind::LockWait,
            70..=71 => Kind::Error,
            _ => Kind::Log,
        };
        let mut e = Event::new(kind, ts, (i + 1) as u32, i as u64 * 80);
        e.host = Some(Cow::Owned(hosts[h].clone()));
        match kind {
            Kind::Request => {
                e.method = Some(Cow::Borrowed("GET"));
                e.route = Some(Cow::Borrowed("/items/:id"));
                e.path = Some(Cow::Borrowed("/items/1"));
                e.status = Some(200);
                e.duration_ms = Some(((x >> 20) % 3000) as f64);
            }
            Kind::LockWait => {
                e.pid = Some((x >> 8) as i64 % 500);
                e.blocker_pid = Some(7);
                e.resource = Some(Cow::Borrowed("`shop`.`items` PRIMARY"));
                e.duration_ms = Some(((x >> 24) % 20_000) as f64);
                e.level = Some(Level::Warn);
            }
            Kind::JobStart | Kind::JobEnd => {
                e.job = Some(Cow::Borrowed("nightly-sync"));
                e.pid = Some(((x >> 30) % 4) as i64);
            }
            _ => {
                e.level = Some(if kind == Kind::Error {
                    Level::Error
                } else {
                    Level::Info
                });
            }
        }
        e.message = Cow::Borrowed(msgs[(x >> 40) as usize % msgs.len()]);
        t.push((h % 4) as u32, &e);
    }
    // A job run every 15 minutes; every fourth one is started twice.
    for run in 0..192i64 {
        let start = T0 + run * 900 * S;
        let copies = if run % 4 == 0 { 2 } else { 1 };
        for c in 0..copies {
            for (kind, at) in [
                (Kind::JobStart, start + c * 20 * S),
                (Kind::JobEnd, start + 300 * S + c * 20 * S),
            ] {
                let mut e = Event::new(kind, at, 1, 0);
                e.host = Some(Cow::Borrowed("web00"));
                e.job = Some(Cow::Borrowed("nightly-sync"));
                e.pid = Some(1000 + run * 2 + c);
                e.message = Cow::Borrowed("nightly-sync");
                t.push(0, &e);
            }
        }
    }
    t.sort();
    let findings = (0..24)
        .map(|hr| Finding {
            id: format!("F{}", hr + 1),
            kind: FindingKind::ALL[hr % FindingKind::ALL.len()],
            start: T0 + hr as i64 * 7200 * S + 600 * S,
            end: T0 + hr as i64 * 7200 * S + 1500 * S,
            score: 1.0 - hr as f64 / 30.0,
            summary: format!("synthetic finding {hr}"),
            evidence: (0..20)
                .map(|k| ((hr * 7200 + 600 + k) as i64 * S / step) as u64)
                .filter(|&e| (e as usize) < n)
                .collect(),
            attrs: serde_json::Map::new(),
        })
        .collect();
    Case {
        meta: meta(
            n,
            (0..4)
                .map(|k| source(&format!("logs/src{k}.log"), "generic"))
                .collect(),
        ),
        timeline: t,
        findings,
        annotations: Vec::new(),
    }
}

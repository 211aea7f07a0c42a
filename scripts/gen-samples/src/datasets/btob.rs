//! btob-session-restore: a B2B platform whose session-restore feature saved and restored every
//! user's session under one exclusive lock (`LOCK TABLE session_store IN EXCLUSIVE MODE`).
//!
//! Mechanism simulated: a discrete-event model of two Tomcat hosts (200 request threads each,
//! accept queue 100), a per-host HikariCP pool of 6 connections to the session store
//! (connectionTimeout 30 s), and one PostgreSQL table lock taken FIFO by every restore / login /
//! dashboard session save for a service time of tens of milliseconds. The arrival rate follows a
//! chosen curve per day; the waits, time-outs, thread exhaustion and latencies all come out of
//! the queue.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::io;

use crate::out::{Files, Lines, split_at};
use crate::rng::{Rng, hash_str};
use crate::time::*;
use crate::traffic::*;

const THREADS: usize = 200;
const ACCEPT: usize = 100;
const POOL: usize = 5;
const POOL_TIMEOUT: Us = 30 * SEC;
const NGINX_TIMEOUT: Us = 60 * SEC;
const DEADLOCK_TIMEOUT: Us = SEC;
/// Mean time the restore holds the lock.
const LOCK_MEAN_MS: f64 = 90.0;
const REL_OID: u32 = 16533;
const DB_OID: u32 = 16401;
const LOCK_SQL: &str = "LOCK TABLE session_store IN EXCLUSIVE MODE";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ep {
    Restore,
    LoginPost,
    Dashboard,
    Page,
    Api,
    OrderPost,
    /// Answered by nginx itself (health checks, static files, the stopped dashboard).
    NginxOnly,
}

struct Req {
    arr: Us,
    web: usize,
    app: usize,
    ep: Ep,
    method: &'static str,
    path: String,
    referer: String,
    ip: usize,
    ua: usize,
    user: u32,
    session: u64,
    pre: Us,
    hold: Us,
    post: Us,
    // results
    thread: usize,
    conn: usize,
    t_ready: Us,
    t_lockreq: Us,
    t_grant: Us,
    t_end: Us,
    failed: bool,
    refused: bool,
    fixed_status: u16,
    fixed_size: u32,
}

#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy, Debug)]
enum Ev {
    Arrive(usize),
    PreDone(usize),
    StillWaiting(usize),
    PoolTimeout(usize),
    Release(usize),
    End(usize),
    Tick,
}

struct Host {
    free_threads: Vec<usize>,
    accept_q: VecDeque<usize>,
    free_conns: Vec<usize>,
    pool_q: VecDeque<usize>,
    // per-minute stats
    st_count: u32,
    st_wait_sum: Us,
    st_wait_max: Us,
    st_timeouts: u32,
    /// Token bucket of the slow-wait warning (1 per 5 s, burst 5) and how many it dropped.
    warn_tokens: f64,
    warn_last: Us,
    warn_suppressed: u32,
}

/// One simulated day.
struct Day {
    date: (i64, u32, u32),
    from: Us,
    to: Us,
    /// Lock-taking arrivals (restore + login) in units of lock capacity.
    base: Curve,
    /// Dashboard API polling, same units (05-02 only).
    dash: Curve,
    /// Instant at which nginx starts answering 503 for the dashboard (None: served all day).
    dash_stop: Option<Us>,
    /// The dashboard was already stopped for the whole day (05-31..06-02 precaution).
    dash_stopped_all_day: bool,
}

fn hm(d: (i64, u32, u32), h: u32, m: u32) -> Us {
    jst(d.0, d.1, d.2, h, m, 0)
}

fn curve(d: (i64, u32, u32), pts: &[(u32, u32, f64)]) -> Curve {
    Curve(pts.iter().map(|&(h, m, v)| (hm(d, h, m), v)).collect())
}

fn days() -> Vec<Day> {
    let d1 = (2023, 5, 2);
    let d2 = (2023, 6, 1);
    let d3 = (2023, 6, 2);
    vec![
        Day {
            date: d1,
            from: hm(d1, 14, 30),
            to: hm(d1, 17, 30),
            base: curve(
                d1,
                &[
                    (13, 30, 0.55),
                    (15, 0, 0.62),
                    (16, 0, 0.72),
                    (16, 30, 0.74),
                    (17, 0, 0.68),
                    (17, 30, 0.55),
                    (18, 30, 0.30),
                ],
            ),
            dash: curve(
                d1,
                &[
                    (13, 30, 0.06),
                    (15, 0, 0.11),
                    (15, 40, 0.20),
                    (16, 0, 0.33),
                    (16, 14, 0.34),
                ],
            ),
            dash_stop: Some(jst(2023, 5, 2, 16, 13, 20)),
            dash_stopped_all_day: false,
        },
        Day {
            date: d2,
            from: hm(d2, 14, 15),
            to: hm(d2, 18, 15),
            base: curve(
                d2,
                &[
                    (12, 30, 0.66),
                    (13, 0, 0.76),
                    (14, 0, 0.84),
                    (14, 40, 0.92),
                    (14, 55, 1.04),
                    (15, 30, 1.08),
                    (16, 10, 0.97),
                    (16, 30, 1.07),
                    (17, 20, 1.04),
                    (17, 40, 0.86),
                    (18, 0, 0.66),
                    (19, 0, 0.42),
                    (19, 30, 0.34),
                ],
            ),
            dash: curve(d2, &[(0, 0, 0.0)]),
            dash_stop: None,
            dash_stopped_all_day: true,
        },
        Day {
            date: d3,
            from: hm(d3, 8, 45),
            to: hm(d3, 18, 15),
            base: curve(
                d3,
                &[
                    (8, 0, 0.25),
                    (8, 45, 0.70),
                    (9, 10, 0.93),
                    (9, 20, 1.06),
                    (10, 0, 1.09),
                    (11, 0, 0.96),
                    (11, 30, 1.07),
                    (12, 0, 0.90),
                    (12, 40, 0.93),
                    (13, 10, 1.06),
                    (14, 30, 1.09),
                    (15, 20, 0.95),
                    (15, 50, 1.08),
                    (17, 15, 1.05),
                    (17, 40, 0.86),
                    (18, 0, 0.66),
                    (19, 0, 0.40),
                    (19, 30, 0.32),
                ],
            ),
            dash: curve(d3, &[(0, 0, 0.0)]),
            dash_stop: None,
            dash_stopped_all_day: true,
        },
    ]
}

const PAGES: &[(&str, f64)] = &[
    ("/", 10.0),
    ("/orders", 18.0),
    ("/orders/{id}", 22.0),
    ("/catalog/search?q={q}&page={p}", 16.0),
    ("/invoices", 6.0),
    ("/estimates/{id}", 8.0),
    ("/login", 6.0),
    ("/settings/users", 2.0),
];
const APIS: &[(&str, f64)] = &[
    ("/api/notifications/count", 30.0),
    ("/api/orders?status={s}&page={p}", 25.0),
    ("/api/catalog/items/{id}", 30.0),
    ("/api/cart", 15.0),
];
const REF_PAGES: &[&str] = &[
    "/",
    "/orders",
    "/orders",
    "/catalog/search",
    "/invoices",
    "/orders/new",
    "/estimates",
    "/",
];
const QUERIES: &[&str] = &[
    "%E6%A2%B1%E5%8C%85",
    "A4%E3%82%B3%E3%83%94%E3%83%BC%E7%94%A8%E7%B4%99",
    "toner",
    "%E6%89%8B%E8%A2%8B",
    "JAN4901234567894",
    "%E5%B0%81%E7%AD%92",
    "label",
];
const STATUSES: &[&str] = &["open", "shipped", "draft", "billing"];

fn fill(rng: &mut Rng, tpl: &str) -> String {
    let mut s = tpl.to_string();
    if s.contains("{id}") {
        s = s.replace("{id}", &rng.range(100_000, 999_999).to_string());
    }
    if s.contains("{q}") {
        s = s.replace("{q}", rng.pick::<&str>(QUERIES));
    }
    if s.contains("{p}") {
        s = s.replace("{p}", &rng.range(1, 6).to_string());
    }
    if s.contains("{s}") {
        s = s.replace("{s}", rng.pick::<&str>(STATUSES));
    }
    s
}

const SITE: &str = "https://b2b.bizplat.example.jp";

/// Generate the requests of one day (all endpoints), sorted by arrival.
fn make_requests(rng: &mut Rng, day: &Day, scale: f64, ips: &IpPool) -> Vec<Req> {
    let cap_per_min = 60_000.0 / LOCK_MEAN_MS;
    let wob = Wobble::new(rng, day.from, day.to, 0.04, 0.9);
    let mut reqs: Vec<Req> = Vec::new();
    let mk = |rng: &mut Rng, arr: Us, ep: Ep| -> Req {
        let (ip, _) = ips.draw(rng);
        let user = 10_000 + (ip as u32) * 37 + rng.range(0, 37) as u32;
        Req {
            arr,
            web: rng.below(2),
            app: rng.below(2),
            ep,
            method: "GET",
            path: String::new(),
            referer: "-".into(),
            ip,
            ua: (hash_str(&format!("ua{user}")) % UA_DESKTOP.len() as u64) as usize,
            user,
            session: hash_str(&format!("s{user}-{}", arr / (20 * MIN))),
            pre: 0,
            hold: 0,
            post: 0,
            thread: 0,
            conn: 0,
            t_ready: 0,
            t_lockreq: 0,
            t_grant: 0,
            t_end: 0,
            failed: false,
            refused: false,
            fixed_status: 0,
            fixed_size: 0,
        }
    };
    // Lock-taking traffic: restores (92%) and logins (8%).
    let base = arrivals(rng, day.from, day.to, |t| {
        day.base.at(t) * wob.at(t) * cap_per_min * scale
    });
    for a in base {
        let login = rng.chance(0.08);
        let mut r = mk(rng, a, if login { Ep::LoginPost } else { Ep::Restore });
        r.method = "POST";
        if login {
            r.path = "/login".into();
            r.referer = format!("{SITE}/login");
            r.pre = (rng.lognormal(55.0, 0.3) * 1000.0) as Us;
            r.post = (rng.lognormal(6.0, 0.3) * 1000.0) as Us;
        } else {
            r.path = "/api/session/restore".into();
            r.referer = format!(
                "{SITE}{}",
                REF_PAGES[(r.user as usize + (a / (3 * MIN)) as usize) % REF_PAGES.len()]
            );
            r.pre = (rng.lognormal(4.0, 0.3) * 1000.0) as Us;
            r.post = (rng.lognormal(9.0, 0.4) * 1000.0) as Us;
        }
        r.hold = (rng.lognormal(LOCK_MEAN_MS, 0.45) * 1000.0) as Us;
        reqs.push(r);
    }
    // The heavy dashboard: polled by open screens; every call also saves the session.
    let dash = arrivals(rng, day.from, day.to, |t| {
        let v = day.dash.at(t) * cap_per_min * scale;
        if day.dash_stopped_all_day {
            // Screens still open from before the stop keep polling a little (bookmarks).
            return 2.0 * scale;
        }
        match day.dash_stop {
            // After the stop the open screens get 503 and give up over a few minutes.
            Some(s) if t >= s => v * (-((t - s) as f64) / (4.0 * MIN as f64)).exp() + 1.0 * scale,
            _ => v,
        }
    });
    for a in dash {
        let mut r = mk(rng, a, Ep::Dashboard);
        let company = 1000 + (r.ip as u32 % 300);
        r.path = format!("/api/dashboard/summary?period=month&company={company}");
        r.referer = format!("{SITE}/dashboard/order-summary");
        let stopped = day.dash_stopped_all_day || day.dash_stop.is_some_and(|s| a >= s);
        if stopped {
            r.ep = Ep::NginxOnly;
            r.fixed_status = 503;
            r.fixed_size = 599;
        } else {
            r.pre = (rng.lognormal(420.0, 0.45) * 1000.0) as Us;
            r.hold = (rng.lognormal(LOCK_MEAN_MS, 0.45) * 1000.0) as Us;
            r.post = (rng.lognormal(25.0, 0.3) * 1000.0) as Us;
        }
        reqs.push(r);
    }
    // Ordinary pages and APIs (no lock), about a third of the restore traffic.
    let other = arrivals(rng, day.from, day.to, |t| {
        day.base.at(t) * wob.at(t) * cap_per_min * 0.15 * scale
    });
    for a in other {
        let kind = rng.f64();
        let mut r;
        if kind < 0.45 {
            r = mk(rng, a, Ep::Page);
            let tpl = *rng.pick_w(PAGES);
            r.path = fill(rng, tpl);
            let tpl = *rng.pick_w(PAGES);
            r.referer = format!("{SITE}{}", fill(rng, tpl));
            r.pre = (rng.lognormal(110.0, 0.5) * 1000.0) as Us;
        } else if kind < 0.93 {
            r = mk(rng, a, Ep::Api);
            let tpl = *rng.pick_w(APIS);
            r.path = fill(rng, tpl);
            let tpl = *rng.pick_w(PAGES);
            r.referer = format!("{SITE}{}", fill(rng, tpl));
            r.pre = (rng.lognormal(35.0, 0.5) * 1000.0) as Us;
        } else if kind < 0.97 {
            r = mk(rng, a, Ep::OrderPost);
            r.method = "POST";
            r.path = "/orders".into();
            r.referer = format!("{SITE}/cart");
            r.pre = (rng.lognormal(240.0, 0.4) * 1000.0) as Us;
        } else {
            r = mk(rng, a, Ep::NginxOnly);
            r.path = format!(
                "/static/{}",
                rng.pick(&[
                    "js/app.8c1f2e7.js",
                    "css/app.41d9a03.css",
                    "img/logo.svg",
                    "js/vendor.b7e21c4.js"
                ])
            );
            r.referer = format!("{SITE}/");
            r.fixed_status = if rng.chance(0.7) { 304 } else { 200 };
            r.fixed_size = if r.fixed_status == 304 {
                0
            } else {
                rng.range(3_000, 420_000) as u32
            };
        }
        reqs.push(r);
    }
    // Load-balancer health checks: every 5 s on each web host.
    for web in 0..2 {
        let mut t = day.from + rng.range(0, 5 * SEC);
        while t < day.to {
            let mut r = mk(rng, t, Ep::NginxOnly);
            r.web = web;
            r.ip = usize::MAX - web;
            r.method = "GET";
            r.path = "/healthz".into();
            r.fixed_status = 200;
            r.fixed_size = 2;
            reqs.push(r);
            t += 5 * SEC + rng.range(-3_000, 3_000);
        }
    }
    // A few crawlers hitting the public pages.
    for a in arrivals(rng, day.from, day.to, |_| 1.5 * scale) {
        let mut r = mk(rng, a, Ep::NginxOnly);
        r.ip = usize::MAX - 10 - rng.below(4);
        r.ua = usize::MAX - rng.below(UA_BOTS.len());
        r.path = rng
            .pick(&[
                "/robots.txt",
                "/",
                "/login",
                "/about",
                "/sitemap.xml",
                "/wp-login.php",
                "/.env",
            ])
            .to_string();
        r.fixed_status = match r.path.as_str() {
            "/wp-login.php" | "/.env" | "/sitemap.xml" => 404,
            "/" => 302,
            _ => 200,
        };
        r.fixed_size = if r.fixed_status == 404 {
            153
        } else {
            rng.range(200, 5_000) as u32
        };
        reqs.push(r);
    }
    reqs.sort_by_key(|r| r.arr);
    reqs
}

/// PostgreSQL backend pid of pooled connection `k` on app host `h` at `t` (HikariCP
/// maxLifetime 30 min: connections are replaced, with new pids, over time).
fn backend_pid(h: usize, k: usize, t: Us) -> u32 {
    let phase = (hash_str(&format!("phase{h}{k}")) % (30 * MIN) as u64) as Us;
    let generation = (t + phase) / (30 * MIN);
    20_000 + (hash_str(&format!("pid{h}-{k}-{generation}")) % 45_000) as u32
}

fn sess_id(s: u64) -> String {
    format!(
        "{:016X}{:016X}",
        s,
        s.rotate_left(29) ^ 0x5bd1_e995_0000_0000
    )
}

struct Outputs {
    access: [Lines; 2],
    app: [Lines; 2],
    pg: Lines,
}

fn pg_prefix(t: Us, pid: u32) -> String {
    let d = Dt::new(t, UTC);
    format!("{} UTC [{pid}] btob_app@btob ", d.ymd_hms_ms('.'))
}

fn log4j(t: Us, level: &str, thread: &str, logger: &str, msg: &str) -> String {
    let d = Dt::new(t, JST);
    format!(
        "{} {:<5} [{thread}] {logger} - {msg}",
        d.ymd_hms_ms(','),
        level
    )
}

fn exec_thread(n: usize) -> String {
    format!("http-nio-8080-exec-{}", n + 1)
}

const TIMEOUT_TRACE: &[&str] = &[
    "java.sql.SQLTransientConnectionException: SessionStorePool - Connection is not available, request timed out after 30000ms.",
    "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
    "\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:197)",
    "\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:162)",
    "\tat com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:128)",
    "\tat jp.bizplat.session.store.JdbcSessionStore.withExclusiveLock(JdbcSessionStore.java:74)",
    "\tat jp.bizplat.session.store.JdbcSessionStore.restore(JdbcSessionStore.java:112)",
    "\tat jp.bizplat.session.SessionRestoreService.restore(SessionRestoreService.java:141)",
    "\tat jp.bizplat.web.filter.SessionRestoreFilter.doFilter(SessionRestoreFilter.java:63)",
    "\tat org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:178)",
    "\tat org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:153)",
    "\tat org.apache.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:167)",
    "\tat org.apache.catalina.core.StandardContextValve.invoke(StandardContextValve.java:90)",
    "\tat org.apache.catalina.core.StandardHostValve.invoke(StandardHostValve.java:130)",
    "\tat org.apache.catalina.valves.ErrorReportValve.invoke(ErrorReportValve.java:93)",
    "\tat org.apache.catalina.core.StandardEngineValve.invoke(StandardEngineValve.java:74)",
    "\tat org.apache.catalina.connector.CoyoteAdapter.service(CoyoteAdapter.java:343)",
    "\tat org.apache.coyote.http11.Http11Processor.service(Http11Processor.java:390)",
    "\tat org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:1740)",
    "\tat java.base/java.lang.Thread.run(Thread.java:829)",
];

/// Run the discrete-event simulation of one day, filling the results into `reqs` and writing
/// the app and database log lines it produces.
fn simulate(rng: &mut Rng, reqs: &mut [Req], day: &Day, out: &mut Outputs) {
    let mut hosts: Vec<Host> = (0..2)
        .map(|_| Host {
            free_threads: (0..THREADS).rev().collect(),
            accept_q: VecDeque::new(),
            free_conns: (0..POOL).rev().collect(),
            pool_q: VecDeque::new(),
            st_count: 0,
            st_wait_sum: 0,
            st_wait_max: 0,
            st_timeouts: 0,
            warn_tokens: 5.0,
            warn_last: 0,
            warn_suppressed: 0,
        })
        .collect();
    let mut lock_holder: Option<usize> = None;
    let mut lock_q: VecDeque<usize> = VecDeque::new();
    let mut heap: BinaryHeap<Reverse<(Us, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<Reverse<(Us, u64, Ev)>>, t: Us, ev: Ev| {
        seq += 1;
        heap.push(Reverse((t, seq, ev)));
    };
    for (i, r) in reqs.iter().enumerate() {
        if r.ep != Ep::NginxOnly {
            push(&mut heap, r.arr, Ev::Arrive(i));
        }
    }
    push(&mut heap, day.from + 10 * SEC, Ev::Tick);
    let mut waiting_flag = vec![false; reqs.len()];
    let mut ticks = 0u64;

    // Grant the lock to request i at t.
    fn grant(
        i: usize,
        t: Us,
        reqs: &mut [Req],
        holder: &mut Option<usize>,
        out: &mut Outputs,
    ) -> Us {
        *holder = Some(i);
        reqs[i].t_grant = t;
        let waited = t - reqs[i].t_lockreq;
        if waited >= DEADLOCK_TIMEOUT {
            let pid = backend_pid(reqs[i].app, reqs[i].conn, reqs[i].t_lockreq);
            out.pg.push(
                t,
                format!(
                    "{p}LOG:  process {pid} acquired ExclusiveLock on relation {REL_OID} of database {DB_OID} after {:.3} ms\n{p}STATEMENT:  {LOCK_SQL}",
                    waited as f64 / 1000.0,
                    p = pg_prefix(t, pid)
                ),
            );
        }
        t + reqs[i].hold
    }

    while let Some(Reverse((t, _, ev))) = heap.pop() {
        match ev {
            Ev::Arrive(i) => {
                let h = reqs[i].app;
                // nginx tries the chosen upstream, then the other one if its backlog is full.
                let mut hh = h;
                if hosts[hh].free_threads.is_empty() && hosts[hh].accept_q.len() >= ACCEPT {
                    hh = 1 - h;
                    if hosts[hh].free_threads.is_empty() && hosts[hh].accept_q.len() >= ACCEPT {
                        reqs[i].refused = true;
                        reqs[i].t_end = t + 2_000;
                        continue;
                    }
                }
                reqs[i].app = hh;
                if let Some(th) = hosts[hh].free_threads.pop() {
                    reqs[i].thread = th;
                    push(&mut heap, t + reqs[i].pre, Ev::PreDone(i));
                } else {
                    hosts[hh].accept_q.push_back(i);
                }
            }
            Ev::PreDone(i) => {
                if reqs[i].hold == 0 {
                    push(&mut heap, t, Ev::End(i));
                    continue;
                }
                let h = reqs[i].app;
                reqs[i].t_ready = t;
                if let Some(c) = hosts[h].free_conns.pop() {
                    reqs[i].conn = c;
                    request_lock(
                        i,
                        t,
                        reqs,
                        &mut lock_holder,
                        &mut lock_q,
                        out,
                        &mut heap,
                        &mut push,
                        &mut waiting_flag,
                    );
                } else {
                    hosts[h].pool_q.push_back(i);
                    waiting_flag[i] = true;
                    push(&mut heap, t + POOL_TIMEOUT, Ev::PoolTimeout(i));
                }
            }
            Ev::PoolTimeout(i) => {
                if !waiting_flag[i] || reqs[i].t_grant != 0 || reqs[i].failed {
                    continue;
                }
                // Still queued for a connection: give up.
                let h = reqs[i].app;
                if let Some(pos) = hosts[h].pool_q.iter().position(|x| *x == i) {
                    hosts[h].pool_q.remove(pos);
                    waiting_flag[i] = false;
                    reqs[i].failed = true;
                    hosts[h].st_timeouts += 1;
                    let th = exec_thread(reqs[i].thread);
                    let mut rec = log4j(
                        t + 1_000,
                        "ERROR",
                        &th,
                        "jp.bizplat.session.SessionRestoreService",
                        &format!(
                            "Session restore failed: sessionId={} userId=u{:06}",
                            sess_id(reqs[i].session),
                            reqs[i].user
                        ),
                    );
                    for l in TIMEOUT_TRACE {
                        rec.push('\n');
                        rec.push_str(l);
                    }
                    out.app[h].push(t + 1_000, rec);
                    push(&mut heap, t + 3_000, Ev::End(i));
                }
            }
            Ev::StillWaiting(i) => {
                if reqs[i].t_grant != 0 {
                    continue;
                }
                let pid = backend_pid(reqs[i].app, reqs[i].conn, reqs[i].t_lockreq);
                let holder = lock_holder
                    .map(|hd| backend_pid(reqs[hd].app, reqs[hd].conn, reqs[hd].t_lockreq))
                    .unwrap_or(0);
                let queue: Vec<String> = lock_q
                    .iter()
                    .map(|&q| backend_pid(reqs[q].app, reqs[q].conn, reqs[q].t_lockreq).to_string())
                    .collect();
                let p = pg_prefix(t, pid);
                out.pg.push(
                    t,
                    format!(
                        "{p}LOG:  process {pid} still waiting for ExclusiveLock on relation {REL_OID} of database {DB_OID} after {:.3} ms\n{p}DETAIL:  Process holding the lock: {holder}. Wait queue: {}.\n{p}STATEMENT:  {LOCK_SQL}",
                        (t - reqs[i].t_lockreq) as f64 / 1000.0,
                        queue.join(", ")
                    ),
                );
            }
            Ev::Release(i) => {
                lock_holder = None;
                let h = reqs[i].app;
                // Next waiter in the PostgreSQL queue gets the lock.
                if let Some(n) = lock_q.pop_front() {
                    let done = grant(n, t, reqs, &mut lock_holder, out);
                    push(&mut heap, done, Ev::Release(n));
                }
                // The connection goes back to the pool: first valid waiter takes it.
                let c = reqs[i].conn;
                let mut given = false;
                while let Some(w) = hosts[h].pool_q.pop_front() {
                    if !waiting_flag[w] {
                        continue;
                    }
                    waiting_flag[w] = false;
                    reqs[w].conn = c;
                    request_lock(
                        w,
                        t,
                        reqs,
                        &mut lock_holder,
                        &mut lock_q,
                        out,
                        &mut heap,
                        &mut push,
                        &mut waiting_flag,
                    );
                    given = true;
                    break;
                }
                if !given {
                    hosts[h].free_conns.push(c);
                }
                // App-side accounting for the finished restore.
                let app_wait = reqs[i].t_grant - reqs[i].t_ready;
                let st = &mut hosts[h];
                st.st_count += 1;
                st.st_wait_sum += app_wait.max(0);
                st.st_wait_max = st.st_wait_max.max(app_wait);
                let st = &mut hosts[h];
                st.warn_tokens =
                    (st.warn_tokens + (t - st.warn_last) as f64 / (5.0 * SEC as f64)).min(5.0);
                st.warn_last = t;
                let log_it = app_wait >= 2 * SEC && st.warn_tokens >= 1.0;
                if app_wait >= 2 * SEC && !log_it {
                    st.warn_suppressed += 1;
                }
                if log_it {
                    st.warn_tokens -= 1.0;
                    let suppressed = std::mem::take(&mut st.warn_suppressed);
                    let th = exec_thread(reqs[i].thread);
                    let queued = lock_q.len() + hosts[h].pool_q.len();
                    let what = match reqs[i].ep {
                        Ep::LoginPost => "save (login)",
                        Ep::Dashboard => "save",
                        _ => "restore",
                    };
                    out.app[h].push(
                        t,
                        log4j(
                            t,
                            "WARN",
                            &th,
                            "jp.bizplat.session.SessionRestoreService",
                            &format!(
                                "Session {what} waited {} ms for session store lock (sessionId={}, queued={queued}){}",
                                app_wait / 1000,
                                sess_id(reqs[i].session),
                                if suppressed > 0 { format!(" [{suppressed} similar warnings suppressed]") } else { String::new() }
                            ),
                        ),
                    );
                }
                push(&mut heap, t + reqs[i].post, Ev::End(i));
            }
            Ev::End(i) => {
                reqs[i].t_end = t;
                let h = reqs[i].app;
                let th = reqs[i].thread;
                if reqs[i].ep == Ep::LoginPost && !reqs[i].failed {
                    out.app[h].push(
                        t,
                        log4j(
                            t,
                            "INFO",
                            &exec_thread(th),
                            "jp.bizplat.auth.LoginController",
                            &format!(
                                "Login succeeded: companyId={} userId=u{:06}",
                                1000 + reqs[i].ip % 300,
                                reqs[i].user
                            ),
                        ),
                    );
                }
                if let Some(n) = hosts[h].accept_q.pop_front() {
                    reqs[n].thread = th;
                    push(&mut heap, t + reqs[n].pre, Ev::PreDone(n));
                } else {
                    hosts[h].free_threads.push(th);
                }
            }
            Ev::Tick => {
                ticks += 1;
                #[allow(clippy::needless_range_loop)] // `h` also indexes out.app
                for h in 0..2 {
                    let busy = THREADS - hosts[h].free_threads.len();
                    if busy >= THREADS - 5 {
                        let host = &hosts[h];
                        out.app[h].push(
                            t,
                            log4j(
                                t,
                                "WARN",
                                "pool-monitor-1",
                                "jp.bizplat.monitor.ThreadPoolMonitor",
                                &format!(
                                    "Request thread pool exhausted: busy={busy}/{THREADS} acceptQueue={} (connector http-nio-8080); SessionStorePool active={}/{POOL} waiting={}",
                                    host.accept_q.len(),
                                    POOL - host.free_conns.len(),
                                    host.pool_q.iter().filter(|x| waiting_flag[**x]).count()
                                ),
                            ),
                        );
                    }
                    if ticks.is_multiple_of(6) {
                        let st = &mut hosts[h];
                        let avg = if st.st_count > 0 {
                            st.st_wait_sum / i64::from(st.st_count) / 1000
                        } else {
                            0
                        };
                        out.app[h].push(
                            t,
                            log4j(
                                t,
                                "INFO",
                                "session-stats-1",
                                "jp.bizplat.session.SessionRestoreService",
                                &format!(
                                    "Session store stats (60s): operations={} avgLockWait={}ms maxLockWait={}ms timeouts={}",
                                    st.st_count,
                                    avg,
                                    st.st_wait_max / 1000,
                                    st.st_timeouts
                                ),
                            ),
                        );
                        st.st_count = 0;
                        st.st_wait_sum = 0;
                        st.st_wait_max = 0;
                        st.st_timeouts = 0;
                    }
                }
                if t + 10 * SEC < day.to + 2 * MIN {
                    push(&mut heap, t + 10 * SEC, Ev::Tick);
                }
            }
        }
    }
    let _ = rng;

    #[allow(clippy::too_many_arguments)]
    fn request_lock(
        i: usize,
        t: Us,
        reqs: &mut [Req],
        holder: &mut Option<usize>,
        q: &mut VecDeque<usize>,
        out: &mut Outputs,
        heap: &mut BinaryHeap<Reverse<(Us, u64, Ev)>>,
        push: &mut impl FnMut(&mut BinaryHeap<Reverse<(Us, u64, Ev)>>, Us, Ev),
        _flags: &mut [bool],
    ) {
        // PostgreSQL's wait starts now (the app-side wait started at t_ready).
        reqs[i].t_lockreq = t;
        if holder.is_none() && q.is_empty() {
            let done = grant(i, t, reqs, holder, out);
            push(heap, done, Ev::Release(i));
        } else {
            q.push_back(i);
            push(
                heap,
                t + DEADLOCK_TIMEOUT + 37 + (i as i64 * 7919) % 400,
                Ev::StillWaiting(i),
            );
        }
    }
}

fn access_line(r: &Req, ips: &IpPool) -> (Us, String) {
    let (status, size, end, upstream): (u16, u32, Us, String);
    let mut h = hash_str(&format!("{}{}", r.arr, r.path));
    let mut nx = || {
        h = h
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        h >> 33
    };
    if r.ep == Ep::NginxOnly {
        status = r.fixed_status;
        size = r.fixed_size;
        end = r.arr + (nx() % 900) as Us;
        upstream = "-".into();
    } else if r.refused {
        status = 502;
        size = 157;
        end = r.t_end;
        upstream = "0.001, 0.000".into();
    } else if r.t_end - r.arr > NGINX_TIMEOUT {
        status = 504;
        size = 167;
        end = r.arr + NGINX_TIMEOUT + (nx() % 3000) as Us;
        upstream = secs3(NGINX_TIMEOUT + 1000);
    } else {
        end = r.t_end + 300 + (nx() % 1500) as Us;
        upstream = secs3(r.t_end - r.arr);
        if r.failed {
            status = 500;
            size = 1187;
        } else {
            (status, size) = match r.ep {
                Ep::Restore => (200, 180 + (r.user % 700) + (nx() % 8) as u32),
                Ep::LoginPost => (302, 0),
                Ep::Dashboard => (200, 14_000 + (nx() % 30_000) as u32),
                Ep::Page => {
                    if r.path.starts_with("/orders/") && nx() % 97 == 0 {
                        (404, 2_310)
                    } else {
                        (200, 9_000 + (nx() % 40_000) as u32)
                    }
                }
                Ep::Api => (200, 60 + (nx() % 4_000) as u32),
                Ep::OrderPost => {
                    if nx() % 41 == 0 {
                        (422, 312)
                    } else {
                        (303, 0)
                    }
                }
                Ep::NginxOnly => unreachable!(),
            };
        }
    }
    let ip = if r.ip == usize::MAX || r.ip == usize::MAX - 1 {
        format!("10.10.0.{}", 2 + (usize::MAX - r.ip))
    } else if r.ip >= usize::MAX - 20 {
        [
            "66.249.66.1",
            "157.55.39.10",
            "54.36.148.7",
            "185.191.171.3",
        ][(usize::MAX - 10 - r.ip) % 4]
            .to_string()
    } else {
        ips.get(r.ip).to_string()
    };
    let ua = if r.path == "/healthz" {
        "ELB-HealthChecker/2.0".to_string()
    } else if r.ua >= usize::MAX - 10 {
        UA_BOTS[(usize::MAX - r.ua) % UA_BOTS.len()].to_string()
    } else {
        UA_DESKTOP[r.ua % UA_DESKTOP.len()].0.to_string()
    };
    let rt = secs3(end - r.arr);
    let d = Dt::new(end, JST);
    let referer = if r.referer.is_empty() {
        "-"
    } else {
        &r.referer
    };
    (
        end,
        format!(
            "{ip} - - [{}] \"{} {} HTTP/1.1\" {status} {size} \"{referer}\" \"{ua}\" {rt} {upstream}",
            d.clf(),
            r.method,
            r.path
        ),
    )
}

/// Background lines of the app log: startup banners do not recur, but batch and integration
/// noise does.
fn app_noise(rng: &mut Rng, day: &Day, h: usize, out: &mut Lines) {
    for t in arrivals(rng, day.from, day.to, |_| 0.35) {
        let th = exec_thread(rng.below(THREADS));
        let line = match rng.below(6) {
            0 => log4j(
                t,
                "WARN",
                &th,
                "jp.bizplat.order.CsvImportService",
                &format!(
                    "CSV row {} skipped: invalid JAN code '{}'",
                    rng.range(2, 400),
                    rng.range(100_000_000, 999_999_999)
                ),
            ),
            1 => log4j(
                t,
                "INFO",
                &th,
                "jp.bizplat.order.OrderService",
                &format!(
                    "Order {} submitted by userId=u{:06} ({} lines)",
                    rng.range(7_000_000, 7_999_999),
                    rng.range(10_000, 40_000),
                    rng.range(1, 30)
                ),
            ),
            2 => log4j(
                t,
                "WARN",
                &th,
                "jp.bizplat.catalog.PriceService",
                &format!(
                    "Price list for supplier {} is stale (last sync {} min ago)",
                    rng.range(100, 999),
                    rng.range(61, 180)
                ),
            ),
            3 => log4j(
                t,
                "INFO",
                &th,
                "jp.bizplat.auth.LogoutController",
                &format!("Logout: userId=u{:06}", rng.range(10_000, 40_000)),
            ),
            4 => {
                let mut s = log4j(
                    t,
                    "ERROR",
                    "mail-sender-2",
                    "jp.bizplat.notify.MailSender",
                    "Failed to send notification mail: Read timed out",
                );
                s.push_str("\njavax.mail.MessagingException: Exception reading response;\n  nested exception is:\n\tjava.net.SocketTimeoutException: Read timed out\n\tat com.sun.mail.smtp.SMTPTransport.readServerResponse(SMTPTransport.java:2445)\n\tat com.sun.mail.smtp.SMTPTransport.issueSendCommand(SMTPTransport.java:2322)\n\tat jp.bizplat.notify.MailSender.send(MailSender.java:88)\n\tat java.base/java.lang.Thread.run(Thread.java:829)");
                s
            }
            _ => log4j(
                t,
                "INFO",
                "scheduling-1",
                "jp.bizplat.batch.StockSyncJob",
                &format!(
                    "Stock sync finished: {} items updated in {} ms",
                    rng.range(10, 900),
                    rng.range(200, 4_000)
                ),
            ),
        };
        out.push(t, line);
    }
    let _ = h;
}

fn pg_noise(rng: &mut Rng, day: &Day, out: &mut Lines) {
    // Checkpoints every 5 minutes (checkpoint_timeout = 5min), by the checkpointer.
    let ckpt_pid = 812;
    let mut t = day.from - (day.from % (5 * MIN)) + 5 * MIN + 13_000;
    while t < day.to {
        let d = Dt::new(t, UTC);
        let bufs = rng.range(400, 2_600);
        let write = 269.0 + rng.f64() * 0.9;
        let end = t + (write * 1e6) as Us + 40_000;
        out.push(
            t,
            format!(
                "{} UTC [{ckpt_pid}] LOG:  checkpoint starting: time",
                d.ymd_hms_ms('.')
            ),
        );
        let de = Dt::new(end, UTC);
        out.push(
            end,
            format!(
                "{} UTC [{ckpt_pid}] LOG:  checkpoint complete: wrote {bufs} buffers ({:.1}%); 0 WAL file(s) added, 0 removed, {} recycled; write={write:.3} s, sync=0.0{:02} s, total={:.3} s; sync files={}, longest=0.00{} s, average=0.001 s; distance={} kB, estimate={} kB",
                de.ymd_hms_ms('.'),
                bufs as f64 / 16384.0 * 100.0,
                rng.range(1, 4),
                rng.range(2, 40),
                write + 0.04,
                rng.range(30, 140),
                rng.range(2, 9),
                bufs * 9,
                bufs * 9 + rng.range(100, 2_000)
            ),
        );
        t += 5 * MIN + rng.range(0, 40_000);
    }
    for t in arrivals(rng, day.from, day.to, |_| 0.05) {
        let pid = rng.range(20_000, 65_000);
        let d = Dt::new(t, UTC);
        let p = format!("{} UTC [{pid}] btob_app@btob ", d.ymd_hms_ms('.'));
        let line = if rng.chance(0.5) {
            let id = rng.range(7_000_000, 7_999_999);
            format!(
                "{p}ERROR:  duplicate key value violates unique constraint \"order_drafts_pkey\"\n{p}DETAIL:  Key (order_id)=({id}) already exists.\n{p}STATEMENT:  INSERT INTO order_drafts (order_id, company_id, payload, updated_at) VALUES ($1, $2, $3, $4)"
            )
        } else {
            format!("{p}LOG:  could not receive data from client: Connection reset by peer")
        };
        out.push(t, line);
    }
}

/// `sar -u` text for a host: %user/%system from a load function in [0,1].
#[allow(clippy::too_many_arguments)]
fn sar_text(
    rng: &mut Rng,
    host: &str,
    cpus: u32,
    date: (i64, u32, u32),
    from: Us,
    to: Us,
    offset: i64,
    load: impl Fn(Us) -> f64,
) -> String {
    let d = Dt::new(from, offset);
    let mut s = format!(
        "Linux 5.10.0-23-amd64 ({host}) \t{:02}/{:02}/{:04} \t_x86_64_\t({cpus} CPU)\n\n",
        d.mo, d.d, d.y
    );
    let _ = date;
    let mut t = from - from % (10 * MIN) + 10 * MIN;
    s.push_str(&format!(
        "{}        CPU     %user     %nice   %system   %iowait    %steal     %idle\n",
        Dt::new(t - 10 * MIN + SEC, offset).hms()
    ));
    let (mut su, mut ss, mut n) = (0.0, 0.0, 0.0);
    while t <= to {
        let l = load(t).clamp(0.0, 1.0);
        let user = (l * 78.0 + 2.0 + rng.f64() * 1.5).min(96.0);
        let sys = (l * 14.0 + 0.6 + rng.f64() * 0.4).min(99.0 - user);
        let io = 0.02 + rng.f64() * 0.1;
        let idle = 100.0 - user - sys - io;
        let dt = Dt::new(t + rng.range(0, 1_500_000), offset);
        s.push_str(&format!(
            "{}        all {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}\n",
            dt.hms(),
            user,
            0.0,
            sys,
            io,
            0.0,
            idle
        ));
        su += user;
        ss += sys;
        n += 1.0;
        t += 10 * MIN;
    }
    if n > 0.0 {
        let (u, sy) = (su / n, ss / n);
        s.push_str(&format!(
            "Average:           all {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}\n",
            u,
            0.0,
            sy,
            0.06,
            0.0,
            100.0 - u - sy - 0.06
        ));
    }
    s
}

pub fn generate(files: &mut Files, scale: f64) -> io::Result<()> {
    let root = "btob-session-restore";
    let rng = Rng::named(root);
    let ips = IpPool::new(&mut rng.fork("ips"), 420, 0);
    let mut out = Outputs {
        access: [Lines::new(), Lines::new()],
        app: [Lines::new(), Lines::new()],
        pg: Lines::new(),
    };
    let mut busy_curves: Vec<(Us, f64, f64)> = Vec::new();
    for day in days() {
        let tag = format!("{:?}", day.date);
        let mut reqs = make_requests(&mut rng.fork(&format!("req{tag}")), &day, scale, &ips);
        simulate(
            &mut rng.fork(&format!("sim{tag}")),
            &mut reqs,
            &day,
            &mut out,
        );
        for r in &reqs {
            let (t, line) = access_line(r, &ips);
            out.access[r.web].push(t, line);
        }
        for h in 0..2 {
            app_noise(
                &mut rng.fork(&format!("appnoise{tag}{h}")),
                &day,
                h,
                &mut out.app[h],
            );
        }
        pg_noise(&mut rng.fork(&format!("pgnoise{tag}")), &day, &mut out.pg);
        // App CPU follows the number of busy request threads; DB CPU stays low.
        let mut per10 = std::collections::BTreeMap::<Us, (f64, f64)>::new();
        for r in &reqs {
            if r.ep == Ep::NginxOnly {
                continue;
            }
            let k = r.arr / (10 * MIN);
            let e = per10.entry(k).or_default();
            e.0 += ((r.t_end - r.arr) as f64 / 1e6).min(60.0);
            e.1 += 1.0;
        }
        for (k, (secs, n)) in per10 {
            busy_curves.push((k * 10 * MIN, secs / 600.0, n));
        }
    }

    // nginx: daily logrotate at 06:25 JST (delaycompress); the responder kept the last two
    // days and pulled 05-02's file from the archive.
    let cuts = [
        jst(2023, 5, 3, 6, 25, 0),
        jst(2023, 6, 1, 6, 25, 0),
        jst(2023, 6, 2, 6, 25, 0),
    ];
    for (w, lines) in out.access.into_iter().enumerate() {
        let segs = split_at(lines.sorted(), &cuts);
        let host = format!("web0{}", w + 1);
        let mut it = segs.into_iter();
        let may = it.next().unwrap_or_default();
        let _gap = it.next();
        let d1 = it.next().unwrap_or_default();
        let d2 = it.next().unwrap_or_default();
        files.write_str(
            &format!("{root}/{host}/nginx/access.log.31.gz"),
            &crate::out::join(&may),
        )?;
        files.write_str(
            &format!("{root}/{host}/nginx/access.log.1.gz"),
            &crate::out::join(&d1),
        )?;
        files.write_str(
            &format!("{root}/{host}/nginx/access.log.gz"),
            &crate::out::join(&d2),
        )?;
    }
    // Tomcat app log: log4j2 RollingFile, daily at midnight, old days gzipped.
    for (h, lines) in out.app.into_iter().enumerate() {
        let host = format!("app0{}", h + 1);
        let segs = split_at(
            lines.sorted(),
            &[jst(2023, 5, 3, 0, 0, 0), jst(2023, 6, 2, 0, 0, 0)],
        );
        let mut it = segs.into_iter();
        let dir = format!("{root}/{host}/tomcat/logs");
        files.write_str(
            &format!("{dir}/bizplat-app-2023-05-02.log.gz"),
            &crate::out::join(&it.next().unwrap_or_default()),
        )?;
        files.write_str(
            &format!("{dir}/bizplat-app-2023-06-01.log.gz"),
            &crate::out::join(&it.next().unwrap_or_default()),
        )?;
        files.write_str(
            &format!("{dir}/bizplat-app-2023-06-02.log.gz"),
            &crate::out::join(&it.next().unwrap_or_default()),
        )?;
    }
    // PostgreSQL (UTC): Debian logrotate weekly (Sunday 06:25 UTC on db01).
    let segs = split_at(
        out.pg.sorted(),
        &[
            at(2023, 5, 7, 6, 25, 0, UTC),
            at(2023, 5, 28, 6, 25, 0, UTC),
        ],
    );
    let mut it = segs.into_iter();
    files.write_str(
        &format!("{root}/db01/postgresql/postgresql-15-main.log.4.gz"),
        &crate::out::join(&it.next().unwrap_or_default()),
    )?;
    let _gap = it.next();
    files.write_str(
        &format!("{root}/db01/postgresql/postgresql-15-main.log.gz"),
        &crate::out::join(&it.next().unwrap_or_default()),
    )?;

    // sar -u of the database (UTC, 8 CPUs, low) and of the app servers (JST).
    let mut srng = rng.fork("sar");
    for day in days() {
        let load_app = |t: Us| -> f64 {
            let k = t - t % (10 * MIN) - 10 * MIN;
            busy_curves
                .iter()
                .find(|b| b.0 == k)
                .map(|b| 0.08 + 0.0025 * b.2 / 10.0 + b.1 / 400.0)
                .unwrap_or(0.05)
        };
        let load_db = |t: Us| -> f64 {
            let k = t - t % (10 * MIN) - 10 * MIN;
            busy_curves
                .iter()
                .find(|b| b.0 == k)
                .map(|b| 0.04 + 0.000_012 * b.2)
                .unwrap_or(0.03)
        };
        let dd = Dt::new(day.from, JST);
        let name = format!("sar-u_{}.txt", dd.date());
        files.write_str(
            &format!("{root}/db01/sar/{name}"),
            &sar_text(
                &mut srng, "db01", 16, day.date, day.from, day.to, UTC, load_db,
            ),
        )?;
        for h in 1..=2 {
            let host = format!("app0{h}");
            files.write_str(
                &format!("{root}/{host}/sar/{name}"),
                &sar_text(
                    &mut srng, &host, 8, day.date, day.from, day.to, JST, load_app,
                ),
            )?;
        }
    }
    Ok(())
}

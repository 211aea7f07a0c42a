//! cosminexus-global-session: two Cosminexus V9 J2EE servers keep their HTTP sessions in the
//! database (database session failover, "global session information"); a maintenance batch
//! locks the session tables and then hangs, so every session operation waits on the lock until
//! the lock-wait time-out.
//!
//! Mechanism simulated: a discrete-event model per J2EE server of user visits (closed loop:
//! the next page follows the previous response after a think time), a DB Connector pool
//! (16 / 8 connections, 10 s connection wait) and the session table in PostgreSQL. From 10:30:12
//! to 10:41:47 JST the batch holds `LOCK TABLE ... IN EXCLUSIVE MODE` on both session tables;
//! a session statement issued in that window waits until the lock is released or until
//! `lock_timeout` (30 s), whichever comes first. Connections stuck in lock waits drain the pool,
//! so later requests fail at the connection wait instead. What each failure does follows the
//! manual's tables (document 004): integrity guarantee mode off (mypage on ap01) degrades the
//! session and carries on (KDJE34368-W; a failed delete throws at invalidate, KDJE34377-E once
//! until restart); mode on (webpay on ap02) throws DatabaseAccessException at getSession
//! (KDJE34314-W before the database was reached, KDJE34312-W after) and the request ends in a
//! 500; a failed expiry delete is KDJE34377-E (off) or KDJE34336-W (on).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::io;

use crate::out::{Files, Lines, join};
use crate::rng::{Rng, hash_str};
use crate::time::*;
use crate::traffic::*;

const ROOT: &str = "cosminexus-global-session";

/// PostgreSQL `lock_timeout` of the session role.
const LOCK_TIMEOUT: Us = 30 * SEC;
/// DB Connector connection wait.
const POOL_WAIT: Us = 10 * SEC;
const DEADLOCK_TIMEOUT: Us = SEC;
/// `log_min_duration_statement`.
const LOG_MIN_DURATION: Us = 5 * SEC;
const DB_OID: u32 = 16384;
const BATCH_PID: u32 = 109_007;
const BATCH_PORT: u32 = 53716;
/// Cosminexus message log plane size (`...MessageLogFile.filesize`) and count.
const MSG_FILESIZE: usize = 512 * 1024;
const EXC_FILESIZE: usize = 1024 * 1024;
const SITE: &str = "https://members.example.co.jp";

/// A JST instant on the incident day, with milliseconds.
fn jt(h: u32, m: u32, s: u32, ms: i64) -> Us {
    jst(2023, 11, 14, h, m, s) + ms * 1000
}

/// The batch's `LOCK TABLE` is granted at this instant ...
fn lock_start() -> Us {
    jt(10, 30, 12, 48)
}

/// ... and released when the DBA terminates its backend.
fn lock_end() -> Us {
    jt(10, 41, 47, 316)
}

/// Collection cut-off: everything stops here.
fn sim_end() -> Us {
    jt(12, 10, 0, 0)
}

fn sim_start() -> Us {
    jt(0, 0, 0, 0)
}

fn stalled(t: Us) -> bool {
    t >= lock_start() && t < lock_end()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    None,
    Create,
    Update,
    Delete,
    Expire,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fail {
    No,
    /// Failure point A: no connection within the DB Connector's wait time.
    Pool,
    /// Failure point B..F: the statement was cancelled by `lock_timeout`.
    Lock,
}

struct App {
    name: &'static str,
    ctx: &'static str,
    host: &'static str,
    ip: &'static str,
    integrity: bool,
    pool: usize,
    table: &'static str,
    rel_oid: u32,
    dbcon: &'static str,
    /// J2EE server process id.
    jpid: u32,
    /// PostgreSQL backend pid of each pooled connection (the pool was opened at start-up).
    backend: Vec<u32>,
    /// `%l` already used by each backend before the window.
    backend_l0: Vec<u64>,
    visits: Curve,
    /// When the J2EE server (and its logger) started.
    started: Us,
    os: &'static str,
}

fn apps(rng: &mut Rng) -> Vec<App> {
    let d = |h, m, v| (jt(h, m, 0, 0), v);
    let mk_pids = |rng: &mut Rng, n: usize| -> Vec<u32> {
        let mut v: Vec<u32> = Vec::new();
        while v.len() < n {
            let p = rng.range(3_100, 3_900) as u32;
            if !v.contains(&p) {
                v.push(p);
            }
        }
        v
    };
    let mypage_pids = mk_pids(rng, 16);
    let webpay_pids: Vec<u32> = (0..4)
        .map(|k| 88_412 + k * 3 + rng.range(0, 2) as u32)
        .collect();
    vec![
        App {
            name: "mypage",
            ctx: "/mypage",
            host: "ap01",
            ip: "10.20.1.11",
            integrity: false,
            pool: 16,
            table: "sfo_mypage_sessions",
            rel_oid: 16421,
            dbcon: "DBSFO_mypage",
            jpid: 0x0F1C,
            backend: mypage_pids,
            backend_l0: (0..16).map(|_| 2 + rng.range(0, 9) as u64 * 5).collect(),
            visits: Curve(vec![
                d(0, 0, 1.3),
                d(2, 0, 0.5),
                d(5, 30, 0.4),
                d(7, 0, 2.5),
                d(8, 30, 7.0),
                d(9, 30, 11.0),
                d(10, 30, 13.0),
                d(11, 30, 13.5),
                d(12, 10, 12.0),
            ]),
            started: jst(2023, 10, 1, 5, 42, 7) + 533_000,
            os: "Microsoft WindowsNT10.0(Build:14393)",
        },
        App {
            name: "webpay",
            ctx: "/webpay",
            host: "ap02",
            ip: "10.20.1.12",
            integrity: true,
            pool: 4,
            table: "sfo_webpay_sessions",
            rel_oid: 16452,
            dbcon: "DBSFO_webpay",
            jpid: 0x16A8,
            backend: webpay_pids,
            backend_l0: (0..4).map(|_| 2).collect(),
            visits: Curve(vec![
                d(0, 0, 0.6),
                d(2, 0, 0.2),
                d(6, 0, 0.2),
                d(8, 0, 1.2),
                d(9, 30, 3.0),
                d(10, 30, 3.6),
                d(12, 10, 3.8),
            ]),
            started: jst(2023, 11, 13, 22, 5, 31) + 204_000,
            os: "Microsoft WindowsNT10.0(Build:14393)",
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Visits and requests

#[derive(Clone)]
struct Step {
    method: &'static str,
    path: String,
    op: Op,
    proc_ms: f64,
    status: u16,
    bytes: (u32, u32),
    statics: &'static [(&'static str, u32)],
}

fn step(
    method: &'static str,
    path: impl Into<String>,
    op: Op,
    proc_ms: f64,
    status: u16,
    bytes: (u32, u32),
    statics: &'static [(&'static str, u32)],
) -> Step {
    Step {
        method,
        path: path.into(),
        op,
        proc_ms,
        status,
        bytes,
        statics,
    }
}

const MYPAGE_LOGIN_STATICS: &[(&str, u32)] = &[
    ("/mypage/css/common.css", 18_342),
    ("/mypage/js/jquery-3.6.0.min.js", 89_795),
    ("/mypage/js/common.js", 6_204),
    ("/mypage/img/logo.png", 7_423),
];
const MYPAGE_PAGE_STATICS: &[(&str, u32)] = &[
    ("/mypage/css/common.css", 18_342),
    ("/mypage/js/common.js", 6_204),
];
const WEBPAY_STATICS: &[(&str, u32)] = &[
    ("/webpay/css/pay.css", 9_871),
    ("/webpay/js/pay.js", 14_556),
    ("/webpay/img/brand.png", 5_090),
];
const NONE_STATICS: &[(&str, u32)] = &[];

fn mypage_plan(rng: &mut Rng) -> Vec<Step> {
    let mut v = vec![
        step(
            "GET",
            "/mypage/login",
            Op::Create,
            35.0,
            200,
            (5_180, 5_260),
            MYPAGE_LOGIN_STATICS,
        ),
        step(
            "POST",
            "/mypage/login",
            Op::Update,
            170.0,
            302,
            (0, 0),
            NONE_STATICS,
        ),
        step(
            "GET",
            "/mypage/top",
            Op::Update,
            140.0,
            200,
            (14_000, 19_000),
            MYPAGE_PAGE_STATICS,
        ),
    ];
    let k = rng.range(1, 7);
    for _ in 0..k {
        let s = match rng.weighted(&[18.0, 20.0, 10.0, 8.0, 12.0, 6.0, 4.0, 14.0]) {
            0 => step(
                "GET",
                "/mypage/contract/list",
                Op::Update,
                160.0,
                200,
                (12_000, 22_000),
                MYPAGE_PAGE_STATICS,
            ),
            1 => step(
                "GET",
                format!(
                    "/mypage/contract/detail?no=K23{:07}",
                    rng.range(0, 9_999_999)
                ),
                Op::Update,
                210.0,
                200,
                (16_000, 28_000),
                MYPAGE_PAGE_STATICS,
            ),
            2 => step(
                "GET",
                "/mypage/notice",
                Op::Update,
                90.0,
                200,
                (9_000, 12_000),
                MYPAGE_PAGE_STATICS,
            ),
            3 => step(
                "GET",
                format!("/mypage/notice/{}", rng.range(8_100, 8_260)),
                Op::Update,
                70.0,
                200,
                (7_000, 11_000),
                MYPAGE_PAGE_STATICS,
            ),
            4 => step(
                "GET",
                format!("/mypage/invoice?ym=2023-{:02}", rng.range(6, 11)),
                Op::Update,
                260.0,
                200,
                (10_000, 15_000),
                MYPAGE_PAGE_STATICS,
            ),
            5 => step(
                "GET",
                "/mypage/profile",
                Op::Update,
                80.0,
                200,
                (8_000, 9_500),
                MYPAGE_PAGE_STATICS,
            ),
            6 => step(
                "POST",
                "/mypage/profile/update",
                Op::Update,
                230.0,
                302,
                (0, 0),
                NONE_STATICS,
            ),
            // Read-only request (session read-only URI: no write-back to the database).
            _ => step(
                "GET",
                "/mypage/api/unread-count",
                Op::None,
                18.0,
                200,
                (28, 34),
                NONE_STATICS,
            ),
        };
        v.push(s);
    }
    if rng.chance(0.35) {
        v.push(step(
            "GET",
            "/mypage/logout",
            Op::Delete,
            20.0,
            302,
            (0, 0),
            NONE_STATICS,
        ));
        v.push(step(
            "GET",
            "/mypage/login?logout=1",
            Op::Create,
            35.0,
            200,
            (5_300, 5_380),
            NONE_STATICS,
        ));
    }
    v
}

fn webpay_plan(rng: &mut Rng) -> Vec<Step> {
    let shop = format!("S{:04}", rng.range(100, 1_400));
    let order = rng.range(10_000_000, 99_999_999);
    let mut v = vec![step(
        "GET",
        format!("/webpay/start?shop={shop}&order={order}"),
        Op::Create,
        80.0,
        200,
        (6_800, 7_400),
        WEBPAY_STATICS,
    )];
    if rng.chance(0.92) {
        v.push(step(
            "POST",
            "/webpay/auth",
            Op::Update,
            250.0,
            200,
            (8_100, 8_600),
            NONE_STATICS,
        ));
        if rng.chance(0.94) {
            v.push(step(
                "POST",
                "/webpay/card/confirm",
                Op::Update,
                120.0,
                200,
                (7_200, 7_700),
                NONE_STATICS,
            ));
            if rng.chance(0.97) {
                v.push(step(
                    "POST",
                    "/webpay/card/complete",
                    Op::Update,
                    900.0,
                    302,
                    (0, 0),
                    NONE_STATICS,
                ));
                v.push(step(
                    "GET",
                    "/webpay/result",
                    Op::Delete,
                    60.0,
                    200,
                    (5_900, 6_300),
                    NONE_STATICS,
                ));
            }
        }
    }
    v
}

struct Visit {
    ip: usize,
    ua: usize,
    plan: Vec<Step>,
    at: usize,
    retries: u8,
    session: u64,
    referer: String,
    first_static: bool,
}

struct Req {
    visit: usize,
    step: Step,
    /// Arrival at the HTTP server.
    arr: Us,
    proc: Us,
    conn: Option<usize>,
    waiting_pool: bool,
    fail: Fail,
    t_end: Us,
    status: u16,
    thread: usize,
    session: u64,
    referer: String,
}

#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy, Debug)]
enum Ev {
    Next(usize),
    Arrive(usize),
    PoolTimeout(usize),
    StmtDone(usize),
    End(usize),
    ExpTick,
    ExpPoolTimeout(u64),
    ExpDone(u64),
}

/// Who waits in the DB Connector's connection queue.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Waiter {
    Req(usize),
    Exp(u64),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Exp {
    Idle,
    Waiting(u64),
    Running(u64, usize, bool),
}

/// One statement's wait on a session table, for the PostgreSQL log.
struct Wait {
    pid: u32,
    op: Op,
    start: Us,
    end: Us,
    acquired: bool,
    /// Statement completion (for `duration:` lines).
    done: Us,
    session: u64,
}

struct CjRec {
    t: Us,
    tid: u32,
    id: &'static str,
    text: String,
}

struct ExRec {
    t: Us,
    tid: u32,
    id: &'static str,
    lines: Vec<String>,
}

struct Sim<'a> {
    app: &'a App,
    rng: Rng,
    ips: &'a IpPool,
    reqs: Vec<Req>,
    visits: Vec<Visit>,
    free: Vec<usize>,
    queue: VecDeque<Waiter>,
    threads_free: Vec<usize>,
    tids: Vec<u32>,
    expiry_tid: u32,
    heap: BinaryHeap<Reverse<(Us, u64, Ev)>>,
    seq: u64,
    waits: Vec<Wait>,
    cj: Vec<CjRec>,
    ex: Vec<ExRec>,
    /// KDJE34377-E is written for the first failure only, until the application restarts.
    sent_377: bool,
    exp: Exp,
    exp_runs: u64,
    access: Vec<(Us, String)>,
}

const UAS: &[(&str, f64)] = &[
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
        34.0,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.0.0",
        22.0,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        18.0,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36",
        14.0,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
        6.0,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:119.0) Gecko/20100101 Firefox/119.0",
        3.0,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
        3.0,
    ),
];

fn session_hex(s: u64) -> String {
    format!(
        "{:016X}{:016X}",
        s,
        s.rotate_left(23) ^ 0x6A09_E667_F3BC_C908
    )
}

fn ms(rng: &mut Rng, mean: f64, sigma: f64) -> Us {
    (rng.lognormal(mean, sigma) * 1000.0) as Us
}

/// Apache `combined` plus `%D` (microseconds). `%t` is the time the request was received;
/// the line is written when it completes.
#[allow(clippy::too_many_arguments)]
fn combined(
    ip: &str,
    start: Us,
    method: &str,
    path: &str,
    status: u16,
    bytes: u32,
    referer: &str,
    ua: &str,
    dur: Us,
) -> String {
    let d = Dt::new(start, JST);
    let b = if bytes == 0 {
        "-".to_string()
    } else {
        bytes.to_string()
    };
    format!(
        "{ip} - - [{}] \"{method} {path} HTTP/1.1\" {status} {b} \"{referer}\" \"{ua}\" {}",
        d.clf(),
        dur.max(1)
    )
}

impl<'a> Sim<'a> {
    fn new(app: &'a App, rng: Rng, ips: &'a IpPool) -> Sim<'a> {
        let mut r = rng.fork("tids");
        let tids: Vec<u32> = (0..120)
            .map(|_| r.range(0x0800, 0x3FFF) as u32 & !3)
            .collect();
        Sim {
            app,
            rng,
            ips,
            reqs: Vec::new(),
            visits: Vec::new(),
            free: (0..app.pool).rev().collect(),
            queue: VecDeque::new(),
            threads_free: (0..120).rev().collect(),
            tids,
            expiry_tid: r.range(0x0400, 0x07FF) as u32 & !3,
            heap: BinaryHeap::new(),
            seq: 0,
            waits: Vec::new(),
            cj: Vec::new(),
            ex: Vec::new(),
            sent_377: false,
            exp: Exp::Idle,
            exp_runs: 0,
            access: Vec::new(),
        }
    }

    fn push(&mut self, t: Us, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse((t, self.seq, ev)));
    }

    fn run(&mut self, scale: f64) {
        // Visit arrivals (open loop); each visit then runs closed loop.
        let mut arr_rng = self.rng.fork("arrivals");
        let wob = Wobble::new(&mut arr_rng, sim_start(), sim_end(), 0.08, 0.85);
        let app = self.app;
        let arr = arrivals(&mut arr_rng, sim_start(), sim_end(), |t| {
            app.visits.at(t) * wob.at(t) * scale
        });
        let mut plan_rng = self.rng.fork("plans");
        let ua_w: Vec<f64> = UAS.iter().map(|u| u.1).collect();
        for a in arr {
            let plan = if app.integrity {
                webpay_plan(&mut plan_rng)
            } else {
                mypage_plan(&mut plan_rng)
            };
            let (ip, _) = self.ips.draw(&mut plan_rng);
            let ua = plan_rng.weighted(&ua_w);
            let referer = if app.integrity {
                format!(
                    "https://shop{}.example.com/checkout/confirm",
                    plan_rng.range(1, 40)
                )
            } else if plan_rng.chance(0.6) {
                "-".to_string()
            } else {
                format!("{SITE}/")
            };
            self.visits.push(Visit {
                ip,
                ua,
                plan,
                at: 0,
                retries: 0,
                session: 0,
                referer,
                first_static: true,
            });
            let v = self.visits.len() - 1;
            self.push(a, Ev::Next(v));
        }
        let first = sim_start() + 17 * SEC + self.rng.range(0, 40 * SEC);
        self.push(first, Ev::ExpTick);
        while let Some(Reverse((t, _, ev))) = self.heap.pop() {
            if t >= sim_end() {
                break;
            }
            match ev {
                Ev::Next(v) => self.next(v, t),
                Ev::Arrive(i) => self.arrive(i, t),
                Ev::PoolTimeout(i) => self.pool_timeout(i, t),
                Ev::StmtDone(i) => self.stmt_done(i, t),
                Ev::End(i) => self.end(i, t),
                Ev::ExpTick => self.exp_tick(t),
                Ev::ExpPoolTimeout(run) => self.exp_pool_timeout(run, t),
                Ev::ExpDone(run) => self.exp_done(run, t),
            }
        }
    }

    fn next(&mut self, v: usize, t: Us) {
        let st = self.visits[v].plan[self.visits[v].at].clone();
        if st.op == Op::Create {
            self.visits[v].session = hash_str(&format!("{}-{v}-{t}", self.app.name));
        }
        let proc = ms(&mut self.rng, st.proc_ms, 0.45);
        let thread = self.threads_free.pop().unwrap_or(0);
        let referer = self.visits[v].referer.clone();
        self.reqs.push(Req {
            visit: v,
            step: st,
            arr: t,
            proc,
            conn: None,
            waiting_pool: false,
            fail: Fail::No,
            t_end: 0,
            status: 0,
            thread,
            session: self.visits[v].session,
            referer,
        });
        let i = self.reqs.len() - 1;
        // HTTP server -> redirector -> J2EE server.
        let d = 900 + self.rng.range(0, 600);
        self.push(t + d, Ev::Arrive(i));
    }

    fn arrive(&mut self, i: usize, t: Us) {
        if self.reqs[i].step.op == Op::None {
            let e = t + self.reqs[i].proc;
            self.push(e, Ev::End(i));
            return;
        }
        if let Some(c) = self.free.pop() {
            self.reqs[i].conn = Some(c);
            self.issue(i, c, t + 300);
        } else {
            self.reqs[i].waiting_pool = true;
            self.queue.push_back(Waiter::Req(i));
            self.push(t + POOL_WAIT, Ev::PoolTimeout(i));
        }
    }

    /// A session statement issued on connection `c` at `s`: when it is done (or cancelled by
    /// `lock_timeout`) and whether it succeeded.
    fn stmt_outcome(&mut self, c: usize, op: Op, s: Us, session: u64) -> (Us, bool) {
        let svc = ms(&mut self.rng, 4.0, 0.4);
        if !stalled(s) {
            return (s + svc, true);
        }
        let pid = self.app.backend[c];
        let (end, acquired) = if lock_end() - s <= LOCK_TIMEOUT {
            (lock_end(), true)
        } else {
            (s + LOCK_TIMEOUT, false)
        };
        let done = if acquired { end + svc } else { end };
        self.waits.push(Wait {
            pid,
            op,
            start: s,
            end,
            acquired,
            done,
            session,
        });
        (done, acquired)
    }

    fn issue(&mut self, i: usize, c: usize, s: Us) {
        let (op, session) = (self.reqs[i].step.op, self.reqs[i].session);
        let (done, ok) = self.stmt_outcome(c, op, s, session);
        if !ok {
            self.reqs[i].fail = Fail::Lock;
        }
        self.push(done, Ev::StmtDone(i));
    }

    fn pool_timeout(&mut self, i: usize, t: Us) {
        if !self.reqs[i].waiting_pool {
            return;
        }
        self.reqs[i].waiting_pool = false;
        self.reqs[i].fail = Fail::Pool;
        self.fail(i, t);
    }

    fn stmt_done(&mut self, i: usize, t: Us) {
        if self.reqs[i].fail == Fail::Lock {
            // Rolled back; the connection goes back to the pool at once.
            if let Some(c) = self.reqs[i].conn.take() {
                self.release(c, t);
            }
            self.fail(i, t);
        } else {
            let e = t + self.reqs[i].proc;
            self.push(e, Ev::End(i));
        }
    }

    /// Hand a freed connection to the first one still waiting for it.
    fn release(&mut self, c: usize, t: Us) {
        while let Some(w) = self.queue.pop_front() {
            match w {
                Waiter::Req(i) => {
                    if !self.reqs[i].waiting_pool {
                        continue;
                    }
                    self.reqs[i].waiting_pool = false;
                    self.reqs[i].conn = Some(c);
                    self.issue(i, c, t + 300);
                    return;
                }
                Waiter::Exp(run) => {
                    if self.exp != Exp::Waiting(run) {
                        continue;
                    }
                    self.exp_start(run, c, t + 300);
                    return;
                }
            }
        }
        self.free.push(c);
    }

    fn fail(&mut self, i: usize, t: Us) {
        let app = self.app;
        let op = self.reqs[i].step.op;
        let fail = self.reqs[i].fail;
        let tid = self.tids[self.reqs[i].thread % self.tids.len()];
        let sid = session_hex(self.reqs[i].session);
        let mt = t + 400 + self.rng.range(0, 900);
        let exc = exception_text(app, fail);
        let mut error = true;
        if !app.integrity {
            if op == Op::Delete {
                // invalidate() throws; the message is written for the first failure only.
                if !self.sent_377 {
                    self.sent_377 = true;
                    self.cj.push(CjRec {
                        t: mt,
                        tid,
                        id: "KDJE34377-E",
                        text: msg_377(app, &exc),
                    });
                }
                self.ex.push(ExRec {
                    t: mt,
                    tid,
                    id: "KDJE39188-E",
                    lines: dbsfo_trace(app, fail, &self.reqs[i].step, &sid),
                });
                self.cj.push(CjRec {
                    t: mt + 300,
                    tid,
                    id: "KDJE39188-E",
                    text: msg_servlet(app, &self.reqs[i].step, &dbsfo_head(&sid)),
                });
            } else {
                self.cj.push(CjRec {
                    t: mt,
                    tid,
                    id: "KDJE34368-W",
                    text: msg_368(app, &exc),
                });
                error = false;
            }
        } else {
            let id = if fail == Fail::Pool {
                "KDJE34314-W"
            } else {
                "KDJE34312-W"
            };
            self.cj.push(CjRec {
                t: mt,
                tid,
                id,
                text: msg_312_314(id, app, &sid, &exc),
            });
            self.ex.push(ExRec {
                t: mt + 200,
                tid,
                id: "KDJE39188-E",
                lines: dbsfo_trace(app, fail, &self.reqs[i].step, &sid),
            });
            self.cj.push(CjRec {
                t: mt + 300,
                tid,
                id: "KDJE39188-E",
                text: msg_servlet(app, &self.reqs[i].step, &dbsfo_head(&sid)),
            });
        }
        if error {
            self.reqs[i].status = 500;
            let e = t + ms(&mut self.rng, 15.0, 0.3);
            self.push(e, Ev::End(i));
        } else {
            // Degraded: the HTTP session lives on in memory only; the request carries on.
            let e = t + self.reqs[i].proc;
            self.push(e, Ev::End(i));
        }
    }

    fn end(&mut self, i: usize, t: Us) {
        if let Some(c) = self.reqs[i].conn.take() {
            self.release(c, t);
        }
        let th = self.reqs[i].thread;
        self.threads_free.push(th);
        let st = self.reqs[i].step.clone();
        let status = if self.reqs[i].status != 0 {
            self.reqs[i].status
        } else {
            st.status
        };
        self.reqs[i].status = status;
        self.reqs[i].t_end = t + 600 + self.rng.range(0, 900);
        let v = self.reqs[i].visit;
        self.log_access(i);
        // What the user does next.
        let dur = self.reqs[i].t_end - self.reqs[i].arr;
        let mut r = self.rng.fork(&format!("next{i}"));
        let t_end = self.reqs[i].t_end;
        if status == 500 {
            let p = if self.app.integrity { 0.75 } else { 0.5 };
            if self.visits[v].retries < 2 && r.chance(p) {
                self.visits[v].retries += 1;
                let think = r.range(4 * SEC, 16 * SEC);
                self.push(t_end + think, Ev::Next(v));
            }
            return;
        }
        if dur > 8 * SEC && r.chance(0.2) {
            return;
        }
        // Wrong password: the login form again.
        if st.method == "POST" && st.path == "/mypage/login" && r.chance(0.04) {
            let think = ms(&mut r, 9_000.0, 0.4);
            self.push(t_end + think, Ev::Next(v));
            return;
        }
        self.visits[v].retries = 0;
        self.visits[v].referer = format!("{SITE}{}", st.path);
        self.visits[v].at += 1;
        if self.visits[v].at >= self.visits[v].plan.len() {
            return;
        }
        let nxt = self.visits[v].plan[self.visits[v].at].path.clone();
        let think = if st.status == 302 {
            // The browser follows the redirect.
            ms(&mut r, 40.0, 0.3)
        } else if self.app.integrity {
            if nxt == "/webpay/card/confirm" {
                ms(&mut r, 38_000.0, 0.45)
            } else {
                ms(&mut r, 7_000.0, 0.5)
            }
        } else {
            ms(&mut r, 16_000.0, 0.9).clamp(1_500_000, 300 * SEC)
        };
        self.push(t_end + think, Ev::Next(v));
    }

    fn log_access(&mut self, i: usize) {
        let r = &self.reqs[i];
        let v = &self.visits[r.visit];
        let st = &r.step;
        let bytes = if r.status == 500 {
            1_147 + (r.session % 40) as u32
        } else if st.bytes.1 == 0 {
            0
        } else {
            st.bytes.0
                + (r.session.rotate_left(7) ^ r.arr as u64) as u32 % (st.bytes.1 - st.bytes.0 + 1)
        };
        let ip = self.ips.get(v.ip).to_string();
        let ua = UAS[v.ua].0;
        let (start, end) = (r.arr, r.t_end);
        self.access.push((
            end,
            combined(
                &ip,
                start,
                st.method,
                &st.path,
                r.status,
                bytes,
                &r.referer,
                ua,
                end - start,
            ),
        ));
        if r.status == 200 && !st.statics.is_empty() {
            let first = v.first_static;
            let h = hash_str(&format!("st{i}"));
            let mut x = end + 60_000 + (h % 200_000) as Us;
            let page = format!("{SITE}{}", st.path);
            for (k, (p, sz)) in st.statics.iter().enumerate() {
                if !first && k >= 1 && (h >> k) & 1 == 0 {
                    continue;
                }
                let (status, b) = if first { (200, *sz) } else { (304, 0) };
                let d = 300 + ((h >> (k * 5)) % 2_500) as Us + u64::from(b / 40) as Us;
                self.access
                    .push((x + d, combined(&ip, x, "GET", p, status, b, &page, ua, d)));
                x += 5_000 + ((h >> (k * 7)) % 40_000) as Us;
            }
            if first {
                self.access.push((
                    x + 400,
                    combined(&ip, x, "GET", "/favicon.ico", 200, 1_150, &page, ua, 400),
                ));
            }
            self.visits[r.visit].first_static = false;
        }
    }

    // --- the expiry monitor: one run a minute on a pooled connection ---

    fn exp_tick(&mut self, t: Us) {
        self.push(t + 60 * SEC, Ev::ExpTick);
        if self.exp != Exp::Idle {
            return;
        }
        self.exp_runs += 1;
        let run = self.exp_runs;
        if let Some(c) = self.free.pop() {
            self.exp_start(run, c, t + 200);
        } else {
            self.exp = Exp::Waiting(run);
            self.queue.push_back(Waiter::Exp(run));
            self.push(t + POOL_WAIT, Ev::ExpPoolTimeout(run));
        }
    }

    fn exp_start(&mut self, run: u64, c: usize, s: Us) {
        let sess = hash_str(&format!("exp{}{s}", self.app.name));
        let (done, ok) = self.stmt_outcome(c, Op::Expire, s, sess);
        self.exp = Exp::Running(run, c, ok);
        self.push(done, Ev::ExpDone(run));
    }

    fn exp_done(&mut self, run: u64, t: Us) {
        if let Exp::Running(r, c, ok) = self.exp
            && r == run
        {
            self.exp = Exp::Idle;
            self.release(c, t);
            if !ok {
                self.exp_fail(t, Fail::Lock);
            }
        }
    }

    fn exp_pool_timeout(&mut self, run: u64, t: Us) {
        if self.exp == Exp::Waiting(run) {
            self.exp = Exp::Idle;
            self.exp_fail(t, Fail::Pool);
        }
    }

    fn exp_fail(&mut self, t: Us, fail: Fail) {
        let app = self.app;
        let exc = exception_text(app, fail);
        let mt = t + 200 + self.rng.range(0, 400);
        let tid = self.expiry_tid;
        if app.integrity {
            self.cj.push(CjRec {
                t: mt,
                tid,
                id: "KDJE34336-W",
                text: msg_336(app, &exc),
            });
        } else if !self.sent_377 {
            self.sent_377 = true;
            self.cj.push(CjRec {
                t: mt,
                tid,
                id: "KDJE34377-E",
                text: msg_377(app, &exc),
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cosminexus message texts. The five ids of the document keep the parameters the manual lists;
// the wording is ours. Every other id is illustrative.

fn exception_text(app: &App, fail: Fail) -> String {
    match fail {
        Fail::Pool => format!(
            "javax.resource.spi.ResourceAllocationException: The connection wait timed out. (display name = {}, wait time = 10000 ms)",
            app.dbcon
        ),
        _ => "org.postgresql.util.PSQLException: ERROR: canceling statement due to lock timeout"
            .to_string(),
    }
}

fn msg_368(app: &App, exc: &str) -> String {
    format!(
        "The HTTP session could not be stored in the database because an error occurred in communication with the database. (J2EE application = {}, context root = {}, DB Connector = {}, exception = {exc})",
        app.name, app.ctx, app.dbcon
    )
}

fn msg_377(app: &App, exc: &str) -> String {
    format!(
        "The global sessions could not be cleared because an error occurred in communication with the database. (J2EE application = {}, context root = {}, DB Connector = {}, exception = {exc})",
        app.name, app.ctx, app.dbcon
    )
}

fn msg_312_314(id: &str, app: &App, sid: &str, exc: &str) -> String {
    let what = if id == "KDJE34314-W" {
        "The global session information could not be accessed because a connection to the database could not be obtained."
    } else {
        "The operation on the global session information was rolled back because an error occurred in communication with the database."
    };
    format!(
        "{what} (J2EE application = {}, context root = {}, DB Connector = {}, HTTP session ID = {sid}, exception = {exc})",
        app.name, app.ctx, app.dbcon
    )
}

fn msg_336(app: &App, exc: &str) -> String {
    format!(
        "The expired global session information could not be deleted because an error occurred in communication with the database. (J2EE application = {}, context root = {}, DB Connector = {}, exception = {exc})",
        app.name, app.ctx, app.dbcon
    )
}

fn msg_servlet(app: &App, st: &Step, exc: &str) -> String {
    let uri = st.path.split('?').next().unwrap_or("");
    format!(
        "An exception occurred in the servlet. (J2EE application = {}, servlet = {}, request URI = {uri}, exception = {exc})",
        app.name,
        servlet_of(uri)
    )
}

fn servlet_of(uri: &str) -> &'static str {
    match uri {
        "/mypage/logout" => "LogoutServlet",
        "/mypage/login" => "LoginServlet",
        "/webpay/start" => "PaymentStartServlet",
        "/webpay/auth" => "PaymentAuthServlet",
        "/webpay/card/confirm" => "CardConfirmServlet",
        "/webpay/card/complete" => "CardCompleteServlet",
        "/webpay/result" => "PaymentResultServlet",
        "/mypage/invoice/pdf" => "InvoicePdfServlet",
        "/mypage/contract/detail" => "ContractDetailServlet",
        _ => "DispatcherServlet",
    }
}

fn dbsfo_head(sid: &str) -> String {
    format!(
        "com.hitachi.software.web.dbsfo.DatabaseAccessException: The global session information could not be accessed. (HTTP session ID = {sid})"
    )
}

const CONTAINER_FRAMES: &[&str] = &[
    "\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:742)",
    "\tat com.hitachi.software.web.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:231)",
    "\tat com.hitachi.software.web.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:166)",
    "\tat com.hitachi.software.web.dbsfo.DBSessionFilter.doFilter(DBSessionFilter.java:187)",
    "\tat com.hitachi.software.web.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:193)",
    "\tat com.hitachi.software.web.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:166)",
    "\tat com.hitachi.software.web.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:199)",
    "\tat com.hitachi.software.web.catalina.core.StandardContextValve.invoke(StandardContextValve.java:96)",
    "\tat com.hitachi.software.web.catalina.core.StandardHostValve.invoke(StandardHostValve.java:140)",
    "\tat com.hitachi.software.web.catalina.core.StandardEngineValve.invoke(StandardEngineValve.java:87)",
    "\tat com.hitachi.software.web.catalina.connector.RedirectorProcessor.process(RedirectorProcessor.java:418)",
    "\tat com.hitachi.software.web.catalina.connector.WorkerThread.run(WorkerThread.java:219)",
];

/// Stack trace of the DatabaseAccessException a servlet got from getSession / invalidate.
/// The com.hitachi frames are illustrative (the class of the exception is the document's).
fn dbsfo_trace(app: &App, fail: Fail, st: &Step, sid: &str) -> Vec<String> {
    let uri = st.path.split('?').next().unwrap_or("");
    let servlet = servlet_of(uri);
    let pkg = if app.integrity {
        "jp.example.webpay.web"
    } else {
        "jp.example.mypage.web"
    };
    let (accessor, acc_line) = match st.op {
        Op::Create => ("createSession", 412),
        Op::Delete => ("removeSession", 733),
        _ => ("lockSession", 618),
    };
    let mut v = vec![dbsfo_head(sid)];
    v.push(format!(
        "\tat com.hitachi.software.web.dbsfo.DBSessionAccessor.{accessor}(DBSessionAccessor.java:{acc_line})"
    ));
    if st.op == Op::Delete {
        v.push("\tat com.hitachi.software.web.dbsfo.DBSessionManager.invalidate(DBSessionManager.java:529)".into());
        v.push("\tat com.hitachi.software.web.catalina.session.StandardSessionFacade.invalidate(StandardSessionFacade.java:189)".into());
    } else {
        v.push("\tat com.hitachi.software.web.dbsfo.DBSessionManager.getSession(DBSessionManager.java:241)".into());
        v.push("\tat com.hitachi.software.web.catalina.connector.HttpRequestImpl.doGetSession(HttpRequestImpl.java:2318)".into());
        v.push("\tat com.hitachi.software.web.catalina.connector.HttpRequestFacade.getSession(HttpRequestFacade.java:533)".into());
    }
    let (m, line) = if st.method == "POST" {
        ("doPost", 57)
    } else {
        ("doGet", 41)
    };
    v.push(format!("\tat {pkg}.{servlet}.{m}({servlet}.java:{line})"));
    v.push(format!(
        "\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:{})",
        if st.method == "POST" { 661 } else { 635 }
    ));
    for f in CONTAINER_FRAMES {
        v.push((*f).to_string());
    }
    let common = v.len() - 2;
    match fail {
        Fail::Pool => {
            v.push(format!("Caused by: {}", exception_text(app, fail)));
            v.push("\tat com.hitachi.software.ejb.adapter.pool.ConnectionPool.waitForConnection(ConnectionPool.java:1187)".into());
            v.push("\tat com.hitachi.software.ejb.adapter.pool.ConnectionPool.getConnection(ConnectionPool.java:534)".into());
            v.push("\tat com.hitachi.software.ejb.adapter.jdbc.DataSourceImpl.getConnection(DataSourceImpl.java:208)".into());
            v.push("\tat com.hitachi.software.web.dbsfo.DBSessionAccessor.getConnection(DBSessionAccessor.java:171)".into());
            v.push(format!(
                "\tat com.hitachi.software.web.dbsfo.DBSessionAccessor.{accessor}(DBSessionAccessor.java:{})",
                acc_line - 21
            ));
        }
        _ => {
            let exec = if st.op == Op::Update {
                ("executeQuery", 134)
            } else {
                ("executeUpdate", 152)
            };
            v.push("Caused by: org.postgresql.util.PSQLException: ERROR: canceling statement due to lock timeout".into());
            for f in [
                "\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2713)",
                "\tat org.postgresql.core.v3.QueryExecutorImpl.processResults(QueryExecutorImpl.java:2401)",
                "\tat org.postgresql.core.v3.QueryExecutorImpl.execute(QueryExecutorImpl.java:368)",
                "\tat org.postgresql.jdbc.PgStatement.executeInternal(PgStatement.java:498)",
                "\tat org.postgresql.jdbc.PgStatement.execute(PgStatement.java:415)",
                "\tat org.postgresql.jdbc.PgPreparedStatement.executeWithFlags(PgPreparedStatement.java:190)",
            ] {
                v.push(f.to_string());
            }
            v.push(format!(
                "\tat org.postgresql.jdbc.PgPreparedStatement.{}(PgPreparedStatement.java:{})",
                exec.0, exec.1
            ));
            v.push(format!(
                "\tat com.hitachi.software.ejb.adapter.jdbc.PreparedStatementWrapper.{}(PreparedStatementWrapper.java:311)",
                exec.0
            ));
            v.push(format!(
                "\tat com.hitachi.software.web.dbsfo.DBSessionAccessor.{accessor}(DBSessionAccessor.java:{})",
                acc_line - 16
            ));
        }
    }
    v.push(format!("\t... {common} more"));
    v
}

// ---------------------------------------------------------------------------------------------
// Routine Cosminexus messages (all ids illustrative) and the start-up block.

fn startup(app: &App, out: &mut Vec<CjRec>) {
    let t0 = app.started;
    let main = app.jpid + 4;
    let max_sessions = if app.integrity { 20_000 } else { 60_000 };
    let lines: Vec<(Us, &'static str, String)> = vec![
        (
            0,
            "KDJE30001-I",
            format!("The J2EE server is starting. (server name = {})", app.name),
        ),
        (
            412,
            "KDJE30042-I",
            "The naming service has started. (port = 900)".to_string(),
        ),
        (
            3_208,
            "KDJE48601-I",
            format!(
                "The resource adapter was started. (display name = {})",
                app.dbcon
            ),
        ),
        (
            3_377,
            "KDJE48530-I",
            format!(
                "The connection pool was initialized. (display name = {}, minimum pool size = {}, maximum pool size = {}, connection wait = true, wait time = 10 seconds)",
                app.dbcon, app.pool, app.pool
            ),
        ),
        (
            3_690,
            "KDJE48601-I",
            format!(
                "The resource adapter was started. (display name = {})",
                if app.integrity {
                    "WebpayDB"
                } else {
                    "MypageDB"
                }
            ),
        ),
        (
            9_850,
            "KDJE34300-I",
            format!(
                "The database session failover functionality was enabled. (J2EE application = {}, context root = {}, DB Connector = {}, application ID = {}, integrity mode = {}, max sessions = {max_sessions}, max inactive interval = 1800)",
                app.name,
                app.ctx,
                app.dbcon,
                app.name.to_uppercase(),
                app.integrity
            ),
        ),
        (
            10_412,
            "KDJE39136-I",
            format!(
                "The web application was started. (context root = {})",
                app.ctx
            ),
        ),
        (
            10_530,
            "KDJE40053-I",
            format!(
                "The J2EE application was started. (J2EE application = {})",
                app.name
            ),
        ),
        (
            11_004,
            "KDJE30028-I",
            format!("The J2EE server has started. (server name = {})", app.name),
        ),
    ];
    for (d, id, text) in lines {
        out.push(CjRec {
            t: t0 + d * 1000,
            tid: main,
            id,
            text,
        });
    }
}

const DOCS: &[&str] = &["請求書PDF", "契約内容確認書PDF", "控除証明書PDF"];

/// Routine messages from the logger's start to the end of the window, at a rate following the
/// site's traffic (the incident day's curve, lower at weekends).
fn cj_noise(
    app: &App,
    rng: &mut Rng,
    out: &mut Vec<CjRec>,
    ex: &mut Vec<ExRec>,
    acc: &mut Vec<(Us, Us, String)>,
) {
    startup(app, out);
    let mut t = app.started + 12 * SEC;
    let tids: Vec<u32> = (0..120)
        .map(|_| rng.range(0x0800, 0x3FFF) as u32 & !3)
        .collect();
    while t < sim_end() {
        let d = Dt::new(t, JST);
        let tod = jt(d.h, d.mi, 0, 0);
        let weekend = matches!(d.wday_name(), "Sat" | "Sun");
        let v = app.visits.at(tod) * if weekend { 0.6 } else { 1.0 };
        let tid = *rng.pick(&tids);
        // A client (through the HTTP server) went away before the response was written.
        for _ in 0..rng.poisson(v * 0.003) {
            let x = t + rng.range(0, 60 * SEC);
            let uri = if app.integrity {
                "/webpay/card/confirm"
            } else {
                *rng.pick(&[
                    "/mypage/invoice",
                    "/mypage/contract/list",
                    "/mypage/top",
                    "/mypage/contract/detail",
                ])
            };
            out.push(CjRec {
                t: x,
                tid,
                id: "KDJE39571-W",
                text: format!(
                    "The response could not be sent because the connection with the client was closed. (J2EE application = {}, request URI = {uri}, client = 10.20.0.11)",
                    app.name
                ),
            });
        }
        // Application exceptions, messages in Japanese (the application's own).
        let rate = if app.integrity { 0.006 } else { 0.0006 };
        for _ in 0..rng.poisson(v * rate) {
            let x = t + rng.range(0, 60 * SEC);
            let (uri, lines) = if app.integrity {
                let txn = format!(
                    "T{}{:05}",
                    d.compact_date().get(2..).unwrap_or(""),
                    rng.range(0, 99_999)
                );
                (
                    "/webpay/card/complete",
                    vec![
                        format!("jp.example.webpay.gateway.GatewayTimeoutException: 決済代行会社からの応答がタイムアウトしました。(取引ID={txn}, 待ち時間=30000ms)"),
                        "\tat jp.example.webpay.gateway.CardGatewayClient.authorize(CardGatewayClient.java:203)".into(),
                        "\tat jp.example.webpay.service.PaymentService.complete(PaymentService.java:117)".into(),
                        "\tat jp.example.webpay.web.CardCompleteServlet.doPost(CardCompleteServlet.java:62)".into(),
                        "\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:661)".into(),
                        "Caused by: java.net.SocketTimeoutException: Read timed out".into(),
                        "\tat java.net.SocketInputStream.socketRead0(Native Method)".into(),
                        "\tat java.net.SocketInputStream.socketRead(SocketInputStream.java:116)".into(),
                        "\tat java.net.SocketInputStream.read(SocketInputStream.java:171)".into(),
                        "\tat sun.security.ssl.SSLSocketInputRecord.read(SSLSocketInputRecord.java:476)".into(),
                        "\tat jp.example.webpay.gateway.CardGatewayClient.authorize(CardGatewayClient.java:198)".into(),
                        "\t... 3 more".into(),
                    ],
                )
            } else if rng.chance(0.7) {
                let no = format!(
                    "INV-{}-{:07}",
                    rng.range(2305, 2311),
                    rng.range(0, 9_999_999)
                );
                let doc = *rng.pick(DOCS);
                (
                    "/mypage/invoice/pdf",
                    vec![
                        format!("jp.example.mypage.common.BusinessException: {doc}が見つかりません。(帳票番号={no})"),
                        "\tat jp.example.mypage.invoice.InvoiceService.openPdf(InvoiceService.java:142)".into(),
                        "\tat jp.example.mypage.web.InvoicePdfServlet.doGet(InvoicePdfServlet.java:51)".into(),
                        "\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:635)".into(),
                        "\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:742)".into(),
                        format!(
                            "Caused by: java.io.FileNotFoundException: \\\\fs01\\mypage\\invoice\\20{}\\{no}.pdf (指定されたファイルが見つかりません。)",
                            no.get(4..8).unwrap_or("2310")
                        ),
                        "\tat java.io.FileInputStream.open0(Native Method)".into(),
                        "\tat java.io.FileInputStream.open(FileInputStream.java:195)".into(),
                        "\tat java.io.FileInputStream.<init>(FileInputStream.java:138)".into(),
                        "\tat jp.example.mypage.invoice.InvoiceService.openPdf(InvoiceService.java:138)".into(),
                        "\t... 3 more".into(),
                    ],
                )
            } else {
                let no = format!("K23{:07}", rng.range(0, 9_999_999));
                (
                    "/mypage/contract/detail",
                    vec![
                        format!("jp.example.mypage.common.BusinessException: 契約照会APIの呼び出しに失敗しました。(契約番号={no}, 経過時間=15004ms)"),
                        "\tat jp.example.mypage.contract.ContractApiClient.fetch(ContractApiClient.java:88)".into(),
                        "\tat jp.example.mypage.contract.ContractService.detail(ContractService.java:54)".into(),
                        "\tat jp.example.mypage.web.ContractDetailServlet.doGet(ContractDetailServlet.java:47)".into(),
                        "\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:635)".into(),
                        "Caused by: java.net.SocketTimeoutException: Read timed out".into(),
                        "\tat java.net.SocketInputStream.socketRead0(Native Method)".into(),
                        "\tat java.net.SocketInputStream.socketRead(SocketInputStream.java:116)".into(),
                        "\tat jp.example.mypage.contract.ContractApiClient.fetch(ContractApiClient.java:81)".into(),
                        "\t... 3 more".into(),
                    ],
                )
            };
            let st = step("GET", uri, Op::None, 0.0, 500, (0, 0), NONE_STATICS);
            out.push(CjRec {
                t: x + 900,
                tid,
                id: "KDJE39188-E",
                text: msg_servlet(app, &st, &lines[0]),
            });
            ex.push(ExRec {
                t: x + 700,
                tid,
                id: "KDJE39188-E",
                lines,
            });
            let dur = if uri == "/mypage/invoice/pdf" {
                rng.range(20_000, 90_000)
            } else if uri == "/webpay/card/complete" {
                30 * SEC + rng.range(100_000, 300_000)
            } else {
                15 * SEC + rng.range(20_000, 80_000)
            };
            let path = match uri {
                "/mypage/invoice/pdf" => {
                    format!("{uri}?no=INV-{}", rng.range(1_000_000, 9_999_999))
                }
                "/mypage/contract/detail" => format!("{uri}?no=K23{:07}", rng.range(0, 9_999_999)),
                _ => uri.to_string(),
            };
            let method = if app.integrity { "POST" } else { "GET" };
            acc.push((x + 900 - dur, dur, format!("{method} {path}")));
        }
        // Idle pooled connections cut overnight by the firewall are found by the connection
        // check when morning traffic starts (pgjdbc's messages are localised: ja_JP JVM).
        if d.h == 7 && d.mi < 30 && !weekend && rng.chance(0.06) {
            out.push(CjRec {
                t: t + rng.range(0, 60 * SEC),
                tid,
                id: "KDJE48606-W",
                text: format!(
                    "The connection was discarded because an error occurred in the connection check. (display name = {}, exception = org.postgresql.util.PSQLException: バックエンドへの送信中に、入出力エラーが起こりました。)",
                    if app.integrity { "WebpayDB" } else { "MypageDB" }
                ),
            });
        }
        t += 60 * SEC;
    }
}

/// Records of a Cosminexus log (already in time order) spread over its planes the way the
/// logger wraps them: when the next record would overflow the current file, the next file
/// (cyclically) is truncated and started with the header. Returns each plane's text.
fn planes(header: &str, recs: &[String], filesize: usize, n: usize) -> Vec<Option<String>> {
    let size_of = |s: &str| crate::out::sjis_crlf(s).len() + 2;
    let mut out: Vec<Option<String>> = vec![None; n];
    let mut cur = 0;
    let mut buf = format!("{header}\n");
    let mut size = size_of(header);
    for r in recs {
        let l = size_of(r);
        if size + l > filesize {
            out[cur] = Some(std::mem::take(&mut buf));
            cur = (cur + 1) % n;
            buf = format!("{header}\n");
            size = size_of(header);
        }
        buf.push_str(r);
        buf.push('\n');
        size += l;
    }
    out[cur] = Some(buf);
    out
}

fn cj_header(app: &App) -> String {
    let d = Dt::new(app.started - 1_214_000, JST);
    format!(
        "**** {} {} TZ=(local)-9:00 {} {}.{:03}",
        app.os,
        app.host,
        d.slash_date(),
        d.hms(),
        d.ms()
    )
}

fn cj_prefix(n: u64, t: Us, pid: u32, tid: u32) -> String {
    let d = Dt::new(t, JST);
    format!(
        "{:04} {} {}.{:03} HEJB {pid:08X} {tid:08X}",
        n % 10_000,
        d.slash_date(),
        d.hms(),
        d.ms()
    )
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL 15, stderr, log_line_prefix = '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '

struct PgMsg {
    t: Us,
    pid: u32,
    user: String,
    db: String,
    app: String,
    client: String,
    /// `SEVERITY:  text` lines; continuation lines of one line start with `\n\t`.
    lines: Vec<String>,
}

fn pgm(t: Us, pid: u32, who: (&str, &str, &str, &str), lines: Vec<String>) -> PgMsg {
    PgMsg {
        t,
        pid,
        user: who.0.to_string(),
        db: who.1.to_string(),
        app: who.2.to_string(),
        client: who.3.to_string(),
        lines,
    }
}

fn pg_render(mut msgs: Vec<PgMsg>, l0: &BTreeMap<u32, u64>) -> String {
    msgs.sort_by_key(|m| m.t);
    let mut counters: BTreeMap<u32, u64> = l0.clone();
    let mut s = String::new();
    for m in msgs {
        let d = Dt::new(m.t, JST);
        let ts = format!("{} {} JST", d.date(), d.hms());
        for l in &m.lines {
            let n = counters.entry(m.pid).or_insert(0);
            *n += 1;
            s.push_str(&format!(
                "{ts} [{}]: [{}-1] user={},db={},app={},client={} {l}\n",
                m.pid, n, m.user, m.db, m.app, m.client
            ));
        }
    }
    s
}

fn sql_of(app: &App, op: Op) -> String {
    let t = app.table;
    match op {
        Op::Create => format!(
            "UPDATE {t} SET session_id = $1, create_time = $2, last_access_time = $3, expire_time = $4, attr_size = $5, attr_data = $6 WHERE rec_no = $7"
        ),
        Op::Delete => format!(
            "UPDATE {t} SET session_id = NULL, attr_size = 0, attr_data = NULL WHERE rec_no = $1 AND session_id = $2"
        ),
        Op::Expire => format!(
            "SELECT rec_no, session_id FROM {t} WHERE session_id IS NOT NULL AND expire_time < $1 ORDER BY expire_time FOR UPDATE"
        ),
        _ => format!(
            "SELECT rec_no, create_time, last_access_time, attr_size, attr_data FROM {t} WHERE session_id = $1 FOR UPDATE"
        ),
    }
}

fn stmt_name(op: Op) -> &'static str {
    match op {
        Op::Create => "S_3",
        Op::Delete => "S_4",
        Op::Expire => "S_6",
        _ => "S_1",
    }
}

fn pg_ts_param(t: Us) -> String {
    let d = Dt::new(t, JST);
    format!("{} {}.{:03}+09", d.date(), d.hms(), d.ms())
}

/// `log_parameter_max_length = 64`: longer values are cut and marked with `...`.
fn pg_param(v: &str) -> String {
    if v.len() > 64 {
        format!("'{}...'", &v[..64])
    } else {
        format!("'{v}'")
    }
}

fn params_of(op: Op, w: &Wait) -> String {
    let sid = session_hex(w.session);
    let rec = 1 + w.session % 60_000;
    let now = pg_ts_param(w.end);
    match op {
        Op::Create => {
            let blob = format!(
                "\\xaced0005737200116a6176612e7574696c2e486173684d61700507dac1c31660d103000246000a6c6f6164{:016x}",
                w.session
            );
            format!(
                "$1 = {}, $2 = {}, $3 = {}, $4 = {}, $5 = '{}', $6 = {}, $7 = '{rec}'",
                pg_param(&sid),
                pg_param(&now),
                pg_param(&now),
                pg_param(&pg_ts_param(w.end + 30 * MIN)),
                600 + w.session % 900,
                pg_param(&blob)
            )
        }
        Op::Delete => format!("$1 = '{rec}', $2 = {}", pg_param(&sid)),
        Op::Expire => format!("$1 = {}", pg_param(&now)),
        _ => format!("$1 = {}", pg_param(&sid)),
    }
}

fn mode_of(op: Op) -> &'static str {
    match op {
        Op::Create | Op::Delete => "RowExclusiveLock",
        _ => "RowShareLock",
    }
}

/// The lock-wait lines of one application's session statements.
fn pg_waits(app: &App, waits: &[Wait], rng: &mut Rng, out: &mut Vec<PgMsg>) {
    let who = ("sfo_user", "sfodb", "PostgreSQL JDBC Driver", app.ip);
    for w in waits {
        let sql = sql_of(app, w.op);
        let mode = mode_of(w.op);
        let x = w.start + DEADLOCK_TIMEOUT + rng.range(40, 400);
        if w.end <= x {
            continue;
        }
        let mut queue: Vec<&Wait> = waits.iter().filter(|o| o.start <= x && o.end > x).collect();
        queue.sort_by_key(|o| o.start);
        let q: Vec<String> = queue.iter().map(|o| o.pid.to_string()).collect();
        out.push(pgm(
            x,
            w.pid,
            who,
            vec![
                format!(
                    "LOG:  process {} still waiting for {mode} on relation {} of database {DB_OID} after {:.3} ms",
                    w.pid,
                    app.rel_oid,
                    (x - w.start) as f64 / 1000.0
                ),
                format!("DETAIL:  Process holding the lock: {BATCH_PID}. Wait queue: {}.", q.join(", ")),
                format!("STATEMENT:  {sql}"),
            ],
        ));
        if w.acquired {
            let at = w.end + rng.range(30, 300);
            out.push(pgm(
                at,
                w.pid,
                who,
                vec![
                    format!(
                        "LOG:  process {} acquired {mode} on relation {} of database {DB_OID} after {:.3} ms",
                        w.pid,
                        app.rel_oid,
                        (at - w.start) as f64 / 1000.0
                    ),
                    format!("STATEMENT:  {sql}"),
                ],
            ));
            if w.done - w.start >= LOG_MIN_DURATION {
                out.push(pgm(
                    w.done,
                    w.pid,
                    who,
                    vec![
                        format!(
                            "LOG:  duration: {:.3} ms  execute {}: {sql}",
                            (w.done - w.start) as f64 / 1000.0,
                            stmt_name(w.op)
                        ),
                        format!("DETAIL:  parameters: {}", params_of(w.op, w)),
                    ],
                ));
            }
        } else {
            out.push(pgm(
                w.end,
                w.pid,
                who,
                vec![
                    "ERROR:  canceling statement due to lock timeout".to_string(),
                    format!("STATEMENT:  {sql}"),
                ],
            ));
        }
    }
}

/// Pid of a short-lived backend forked at `t` (pids grow with time on db01).
fn pid_at(t: Us, salt: u64) -> u32 {
    90_100 + ((t - sim_start()) / (2 * SEC)) as u32 + (salt % 2) as u32
}

const BG: (&str, &str, &str, &str) = ("", "", "", "");

fn autovacuum_lines(table: &str, r: &mut Rng, busy: f64) -> String {
    let pages = r.range(2_400, 4_200);
    let scanned = (pages as f64 * (0.35 + 0.3 * r.f64())) as i64;
    let removed = (busy * 4_000.0) as i64 + r.range(300, 1_500);
    let remain = r.range(14_000, 26_000);
    let xid = 51_877_000 + r.range(0, 90_000);
    let idx_pages = r.range(250, 400);
    let idx2 = r.range(1_400, 1_900);
    let elapsed = 0.6 + r.f64() * 0.9;
    format!(
        "LOG:  automatic vacuum of table \"sfodb.public.{table}\": index scans: 1\n\tpages: 0 removed, {pages} remain, {scanned} scanned ({:.2}% of total)\n\ttuples: {removed} removed, {remain} remain, {} are dead but not yet removable\n\tremovable cutoff: {xid}, which was {} XIDs old when operation ended\n\tindex scan needed: {} pages from table ({:.2}% of total) had {removed} dead item identifiers removed\n\tindex \"{table}_pkey\": pages: {idx_pages} in total, 0 newly deleted, 0 currently deleted, 0 reusable\n\tindex \"{table}_sid_idx\": pages: {idx2} in total, {} newly deleted, {} currently deleted, {} reusable\n\tavg read rate: {:.3} MB/s, avg write rate: {:.3} MB/s\n\tbuffer usage: {} hits, {} misses, {} dirtied\n\tWAL usage: {} records, {} full page images, {} bytes\n\tsystem usage: CPU: user: {:.2} s, system: {:.2} s, elapsed: {elapsed:.2} s",
        scanned as f64 / pages as f64 * 100.0,
        r.range(0, 30),
        r.range(1, 6),
        scanned * 3 / 5,
        scanned as f64 * 0.6 / pages as f64 * 100.0,
        r.range(0, 20),
        r.range(10, 60),
        r.range(5, 40),
        2.0 + r.f64() * 6.0,
        1.5 + r.f64() * 5.0,
        scanned * 3 + r.range(0, 900),
        r.range(80, 600),
        r.range(300, 1_200),
        removed + r.range(100, 900),
        r.range(100, 700),
        r.range(900_000, 4_000_000),
        elapsed * 0.08,
        elapsed * 0.01,
    )
}

fn pg_noise(apps: &[App], rng: &mut Rng, out: &mut Vec<PgMsg>) {
    let busy = |t: Us| (apps[0].visits.at(t) / 13.0).clamp(0.05, 1.2);
    // Checkpoints (checkpoint_timeout = 5min, completion target 0.9).
    let ckpt = 1_187;
    let mut t = jt(0, 2, 41, 0) + rng.range(0, 999_000);
    while t < sim_end() {
        let bufs = (200.0 + busy(t) * 2_400.0) as i64 + rng.range(0, 400);
        let write = 269.7 + rng.f64() * 0.3;
        let sync = 0.002 + rng.f64() * 0.02;
        let end = t + ((write + sync) * 1e6) as Us + rng.range(1_000, 9_000);
        out.push(pgm(
            t,
            ckpt,
            BG,
            vec!["LOG:  checkpoint starting: time".into()],
        ));
        if end < sim_end() {
            out.push(pgm(
                end,
                ckpt,
                BG,
                vec![format!(
                    "LOG:  checkpoint complete: wrote {bufs} buffers ({:.1}%); 0 WAL file(s) added, 0 removed, {} recycled; write={write:.3} s, sync={sync:.3} s, total={:.3} s; sync files={}, longest={:.3} s, average=0.001 s; distance={} kB, estimate={} kB",
                    bufs as f64 / 16_384.0 * 100.0,
                    rng.range(0, 3),
                    write + sync + 0.004,
                    rng.range(18, 90),
                    sync * 0.6,
                    bufs * 11 + rng.range(0, 900),
                    bufs * 11 + rng.range(900, 3_000),
                )],
            ));
        }
        t += 5 * MIN;
    }
    // Autovacuum of the two session tables (every update leaves a dead row version).
    for (k, app) in apps.iter().enumerate() {
        let mut t = jt(0, 14, 0, 0) + rng.range(0, 30 * MIN) + k as Us * 7 * MIN;
        while t < sim_end() {
            let b = (app.visits.at(t) / if k == 0 { 13.0 } else { 3.6 }).clamp(0.1, 1.2);
            let pid = pid_at(t, 1);
            if stalled(t) {
                // (the launcher's visit during the stall is written below)
            } else {
                out.push(pgm(t, pid, BG, vec![autovacuum_lines(app.table, rng, b)]));
                if rng.chance(0.4) {
                    let e = 0.2 + rng.f64() * 0.3;
                    out.push(pgm(
                        t + 1_100_000,
                        pid,
                        BG,
                        vec![format!(
                            "LOG:  automatic analyze of table \"sfodb.public.{}\"\n\tavg read rate: {:.3} MB/s, avg write rate: {:.3} MB/s\n\tbuffer usage: {} hits, {} misses, {} dirtied\n\tsystem usage: CPU: user: {:.2} s, system: 0.00 s, elapsed: {e:.2} s",
                            app.table,
                            3.0 + rng.f64() * 9.0,
                            0.1 + rng.f64(),
                            rng.range(900, 3_000),
                            rng.range(100, 500),
                            rng.range(2, 30),
                            e * 0.4
                        )],
                    ));
                }
            }
            let every = if k == 0 { 26.0 } else { 75.0 };
            t += ((every / b.max(0.2)).min(180.0) * 60.0 * 1e6) as Us + rng.range(0, 4 * MIN);
        }
    }
    // During the stall the worker cannot take the table lock (autovacuum uses SKIP_LOCKED).
    for (k, (m, s)) in [(36u32, 2u32), (39, 41)].into_iter().enumerate() {
        let t = jt(10, m, s, 0) + rng.range(0, 999_000);
        out.push(pgm(
            t,
            pid_at(t, 1),
            BG,
            vec![format!(
                "LOG:  skipping vacuum of \"{}\" --- lock not available",
                apps[k].table
            )],
        ));
    }
    // Monitoring (Zabbix agent 2) connects every 5 minutes.
    let mut t = jt(0, 0, 5, 0);
    while t < sim_end() {
        let s = t + rng.range(0, 900_000);
        let pid = pid_at(s, 0);
        let port = 40_000 + rng.range(0, 20_000);
        let zc = "10.20.9.5";
        out.push(pgm(
            s,
            pid,
            ("[unknown]", "[unknown]", "[unknown]", zc),
            vec![format!("LOG:  connection received: host={zc} port={port}")],
        ));
        out.push(pgm(
            s + 6_000,
            pid,
            ("zbx_monitor", "postgres", "[unknown]", zc),
            vec!["LOG:  connection authorized: user=zbx_monitor database=postgres application_name=zabbix-agent2".into()],
        ));
        let dur = rng.range(20_000, 90_000);
        out.push(pgm(
            s + 6_000 + dur,
            pid,
            ("zbx_monitor", "postgres", "zabbix-agent2", zc),
            vec![format!(
                "LOG:  disconnection: session time: 0:00:00.{:03} user=zbx_monitor database=postgres host={zc} port={port}",
                (dur + 6_000) / 1000
            )],
        ));
        t += 5 * MIN;
    }
    // The portal's business database: an ordinary short row-lock wait now and then.
    let biz = (
        "mypage_app",
        "mypagedb",
        "PostgreSQL JDBC Driver",
        "10.20.1.11",
    );
    for (k, (h, m, s)) in [(9u32, 12u32, 44u32), (11, 20, 5)].into_iter().enumerate() {
        let t0 = jt(h, m, s, 0) + rng.range(0, 999_000);
        let (waiter, holder) = (3_412 + k as u32 * 61, 3_377 + k as u32 * 17);
        let xid = 51_913_400 + k as i64 * 77_113 + rng.range(0, 50);
        let tuple = format!("({},{})", rng.range(1_000, 4_000), rng.range(1, 40));
        let stmt = "UPDATE member_point SET balance = balance + $1, updated_at = now() WHERE member_no = $2";
        let held = 1_300_000 + rng.range(0, 900_000);
        let x = t0 + DEADLOCK_TIMEOUT + rng.range(40, 300);
        out.push(pgm(
            x,
            waiter,
            biz,
            vec![
                format!(
                    "LOG:  process {waiter} still waiting for ShareLock on transaction {xid} after {:.3} ms",
                    (x - t0) as f64 / 1000.0
                ),
                format!("DETAIL:  Process holding the lock: {holder}. Wait queue: {waiter}."),
                format!("CONTEXT:  while updating tuple {tuple} in relation \"member_point\""),
                format!("STATEMENT:  {stmt}"),
            ],
        ));
        out.push(pgm(
            t0 + held,
            waiter,
            biz,
            vec![
                format!(
                    "LOG:  process {waiter} acquired ShareLock on transaction {xid} after {:.3} ms",
                    held as f64 / 1000.0
                ),
                format!("CONTEXT:  while updating tuple {tuple} in relation \"member_point\""),
                format!("STATEMENT:  {stmt}"),
            ],
        ));
    }
    let t = jt(9, 41, 17, 204);
    out.push(pgm(
        t + 3_000,
        3_398,
        biz,
        vec![
            "ERROR:  duplicate key value violates unique constraint \"login_history_pkey\"".into(),
            format!(
                "DETAIL:  Key (member_no, login_at)=(00412877, {}) already exists.",
                pg_ts_param(t)
            ),
            "STATEMENT:  INSERT INTO login_history (member_no, login_at, ip_address, user_agent) VALUES ($1, $2, $3, $4)".into(),
        ],
    ));
}

const ARCHIVE_INSERT: &str = "INSERT INTO sfo_audit.session_snapshot (snapshot_date, app_id, rec_no, session_id, create_time, last_access_time, expire_time, attr_size) SELECT current_date, 'MYPAGE', rec_no, session_id, create_time, last_access_time, expire_time, attr_size FROM sfo_mypage_sessions WHERE session_id IS NOT NULL UNION ALL SELECT current_date, 'WEBPAY', rec_no, session_id, create_time, last_access_time, expire_time, attr_size FROM sfo_webpay_sessions WHERE session_id IS NOT NULL;";
const ARCHIVE_COPY: &str = "COPY ( SELECT snapshot_date, app_id, rec_no, session_id, create_time, last_access_time, expire_time, attr_size FROM sfo_audit.session_snapshot WHERE snapshot_date = current_date ORDER BY app_id, rec_no ) TO STDOUT with csv header";

/// The archive batch and the DBA's session, as db01 logged them.
fn pg_batch(rng: &mut Rng, out: &mut Vec<PgMsg>) {
    let bc = "10.20.3.21";
    let t0 = jt(10, 30, 11, 214);
    out.push(pgm(
        t0,
        BATCH_PID,
        ("[unknown]", "[unknown]", "[unknown]", bc),
        vec![format!(
            "LOG:  connection received: host={bc} port={BATCH_PORT}"
        )],
    ));
    out.push(pgm(
        t0 + 17_000,
        BATCH_PID,
        ("sfo_maint", "sfodb", "[unknown]", bc),
        vec!["LOG:  connection authorized: user=sfo_maint database=sfodb application_name=sfo-session-archive".into()],
    ));
    let who = ("sfo_maint", "sfodb", "sfo-session-archive", bc);
    let ins_start = lock_start() + 2_000;
    let ins_end = jt(10, 30, 31, 290) + 417;
    out.push(pgm(
        ins_end,
        BATCH_PID,
        who,
        vec![format!(
            "LOG:  duration: {:.3} ms  statement: {ARCHIVE_INSERT}",
            (ins_end - ins_start) as f64 / 1000.0
        )],
    ));
    // Logged before the aborting transaction releases its locks.
    let k = lock_end() - 380;
    out.push(pgm(
        k,
        BATCH_PID,
        who,
        vec![
            "FATAL:  terminating connection due to administrator command".into(),
            format!("STATEMENT:  {ARCHIVE_COPY}"),
        ],
    ));
    let sess = lock_end() + 610 - t0;
    out.push(pgm(
        lock_end() + 610,
        BATCH_PID,
        who,
        vec![format!(
            "LOG:  disconnection: session time: 0:{:02}:{:02}.{:03} user=sfo_maint database=sfodb host={bc} port={BATCH_PORT}",
            sess / MIN,
            (sess % MIN) / SEC,
            (sess % SEC) / 1000
        )],
    ));
    // The DBA looks at pg_locks / pg_stat_activity, then terminates the batch.
    let d0 = jt(10, 40, 58, 0) + rng.range(0, 999_000);
    let dpid = pid_at(d0, 1);
    out.push(pgm(
        d0,
        dpid,
        ("[unknown]", "[unknown]", "[unknown]", "[local]"),
        vec!["LOG:  connection received: host=[local]".into()],
    ));
    out.push(pgm(
        d0 + 5_000,
        dpid,
        ("postgres", "sfodb", "[unknown]", "[local]"),
        vec![
            "LOG:  connection authorized: user=postgres database=sfodb application_name=psql"
                .into(),
        ],
    ));
    let d1 = jt(10, 43, 12, 0) + rng.range(0, 999_000);
    let s = d1 - d0;
    out.push(pgm(
        d1,
        dpid,
        ("postgres", "sfodb", "psql", "[local]"),
        vec![format!(
            "LOG:  disconnection: session time: 0:{:02}:{:02}.{:03} user=postgres database=sfodb host=[local]",
            s / MIN,
            (s % MIN) / SEC,
            (s % SEC) / 1000
        )],
    ));
}

// ---------------------------------------------------------------------------------------------
// batch01: the archive script's log (UTC, zone named) and syslog.

fn batch_logs(rng: &mut Rng) -> (String, String) {
    let mut log = Lines::new();
    let line = |t: Us, pid: u32, msg: &str| -> String {
        let d = Dt::new(t, UTC);
        format!(
            "{} {} UTC archive_sessions.sh[{pid}]: {msg}",
            d.date(),
            d.hms()
        )
    };
    let tables = "sfo_mypage_sessions,sfo_webpay_sessions";
    // Weekly runs, Sunday 02:00 JST (Saturday 17:00 UTC).
    for (i, (m, d)) in [(10u32, 22u32), (10, 29), (11, 5), (11, 12)]
        .into_iter()
        .enumerate()
    {
        let t = jst(2023, m, d, 2, 0, 1) + rng.range(0, 800_000);
        let pid = 30_000 + rng.range(0, 30_000) as u32;
        let rows = 2_800 + rng.range(0, 2_000);
        log.push(
            t,
            line(
                t,
                pid,
                &format!(
                    "start (trigger=cron, snapshot={}, tables={tables})",
                    Dt::new(t, JST).date()
                ),
            ),
        );
        log.push(t + 900_000, line(t + 900_000, pid, "psql: LOCK TABLE"));
        let t2 = t + 1_900_000 + rng.range(0, 1_500_000);
        log.push(t2, line(t2, pid, &format!("psql: INSERT 0 {rows}")));
        log.push(
            t2 + 2_000,
            line(
                t2 + 2_000,
                pid,
                &format!(
                    "psql: export: /mnt/audit/2023-{m:02}/sessions_{}.csv",
                    Dt::new(t, JST).compact_date()
                ),
            ),
        );
        let t3 = t2 + 1_200_000 + rng.range(0, 900_000);
        if i == 3 {
            log.push(t3, line(t3, pid, "psql: psql:/opt/sfo-archive/sql/archive_sessions.sql:31: error: could not write COPY data: No space left on device"));
            log.push(
                t3 + 4_000,
                line(
                    t3 + 4_000,
                    pid,
                    &format!("end status=FAILED rc=1 elapsed={}s", (t3 - t) / SEC),
                ),
            );
        } else {
            log.push(t3, line(t3, pid, &format!("psql: COPY {rows}")));
            log.push(
                t3 + 9_000,
                line(
                    t3 + 9_000,
                    pid,
                    &format!("end status=OK rc=0 elapsed={}s", (t3 - t) / SEC),
                ),
            );
        }
    }
    // The manual re-run on Tuesday morning.
    let pid = 8_841;
    let t = jt(10, 30, 10, 903);
    log.push(
        t,
        line(
            t,
            pid,
            &format!("start (trigger=manual user=ops02, snapshot=2023-11-14, tables={tables})"),
        ),
    );
    log.push(
        lock_start() + 900,
        line(lock_start() + 900, pid, "psql: LOCK TABLE"),
    );
    let t2 = jt(10, 30, 31, 295);
    log.push(t2, line(t2, pid, "psql: INSERT 0 48211"));
    log.push(
        t2 + 2_000,
        line(
            t2 + 2_000,
            pid,
            "psql: export: /mnt/audit/2023-11/sessions_20231114.csv",
        ),
    );
    // psql is stuck in write(2) on the hung CIFS mount until the share comes back.
    let back = jt(10, 52, 9, 611);
    for msg in [
        "psql: psql:/opt/sfo-archive/sql/archive_sessions.sql:31: error: could not write COPY data: Input/output error",
        "psql: psql:/opt/sfo-archive/sql/archive_sessions.sql:31: FATAL:  terminating connection due to administrator command",
        "psql: server closed the connection unexpectedly",
        "psql: \tThis probably means the server terminated abnormally",
        "psql: \tbefore or while processing the request.",
        "psql: psql:/opt/sfo-archive/sql/archive_sessions.sql:31: error: connection to server was lost",
    ] {
        log.push(back, line(back, pid, msg));
    }
    log.push(
        back + 3_000,
        line(
            back + 3_000,
            pid,
            &format!("end status=FAILED rc=2 elapsed={}s", (back - t) / SEC),
        ),
    );

    // syslog (rsyslog traditional format, the VM runs in UTC).
    let mut sys = Lines::new();
    let host = "batch01";
    let mut x = jt(0, 1, 0, 0);
    while x < sim_end() {
        let p = rng.range(10_000, 60_000);
        if Dt::new(x, UTC).mi == 1 {
            sys.push(
                x,
                crate::fmt::syslog(
                    x,
                    UTC,
                    host,
                    &format!("CROND[{p}]"),
                    "(root) CMD (run-parts /etc/cron.hourly)",
                ),
            );
        }
        x += 60 * MIN;
    }
    let s = jt(10, 29, 38, 0);
    sys.push(
        s,
        crate::fmt::syslog(
            s,
            UTC,
            host,
            "systemd-logind[912]",
            "New session 4187 of user ops02.",
        ),
    );
    sys.push(
        s + 50_000,
        crate::fmt::syslog(
            s + 50_000,
            UTC,
            host,
            "systemd[1]",
            "Started Session 4187 of user ops02.",
        ),
    );
    let mut c = jt(10, 33, 31, 0);
    while c < back {
        sys.push(
            c,
            crate::fmt::syslog(
                c,
                UTC,
                host,
                "kernel",
                "CIFS: VFS: \\\\fs01 has not responded in 180 seconds. Reconnecting...",
            ),
        );
        c += 3 * MIN + rng.range(0, 2 * SEC);
    }
    let h = jt(10, 32, 41, 0);
    for (k, msg) in [
        "INFO: task psql:8857 blocked for more than 120 seconds.",
        "      Not tainted 4.18.0-477.27.1.el8_8.x86_64 #1",
        "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.",
    ]
    .into_iter()
    .enumerate()
    {
        sys.push(h + k as Us, crate::fmt::syslog(h, UTC, host, "kernel", msg));
    }
    sys.push(
        back - 400_000,
        crate::fmt::syslog(
            back - 400_000,
            UTC,
            host,
            "kernel",
            "CIFS: VFS: reconnect tcon succeeded \\\\fs01\\audit",
        ),
    );
    (log.into_text(), sys.into_text())
}

// ---------------------------------------------------------------------------------------------

fn web_noise(rng: &mut Rng, out: &mut Vec<(Us, String)>) {
    // Two load balancers check every 5 s each.
    for lb in ["10.20.0.2", "10.20.0.3"] {
        let mut t = sim_start() + rng.range(0, 5 * SEC);
        while t < sim_end() {
            let d = rng.range(250, 900);
            let dd = Dt::new(t, JST);
            out.push((
                t + d,
                format!(
                    "{lb} - - [{}] \"GET /healthcheck.html HTTP/1.0\" 200 3 \"-\" \"-\" {d}",
                    dd.clf()
                ),
            ));
            t += 5 * SEC + rng.range(-2_000, 2_000);
        }
    }
    // Crawlers and scanners.
    for t in arrivals(rng, sim_start(), sim_end(), |_| 0.25) {
        let (ip, ua) = *rng.pick(&[
            ("66.249.66.1", UA_BOTS[0]),
            ("157.55.39.10", UA_BOTS[1]),
            ("54.36.148.7", UA_BOTS[2]),
            ("198.51.100.201", "Mozilla/5.0 zgrab/0.x"),
            ("203.0.113.250", "python-requests/2.31.0"),
        ]);
        let (path, status, bytes) = *rng.pick(&[
            ("/robots.txt", 200, 68),
            ("/", 302, 231),
            ("/.env", 404, 196),
            ("/wp-login.php", 404, 196),
            ("/mypage/WEB-INF/web.xml", 404, 196),
            ("/favicon.ico", 200, 1_150),
            ("/sitemap.xml", 404, 196),
        ]);
        let d = rng.range(200, 1_500);
        out.push((
            t + d,
            combined(ip, t, "GET", path, status, bytes, "-", ua, d),
        ));
    }
}

pub fn generate(files: &mut Files, scale: f64) -> io::Result<()> {
    let rng = Rng::named(ROOT);
    let apps = apps(&mut rng.fork("apps"));
    let ips = IpPool::new(&mut rng.fork("ips"), 900, 0);
    let mut access: Vec<(Us, String)> = Vec::new();
    let mut pg: Vec<PgMsg> = Vec::new();
    let mut l0: BTreeMap<u32, u64> = BTreeMap::new();
    l0.insert(1_187, 9_217);
    for app in &apps {
        for (p, n) in app.backend.iter().zip(&app.backend_l0) {
            l0.insert(*p, *n);
        }
    }
    let mut prng = rng.fork("pgwaits");
    for app in &apps {
        let mut sim = Sim::new(app, rng.fork(app.name), &ips);
        sim.run(scale);
        access.append(&mut sim.access);
        pg_waits(app, &sim.waits, &mut prng, &mut pg);

        let mut cj = std::mem::take(&mut sim.cj);
        let mut ex = std::mem::take(&mut sim.ex);
        let mut noise_acc = Vec::new();
        cj_noise(
            app,
            &mut rng.fork(&format!("cjnoise{}", app.name)),
            &mut cj,
            &mut ex,
            &mut noise_acc,
        );
        let mut arng = rng.fork(&format!("noiseacc{}", app.name));
        for (start, dur, req) in noise_acc {
            if start < sim_start() {
                continue;
            }
            let (ip, _) = ips.draw(&mut arng);
            let ua = UAS[arng.below(UAS.len())].0;
            let (method, path) = req.split_once(' ').unwrap_or(("GET", "/"));
            access.push((
                start + dur,
                combined(
                    ips.get(ip),
                    start,
                    method,
                    path,
                    500,
                    1_147 + arng.range(0, 40) as u32,
                    &format!("{SITE}{}/top", app.ctx),
                    ua,
                    dur,
                ),
            ));
        }
        cj.retain(|r| r.t < sim_end());
        ex.retain(|r| r.t < sim_end());
        cj.sort_by_key(|r| r.t);
        ex.sort_by_key(|r| r.t);
        let msgs: Vec<String> = cj
            .iter()
            .enumerate()
            .map(|(n, r)| {
                format!(
                    "{} {} {}",
                    cj_prefix(n as u64 + 1, r.t, app.jpid, r.tid),
                    r.id,
                    r.text
                )
            })
            .collect();
        let excs: Vec<String> = ex
            .iter()
            .enumerate()
            .map(|(n, r)| {
                let mut s = format!(
                    "{} {} {}",
                    cj_prefix(n as u64 + 1, r.t, app.jpid, r.tid),
                    r.id,
                    r.lines[0]
                );
                for l in &r.lines[1..] {
                    s.push('\n');
                    s.push_str(l);
                }
                s
            })
            .collect();
        let header = cj_header(app);
        let dir = format!(
            "{ROOT}/{}/Cosminexus/CC/server/public/ejb/{}/logs",
            app.host, app.name
        );
        for (k, text) in planes(&header, &msgs, MSG_FILESIZE, 2)
            .into_iter()
            .enumerate()
        {
            if let Some(text) = text {
                files.write(
                    &format!("{dir}/cjmessage{}.log", k + 1),
                    &crate::out::sjis_crlf(&text),
                )?;
            }
        }
        for (k, text) in planes(&header, &excs, EXC_FILESIZE, 2)
            .into_iter()
            .enumerate()
        {
            if let Some(text) = text {
                files.write(
                    &format!("{dir}/cjexception{}.log", k + 1),
                    &crate::out::sjis_crlf(&text),
                )?;
            }
        }
    }

    // web01: Hitachi HTTP Server, rotatelogs daily at 00:00 JST (offset 540 min).
    web_noise(&mut rng.fork("web"), &mut access);
    access.retain(|a| a.0 < sim_end());
    access.sort_by_key(|a| a.0);
    let epoch = unix_secs(jst(2023, 11, 14, 0, 0, 0));
    files.write_str(
        &format!("{ROOT}/web01/httpsd/logs/access_log.{epoch}.gz"),
        &join(&access),
    )?;

    // db01: PostgreSQL 15, log_filename = 'postgresql-%a.log', log_timezone = 'Asia/Tokyo'.
    pg_noise(&apps, &mut rng.fork("pgnoise"), &mut pg);
    pg_batch(&mut rng.fork("pgbatch"), &mut pg);
    pg.retain(|m| m.t >= sim_start() && m.t < sim_end());
    let pgtext = pg_render(pg, &l0);
    files.write_str(
        &format!("{ROOT}/db01/pgsql/15/data/log/postgresql-Tue.log.gz"),
        &pgtext,
    )?;

    let (blog, sys) = batch_logs(&mut rng.fork("batch"));
    files.write_str(
        &format!("{ROOT}/batch01/opt/sfo-archive/log/archive_sessions.log"),
        &blog,
    )?;
    files.write_str(&format!("{ROOT}/batch01/var/log/messages"), &sys)?;
    Ok(())
}

//! booth-payment-spike: checkout took a pessimistic lock on the item row and called the payment
//! API (about 2 s) inside the same transaction, so orders for one item were served one at a time.
//!
//! Mechanism simulated: orders arrive for a set of hot items during a limited sale; each checkout
//! needs a Unicorn worker (6 hosts x 24) and then the item's row lock (FIFO per item, granted in
//! request order). Before the fix the lock is held for stock + order + `PaymentApi#confirm`;
//! after it only for the stock reservation (a few hundred ms) and the payment runs unlocked. A
//! later day has no lock contention but a CPU-bound rendering backlog (slim) on busy pages.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;

use crate::fmt::*;
use crate::out::{Files, Lines, join, split_at};
use crate::rng::{Rng, hash_str};
use crate::time::*;
use crate::traffic::*;

const ROOT: &str = "booth-payment-spike";
const WORKERS: usize = 6 * 24;
const LOCK_WAIT_TIMEOUT: Us = 50 * SEC;
const APP_IPS: [&str; 6] = [
    "10.20.2.11",
    "10.20.2.12",
    "10.20.2.13",
    "10.20.2.14",
    "10.20.2.15",
    "10.20.2.16",
];

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Stock, order and payment API in one locked transaction.
    Before,
    /// Stock reservation locked; payment outside the lock.
    After,
}

struct Day {
    from: Us,
    to: Us,
    mode: Mode,
    /// Orders per minute offered for the hot items.
    orders: Curve,
    /// Page views per minute (all pages).
    pages: Curve,
    /// CPU seconds of one page render (slim) on that day.
    render_cpu: f64,
    /// A heavier template live for a while: (from, to, CPU seconds per render).
    heavy: Option<(Us, Us, f64)>,
}

impl Day {
    /// CPU seconds of a page render at `t`.
    fn render_cpu_at(&self, t: Us) -> f64 {
        match self.heavy {
            Some((a, b, cpu)) if t >= a && t < b => cpu,
            _ => self.render_cpu,
        }
    }
}

fn days() -> Vec<Day> {
    let a = (2020, 5, 2);
    let b = (2020, 5, 23);
    let c = (2020, 6, 13);
    let h = |d: (i64, u32, u32), hh: u32, mm: u32| jst(d.0, d.1, d.2, hh, mm, 0);
    vec![
        Day {
            from: h(a, 20, 45),
            to: h(a, 21, 50),
            mode: Mode::Before,
            orders: Curve(vec![
                (h(a, 20, 30), 25.0),
                (h(a, 20, 59), 30.0),
                (h(a, 21, 0), 430.0),
                (h(a, 21, 12), 445.0),
                (h(a, 21, 30), 420.0),
                (h(a, 21, 40), 180.0),
                (h(a, 21, 55), 40.0),
            ]),
            pages: Curve(vec![
                (h(a, 20, 30), 104.0),
                (h(a, 20, 58), 280.0),
                (h(a, 21, 10), 400.0),
                (h(a, 21, 40), 200.0),
                (h(a, 22, 0), 112.0),
            ]),
            render_cpu: 0.11,
            heavy: None,
        },
        Day {
            from: h(b, 20, 45),
            to: h(b, 21, 50),
            mode: Mode::After,
            orders: Curve(vec![
                (h(b, 20, 30), 25.0),
                (h(b, 20, 59), 30.0),
                (h(b, 21, 0), 1950.0),
                (h(b, 21, 8), 2000.0),
                (h(b, 21, 14), 1300.0),
                (h(b, 21, 22), 200.0),
                (h(b, 21, 40), 40.0),
            ]),
            pages: Curve(vec![
                (h(b, 20, 30), 104.0),
                (h(b, 20, 58), 360.0),
                (h(b, 21, 5), 480.0),
                (h(b, 21, 30), 180.0),
                (h(b, 22, 0), 112.0),
            ]),
            render_cpu: 0.11,
            heavy: None,
        },
        Day {
            from: h(c, 20, 45),
            to: h(c, 21, 50),
            mode: Mode::After,
            orders: Curve(vec![
                (h(c, 20, 30), 30.0),
                (h(c, 21, 0), 90.0),
                (h(c, 21, 30), 60.0),
                (h(c, 22, 0), 30.0),
            ]),
            pages: Curve(vec![
                (h(c, 20, 30), 120.0),
                (h(c, 20, 50), 360.0),
                (h(c, 21, 0), 920.0),
                (h(c, 21, 20), 960.0),
                (h(c, 21, 35), 360.0),
                (h(c, 22, 0), 128.0),
            ]),
            // The online fair's pages went out with a new slim template that
            // costs 2.4 CPU-s per render; it was rolled back at 21:35 JST.
            render_cpu: 0.11,
            heavy: Some((h(c, 21, 0), h(c, 21, 35), 2.4)),
        },
    ]
}

struct Req {
    t: Us,
    end: Us,
    host: usize,
    web: usize,
    method: &'static str,
    path: String,
    status: u16,
    size: u32,
    ip: usize,
    ua: usize,
    rid: String,
    order: Option<OrderInfo>,
    controller: &'static str,
    action: &'static str,
    view_ms: f64,
}

struct OrderInfo {
    item: u64,
    lockreq: Us,
    grant: Us,
    release: Us,
    pay_start: Us,
    pay_ms: i64,
    timed_out: bool,
    trx: u64,
    thread: u64,
}

const HOT_ITEMS: usize = 15;

fn simulate(rng: &mut Rng, day: &Day, scale: f64, ips: &IpPool) -> Vec<Req> {
    let hot: Vec<u64> = (0..HOT_ITEMS)
        .map(|i| 2_140_000 + i as u64 * 1_187)
        .collect();
    let hot_w: Vec<f64> = (0..HOT_ITEMS)
        .map(|i| 1.0 / (1.0 + i as f64 * 0.03))
        .collect();
    let mut reqs: Vec<Req> = Vec::new();
    let mk = |rng: &mut Rng, t: Us| -> Req {
        let (ip, _) = ips.draw(rng);
        Req {
            t,
            end: t,
            host: rng.below(6),
            web: rng.below(3),
            method: "GET",
            path: String::new(),
            status: 200,
            size: 0,
            ip,
            ua: rng.below(UA_DESKTOP.len()),
            rid: rng.uuid(),
            order: None,
            controller: "",
            action: "",
            view_ms: 0.0,
        }
    };
    for t in arrivals(rng, day.from, day.to, |t| day.orders.at(t) * scale) {
        let mut r = mk(rng, t);
        let item = hot[rng.weighted(&hot_w)];
        r.method = "POST";
        r.path = format!("/items/{item}/checkout");
        r.controller = "CheckoutsController";
        r.action = "create";
        r.order = Some(OrderInfo {
            item,
            lockreq: 0,
            grant: 0,
            release: 0,
            pay_start: 0,
            pay_ms: 0,
            timed_out: false,
            trx: 0,
            thread: 0,
        });
        reqs.push(r);
    }
    for t in arrivals(rng, day.from, day.to, |t| day.pages.at(t) * scale) {
        let mut r = mk(rng, t);
        let x = rng.f64();
        if x < 0.55 {
            let item = if rng.chance(0.5) {
                hot[rng.below(HOT_ITEMS)]
            } else {
                rng.range(1_000_000, 2_400_000) as u64
            };
            r.path = format!("/items/{item}");
            r.controller = "ItemsController";
            r.action = "show";
        } else if x < 0.75 {
            r.path = format!(
                "/ja/items?tags%5B%5D={}",
                rng.pick(&[
                    "%E3%82%A8%E3%82%A2%E3%82%B3%E3%83%9F%E3%82%B1",
                    "VTuber",
                    "%E5%90%8C%E4%BA%BA%E8%AA%8C",
                    "3D%E3%83%A2%E3%83%87%E3%83%AB"
                ])
            );
            r.controller = "ItemsController";
            r.action = "index";
        } else if x < 0.9 {
            r.path = format!(
                "/shops/{}",
                rng.pick(&[
                    "hinata-circle",
                    "usagi-works",
                    "nekomimi-lab",
                    "polka-3d",
                    "sakura-print"
                ])
            );
            r.controller = "ShopsController";
            r.action = "show";
        } else {
            r.path = "/cart".into();
            r.controller = "CartsController";
            r.action = "show";
        }
        reqs.push(r);
    }
    reqs.sort_by_key(|r| r.t);

    // CPU model (processor sharing per minute): pages need render_cpu seconds each; 6 hosts x
    // 8 cores. Backlog carries over while demand exceeds capacity.
    let minutes = ((day.to - day.from) / MIN + 1) as usize;
    let mut demand = vec![0.0f64; minutes + 2];
    for r in &reqs {
        let m = ((r.t - day.from) / MIN) as usize;
        demand[m] += if r.order.is_some() {
            0.12
        } else {
            day.render_cpu_at(r.t)
        };
    }
    let cap = 6.0 * 8.0 * 60.0 * 0.92;
    let mut backlog = 0.0;
    let mut slow = vec![1.0f64; minutes + 2];
    let mut extra = vec![0.0f64; minutes + 2];
    for m in 0..minutes {
        let rho = demand[m] / cap;
        backlog = (backlog + demand[m] - cap).max(0.0);
        slow[m] = rho.max(0.6) / 0.6;
        extra[m] = backlog / (6.0 * 8.0);
        slow[m] = slow[m].clamp(1.0, 6.0);
    }

    // Checkout and page traffic are served by separate Unicorn pools (upstreams); nginx gives
    // up after proxy_read_timeout = 60 s with a 504.
    let n_checkout = if day.mode == Mode::Before {
        72
    } else {
        WORKERS
    };
    let mut workers: BinaryHeap<Reverse<Us>> =
        (0..WORKERS).map(|_| Reverse(day.from - MIN)).collect();
    let mut co_workers: BinaryHeap<Reverse<Us>> =
        (0..n_checkout).map(|_| Reverse(day.from - MIN)).collect();
    let mut free_at = std::collections::HashMap::<u64, Us>::new();
    let mut trx: u64 = 0x10_5a_00 + (day.from / SEC % 100_000) as u64;
    for r in reqs.iter_mut() {
        let pool = if r.order.is_some() {
            &mut co_workers
        } else {
            &mut workers
        };
        let Reverse(wfree) = pool.pop().unwrap_or(Reverse(r.t));
        let start = r.t.max(wfree);
        if start - r.t > 55 * SEC {
            // Never reached a worker before nginx's timeout.
            pool.push(Reverse(wfree));
            r.end = r.t + 60 * SEC + rng.range(0, 3_000);
            r.status = 504;
            r.size = 183;
            r.order = None;
            r.controller = "";
            continue;
        }
        let m = (((r.t - day.from) / MIN) as usize).min(minutes);
        let end;
        if let Some(o) = r.order.as_mut() {
            trx += 1 + rng.range(0, 30) as u64;
            o.trx = trx;
            o.thread = 880_000 + (trx % 90_000);
            o.lockreq = start + rng.range(25_000, 60_000);
            let fa = free_at.get(&o.item).copied().unwrap_or(0);
            o.grant = o.lockreq.max(fa);
            let pay = (rng.lognormal(2050.0, 0.12) * 1000.0) as Us;
            o.pay_ms = pay / 1000;
            if o.grant - o.lockreq > LOCK_WAIT_TIMEOUT {
                o.timed_out = true;
                o.grant = 0;
                end = o.lockreq + LOCK_WAIT_TIMEOUT + rng.range(5_000, 30_000);
                r.status = 500;
                r.size = 1_412;
            } else {
                match day.mode {
                    Mode::Before => {
                        let stock = rng.range(30_000, 90_000);
                        o.pay_start = o.grant + stock;
                        o.release = o.pay_start + pay + rng.range(8_000, 25_000);
                        free_at.insert(o.item, o.release);
                        end = o.release + rng.range(40_000, 90_000);
                    }
                    Mode::After => {
                        let hold = (rng.lognormal(330.0, 0.25) * 1000.0) as Us;
                        o.release = o.grant + hold;
                        free_at.insert(o.item, o.release);
                        o.pay_start = o.release + rng.range(10_000, 30_000);
                        end = o.pay_start + pay + rng.range(40_000, 90_000);
                    }
                }
                r.status = 302;
                r.size = 0;
            }
            r.view_ms = 0.0;
        } else {
            let base = rng.lognormal(day.render_cpu_at(r.t) * 1000.0 * 0.7, 0.35) + 25.0;
            let ms = base * slow[m] + extra[m] * 1000.0 * rng.f64();
            r.view_ms = ms * 0.8;
            end = start + (ms * 1000.0) as Us;
            r.size = rng.range(18_000, 90_000) as u32;
        }
        r.end = end;
        let pool = if r.order.is_some() {
            &mut co_workers
        } else {
            &mut workers
        };
        pool.push(Reverse(end));
    }
    reqs
}

fn ltsv(r: &Req, ips: &IpPool) -> String {
    // nginx gives up at proxy_read_timeout = 60 s (the app may still finish the order).
    let (end, status, size) = if r.end - r.t > 60 * SEC {
        (r.t + 60 * SEC + 1_200, 504, 183)
    } else {
        (r.end, r.status, r.size)
    };
    let d = Dt::new(end, JST);
    let reqtime = secs3(end - r.t + 400);
    let apptime = secs3(end - r.t);
    format!(
        "time:{}\thost:{}\tforwardedfor:-\treq:{} {} HTTP/1.1\tmethod:{}\turi:{}\tstatus:{}\tsize:{}\treferer:{}\tua:{}\treqtime:{reqtime}\tapptime:{apptime}\tvhost:booth.pm",
        d.clf(),
        ips.get(r.ip),
        r.method,
        r.path,
        r.method,
        r.path,
        status,
        size,
        if r.method == "POST" {
            format!("https://booth.pm{}", r.path.trim_end_matches("/checkout"))
        } else {
            "https://booth.pm/".into()
        },
        UA_DESKTOP[r.ua].0,
    )
}

fn status_56(now: Us, trx_blocks: &[String], rng: &mut Rng) -> String {
    let d = Dt::new(now, JST);
    let mut s = String::from(
        "*************************** 1. row ***************************\n  Type: InnoDB\n  Name: \nStatus: \n=====================================\n",
    );
    s.push_str(&format!("{} {} 7f6ac2dfe700 INNODB MONITOR OUTPUT\n=====================================\nPer second averages calculated from the last {} seconds\n", d.date(), d.hms(), rng.range(10, 30)));
    s.push_str(&format!(
        "-----------------\nBACKGROUND THREAD\n-----------------\nsrv_master_thread loops: {} srv_active, 0 srv_shutdown, {} srv_idle\nsrv_master_thread log flush and writes: {}\n----------\nSEMAPHORES\n----------\nOS WAIT ARRAY INFO: reservation count {}\nOS WAIT ARRAY INFO: signal count {}\nMutex spin waits {}, rounds {}, OS waits {}\nRW-shared spins {}, rounds {}, OS waits {}\nRW-excl spins {}, rounds {}, OS waits {}\nSpin rounds per wait: 1.{:02} mutex, 2.{:02} RW-shared, 8.{:02} RW-excl\n",
        now / SEC % 3_000_000, now / SEC % 2_000_000, now / SEC % 5_000_000,
        rng.range(1_000_000, 9_000_000), rng.range(1_000_000, 9_000_000),
        rng.range(1_000_000, 9_000_000), rng.range(10_000_000, 90_000_000), rng.range(100_000, 900_000),
        rng.range(1_000_000, 9_000_000), rng.range(10_000_000, 90_000_000), rng.range(100_000, 900_000),
        rng.range(100_000, 900_000), rng.range(1_000_000, 9_000_000), rng.range(10_000, 90_000),
        rng.range(0, 99), rng.range(0, 99), rng.range(0, 99)
    ));
    let counter = 0x10_5a_00 + now / SEC % 100_000 + 9_000;
    s.push_str(&format!(
        "------------\nTRANSACTIONS\n------------\nTrx id counter {counter}\nPurge done for trx's n:o < {} undo n:o < 0 state: running but idle\nHistory list length {}\nLIST OF TRANSACTIONS FOR EACH SESSION:\n---TRANSACTION 0, not started\nMySQL thread id 9182, OS thread handle 0x7f6ac2dfe700, query id 771029311 localhost root init\nSHOW ENGINE INNODB STATUS\n",
        counter - rng.range(100, 900),
        rng.range(600, 3_000)
    ));
    for b in trx_blocks {
        s.push_str(b);
        s.push('\n');
    }
    s.push_str("--------\nFILE I/O\n--------\nI/O thread 0 state: waiting for completed aio requests (insert buffer thread)\nI/O thread 1 state: waiting for completed aio requests (log thread)\nI/O thread 2 state: waiting for completed aio requests (read thread)\nI/O thread 3 state: waiting for completed aio requests (write thread)\nPending normal aio reads: 0 [0, 0, 0, 0] , aio writes: 0 [0, 0, 0, 0] ,\n ibuf aio reads: 0, log i/o's: 0, sync i/o's: 0\nPending flushes (fsync) log: 0; buffer pool: 0\n");
    s.push_str(&format!(
        "--------------\nROW OPERATIONS\n--------------\n{} queries inside InnoDB, 0 queries in queue\n{} read views open inside InnoDB\nMain thread process no. 2207, id 140096338163456, state: sleeping\nNumber of rows inserted {}, updated {}, deleted {}, read {}\n{}.{:02} inserts/s, {}.{:02} updates/s, 0.{:02} deletes/s, {}.{:02} reads/s\n----------------------------\nEND OF INNODB MONITOR OUTPUT\n============================\n",
        rng.range(1, 8), rng.range(2, 30),
        rng.range(900_000_000, 990_000_000), rng.range(400_000_000, 490_000_000), rng.range(10_000_000, 19_000_000), rng.range(90_000_000_000, 99_000_000_000),
        rng.range(20, 200), rng.range(0, 99), rng.range(20, 200), rng.range(0, 99), rng.range(0, 99), rng.range(5_000, 90_000), rng.range(0, 99)
    ));
    s
}

fn item_lock_dump(item: u64, trx: u64, waiting: bool) -> String {
    let page = 48_000 + (item % 4_000);
    let heap = 2 + item % 170;
    let mode = if waiting {
        "lock_mode X locks rec but not gap waiting"
    } else {
        "lock_mode X locks rec but not gap"
    };
    format!(
        "RECORD LOCKS space id 231 page no {page} n bits 240 index `PRIMARY` of table `booth`.`items` trx id {trx:x} {mode}\nRecord lock, heap no {heap} PHYSICAL RECORD: n_fields 24; compact format; info bits 0\n{}\n{}\n{}\n{}\n",
        rec_field(0, &innodb_bigint(item as i64)),
        rec_field(1, &format!("{:012x}", trx - 3)),
        rec_field(2, "1c00000a3f1d2e"),
        rec_field(3, &innodb_int(41_200 + (item % 900) as i64))
    )
}

pub fn generate(files: &mut Files, scale: f64) -> io::Result<()> {
    let rng = Rng::named(ROOT);
    let ips = IpPool::new(&mut rng.fork("ips"), 760, 11);
    let mut access: [Lines; 3] = [Lines::new(), Lines::new(), Lines::new()];
    let mut rails: [Lines; 1] = [Lines::new()];
    let mut slow = String::from(
        "/usr/sbin/mysqld, Version: 5.6.44-log (MySQL Community Server (GPL)). started with:\nTcp port: 3306  Unix socket: /var/lib/mysql/mysql.sock\nTime                 Id Command    Argument\n",
    );
    let mut sidekiq = Lines::new();
    let mut last_slow_sec = -1;
    for (di, day) in days().iter().enumerate() {
        let tag = format!("{di}");
        let mut drng = rng.fork(&format!("day{tag}"));
        let reqs = simulate(&mut drng, day, scale, &ips);
        for r in &reqs {
            access[r.web].push(r.end.min(r.t + 61 * SEC), ltsv(r, &ips));
        }
        // Rails logs (Ruby Logger + lograge) from app01 and app02, the two hosts collected.
        for r in reqs
            .iter()
            .filter(|r| r.host == 0 && !r.controller.is_empty())
        {
            let pid = 4_100 + (hash_str(&r.rid) % 24) as u32 * 7 + r.host as u32 * 1_000;
            let tagid = format!("[{}] ", r.rid);
            let lines = &mut rails[r.host];
            if let Some(o) = &r.order {
                if o.timed_out {
                    let te = r.end - 2_000;
                    lines.push(te, ruby_logger(te, JST, pid, "ERROR", &format!("{tagid}ActiveRecord::StatementInvalid: Mysql2::Error: Lock wait timeout exceeded; try restarting transaction: SELECT  `items`.* FROM `items` WHERE `items`.`id` = {} LIMIT 1 FOR UPDATE", o.item)));
                } else {
                    let waited = (o.grant - o.lockreq) / 1000;
                    lines.push(o.grant, ruby_logger(o.grant, JST, pid, "INFO", &format!("{tagid}[checkout] stock lock acquired item_id={} waited={waited}ms", o.item)));
                    let pe = o.pay_start + o.pay_ms * 1000;
                    lines.push(
                        pe,
                        ruby_logger(
                            pe,
                            JST,
                            pid,
                            "INFO",
                            &format!(
                                "{tagid}PaymentApi#confirm took {} ms (order_id={})",
                                o.pay_ms,
                                38_000_000 + o.trx % 9_000_000
                            ),
                        ),
                    );
                    if day.mode == Mode::Before {
                        lines.push(o.release, ruby_logger(o.release, JST, pid, "INFO", &format!("{tagid}[checkout] transaction committed item_id={} lock_held={}ms", o.item, (o.release - o.grant) / 1000)));
                    } else {
                        lines.push(o.release, ruby_logger(o.release, JST, pid, "INFO", &format!("{tagid}[checkout] stock reserved item_id={} lock_held={}ms reservation_id={}", o.item, (o.release - o.grant) / 1000, 9_100_000 + o.trx % 800_000)));
                    }
                }
            }
            let dur = (r.end - r.t) as f64 / 1000.0;
            let db = r
                .order
                .as_ref()
                .map(|o| {
                    if o.grant > 0 {
                        (o.grant - o.lockreq) as f64 / 1000.0 + 60.0
                    } else {
                        50_000.0
                    }
                })
                .unwrap_or(dur * 0.1);
            let extra = if r.status == 302 {
                format!(
                    " location=https://booth.pm/orders/{}",
                    38_000_000 + r.order.as_ref().map(|o| o.trx).unwrap_or(0) % 9_000_000
                )
            } else {
                String::new()
            };
            lines.push(
                r.end,
                ruby_logger(
                    r.end,
                    JST,
                    pid,
                    "INFO",
                    &format!(
                        "{tagid}method={} path={} format=html controller={} action={} status={} duration={dur:.2} view={:.2} db={db:.2}{extra}",
                        r.method, r.path, r.controller, r.action, r.status, r.view_ms
                    ),
                ),
            );
        }
        // MySQL 5.6 slow query log (long_query_time = 1): the FOR UPDATE that waited.
        let mut sl: Vec<(Us, String)> = Vec::new();
        for r in &reqs {
            let Some(o) = &r.order else { continue };
            let end = if o.timed_out {
                o.lockreq + LOCK_WAIT_TIMEOUT
            } else {
                o.grant + 400
            };
            let qt = end - o.lockreq;
            if qt < SEC {
                continue;
            }
            sl.push((end, format!(
                "# User@Host: booth[booth] @  [{}]  Id: {}\n# Query_time: {:.6}  Lock_time: 0.000{:03} Rows_sent: {}  Rows_examined: {}\nSET timestamp={};\nSELECT  `items`.* FROM `items` WHERE `items`.`id` = {} LIMIT 1 FOR UPDATE;",
                APP_IPS[r.host], o.thread, qt as f64 / 1e6, 30 + o.trx % 60, if o.timed_out { 0 } else { 1 }, if o.timed_out { 0 } else { 1 }, unix_secs(o.lockreq), o.item
            )));
        }
        sl.sort_by_key(|x| x.0);
        for (t, e) in sl {
            let s = unix_secs(t);
            if s != last_slow_sec {
                let d = Dt::new(t, JST);
                slow.push_str(&format!(
                    "# Time: {:02}{:02}{:02} {:>2}:{:02}:{:02}\n",
                    d.y % 100,
                    d.mo,
                    d.d,
                    d.h,
                    d.mi,
                    d.s
                ));
                last_slow_sec = s;
            }
            slow.push_str(&e);
            slow.push('\n');
        }
        // InnoDB status snapshots: pt-stalk trigger Threads_running > 40, --sleep 300.
        if day.mode == Mode::Before {
            let mut prng = drng.fork("stalk");
            let mut tau = day.from;
            let mut last = day.from - HOUR;
            while tau < day.to {
                let waiting: Vec<&Req> = reqs
                    .iter()
                    .filter(|r| {
                        r.order.as_ref().is_some_and(|o| {
                            o.lockreq <= tau
                                && (o.grant > tau
                                    || (o.timed_out && o.lockreq + LOCK_WAIT_TIMEOUT > tau))
                        })
                    })
                    .collect();
                if waiting.len() > 40 && tau - last >= 5 * MIN {
                    last = tau;
                    let mut blocks = Vec::new();
                    // The holders: one per hot item, idle inside the transaction (payment API).
                    for r in reqs.iter().filter(|r| {
                        r.order
                            .as_ref()
                            .is_some_and(|o| o.grant > 0 && o.grant <= tau && o.release > tau)
                    }) {
                        let o = r.order.as_ref().expect("order");
                        let act = (tau - o.grant) / SEC;
                        blocks.push(format!(
                            "---TRANSACTION {:x}, ACTIVE {act} sec\n4 lock struct(s), heap size 1184, 2 row lock(s), undo log entries 3\nMySQL thread id {}, OS thread handle 0x7f6a{:08x}, query id {} {} booth cleaning up\nTABLE LOCK table `booth`.`items` trx id {:x} lock mode IX\n{}TABLE LOCK table `booth`.`orders` trx id {:x} lock mode IX",
                            o.trx, o.thread, hash_str(&format!("{}", o.thread)) as u32, o.thread * 97, APP_IPS[r.host], o.trx, item_lock_dump(o.item, o.trx, false), o.trx
                        ));
                    }
                    for r in waiting.iter().take(24) {
                        let o = r.order.as_ref().expect("order");
                        let w = (tau - o.lockreq) / SEC;
                        blocks.push(format!(
                            "---TRANSACTION {:x}, ACTIVE {} sec starting index read\nmysql tables in use 1, locked 1\nLOCK WAIT 2 lock struct(s), heap size 360, 1 row lock(s)\nMySQL thread id {}, OS thread handle 0x7f6a{:08x}, query id {} {} booth statistics\nSELECT  `items`.* FROM `items` WHERE `items`.`id` = {} LIMIT 1 FOR UPDATE\n------- TRX HAS BEEN WAITING {w} SEC FOR THIS LOCK TO BE GRANTED:\n{}\n------------------\nTABLE LOCK table `booth`.`items` trx id {:x} lock mode IX\n{}",
                            o.trx, w + 1, o.thread, hash_str(&format!("{}", o.thread)) as u32, o.thread * 97, APP_IPS[r.host], o.item, item_lock_dump(o.item, o.trx, true), o.trx, item_lock_dump(o.item, o.trx, true).trim_end()
                        ));
                    }
                    let d = Dt::new(tau, JST);
                    let stamp = format!(
                        "{:04}_{:02}_{:02}_{:02}_{:02}_{:02}",
                        d.y, d.mo, d.d, d.h, d.mi, d.s
                    );
                    files.write_str(&format!("{ROOT}/db01/pt-stalk/{stamp}-trigger"), &format!("{stamp} Check results: status(Threads_running)={}, matched=yes, cycles_true=5\n", waiting.len() + 3))?;
                    files.write_str(
                        &format!("{ROOT}/db01/pt-stalk/{stamp}-innodbstatus1"),
                        &status_56(tau, &blocks, &mut prng),
                    )?;
                }
                tau += 10 * SEC;
            }
        }
        // Sidekiq (UTC): the compensating-transaction retry job every 5 minutes.
        let mut srng = drng.fork("sidekiq");
        let failed: Vec<&Req> = reqs
            .iter()
            .filter(|r| {
                r.order.as_ref().is_some_and(|o| o.grant > 0)
                    && hash_str(&r.rid).is_multiple_of(400)
            })
            .collect();
        let mut t = day.from - day.from % (5 * MIN) + 5 * MIN;
        while t < day.to {
            let pid = 3_310;
            let tid = format!(
                "TID-ow{}",
                srng.alnum(5, b"abcdefghijklmnopqrstuvwxyz0123456789")
            );
            let jid = srng.hex(24);
            let st = t + srng.range(50_000, 400_000);
            let stale: Vec<&&Req> = failed
                .iter()
                .filter(|r| r.end + 10 * MIN <= st && r.end + 15 * MIN > st)
                .collect();
            let dur = 0.05 + 0.31 * stale.len() as f64 + srng.f64() * 0.05;
            sidekiq.push(
                st,
                format!(
                    "{} {pid} {tid} StockReservationCompensateJob JID-{jid} INFO: start",
                    Dt::new(st, UTC).rfc3339_ms()
                ),
            );
            for r in &stale {
                let o = r.order.as_ref().expect("order");
                let tt = st + 100_000;
                sidekiq.push(tt, format!("{} {pid} {tid} StockReservationCompensateJob JID-{jid} INFO: compensating stale reservation reservation_id={} item_id={} (payment failed, age=600s+)", Dt::new(tt, UTC).rfc3339_ms(), 9_100_000 + o.trx % 800_000, o.item));
            }
            let en = st + (dur * 1e6) as Us;
            sidekiq.push(en, format!("{} {pid} {tid} StockReservationCompensateJob JID-{jid} INFO: done: {dur:.3} sec", Dt::new(en, UTC).rfc3339_ms()));
            t += 5 * MIN;
        }
    }
    // nginx LTSV, hourly files (cronolog), gzipped.
    for (w, lines) in access.into_iter().enumerate() {
        let recs = lines.sorted();
        let mut by_hour: std::collections::BTreeMap<String, Vec<(Us, String)>> = Default::default();
        for r in recs {
            let d = Dt::new(r.0, JST);
            by_hour
                .entry(format!("{}{:02}", d.compact_date(), d.h))
                .or_default()
                .push(r);
        }
        for (h, recs) in by_hour {
            files.write_str(
                &format!("{ROOT}/web0{}/nginx/access_ltsv.log.{h}.gz", w + 1),
                &join(&recs),
            )?;
        }
    }
    for (h, lines) in rails.into_iter().enumerate() {
        let segs = split_at(
            lines.sorted(),
            &[jst(2020, 5, 3, 0, 0, 0), jst(2020, 5, 24, 0, 0, 0)],
        );
        for (seg, date) in segs.into_iter().zip(["20200503", "20200524", "20200614"]) {
            files.write_str(
                &format!("{ROOT}/app0{}/booth/log/production.log-{date}.gz", h + 1),
                &join(&seg),
            )?;
        }
    }
    files.write_str(&format!("{ROOT}/db01/mysql/slow.log.gz"), &slow)?;
    files.write_str(
        &format!("{ROOT}/worker01/booth/log/sidekiq.log"),
        &format!(
            "# Logfile created on 2020-04-28 03:00:12 +0000 by logger.rb/66358\n{}",
            sidekiq.into_text()
        ),
    )?;
    Ok(())
}

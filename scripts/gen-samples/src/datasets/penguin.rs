//! penguin-karte-trash-purge: an hourly purge of trashed images (older than 30 days) whose
//! chunk transactions hold locks on the pivot table `karte_image_links` for a minute or more.
//!
//! Mechanism simulated: trashed items arrive in March at a base rate plus seven mass clean-ups
//! (chosen); every hour at :05 cron starts the purge (guarded by flock), which deletes everything
//! past the 30-day cut-off in chunks of up to 600 images, each chunk one transaction whose
//! DELETE on the pivot locks it until COMMIT, with object-storage deletes inside the transaction.
//! Image saves arriving while a chunk holds the pivot wait (innodb_lock_wait_timeout = 50 s) or,
//! before the 04-17 fix, deadlock with the purge's counter-cache update on `kartes`. The failure
//! days fall out of the inflow 30 days earlier; the purge is killed at 04-20 17:49.

use std::io;

use crate::fmt::*;
use crate::out::{Files, Lines, join, split_at};
use crate::rng::{Rng, hash_str};
use crate::time::*;
use crate::traffic::*;

const LOCK_WAIT_TIMEOUT: Us = 50 * SEC;
const ROOT: &str = "penguin-karte-trash-purge";
const BATCH_IP: &str = "10.0.3.21";
const APP_IPS: [&str; 2] = ["10.0.2.11", "10.0.2.12"];

struct Chunk {
    start: Us,
    end: Us,
    run: usize,
    idx: usize,
    of: usize,
    customer: u32,
    images: u32,
    links: u32,
    trx: u64,
    thread: u64,
    killed: bool,
}

struct Run {
    start: Us,
    end: Us,
    pid: u32,
    cron_pid: u32,
    run_id: String,
    cutoff: Us,
    candidates: u32,
    killed: bool,
}

/// Items moved to the trash per hour in March (JST): clinic-hours base plus mass clean-ups.
fn inflow_per_hour(t: Us) -> f64 {
    let d = Dt::new(t, JST);
    let h = f64::from(d.h) + f64::from(d.mi) / 60.0;
    let base = if (9.0..20.0).contains(&h) {
        180.0
    } else {
        15.0
    };
    let mass: &[(u32, f64, f64, f64)] = &[
        (9, 12.33, 17.67, 15000.0),
        (10, 10.0, 15.5, 14000.0),
        (11, 13.0, 18.5, 15000.0),
        (15, 14.0, 17.5, 15000.0),
        (17, 9.67, 13.0, 16000.0),
        (20, 10.5, 16.0, 14000.0),
        (21, 14.5, 19.5, 16000.0),
    ];
    let mut v = base;
    if d.mo == 3 {
        for &(day, a, b, r) in mass {
            if d.d == day && h >= a && h < b {
                v += r;
            }
        }
    }
    v
}

fn simulate_purge(rng: &mut Rng) -> (Vec<Run>, Vec<Chunk>) {
    let mut runs = Vec::new();
    let mut chunks = Vec::new();
    let stop = jst(2022, 4, 20, 17, 49, 12);
    let mut cutoff = jst(2022, 4, 8, 0, 5, 0) - 30 * DAY;
    let mut busy_until = 0;
    let mut trx: u64 = 48_210_000;
    let mut thread: u64 = 2_104_000;
    let mut t = jst(2022, 4, 8, 0, 5, 1);
    while t < stop {
        let fire = t;
        t += HOUR;
        if fire < busy_until {
            continue; // flock -n: the previous run still holds the lock
        }
        let start = fire + rng.range(5 * SEC, 8 * SEC);
        let new_cutoff = start - 30 * DAY;
        let mut cand = 0.0;
        let mut m = cutoff;
        while m < new_cutoff {
            cand += inflow_per_hour(m) / 60.0;
            m += MIN;
        }
        cutoff = new_cutoff;
        let cand = cand.round() as u32;
        let run_idx = runs.len();
        let mut left = cand;
        let mut ct = start + rng.range(300_000, 900_000);
        let mut nchunks = Vec::new();
        while left > 0 {
            let n = left.min(rng.range(150, 601) as u32);
            left -= n;
            nchunks.push(n);
        }
        let of = nchunks.len();
        let mut killed = false;
        for (i, n) in nchunks.into_iter().enumerate() {
            let dur = 14 * SEC + rng.range(0, 3 * SEC) + i64::from(n) * rng.range(95_000, 116_000);
            trx += rng.range(900, 4_000) as u64;
            thread += 1;
            let mut end = ct + dur;
            let k = end > stop;
            if k {
                end = stop + 1_800_000;
            }
            chunks.push(Chunk {
                start: ct,
                end,
                run: run_idx,
                idx: i + 1,
                of,
                customer: 1000 + (hash_str(&format!("c{ct}")) % 7000) as u32,
                images: n,
                links: n + n * rng.range(20, 90) as u32 / 100,
                trx,
                thread,
                killed: k,
            });
            ct = end + rng.range(1_200_000, 1_800_000);
            if k {
                killed = true;
                break;
            }
        }
        let end = if killed { stop + 2_500_000 } else { ct };
        busy_until = end;
        runs.push(Run {
            start,
            end,
            pid: 20_000 + (hash_str(&format!("p{start}")) % 40_000) as u32,
            cron_pid: 20_000 + (hash_str(&format!("cp{start}")) % 40_000) as u32,
            run_id: Dt::new(start, JST).compact_date()
                + &format!("{:02}{:02}", Dt::new(start, JST).h, Dt::new(start, JST).mi),
            cutoff,
            candidates: cand,
            killed,
        });
    }
    (runs, chunks)
}

#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Ok,
    Timeout,
    Deadlock,
}

struct Req {
    t: Us,
    end: Us,
    method: &'static str,
    path: String,
    ctrl: &'static str,
    status: u16,
    size: u32,
    ip: usize,
    ua: usize,
    app: usize,
    pid: u32,
    rid: String,
    karte: u32,
    save: bool,
    wait: Us,
    outcome: Outcome,
    chunk: Option<usize>,
    nginx_only: bool,
}

fn chunk_at(chunks: &[Chunk], t: Us) -> Option<usize> {
    let i = chunks.partition_point(|c| c.end <= t);
    (i < chunks.len() && chunks[i].start + SEC <= t).then_some(i)
}

const FIX_DEADLOCK: (i64, u32, u32, u32, u32) = (2022, 4, 17, 20, 24);

fn make_requests(rng: &mut Rng, chunks: &[Chunk], scale: f64) -> Vec<Req> {
    let from = jst(2022, 4, 8, 0, 0, 0);
    let to = jst(2022, 4, 21, 0, 0, 0);
    let fix = jst(
        FIX_DEADLOCK.0,
        FIX_DEADLOCK.1,
        FIX_DEADLOCK.2,
        FIX_DEADLOCK.3,
        FIX_DEADLOCK.4,
        0,
    );
    let ips = IpPool::new(&mut rng.fork("ips"), 300, 7);
    let curve = |t: Us| -> f64 {
        let d = Dt::new(t, JST);
        let h = f64::from(d.h) + f64::from(d.mi) / 60.0;
        let shape = match h {
            h if h < 7.0 => 0.03,
            h if h < 9.0 => 0.1 + (h - 7.0) * 0.35,
            h if h < 12.5 => 1.0,
            h if h < 14.0 => 0.55,
            h if h < 19.0 => 0.95,
            h if h < 21.0 => 0.95 - (h - 19.0) * 0.4,
            _ => 0.08,
        };
        let wd = d.wday_name();
        let day = if wd == "Sun" {
            0.45
        } else if wd == "Sat" || wd == "Thu" {
            0.8
        } else {
            1.0
        };
        13.0 * shape * day * scale
    };
    let mut reqs = Vec::new();
    for t in arrivals(rng, from, to, curve) {
        let (ip, _) = ips.draw(rng);
        let karte = 40_000 + ((ip as u32) * 211 + rng.range(0, 200) as u32) % 90_000;
        let x = rng.f64();
        let (method, path, ctrl, save, base_ms): (&str, String, &str, bool, f64) = if x < 0.24 {
            (
                "GET",
                format!("/kartes/{karte}"),
                "KartesController#show",
                false,
                180.0,
            )
        } else if x < 0.42 {
            (
                "GET",
                format!("/api/v1/kartes/{karte}/images"),
                "Api::V1::ImagesController#index",
                false,
                90.0,
            )
        } else if x < 0.52 {
            (
                "POST",
                format!("/api/v1/kartes/{karte}/images"),
                "Api::V1::ImagesController#create",
                true,
                620.0,
            )
        } else if x < 0.57 {
            (
                "PATCH",
                format!("/api/v1/images/{}", 5_000_000 + karte * 13 % 700_000),
                "Api::V1::ImagesController#update",
                true,
                540.0,
            )
        } else if x < 0.66 {
            (
                "GET",
                format!(
                    "/customers?q={}",
                    rng.pick(&[
                        "%E5%B1%B1%E7%94%B0",
                        "%E4%BD%90%E8%97%A4",
                        "tanaka",
                        "090",
                        "%E9%88%B4%E6%9C%A8"
                    ])
                ),
                "CustomersController#index",
                false,
                140.0,
            )
        } else if x < 0.76 {
            (
                "GET",
                format!("/api/v1/kartes/{karte}/memos"),
                "Api::V1::MemosController#index",
                false,
                60.0,
            )
        } else if x < 0.79 {
            (
                "POST",
                format!("/api/v1/kartes/{karte}/memos"),
                "Api::V1::MemosController#create",
                false,
                110.0,
            )
        } else if x < 0.84 {
            (
                "GET",
                format!("/kartes/{karte}/templates/handwriting"),
                "HandwritingTemplatesController#show",
                false,
                420.0,
            )
        } else {
            (
                "GET",
                format!(
                    "/assets/{}",
                    rng.pick(&[
                        "application-3f9c1d2e.js",
                        "application-8b02a7c4.css",
                        "karte-editor-51ce90aa.js"
                    ])
                ),
                "",
                false,
                1.0,
            )
        };
        let nginx_only = ctrl.is_empty();
        let mut dur = (rng.lognormal(base_ms, 0.45) * 1000.0) as Us;
        let mut wait = 0;
        let mut outcome = Outcome::Ok;
        let mut chunk = None;
        let mut status = match method {
            "POST" => 201,
            _ => 200,
        };
        if save {
            if let Some(ci) = chunk_at(chunks, t + dur / 2) {
                chunk = Some(ci);
                let c = &chunks[ci];
                let tw = t + dur / 2;
                if t < fix && rng.chance(0.06) {
                    outcome = Outcome::Deadlock;
                    wait = rng.range(400_000, 3 * SEC);
                } else if c.end - tw > LOCK_WAIT_TIMEOUT {
                    outcome = Outcome::Timeout;
                    wait = LOCK_WAIT_TIMEOUT + rng.range(1_000, 30_000);
                } else {
                    wait = c.end - tw + rng.range(2_000, 40_000);
                }
                dur += wait;
            }
            if outcome != Outcome::Ok {
                status = 500;
            }
        }
        if nginx_only {
            dur = rng.range(200, 2_000);
            status = if rng.chance(0.6) { 304 } else { 200 };
        }
        let app = rng.below(2);
        reqs.push(Req {
            t,
            end: t + dur,
            method,
            path,
            ctrl,
            status,
            size: if status == 304 {
                0
            } else if status == 500 {
                74
            } else {
                rng.range(300, 24_000) as u32
            },
            ip,
            ua: (hash_str(&format!("{ip}")) % UA_DESKTOP.len() as u64) as usize,
            app,
            pid: [2811, 2815, 2819, 3307, 3310, 3314][app * 3 + rng.below(3)],
            rid: rng.uuid(),
            karte,
            save,
            wait,
            outcome,
            chunk,
            nginx_only,
        });
    }
    // Health checks from the load balancer every 30 s (answered by nginx).
    let mut t = from + 7 * SEC;
    while t < to {
        reqs.push(Req {
            t,
            end: t + 600,
            method: "GET",
            path: "/health".into(),
            ctrl: "",
            status: 200,
            size: 2,
            ip: usize::MAX,
            ua: usize::MAX,
            app: 0,
            pid: 0,
            rid: String::new(),
            karte: 0,
            save: false,
            wait: 0,
            outcome: Outcome::Ok,
            chunk: None,
            nginx_only: true,
        });
        t += 30 * SEC + rng.range(-200_000, 200_000);
    }
    reqs.sort_by_key(|r| r.t);
    let _ = ips;
    reqs
}

fn purge_sql(c: &Chunk) -> String {
    format!(
        "DELETE FROM `karte_image_links` WHERE `karte_image_links`.`image_id` IN (SELECT `images`.`id` FROM `images` WHERE `images`.`customer_id` = {} AND `images`.`trashed_at` < '{}')",
        c.customer,
        {
            let d = Dt::new(c.start - 30 * DAY, UTC);
            format!("{} {}", d.date(), d.hms())
        }
    )
}

fn save_sql(r: &Req, rng: &mut Rng) -> String {
    let d = Dt::new(r.t, UTC);
    format!(
        "INSERT INTO `karte_image_links` (`karte_id`, `image_id`, `position`, `created_at`, `updated_at`) VALUES ({}, {}, {}, '{} {}', '{} {}')",
        r.karte,
        5_400_000 + (r.t / SEC % 400_000),
        rng.range(1, 12),
        d.date(),
        d.hms(),
        d.date(),
        d.hms()
    )
}

fn os_handle(thread: u64) -> u64 {
    139_870_000_000_000 + (hash_str(&format!("h{thread}")) % 9_000_000) * 4096
}

/// The purge transaction as `SHOW ENGINE INNODB STATUS` lists it (5.7 layout).
fn purge_trx_block(c: &Chunk, now: Us, qid: u64) -> String {
    let active = ((now - c.start) / SEC).max(0);
    let rows = u64::from(c.links) * 3 + 2_840_000;
    format!(
        "---TRANSACTION {}, ACTIVE {active} sec updating or deleting\nmysql tables in use 2, locked 2\n{} lock struct(s), heap size 3940560, {rows} row lock(s), undo log entries {}\nMySQL thread id {}, OS thread handle {}, query id {qid} {BATCH_IP} karte_batch updating\n{}",
        c.trx,
        18_000 + c.links,
        c.links,
        c.thread,
        os_handle(c.thread),
        purge_sql(c)
    )
}

fn waiter_block(
    trx: u64,
    thread: u64,
    waited: i64,
    app_ip: &str,
    sql: &str,
    page: u32,
    with_record: bool,
) -> String {
    let mut s = format!(
        "---TRANSACTION {trx}, ACTIVE {} sec inserting\nmysql tables in use 1, locked 1\nLOCK WAIT 4 lock struct(s), heap size 1136, 2 row lock(s), undo log entries 2\nMySQL thread id {thread}, OS thread handle {}, query id {} {app_ip} karte_web update\n{sql}\n------- TRX HAS BEEN WAITING {waited} SEC FOR THIS LOCK TO BE GRANTED:\nRECORD LOCKS space id 412 page no {page} n bits 456 index PRIMARY of table `karte`.`karte_image_links` trx id {trx} lock_mode X insert intention waiting",
        waited + 1,
        os_handle(thread),
        thread * 41 + 7
    );
    if with_record {
        s.push_str("\nRecord lock, heap no 1 PHYSICAL RECORD: n_fields 1; compact format; info bits 0\n 0: len 8; hex 73757072656d756d; asc supremum;;\n");
    }
    s.push_str("\n------------------");
    s
}

struct Deadlock {
    t: Us,
    save_trx: u64,
    save_thread: u64,
    app_ip: &'static str,
    save_sql: String,
    karte: u32,
    chunk: usize,
}

fn deadlock_body(
    d: &Deadlock,
    c: &Chunk,
    for_errlog: bool,
    ts_prefix: &dyn Fn(&str) -> String,
) -> String {
    // Sections as InnoDB prints them; in the error log each `***` header is its own
    // `[Note] InnoDB:` record followed by a blank line, as MySQL 5.7 writes it.
    let t1 = format!(
        "TRANSACTION {}, ACTIVE 2 sec inserting\nmysql tables in use 1, locked 1\nLOCK WAIT 5 lock struct(s), heap size 1136, 3 row lock(s), undo log entries 3\nMySQL thread id {}, OS thread handle {}, query id {} {} karte_web update\n{}",
        d.save_trx,
        d.save_thread,
        os_handle(d.save_thread),
        d.save_thread * 41 + 7,
        d.app_ip,
        d.save_sql
    );
    let page = 33_800 + (c.customer % 90);
    let w1 = format!(
        "RECORD LOCKS space id 412 page no {page} n bits 456 index PRIMARY of table `karte`.`karte_image_links` trx id {} lock_mode X insert intention waiting\nRecord lock, heap no 1 PHYSICAL RECORD: n_fields 1; compact format; info bits 0\n 0: len 8; hex 73757072656d756d; asc supremum;;\n",
        d.save_trx
    );
    let active = ((d.t - c.start) / SEC).max(1);
    let t2 = format!(
        "TRANSACTION {}, ACTIVE {active} sec updating or deleting\nmysql tables in use 1, locked 1\n{} lock struct(s), heap size 3940560, {} row lock(s), undo log entries {}\nMySQL thread id {}, OS thread handle {}, query id {} {BATCH_IP} karte_batch updating\nUPDATE `kartes` SET `images_count` = COALESCE(`images_count`, 0) - 1 WHERE `kartes`.`id` = {}",
        c.trx,
        18_000 + c.links,
        u64::from(c.links) * 3 + 2_840_000,
        c.links,
        c.thread,
        os_handle(c.thread),
        c.thread * 41 + 9,
        d.karte
    );
    let h2 = format!(
        "RECORD LOCKS space id 412 page no {page} n bits 456 index PRIMARY of table `karte`.`karte_image_links` trx id {} lock_mode X\nRecord lock, heap no 1 PHYSICAL RECORD: n_fields 1; compact format; info bits 0\n 0: len 8; hex 73757072656d756d; asc supremum;;\n",
        c.trx
    );
    let kid = innodb_bigint(i64::from(d.karte));
    let w2 = format!(
        "RECORD LOCKS space id 398 page no {} n bits 120 index PRIMARY of table `karte`.`kartes` trx id {} lock_mode X locks rec but not gap waiting\nRecord lock, heap no {} PHYSICAL RECORD: n_fields 9; compact format; info bits 0\n{}\n{}\n{}\n{}\n",
        1_200 + d.karte / 60,
        c.trx,
        2 + d.karte % 60,
        rec_field(0, &kid),
        rec_field(1, &format!("{:012x}", d.save_trx)),
        rec_field(2, "3e0000014a1b2c"),
        rec_field(3, &innodb_int(i64::from(c.customer)))
    );
    let parts: [(&str, String); 6] = [
        ("\n*** (1) TRANSACTION:\n", t1),
        ("*** (1) WAITING FOR THIS LOCK TO BE GRANTED:\n", w1),
        ("*** (2) TRANSACTION:\n", t2),
        ("*** (2) HOLDS THE LOCK(S):\n", h2),
        ("*** (2) WAITING FOR THIS LOCK TO BE GRANTED:\n", w2),
        ("*** WE ROLL BACK TRANSACTION (1)\n", String::new()),
    ];
    let mut s = String::new();
    for (head, body) in parts {
        if for_errlog {
            s.push_str(&ts_prefix(head.trim_end_matches('\n')));
            s.push('\n');
            if !body.is_empty() {
                s.push('\n');
                s.push_str(&body);
                if !body.ends_with('\n') {
                    s.push('\n');
                }
            }
        } else {
            s.push_str(head.trim_start_matches('\n'));
            s.push_str(&body);
            if !body.is_empty() && !body.ends_with('\n') {
                s.push('\n');
            }
        }
    }
    s.trim_end_matches('\n').to_string()
}

fn status_57(
    now: Us,
    body_deadlock: Option<String>,
    trx_blocks: &[String],
    rng: &mut Rng,
) -> String {
    let d = Dt::new(now, JST);
    let mut s = String::from(
        "*************************** 1. row ***************************\n  Type: InnoDB\n  Name: \nStatus: \n=====================================\n",
    );
    s.push_str(&format!(
        "{} {} 0x7f3a2c1e9700 INNODB MONITOR OUTPUT\n=====================================\n",
        d.date(),
        d.hms()
    ));
    s.push_str(&format!(
        "Per second averages calculated from the last {} seconds\n",
        rng.range(5, 40)
    ));
    s.push_str(&format!(
        "-----------------\nBACKGROUND THREAD\n-----------------\nsrv_master_thread loops: {} srv_active, 0 srv_shutdown, {} srv_idle\nsrv_master_thread log flush and writes: {}\n----------\nSEMAPHORES\n----------\nOS WAIT ARRAY INFO: reservation count {}\nOS WAIT ARRAY INFO: signal count {}\nRW-shared spins 0, rounds {}, OS waits {}\nRW-excl spins 0, rounds {}, OS waits {}\nRW-sx spins {}, rounds {}, OS waits {}\nSpin rounds per wait: {}.00 RW-shared, {}.00 RW-excl, 0.{} RW-sx\n",
        now / SEC % 900_000,
        now / SEC % 700_000,
        now / SEC % 1_600_000,
        rng.range(1_000_000, 9_000_000),
        rng.range(1_000_000, 9_000_000),
        rng.range(1_000_000, 9_000_000),
        rng.range(100_000, 900_000),
        rng.range(1_000_000, 9_000_000),
        rng.range(10_000, 90_000),
        rng.range(1_000, 9_000),
        rng.range(10_000, 90_000),
        rng.range(100, 900),
        rng.range(1, 9),
        rng.range(10, 60),
        rng.range(10, 99)
    ));
    if let Some(dl) = body_deadlock {
        s.push_str(
            "------------------------\nLATEST DETECTED DEADLOCK\n------------------------\n",
        );
        s.push_str(&dl);
        s.push('\n');
    }
    let counter = 48_300_000 + now / SEC % 1_000_000;
    s.push_str(&format!(
        "------------\nTRANSACTIONS\n------------\nTrx id counter {counter}\nPurge done for trx's n:o < {} undo n:o < 0 state: running but idle\nHistory list length {}\nLIST OF TRANSACTIONS FOR EACH SESSION:\n---TRANSACTION 421553402111840, not started\n0 lock struct(s), heap size 1136, 0 row lock(s)\n---TRANSACTION 421553402110928, not started\n0 lock struct(s), heap size 1136, 0 row lock(s)\n",
        counter - rng.range(10, 3_000),
        rng.range(400, 6_000)
    ));
    for b in trx_blocks {
        s.push_str(b);
        s.push('\n');
    }
    s.push_str("--------\nFILE I/O\n--------\nI/O thread 0 state: waiting for completed aio requests (insert buffer thread)\nI/O thread 1 state: waiting for completed aio requests (log thread)\nI/O thread 2 state: waiting for completed aio requests (read thread)\nI/O thread 3 state: waiting for completed aio requests (write thread)\nPending normal aio reads: [0, 0, 0, 0] , aio writes: [0, 0, 0, 0] ,\n ibuf aio reads:, log i/o's:, sync i/o's:\nPending flushes (fsync) log: 0; buffer pool: 0\n");
    s.push_str(&format!(
        "---\nLOG\n---\nLog sequence number {0}\nLog flushed up to   {0}\nPages flushed up to {1}\nLast checkpoint at  {1}\n0 pending log flushes, 0 pending chkp writes\n{2} log i/o's done, {3}.{4:02} log i/o's/second\n",
        902_114_000_000 + now / 1000 % 1_000_000_000,
        902_113_000_000 + now / 1000 % 1_000_000_000,
        rng.range(10_000_000, 99_000_000),
        rng.range(5, 90),
        rng.range(0, 99)
    ));
    s.push_str(&format!(
        "--------------\nROW OPERATIONS\n--------------\n0 queries inside InnoDB, 0 queries in queue\n{} read views open inside InnoDB\nProcess ID=1184, Main thread ID=139883471058688, state: sleeping\nNumber of rows inserted {}, updated {}, deleted {}, read {}\n{}.{:02} inserts/s, {}.{:02} updates/s, {}.{:02} deletes/s, {}.{:02} reads/s\n----------------------------\nEND OF INNODB MONITOR OUTPUT\n============================\n",
        rng.range(1, 4),
        rng.range(80_000_000, 90_000_000),
        rng.range(200_000_000, 210_000_000),
        rng.range(30_000_000, 31_000_000),
        rng.range(90_000_000_000, 99_000_000_000),
        rng.range(1, 30),
        rng.range(0, 99),
        rng.range(1, 20),
        rng.range(0, 99),
        rng.range(10, 200),
        rng.range(0, 99),
        rng.range(3_000, 60_000),
        rng.range(0, 99)
    ));
    s
}

fn ts_line(t: Us) -> String {
    let d = Dt::new(t, JST);
    format!(
        "TS {}.{:09} {} {}",
        unix_secs(t),
        (t % SEC) * 1000 + 3_417,
        d.date(),
        d.hms()
    )
}

pub fn generate(files: &mut Files, scale: f64) -> io::Result<()> {
    let rng = Rng::named(ROOT);
    let (runs, chunks) = simulate_purge(&mut rng.fork("purge"));
    let mut reqs = make_requests(&mut rng.fork("reqs"), &chunks, scale);
    let fix = jst(
        FIX_DEADLOCK.0,
        FIX_DEADLOCK.1,
        FIX_DEADLOCK.2,
        FIX_DEADLOCK.3,
        FIX_DEADLOCK.4,
        0,
    );
    let _ = fix;

    // --- web01 nginx (default `combined`) ---
    let ipool = IpPool::new(&mut rng.fork("reqs").fork("ips"), 300, 7);
    let mut access = Lines::new();
    let mut rails = [Lines::new(), Lines::new()];
    let mut srng = rng.fork("sql");
    let mut deadlocks: Vec<Deadlock> = Vec::new();
    let mut trx_seq: u64 = 48_400_000;
    for r in reqs.iter_mut() {
        let ip = if r.ip == usize::MAX {
            "10.0.0.5".to_string()
        } else {
            ipool.get(r.ip).to_string()
        };
        let ua = if r.ua == usize::MAX {
            "ELB-HealthChecker/2.0"
        } else {
            UA_DESKTOP[r.ua].0
        };
        let referer = if r.nginx_only || r.method != "GET" {
            format!("https://karte.penguin.example.jp/kartes/{}", r.karte)
        } else {
            "-".into()
        };
        let referer = if r.path == "/health" {
            "-".to_string()
        } else {
            referer
        };
        access.push(
            r.end,
            format!(
                "{ip} - - [{}] \"{} {} HTTP/1.1\" {} {} \"{referer}\" \"{ua}\"",
                Dt::new(r.end, JST).clf(),
                r.method,
                r.path,
                r.status,
                r.size
            ),
        );
        if r.nginx_only {
            continue;
        }
        // Rails production.log (kept for the last three days only).
        let lines = &mut rails[r.app];
        let tag = format!("[{}] ", r.rid);
        let t0 = r.t + 900;
        lines.push(
            t0,
            ruby_logger(
                t0,
                JST,
                r.pid,
                "INFO",
                &format!(
                    "{tag}Started {} \"{}\" for {ip} at {} {} +0900",
                    r.method,
                    r.path,
                    Dt::new(t0, JST).date(),
                    Dt::new(t0, JST).hms()
                ),
            ),
        );
        let ctrl_fmt = if r.path.starts_with("/api/") {
            "JSON"
        } else {
            "HTML"
        };
        lines.push(
            t0 + 400,
            ruby_logger(
                t0 + 400,
                JST,
                r.pid,
                "INFO",
                &format!("{tag}Processing by {} as {ctrl_fmt}", r.ctrl),
            ),
        );
        if r.method != "GET" {
            let params = if r.ctrl.contains("Images") {
                format!(
                    "{{\"image\"=>{{\"kind\"=>\"{}\", \"upload_key\"=>\"uploads/{}/{}.jpg\"}}, \"karte_id\"=>\"{}\"}}",
                    if r.method == "PATCH" {
                        "handwriting"
                    } else {
                        "photo"
                    },
                    Dt::new(r.t, JST).compact_date(),
                    &r.rid[..8],
                    r.karte
                )
            } else {
                format!(
                    "{{\"memo\"=>{{\"body\"=>\"[FILTERED]\"}}, \"karte_id\"=>\"{}\"}}",
                    r.karte
                )
            };
            lines.push(
                t0 + 500,
                ruby_logger(
                    t0 + 500,
                    JST,
                    r.pid,
                    "INFO",
                    &format!("{tag}  Parameters: {params}"),
                ),
            );
        }
        let ms = (r.end - r.t) / 1000;
        let ar = if r.save {
            r.wait / 1000 + ms / 5
        } else {
            ms / 4
        };
        if r.status >= 500 {
            lines.push(r.end - 300, ruby_logger(r.end - 300, JST, r.pid, "INFO", &format!("{tag}Completed 500 Internal Server Error in {ms}ms (ActiveRecord: {ar}.{}ms | Allocations: {})", ms % 10, 2_000 + ms % 9_000)));
            let (class, msg) = match r.outcome {
                Outcome::Timeout => (
                    "ActiveRecord::LockWaitTimeout",
                    "Mysql2::Error: Lock wait timeout exceeded; try restarting transaction",
                ),
                _ => (
                    "ActiveRecord::Deadlocked",
                    "Mysql2::Error: Deadlock found when trying to get lock; try restarting transaction",
                ),
            };
            let te = r.end - 200;
            let mut rec = Vec::new();
            rec.push(format!("{tag}  "));
            rec.push(format!("{tag}{class} ({msg}):"));
            rec.push(format!("{tag}  "));
            for f in [
                "app/models/karte_image_link.rb:24:in `attach!'",
                if r.method == "POST" {
                    "app/services/image_saver.rb:41:in `block in call'"
                } else {
                    "app/services/image_updater.rb:33:in `block in call'"
                },
                if r.method == "POST" {
                    "app/services/image_saver.rb:18:in `call'"
                } else {
                    "app/services/image_updater.rb:12:in `call'"
                },
                if r.method == "POST" {
                    "app/controllers/api/v1/images_controller.rb:27:in `create'"
                } else {
                    "app/controllers/api/v1/images_controller.rb:52:in `update'"
                },
            ] {
                rec.push(format!("{tag}{f}"));
            }
            for l in rec {
                lines.push(te, ruby_logger(te, JST, r.pid, "FATAL", &l));
            }
        } else {
            let views = if ctrl_fmt == "HTML" {
                format!("Views: {}.{}ms | ", ms / 3, ms % 7)
            } else {
                String::new()
            };
            let st = if r.status == 201 {
                "201 Created"
            } else {
                "200 OK"
            };
            lines.push(r.end - 300, ruby_logger(r.end - 300, JST, r.pid, "INFO", &format!("{tag}Completed {st} in {ms}ms ({views}ActiveRecord: {ar}.{}ms | Allocations: {})", ms % 10, 1_500 + ms % 7_000)));
        }
        if r.outcome == Outcome::Deadlock {
            trx_seq += 17;
            deadlocks.push(Deadlock {
                t: r.end - 5_000,
                save_trx: trx_seq,
                save_thread: 2_200_000 + ((r.t / SEC) % 90_000) as u64,
                app_ip: APP_IPS[r.app],
                save_sql: save_sql(r, &mut srng),
                karte: r.karte,
                chunk: r.chunk.unwrap_or(0),
            });
        }
    }
    // nginx logrotate daily 06:25, rotate 14; every file gzipped at collection.
    let cuts: Vec<Us> = (8..=20).map(|d| jst(2022, 4, d, 6, 25, 0)).collect();
    let segs = split_at(access.sorted(), &cuts);
    let n = segs.len();
    for (i, seg) in segs.into_iter().enumerate() {
        let age = n - 1 - i;
        let name = if age == 0 {
            "access.log.gz".to_string()
        } else {
            format!("access.log.{age}.gz")
        };
        files.write_str(&format!("{ROOT}/web01/nginx/{name}"), &join(&seg))?;
    }
    // Rails: logrotate daily at 06:25, rotate 3 → only 04-18..04-20 survive.
    let rcuts = [
        jst(2022, 4, 18, 6, 25, 0),
        jst(2022, 4, 19, 6, 25, 0),
        jst(2022, 4, 20, 6, 25, 0),
    ];
    for (h, lines) in rails.into_iter().enumerate() {
        let segs = split_at(lines.sorted(), &rcuts);
        let host = format!("app0{}", h + 1);
        for (i, seg) in segs.into_iter().enumerate().skip(1) {
            let name = match i {
                3 => "production.log.gz".to_string(),
                2 => "production.log.1.gz".to_string(),
                _ => "production.log.2.gz".to_string(),
            };
            files.write_str(&format!("{ROOT}/{host}/karte/log/{name}"), &join(&seg))?;
        }
    }

    // --- batch01: syslog CRON lines and the purge's own log ---
    let mut syslog_l = Lines::new();
    let mut purge_log = Lines::new();
    let stop = jst(2022, 4, 20, 17, 49, 12);
    let mut crng = rng.fork("cron");
    let mut fire = jst(2022, 4, 8, 0, 0, 1);
    while fire < jst(2022, 4, 21, 0, 0, 0) {
        let d = Dt::new(fire, JST);
        let pid = crng.range(3_000, 60_000) as u32;
        if d.mi == 5 && fire < stop {
            let cmd = "cd /srv/karte/current && flock -n /tmp/trash_purge.lock bundle exec rails runner -e production 'TrashPurgeJob.perform_now' >> log/trash_purge.log 2>&1";
            syslog_l.push(
                fire,
                syslog(
                    fire,
                    JST,
                    "batch01",
                    &format!("CRON[{pid}]"),
                    &format!("(karte) CMD ({cmd})"),
                ),
            );
        }
        if d.mi == 17 {
            syslog_l.push(
                fire,
                syslog(
                    fire,
                    JST,
                    "batch01",
                    &format!("CRON[{pid}]"),
                    "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
                ),
            );
        }
        if d.mi.is_multiple_of(10) {
            syslog_l.push(fire, syslog(fire, JST, "batch01", &format!("CRON[{pid}]"), "(karte) CMD (cd /srv/karte/current && bundle exec rails runner -e production 'ThumbnailRetryJob.perform_now' >> log/thumbnail_retry.log 2>&1)"));
        }
        if d.h == 6 && d.mi == 25 {
            syslog_l.push(fire, syslog(fire, JST, "batch01", &format!("CRON[{pid}]"), "(root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))"));
        }
        fire += MIN;
    }
    let t_kill = jst(2022, 4, 20, 17, 49, 9);
    syslog_l.push(
        t_kill - 40 * SEC,
        syslog(
            t_kill - 40 * SEC,
            JST,
            "batch01",
            "sudo[48812]",
            "  tanaka : TTY=pts/0 ; PWD=/home/tanaka ; USER=karte ; COMMAND=/usr/bin/crontab -e",
        ),
    );
    syslog_l.push(
        t_kill - 12 * SEC,
        syslog(
            t_kill - 12 * SEC,
            JST,
            "batch01",
            "crontab[48815]",
            "(karte) BEGIN EDIT (karte)",
        ),
    );
    syslog_l.push(
        t_kill - 2 * SEC,
        syslog(
            t_kill - 2 * SEC,
            JST,
            "batch01",
            "crontab[48815]",
            "(karte) REPLACE (karte)",
        ),
    );
    syslog_l.push(
        t_kill - 2 * SEC,
        syslog(
            t_kill - 2 * SEC,
            JST,
            "batch01",
            "crontab[48815]",
            "(karte) END EDIT (karte)",
        ),
    );
    syslog_l.push(
        t_kill,
        syslog(
            t_kill,
            JST,
            "batch01",
            "sudo[48830]",
            "  tanaka : TTY=pts/0 ; PWD=/home/tanaka ; USER=root ; COMMAND=/bin/kill -TERM 31877",
        ),
    );
    for r in &runs {
        let tag = "[TrashPurgeJob]";
        purge_log.push(
            r.start,
            ruby_logger(
                r.start,
                JST,
                r.pid,
                "INFO",
                &format!(
                    "{tag} start run_id={} cutoff={} candidates={}",
                    r.run_id,
                    {
                        let d = Dt::new(r.cutoff, JST);
                        format!("{}T{}+09:00", d.date(), d.hms())
                    },
                    r.candidates
                ),
            ),
        );
    }
    let mut deleted_total = vec![(0u32, 0u32); runs.len()];
    for c in &chunks {
        let r = &runs[c.run];
        purge_log.push(
            c.start,
            ruby_logger(
                c.start,
                JST,
                r.pid,
                "INFO",
                &format!(
                    "[TrashPurgeJob] chunk {}/{} customer_id={} images={} begin",
                    c.idx, c.of, c.customer, c.images
                ),
            ),
        );
        if c.killed {
            purge_log.push(c.end - 300_000, ruby_logger(c.end - 300_000, JST, r.pid, "WARN", &format!("[TrashPurgeJob] SIGTERM received, rolling back chunk {}/{} (customer_id={})", c.idx, c.of, c.customer)));
            purge_log.push(
                c.end + 500_000,
                ruby_logger(
                    c.end + 500_000,
                    JST,
                    r.pid,
                    "ERROR",
                    &format!(
                        "[TrashPurgeJob] aborted run_id={} after {:.1}s: SignalException: SIGTERM",
                        r.run_id,
                        (c.end - r.start) as f64 / 1e6
                    ),
                ),
            );
            continue;
        }
        deleted_total[c.run].0 += c.images;
        deleted_total[c.run].1 += c.links;
        purge_log.push(
            c.end,
            ruby_logger(c.end, JST, r.pid, "INFO", &format!("[TrashPurgeJob] deleted {} rows from images, {} rows from karte_image_links (chunk {}/{}, customer_id={}) in {:.1}s", c.images, c.links, c.idx, c.of, c.customer, (c.end - c.start) as f64 / 1e6)),
        );
    }
    for (i, r) in runs.iter().enumerate() {
        if r.killed {
            continue;
        }
        purge_log.push(r.end, ruby_logger(r.end, JST, r.pid, "INFO", &format!("[TrashPurgeJob] finished run_id={} deleted_images={} deleted_links={} elapsed={:.1}s", r.run_id, deleted_total[i].0, deleted_total[i].1, (r.end - r.start) as f64 / 1e6)));
        let _ = r.cron_pid;
    }
    // syslog: daily rotation, rotate 7 (only 04-13.. kept), gzipped at collection.
    let scuts: Vec<Us> = (13..=20).map(|d| jst(2022, 4, d, 6, 25, 0)).collect();
    let segs = split_at(syslog_l.sorted(), &scuts);
    let n = segs.len();
    for (i, seg) in segs.into_iter().enumerate().skip(1) {
        let age = n - 1 - i;
        let name = if age == 0 {
            "syslog.gz".to_string()
        } else {
            format!("syslog.{age}.gz")
        };
        files.write_str(&format!("{ROOT}/batch01/log/{name}"), &join(&seg))?;
    }
    files.write_str(
        &format!("{ROOT}/batch01/karte/log/trash_purge.log.gz"),
        &purge_log.into_text(),
    )?;

    // --- db01: MySQL 5.7 error log (UTC) with innodb_print_all_deadlocks ---
    let mut err = Lines::new();
    let mut erng = rng.fork("errlog");
    let e_prefix = |t: Us, tid: u64, lvl: &str| -> String {
        format!("{} {tid} [{lvl}] ", Dt::new(t, UTC).rfc3339_us())
    };
    for d in &deadlocks {
        let c = &chunks[d.chunk];
        let tid = d.save_thread;
        let t = d.t;
        let p = e_prefix(t, tid, "Note");
        let body = deadlock_body(d, c, true, &|h: &str| format!("{p}InnoDB: {h}"));
        err.push(
            t,
            format!(
                "{p}InnoDB: Transactions deadlock detected, dumping detailed information.\n{body}"
            ),
        );
    }
    for t in arrivals(
        &mut erng,
        jst(2022, 4, 8, 0, 0, 0),
        jst(2022, 4, 21, 0, 0, 0),
        |_| 0.02,
    ) {
        let tid = erng.range(1_900_000, 2_300_000) as u64;
        let ip = APP_IPS[erng.below(2)];
        err.push(t, format!("{}Aborted connection {tid} to db: 'karte' user: 'karte_web' host: '{ip}' (Got an error reading communication packets)", e_prefix(t, tid, "Note")));
    }
    // 04-19 11:27: configuration change applied with a restart.
    let rs = jst(2022, 4, 19, 11, 27, 2);
    let restart = [
        (
            0,
            "Note",
            "Giving 14 client threads a chance to die gracefully",
        ),
        (0, "Note", "Shutting down slave threads"),
        (
            2_100_000,
            "Note",
            "Forcefully disconnecting 0 remaining clients",
        ),
        (
            2_100_500,
            "Note",
            "Event Scheduler: Purging the queue. 0 events",
        ),
        (2_300_000, "Note", "InnoDB: FTS optimize thread exiting."),
        (2_400_000, "Note", "InnoDB: Starting shutdown..."),
        (
            9_800_000,
            "Note",
            "InnoDB: Shutdown completed; log sequence number 902114873321",
        ),
        (9_900_000, "Note", "/usr/sbin/mysqld: Shutdown complete\n"),
        (
            12_400_000,
            "Note",
            "/usr/sbin/mysqld (mysqld 5.7.37-log) starting as process 1184 ...",
        ),
        (12_500_000, "Note", "InnoDB: PUNCH HOLE support available"),
        (
            12_600_000,
            "Note",
            "InnoDB: Initializing buffer pool, total size = 24G, instances = 8, chunk size = 128M",
        ),
        (
            14_900_000,
            "Note",
            "InnoDB: Completed initialization of buffer pool",
        ),
        (
            15_400_000,
            "Note",
            "InnoDB: Highest supported file format is Barracuda.",
        ),
        (
            16_200_000,
            "Note",
            "InnoDB: 5.7.37 started; log sequence number 902114873321",
        ),
        (
            16_300_000,
            "Note",
            "Server hostname (bind-address): '*'; port: 3306",
        ),
        (16_900_000, "Note", "Event Scheduler: Loaded 0 events"),
        (
            17_000_000,
            "Note",
            "/usr/sbin/mysqld: ready for connections.\nVersion: '5.7.37-log'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server (GPL)",
        ),
    ];
    for (dt, lvl, msg) in restart {
        err.push(rs + dt, format!("{}{msg}", e_prefix(rs + dt, 0, lvl)));
    }
    files.write_str(&format!("{ROOT}/db01/mysql/error.log.gz"), &err.into_text())?;

    // --- db01: pt-stalk collections (trigger Innodb_row_lock_current_waits > 4) ---
    let mut prng = rng.fork("ptstalk");
    let saves: Vec<&Req> = reqs
        .iter()
        .filter(|r| r.save && r.wait > 0 && r.outcome != Outcome::Deadlock)
        .collect();
    let waiting_at = |tau: Us| -> Vec<&Req> {
        saves
            .iter()
            .copied()
            .filter(|r| r.t + 300_000 <= tau && tau < r.t + r.wait)
            .collect()
    };
    let mut last_collect = 0;
    let mut collections: Vec<Us> = Vec::new();
    for c in &chunks {
        let mut tau = c.start + 20 * SEC;
        while tau < c.end {
            if tau - last_collect >= 30 * MIN && waiting_at(tau).len() >= 5 {
                collections.push(tau);
                last_collect = tau;
            }
            tau += 5 * SEC;
        }
    }
    // The manual capture at 04-20 17:10 (pt-stalk --no-stalk).
    let manual = jst(2022, 4, 20, 17, 10, 3);
    if !collections.contains(&manual) {
        collections.push(manual);
        collections.sort();
    }
    for &tau in &collections {
        let d = Dt::new(tau, JST);
        let stamp = format!(
            "{:04}_{:02}_{:02}_{:02}_{:02}_{:02}",
            d.y, d.mo, d.d, d.h, d.mi, d.s
        );
        let dir = format!("{ROOT}/db01/pt-stalk");
        let w = waiting_at(tau);
        let ci = chunk_at(&chunks, tau);
        if tau != manual {
            files.write_str(&format!("{dir}/{stamp}-trigger"), &format!("{stamp} Check results: status(Innodb_row_lock_current_waits)={}, matched=yes, cycles_true=5\n", w.len()))?;
        }
        let mut blocks = Vec::new();
        if let Some(ci) = ci {
            blocks.push(purge_trx_block(
                &chunks[ci],
                tau,
                91_000_000 + ((tau / SEC) % 9_000_000) as u64,
            ));
        }
        for r in &w {
            let thread = 2_200_000 + ((r.t / SEC) % 90_000) as u64;
            let trx = 48_400_000 + ((r.t / SEC) % 900_000) as u64;
            blocks.push(waiter_block(
                trx,
                thread,
                (tau - r.t) / SEC,
                APP_IPS[r.app],
                &save_sql(r, &mut prng.clone()),
                33_800 + (chunks[ci.unwrap_or(0)].customer % 90),
                true,
            ));
        }
        let latest = deadlocks.iter().rev().find(|dl| dl.t < tau).map(|dl| {
            let dd = Dt::new(dl.t, JST);
            format!(
                "{} {} 0x7f3a2c1e9700\n{}",
                dd.date(),
                dd.hms(),
                deadlock_body(dl, &chunks[dl.chunk], false, &|h: &str| h.to_string())
            )
        });
        files.write_str(
            &format!("{dir}/{stamp}-innodbstatus1"),
            &status_57(tau, latest, &blocks, &mut prng),
        )?;
        // lock-waits: pt-stalk's two INFORMATION_SCHEMA queries, once per second for 10 s.
        let mut lw = String::new();
        let samples = if tau == manual { 30 } else { 6 };
        for k in 0..samples {
            let ts = tau + k * SEC + 8_000;
            lw.push_str(&ts_line(ts));
            lw.push('\n');
            let w = waiting_at(ts);
            let Some(ci) = chunk_at(&chunks, ts) else {
                continue;
            };
            if w.is_empty() {
                continue;
            }
            let c = &chunks[ci];
            let port = 40_000 + c.thread % 20_000;
            lw.push_str(&mysql_vertical(
                1,
                &[
                    (
                        "who_blocks",
                        format!("thread {} from {BATCH_IP}:{port}", c.thread),
                    ),
                    ("idle_in_trx", "0".into()),
                    ("max_wait_time", ((ts - w[0].t) / SEC).to_string()),
                    ("num_waiters", w.len().to_string()),
                ],
            ));
            lw.push('\n');
            for (j, r) in w.iter().enumerate() {
                let thread = 2_200_000 + ((r.t / SEC) % 90_000) as u64;
                let trx = 48_400_000 + ((r.t / SEC) % 900_000) as u64;
                lw.push_str(&mysql_vertical(
                    j + 1,
                    &[
                        ("waiting_trx_id", trx.to_string()),
                        ("waiting_thread", thread.to_string()),
                        ("wait_time", ((ts - r.t) / SEC).to_string()),
                        ("waiting_query", save_sql(r, &mut prng.clone())),
                        ("waiting_table_lock", "`karte`.`karte_image_links`".into()),
                        ("blocking_trx_id", c.trx.to_string()),
                        ("blocking_thread", c.thread.to_string()),
                        ("blocking_host", BATCH_IP.into()),
                        ("blocking_port", port.to_string()),
                        ("idle_in_trx", "0".into()),
                        ("blocking_query", purge_sql(c)),
                    ],
                ));
                lw.push('\n');
            }
        }
        files.write_str(&format!("{dir}/{stamp}-lock-waits"), &lw)?;
        files.write_str(&format!("{dir}/{stamp}-hostname"), "db01\n")?;
    }
    Ok(())
}

//! batch-double-run: one daily job started by cron on two hosts (a crontab left behind after a
//! migration) guarded by a Redis lease that expires mid-run, and a Kubernetes CronJob whose pod
//! is OOM-killed and retried from the start. Both runs process the same ids.
//!
//! Mechanism simulated: `daily-points-grant` fires at 03:00 on batch01 and batch02 (batch02's
//! clock is 4.2 s fast). The wrapper takes `SET lock:job:daily-points-grant NX PX 300000`;
//! the loser retries every 30 s for 10 min. The winner needs ~0.25 s per user for 1,800 users
//! (longer than the 300 s lease, never renewed), so the loser acquires the expired lease and
//! grants points to every user still ungranted at its start, while the first run is still
//! going through them. The CronJob `order-status-sync` is killed (OOMKilled) mid-run and the Job
//! controller's retry starts over without a checkpoint.

use std::io;

use crate::fmt::*;
use crate::out::{Files, Lines};
use crate::rng::Rng;
use crate::time::*;

const ROOT: &str = "batch-double-run";
const SKEW: Us = 4_200_000;

fn jl(t: Us, offset_skew: Us, fields: &[(&str, String)]) -> String {
    let d = Dt::new(t + offset_skew, JST);
    let mut s = format!("{{\"ts\":\"{}\"", d.rfc3339_ms());
    for (k, v) in fields {
        s.push_str(&format!(",\"{k}\":{v}"));
    }
    s.push('}');
    s
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

pub fn generate(files: &mut Files, scale: f64) -> io::Result<()> {
    let rng = Rng::named(ROOT);
    let mut r = rng.fork("main");
    let day = (2024, 3, 15);
    let t0 = jst(day.0, day.1, day.2, 3, 0, 0);
    let mut sys = [Lines::new(), Lines::new()];
    let mut app = [Lines::new(), Lines::new()];
    let mut lock = [Lines::new(), Lines::new()];
    let mut notify = Lines::new();
    let hosts = ["batch01", "batch02"];
    let skew = [0, SKEW];
    // Routine cron noise on both hosts, 00:00-06:00.
    let mut t = jst(day.0, day.1, day.2, 0, 0, 0);
    while t < jst(day.0, day.1, day.2, 6, 0, 0) {
        let d = Dt::new(t, JST);
        for h in 0..2 {
            let tt = t + 1_000_000 + r.range(0, 200_000);
            let pid = r.range(2_000, 60_000);
            if d.mi == 17 {
                sys[h].push(tt, syslog(tt + skew[h], JST, hosts[h], &format!("CRON[{pid}]"), "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)"));
            }
            if d.mi % 15 == 0 && h == 0 {
                sys[h].push(tt, syslog(tt + skew[h], JST, hosts[h], &format!("CRON[{pid}]"), "(batch) CMD (/opt/batch/bin/run-job mail-queue-flush)"));
                let e = tt + r.range(800_000, 2_500_000);
                app[h].push(tt + 300_000, jl(tt + 300_000, skew[h], &[("level", q("info")), ("job", q("mail-queue-flush")), ("run_id", q(&r.hex(12))), ("host", q(hosts[h])), ("pid", pid.to_string()), ("event", q("start"))]));
                app[h].push(e, jl(e, skew[h], &[("level", q("info")), ("job", q("mail-queue-flush")), ("host", q(hosts[h])), ("pid", pid.to_string()), ("event", q("end")), ("sent", r.range(0, 40).to_string())]));
            }
            if d.h == 2 && d.mi == 0 && h == 1 {
                sys[h].push(tt, syslog(tt + skew[h], JST, hosts[h], &format!("CRON[{pid}]"), "(batch) CMD (/opt/batch/bin/run-job sitemap-generate)"));
            }
        }
        t += MIN;
    }
    // The points grant: both crontabs fire at 03:00 (each by its own clock).
    let users: Vec<u64> = {
        let mut v: Vec<u64> = (0..(1800.0 * scale) as usize).map(|_| r.range(100_000, 999_999) as u64).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let ttl = 300 * SEC;
    let pids = [31_877u32, 18_223u32];
    let mut start = [0i64; 2];
    for h in 0..2 {
        let fire = t0 - skew[h] + 1_000_000 + r.range(0, 80_000);
        start[h] = fire + r.range(300_000, 600_000);
        sys[h].push(fire, syslog(fire + skew[h], JST, hosts[h], &format!("CRON[{}]", pids[h] - 3), "(batch) CMD (/opt/batch/bin/run-job daily-points-grant)"));
    }
    let key = "lock:job:daily-points-grant";
    // batch01 wins (its clock is right; batch02 fires 4.2 s early in real time but its start
    // checks the campaign table first and reaches Redis later).
    let acq1 = start[0] + 40_000;
    let run1 = format!("01HS{}", r.alnum(22, b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"));
    lock[0].push(acq1, format!("time={} level=info msg=\"lock acquired\" key={key} owner=batch01:{} ttl=300s", Dt::new(acq1, JST).rfc3339_ms(), pids[0]));
    let mut try2 = start[1] + 8 * SEC + 900_000;
    let acq2;
    loop {
        if try2 >= acq1 + ttl {
            acq2 = try2;
            break;
        }
        lock[1].push(try2, format!("time={} level=info msg=\"lock busy, retrying in 30s\" key={key} holder=batch01:{} ttl_left={}s", Dt::new(try2 + SKEW, JST).rfc3339_ms(), pids[0], (acq1 + ttl - try2) / SEC));
        try2 += 30 * SEC;
    }
    lock[1].push(acq2, format!("time={} level=warn msg=\"lease expired\" key={key} previous_owner=batch01:{} expired_at={}", Dt::new(acq2 + SKEW, JST).rfc3339_ms(), pids[0], Dt::new(acq1 + ttl + SKEW, JST).rfc3339_ms()));
    lock[1].push(acq2 + 2_000, format!("time={} level=info msg=\"lock acquired\" key={key} owner=batch02:{} ttl=300s", Dt::new(acq2 + 2_000 + SKEW, JST).rfc3339_ms(), pids[1]));
    let run2 = format!("01HS{}", r.alnum(22, b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"));
    // Run 1 walks every user; run 2 snapshots the ungranted ones at its start.
    let mut tt = acq1 + 200_000;
    app[0].push(tt, jl(tt, 0, &[("level", q("info")), ("job", q("daily-points-grant")), ("run_id", q(&run1)), ("host", q("batch01")), ("pid", pids[0].to_string()), ("event", q("start")), ("eligible", users.len().to_string())]));
    let mut granted_at = Vec::with_capacity(users.len());
    for u in &users {
        tt += r.range(200_000, 300_000);
        granted_at.push(tt);
        app[0].push(tt, jl(tt, 0, &[("level", q("info")), ("job", q("daily-points-grant")), ("run_id", q(&run1)), ("event", q("granted")), ("user_id", u.to_string()), ("points", "500".into())]));
        notify.push(tt + 150_000, jl(tt + 150_000, 0, &[("level", q("info")), ("template", q("points_granted")), ("user_id", u.to_string()), ("message_id", q(&format!("<{}@mail.example.jp>", r.hex(16)))), ("source", q(&format!("daily-points-grant/{run1}")))]));
    }
    let end1 = tt + 400_000;
    app[0].push(end1, jl(end1, 0, &[("level", q("info")), ("job", q("daily-points-grant")), ("run_id", q(&run1)), ("host", q("batch01")), ("pid", pids[0].to_string()), ("event", q("end")), ("granted", users.len().to_string()), ("elapsed_s", format!("{:.1}", (end1 - acq1) as f64 / 1e6))]));
    lock[0].push(end1 + 5_000, format!("time={} level=error msg=\"lock release failed\" key={key} owner=batch01:{} err=\"lease expired: key now owned by batch02:{}\"", Dt::new(end1 + 5_000, JST).rfc3339_ms(), pids[0], pids[1]));
    let snap = acq2 + 300_000;
    let remaining: Vec<u64> = users.iter().zip(&granted_at).filter(|(_, g)| **g > snap).map(|(u, _)| *u).collect();
    let mut tt = acq2 + 100_000;
    app[1].push(tt, jl(tt, SKEW, &[("level", q("info")), ("job", q("daily-points-grant")), ("run_id", q(&run2)), ("host", q("batch02")), ("pid", pids[1].to_string()), ("event", q("start")), ("eligible", remaining.len().to_string())]));
    for u in &remaining {
        tt += r.range(150_000, 220_000);
        app[1].push(tt, jl(tt, SKEW, &[("level", q("info")), ("job", q("daily-points-grant")), ("run_id", q(&run2)), ("event", q("granted")), ("user_id", u.to_string()), ("points", "500".into())]));
        notify.push(tt + 150_000, jl(tt + 150_000, 0, &[("level", q("info")), ("template", q("points_granted")), ("user_id", u.to_string()), ("message_id", q(&format!("<{}@mail.example.jp>", r.hex(16)))), ("source", q(&format!("daily-points-grant/{run2}")))]));
    }
    let end2 = tt + 300_000;
    app[1].push(end2, jl(end2, SKEW, &[("level", q("info")), ("job", q("daily-points-grant")), ("run_id", q(&run2)), ("host", q("batch02")), ("pid", pids[1].to_string()), ("event", q("end")), ("granted", remaining.len().to_string()), ("elapsed_s", format!("{:.1}", (end2 - acq2) as f64 / 1e6))]));
    lock[1].push(end2 + 4_000, format!("time={} level=info msg=\"lock released\" key={key} owner=batch02:{}", Dt::new(end2 + 4_000 + SKEW, JST).rfc3339_ms(), pids[1]));

    // Kubernetes CronJob order-status-sync at 03:30 JST (18:30 UTC): first pod OOMKilled.
    let k0 = jst(day.0, day.1, day.2, 3, 30, 0);
    let job = "order-status-sync-28507710";
    let pods = [format!("{job}-x7k2p"), format!("{job}-q9m4d")];
    let mut ev = Vec::new();
    let utc = |t: Us| Dt::new(t, UTC).date() + "T" + &Dt::new(t, UTC).hms() + "Z";
    let orders: Vec<u64> = (0..(900.0 * scale) as usize).map(|i| 88_100_000 + i as u64 * 7 + r.range(0, 7) as u64).collect();
    let mut pod_logs = [Lines::new(), Lines::new()];
    let p1_start = k0 + 6 * SEC;
    let mut tt = p1_start;
    pod_logs[0].push(tt, format!("{} time={} level=info job=order-status-sync run_id={} event=start orders={}", Dt::new(tt, UTC).rfc3339_us(), Dt::new(tt, UTC).rfc3339_ms(), pods[0], orders.len()));
    let kill = p1_start + 170 * SEC;
    let mut done1 = 0;
    for o in &orders {
        tt += r.range(250_000, 330_000);
        if tt >= kill {
            break;
        }
        done1 += 1;
        pod_logs[0].push(tt, format!("{} time={} level=info job=order-status-sync run_id={} event=updated order_id={o} status=shipped", Dt::new(tt, UTC).rfc3339_us(), Dt::new(tt, UTC).rfc3339_ms(), pods[0]));
    }
    let p2_start = kill + 21 * SEC;
    let mut tt = p2_start;
    pod_logs[1].push(tt, format!("{} time={} level=info job=order-status-sync run_id={} event=start orders={}", Dt::new(tt, UTC).rfc3339_us(), Dt::new(tt, UTC).rfc3339_ms(), pods[1], orders.len()));
    for o in &orders {
        tt += r.range(250_000, 330_000);
        pod_logs[1].push(tt, format!("{} time={} level=info job=order-status-sync run_id={} event=updated order_id={o} status=shipped", Dt::new(tt, UTC).rfc3339_us(), Dt::new(tt, UTC).rfc3339_ms(), pods[1]));
    }
    let p2_end = tt + SEC;
    pod_logs[1].push(p2_end, format!("{} time={} level=info job=order-status-sync run_id={} event=end updated={}", Dt::new(p2_end, UTC).rfc3339_us(), Dt::new(p2_end, UTC).rfc3339_ms(), pods[1], orders.len()));
    ev.push((k0, "Normal", "SuccessfulCreate", format!("cronjob/order-status-sync"), format!("Created job {job}")));
    ev.push((k0 + SEC, "Normal", "SuccessfulCreate", format!("job/{job}"), format!("Created pod: {}", pods[0])));
    ev.push((k0 + 2 * SEC, "Normal", "Scheduled", format!("pod/{}", pods[0]), format!("Successfully assigned batch/{} to batch-node-2", pods[0])));
    ev.push((k0 + 4 * SEC, "Normal", "Pulled", format!("pod/{}", pods[0]), "Container image \"registry.example.jp/batch/order-sync:2024.03.1\" already present on machine".into()));
    ev.push((k0 + 5 * SEC, "Normal", "Started", format!("pod/{}", pods[0]), "Started container order-sync".into()));
    ev.push((kill, "Warning", "OOMKilling", "node/batch-node-2".into(), "Memory cgroup out of memory: Killed process 48211 (order-sync) total-vm:2243312kB, anon-rss:1048032kB".into()));
    ev.push((kill + 10 * SEC, "Warning", "BackOff", format!("pod/{}", pods[0]), "Back-off restarting failed container order-sync in pod".into()));
    ev.push((kill + 18 * SEC, "Normal", "SuccessfulCreate", format!("job/{job}"), format!("Created pod: {}", pods[1])));
    ev.push((kill + 19 * SEC, "Normal", "Scheduled", format!("pod/{}", pods[1]), format!("Successfully assigned batch/{} to batch-node-1", pods[1])));
    ev.push((kill + 20 * SEC, "Normal", "Started", format!("pod/{}", pods[1]), "Started container order-sync".into()));
    ev.push((p2_end + 2 * SEC, "Normal", "Completed", format!("job/{job}"), "Job completed".into()));
    ev.push((p2_end + 3 * SEC, "Normal", "SawCompletedJob", "cronjob/order-status-sync".into(), format!("Saw completed job: {job}, status: Complete")));
    let mut evt = String::from("LAST SEEN              TYPE      REASON             OBJECT                                  MESSAGE\n");
    for (t, ty, rs, obj, msg) in ev {
        evt.push_str(&format!("{:<22} {:<9} {:<18} {:<39} {msg}\n", utc(t), ty, rs, obj));
    }
    let _ = done1;
    for h in 0..2 {
        files.write_str(&format!("{ROOT}/{}/log/syslog", hosts[h]), &std::mem::take(&mut sys[h]).into_text())?;
        files.write_str(&format!("{ROOT}/{}/opt/batch/log/jobs.jsonl", hosts[h]), &std::mem::take(&mut app[h]).into_text())?;
        files.write_str(&format!("{ROOT}/{}/opt/batch/log/joblock.log", hosts[h]), &std::mem::take(&mut lock[h]).into_text())?;
    }
    files.write_str(&format!("{ROOT}/k8s/events-batch.txt"), &evt)?;
    for (i, p) in pods.iter().enumerate() {
        files.write_str(&format!("{ROOT}/k8s/logs/{p}.log"), &std::mem::take(&mut pod_logs[i]).into_text())?;
    }
    files.write_str(&format!("{ROOT}/mail01/notify/notify.jsonl"), &notify.into_text())?;
    Ok(())
}

use super::*;
use crate::parser::parse_str;
use crate::time::{Zone, format_utc};

fn run(text: &str) -> (Vec<Event<'static>>, crate::parser::Accounting) {
    let mut r = Resolver::new(Zone::utc());
    r.year = 2023;
    let ctx = SourceCtx::new(r, "t");
    let mut p = Syslog.parser(&ctx);
    let mut ev: Vec<Event<'static>> = Vec::new();
    let acct = parse_str(text, p.as_mut(), &mut ev);
    (ev, acct)
}

#[test]
fn headers() {
    let h = parse_header("Jun  9 06:06:20 combo sshd(pam_unix)[19939]: authentication failure; x")
        .unwrap();
    assert_eq!(h.host, Some("combo"));
    assert_eq!(h.app, Some("sshd(pam_unix)"));
    assert_eq!(h.pid, Some(19939));
    assert_eq!(h.msg, "authentication failure; x");
    let h =
        parse_header("Jun 15 04:06:20 combo logrotate: ALERT exited abnormally with [1]").unwrap();
    assert_eq!((h.app, h.pid), (Some("logrotate"), None));
    let h = parse_header("<30>Jun  9 06:06:20 systemd[1]: Started Daily apt upgrade.").unwrap();
    assert_eq!(h.host, None);
    assert_eq!(h.app, Some("systemd"));
    assert_eq!(h.level(), Some(Level::Info));
    let h = parse_header("Jun  9 06:06:20 combo -- MARK --").unwrap();
    assert_eq!((h.host, h.app, h.msg), (Some("combo"), None, "-- MARK --"));
    let h = parse_header(
        "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
    )
    .unwrap();
    assert!(h.rfc5424);
    assert_eq!(h.host, Some("mymachine.example.com"));
    assert_eq!(h.app, Some("su"));
    assert_eq!(h.msgid, Some("ID47"));
    assert_eq!(h.level(), Some(Level::Fatal));
    assert_eq!(h.msg, "'su root' failed for lonvick on /dev/pts/8");
    let h = parse_header(
        r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] BOMAn application event log entry"#,
    )
    .unwrap();
    assert_eq!(
        h.sd,
        Some(
            r#"[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#
        )
    );
    assert_eq!(h.msg, "BOMAn application event log entry");
    let h = parse_header("2023-06-01T14:50:00.123456+09:00 web01 app[12]: hello").unwrap();
    assert_eq!(
        (h.host, h.app, h.pid, h.msg),
        (Some("web01"), Some("app"), Some(12), "hello")
    );
    // Not syslog: a generic application line, prose.
    assert!(parse_header("2023-06-01 14:50:00.123 [main] INFO Foo - x").is_none());
    assert!(parse_header("hello world").is_none());
    assert!(parse_header("<999>1 x").is_none());
    assert!(parse_header("").is_none());
}

#[test]
fn cron_names() {
    let cases = [
        (
            "   cd / && run-parts --report /etc/cron.hourly",
            "run-parts --report /etc/cron.hourly",
        ),
        (
            "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )",
            "run-parts --report /etc/cron.daily",
        ),
        (
            "/usr/local/bin/points-grant.sh >> /var/log/points.log 2>&1",
            "/usr/local/bin/points-grant.sh",
        ),
        (
            "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi",
            "/usr/lib/php/sessionclean",
        ),
        (
            "flock -n /tmp/purge.lock /usr/bin/php /srv/app/artisan trash:purge --days=30 > /dev/null",
            "/usr/bin/php /srv/app/artisan trash:purge --days=30",
        ),
        (
            "RAILS_ENV=production bundle exec rake session:restore",
            "bundle exec rake session:restore",
        ),
        ("timeout 1h nice -n 10 /opt/batch/run", "/opt/batch/run"),
    ];
    for (cmd, want) in cases {
        assert_eq!(cron_job_name(cmd), want, "{cmd}");
    }
}

#[test]
fn cron_runs() {
    let text = "Jun  1 03:00:01 batch01 CRON[4242]: (root) CMD (/usr/local/bin/points-grant.sh >> /var/log/points.log 2>&1)\n\
                Jun  1 03:00:01 batch02 CRON[777]: (root) CMD (/usr/local/bin/points-grant.sh >> /var/log/points.log 2>&1)\n\
                Jun  1 03:00:30 batch02 CRON[777]: (CRON) error (grandchild #778 failed with exit status 1)\n\
                Jun  1 03:00:30 batch02 CRON[777]: pam_unix(cron:session): session closed for user root\n\
                Jun  1 03:12:41 batch01 CRON[4242]: pam_unix(cron:session): session closed for user root\n\
                Jun  1 03:13:00 batch01 CROND[5000]: (app) CMD (/opt/job.sh)\n\
                Jun  1 03:14:00 batch01 CROND[5000]: (app) CMDEND (/opt/job.sh)\n\
                Jun  1 03:15:00 batch01 crond[900]: (CRON) INFO (RANDOM_DELAY will be scaled with factor 5% if used.)\n";
    let (ev, acct) = run(text);
    assert_eq!((acct.lines, acct.parsed), (8, 8));
    let kinds: Vec<Kind> = ev.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            Kind::JobStart,
            Kind::JobStart,
            Kind::JobFail,
            Kind::Log,
            Kind::JobEnd,
            Kind::JobStart,
            Kind::JobEnd,
            Kind::Log
        ]
    );
    assert_eq!(ev[0].job.as_deref(), Some("/usr/local/bin/points-grant.sh"));
    assert_eq!(ev[0].pid, Some(4242));
    assert_eq!(ev[0].user.as_deref(), Some("root"));
    assert_eq!(ev[0].host.as_deref(), Some("batch01"));
    assert_eq!(format_utc(ev[0].ts), "2023-06-01T03:00:01.000Z");
    assert_eq!(ev[2].job.as_deref(), Some("/usr/local/bin/points-grant.sh"));
    assert_eq!(ev[2].duration_ms, Some(29_000.0));
    assert_eq!(ev[2].attr("exit_status"), Some("1"));
    assert_eq!(ev[4].duration_ms, Some(760_000.0));
    assert_eq!(ev[4].job.as_deref(), Some("/usr/local/bin/points-grant.sh"));
    assert_eq!(ev[6].job.as_deref(), Some("/opt/job.sh"));
    assert_eq!(ev[6].duration_ms, Some(60_000.0));
}

#[test]
fn systemd_runs() {
    let text = "Jun  1 06:00:00 h systemd[1]: Starting Daily apt upgrade and clean activities...\n\
                Jun  1 06:00:40 h systemd[1]: Started Daily apt upgrade and clean activities.\n\
                Jun  1 06:10:00 h systemd[1]: Starting apt-daily.service - Daily apt download activities...\n\
                Jun  1 06:10:05 h systemd[1]: apt-daily.service: Deactivated successfully.\n\
                Jun  1 06:10:05 h systemd[1]: Finished apt-daily.service - Daily apt download activities.\n\
                Jun  1 06:20:00 h systemd[1]: Starting backup.service - Nightly backup...\n\
                Jun  1 06:20:09 h systemd[1]: backup.service: Main process exited, code=exited, status=1/FAILURE\n\
                Jun  1 06:20:09 h systemd[1]: backup.service: Failed with result 'exit-code'.\n\
                Jun  1 06:20:09 h systemd[1]: Failed to start backup.service - Nightly backup.\n\
                Jun  1 06:30:00 h systemd[1]: Started Session 12 of user root.\n\
                Jun  1 06:30:01 h systemd[1]: Started nginx.service - A high performance web server.\n\
                Jun  1 06:31:00 h systemd[1]: Stopping nginx.service - A high performance web server...\n\
                Jun  1 06:31:00 h kernel: [12345.678] Out of memory: Killed process 1234 (java)\n\
                \tcontinued detail\n";
    let (ev, acct) = run(text);
    assert_eq!((acct.lines, acct.parsed, acct.continuation), (14, 13, 1));
    let got: Vec<(Kind, Option<&str>)> = ev.iter().map(|e| (e.kind, e.job.as_deref())).collect();
    let daily = Some("Daily apt upgrade and clean activities");
    assert_eq!(
        got,
        vec![
            (Kind::JobStart, daily),
            (Kind::JobEnd, daily),
            (Kind::JobStart, Some("apt-daily.service")),
            (Kind::JobEnd, Some("apt-daily.service")),
            (Kind::Log, None),
            (Kind::JobStart, Some("backup.service")),
            (Kind::JobFail, Some("backup.service")),
            (Kind::Log, None),
            (Kind::Log, None),
            (Kind::Log, None),
            (Kind::JobStart, Some("nginx.service")),
            (Kind::Log, Some("nginx.service")),
            (Kind::Log, None),
        ]
    );
    assert_eq!(ev[1].duration_ms, Some(40_000.0));
    assert_eq!(ev[6].duration_ms, Some(9_000.0));
    assert_eq!(ev[12].line_count, 2);
    assert_eq!(ev[12].app.as_deref(), Some("kernel"));
}

#[test]
fn levels_and_junk() {
    let text = "<11>Jun  1 06:00:00 h app[1]: ORA-00060: deadlock detected\n\
                Jun  1 06:00:01 h app[1]: ERROR: could not serialize access SQLSTATE 40001\n\
                junk line\n\
                \n\
                Jun  1 06:00:02 h app[1]: the error was fine\n";
    let (ev, acct) = run(text);
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (5, 3, 2));
    assert_eq!(ev[0].kind, Kind::Error);
    assert_eq!(ev[0].level, Some(Level::Error));
    assert_eq!(ev[0].code.as_deref(), Some("ORA-00060"));
    assert_eq!(ev[1].level, Some(Level::Error));
    assert_eq!(ev[1].code.as_deref(), Some("SQLSTATE 40001"));
    assert_eq!(ev[2].kind, Kind::Log);
    assert_eq!(ev[2].level, None);
}

#[test]
fn journalctl_short_outputs() {
    let text = "-- Logs begin at Thu 2023-06-01 00:00:00 JST, end at Thu 2023-06-01 23:59:59 JST. --\n\
                Jun 01 03:00:01 batch01 CRON[4243]: (root) CMD (/opt/a.sh)\n\
                -- Boot 5d1c0e4b5f6e4a1d9f5e3c2b1a000000 --\n\
                2023-06-01T03:00:02+0900 batch01 systemd[1]: Starting backup.service - Backup...\n\
                Jun 01 03:00:03.123456 batch01 kernel: eth0: link up\n";
    let (ev, acct) = run(text);
    assert_eq!((acct.lines, acct.parsed, acct.skipped), (5, 5, 0));
    assert_eq!(ev.len(), 3);
    assert_eq!(ev[0].kind, Kind::JobStart);
    assert_eq!(ev[1].kind, Kind::JobStart);
    assert_eq!(format_utc(ev[1].ts), "2023-05-31T18:00:02.000Z");
    assert_eq!(format_utc(ev[2].ts), "2023-06-01T03:00:03.123Z");
}

#[test]
fn noise_stays_log() {
    let text = "<35>Jun  1 06:00:00 h sshd[1]: error: kex_exchange_identification: Connection closed by remote host\n\
                <3>Jun  1 06:00:01 h kernel: Out of memory: Killed process 3141 (java)\n\
                <3>Jun  1 06:00:02 h kernel: blk_update_request: I/O error, dev sda, sector 123\n";
    let (ev, _) = run(text);
    let kinds: Vec<Kind> = ev.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![Kind::Log, Kind::Log, Kind::Error]);
    assert_eq!(ev[0].level, Some(Level::Error));
}

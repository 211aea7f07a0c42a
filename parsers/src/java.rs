//! Java application servers and logging libraries:
//!
//! - `tomcat-juli`: Tomcat's `OneLineFormatter` (`catalina.out`,
//!   `catalina.YYYY-MM-DD.log`, `localhost.*.log`):
//!   `21-Jan-2024 17:06:43.203 INFO [main] org.apache.catalina.startup.Catalina.start msg`,
//!   with the level localised by the JVM (`情報`/`警告`/`重大`, `信息`/`严重`, `정보`/`심각`).
//! - `spring-boot`: Spring Boot's default console/file pattern
//!   `2023-06-01 14:50:00.123  INFO 12345 --- [main] o.s.b.StartupInfoLogger : msg`
//!   (Boot 3.2+ adds `[app]` before the thread).
//! - `java-log4j`: log4j / log4j2 / logback pattern layouts with thread and
//!   logger: `ts LEVEL [thread] logger: msg`, `ts [thread] LEVEL logger - msg`,
//!   `ts LEVEL logger:line - msg`.
//! - `wildfly`: WildFly / JBoss EAP `server.log`:
//!   `2023-06-01 14:50:00,123 INFO  [org.jboss.as] (MSC service thread 1-2) WFLYSRV0049: ...`.
//! - `websphere`: WebSphere `SystemOut.log` / `SystemErr.log` basic format:
//!   `[1/21/24 17:06:43:203 JST] 00000034 SystemOut     O message`.
//!
//! Stack traces, `Caused by:` and `... N more` attach to their record; the
//! exception class goes to attrs `exception` (root cause to `cause`), and
//! message ids (`KDJE34368-W`, `ORA-00060`, `SQLSTATE 40001`, `WSVR0001I`,
//! `WFLYSRV0049`) to `code`.

use crate::apps::{Head, HeadFormat, bracketed, stack, token};
use crate::event::Level;
use crate::time::{self, Stamp};
use chrono::NaiveDate;
use std::borrow::Cow;

/// The formats of this module, most specific first.
pub fn formats() -> Vec<HeadFormat> {
    vec![
        HeadFormat {
            name: "websphere",
            description: "WebSphere SystemOut.log / SystemErr.log: [1/21/24 17:06:43:203 JST] 00000034 SystemOut O message",
            head: websphere_head,
            weight: 0.95,
            marker: None,
            refine: None,
            cont: None,
        },
        HeadFormat {
            name: "tomcat-juli",
            description: "Tomcat JULI OneLineFormatter (catalina.out, catalina.*.log, localhost.*.log), levels in any JVM locale (情報/警告/重大)",
            head: tomcat_head,
            weight: 0.92,
            marker: None,
            refine: None,
            cont: None,
        },
        HeadFormat {
            name: "spring-boot",
            description: "Spring Boot default log pattern: ts LEVEL pid --- [thread] logger : message",
            head: spring_head,
            weight: 0.93,
            marker: None,
            refine: None,
            cont: None,
        },
        HeadFormat {
            name: "wildfly",
            description: "WildFly / JBoss server.log: ts LEVEL [category] (thread) message",
            head: wildfly_head,
            weight: 0.9,
            marker: None,
            refine: None,
            cont: None,
        },
        HeadFormat {
            name: "java-jul",
            description: "java.util.logging SimpleFormatter two-line records (older Tomcat catalina.out / localhost.*.log): 'Jan 21, 2024 5:06:43 PM source method' then 'INFO: message' (also the Japanese '1月 21, 2024 5:06:43 午後' / '情報:' form)",
            head: jul_head,
            weight: 0.9,
            marker: None,
            refine: Some(jul_refine),
            cont: Some(jul_second_line),
        },
        HeadFormat {
            name: "java-log4j",
            description: "log4j / log4j2 / logback pattern layouts with thread and logger (ts LEVEL [thread] logger: msg, ts [thread] LEVEL logger - msg)",
            head: log4j_head,
            weight: 0.8,
            marker: None,
            refine: None,
            cont: None,
        },
    ]
}

/// A Java logging level word (`INFO`, `WARN`, `SEVERE`, ...), upper case only.
fn java_level(w: &str) -> Option<Level> {
    Some(match w {
        "TRACE" | "FINEST" | "FINER" => Level::Trace,
        "DEBUG" | "FINE" | "CONFIG" => Level::Debug,
        "INFO" => Level::Info,
        "WARN" | "WARNING" => Level::Warn,
        "ERROR" => Level::Error,
        "FATAL" | "SEVERE" => Level::Fatal,
        _ => return None,
    })
}

/// JUL level names as the JVM localises them (`sun.util.logging.resources.logging_*`).
pub fn jul_level(w: &str) -> Option<Level> {
    if let Some(l) = java_level(w) {
        return Some(l);
    }
    Some(match w {
        "情報" | "信息" | "資訊" | "정보" | "Information" | "Informazioni" | "INFOS"
        | "Información" | "Informações" | "Info" => Level::Info,
        "警告" | "경고" | "Warnung" | "AVERTISSEMENT" | "Avvertenza" | "Advertencia" | "Aviso"
        | "Varning" | "Warning" => Level::Warn,
        "重大" | "严重" | "嚴重" | "심각" | "Schwerwiegend" | "GRAVE" | "Grave" | "Grave "
        | "Severe" | "Allvarlig" => Level::Fatal,
        "構成" | "配置" | "구성" | "Konfiguration" | "Config" => Level::Debug,
        "詳細レベル(低)" | "詳細レベル (低)" | "详细" | "詳細" | "미세" | "Fein" | "Fine" => {
            Level::Debug
        }
        "詳細レベル(中)"
        | "詳細レベル (中)"
        | "詳細レベル(高)"
        | "詳細レベル (高)"
        | "较详细"
        | "非常详细"
        | "보다 미세"
        | "가장 미세"
        | "Feiner"
        | "Am feinsten"
        | "Finer"
        | "Finest" => Level::Trace,
        _ => return Level::parse(w),
    })
}

/// `21-Jan-2024 17:06:43.203 情報 [main] org.apache.catalina.startup.Catalina.load msg`.
pub fn tomcat_head(text: &str) -> Option<Head<'_>> {
    let (stamp, used) = time::parse_dmy_abbr(text)?;
    let rest = text[used..].strip_prefix(' ')?;
    // The level runs up to " [" (localised names may hold spaces).
    let lb = rest.find(" [")?;
    if lb == 0 || lb > 40 {
        return None;
    }
    let level = jul_level(rest[..lb].trim())?;
    let (thread, rest) = bracketed(&rest[lb + 1..], '[', ']')?;
    let (logger, msg) = token(rest);
    if logger.is_empty() {
        return None;
    }
    Some(Head {
        stamp: Some(stamp),
        level: Some(level),
        thread: Some(thread),
        logger: Some(logger),
        msg,
        ..Head::default()
    })
}

/// The Japanese-locale form of JUL's default date: `1月 21, 2024 5:06:43 午後`.
fn parse_jul_ja(s: &str) -> Option<(Stamp, usize)> {
    let (m, rest) = s.split_once('月')?;
    let month: u32 = m.trim().parse().ok()?;
    let rest = rest.strip_prefix(' ')?;
    let (d, rest) = rest.split_once(", ")?;
    let day: u32 = d.trim().parse().ok()?;
    let (y, rest) = rest.split_once(' ')?;
    let year: i32 = y.parse().ok()?;
    let (clock, rest) = rest.split_once(' ')?;
    let mut c = clock.split(':');
    let mut h: u32 = c.next()?.parse().ok()?;
    let mi: u32 = c.next()?.parse().ok()?;
    let sec: u32 = c.next()?.parse().ok()?;
    let ampm = if rest.starts_with("午後") {
        Some(true)
    } else if rest.starts_with("午前") {
        Some(false)
    } else {
        None
    };
    match ampm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(h, mi, sec)?;
    let used = s.len() - rest.len() + if ampm.is_some() { "午後".len() } else { 0 };
    Some((Stamp::Naive(naive), used))
}

/// JUL SimpleFormatter's first line: `Jan 21, 2024 5:06:43 PM org.apache.catalina.startup.Catalina start`.
pub fn jul_head(text: &str) -> Option<Head<'_>> {
    let (stamp, used) = time::parse_jul(text).or_else(|| parse_jul_ja(text))?;
    let rest = text[used..].strip_prefix(' ')?;
    let (source, method) = token(rest);
    if !source.contains('.') || method.contains(' ') && !method.is_empty() && method.len() > 80 {
        return None;
    }
    Some(Head {
        stamp: Some(stamp),
        logger: Some(source),
        msg: "",
        attrs: if method.is_empty() {
            Vec::new()
        } else {
            vec![("method", Cow::Borrowed(method))]
        },
        ..Head::default()
    })
}

/// The second line of a JUL record: `INFO: message`, `情報: ...`.
fn jul_second_line(l: &str) -> bool {
    l.split_once(": ")
        .is_some_and(|(lvl, _)| jul_level(lvl.trim()).is_some())
}

/// JUL's second line `INFO: message` (`情報: ...`, `重大: ...`) gives the level.
pub fn jul_refine(e: &mut crate::event::Event<'static>) {
    let Some((lvl, msg)) = e.message.split_once(": ") else {
        return;
    };
    let Some(level) = jul_level(lvl.trim()) else {
        return;
    };
    let msg = msg.to_string();
    e.level = Some(level);
    if e.code.is_none() && level >= Level::Warn {
        e.code = crate::codes::extract_code(&msg).map(Cow::Owned);
    }
    e.message = Cow::Owned(msg);
    e.kind = crate::event::Kind::Log;
    stack::settle_kind(e);
}

/// `2023-06-01 14:50:00.123  INFO 12345 --- [           main] o.s.b.StartupInfoLogger : msg`
/// and the Boot 3.2+ form with `[app]` before the thread.
pub fn spring_head(text: &str) -> Option<Head<'_>> {
    let (stamp, used) = time::parse_iso(text)?;
    let rest = text[used..].trim_start_matches(' ');
    let (lvl, rest) = token(rest);
    let level = java_level(lvl)?;
    let (pid, rest) = token(rest);
    let pid: i64 = pid.parse().ok()?;
    let rest = rest.strip_prefix("---")?.trim_start_matches(' ');
    let (first, mut rest) = bracketed(rest, '[', ']')?;
    let mut thread = first.trim();
    let mut app = None;
    if let Some((second, r)) = bracketed(rest, '[', ']') {
        app = Some(first.trim());
        thread = second.trim();
        rest = r;
    }
    let (logger, msg) = split_logger(rest)?;
    let mut h = Head {
        stamp: Some(stamp),
        level: Some(level),
        thread: Some(thread),
        logger: Some(logger),
        pid: Some(pid),
        msg,
        ..Head::default()
    };
    if let Some(a) = app.filter(|a| !a.is_empty()) {
        h.attrs.push(("application", Cow::Borrowed(a)));
    }
    Some(h)
}

/// `logger : msg`, `logger: msg`, `logger - msg` → (logger, msg). The logger
/// is one token (class or category name, possibly padded).
fn split_logger(rest: &str) -> Option<(&str, &str)> {
    let (logger, after) = token(rest);
    let logger_bare = logger.strip_suffix(':').unwrap_or(logger);
    if logger_bare.is_empty() || logger_bare.starts_with(['[', '(', '{']) {
        return None;
    }
    if logger.ends_with(':') {
        return Some((logger_bare, after));
    }
    if let Some(m) = after
        .strip_prefix(": ")
        .or_else(|| after.strip_prefix("- "))
    {
        return Some((logger_bare, m));
    }
    if after == ":" || after == "-" {
        return Some((logger_bare, ""));
    }
    None
}

/// log4j / logback layouts with a thread and a logger.
pub fn log4j_head(text: &str) -> Option<Head<'_>> {
    let (stamp, used) = time::parse_iso(text)?;
    let rest = text[used..]
        .strip_prefix([' ', '\t'])?
        .trim_start_matches(' ');
    let mut h = Head {
        stamp: Some(stamp),
        ..Head::default()
    };
    if rest.starts_with('[') {
        // ts [thread] LEVEL logger - msg
        let (thread, r) = bracketed(rest, '[', ']')?;
        let (lvl, r) = token(r);
        h.level = Some(java_level(lvl)?);
        h.thread = Some(thread.trim());
        let (logger, msg) = split_logger(r)?;
        h.logger = Some(logger);
        h.msg = msg;
        return Some(h);
    }
    let (lvl, r) = token(rest);
    h.level = Some(java_level(lvl)?);
    if r.starts_with('[') {
        // ts LEVEL [thread] logger: msg
        let (thread, r) = bracketed(r, '[', ']')?;
        if r.starts_with('(') {
            return None; // WildFly: [category] (thread)
        }
        h.thread = Some(thread.trim());
        let (logger, msg) = split_logger(r)?;
        h.logger = Some(logger);
        h.msg = msg;
        return Some(h);
    }
    // ts LEVEL logger(:line) - msg: only with a dotted or line-numbered logger.
    let (logger, msg) = split_logger(r)?;
    let name = logger.split(':').next().unwrap_or(logger);
    if !(name.contains('.') || logger.contains(':')) {
        return None;
    }
    h.logger = Some(logger);
    h.msg = msg;
    Some(h)
}

/// A JBoss / WildFly / Infinispan / Hibernate message id at the start of a
/// message: `WFLYSRV0049:`, `JBAS015876:`, `HHH000412:`, `ISPN000128:`.
fn jboss_code(msg: &str) -> Option<&str> {
    let end = msg.find(':')?;
    let id = &msg[..end];
    let letters = id.bytes().take_while(|b| b.is_ascii_uppercase()).count();
    let digits = id.len() - letters;
    (letters >= 3 && digits >= 4 && id[letters..].bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// `2023-06-01 14:50:00,123 INFO  [org.jboss.as] (MSC service thread 1-2) WFLYSRV0049: ...`.
pub fn wildfly_head(text: &str) -> Option<Head<'_>> {
    let (stamp, used) = time::parse_iso(text)?;
    let rest = text[used..].strip_prefix(' ')?;
    let (lvl, rest) = token(rest);
    let level = java_level(lvl)?;
    let (category, rest) = bracketed(rest, '[', ']')?;
    let (thread, msg) = paren_group(rest)?;
    Some(Head {
        stamp: Some(stamp),
        level: Some(level),
        thread: Some(thread),
        logger: Some(category),
        code: jboss_code(msg).map(Cow::Borrowed),
        msg,
        ..Head::default()
    })
}

/// `(thread name (may) hold parens) rest` → balanced group and the rest.
fn paren_group(s: &str) -> Option<(&str, &str)> {
    let rest = s.strip_prefix('(')?;
    let mut depth = 1;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&rest[..i], rest[i + 1..].trim_start_matches(' ')));
                }
            }
            _ => {}
        }
    }
    None
}

/// WebSphere's timestamp `1/21/24 17:06:43:203 JST`: the date follows the
/// server's locale; US `M/d/yy` is tried first, then Japanese `yy/MM/dd`
/// (`24/01/21`), then `d/M/yy`.
pub fn parse_websphere_time(s: &str) -> Option<Stamp> {
    let (date, rest) = s.split_once(' ')?;
    let (clock, zone) = match rest.split_once(' ') {
        Some((c, z)) => (c, Some(z.trim())),
        None => (rest, None),
    };
    let mut parts = date.split(['/', '.', '-']);
    let a: u32 = parts.next()?.parse().ok()?;
    let b: u32 = parts.next()?.parse().ok()?;
    let c: u32 = parts.next()?.parse().ok()?;
    let full = |y: u32| if y < 100 { 2000 + y as i32 } else { y as i32 };
    // US `M/d/yy` when it reads as a date; else Japanese `yy/MM/dd`; else `d/M/yy`.
    let us = (full(c), a, b);
    let ja = (full(a), b, c);
    let eu = (full(c), b, a);
    let valid = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d).is_some();
    let _ = zone;
    let (y, m, d) = [us, ja, eu].into_iter().find(|x| valid(*x))?;
    let mut cl = clock.split([':', '.', ',']);
    let h: u32 = cl.next()?.parse().ok()?;
    let mi: u32 = cl.next()?.parse().ok()?;
    let sec: u32 = cl.next()?.parse().ok()?;
    let ms: u32 = cl.next().map(|m| m.parse().unwrap_or(0)).unwrap_or(0);
    let naive = NaiveDate::from_ymd_opt(y, m, d)?.and_hms_milli_opt(h, mi, sec.min(59), ms)?;
    match zone.and_then(time::abbreviation_offset) {
        Some(off) => Some(Stamp::Utc(
            naive.and_utc().timestamp_micros() - off as i64 * time::MICROS,
        )),
        None => Some(Stamp::Naive(naive)),
    }
}

/// A WebSphere message id at the start of a message: `WSVR0001I:`, `J2CA0045E:`, `DSRA0010E:`.
fn websphere_code(msg: &str) -> Option<&str> {
    let id = msg.get(..10)?;
    let b = id.as_bytes();
    let ok = b[9] == b':'
        && b[0].is_ascii_uppercase()
        && b[1..4]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[4..8].iter().all(|c| c.is_ascii_digit())
        && b[8].is_ascii_uppercase();
    ok.then(|| &id[..9])
}

/// `[1/21/24 17:06:43:203 JST] 00000034 SystemOut     O message`.
pub fn websphere_head(text: &str) -> Option<Head<'_>> {
    let (ts, rest) = bracketed(text, '[', ']')?;
    let stamp = parse_websphere_time(ts)?;
    let (thread, rest) = token(rest);
    if thread.len() != 8 || !thread.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (short, rest) = token(rest);
    let (kind, msg) = match rest.split_once(' ') {
        Some((k, m)) => (k, m.trim_start_matches(' ')),
        None => (rest, ""),
    };
    if kind.len() != 1 || short.is_empty() {
        return None;
    }
    let frame_like = {
        let t = msg.trim_start();
        t.starts_with("at ") || t.starts_with("Caused by") || t.starts_with("... ")
    };
    let level = match kind {
        "F" => Some(Level::Fatal),
        "E" => Some(Level::Error),
        "W" => Some(Level::Warn),
        "A" | "I" | "O" | "C" => Some(Level::Info),
        "D" | "1" | "2" | "3" => Some(Level::Debug),
        "R" if stack::exception_head(msg).is_some() && !frame_like => Some(Level::Error),
        "R" => Some(Level::Info),
        "Z" => None,
        _ => return None,
    };
    let mut h = Head {
        stamp: Some(stamp),
        level,
        thread: Some(thread),
        logger: Some(short),
        code: websphere_code(msg).map(Cow::Borrowed),
        msg,
        frame: matches!(kind, "R" | "O") && frame_like,
        ..Head::default()
    };
    h.attrs.push(("event_type", Cow::Borrowed(kind)));
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, Kind};
    use crate::parser::{Format, Sample};
    use crate::testutil::ParseTester;
    use crate::time::format_utc;

    fn run(f: &dyn Format, zone: &str, text: &str) -> (Vec<Event<'static>>, crate::Accounting) {
        let t = ParseTester::new(f, zone);
        t.check(text.as_bytes()).unwrap()
    }

    fn fmt(name: &str) -> HeadFormat {
        formats().into_iter().find(|f| f.name == name).unwrap()
    }

    #[test]
    fn tomcat_japanese_levels_and_traces() {
        let text = "21-Jan-2024 17:42:14.827 情報 [main] org.apache.coyote.AbstractProtocol.init プロトコルハンドラ [\"http-nio-8080\"] を初期化します。\n\
21-Jan-2024 17:42:14.851 重大 [main] org.apache.catalina.util.LifecycleBase.handleSubClassException コンポーネント [Connector[\"http-nio-8080\"]] の初期化に失敗しました\n\
\torg.apache.catalina.LifecycleException: プロトコルハンドラの初期化に失敗しました\n\
\t\tat org.apache.catalina.connector.Connector.initInternal(Connector.java:1011)\n\
\tCaused by: java.net.BindException: Address already in use\n\
\t\tat java.base/sun.nio.ch.Net.bind0(Native Method)\n\
\t\t... 11 more\n\
21-Jan-2024 17:42:15.000 警告 [main] org.apache.catalina.X.y KDJE34368-W セッション\n\
21-Jan-2024 17:42:15.100 WARNING [http-nio-8080-exec-1] org.apache.X.y plain warning\n";
        let (ev, acct) = run(&fmt("tomcat-juli"), "Asia/Tokyo", text);
        assert_eq!(
            (acct.lines, acct.parsed, acct.continuation, acct.skipped),
            (9, 4, 5, 0)
        );
        assert_eq!(ev.len(), 4);
        assert_eq!(ev[0].level, Some(Level::Info));
        assert_eq!(ev[0].kind, Kind::Log);
        assert_eq!(format_utc(ev[0].ts), "2024-01-21T08:42:14.827Z");
        assert_eq!(
            ev[0].app.as_deref(),
            Some("org.apache.coyote.AbstractProtocol.init")
        );
        assert_eq!(ev[1].level, Some(Level::Fatal));
        assert_eq!(ev[1].kind, Kind::Error);
        assert_eq!(ev[1].line_count, 6);
        assert_eq!(
            ev[1].attr("exception"),
            Some("org.apache.catalina.LifecycleException")
        );
        assert_eq!(ev[1].attr("cause"), Some("java.net.BindException"));
        assert_eq!(ev[2].kind, Kind::Error);
        assert_eq!(ev[2].code.as_deref(), Some("KDJE34368-W"));
        assert_eq!(ev[3].kind, Kind::Log);
        assert_eq!(ev[3].thread.as_deref(), Some("http-nio-8080-exec-1"));
    }

    #[test]
    fn jul_two_line_records() {
        let text = "Jan 21, 2024 5:06:43 PM org.apache.catalina.startup.Catalina start\n\
INFO: Server startup in 1558 ms\n\
1月 21, 2024 5:06:44 午後 org.apache.catalina.core.StandardServer await\n\
重大: StandardServer.await: create[localhost:8005]:\n\
java.net.BindException: Address already in use\n\
\tat java.net.PlainSocketImpl.socketBind(Native Method)\n";
        let (ev, acct) = run(&fmt("java-jul"), "Asia/Tokyo", text);
        assert_eq!((acct.parsed, acct.continuation), (2, 4));
        assert_eq!(ev[0].level, Some(Level::Info));
        assert_eq!(ev[0].message, "Server startup in 1558 ms");
        assert_eq!(
            ev[0].app.as_deref(),
            Some("org.apache.catalina.startup.Catalina")
        );
        assert_eq!(format_utc(ev[0].ts), "2024-01-21T08:06:43.000Z");
        assert_eq!(ev[1].level, Some(Level::Fatal));
        assert_eq!(ev[1].kind, Kind::Error);
        assert_eq!(format_utc(ev[1].ts), "2024-01-21T08:06:44.000Z");
        assert_eq!(ev[1].attr("exception"), Some("java.net.BindException"));
    }

    #[test]
    fn spring_boot_two_generations() {
        let text = "2023-06-01 14:50:00.123  INFO 12345 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port(s): 8080 (http)\n\
2024-03-01T10:00:00.000+09:00 ERROR 1 --- [shop] [nio-8080-exec-1] c.e.shop.OrderService                    : order failed\n\
org.springframework.dao.CannotAcquireLockException: could not execute statement; SQL [n/a]\n\
\tat org.hibernate.X.y(X.java:1)\n\
Caused by: java.sql.SQLException: Lock wait timeout exceeded; try restarting transaction SQLSTATE 40001\n";
        let (ev, acct) = run(&fmt("spring-boot"), "UTC", text);
        assert_eq!((acct.parsed, acct.continuation), (2, 3));
        assert_eq!(ev[0].pid, Some(12345));
        assert_eq!(ev[0].thread.as_deref(), Some("main"));
        assert_eq!(
            ev[0].app.as_deref(),
            Some("o.s.b.w.embedded.tomcat.TomcatWebServer")
        );
        assert_eq!(ev[0].message, "Tomcat started on port(s): 8080 (http)");
        assert_eq!(format_utc(ev[1].ts), "2024-03-01T01:00:00.000Z");
        assert_eq!(ev[1].attr("application"), Some("shop"));
        assert_eq!(ev[1].kind, Kind::Error);
        assert_eq!(ev[1].code.as_deref(), Some("SQLSTATE 40001"));
        assert_eq!(ev[1].attr("cause"), Some("java.sql.SQLException"));
    }

    #[test]
    fn log4j_layouts() {
        let text = "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster\n\
2025-01-24T07:00:30,139 INFO [background-preinit       ] Version                  : HV000001: Hibernate Validator 8.0.1.Final\n\
2023-06-01 14:50:00,123 [pool-1-thread-3] WARN  com.example.SessionStore - lock wait 1200 ms ORA-00060\n\
2023-06-01 14:50:01,000 ERROR com.example.Batch:42 - failed\n";
        let (ev, acct) = run(&fmt("java-log4j"), "UTC", text);
        assert_eq!((acct.parsed, acct.skipped), (4, 0));
        assert_eq!(ev[0].thread.as_deref(), Some("main"));
        assert_eq!(
            ev[0].app.as_deref(),
            Some("org.apache.hadoop.mapreduce.v2.app.MRAppMaster")
        );
        assert_eq!(ev[0].message, "Created MRAppMaster");
        assert_eq!(ev[1].thread.as_deref(), Some("background-preinit"));
        assert_eq!(ev[1].app.as_deref(), Some("Version"));
        assert_eq!(ev[1].message, "HV000001: Hibernate Validator 8.0.1.Final");
        assert_eq!(ev[2].level, Some(Level::Warn));
        assert_eq!(ev[2].kind, Kind::Error);
        assert_eq!(ev[2].code.as_deref(), Some("ORA-00060"));
        assert_eq!(ev[3].app.as_deref(), Some("com.example.Batch:42"));
        assert_eq!(ev[3].kind, Kind::Error);
    }

    #[test]
    fn wildfly_and_websphere() {
        let text = "2023-06-01 14:50:00,123 INFO  [org.jboss.as] (MSC service thread 1-2) WFLYSRV0049: WildFly Full 27.0.0.Final starting\n\
2023-06-01 14:50:01,000 ERROR [org.jboss.as.controller.management-operation] (Controller Boot Thread) WFLYCTL0013: Operation failed\n";
        let (ev, acct) = run(&fmt("wildfly"), "UTC", text);
        assert_eq!(acct.parsed, 2);
        assert_eq!(ev[0].code.as_deref(), Some("WFLYSRV0049"));
        assert_eq!(ev[0].thread.as_deref(), Some("MSC service thread 1-2"));
        assert_eq!(ev[1].kind, Kind::Error);

        let text = "[1/21/24 17:06:43:203 JST] 00000034 WebContainer  I   SRVE0242I: [app] Initialization successful.\n\
[1/21/24 17:06:44:000 JST] 00000035 SystemErr     R java.sql.SQLException: ORA-00060: deadlock detected while waiting for resource\n\
[1/21/24 17:06:44:001 JST] 00000035 SystemErr     R \tat oracle.jdbc.X.y(X.java:1)\n\
[1/21/24 17:06:44:002 JST] 00000035 SystemErr     R \tat com.example.Z.z(Z.java:2)\n\
[1/21/24 17:06:45:000 JST] 00000034 SystemOut     O hello\n";
        let (ev, acct) = run(&fmt("websphere"), "UTC", text);
        assert_eq!((acct.parsed, acct.continuation), (3, 2));
        assert_eq!(format_utc(ev[0].ts), "2024-01-21T08:06:43.203Z");
        assert_eq!(ev[0].code.as_deref(), Some("SRVE0242I"));
        assert_eq!(ev[1].kind, Kind::Error);
        assert_eq!(ev[1].code.as_deref(), Some("ORA-00060"));
        assert_eq!(ev[1].line_count, 3);
        assert_eq!(ev[2].message, "hello");
    }

    #[test]
    fn sniffing_tells_java_layouts_apart() {
        let all = formats();
        let best = |lines: &[&str]| {
            let s = Sample {
                lines,
                file_name: "x.log",
            };
            let mut scored: Vec<(f32, &str)> = all.iter().map(|f| (f.sniff(&s), f.name)).collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            scored[0].1
        };
        assert_eq!(
            best(&["21-Jan-2024 17:06:43.203 INFO [main] org.a.B.c hello"]),
            "tomcat-juli"
        );
        assert_eq!(
            best(&["2023-06-01 14:50:00.123  INFO 1 --- [main] o.s.Foo : hi"]),
            "spring-boot"
        );
        assert_eq!(
            best(&["2023-06-01 14:50:00,123 INFO  [org.jboss.as] (main) WFLYSRV0049: x"]),
            "wildfly"
        );
        assert_eq!(
            best(&["2023-06-01 14:50:00,123 INFO [main] a.b.C: x"]),
            "java-log4j"
        );
    }
}

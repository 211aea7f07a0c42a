//! Hitachi Cosminexus / uCosminexus Application Server message logs
//! (`cjmessage<n>.log`, `cjexception<n>.log` under the J2EE server's `logs/`),
//! written by Hitachi's trace common library (HNTRLib2 style).
//!
//! No real sample is public; this follows the vendor's manuals:
//!
//! ```text
//! **** Microsoft WindowsNT6.1(Build:7601) Service Pack 3 host1 TZ=(local)-9:00 2022/04/07 11:03:20.713
//!      yyyy/mm/dd hh:mm:ss.sss pid      tid      message-id  message(LANG=ja)
//! 0000 2023/06/01 14:50:00.123 HEJB     00001AFC 0000144C KDJE34368-W グローバルセッションの更新に失敗しました
//! ```
//!
//! A record is one CRLF-terminated line: a 4-digit sequence number (wraps at
//! 9999), the local date `yyyy/mm/dd`, the local time `hh:mm:ss.sss`, the
//! product id (`HEJB` for the Component Container; up to 16 bytes), pid and
//! tid (8 hex digits each), the message id `XXXXnnnnn-Y` (`KDJE34368-W`;
//! Y = E error, W warning, I information), then the text. The file opens
//! with a `****` title line naming the OS, the host (when written), the zone
//! (`TZ=(local)-9:00` on Windows: a bias, so UTC+9; `TZ=JST-9` POSIX;
//! `TZ=Asia/Tokyo`; `TZ=GMT+09:00` as Windows displays it) and the logger's
//! start time, and a label line. The zone named there resolves the file's
//! naive times (else the source's zone); the host fills `host`. After a
//! wrap-around the valid data ends at an EOF byte (0x1A) and a
//! `----------< End of Data >----------` line; what follows is stale data
//! from before the wrap, which the manual says to ignore: it is skipped
//! with that reason. Japanese text arrives already decoded from Shift_JIS.
//!
//! Events: `error` with code = message id for `-E` and `-W`, `log` for
//! `-I`. Lines without the record prefix (a stack trace in
//! `cjexception<n>.log`) continue the record before them.

use crate::apps::stack;
use crate::assemble::Assembler;
use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver, Stamp, Zone};
use chrono::FixedOffset;
use std::borrow::Cow;

/// One record line.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    /// Sequence number (0000-9999).
    pub seq: u16,
    /// Local date and time.
    pub stamp: Stamp,
    /// Product id (`HEJB`).
    pub product: &'a str,
    /// Process id (hex, as written).
    pub pid: &'a str,
    /// Thread id (hex, as written).
    pub tid: &'a str,
    /// Message id (`KDJE34368-W`), when the record has one.
    pub msgid: Option<&'a str>,
    /// Message text.
    pub text: &'a str,
}

fn is_hex8(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `KDJE34368-W`, `KFRM00001-E`, `KDJE00000-I`: 4-5 letters, 4-5 digits, `-`, a letter.
pub fn is_message_id(s: &str) -> bool {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    let digits = b[letters..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    (4..=5).contains(&letters)
        && (4..=5).contains(&digits)
        && b.len() == letters + digits + 2
        && b[letters + digits] == b'-'
        && b[letters + digits + 1].is_ascii_uppercase()
}

fn split_tok(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches(' ');
    if s.is_empty() {
        return None;
    }
    Some(match s.find(' ') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    })
}

/// Parse a record line.
pub fn parse_record(line: &str) -> Option<Record<'_>> {
    let b = line.as_bytes();
    if b.len() < 30 || !b[..4].iter().all(|c| c.is_ascii_digit()) || b[4] != b' ' {
        return None;
    }
    let seq: u16 = line[..4].parse().ok()?;
    let rest = &line[5..];
    let (stamp, used) = time::parse_iso(rest)?;
    if rest.as_bytes().get(4) != Some(&b'/') {
        return None;
    }
    let (product, rest) = split_tok(&rest[used..])?;
    let (pid, rest) = split_tok(rest)?;
    let (tid, rest) = split_tok(rest)?;
    if !is_hex8(pid) || !is_hex8(tid) {
        return None;
    }
    // The message id column may be blank (an unused 11-byte `ID` column in
    // some logs precedes it, also blank).
    let rest = rest.trim_start_matches(' ');
    let (msgid, text) = match split_tok(rest) {
        Some((id, after)) if is_message_id(id) => (Some(id), after.trim_start_matches(' ')),
        _ => (None, rest),
    };
    Some(Record {
        seq,
        stamp,
        product,
        pid,
        tid,
        msgid,
        text,
    })
}

/// The zone named in a header's `TZ=` field, as seconds east of UTC or an IANA zone.
pub fn parse_tz(tz: &str) -> Option<Zone> {
    let t = tz.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("unknown") {
        return None;
    }
    // Windows: `(local)-9:00` is the bias (UTC = local + bias): UTC+9.
    if let Some(b) = t.strip_prefix("(local)") {
        let secs = hm_secs(b)?;
        return FixedOffset::east_opt(-secs).map(Zone::Fixed);
    }
    // As Windows displays it: `GMT+09:00` = UTC+9.
    for p in ["GMT", "UTC"] {
        if let Some(o) = t.strip_prefix(p) {
            if o.contains(':') {
                return FixedOffset::east_opt(hm_secs(o)?).map(Zone::Fixed);
            }
        }
    }
    if let Ok(z) = t.parse::<Zone>() {
        if !t.starts_with(['+', '-']) {
            return Some(z);
        }
    }
    // POSIX `JST-9`, `EST5EDT`: the offset is west-positive.
    let letters = t.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters >= 3 {
        let rest = &t[letters..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '+' || c == '-' || c == ':'))
            .unwrap_or(rest.len());
        if end > 0 {
            let secs = hm_secs(&rest[..end])?;
            return FixedOffset::east_opt(-secs).map(Zone::Fixed);
        }
    }
    None
}

/// `-9:00`, `+09:00`, `9`, `-9` → signed seconds as written.
fn hm_secs(s: &str) -> Option<i32> {
    let s = s.trim();
    let (sign, body) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let (h, m) = body.split_once(':').unwrap_or((body, "0"));
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 15 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// What a `****` title line says.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// OS information as written.
    pub os: String,
    /// The host name, when the line names one.
    pub host: Option<String>,
    /// The zone of the file's times.
    pub zone: Option<Zone>,
    /// The `TZ=` value as written.
    pub tz: String,
}

/// Parse a `**** OS [host] TZ=zone yyyy/mm/dd hh:mm:ss.sss` title line.
pub fn parse_header(line: &str) -> Option<Header> {
    let rest = line.strip_prefix("****")?.trim();
    let tz_at = rest.find("TZ=")?;
    let before = rest[..tz_at].trim();
    let after = &rest[tz_at + 3..];
    let tz = after.split(' ').next().unwrap_or("").to_string();
    // The host is the word before TZ= unless it is part of the OS text
    // (a quoted OS name, a version number, a build tag).
    let (os, host) = match before.rsplit_once(' ') {
        Some((os, last))
            if !last.ends_with('"')
                && !last.ends_with(')')
                && !last.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && !before.ends_with('"') =>
        {
            (os.to_string(), Some(last.to_string()))
        }
        _ => (before.to_string(), None),
    };
    Some(Header {
        os: os.trim_matches('"').to_string(),
        host,
        zone: parse_tz(&tz),
        tz,
    })
}

/// Reason for stale data after the End of Data marker.
pub const REASON_STALE: &str =
    "stale data after End of Data (before the log wrapped around; the manual says ignore it)";
/// Reason for lines before any record.
pub const REASON_BEFORE: &str = "no record prefix (before the first record)";

struct Parser {
    resolver: Resolver,
    zone: Option<Zone>,
    host: Option<String>,
    asm: Assembler,
    ended: bool,
    after_eof: bool,
}

impl Parser {
    fn event<'a>(&self, r: &Record<'a>, line: &Line<'_>) -> Option<Event<'a>> {
        let ts = match (r.stamp, self.zone) {
            (Stamp::Naive(n), Some(z)) => z.resolve(n),
            (st, _) => self.resolver.resolve(st)?,
        };
        let mut e = Event::new(Kind::Log, ts, line.number, line.offset);
        e.app = Some(Cow::Borrowed(r.product));
        e.pid = i64::from_str_radix(r.pid, 16).ok();
        e.thread = Some(Cow::Borrowed(r.tid));
        e.host = self.host.clone().map(Cow::Owned);
        e.message = Cow::Borrowed(r.text);
        e.attrs
            .push((Cow::Borrowed("seq"), Cow::Owned(format!("{:04}", r.seq))));
        e.attrs
            .push((Cow::Borrowed("pid_hex"), Cow::Borrowed(r.pid)));
        if let Some(id) = r.msgid {
            e.level = match id.as_bytes().last() {
                Some(b'E') => Some(Level::Error),
                Some(b'W') => Some(Level::Warn),
                Some(b'I') => Some(Level::Info),
                _ => None,
            };
            e.code = Some(Cow::Borrowed(id));
            if matches!(e.level, Some(Level::Error | Level::Warn)) {
                e.kind = Kind::Error;
            }
        }
        Some(e)
    }
}

impl LineParser for Parser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let text = line.text;
        if self.ended {
            return Disposition::Skipped(REASON_STALE);
        }
        if text.contains("< End of Data >") {
            self.asm.flush(out);
            self.ended = true;
            return Disposition::Parsed;
        }
        if text
            .trim_matches(|c: char| c == '\u{1a}' || c.is_whitespace())
            .is_empty()
            && text.contains('\u{1a}')
        {
            // The EOF byte that ends valid data before a wrap-around marker.
            self.asm.flush(out);
            self.after_eof = true;
            return Disposition::Parsed;
        }
        if self.after_eof && text.trim().is_empty() {
            return Disposition::Parsed; // the blank lines of the End of Data block
        }
        if let Some(h) = parse_header(text) {
            self.asm.flush(out);
            if h.zone.is_some() {
                self.zone = h.zone;
            }
            if h.host.is_some() {
                self.host = h.host;
            }
            return Disposition::Parsed;
        }
        let t = text.trim_start();
        if t.starts_with("yyyy/mm/dd") && t.contains("message") {
            return Disposition::Parsed; // the label line
        }
        if let Some(r) = parse_record(text) {
            // A frame of an exception written record by record: same thread, no id.
            if r.msgid.is_none() {
                let tt = r.text.trim_start();
                let frame =
                    tt.starts_with("at ") || tt.starts_with("Caused by") || tt.starts_with("... ");
                if frame {
                    if let Some(p) = self.asm.pending_mut() {
                        if p.thread.as_deref() == Some(r.tid) {
                            stack::enrich(p, r.text);
                            p.append_line(r.text);
                            p.line_count += 1;
                            return Disposition::Continuation;
                        }
                    }
                }
            }
            return match self.event(&r, line) {
                Some(mut e) => {
                    if r.msgid.is_none() {
                        if let Some((class, _)) = stack::exception_head(r.text) {
                            e.attrs
                                .push((Cow::Borrowed("exception"), Cow::Borrowed(class)));
                        }
                    }
                    self.asm.start(e, out)
                }
                None => Disposition::Skipped(crate::apps::REASON_BAD_TIME),
            };
        }
        if let Some(p) = self.asm.pending_mut() {
            stack::enrich(p, text);
            return self.asm.continue_with(line);
        }
        if text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        Disposition::Skipped(REASON_BEFORE)
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.asm.flush(out);
        Settlement::default()
    }
}

/// Cosminexus message logs.
pub struct Cosminexus;

impl Format for Cosminexus {
    fn name(&self) -> &str {
        "cosminexus"
    }
    fn description(&self) -> &str {
        "Hitachi Cosminexus message logs (cjmessage*.log, cjexception*.log): nnnn yyyy/mm/dd hh:mm:ss.sss HEJB pid tid KDJEnnnnn-X text"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let header = sample.lines.iter().any(|l| parse_header(l).is_some());
        // Stale data after the wrap-around marker does not count.
        let end = sample
            .lines
            .iter()
            .position(|l| l.contains("< End of Data >") || l.contains('\u{1a}'))
            .unwrap_or(sample.lines.len());
        let valid = Sample {
            lines: &sample.lines[..end],
            file_name: sample.file_name,
        };
        let f = valid.fraction(
            |l| {
                l.trim().is_empty()
                    || l.starts_with("****")
                    || l.trim_start().starts_with("yyyy/mm/dd")
                    || stack::looks_like_continuation(l)
            },
            |l| parse_record(l).is_some(),
        );
        if f == 0.0 && header {
            return 0.9;
        }
        0.97 * f
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(Parser {
            resolver: ctx.resolver,
            zone: None,
            host: None,
            asm: Assembler::default(),
            ended: false,
            after_eof: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ParseTester;
    use crate::time::format_utc;

    #[test]
    fn records() {
        let r = parse_record("0012 2023/06/01 14:50:00.123 HEJB             00001AFC 0000144C KDJE34368-W グローバルセッションを縮退しました").unwrap();
        assert_eq!(r.seq, 12);
        assert_eq!(r.product, "HEJB");
        assert_eq!(r.pid, "00001AFC");
        assert_eq!(r.msgid, Some("KDJE34368-W"));
        assert_eq!(r.text, "グローバルセッションを縮退しました");
        assert!(
            parse_record("0012 2023-06-01 14:50:00.123 HEJB 00001AFC 0000144C KDJE34368-W x")
                .is_none()
        );
        assert!(
            parse_record("2023/06/01 14:50:00.123 HEJB 00001AFC 0000144C KDJE34368-W x").is_none()
        );
        assert!(is_message_id("KDJE34368-W"));
        assert!(!is_message_id("KDJE3436-"));
    }

    #[test]
    fn zones_and_headers() {
        let z = |s: &str| parse_tz(s).map(|z| z.to_string());
        assert_eq!(z("(local)-9:00"), Some("+09:00".into()));
        assert_eq!(z("GMT+09:00"), Some("+09:00".into()));
        assert_eq!(z("JST-9"), Some("+09:00".into()));
        assert_eq!(z("Asia/Tokyo"), Some("Asia/Tokyo".into()));
        assert_eq!(z("Unknown"), None);
        let h = parse_header("**** Microsoft WindowsNT6.1(Build:7601) Service Pack 3 host1 TZ=(local)-9:00 2022/04/07 11:03:20.713").unwrap();
        assert_eq!(h.host.as_deref(), Some("host1"));
        assert_eq!(h.os, "Microsoft WindowsNT6.1(Build:7601) Service Pack 3");
        let h = parse_header("**** Windows XP 5.1 TZ=GMT+09:00 2008/01/01 00:00:00.000").unwrap();
        assert_eq!(h.host, None);
        let h = parse_header(
            "**** \"Linux 3.10.0-1160.el7.x86_64\" TZ=Asia/Tokyo 2023/06/01 09:00:00.000",
        )
        .unwrap();
        assert_eq!(h.host, None);
        assert_eq!(h.os, "Linux 3.10.0-1160.el7.x86_64");
    }

    /// Hand-made after the manuals' layout (no public sample exists), CRLF ends.
    const SAMPLE: &str = "**** Microsoft WindowsNT6.1(Build:7601) Service Pack 1 apsv01 TZ=(local)-9:00 2023/06/01 09:00:00.000\r\n\
     yyyy/mm/dd hh:mm:ss.sss pid      tid      message-id  message(LANG=ja)\r\n\
0000 2023/06/01 14:50:00.123 HEJB             00001AFC 0000144C KDJE34368-W グローバルセッション情報の更新に失敗したため，縮退運用します。\r\n\
0001 2023/06/01 14:50:01.000 HEJB             00001AFC 00001450 KDJE34312-W データベースへのアクセスに失敗しました。\r\n\
0002 2023/06/01 14:50:02.000 HEJB             00001AFC 00001450 KDJE39001-I 情報メッセージ\r\n\
0003 2023/06/01 14:50:03.000 HEJB             00001AFC 00001454 KDJE34377-E セッションの削除に失敗しました。\r\n\
java.sql.SQLException: ORA-00060: デッドロックが検出されました\r\n\
\tat oracle.jdbc.X.y(X.java:1)\r\n\
\u{1a}\r\n\
\r\n\
----------< End of Data >----------\r\n\
2023/05/31 10:00:00.000 HEJB             00001AFC 0000144C KDJE39001-I stale\r\n\
0999 2023/05/31 10:00:01.000 HEJB             00001AFC 0000144C KDJE39001-I stale\r\n";

    #[test]
    fn message_log_with_header_zone_and_wraparound() {
        let (ev, acct) = ParseTester::new(&Cosminexus, "UTC")
            .check(SAMPLE.as_bytes())
            .unwrap();
        assert_eq!(acct.lines, 13);
        assert_eq!((acct.parsed, acct.continuation, acct.skipped), (9, 2, 2));
        assert_eq!(acct.skip_reasons.get(REASON_STALE), Some(&2));
        assert_eq!(ev.len(), 4);
        // TZ=(local)-9:00 → UTC+9, whatever the source zone says.
        assert_eq!(format_utc(ev[0].ts), "2023-06-01T05:50:00.123Z");
        assert_eq!(ev[0].kind, Kind::Error);
        assert_eq!(ev[0].code.as_deref(), Some("KDJE34368-W"));
        assert_eq!(ev[0].level, Some(Level::Warn));
        assert_eq!(ev[0].host.as_deref(), Some("apsv01"));
        assert_eq!(ev[0].pid, Some(0x1AFC));
        assert_eq!(ev[0].thread.as_deref(), Some("0000144C"));
        assert_eq!(ev[2].kind, Kind::Log);
        assert_eq!(ev[2].level, Some(Level::Info));
        assert_eq!(ev[3].code.as_deref(), Some("KDJE34377-E"));
        assert_eq!(ev[3].level, Some(Level::Error));
        assert_eq!(ev[3].attr("exception"), Some("java.sql.SQLException"));
        assert_eq!(ev[3].line_count, 3);
    }

    #[test]
    fn sniffs_cosminexus() {
        let lines: Vec<&str> = SAMPLE.lines().collect();
        let s = Sample {
            lines: &lines,
            file_name: "cjmessage1.log",
        };
        assert!(Cosminexus.sniff(&s) > 0.9);
    }
}

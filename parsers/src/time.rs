//! Timestamps: recognising every shape logs write them in, and resolving
//! them to UTC.
//!
//! Parsing is hand-written over bytes (no `strptime` per line): a log line's
//! timestamp is parsed once, on the hot path. Each function returns the
//! [`Stamp`] and how many bytes it consumed, so a parser can go on reading
//! after it. [`Stamp`]s without a zone are resolved by a [`Zone`] (IANA or
//! fixed offset); year-less syslog stamps also need a year.

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};
use std::fmt;
use std::str::FromStr;

/// Microseconds per second.
pub const MICROS: i64 = 1_000_000;

/// A timestamp as found in a line, before zone resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// An absolute instant (the line named its zone or offset), µs since the epoch, UTC.
    Utc(i64),
    /// A wall-clock time with no zone: resolved with the source's zone.
    Naive(NaiveDateTime),
    /// A wall-clock time with neither zone nor year (RFC 3164 syslog).
    NoYear {
        /// 1-12.
        month: u32,
        /// 1-31.
        day: u32,
        /// Time of day.
        time: NaiveTime,
    },
}

/// A time zone for naive timestamps: an IANA zone or a fixed offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset from UTC (`+09:00`, `UTC`).
    Fixed(FixedOffset),
    /// An IANA zone with its daylight-saving rules (`Asia/Tokyo`, `Europe/Berlin`).
    Iana(chrono_tz::Tz),
}

/// A zone name that is neither an IANA name nor an offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone `{0}`: use an IANA name like Asia/Tokyo or an offset like +09:00")]
pub struct ZoneError(pub String);

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone::Fixed(FixedOffset::east_opt(0).unwrap_or_else(|| Utc.fix()))
    }

    /// Resolve a wall-clock time in this zone to µs UTC.
    ///
    /// In a daylight-saving fold (the hour that happens twice) the earlier
    /// instant is taken; in a gap (the hour that never happens) the time is
    /// read with the offset in force just before the gap, as most loggers that
    /// write local time without an offset effectively do.
    pub fn resolve(&self, naive: NaiveDateTime) -> i64 {
        match self {
            Zone::Fixed(off) => (naive - chrono::Duration::seconds(off.local_minus_utc() as i64))
                .and_utc()
                .timestamp_micros(),
            Zone::Iana(tz) => match tz.from_local_datetime(&naive) {
                LocalResult::Single(dt) => dt.timestamp_micros(),
                LocalResult::Ambiguous(a, _) => a.timestamp_micros(),
                LocalResult::None => {
                    let before = naive - chrono::Duration::hours(3);
                    let off = match tz.from_local_datetime(&before) {
                        LocalResult::Single(dt) | LocalResult::Ambiguous(dt, _) => {
                            dt.offset().fix().local_minus_utc()
                        }
                        LocalResult::None => 0,
                    };
                    (naive - chrono::Duration::seconds(off as i64))
                        .and_utc()
                        .timestamp_micros()
                }
            },
        }
    }

    /// The UTC offset in force at an instant (µs UTC).
    pub fn offset_at(&self, ts: i64) -> FixedOffset {
        match self {
            Zone::Fixed(off) => *off,
            Zone::Iana(tz) => {
                let utc = DateTime::from_timestamp_micros(ts).unwrap_or_default();
                tz.offset_from_utc_datetime(&utc.naive_utc()).fix()
            }
        }
    }

    /// The zone's abbreviation at an instant (`JST`, `CEST`), or the offset for fixed zones.
    pub fn abbreviation_at(&self, ts: i64) -> String {
        match self {
            Zone::Fixed(off) if off.local_minus_utc() == 0 => "UTC".to_string(),
            Zone::Fixed(off) => off.to_string(),
            Zone::Iana(tz) => {
                let utc = DateTime::from_timestamp_micros(ts).unwrap_or_default();
                tz.from_utc_datetime(&utc.naive_utc())
                    .format("%Z")
                    .to_string()
            }
        }
    }

    /// Local wall-clock time of an instant in this zone.
    pub fn local(&self, ts: i64) -> NaiveDateTime {
        let utc = DateTime::from_timestamp_micros(ts).unwrap_or_default();
        utc.naive_utc() + chrono::Duration::seconds(self.offset_at(ts).local_minus_utc() as i64)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Fixed(off) if off.local_minus_utc() == 0 => f.write_str("UTC"),
            Zone::Fixed(off) => write!(f, "{off}"),
            Zone::Iana(tz) => f.write_str(tz.name()),
        }
    }
}

impl FromStr for Zone {
    type Err = ZoneError;

    /// `Asia/Tokyo`, `UTC`, `Z`, `+09:00`, `+0900`, `+9`, `-05:30`, `JST`.
    fn from_str(s: &str) -> Result<Zone, ZoneError> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
            return Ok(Zone::utc());
        }
        if let Some(secs) = parse_offset_text(t) {
            return FixedOffset::east_opt(secs)
                .map(Zone::Fixed)
                .ok_or_else(|| ZoneError(s.to_string()));
        }
        if let Ok(tz) = t.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Iana(tz));
        }
        if let Some(secs) = abbreviation_offset(t) {
            return FixedOffset::east_opt(secs)
                .map(Zone::Fixed)
                .ok_or_else(|| ZoneError(s.to_string()));
        }
        Err(ZoneError(s.to_string()))
    }
}

/// `+09:00`, `+0900`, `+09`, `+9`, `-05:30` → seconds east of UTC.
fn parse_offset_text(t: &str) -> Option<i32> {
    let b = t.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &t[1..];
    let (h, m) = if let Some((h, m)) = rest.split_once(':') {
        (h, m)
    } else if rest.len() == 4 && rest.is_ascii() {
        // ASCII: byte 2 is a character boundary.
        (&rest[..2], &rest[2..])
    } else {
        (rest, "0")
    };
    if h.is_empty() || h.len() > 2 || m.len() > 2 {
        return None;
    }
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 15 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// Common zone abbreviations as PostgreSQL `%t`/`%m` and other loggers print
/// them. Ambiguous ones take their most common meaning in server logs
/// (`CST` = US Central, `IST` = India).
pub fn abbreviation_offset(abbr: &str) -> Option<i32> {
    let h = 3600;
    Some(match abbr {
        "UTC" | "GMT" | "Z" | "UCT" | "WET" => 0,
        "JST" | "KST" => 9 * h,
        "CST" => -6 * h,
        "CDT" => -5 * h,
        "EST" => -5 * h,
        "EDT" => -4 * h,
        "MST" => -7 * h,
        "MDT" => -6 * h,
        "PST" => -8 * h,
        "PDT" => -7 * h,
        "AKST" => -9 * h,
        "AKDT" => -8 * h,
        "HST" => -10 * h,
        "CET" | "MET" | "BST" | "WEST" | "WAT" => h,
        "CEST" | "MEST" | "EET" | "SAST" | "CAT" => 2 * h,
        "EEST" | "MSK" | "EAT" | "IDT" => 3 * h,
        "IST" => 5 * h + 1800,
        "HKT" | "SGT" | "AWST" | "PHT" | "WITA" => 8 * h,
        "WIB" | "ICT" => 7 * h,
        "AEST" => 10 * h,
        "AEDT" => 11 * h,
        "ACST" => 9 * h + 1800,
        "NZST" => 12 * h,
        "NZDT" => 13 * h,
        "BRT" => -3 * h,
        "ART" => -3 * h,
        _ => return None,
    })
}

#[inline]
fn d2(b: &[u8], i: usize) -> Option<u32> {
    let x = b.get(i)?.wrapping_sub(b'0');
    let y = b.get(i + 1)?.wrapping_sub(b'0');
    if x < 10 && y < 10 {
        Some(x as u32 * 10 + y as u32)
    } else {
        None
    }
}

#[inline]
fn d4(b: &[u8], i: usize) -> Option<u32> {
    Some(d2(b, i)? * 100 + d2(b, i + 2)?)
}

/// One or two digits (`9` or `09`, also ` 9` with a leading space) → (value, bytes used).
#[inline]
fn d12(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let first = *b.get(i)?;
    if first == b' ' {
        let x = b.get(i + 1)?.wrapping_sub(b'0');
        return (x < 10).then_some((x as u32, 2));
    }
    let x = first.wrapping_sub(b'0');
    if x >= 10 {
        return None;
    }
    match b.get(i + 1).map(|c| c.wrapping_sub(b'0')) {
        Some(y) if y < 10 => Some((x as u32 * 10 + y as u32, 2)),
        _ => Some((x as u32, 1)),
    }
}

/// Fractional seconds after `.` or `,` at `i` → (µs, bytes used incl. separator).
#[inline]
fn frac(b: &[u8], i: usize) -> (u32, usize) {
    match b.get(i) {
        Some(b'.') | Some(b',') => {}
        _ => return (0, 0),
    }
    let mut j = i + 1;
    let mut us: u32 = 0;
    let mut digits = 0;
    while let Some(&c) = b.get(j) {
        if !c.is_ascii_digit() {
            break;
        }
        if digits < 6 {
            us = us * 10 + (c - b'0') as u32;
        }
        digits += 1;
        j += 1;
    }
    if digits == 0 {
        return (0, 0);
    }
    for _ in digits..6 {
        us *= 10;
    }
    (us, j - i)
}

fn make_naive(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> Option<NaiveDateTime> {
    let (s, us) = if s == 60 { (59, 999_999) } else { (s, us) };
    NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_micro_opt(h, mi, s, us)
}

/// `HH:MM[:SS][.frac]` at `i` → (h, m, s, µs, bytes). Accepts a one-digit hour.
fn hms(b: &[u8], i: usize) -> Option<(u32, u32, u32, u32, usize)> {
    let (h, hl) = d12(b, i)?;
    let mut j = i + hl;
    if *b.get(j)? != b':' {
        return None;
    }
    let mi = d2(b, j + 1)?;
    j += 3;
    let mut s = 0;
    if b.get(j) == Some(&b':') {
        s = d2(b, j + 1)?;
        j += 3;
    }
    let (us, fl) = frac(b, j);
    j += fl;
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some((h, mi, s, us, j - i))
}

/// A zone suffix at `i`: `Z`, `±HH:MM`, `±HHMM`, `±HH`, or ` UTC`/` JST`/` +0900` after a
/// space. Returns (seconds east, bytes used).
fn zone_suffix(b: &[u8], i: usize) -> Option<(i32, usize)> {
    let mut j = i;
    let spaced = b.get(j) == Some(&b' ');
    if spaced {
        j += 1;
    }
    match b.get(j)? {
        b'Z' if !spaced || !b.get(j + 1).is_some_and(|c| c.is_ascii_alphanumeric()) => {
            if b.get(j + 1).is_some_and(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            Some((0, j + 1 - i))
        }
        b'+' | b'-' => {
            let sign: i32 = if b[j] == b'+' { 1 } else { -1 };
            let hh = d2(b, j + 1)? as i32;
            let mut k = j + 3;
            let mut mm = 0;
            if b.get(k) == Some(&b':') {
                if let Some(m) = d2(b, k + 1) {
                    mm = m as i32;
                    k += 3;
                }
            } else if let Some(m) = d2(b, k) {
                mm = m as i32;
                k += 2;
            }
            if hh > 15 || mm > 59 {
                return None;
            }
            Some((sign * (hh * 3600 + mm * 60), k - i))
        }
        c if spaced && c.is_ascii_uppercase() => {
            let mut k = j;
            while k < b.len() && b[k].is_ascii_uppercase() && k - j < 5 {
                k += 1;
            }
            if b.get(k).is_some_and(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            let abbr = std::str::from_utf8(&b[j..k]).ok()?;
            let off = abbreviation_offset(abbr)?;
            Some((off, k - i))
        }
        _ => None,
    }
}

fn with_zone(naive: NaiveDateTime, b: &[u8], i: usize) -> (Stamp, usize) {
    match zone_suffix(b, i) {
        Some((off, used)) => {
            let utc = naive.and_utc().timestamp_micros() - off as i64 * MICROS;
            (Stamp::Utc(utc), i + used)
        }
        None => (Stamp::Naive(naive), i),
    }
}

/// ISO 8601 / RFC 3339 and their log variants at the start of `s`:
/// `2023-06-01T14:50:00Z`, `2023-06-01 14:50:00.123+09:00`,
/// `2023-06-01 14:50:00,123` (log4j), `2023-06-01 14:50:00.123 JST` (PostgreSQL
/// `%m`), `2023-06-01 14:50:00 +0900`, `2023/06/01 14:50:00.123`, and
/// `2023-06-01T14:50` without seconds.
pub fn parse_iso(s: &str) -> Option<(Stamp, usize)> {
    let b = s.as_bytes();
    let y = d4(b, 0)?;
    let sep = *b.get(4)?;
    if sep != b'-' && sep != b'/' && sep != b'.' {
        return None;
    }
    let mo = d2(b, 5)?;
    if *b.get(7)? != sep {
        return None;
    }
    let d = d2(b, 8)?;
    match b.get(10)? {
        b'T' | b' ' | b'_' => {}
        _ => return None,
    }
    let (h, mi, sec, us, used) = hms(b, 11)?;
    let naive = make_naive(y as i32, mo, d, h, mi, sec, us)?;
    Some(with_zone(naive, b, 11 + used))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// `Jan` .. `Dec` (case-insensitive) at `i` → 1-12.
fn month_abbr(b: &[u8], i: usize) -> Option<u32> {
    let m = b.get(i..i + 3)?;
    MONTHS
        .iter()
        .position(|name| name.eq_ignore_ascii_case(m))
        .map(|p| p as u32 + 1)
}

/// Common Log Format: `01/Jun/2023:14:50:00 +0900` (also without the zone).
pub fn parse_clf(s: &str) -> Option<(Stamp, usize)> {
    let b = s.as_bytes();
    let d = d2(b, 0)?;
    if *b.get(2)? != b'/' {
        return None;
    }
    let mo = month_abbr(b, 3)?;
    if *b.get(6)? != b'/' {
        return None;
    }
    let y = d4(b, 7)?;
    if *b.get(11)? != b':' {
        return None;
    }
    let (h, mi, sec, us, used) = hms(b, 12)?;
    let naive = make_naive(y as i32, mo, d, h, mi, sec, us)?;
    Some(with_zone(naive, b, 12 + used))
}

/// The last time in Common Log Format a line parser read (see
/// [`parse_clf`]), and the instant it resolved to: an access log writes the
/// same second on many lines in a row, and reading and resolving it again
/// was a tenth of an nginx line's parse. One per parser (a source's
/// resolver never changes).
#[derive(Debug)]
pub struct LastClfTime {
    /// The time as written, up to the closing bracket (`len` bytes of it).
    text: [u8; LastClfTime::MAX],
    len: usize,
    ts: i64,
}

impl Default for LastClfTime {
    fn default() -> Self {
        LastClfTime {
            text: [0; LastClfTime::MAX],
            len: 0,
            ts: 0,
        }
    }
}

impl LastClfTime {
    /// Longest time kept (`10/Oct/2000:13:55:36.123456 -0700` is 34 bytes).
    const MAX: usize = 40;

    /// The bracketed time at the start of `s` (as [`parse_clf`] reads it,
    /// up to the `]` that must follow it), as an instant when `resolver`
    /// resolves it.
    pub fn read(&mut self, s: &str, resolver: &Resolver) -> Option<(Stamp, usize)> {
        let b = s.as_bytes();
        if self.len > 0
            && b.get(..self.len) == Some(&self.text[..self.len])
            && b.get(self.len) == Some(&b']')
        {
            return Some((Stamp::Utc(self.ts), self.len));
        }
        let (stamp, used) = parse_clf(s)?;
        match resolver.resolve(stamp) {
            Some(ts) if used <= LastClfTime::MAX && b.get(used) == Some(&b']') => {
                self.text[..used].copy_from_slice(&b[..used]);
                self.len = used;
                self.ts = ts;
                Some((Stamp::Utc(ts), used))
            }
            _ => Some((stamp, used)),
        }
    }
}

/// RFC 3164 syslog: `Jun  9 06:06:20` (no year, no zone), optionally followed
/// by a year (`Jun 9 2023 06:06:20` or `Jun  9 06:06:20 2023`).
pub fn parse_syslog(s: &str) -> Option<(Stamp, usize)> {
    let b = s.as_bytes();
    let mo = month_abbr(b, 0)?;
    if *b.get(3)? != b' ' {
        return None;
    }
    let (d, dl) = d12(b, 4)?;
    let mut i = 4 + dl;
    if *b.get(i)? != b' ' {
        return None;
    }
    i += 1;
    let mut year = None;
    if let Some(y) = d4(b, i) {
        if b.get(i + 4) == Some(&b' ') {
            year = Some(y as i32);
            i += 5;
        }
    }
    let (h, mi, sec, us, used) = hms(b, i)?;
    i += used;
    if year.is_none() && b.get(i) == Some(&b' ') {
        if let Some(y) = d4(b, i + 1) {
            if !b
                .get(i + 5)
                .is_some_and(|c| c.is_ascii_digit() || *c == b':')
            {
                year = Some(y as i32);
                i += 5;
            }
        }
    }
    let time = NaiveTime::from_hms_micro_opt(h, mi, sec.min(59), us)?;
    if !(1..=31).contains(&d) {
        return None;
    }
    match year {
        Some(y) => {
            let naive = NaiveDate::from_ymd_opt(y, mo, d)?.and_time(time);
            Some(with_zone(naive, b, i))
        }
        None => Some((
            Stamp::NoYear {
                month: mo,
                day: d,
                time,
            },
            i,
        )),
    }
}

/// `ctime`-style stamps: `Sun Dec 04 04:47:44 2005` (Apache error log, PHP),
/// also with microseconds (`Wed Oct 11 14:32:52.123456 2023`).
pub fn parse_ctime(s: &str) -> Option<(Stamp, usize)> {
    let b = s.as_bytes();
    let wd = b.get(0..3)?;
    if !wd.iter().all(|c| c.is_ascii_alphabetic()) || *b.get(3)? != b' ' {
        return None;
    }
    let (stamp, used) = parse_syslog(&s[4..])?;
    match stamp {
        Stamp::NoYear { .. } => None,
        other => Some((other, used + 4)),
    }
}

/// Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by
/// their digit count (10, 13, 16, 19), with an optional fraction
/// (`1669575482.0968924`).
pub fn parse_epoch(s: &str) -> Option<(Stamp, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut whole: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() && i < 19 {
        whole = whole.checked_mul(10)?.checked_add((b[i] - b'0') as i64)?;
        i += 1;
    }
    let digits = i;
    if b.get(i).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let us = match digits {
        9 | 10 => {
            let (f, fl) = frac(b, i);
            i += fl;
            whole * MICROS + f as i64
        }
        12 | 13 => {
            let (f, fl) = frac(b, i);
            i += fl;
            whole * 1000 + (f / 1000) as i64
        }
        15 | 16 => whole,
        18 | 19 => whole / 1000,
        _ => return None,
    };
    // 2001-09-09 .. 2100: anything else is a number, not a time.
    if !(1_000_000_000 * MICROS..4_102_444_800 * MICROS).contains(&us) {
        return None;
    }
    if b.get(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((Stamp::Utc(us), i))
}

/// The MySQL ≤ 5.6 and InnoDB monitor form `YYMMDD HH:MM:SS`, hour
/// space-padded (`100320  9:37:16`).
pub fn parse_mysql_short(s: &str) -> Option<(Stamp, usize)> {
    let b = s.as_bytes();
    let yy = d2(b, 0)?;
    let mo = d2(b, 2)?;
    let d = d2(b, 4)?;
    if *b.get(6)? != b' ' {
        return None;
    }
    let mut i = 7;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (h, mi, sec, us, used) = hms(b, i)?;
    let naive = make_naive(2000 + yy as i32, mo, d, h, mi, sec, us)?;
    Some((Stamp::Naive(naive), i + used))
}

/// Tomcat / JULI `OneLineFormatter`: `21-Jan-2024 17:06:43.203`.
pub fn parse_dmy_abbr(s: &str) -> Option<(Stamp, usize)> {
    let b = s.as_bytes();
    let d = d2(b, 0)?;
    if *b.get(2)? != b'-' {
        return None;
    }
    let mo = month_abbr(b, 3)?;
    if *b.get(6)? != b'-' {
        return None;
    }
    let y = d4(b, 7)?;
    if *b.get(11)? != b' ' {
        return None;
    }
    let (h, mi, sec, us, used) = hms(b, 12)?;
    let naive = make_naive(y as i32, mo, d, h, mi, sec, us)?;
    Some(with_zone(naive, b, 12 + used))
}

/// `java.util.logging.SimpleFormatter`'s default: `Jan 21, 2024 5:06:43 PM`.
pub fn parse_jul(s: &str) -> Option<(Stamp, usize)> {
    let b = s.as_bytes();
    let mo = month_abbr(b, 0)?;
    if *b.get(3)? != b' ' {
        return None;
    }
    let (d, dl) = d12(b, 4)?;
    let mut i = 4 + dl;
    if b.get(i..i + 2)? != b", " {
        return None;
    }
    i += 2;
    let y = d4(b, i)?;
    i += 4;
    if *b.get(i)? != b' ' {
        return None;
    }
    i += 1;
    let (mut h, mi, sec, us, used) = hms(b, i)?;
    i += used;
    let tail = b.get(i..i + 3);
    if tail == Some(b" PM") || tail == Some(b" pm") {
        if h < 12 {
            h += 12;
        }
        i += 3;
    } else if tail == Some(b" AM") || tail == Some(b" am") {
        if h == 12 {
            h = 0;
        }
        i += 3;
    }
    let naive = make_naive(y as i32, mo, d, h, mi, sec, us)?;
    Some((Stamp::Naive(naive), i))
}

/// Any supported timestamp at the start of `s` (after an optional `[`),
/// trying the shapes from most to least specific. Returns the stamp and the
/// bytes consumed (a closing `]` included when the stamp was bracketed).
pub fn parse_prefix(s: &str) -> Option<(Stamp, usize)> {
    let (inner, lead) = match s.as_bytes().first() {
        Some(b'[') => (&s[1..], 1),
        _ => (s, 0),
    };
    let first = *inner.as_bytes().first()?;
    let found = if first.is_ascii_digit() {
        parse_iso(inner)
            .or_else(|| parse_clf(inner))
            .or_else(|| parse_dmy_abbr(inner))
            .or_else(|| parse_mysql_short(inner))
            .or_else(|| parse_epoch(inner))
    } else if first.is_ascii_alphabetic() {
        parse_syslog(inner)
            .or_else(|| parse_ctime(inner))
            .or_else(|| parse_jul(inner))
    } else {
        None
    };
    let (stamp, used) = found?;
    let mut end = lead + used;
    if lead == 1 && s.as_bytes().get(end) == Some(&b']') {
        end += 1;
    }
    Some((stamp, end))
}

/// Everything needed to turn a [`Stamp`] into µs UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolver {
    /// Zone for naive stamps.
    pub zone: Zone,
    /// Year for year-less stamps.
    pub year: i32,
    /// When set, a year-less stamp that would land more than a day after
    /// this instant (µs UTC; usually the file's modification time) is taken
    /// to be from the previous year: a January file holding December lines.
    pub not_after: Option<i64>,
}

impl Resolver {
    /// A resolver for `zone`, with the current year for year-less stamps.
    pub fn new(zone: Zone) -> Resolver {
        Resolver {
            zone,
            year: Utc::now().year(),
            not_after: None,
        }
    }

    /// µs UTC of a stamp.
    pub fn resolve(&self, stamp: Stamp) -> Option<i64> {
        match stamp {
            Stamp::Utc(us) => Some(us),
            Stamp::Naive(n) => Some(self.zone.resolve(n)),
            Stamp::NoYear { month, day, time } => {
                let at = |y: i32| {
                    NaiveDate::from_ymd_opt(y, month, day)
                        .map(|d| self.zone.resolve(d.and_time(time)))
                };
                let ts = at(self.year)?;
                match self.not_after {
                    Some(limit) if ts > limit + 86_400 * MICROS => at(self.year - 1),
                    _ => Some(ts),
                }
            }
        }
    }
}

/// Format µs UTC as RFC 3339 with milliseconds and a `Z` (the contract's JSON form).
pub fn format_utc(ts: i64) -> String {
    match DateTime::from_timestamp_micros(ts) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => "invalid".to_string(),
    }
}

/// Parse a user-supplied time (`--since`): RFC 3339, or a date-time / date in `zone`.
pub fn parse_user_time(s: &str, zone: &Zone) -> Option<i64> {
    let t = s.trim();
    if let Some((stamp, used)) = parse_prefix(t) {
        if used == t.len() {
            return Resolver::new(*zone).resolve(stamp);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|n| zone.resolve(n));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_with_a_character_across_byte_two_are_refused() {
        assert_eq!(parse_offset_text("+0930"), Some(9 * 3600 + 30 * 60));
        assert_eq!(parse_offset_text("+aéb"), None);
        assert_eq!(parse_offset_text("-é12"), None);
    }

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.timestamp_micros())
            .unwrap_or(i64::MIN)
    }

    /// Every supported shape, resolved under two zones: (input, consumed,
    /// expected in Asia/Tokyo, expected in UTC).
    #[test]
    fn every_shape_under_two_zones() {
        let tokyo: Zone = "Asia/Tokyo".parse().unwrap_or(Zone::utc());
        let cases: &[(&str, usize, &str, &str)] = &[
            (
                "2023-06-01T14:50:00Z rest",
                20,
                "2023-06-01T14:50:00Z",
                "2023-06-01T14:50:00Z",
            ),
            (
                "2023-06-01T14:50:00.123+09:00 x",
                29,
                "2023-06-01T05:50:00.123Z",
                "2023-06-01T05:50:00.123Z",
            ),
            (
                "2023-06-01 14:50:00,123 INFO",
                23,
                "2023-06-01T05:50:00.123Z",
                "2023-06-01T14:50:00.123Z",
            ),
            (
                "2023-06-01 14:50:00.123 JST [1]",
                27,
                "2023-06-01T05:50:00.123Z",
                "2023-06-01T05:50:00.123Z",
            ),
            (
                "2022-02-17 16:26:53.805 UTC [2120]",
                27,
                "2022-02-17T16:26:53.805Z",
                "2022-02-17T16:26:53.805Z",
            ),
            (
                "2023-06-01 14:50:00 +0900 x",
                25,
                "2023-06-01T05:50:00Z",
                "2023-06-01T05:50:00Z",
            ),
            (
                "2023-06-01 14:50:00.123456789",
                29,
                "2023-06-01T05:50:00.123456Z",
                "2023-06-01T14:50:00.123456Z",
            ),
            (
                "2023/06/01 14:50:00.123 x",
                23,
                "2023-06-01T05:50:00.123Z",
                "2023-06-01T14:50:00.123Z",
            ),
            (
                "2023-06-01T14:50 x",
                16,
                "2023-06-01T05:50:00Z",
                "2023-06-01T14:50:00Z",
            ),
            (
                "01/Jun/2023:14:50:00 +0900] \"GET",
                26,
                "2023-06-01T05:50:00Z",
                "2023-06-01T05:50:00Z",
            ),
            (
                "22/Jan/2019:03:56:14 +0330]",
                26,
                "2019-01-22T00:26:14Z",
                "2019-01-22T00:26:14Z",
            ),
            (
                "1685598600 x",
                10,
                "2023-06-01T05:50:00Z",
                "2023-06-01T05:50:00Z",
            ),
            (
                "1685598600123",
                13,
                "2023-06-01T05:50:00.123Z",
                "2023-06-01T05:50:00.123Z",
            ),
            (
                "1669575482.0968924,",
                18,
                "2022-11-27T18:58:02.096892Z",
                "2022-11-27T18:58:02.096892Z",
            ),
            (
                "1685598600123456",
                16,
                "2023-06-01T05:50:00.123456Z",
                "2023-06-01T05:50:00.123456Z",
            ),
            (
                "1685598600123456789",
                19,
                "2023-06-01T05:50:00.123456Z",
                "2023-06-01T05:50:00.123456Z",
            ),
            (
                "[Sun Dec 04 04:47:44 2005] [notice]",
                26,
                "2005-12-03T19:47:44Z",
                "2005-12-04T04:47:44Z",
            ),
            (
                "Jun 14 2023 15:16:01 combo",
                20,
                "2023-06-14T06:16:01Z",
                "2023-06-14T15:16:01Z",
            ),
            (
                "100320  9:37:16 INNODB",
                15,
                "2010-03-20T00:37:16Z",
                "2010-03-20T09:37:16Z",
            ),
            (
                "21-Jan-2024 17:06:43.203 情報",
                24,
                "2024-01-21T08:06:43.203Z",
                "2024-01-21T17:06:43.203Z",
            ),
            (
                "Jan 21, 2024 5:06:43 PM org",
                23,
                "2024-01-21T08:06:43Z",
                "2024-01-21T17:06:43Z",
            ),
            (
                "[2023-05-15 18:19:32] local.ERROR",
                21,
                "2023-05-15T09:19:32Z",
                "2023-05-15T18:19:32Z",
            ),
        ];
        for (input, consumed, in_tokyo, in_utc) in cases {
            let (stamp, used) = parse_prefix(input).unwrap_or((Stamp::Utc(i64::MIN), 0));
            assert_eq!(used, *consumed, "consumed for {input:?}");
            let t = Resolver::new(tokyo).resolve(stamp);
            let u = Resolver::new(Zone::utc()).resolve(stamp);
            assert_eq!(t, Some(utc(in_tokyo)), "Tokyo for {input:?}");
            assert_eq!(u, Some(utc(in_utc)), "UTC for {input:?}");
        }
    }

    #[test]
    fn syslog_without_year_takes_year_and_rolls_back() {
        let (stamp, used) =
            parse_prefix("Jun  9 06:06:20 combo syslogd").unwrap_or((Stamp::Utc(0), 0));
        assert_eq!(used, 15);
        let mut r = Resolver::new(Zone::utc());
        r.year = 2005;
        assert_eq!(r.resolve(stamp), Some(utc("2005-06-09T06:06:20Z")));
        // A December line in a file last written in January belongs to the year before.
        let (dec, _) = parse_prefix("Dec 31 23:59:59 h x").unwrap_or((Stamp::Utc(0), 0));
        r.year = 2024;
        r.not_after = Some(utc("2024-01-02T00:00:00Z"));
        assert_eq!(r.resolve(dec), Some(utc("2023-12-31T23:59:59Z")));
    }

    #[test]
    fn dst_crossing_zone() {
        let berlin: Zone = "Europe/Berlin".parse().unwrap_or(Zone::utc());
        let r = Resolver::new(berlin);
        let at = |s: &str| parse_prefix(s).and_then(|(st, _)| r.resolve(st));
        // Winter: +01:00; summer: +02:00.
        assert_eq!(at("2023-03-26 01:30:00"), Some(utc("2023-03-26T00:30:00Z")));
        assert_eq!(at("2023-03-26 03:30:00"), Some(utc("2023-03-26T01:30:00Z")));
        // The gap (02:30 never happened) reads with the pre-gap offset.
        assert_eq!(at("2023-03-26 02:30:00"), Some(utc("2023-03-26T01:30:00Z")));
        // The fold (02:30 happened twice) takes the earlier instant.
        assert_eq!(at("2023-10-29 02:30:00"), Some(utc("2023-10-29T00:30:00Z")));
        assert_eq!(berlin.abbreviation_at(utc("2023-07-01T00:00:00Z")), "CEST");
        assert_eq!(berlin.abbreviation_at(utc("2023-01-01T00:00:00Z")), "CET");
    }

    #[test]
    fn zones_parse() {
        assert_eq!(
            "+09:00".parse::<Zone>().map(|z| z.to_string()),
            Ok("+09:00".into())
        );
        assert_eq!(
            "+0900".parse::<Zone>().map(|z| z.to_string()),
            Ok("+09:00".into())
        );
        assert_eq!(
            "-5".parse::<Zone>().map(|z| z.to_string()),
            Ok("-05:00".into())
        );
        assert_eq!(
            "UTC".parse::<Zone>().map(|z| z.to_string()),
            Ok("UTC".into())
        );
        assert_eq!(
            "Asia/Tokyo".parse::<Zone>().map(|z| z.to_string()),
            Ok("Asia/Tokyo".into())
        );
        assert!("Mars/Olympus".parse::<Zone>().is_err());
        assert!("+25:00".parse::<Zone>().is_err());
    }

    #[test]
    fn rejects_non_timestamps() {
        for s in [
            "",
            "hello",
            "12345",
            "2023-13-01 00:00:00",
            "2023-02-30 00:00:00",
            "2023-06-01 25:00:00",
            "Foo  9 06:06:20",
            "99999999999999999999999",
            "[",
            "2023-06-01",
        ] {
            assert_eq!(parse_prefix(s), None, "{s:?}");
        }
    }

    #[test]
    fn user_times() {
        let tokyo: Zone = "Asia/Tokyo".parse().unwrap_or(Zone::utc());
        assert_eq!(
            parse_user_time("2023-06-01T05:50:00Z", &tokyo),
            Some(utc("2023-06-01T05:50:00Z"))
        );
        assert_eq!(
            parse_user_time("2023-06-01 14:50", &tokyo),
            Some(utc("2023-06-01T05:50:00Z"))
        );
        assert_eq!(
            parse_user_time("2023-06-01", &tokyo),
            Some(utc("2023-05-31T15:00:00Z"))
        );
        assert_eq!(parse_user_time("yesterday", &tokyo), None);
        assert_eq!(
            format_utc(utc("2023-06-01T05:50:00.1234Z")),
            "2023-06-01T05:50:00.123Z"
        );
    }
}

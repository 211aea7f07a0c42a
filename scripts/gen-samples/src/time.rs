//! Civil time without a time-zone database: all instants are microseconds since the Unix epoch
//! (UTC); a fixed offset in seconds turns them into the local wall clock a host writes.

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Us = i64;

pub const SEC: Us = 1_000_000;
pub const MIN: Us = 60 * SEC;
pub const HOUR: Us = 60 * MIN;
pub const DAY: Us = 24 * HOUR;
/// Japan Standard Time, in seconds east of UTC.
pub const JST: i64 = 9 * 3600;
pub const UTC: i64 = 0;

pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
pub const WDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Days since the epoch of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The instant of a local wall-clock time at `offset` seconds east of UTC.
pub fn at(y: i64, m: u32, d: u32, h: u32, mi: u32, s: u32, offset: i64) -> Us {
    let days = days_from_civil(y, m, d);
    (days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s) - offset) * SEC
}

/// Shorthand for a JST wall-clock time.
pub fn jst(y: i64, m: u32, d: u32, h: u32, mi: u32, s: u32) -> Us {
    at(y, m, d, h, mi, s, JST)
}

/// A broken-down local time.
#[derive(Clone, Copy, Debug)]
pub struct Dt {
    pub y: i64,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
    pub us: u32,
    /// 0 = Thursday (the epoch's weekday); use [`Dt::wday_name`].
    wd: usize,
    pub offset: i64,
}

impl Dt {
    pub fn new(t: Us, offset: i64) -> Dt {
        let local = t + offset * SEC;
        let days = local.div_euclid(DAY);
        let rem = local.rem_euclid(DAY);
        let (y, mo, d) = civil_from_days(days);
        let secs = rem / SEC;
        Dt {
            y,
            mo,
            d,
            h: (secs / 3600) as u32,
            mi: ((secs / 60) % 60) as u32,
            s: (secs % 60) as u32,
            us: (rem % SEC) as u32,
            wd: days.rem_euclid(7) as usize,
            offset,
        }
    }
    pub fn ms(&self) -> u32 {
        self.us / 1000
    }
    pub fn mon(&self) -> &'static str {
        MONTHS[self.mo as usize - 1]
    }
    pub fn wday_name(&self) -> &'static str {
        WDAYS[self.wd]
    }
    /// `+0900` style offset.
    pub fn off_compact(&self) -> String {
        let sign = if self.offset < 0 { '-' } else { '+' };
        let o = self.offset.abs();
        format!("{sign}{:02}{:02}", o / 3600, (o / 60) % 60)
    }
    /// `+09:00` style offset.
    pub fn off_colon(&self) -> String {
        let sign = if self.offset < 0 { '-' } else { '+' };
        let o = self.offset.abs();
        format!("{sign}{:02}:{:02}", o / 3600, (o / 60) % 60)
    }
    /// `2023-06-01`
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.mo, self.d)
    }
    /// `14:50:01`
    pub fn hms(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.h, self.mi, self.s)
    }
    /// `01/Jun/2023:14:50:01 +0900` (Apache/nginx `%t` / `$time_local`, without brackets).
    pub fn clf(&self) -> String {
        format!(
            "{:02}/{}/{:04}:{:02}:{:02}:{:02} {}",
            self.d,
            self.mon(),
            self.y,
            self.h,
            self.mi,
            self.s,
            self.off_compact()
        )
    }
    /// `2023-06-01 14:50:01.123`
    pub fn ymd_hms_ms(&self, sep: char) -> String {
        format!("{} {}{}{:03}", self.date(), self.hms(), sep, self.ms())
    }
    /// `2023-06-01T14:50:01.123+09:00`
    pub fn rfc3339_ms(&self) -> String {
        if self.offset == 0 {
            format!("{}T{}.{:03}Z", self.date(), self.hms(), self.ms())
        } else {
            format!(
                "{}T{}.{:03}{}",
                self.date(),
                self.hms(),
                self.ms(),
                self.off_colon()
            )
        }
    }
    /// `2023-06-01T14:50:01.123456Z` / `+09:00`
    pub fn rfc3339_us(&self) -> String {
        if self.offset == 0 {
            format!("{}T{}.{:06}Z", self.date(), self.hms(), self.us)
        } else {
            format!(
                "{}T{}.{:06}{}",
                self.date(),
                self.hms(),
                self.us,
                self.off_colon()
            )
        }
    }
    /// Traditional syslog stamp `Jun  1 14:50:01`.
    pub fn syslog(&self) -> String {
        format!("{} {:>2} {}", self.mon(), self.d, self.hms())
    }
    /// `yyyy/mm/dd`
    pub fn slash_date(&self) -> String {
        format!("{:04}/{:02}/{:02}", self.y, self.mo, self.d)
    }
    /// `yyyymmdd`
    pub fn compact_date(&self) -> String {
        format!("{:04}{:02}{:02}", self.y, self.mo, self.d)
    }
}

/// Unix seconds of an instant.
pub fn unix_secs(t: Us) -> i64 {
    t.div_euclid(SEC)
}

/// RFC 3339 UTC with milliseconds, as expected.json and pm-tui's JSON use.
pub fn utc_z(t: Us) -> String {
    Dt::new(t, 0).rfc3339_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        let t = jst(2023, 6, 1, 14, 50, 0);
        let d = Dt::new(t, JST);
        assert_eq!((d.y, d.mo, d.d, d.h, d.mi, d.s), (2023, 6, 1, 14, 50, 0));
        assert_eq!(d.wday_name(), "Thu");
        assert_eq!(utc_z(t), "2023-06-01T05:50:00.000Z");
        assert_eq!(d.clf(), "01/Jun/2023:14:50:00 +0900");
        assert_eq!(Dt::new(t, UTC).syslog(), "Jun  1 05:50:00");
    }
}

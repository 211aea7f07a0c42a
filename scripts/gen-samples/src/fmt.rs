//! Line layouts shared by several datasets, each following the real software's output.

use crate::time::{Dt, Us};

/// Ruby `Logger` (Rails, rails runner): `I, [2022-04-08T13:28:01.123456 #12345]  INFO -- : msg`.
pub fn ruby_logger(t: Us, offset: i64, pid: u32, level: &str, msg: &str) -> String {
    let d = Dt::new(t, offset);
    let c = &level[..1];
    format!(
        "{c}, [{}T{}.{:06} #{pid}] {:>5} -- : {msg}",
        d.date(),
        d.hms(),
        d.us,
        level
    )
}

/// Debian rsyslog traditional format: `Apr  8 13:05:01 batch01 CRON[23811]: msg`.
pub fn syslog(t: Us, offset: i64, host: &str, tag: &str, msg: &str) -> String {
    format!("{} {host} {tag}: {msg}", Dt::new(t, offset).syslog())
}

/// `hex 8000002a` of a big-endian signed INT as InnoDB stores it (sign bit flipped).
pub fn innodb_int(v: i64) -> String {
    format!("{:08x}", (v as u32) ^ 0x8000_0000)
}

/// `hex 80000000000001c2` of a BIGINT.
pub fn innodb_bigint(v: i64) -> String {
    format!("{:016x}", (v as u64) ^ 0x8000_0000_0000_0000)
}

/// The `asc` column of an InnoDB record dump: printable bytes, others as spaces.
pub fn asc(hex: &str) -> String {
    (0..hex.len() / 2)
        .map(|i| {
            let b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                ' '
            }
        })
        .collect()
}

/// One field line of an InnoDB record dump: ` 0: len 4; hex 8000002a; asc    *;;`
pub fn rec_field(i: usize, hex: &str) -> String {
    format!(" {i}: len {}; hex {hex}; asc {};;", hex.len() / 2, asc(hex))
}

/// mysql client `\G` output of one row: names right-aligned to the longest.
pub fn mysql_vertical(n: usize, cols: &[(&str, String)]) -> String {
    let w = cols.iter().map(|c| c.0.len()).max().unwrap_or(0);
    let mut s = format!("*************************** {n}. row ***************************");
    for (k, v) in cols {
        s.push_str(&format!("\n{k:>w$}: {v}"));
    }
    s
}

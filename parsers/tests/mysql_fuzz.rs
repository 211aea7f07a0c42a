//! Fuzz-style damage for the MySQL formats: lines of real dumps shuffled,
//! cut and mixed with junk and multi-byte text. Never a panic; every line
//! accounted for; the same result however the bytes are chunked.
#![allow(clippy::unwrap_used, clippy::panic)]

use pm_parsers::Format;
use pm_parsers::mysql::client_errors::MysqlClientErrors;
use pm_parsers::mysql::error_log::MysqlError;
use pm_parsers::mysql::innodb_status::InnodbStatus;
use pm_parsers::mysql::lock_tables::MysqlLockTables;
use pm_parsers::mysql::slowlog::MysqlSlow;
use pm_parsers::testutil::ParseTester;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mysql/");

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn corpus() -> Vec<String> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        lines.extend(text.lines().map(str::to_string));
    }
    lines.extend(
        [
            "*** (",
            "*** WE ROLL BACK TRANSACTION (",
            "RECORD LOCKS space id 1 index of table",
            "TABLE LOCK table ",
            "MySQL thread id ",
            "---TRANSACTION ",
            "------- TRX HAS BEEN WAITING ",
            "LOCK WAIT 9 lock struct(s), heap size 1, ９ row lock(s)",
            "| あいう | ｴ |",
            "+--+--+",
            "*************************** 1. row ***************************",
            "TS 99999999999999999999 garbage",
            "2023-06-01 12:00:00 ERROR 1205 (HY000",
            "# Time: 99",
            "# Query_time: x Lock_time: ",
            "ＥＲＲＯＲ 1213",
            "\\n\\n\\nINNODB MONITOR OUTPUT\\n---",
        ]
        .map(str::to_string),
    );
    lines
}

#[test]
fn shuffled_cut_and_mixed_dumps_never_panic() {
    let lines = corpus();
    let formats: [&dyn Format; 5] = [
        &InnodbStatus,
        &MysqlError,
        &MysqlLockTables,
        &MysqlSlow,
        &MysqlClientErrors,
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..60 {
        let n = 1 + rng.below(120);
        let mut text = String::new();
        for _ in 0..n {
            let l = &lines[rng.below(lines.len())];
            // Sometimes cut a line short (on a char boundary), sometimes glue two.
            let cut = match rng.below(4) {
                0 => {
                    let mut c = rng.below(l.len() + 1);
                    while !l.is_char_boundary(c) {
                        c -= 1;
                    }
                    &l[..c]
                }
                _ => l.as_str(),
            };
            text.push_str(cut);
            if rng.below(10) != 0 {
                text.push('\n');
            }
        }
        for f in formats {
            let mut t = ParseTester::new(f, "Asia/Tokyo");
            if round % 2 == 0 {
                t.ctx.snapshot_time = Some(1_685_631_010_000_000);
            }
            let (_, acct) = t
                .check(text.as_bytes())
                .unwrap_or_else(|e| panic!("{} round {round}: {e}", f.name()));
            assert!(acct.balanced());
        }
    }
}

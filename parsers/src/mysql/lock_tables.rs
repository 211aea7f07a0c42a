//! Lock-wait tables as people save them from the `mysql` client.
//!
//! Tables read (by their column names, so a `SELECT` of a subset or with
//! the manual's aliases such as `Req_Trx_Id` works too):
//! `information_schema.INNODB_TRX`, `INNODB_LOCKS`, `INNODB_LOCK_WAITS`,
//! `performance_schema.data_locks`, `data_lock_waits`,
//! `sys.innodb_lock_waits` and `SHOW FULL PROCESSLIST` /
//! `information_schema.PROCESSLIST`; each as `mysql -B` TSV (header row),
//! boxed (`+---+`) or vertical (`\G`).
//!
//! Rows are grouped into snapshots: a snapshot ends at a pt-stalk
//! `TS <epoch> <date time>` line or a one-column `SELECT NOW()` result, which
//! also give the next snapshot its time; otherwise the time comes from
//! `--snapshot-time` or the file name. Within a snapshot the tables are
//! joined: one `lock_wait` per waiting transaction (waiter and blocker
//! transaction and thread, resource, mode, wait time, statements), one `txn`
//! per `INNODB_TRX` row, one `log` per processlist row, and a `lock_wait`
//! for sessions the processlist shows waiting for a table or metadata lock.
//! Table lines are settled at the end of each snapshot: without any time
//! they are skipped with the reason [`REASON_NO_SNAPSHOT_TIME`].

use super::{
    REASON_NO_SNAPSHOT_TIME, context_snapshot_time, lock_resource, normalize_mode, normalize_table,
    owned, parse_datetime_cell, parse_ts_line, table_db,
};
use crate::event::{Event, EventSink, Kind, Level};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{MICROS, Resolver};
use std::collections::BTreeMap;

/// The `mysql-lock-tables` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlLockTables;

/// Reason for rows of tables that hold no lock or session columns.
pub const REASON_UNKNOWN_TABLE: &str = "table without lock or processlist columns";
/// Reason for lines that are not part of a client table.
pub const REASON_NOT_TABLE: &str = "not a mysql client table line";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableKind {
    Trx,
    IsLocks,
    IsWaits,
    DataLocks,
    DataLockWaits,
    SysWaits,
    Processlist,
    /// pt-stalk's lock-waits summary (`who_blocks`, `num_waiters`): no events of its own.
    PtStalkSummary,
    Now,
    Unknown,
}

const TIME_HEADERS: &[&str] = &[
    "now()",
    "current_timestamp",
    "current_timestamp()",
    "sysdate()",
    "now(6)",
    "current_timestamp(6)",
    "sysdate(6)",
    "snapshot_time",
    "ts",
];

fn kind_of<S: AsRef<str>>(cols: &[S]) -> TableKind {
    let has = |n: &str| {
        debug_assert!(
            KIND_COLUMNS.contains(&n),
            "{n} is missing from KIND_COLUMNS"
        );
        cols.iter().any(|c| c.as_ref() == n)
    };
    if cols.len() == 1 && TIME_HEADERS.contains(&cols[0].as_ref()) {
        return TableKind::Now;
    }
    if has("waiting_trx_id") && has("blocking_trx_id") || has("waiting_pid") && has("blocking_pid")
    {
        TableKind::SysWaits
    } else if has("requesting_trx_id") && has("blocking_trx_id") {
        TableKind::IsWaits
    } else if (has("requesting_engine_transaction_id") || has("req_trx_id"))
        && (has("blocking_engine_transaction_id") || has("blk_trx_id"))
    {
        TableKind::DataLockWaits
    } else if has("lock_trx_id") {
        TableKind::IsLocks
    } else if has("engine_transaction_id")
        || (has("trx_id") && (has("lock_status") || has("status")) && has("mode"))
    {
        TableKind::DataLocks
    } else if has("trx_id") && (has("trx_state") || has("trx_mysql_thread_id")) {
        TableKind::Trx
    } else if has("id") && has("command") && (has("state") || has("info")) {
        TableKind::Processlist
    } else if has("who_blocks") && has("num_waiters") {
        TableKind::PtStalkSummary
    } else {
        TableKind::Unknown
    }
}

/// Every column name [`kind_of`] asks about: the other columns of a header
/// do not change what kind of table it is.
const KIND_COLUMNS: &[&str] = &[
    "waiting_trx_id",
    "blocking_trx_id",
    "waiting_pid",
    "blocking_pid",
    "requesting_trx_id",
    "requesting_engine_transaction_id",
    "req_trx_id",
    "blocking_engine_transaction_id",
    "blk_trx_id",
    "lock_trx_id",
    "engine_transaction_id",
    "trx_id",
    "lock_status",
    "status",
    "mode",
    "trx_state",
    "trx_mysql_thread_id",
    "id",
    "command",
    "state",
    "info",
    "who_blocks",
    "num_waiters",
];

/// The name in [`KIND_COLUMNS`] that the header cell `cell` is (compared
/// without case or surrounding blanks).
fn kind_column(cell: &str) -> Option<&'static str> {
    let cell = cell.trim();
    KIND_COLUMNS
        .iter()
        .copied()
        .find(|name| name.eq_ignore_ascii_case(cell))
}

/// Column names the format knows (for telling a TSV header from a row).
const KNOWN: &[&str] = &[
    "trx_id",
    "trx_state",
    "trx_mysql_thread_id",
    "lock_id",
    "lock_trx_id",
    "requesting_trx_id",
    "blocking_trx_id",
    "engine_lock_id",
    "engine_transaction_id",
    "requesting_engine_transaction_id",
    "blocking_engine_transaction_id",
    "req_trx_id",
    "blk_trx_id",
    "waiting_trx_id",
    "waiting_pid",
    "blocking_pid",
    "id",
    "command",
    "state",
    "info",
    "object_name",
    "lock_mode",
    "lock_status",
    "who_blocks",
    "num_waiters",
];

#[derive(Debug, Clone)]
struct Row {
    line: u32,
    offset: u64,
    lines: u32,
    cells: Vec<(String, String)>,
}

impl Row {
    fn get(&self, names: &[&str]) -> Option<&str> {
        for n in names {
            if let Some((_, v)) = self.cells.iter().find(|(k, _)| k == n) {
                let v = v.trim();
                if !v.is_empty() && v != "NULL" {
                    return Some(v);
                }
            }
        }
        None
    }
}

#[derive(Debug, Clone)]
struct Table {
    kind: TableKind,
    cols: Vec<String>,
    /// Header, border and footer lines.
    structure_lines: u32,
    rows: Vec<Row>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BoxStage {
    Header,
    AfterHeader,
    Rows,
}

#[derive(Debug)]
enum Open {
    None,
    Tsv,
    Boxed {
        cuts: Vec<usize>,
        stage: BoxStage,
        partial: Option<(u32, u64, u32, String)>,
    },
    Vertical {
        colon: Option<usize>,
    },
}

struct TablesParser {
    resolver: Resolver,
    ctx_time: Option<i64>,
    group_ts: Option<i64>,
    open: Open,
    table: Option<Table>,
    group: Vec<Table>,
    expect_time_value: bool,
    settle: Settlement,
}

fn ident_like(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty()
        && t.len() <= 64
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_()@.*,`".contains(c))
}

fn is_border(t: &str) -> bool {
    let t = t.trim_end();
    t.len() >= 3
        && t.starts_with('+')
        && t.ends_with('+')
        && t.bytes().all(|b| b == b'+' || b == b'-')
}

fn is_row_marker(t: &str) -> bool {
    let t = t.trim();
    t.starts_with("*****") && t.ends_with("*****") && t.contains(". row ")
}

fn is_footer(t: &str) -> bool {
    let t = t.trim();
    (t.contains(" in set") && (t.ends_with("sec)") || t.ends_with("sec).")))
        || t.starts_with("Empty set")
}

fn box_cells(text: &str, cuts: &[usize]) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let last = cuts.last().copied().unwrap_or(0);
    if chars.len() == last + 1 && cuts.iter().all(|&c| chars.get(c) == Some(&'|')) {
        return cuts
            .windows(2)
            .map(|w| {
                chars[w[0] + 1..w[1]]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string()
            })
            .collect();
    }
    // Wide characters or a value spanning lines: split on the bars.
    let inner = text.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

impl Format for MysqlLockTables {
    fn name(&self) -> &str {
        "mysql-lock-tables"
    }

    fn description(&self) -> &str {
        "INNODB_TRX/LOCKS/LOCK_WAITS, data_locks/data_lock_waits, sys.innodb_lock_waits, PROCESSLIST (TSV, boxed, \\G)"
    }

    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        // A header naming lock or processlist columns, in any of the three forms.
        // Only the names `kind_of` asks about are kept: sniffing reads
        // every file, and most lines with a tab or a ": " are not headers
        // (a copy of each of their cells, lower-cased, was most of the
        // sniffing of LTSV and JSON logs).
        let mut known = false;
        let mut vertical_keys: Vec<&str> = Vec::new();
        let mut cells: Vec<&str> = Vec::new();
        for l in sample.lines {
            let t = l.trim();
            cells.clear();
            if t.starts_with('|') {
                cells.extend(t.trim_matches('|').split('|').filter_map(kind_column));
            } else if t.contains('\t') {
                cells.extend(t.split('\t').filter_map(kind_column));
            } else if let Some((k, _)) = t.split_once(": ") {
                vertical_keys.extend(kind_column(k));
                continue;
            } else if let Some(k) = t.strip_suffix(':') {
                vertical_keys.extend(kind_column(k));
                continue;
            } else {
                continue;
            }
            if !matches!(kind_of(&cells), TableKind::Unknown | TableKind::Now) {
                known = true;
            }
        }
        if !matches!(kind_of(&vertical_keys), TableKind::Unknown | TableKind::Now)
            && sample.lines.iter().any(|l| is_row_marker(l))
        {
            known = true;
        }
        if !known {
            // pt-stalk writes a `TS` line per sample even when the query
            // returned nothing: a file of only those is an empty lock-waits file.
            let ts_only = !sample.lines.is_empty()
                && sample
                    .lines
                    .iter()
                    .all(|l| l.starts_with("TS ") && l.split(' ').count() >= 3);
            return if ts_only { 0.5 } else { 0.0 };
        }
        let f = sample.fraction(
            |l| l.trim().is_empty(),
            |l| {
                let t = l.trim();
                is_border(t)
                    || t.starts_with('|')
                    || l.contains('\t')
                    || is_row_marker(t)
                    || t.contains(": ")
                    || t.ends_with(':')
                    || is_footer(t)
                    || t.starts_with("TS ")
            },
        );
        0.9 * f
    }

    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(TablesParser {
            resolver: ctx.resolver,
            ctx_time: context_snapshot_time(ctx),
            group_ts: None,
            open: Open::None,
            table: None,
            group: Vec::new(),
            expect_time_value: false,
            settle: Settlement::default(),
        })
    }
}

impl TablesParser {
    fn close_table(&mut self, out: &mut dyn EventSink) {
        let open = std::mem::replace(&mut self.open, Open::None);
        if let Open::Boxed {
            partial: Some((line, offset, lines, text)),
            cuts,
            ..
        } = open
        {
            let cells = box_cells(&text, &cuts);
            self.push_row(line, offset, lines, cells);
        }
        let Some(mut t) = self.table.take() else {
            return;
        };
        if t.kind == TableKind::Unknown {
            t.kind = kind_of(&t.cols);
        }
        if t.kind == TableKind::Now {
            let ts = t
                .rows
                .first()
                .and_then(|r| r.cells.first())
                .and_then(|(_, v)| parse_datetime_cell(v, &self.resolver));
            if let Some(ts) = ts {
                self.flush_group(out);
                self.group_ts = Some(ts);
                let n =
                    t.structure_lines as u64 + t.rows.iter().map(|r| r.lines as u64).sum::<u64>();
                self.settle.continuation += n;
                return;
            }
            t.kind = TableKind::Unknown;
        }
        self.group.push(t);
    }

    fn push_row(&mut self, line: u32, offset: u64, lines: u32, values: Vec<String>) {
        let Some(t) = self.table.as_mut() else {
            return;
        };
        let cells = t.cols.iter().cloned().zip(values).collect();
        t.rows.push(Row {
            line,
            offset,
            lines,
            cells,
        });
    }

    fn start_table(&mut self, cols: Vec<String>, out: &mut dyn EventSink) {
        self.close_table(out);
        let kind = kind_of(&cols);
        self.table = Some(Table {
            kind,
            cols,
            structure_lines: 0,
            rows: Vec::new(),
        });
    }

    fn structure_line(&mut self) {
        if let Some(t) = self.table.as_mut() {
            t.structure_lines += 1;
        } else {
            self.settle.continuation += 1;
        }
    }

    fn skip(&mut self, reason: &'static str, n: u64) {
        if n == 0 {
            return;
        }
        if let Some(e) = self.settle.skipped.iter_mut().find(|(r, _)| *r == reason) {
            e.1 += n;
        } else {
            self.settle.skipped.push((reason, n));
        }
    }

    /// Emit the events of the snapshot's tables and settle their lines.
    fn flush_group(&mut self, out: &mut dyn EventSink) {
        let tables = std::mem::take(&mut self.group);
        if tables.is_empty() {
            return;
        }
        let snap_ts = self.group_ts.or(self.ctx_time);
        let mut used: Vec<Vec<bool>> = tables.iter().map(|t| vec![false; t.rows.len()]).collect();
        let mut starts: Vec<Vec<bool>> = used.clone();
        emit_group(
            &tables,
            snap_ts,
            &self.resolver,
            &mut used,
            &mut starts,
            out,
        );
        for (ti, t) in tables.iter().enumerate() {
            if t.kind == TableKind::Unknown {
                let n =
                    t.structure_lines as u64 + t.rows.iter().map(|r| r.lines as u64).sum::<u64>();
                self.skip(REASON_UNKNOWN_TABLE, n);
                continue;
            }
            let mut any = false;
            for (ri, r) in t.rows.iter().enumerate() {
                if used[ti][ri] || snap_ts.is_some() {
                    any = true;
                    if starts[ti][ri] {
                        self.settle.parsed += 1;
                        self.settle.continuation += r.lines.saturating_sub(1) as u64;
                    } else {
                        self.settle.continuation += r.lines as u64;
                    }
                } else {
                    self.skip(REASON_NO_SNAPSHOT_TIME, r.lines as u64);
                }
            }
            if any || t.rows.is_empty() {
                self.settle.continuation += t.structure_lines as u64;
            } else {
                self.skip(REASON_NO_SNAPSHOT_TIME, t.structure_lines as u64);
            }
        }
    }
}

/// What is known of one waiting transaction, merged across tables.
#[derive(Debug, Default, Clone)]
struct Wait {
    first: Option<(usize, usize)>,
    txn: String,
    pid: Option<i64>,
    statement: Option<String>,
    resource: Option<String>,
    table: Option<String>,
    mode: Option<String>,
    lock_type: Option<String>,
    lock_data: Option<String>,
    lock_id: Option<String>,
    wait_secs: Option<f64>,
    wait_started: Option<i64>,
    blockers: Vec<(Option<String>, Option<i64>)>,
    blocking_query: Option<String>,
    blocking_host: Option<String>,
    blocker_queries: Vec<(String, String)>,
    blocker_hosts: Vec<(String, String)>,
    blocking_mode: Option<String>,
    rows: Vec<(usize, usize)>,
}

fn parse_f64(v: Option<&str>) -> Option<f64> {
    v.and_then(|s| s.trim().parse::<f64>().ok())
}

fn parse_i64(v: Option<&str>) -> Option<i64> {
    v.and_then(|s| s.trim().parse::<i64>().ok())
}

/// `00:01:05` → 65.
fn hms_secs(v: &str) -> Option<f64> {
    let mut total = 0f64;
    let mut n = 0;
    for part in v.trim().split(':') {
        total = total * 60.0 + part.parse::<f64>().ok()?;
        n += 1;
    }
    (n == 3).then_some(total)
}

/// The table a statement works on (`ALTER TABLE x`, `UPDATE x`, `INSERT INTO x`, `FROM x`).
pub fn statement_table(sql: &str) -> Option<String> {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let up: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let mut i = 0;
    while i < up.len() {
        let next = match up[i].as_str() {
            "TABLE" | "INTO" | "FROM" | "TABLES" | "UPDATE" | "TRUNCATE" | "ON" => i + 1,
            _ => {
                i += 1;
                continue;
            }
        };
        let mut j = next;
        while j < up.len()
            && matches!(
                up[j].as_str(),
                "IF" | "EXISTS" | "NOT" | "LOW_PRIORITY" | "IGNORE" | "TABLE"
            )
        {
            j += 1;
        }
        if let Some(w) = words.get(j) {
            let name = w.trim_end_matches([';', ',', '(', ')']);
            let name = name.split('(').next().unwrap_or(name);
            if !name.is_empty() && !name.starts_with('(') {
                return Some(name.to_string());
            }
        }
        i += 1;
    }
    None
}

fn emit_group(
    tables: &[Table],
    snap_ts: Option<i64>,
    resolver: &Resolver,
    used: &mut [Vec<bool>],
    starts: &mut [Vec<bool>],
    out: &mut dyn EventSink,
) {
    let rows_of = |k: TableKind| {
        tables
            .iter()
            .enumerate()
            .filter(move |(_, t)| t.kind == k)
            .flat_map(|(ti, t)| t.rows.iter().enumerate().map(move |(ri, r)| ((ti, ri), r)))
    };
    // Lookups: trx → thread, lock id → lock row, pid → processlist row.
    let mut trx_thread: BTreeMap<String, i64> = BTreeMap::new();
    for (_, r) in rows_of(TableKind::Trx) {
        if let (Some(id), Some(th)) = (
            r.get(&["trx_id"]),
            parse_i64(r.get(&["trx_mysql_thread_id"])),
        ) {
            trx_thread.insert(id.to_string(), th);
        }
    }
    let mut locks: BTreeMap<String, ((usize, usize), &Row)> = BTreeMap::new();
    for (at, r) in rows_of(TableKind::IsLocks).chain(rows_of(TableKind::DataLocks)) {
        if let Some(id) = r.get(&["lock_id", "engine_lock_id"]) {
            locks.insert(id.to_string(), (at, r));
        }
    }
    let mut procs: BTreeMap<i64, &Row> = BTreeMap::new();
    for (_, r) in rows_of(TableKind::Processlist) {
        if let Some(id) = parse_i64(r.get(&["id"])) {
            procs.insert(id, r);
        }
    }
    let lock_facts = |w: &mut Wait, r: &Row| {
        let table = match (
            r.get(&["object_schema"]),
            r.get(&["lock_table", "object_name", "table"]),
        ) {
            (Some(db), Some(t)) => Some(normalize_table(&format!("`{db}`.`{t}`"))),
            (None, Some(t)) => Some(normalize_table(t)),
            _ => None,
        };
        if w.resource.is_none() {
            if let Some(t) = &table {
                w.resource = Some(lock_resource(
                    t,
                    r.get(&["lock_index", "index_name", "index"]),
                ));
                w.table = Some(t.clone());
            }
        }
        if w.mode.is_none() {
            w.mode = r.get(&["lock_mode", "mode"]).map(normalize_mode);
        }
        if w.lock_type.is_none() {
            w.lock_type = r.get(&["lock_type", "type"]).map(str::to_string);
        }
        if w.lock_data.is_none() {
            w.lock_data = r.get(&["lock_data", "data"]).map(str::to_string);
        }
    };
    let mut waits: Vec<Wait> = Vec::new();
    fn slot<'w>(waits: &'w mut Vec<Wait>, txn: &str, at: (usize, usize)) -> &'w mut Wait {
        let i = match waits.iter().position(|w| w.txn == txn) {
            Some(i) => i,
            None => {
                waits.push(Wait {
                    txn: txn.to_string(),
                    first: Some(at),
                    ..Wait::default()
                });
                waits.len() - 1
            }
        };
        &mut waits[i]
    }
    for (at, r) in rows_of(TableKind::SysWaits) {
        let Some(txn) = r
            .get(&["waiting_trx_id"])
            .or_else(|| r.get(&["waiting_pid"]))
        else {
            continue;
        };
        let w = slot(&mut waits, txn, at);
        w.rows.push(at);
        w.pid = w.pid.or(parse_i64(r.get(&[
            "waiting_pid",
            "waiting_thread",
            "waiting_thread_id",
        ])));
        w.statement = w
            .statement
            .clone()
            .or(r.get(&["waiting_query"]).map(str::to_string));
        if w.resource.is_none() {
            let table = match (
                r.get(&["locked_table_schema"]),
                r.get(&["locked_table_name"]),
            ) {
                (Some(db), Some(t)) => Some(normalize_table(&format!("`{db}`.`{t}`"))),
                _ => r
                    .get(&["locked_table"])
                    .or_else(|| r.get(&["waiting_table_lock"]))
                    .map(normalize_table),
            };
            if let Some(t) = table {
                w.resource = Some(lock_resource(&t, r.get(&["locked_index"])));
                w.table = Some(t);
            }
        }
        w.mode = w
            .mode
            .clone()
            .or(r.get(&["waiting_lock_mode"]).map(normalize_mode));
        w.lock_type = w
            .lock_type
            .clone()
            .or(r.get(&["locked_type"]).map(str::to_string));
        w.lock_id = w
            .lock_id
            .clone()
            .or(r.get(&["waiting_lock_id"]).map(str::to_string));
        w.wait_secs = w
            .wait_secs
            .or(parse_f64(r.get(&["wait_age_secs"])))
            .or(parse_f64(r.get(&["wait_time"])))
            .or(r.get(&["wait_age"]).and_then(hms_secs));
        w.wait_started = w.wait_started.or(r
            .get(&["wait_started"])
            .and_then(|v| parse_datetime_cell(v, resolver)));
        w.blockers.push((
            r.get(&["blocking_trx_id"]).map(str::to_string),
            parse_i64(r.get(&["blocking_pid", "blocking_thread", "blocking_thread_id"])),
        ));
        if let (Some(b), Some(q)) = (r.get(&["blocking_trx_id"]), r.get(&["blocking_query"])) {
            w.blocker_queries.push((b.to_string(), q.to_string()));
        }
        if let (Some(b), Some(h)) = (r.get(&["blocking_trx_id"]), r.get(&["blocking_host"])) {
            w.blocker_hosts.push((b.to_string(), h.to_string()));
        }
        w.blocking_mode = w
            .blocking_mode
            .clone()
            .or(r.get(&["blocking_lock_mode"]).map(normalize_mode));
    }
    for (at, r) in rows_of(TableKind::IsWaits).chain(rows_of(TableKind::DataLockWaits)) {
        let Some(txn) = r.get(&[
            "requesting_trx_id",
            "requesting_engine_transaction_id",
            "req_trx_id",
        ]) else {
            continue;
        };
        let blocker = r
            .get(&[
                "blocking_trx_id",
                "blocking_engine_transaction_id",
                "blk_trx_id",
            ])
            .map(str::to_string);
        let req_lock = r
            .get(&[
                "requested_lock_id",
                "requesting_engine_lock_id",
                "req_lock_id",
            ])
            .map(str::to_string);
        let blk_lock = r
            .get(&["blocking_lock_id", "blocking_engine_lock_id", "blk_lock_id"])
            .map(str::to_string);
        let w = slot(&mut waits, txn, at);
        w.rows.push(at);
        if !w.blockers.iter().any(|(b, _)| *b == blocker) {
            w.blockers.push((blocker, None));
        }
        if let Some(id) = &req_lock {
            w.lock_id = w.lock_id.clone().or(Some(id.clone()));
            if let Some((lat, lr)) = locks.get(id) {
                lock_facts(w, lr);
                w.rows.push(*lat);
            }
        }
        if let Some((lat, lr)) = blk_lock.as_ref().and_then(|id| locks.get(id)) {
            w.blocking_mode = w
                .blocking_mode
                .clone()
                .or(lr.get(&["lock_mode", "mode"]).map(normalize_mode));
            w.rows.push(*lat);
        }
    }
    // data_locks rows WAITING with no data_lock_waits row: infer the holder.
    let waiting_rows: Vec<((usize, usize), &Row)> = rows_of(TableKind::DataLocks)
        .filter(|(_, r)| r.get(&["lock_status", "status"]) == Some("WAITING"))
        .collect();
    for (at, r) in waiting_rows {
        let Some(txn) = r.get(&["engine_transaction_id", "trx_id"]) else {
            continue;
        };
        let known = waits.iter().any(|w| w.txn == txn);
        let w = slot(&mut waits, txn, at);
        if !w.rows.contains(&at) {
            w.rows.push(at);
        }
        lock_facts(w, r);
        if !known {
            let same = |o: &Row| {
                o.get(&["object_name", "table"]) == r.get(&["object_name", "table"])
                    && o.get(&["object_schema"]) == r.get(&["object_schema"])
                    && o.get(&["index_name", "index"]) == r.get(&["index_name", "index"])
                    && o.get(&["lock_data", "data"]) == r.get(&["lock_data", "data"])
                    && o.get(&["lock_type", "type"]) == r.get(&["lock_type", "type"])
            };
            for (_, o) in rows_of(TableKind::DataLocks) {
                let other = o.get(&["engine_transaction_id", "trx_id"]);
                if other != Some(txn)
                    && o.get(&["lock_status", "status"]) == Some("GRANTED")
                    && same(o)
                {
                    let b = other.map(str::to_string);
                    if !w.blockers.iter().any(|(x, _)| *x == b) {
                        w.blockers.push((b, None));
                    }
                }
            }
        }
    }
    for (at, r) in rows_of(TableKind::Trx) {
        if r.get(&["trx_state"]) != Some("LOCK WAIT") {
            continue;
        }
        let Some(txn) = r.get(&["trx_id"]) else {
            continue;
        };
        let w = slot(&mut waits, txn, at);
        if !w.rows.contains(&at) {
            w.rows.push(at);
        }
        w.pid = w.pid.or(parse_i64(r.get(&["trx_mysql_thread_id"])));
        w.statement = w
            .statement
            .clone()
            .or(r.get(&["trx_query"]).map(str::to_string));
        w.wait_started = w.wait_started.or(r
            .get(&["trx_wait_started"])
            .and_then(|v| parse_datetime_cell(v, resolver)));
        if let Some(id) = r.get(&["trx_requested_lock_id"]) {
            w.lock_id = w.lock_id.clone().or(Some(id.to_string()));
            if let Some((lat, lr)) = locks.get(id) {
                lock_facts(w, lr);
                if !w.rows.contains(lat) {
                    w.rows.push(*lat);
                }
            }
        }
    }
    // Granted lock rows and lock rows of blockers are part of the picture.
    for (at, _) in rows_of(TableKind::IsLocks).chain(rows_of(TableKind::DataLocks)) {
        if let Some(u) = used.get_mut(at.0).and_then(|t| t.get_mut(at.1)) {
            *u = snap_ts.is_some() || !waits.is_empty();
        }
    }
    // The head of the line first: a blocker that is not itself waiting holds the lock.
    let waiting_txns: Vec<String> = waits.iter().map(|w| w.txn.clone()).collect();
    for w in &mut waits {
        w.blockers
            .sort_by_key(|(t, _)| t.as_ref().is_some_and(|t| waiting_txns.contains(t)));
    }
    for w in &mut waits {
        if let Some((Some(first), _)) = w.blockers.first() {
            if let Some((_, q)) = w.blocker_queries.iter().find(|(t, _)| t == first) {
                w.blocking_query = Some(q.clone());
            }
            if let Some((_, h)) = w.blocker_hosts.iter().find(|(t, _)| t == first) {
                w.blocking_host = Some(h.clone());
            }
        }
        w.pid = w.pid.or_else(|| trx_thread.get(&w.txn).copied());
        for b in &mut w.blockers {
            if b.1.is_none() {
                b.1 = b.0.as_ref().and_then(|t| trx_thread.get(t).copied());
            }
        }
        // Observation time: the snapshot's, or (sys) wait start plus age.
        let ts = snap_ts
            .or_else(|| Some(w.wait_started? + (w.wait_secs? * MICROS as f64) as i64))
            .or(w.wait_started);
        let Some(ts) = ts else { continue };
        if w.wait_secs.is_none() {
            if let (Some(s), Some(started)) = (snap_ts, w.wait_started) {
                w.wait_secs = Some(((s - started) as f64 / MICROS as f64).max(0.0));
            }
        }
        let Some((ti, ri)) = w.first else { continue };
        let Some(row) = tables.get(ti).and_then(|t| t.rows.get(ri)) else {
            continue;
        };
        let mut e = Event::new(Kind::LockWait, ts, row.line, row.offset);
        e.line_count = row.lines;
        e.txn = Some(owned(w.txn.clone()));
        e.pid = w.pid;
        e.statement = w.statement.clone().map(owned);
        e.resource = w.resource.clone().map(owned);
        e.db = w.table.as_deref().and_then(table_db).map(owned);
        e.mode = w.mode.clone().map(owned);
        e.duration_ms = w.wait_secs.map(|s| s * 1000.0);
        if let Some((bt, bp)) = w.blockers.first() {
            e.blocker_txn = bt.clone().map(owned);
            e.blocker_pid = *bp;
        }
        e.holders = w.blockers.iter().filter_map(|(_, p)| *p).collect();
        if let Some(p) = w.pid.and_then(|p| procs.get(&p)) {
            e.user = p.get(&["user"]).map(owned);
            e.client = p.get(&["host"]).map(owned);
            if e.db.is_none() {
                e.db = p.get(&["db"]).map(owned);
            }
        }
        let mut attrs = vec![(owned("snapshot"), owned("lock-tables"))];
        for (k, v) in [
            ("lock_type", &w.lock_type),
            ("lock_data", &w.lock_data),
            ("lock_id", &w.lock_id),
            ("blocking_query", &w.blocking_query),
            ("blocking_host", &w.blocking_host),
            ("blocking_lock_mode", &w.blocking_mode),
        ] {
            if let Some(v) = v {
                attrs.push((owned(k), owned(v.clone())));
            }
        }
        if let Some(s) = w.wait_started {
            attrs.push((owned("wait_started"), owned(crate::time::format_utc(s))));
        }
        if snap_ts.is_none() {
            attrs.push((owned("ts_source"), owned("wait_started")));
        }
        if w.blockers.len() > 1 {
            let all: Vec<String> = w.blockers.iter().filter_map(|(t, _)| t.clone()).collect();
            attrs.push((owned("blocker_txns"), owned(all.join(","))));
        }
        e.attrs = attrs;
        e.message = owned(format!(
            "trx {} (thread {}) waiting{} for {}{}",
            w.txn,
            w.pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
            w.wait_secs
                .map(|s| format!(" {s:.0} s"))
                .unwrap_or_default(),
            w.resource.as_deref().unwrap_or("a lock"),
            match w.blockers.first() {
                Some((Some(t), _)) => format!(", blocked by trx {t}"),
                _ => String::new(),
            }
        ));
        for &(a, b) in &w.rows {
            if let Some(u) = used.get_mut(a).and_then(|t| t.get_mut(b)) {
                *u = true;
            }
        }
        if let Some(s) = starts.get_mut(ti).and_then(|t| t.get_mut(ri)) {
            *s = true;
        }
        out.push(e);
    }
    // One txn per INNODB_TRX row.
    for ((ti, ri), r) in rows_of(TableKind::Trx) {
        let started = r
            .get(&["trx_started"])
            .and_then(|v| parse_datetime_cell(v, resolver));
        let Some(ts) = snap_ts.or(started) else {
            continue;
        };
        let mut e = Event::new(Kind::Txn, ts, r.line, r.offset);
        e.line_count = r.lines;
        e.txn = r.get(&["trx_id"]).map(owned);
        e.pid = parse_i64(r.get(&["trx_mysql_thread_id"]));
        e.statement = r.get(&["trx_query"]).map(owned);
        if let (Some(s), Some(st)) = (snap_ts, started) {
            e.duration_ms = Some(((s - st) as f64 / 1000.0).max(0.0));
        }
        if let Some(p) = e.pid.and_then(|p| procs.get(&p)) {
            e.user = p.get(&["user"]).map(owned);
            e.client = p.get(&["host"]).map(owned);
            e.db = p.get(&["db"]).map(owned);
        }
        let mut attrs = vec![(owned("snapshot"), owned("lock-tables"))];
        for k in [
            "trx_state",
            "trx_operation_state",
            "trx_rows_locked",
            "trx_rows_modified",
            "trx_isolation_level",
        ] {
            if let Some(v) = r.get(&[k]) {
                attrs.push((owned(k), owned(v)));
            }
        }
        if let Some(st) = started {
            attrs.push((owned("trx_started"), owned(crate::time::format_utc(st))));
        }
        if snap_ts.is_none() {
            attrs.push((owned("ts_source"), owned("trx_started")));
        }
        e.attrs = attrs;
        e.message = owned(format!(
            "trx {} (thread {}) {}",
            e.txn.as_deref().unwrap_or("?"),
            e.pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
            r.get(&["trx_state"]).unwrap_or("")
        ));
        used[ti][ri] = true;
        starts[ti][ri] = true;
        out.push(e);
    }
    // Processlist rows: a log each, a lock_wait for table and metadata lock waits.
    let Some(ts) = snap_ts else { return };
    for ((ti, ri), r) in rows_of(TableKind::Processlist) {
        let state = r.get(&["state"]).unwrap_or("");
        let secs = parse_f64(r.get(&["time"]));
        let waiting = state == "Locked"
            || (state.starts_with("Waiting for") && state.ends_with("lock"))
            || state.starts_with("Waiting for table");
        let kind = if waiting { Kind::LockWait } else { Kind::Log };
        let mut e = Event::new(kind, ts, r.line, r.offset);
        e.line_count = r.lines;
        e.level = Some(Level::Info);
        e.pid = parse_i64(r.get(&["id"]));
        e.user = r.get(&["user"]).map(owned);
        e.client = r.get(&["host"]).map(owned);
        e.db = r.get(&["db"]).map(owned);
        e.statement = r.get(&["info"]).map(owned);
        let command = r.get(&["command"]).unwrap_or("");
        let mut attrs = vec![
            (owned("snapshot"), owned("processlist")),
            (owned("command"), owned(command)),
        ];
        if !state.is_empty() {
            attrs.push((owned("state"), owned(state)));
        }
        if let Some(s) = secs {
            attrs.push((owned("time_secs"), owned(format!("{s}"))));
        }
        if waiting {
            e.duration_ms = secs.map(|s| s * 1000.0);
            let table = r.get(&["info"]).and_then(statement_table).map(|t| {
                if t.contains('.') {
                    normalize_table(&t)
                } else {
                    normalize_table(&format!("{}.{}", r.get(&["db"]).unwrap_or(""), t))
                }
            });
            let meta = state.contains("metadata");
            e.resource = table
                .map(|t| {
                    if meta {
                        format!("{t} metadata lock")
                    } else {
                        t
                    }
                })
                .map(owned);
            attrs.push((
                owned("lock_type"),
                owned(if meta { "METADATA" } else { "TABLE" }),
            ));
            e.message = owned(format!(
                "thread {} {} for {} s",
                e.pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                state,
                secs.map(|s| s.to_string()).unwrap_or_else(|| "?".into())
            ));
        } else {
            e.message = owned(format!(
                "thread {} {} {} s{}",
                e.pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                command,
                secs.map(|s| s.to_string()).unwrap_or_else(|| "?".into()),
                if state.is_empty() {
                    String::new()
                } else {
                    format!(" ({state})")
                }
            ));
        }
        e.attrs = attrs;
        used[ti][ri] = true;
        starts[ti][ri] = true;
        out.push(e);
    }
}

impl LineParser for TablesParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let text = line.text;
        let t = text.trim_end();
        let tt = t.trim();
        // pt-stalk time line: a new snapshot.
        if tt.starts_with("TS ") {
            if let Some(ts) = parse_ts_line(tt, &self.resolver) {
                self.close_table(out);
                self.flush_group(out);
                self.group_ts = Some(ts);
                return Disposition::Continuation;
            }
        }
        if self.expect_time_value {
            self.expect_time_value = false;
            if let Some(ts) = parse_datetime_cell(tt, &self.resolver) {
                self.flush_group(out);
                self.group_ts = Some(ts);
                return Disposition::Continuation;
            }
        }
        if is_row_marker(tt) {
            // `1. row` opens a new result set (several `\G` queries in a row).
            let first = tt
                .trim_start_matches('*')
                .trim_start()
                .starts_with("1. row");
            if first || !matches!(self.open, Open::Vertical { .. }) {
                self.close_table(out);
                self.table = Some(Table {
                    kind: TableKind::Unknown,
                    cols: Vec::new(),
                    structure_lines: 0,
                    rows: Vec::new(),
                });
            }
            self.open = Open::Vertical { colon: None };
            if let Some(tb) = self.table.as_mut() {
                tb.rows.push(Row {
                    line: line.number,
                    offset: line.offset,
                    lines: 1,
                    cells: Vec::new(),
                });
            }
            return Disposition::Pending;
        }
        if let Open::Vertical { colon } = &mut self.open {
            let key_at = t
                .find(": ")
                .or_else(|| t.strip_suffix(':').map(|_| t.len() - 1));
            let is_key = match (key_at, *colon) {
                (Some(k), Some(c)) => k == c && ident_like(&t[..k]),
                (Some(k), None) => ident_like(&t[..k]),
                _ => false,
            };
            if let Some(tb) = self.table.as_mut() {
                if let Some(row) = tb.rows.last_mut() {
                    if is_key {
                        let k = key_at.unwrap_or(0);
                        *colon = Some(k);
                        let key = t[..k].trim().to_ascii_lowercase();
                        let val = t.get(k + 2..).unwrap_or("").to_string();
                        if !tb.cols.contains(&key) {
                            tb.cols.push(key.clone());
                        }
                        row.cells.push((key, val));
                        row.lines += 1;
                        return Disposition::Pending;
                    }
                    if !(is_border(tt) || is_footer(tt) || tt.starts_with("TS ")) {
                        if let Some((_, v)) = row.cells.last_mut() {
                            v.push('\n');
                            v.push_str(t);
                            row.lines += 1;
                            return Disposition::Pending;
                        }
                    }
                }
            }
            self.close_table(out);
        }
        if is_border(tt) {
            let cuts: Vec<usize> = tt
                .char_indices()
                .filter(|(_, c)| *c == '+')
                .map(|(i, _)| i)
                .collect();
            match &mut self.open {
                Open::Boxed { stage, .. } if *stage == BoxStage::AfterHeader => {
                    *stage = BoxStage::Rows;
                    self.structure_line();
                }
                Open::Boxed { stage, .. } if *stage == BoxStage::Rows => {
                    self.structure_line();
                    self.close_table(out);
                }
                _ => {
                    self.close_table(out);
                    self.open = Open::Boxed {
                        cuts,
                        stage: BoxStage::Header,
                        partial: None,
                    };
                    self.table = Some(Table {
                        kind: TableKind::Unknown,
                        cols: Vec::new(),
                        structure_lines: 1,
                        rows: Vec::new(),
                    });
                }
            }
            return Disposition::Pending;
        }
        if let Open::Boxed {
            cuts,
            stage,
            partial,
        } = &mut self.open
        {
            match stage {
                BoxStage::Header if tt.starts_with('|') => {
                    let cols: Vec<String> = box_cells(t, cuts)
                        .iter()
                        .map(|c| c.to_ascii_lowercase())
                        .collect();
                    *stage = BoxStage::AfterHeader;
                    if let Some(tb) = self.table.as_mut() {
                        tb.kind = kind_of(&cols);
                        tb.cols = cols;
                        tb.structure_lines += 1;
                    }
                    return Disposition::Pending;
                }
                BoxStage::Rows => {
                    if let Some((_, _, n, acc)) = partial.as_mut() {
                        acc.push('\n');
                        acc.push_str(t);
                        *n += 1;
                        if tt.ends_with('|') {
                            if let Some((l, o, n, acc)) = partial.take() {
                                let cells = box_cells(&acc, cuts);
                                self.push_row(l, o, n, cells);
                            }
                        }
                        return Disposition::Pending;
                    }
                    if tt.starts_with('|') {
                        if tt.ends_with('|') && tt.len() > 1 {
                            let cells = box_cells(t, cuts);
                            self.push_row(line.number, line.offset, 1, cells);
                        } else {
                            *partial = Some((line.number, line.offset, 1, t.to_string()));
                        }
                        return Disposition::Pending;
                    }
                }
                _ => {}
            }
            self.close_table(out);
        }
        // TSV.
        if t.contains('\t') {
            let cells: Vec<String> = t.split('\t').map(|c| c.to_string()).collect();
            let lower: Vec<String> = cells
                .iter()
                .map(|c| c.trim().to_ascii_lowercase())
                .collect();
            let header_like = lower.iter().all(|c| ident_like(c))
                && lower.iter().any(|c| KNOWN.contains(&c.as_str()));
            let same_width = matches!(self.open, Open::Tsv)
                && self
                    .table
                    .as_ref()
                    .is_some_and(|tb| tb.cols.len() == cells.len());
            if header_like {
                self.start_table(lower, out);
                self.open = Open::Tsv;
                if let Some(tb) = self.table.as_mut() {
                    tb.structure_lines += 1;
                }
                return Disposition::Pending;
            }
            if same_width {
                let vals = cells
                    .into_iter()
                    .map(|c| {
                        c.replace("\\n", "\n")
                            .replace("\\t", "\t")
                            .replace("\\\\", "\\")
                    })
                    .collect();
                self.push_row(line.number, line.offset, 1, vals);
                return Disposition::Pending;
            }
            self.close_table(out);
            return Disposition::Skipped(REASON_NOT_TABLE);
        }
        if matches!(self.open, Open::Tsv) {
            self.close_table(out);
        }
        if TIME_HEADERS.contains(&tt.to_ascii_lowercase().as_str()) {
            self.expect_time_value = true;
            return Disposition::Continuation;
        }
        if tt.is_empty()
            || is_footer(tt)
            || tt.starts_with("mysql>")
            || tt.starts_with("MariaDB [")
            || tt.starts_with("->")
        {
            return Disposition::Continuation;
        }
        Disposition::Skipped(REASON_NOT_TABLE)
    }

    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.close_table(out);
        self.flush_group(out);
        std::mem::take(&mut self.settle)
    }
}

#[cfg(test)]
mod tests;

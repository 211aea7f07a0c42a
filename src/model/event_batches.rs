//! The rows of events.parquet, a batch at a time: the timeline's columns as
//! the Arrow arrays `model/parquet_write.rs` writes, and how each column is
//! laid out in the file.
//!
//! Text columns are the costly part: the message text of a batch is one
//! slice of its column's buffer, copied once and checked as UTF-8 once,
//! and paths that are slices of their message are copied from its bytes.
//! Where a column does not hold together (a damaged mapped case), its
//! batch goes row by row, as reading the column does.

use super::parquet_write::{self as pq, Columns, Layout};
use super::pathcol::{OWN, place};
use super::timeline::{NO_BYTES, NO_INT, SymCol, TextCol, Timeline};
use pm_parsers::Level;
use polars_arrow::array::Array;
use polars_arrow::bitmap::MutableBitmap;

/// An Arrow array of any type.
type ArrayBox = Box<dyn Array>;

/// How the columns of events.parquet are laid out where polars' choice
/// does not suit them (see `model/parquet_write.rs`): free text plain, the
/// times of the sorted timeline and the positions within each file as
/// deltas, the string columns as the ids they are.
pub(crate) const LAYOUTS: [(&str, Layout); 8 + SymCol::ALL.len()] = {
    let mut layouts = [("", Layout::Ids); 8 + SymCol::ALL.len()];
    let fixed = [
        ("message", Layout::Text),
        ("path", Layout::Text),
        ("statement", Layout::Text),
        ("extra", Layout::Text),
        ("ts", Layout::Ascending),
        ("line", Layout::Ascending),
        ("offset", Layout::Ascending),
        ("attr_end", Layout::Ascending),
    ];
    let mut k = 0;
    while k < fixed.len() {
        layouts[k] = fixed[k];
        k += 1;
    }
    while k < layouts.len() {
        layouts[k] = (SymCol::ALL[k - fixed.len()].name(), Layout::Ids);
        k += 1;
    }
    layouts
};

/// Rows `rows` of the timeline as Arrow arrays, in the events.parquet
/// schema.
pub(crate) fn columns(t: &Timeline, rows: std::ops::Range<usize>) -> Columns {
    let n = rows.len();
    let r = rows.clone();
    let mut cols: Columns = Vec::with_capacity(40);
    cols.push(("ts", pq::values(t.ts[r.clone()].to_vec())));
    let kind = t.kind[r.clone()].iter().map(|k| k.code() as u32).collect();
    cols.push(("kind", pq::values::<u32>(kind)));
    let level = |l: Option<Level>| l.map_or(0, |l| l.code() as u32);
    cols.push(("level", pq::values(t.level.range_map(r.clone(), level))));
    cols.push(("source", pq::values(t.source[r.clone()].to_vec())));
    cols.push(("line", pq::values(t.line[r.clone()].to_vec())));
    cols.push(("offset", pq::values(t.offset[r.clone()].to_vec())));
    cols.push(("line_count", pq::values(t.line_count.range(r.clone()))));
    // Absent markers become nulls.
    let int = |p: &i64| *p != NO_INT;
    cols.push(("pid", pq::nullable(t.pid.range(r.clone()), int)));
    cols.push((
        "blocker_pid",
        pq::nullable(t.blocker_pid.range(r.clone()), int),
    ));
    let duration = t.duration_ms.range(r.clone());
    cols.push(("duration_ms", pq::nullable(duration, |d: &f32| !d.is_nan())));
    let status = t.status.range_map(r.clone(), u32::from);
    cols.push(("status", pq::nullable(status, |&s| s != 0)));
    cols.push((
        "bytes",
        pq::nullable(t.bytes.range(r.clone()), |&b| b != NO_BYTES),
    ));
    for c in SymCol::ALL {
        cols.push((c.name(), pq::values(t.syms[c as usize].range(r.clone()))));
    }
    cols.push(("message", message_array(&t.message, r.clone())));
    cols.push(("path", path_array(t, r.clone())));
    let statement = pq::text_array(n, |k, buf| put_text(buf, t.statement(r.start + k)));
    cols.push(("statement", statement));
    cols.push(("attr_end", pq::values(t.attrs.ends[r.clone()].to_vec())));
    // A cursor over the rows with rare fields, not a search per row.
    let mut next = t
        .extra_rows
        .partition_point(|&row| (row as usize) < r.start);
    let extra = pq::text_array(n, |k, buf| {
        if t.extra_rows.get(next) != Some(&((r.start + k) as u32)) {
            return false;
        }
        next += 1;
        t.extras.put_json(next - 1, buf)
    });
    cols.push(("extra", extra));
    // The batch has its own copy now: columns read in place (spilled
    // text, or the whole timeline once the ingest has written its column
    // file) are resident only while their batch is built.
    t.release_rows(r);
    cols
}

/// Append `text` to `buf`; whether there was any.
fn put_text(buf: &mut Vec<u8>, text: Option<&str>) -> bool {
    text.inspect(|s| buf.extend_from_slice(s.as_bytes()))
        .is_some()
}

/// Rows `rows` of the path column as an Arrow string array. Most paths
/// are a slice of their row's message: their bytes are copied straight
/// from the message text and the batch is checked as UTF-8 once. A batch
/// where that does not hold together (a damaged mapped case) goes row by
/// row, as reading the column does.
fn path_array(t: &Timeline, rows: std::ops::Range<usize>) -> ArrayBox {
    let n = rows.len();
    let at = t.path.at.range(rows.clone());
    let sliced = pq::try_text_array(n, |k, buf| {
        let i = rows.start + k;
        let bytes = match at[k] {
            OWN => t.path.own.get(i).map(str::as_bytes),
            at => t.message.bytes(i).and_then(|m| m.get(place(at))),
        };
        bytes
            .filter(|b| !b.is_empty())
            .inspect(|b| buf.extend_from_slice(b))
            .is_some()
    });
    sliced.unwrap_or_else(|| pq::text_array(n, |k, buf| put_text(buf, t.path(rows.start + k))))
}

/// Rows `rows` of the message column as an Arrow string array. Their text
/// lies end to end in the column's buffer, so it is copied in one piece and
/// checked as UTF-8 once; a column whose bytes are not UTF-8 (a damaged
/// mapped case) goes row by row, as reading it does (a bad row is absent).
fn message_array(col: &TextCol, rows: std::ops::Range<usize>) -> ArrayBox {
    let (text, all_ends) = col.raw();
    let n = rows.len();
    let whole = || -> Option<ArrayBox> {
        let ends = all_ends.get(rows.clone())?;
        let base = match rows.start {
            0 => 0,
            i => *all_ends.get(i - 1)?,
        };
        let mut offsets = Vec::with_capacity(n + 1);
        let mut validity = MutableBitmap::with_capacity(n);
        let mut last = base;
        offsets.push(0i64);
        for &e in ends {
            // Row ends only grow (an end that does not, in a damaged file,
            // reads as an empty row); an empty row is absent.
            validity.push(e > last);
            last = last.max(e);
            offsets.push(i64::try_from(last - base).ok()?);
        }
        let bytes = text.get(usize::try_from(base).ok()?..usize::try_from(last).ok()?)?;
        pq::string_array(offsets, bytes.to_vec(), validity)
    };
    if all_ends.is_empty() {
        return pq::text_array(n, |_, _| false);
    }
    whole().unwrap_or_else(|| pq::text_array(n, |k, buf| put_text(buf, col.get(rows.start + k))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::timeline::Extras;
    use pm_parsers::{Event, Kind};
    use polars_arrow::array::Utf8Array;
    use std::borrow::Cow;

    /// The rows of `array` as `Option<&str>`.
    fn strings(array: &dyn Array) -> Vec<Option<String>> {
        let a = array
            .as_any()
            .downcast_ref::<Utf8Array<i64>>()
            .expect("large strings");
        a.iter().map(|s| s.map(str::to_string)).collect()
    }

    /// The path column's batches hold every row's path as reading it
    /// gives: a slice of the message, text of its own, none; from any
    /// start.
    #[test]
    fn path_batches_are_the_rows_paths() {
        let mut t = Timeline::new();
        // A path found nowhere in its message keeps text of its own.
        let mut own = Event::new(Kind::LockWait, 1_685_598_600_000_000, 3, 120);
        own.message = Cow::Borrowed("セッション lock wait");
        own.path = Some(Cow::Borrowed("/api/注文"));
        t.push(0, &own);
        let mut slice = Event::new(Kind::Request, 1_685_598_601_000_000, 9, 999);
        slice.message = Cow::Borrowed("POST /checkout?step=2 HTTP/1.1");
        slice.path = Some(Cow::Borrowed("/checkout"));
        t.push(1, &slice);
        let mut none = Event::new(Kind::Request, 1_685_598_602_000_000, 10, 1200);
        none.message = Cow::Borrowed("GET - HTTP/1.1");
        t.push(1, &none);
        let mut inner = Event::new(Kind::Request, 1_685_598_603_000_000, 11, 1300);
        inner.message = Cow::Borrowed("GET /a/é/b HTTP/1.1");
        inner.path = Some(Cow::Borrowed("/a/é/b"));
        t.push(1, &inner);
        let want: Vec<Option<String>> = (0..4).map(|i| t.path(i).map(str::to_string)).collect();
        assert_eq!(
            want,
            vec![
                Some("/api/注文".to_string()),
                Some("/checkout".to_string()),
                None,
                Some("/a/é/b".to_string())
            ]
        );
        assert_eq!(strings(path_array(&t, 0..4).as_ref()), want);
        assert_eq!(strings(path_array(&t, 1..4).as_ref()), want[1..]);
        assert_eq!(strings(path_array(&t, 3..4).as_ref()), want[3..]);
    }

    /// The extra column's batches hold each row's rare fields as JSON,
    /// from any start; entries read from a file are written again as they
    /// decode, so a damaged one is written as `{}`.
    #[test]
    fn extra_batches_are_the_rows_rare_fields() {
        let mut t = Timeline::new();
        for k in 0..5_i64 {
            let mut e = Event::new(Kind::LockWait, 1_685_598_600_000_000 + k, k as u32 + 1, 0);
            if k % 2 == 1 {
                e.holders = vec![k];
                e.ids = vec![(Cow::Borrowed("order_id"), Cow::Owned(format!("8821{k}")))];
            }
            t.push(0, &e);
        }
        let extra = |t: &Timeline, rows: std::ops::Range<usize>| {
            let cols = columns(t, rows);
            let (_, a) = cols
                .iter()
                .find(|(name, _)| *name == "extra")
                .expect("extra");
            strings(a.as_ref())
        };
        let json = |k: i64| {
            Some(format!(
                r#"{{"holders":[{k}],"ids":[["order_id","8821{k}"]]}}"#
            ))
        };
        assert_eq!(extra(&t, 0..5), vec![None, json(1), None, json(3), None]);
        assert_eq!(extra(&t, 2..5), vec![None, json(3), None]);
        assert_eq!(extra(&t, 3..4), vec![json(3)]);
        // As a reopened case holds them: one damaged entry among good ones.
        let (raw, _) = t.extras.raw_parts();
        let damaged = String::from_utf8_lossy(raw).replacen("{", "[", 1);
        let ends = t.extras.raw_parts().1.to_vec();
        t.extras = Extras::lazy(damaged.into_bytes().into(), ends.into());
        assert_eq!(
            extra(&t, 0..5),
            vec![None, Some("{}".to_string()), None, json(3), None]
        );
    }

    /// The message column's batches are one slice of its text: rows from
    /// any start, empty rows absent, a column with no text all absent, and
    /// text that is not UTF-8 (a damaged mapped file) read row by row with
    /// only the bad row absent, as reading the column does.
    #[test]
    fn message_batches_are_the_rows_text() {
        let mut col = TextCol::default();
        for m in ["a", "", "héllo", "x", ""] {
            col.push(m);
        }
        let some = |v: &[Option<&str>]| v.iter().map(|s| s.map(str::to_string)).collect::<Vec<_>>();
        assert_eq!(
            strings(message_array(&col, 0..5).as_ref()),
            some(&[Some("a"), None, Some("héllo"), Some("x"), None])
        );
        assert_eq!(
            strings(message_array(&col, 2..4).as_ref()),
            some(&[Some("héllo"), Some("x")])
        );
        assert_eq!(strings(message_array(&col, 3..3).as_ref()), some(&[]));
        let mut empty = TextCol::default();
        for _ in 0..3 {
            empty.push("");
        }
        assert_eq!(
            strings(message_array(&empty, 1..3).as_ref()),
            some(&[None, None])
        );
        // "ok", then a row cut inside "é", then "fin".
        let bytes = b"ok\xc3fin".to_vec();
        let damaged = TextCol::from_raw(bytes.into(), vec![2u64, 3, 6].into(), 3).expect("parts");
        assert_eq!(
            strings(message_array(&damaged, 0..3).as_ref()),
            some(&[Some("ok"), None, Some("fin")])
        );
    }
}

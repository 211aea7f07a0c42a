//! `events.cols`: a case's timeline in pm-tui's own column layout, read in
//! place when the case is reopened.
//!
//! `events.parquet` is the case's portable copy of the events (polars,
//! DuckDB and pandas read it), but decoding it costs about half a second
//! per million events. This file holds the same columns exactly as the
//! [`Timeline`] keeps them in memory, each at an aligned offset, so
//! reopening maps the file and the columns borrow its pages ([`Buf`]):
//! nothing is decoded up front, and only the pages read are paged in.
//! Parquet stays the source of truth: a case without this file (deleted to
//! save disk, written by an older pm-tui) or with one that fails the checks
//! below reopens from Parquet.
//!
//! Layout (little-endian, native widths):
//!
//! ```text
//! magic "PMCOLS\0\0" · version u32 · byte-order mark u32 · rows u64 ·
//! sections u64 · then per section (offset u64, bytes u64) · then the
//! sections, each starting at a multiple of 64 bytes
//! ```
//!
//! When the ingest spilled the message text to disk (see `spill.rs`), that
//! file is linked into the case as `events.text` and
//! [`Section::MessageFile`] names it: the text is mapped from there, and
//! not copied into this file (378 MB of the mixed benchmark corpus). Where
//! it cannot be linked (no `O_TMPFILE`, not Linux) the text is copied here
//! as before.
//!
//! The sections, in order, are listed in [`Section`]. A sparse column
//! ([`Sparse`]) has two: its values and its marks. Stored dense it has one
//! value per row and no marks; stored marked, the values of the marked
//! rows and one bit per row (64 to a word; the rank is counted again on
//! reading, a pass over the marks alone). A sparse column that holds no
//! values, and a text column whose rows are all empty, has empty sections.
//!
//! What is checked on reading: the header, every section's bounds,
//! alignment and length against the row count, every kind and level code,
//! the string table's ends and the rows that have rare fields. The rest is
//! checked on use, so that opening reads nothing it does not need: text is
//! checked for UTF-8 when read ([`super::timeline::TextCol`],
//! [`Interner::get`]), row ends are bounds-checked, a string id the
//! strings do not hold reads as the empty string, and the rare fields'
//! JSON is decoded a chunk at a time when first asked for
//! ([`super::timeline::Extras`]; an entry that does not decode reads as
//! empty). The file is never changed in place (a case is
//! written into a temporary directory and renamed); a file cut short by
//! something else while mapped makes the next read of it fault (SIGBUS),
//! as with any mapped file: `crate::fault` then gives the terminal back,
//! says what happened and exits 1.

use super::buf::Buf;
use super::case::open_case_file;
use super::pathcol::PathCol;
use super::sparse::Sparse;
use super::timeline::{Extras, Interner, NO_BYTES, NO_INT, SymCol, TextCol, Timeline};
use anyhow::{Context, Result, bail};
use memmap2::Mmap;
use pm_parsers::{Kind, Level};
use std::borrow::Cow;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The file's name in a case directory.
pub const FILE_NAME: &str = "events.cols";

/// The name of the file beside it that holds the message text, when the
/// text was spilled to disk during the ingest: that file is linked into
/// the case rather than copied into this one ([`super::spill::link`]).
pub const TEXT_FILE_NAME: &str = "events.text";

const MAGIC: &[u8; 8] = b"PMCOLS\0\0";
/// Bumped whenever a section is added, removed or changes meaning: an
/// older or newer file is ignored (the case reopens from Parquet).
const VERSION: u32 = 3;
const BYTE_ORDER_MARK: u32 = 0x0102_0304;
const ALIGN: usize = 64;
/// Magic, version, byte-order mark, rows, section count.
const FIXED_HEADER: usize = 8 + 4 + 4 + 8 + 8;

/// The sections, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Ts,
    Kind,
    Source,
    Line,
    Offset,
    Level,
    LineCount,
    Pid,
    BlockerPid,
    DurationMs,
    Status,
    Bytes,
    /// The first of the 16 string-id columns, in [`SymCol::ALL`] order.
    Syms,
    MessageText = Section::Syms as isize + 16,
    MessageEnds,
    /// Where each row's path lies in its message ([`PathCol`]).
    PathAt,
    /// The paths kept as text of their own.
    PathText,
    PathEnds,
    StatementText,
    StatementEnds,
    AttrEnds,
    AttrPairs,
    ExtraRows,
    /// The rare fields of each extra row as JSON, end to end.
    Extras,
    ExtraEnds,
    StringText,
    StringEnds,
    /// Empty when the message text is in [`Section::MessageText`]; else the
    /// name of the file beside this one that holds it ([`TEXT_FILE_NAME`]):
    /// the ingest's spill file, linked instead of copied.
    MessageFile,
    /// The first of the sparse columns' marks, one section each, in the
    /// order of their value sections: level, line count, pid, blocker pid,
    /// duration, status, bytes, the 16 string columns, the path slices.
    Marks,
}

/// The sparse columns: level, six numeric, the string columns, the path
/// slices.
const SPARSE_COLUMNS: usize = 7 + SymCol::ALL.len() + 1;

pub(crate) const SECTIONS: usize = Section::Marks as usize + SPARSE_COLUMNS;

/// Bytes of a column written between two hand-backs of its pages.
const RELEASE_BYTES: usize = 8 << 20;

fn bytes_of<T: bytemuck::Pod>(v: &[T]) -> Cow<'_, [u8]> {
    Cow::Borrowed(bytemuck::cast_slice(v))
}

/// A column whose bytes are written as they are, and whose pages the
/// writer hands back behind it when they are read in place from a file
/// (a reopened case's, or a large ingest's: `filevec.rs`, `spill.rs`).
trait ColBytes {
    fn bytes(&self) -> &[u8];
    /// [`Buf::release`] of the values in `bytes`.
    fn release_bytes(&self, bytes: std::ops::Range<usize>);
}

impl<T: bytemuck::Pod> ColBytes for Buf<T> {
    fn bytes(&self) -> &[u8] {
        bytemuck::cast_slice(self)
    }

    fn release_bytes(&self, bytes: std::ops::Range<usize>) {
        let size = std::mem::size_of::<T>();
        self.release(bytes.start / size..bytes.end.div_ceil(size));
    }
}

/// One section to write.
enum Sec<'a> {
    /// Bytes made for the file (codes, JSON, names).
    Bytes(Cow<'a, [u8]>),
    /// A column's own bytes.
    Col(&'a dyn ColBytes),
}

impl Sec<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Sec::Bytes(b) => b,
            Sec::Col(c) => c.bytes(),
        }
    }

    fn len(&self) -> usize {
        self.bytes().len()
    }
}

/// A sparse column's two sections: its values and its marks.
fn sparse_sections<T: super::sparse::Cell + bytemuck::Pod>(c: &Sparse<T>) -> [Sec<'_>; 2] {
    let (vals, marks) = c.stored_bufs();
    [
        Sec::Col(vals),
        marks.map_or(Sec::Bytes(Cow::Borrowed(&[])), |m| Sec::Col(m)),
    ]
}

/// Write `t` to `path` (see the module docs), giving up when `stop` is set.
pub(crate) fn write(path: &Path, t: &Timeline, stop: &AtomicBool) -> Result<()> {
    let context = || format!("writing {}", path.display());
    let text_path = path.with_file_name(TEXT_FILE_NAME);
    let _ = fs::remove_file(&text_path);
    let linked = t
        .message
        .whole_file()
        .is_some_and(|f| super::spill::link(f, &text_path).is_ok());
    let (level, level_marks) = t.level.stored();
    let level: Vec<u8> = level.iter().map(|l| l.map_or(0, Level::code)).collect();
    let kind: Vec<u8> = t.kind.iter().map(|k| k.code()).collect();
    let (extras, extra_ends) = t.extras.raw_parts();
    let (string_text, string_ends) = t.strings.raw();
    let (msg, msg_ends) = t.message.raw_bufs();
    let (msg, msg_file) = match linked {
        true => (Sec::Bytes(Cow::Borrowed(&[])), TEXT_FILE_NAME.as_bytes()),
        false => (Sec::Col(msg), &[][..]),
    };
    let (path_text, path_ends) = t.path.own.raw_bufs();
    let (stmt, stmt_ends) = t.statement.raw_bufs();
    // Every sparse column but the level (its codes are written apart) and
    // the path slices: their values in place, their marks at the end, in
    // the same order.
    let numeric = vec![
        sparse_sections(&t.line_count),
        sparse_sections(&t.pid),
        sparse_sections(&t.blocker_pid),
        sparse_sections(&t.duration_ms),
        sparse_sections(&t.status),
        sparse_sections(&t.bytes),
    ];
    let syms: Vec<[Sec<'_>; 2]> = t.syms.iter().map(sparse_sections).collect();
    let [path_at, path_at_marks] = sparse_sections(&t.path.at);
    let (mut values, mut marks): (Vec<Sec<'_>>, Vec<Sec<'_>>) =
        numeric.into_iter().chain(syms).map(|[v, m]| (v, m)).unzip();
    let mut sections: Vec<Sec<'_>> = vec![
        Sec::Col(&t.ts),
        Sec::Bytes(Cow::Owned(kind)),
        Sec::Col(&t.source),
        Sec::Col(&t.line),
        Sec::Col(&t.offset),
        Sec::Bytes(Cow::Owned(level)),
    ];
    sections.append(&mut values);
    sections.extend([
        msg,
        Sec::Col(msg_ends),
        path_at,
        Sec::Col(path_text),
        Sec::Col(path_ends),
        Sec::Col(stmt),
        Sec::Col(stmt_ends),
        Sec::Col(&t.attrs.ends),
        Sec::Col(&t.attrs.pairs),
        Sec::Bytes(bytes_of(&t.extra_rows)),
        Sec::Bytes(Cow::Borrowed(extras)),
        Sec::Bytes(bytes_of(extra_ends)),
        Sec::Bytes(Cow::Borrowed(string_text)),
        Sec::Bytes(bytes_of(string_ends)),
        Sec::Bytes(Cow::Borrowed(msg_file)),
    ]);
    debug_assert_eq!(sections.len(), Section::Marks as usize);
    sections.push(Sec::Bytes(bytes_of(level_marks)));
    sections.append(&mut marks);
    sections.push(path_at_marks);
    debug_assert_eq!(sections.len(), SECTIONS);
    let align = |n: usize| n.div_ceil(ALIGN) * ALIGN;
    let mut header = Vec::with_capacity(FIXED_HEADER + 16 * sections.len());
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&VERSION.to_le_bytes());
    header.extend_from_slice(&BYTE_ORDER_MARK.to_ne_bytes());
    header.extend_from_slice(&(t.len() as u64).to_le_bytes());
    header.extend_from_slice(&(sections.len() as u64).to_le_bytes());
    let mut at = align(FIXED_HEADER + 16 * sections.len());
    for s in &sections {
        header.extend_from_slice(&(at as u64).to_le_bytes());
        header.extend_from_slice(&(s.len() as u64).to_le_bytes());
        at = align(at + s.len());
    }
    let file = fs::File::create(path).with_context(context)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let zeros = [0u8; ALIGN];
    let mut written = header.len();
    out.write_all(&header).with_context(context)?;
    for s in &sections {
        if stop.load(Ordering::Relaxed) {
            bail!("interrupted");
        }
        out.write_all(&zeros[..align(written) - written])
            .with_context(context)?;
        written = align(written);
        let bytes = s.bytes();
        match s {
            // A column read in place from a file is handed back behind the
            // copy, a stretch at a time.
            Sec::Col(col) => {
                for at in (0..bytes.len()).step_by(RELEASE_BYTES) {
                    let end = bytes.len().min(at + RELEASE_BYTES);
                    out.write_all(&bytes[at..end]).with_context(context)?;
                    col.release_bytes(at..end);
                }
            }
            Sec::Bytes(_) => out.write_all(bytes).with_context(context)?,
        }
        written += bytes.len();
    }
    out.flush().with_context(context)?;
    Ok(())
}

/// The header of a mapped file: the row count and each section's range.
struct Header {
    rows: usize,
    ranges: Vec<(usize, usize)>,
}

fn header(map: &[u8]) -> Result<Header> {
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(map.get(at..at + 4)?.try_into().ok()?))
    };
    let u64_at = |at: usize| -> Option<usize> {
        let v = u64::from_le_bytes(map.get(at..at + 8)?.try_into().ok()?);
        usize::try_from(v).ok()
    };
    if map.get(..8) != Some(MAGIC.as_slice()) {
        bail!("not a pm-tui column file");
    }
    let version = u32_at(8).unwrap_or(0);
    if version != VERSION {
        bail!("column file version {version}, this pm-tui reads {VERSION}");
    }
    let mark = map
        .get(12..16)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_ne_bytes);
    if mark != Some(BYTE_ORDER_MARK) {
        bail!("written on a machine of another byte order");
    }
    let (Some(rows), Some(n)) = (u64_at(16), u64_at(24)) else {
        bail!("header cut short");
    };
    if n != SECTIONS {
        bail!("{n} sections, expected {SECTIONS}");
    }
    let mut ranges = Vec::with_capacity(n);
    for k in 0..n {
        let at = FIXED_HEADER + 16 * k;
        let (Some(start), Some(len)) = (u64_at(at), u64_at(at + 8)) else {
            bail!("section table cut short");
        };
        if start.checked_add(len).is_none_or(|end| end > map.len()) {
            bail!("section {k} lies outside the file");
        }
        ranges.push((start, len));
    }
    Ok(Header { rows, ranges })
}

/// Read the timeline in `path` (see the module docs for what is checked).
pub(crate) fn read(path: &Path) -> Result<Timeline> {
    let file = open_case_file(path).with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: a case's files are written once, into a temporary directory
    // renamed into place, and never changed in place afterwards (a new
    // ingest replaces the directory; the old file lives on while mapped).
    // See the module docs for the one hazard left (another program
    // truncating the file) and `crate::fault` for what pm-tui does then.
    let map = Arc::new(
        unsafe { Mmap::map(&file) }.with_context(|| format!("mapping {}", path.display()))?,
    );
    let h = header(&map)?;
    let rows = h.rows;
    let sec = |s: Section| h.ranges[s as usize];
    fn buf<T: bytemuck::Pod>(
        map: &Arc<Mmap>,
        (start, len): (usize, usize),
        what: &str,
    ) -> Result<Buf<T>> {
        Buf::mapped(map, start, len)
            .with_context(|| format!("{what}: misaligned or not whole values"))
    }
    let exactly = |len: usize, what: &str| -> Result<()> {
        if len != rows {
            bail!("{what}: {len} values for {rows} rows");
        }
        Ok(())
    };
    /// Sparse column `k` (see [`Section::Marks`]), whose values are in
    /// section number `vals`.
    fn sparse<T: super::sparse::Cell + bytemuck::Pod>(
        map: &Arc<Mmap>,
        h: &Header,
        (vals, k): (usize, usize),
        absent: T,
        what: &str,
    ) -> Result<Sparse<T>> {
        let vals: Buf<T> = buf(map, h.ranges[vals], what)?;
        let marks: Buf<u64> = buf(map, h.ranges[Section::Marks as usize + k], what)?;
        Sparse::from_stored(vals, marks, h.rows, absent)
            .with_context(|| format!("{what}: the values do not fit the marks or the rows"))
    }
    // The numeric sparse columns' value sections follow the level's, as
    // their marks follow the level's marks.
    let column = |s: Section| (s as usize, s as usize - Section::Level as usize);
    let raw = |s: Section| -> &[u8] {
        let (start, len) = sec(s);
        &map[start..start + len]
    };

    let strings = Interner::from_raw(
        buf(&map, sec(Section::StringText), "strings")?,
        buf(&map, sec(Section::StringEnds), "string ends")?,
    )
    .context("the string ends do not fit the strings")?;

    let ts: Buf<i64> = buf(&map, sec(Section::Ts), "ts")?;
    exactly(ts.len(), "ts")?;
    let kind: Vec<Kind> = raw(Section::Kind)
        .iter()
        .map(|&c| Kind::from_code(c))
        .collect::<Option<_>>()
        .context("an unknown event kind")?;
    if kind.len() != rows {
        bail!("kind: {} values for {rows} rows", kind.len());
    }
    let level: Vec<Option<Level>> = raw(Section::Level)
        .iter()
        .map(|&c| match c {
            0 => Some(None),
            c => Level::from_code(c).map(Some),
        })
        .collect::<Option<_>>()
        .context("an unknown level")?;
    let level = Sparse::from_stored(
        level.into(),
        buf(&map, sec(Section::Marks), "level")?,
        rows,
        None,
    )
    .context("level: the values do not fit the marks or the rows")?;
    let source: Buf<u32> = buf(&map, sec(Section::Source), "source")?;
    exactly(source.len(), "source")?;
    let line: Buf<u32> = buf(&map, sec(Section::Line), "line")?;
    exactly(line.len(), "line")?;
    let offset: Buf<u64> = buf(&map, sec(Section::Offset), "offset")?;
    exactly(offset.len(), "offset")?;

    let mut syms: [Sparse<u32>; 16] = std::array::from_fn(|_| Sparse::new(0));
    for (k, c) in SymCol::ALL.iter().enumerate() {
        syms[k] = sparse(&map, &h, (Section::Syms as usize + k, 7 + k), 0, c.name())?;
    }
    let pairs: Buf<[u32; 2]> = buf(&map, sec(Section::AttrPairs), "attribute pairs")?;
    let attr_ends: Buf<u32> = buf(&map, sec(Section::AttrEnds), "attribute ends")?;
    exactly(attr_ends.len(), "attribute ends")?;

    let text = |t: Section, e: Section, what: &str| -> Result<TextCol> {
        let ends: Buf<u64> = buf(&map, sec(e), what)?;
        let bytes: Buf<u8> = buf(&map, sec(t), what)?;
        TextCol::from_raw(bytes, ends, rows)
            .with_context(|| format!("{what}: row ends do not match the rows"))
    };
    let message = match raw(Section::MessageFile) {
        [] => text(Section::MessageText, Section::MessageEnds, "message")?,
        name if name == TEXT_FILE_NAME.as_bytes() => {
            let text_path = path.with_file_name(TEXT_FILE_NAME);
            let opening = || format!("opening {}", text_path.display());
            let file = open_case_file(&text_path).with_context(opening)?;
            // SAFETY: as for this file (see `read`'s first mapping).
            let text_map = Arc::new(unsafe { Mmap::map(&file) }.with_context(opening)?);
            let bytes = Buf::mapped(&text_map, 0, text_map.len()).context("message text")?;
            let ends: Buf<u64> = buf(&map, sec(Section::MessageEnds), "message")?;
            TextCol::from_raw(bytes, ends, rows)
                .context("message: row ends do not match the rows")?
        }
        _ => bail!("message text: the file it names is not {TEXT_FILE_NAME}"),
    };
    let path_own = text(Section::PathText, Section::PathEnds, "path")?;
    let path_col = PathCol::from_parts(
        buf(&map, sec(Section::PathAt), "path")?,
        buf(
            &map,
            h.ranges[Section::Marks as usize + SPARSE_COLUMNS - 1],
            "path",
        )?,
        path_own,
    )
    .context("path: slices do not match the marks or the rows")?;
    let statement = text(Section::StatementText, Section::StatementEnds, "statement")?;

    let extra_rows: Vec<u32> = buf::<u32>(&map, sec(Section::ExtraRows), "extra rows")?.to_vec();
    let extras = Extras::lazy(
        buf(&map, sec(Section::Extras), "extras")?,
        buf(&map, sec(Section::ExtraEnds), "extra ends")?,
    );
    let ascending = extra_rows.windows(2).all(|w| w[0] < w[1]);
    if extras.len() != extra_rows.len()
        || !ascending
        || extra_rows.last().is_some_and(|&r| r as usize >= rows)
    {
        bail!("the rare fields do not match their rows");
    }

    let mut t = Timeline {
        ts,
        kind,
        source,
        line,
        offset,
        level,
        line_count: sparse(&map, &h, column(Section::LineCount), 1, "line count")?,
        pid: sparse(&map, &h, column(Section::Pid), NO_INT, "pid")?,
        blocker_pid: sparse(&map, &h, column(Section::BlockerPid), NO_INT, "blocker pid")?,
        duration_ms: sparse(&map, &h, column(Section::DurationMs), f32::NAN, "duration")?,
        status: sparse(&map, &h, column(Section::Status), 0, "status")?,
        bytes: sparse(&map, &h, column(Section::Bytes), NO_BYTES, "bytes")?,
        syms,
        message,
        path: path_col,
        statement,
        extra_rows,
        extras,
        strings,
        ..Timeline::default()
    };
    t.attrs.ends = attr_ends;
    t.attrs.pairs = pairs;
    Ok(t)
}

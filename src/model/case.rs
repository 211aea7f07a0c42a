//! The case store: a directory holding one ingest's timeline and findings.
//!
//! ```text
//! pm-case/
//!   case.json          version, zone, inputs, sources with their accounting
//!   events.parquet     the timeline, one row per event (string columns as ids)
//!   strings.parquet    the interned strings, row n = id n
//!   attrs.parquet      every event's free-form attributes as (key, value)
//!                      string ids; events.parquet's `attr_end` says where
//!                      each event's pairs end
//!   events.cols        the same events, strings and attributes in
//!                      pm-tui's own column layout, mapped on reopening
//!                      (a cache: without it the case reopens from Parquet)
//!   events.text        its message text, when the ingest spilled that to
//!                      disk: the spill file itself, linked, not a copy
//!   findings.json      the analyzers' findings, ranked
//!   annotations.json   the responder's marks and notes
//! ```
//!
//! A case is written to a hidden temporary directory beside its target and
//! renamed into place, so an interrupted ingest never leaves half a case and
//! the previous case stays intact until the new one is complete.

use super::colfile;
use super::event_batches;
use super::finding::{Annotation, Finding};
use super::parquet_write::{self as pq, Columns, Layout, RowGroupWriter};
use super::source::SourceReport;
use super::timeline::{Extra, Interner, NO_BYTES, NO_INT, Sym, SymCol, Timeline};
use anyhow::{Context, Result, bail};
use pm_parsers::{Kind, Level};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The case format version this build writes and reads.
/// 2: attributes moved from the `extra` JSON to attrs.parquet.
pub const CASE_VERSION: u32 = 2;

/// `case.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseMeta {
    /// Case format version.
    pub version: u32,
    /// The pm-tui that wrote it.
    pub created_by: String,
    /// When (RFC 3339 UTC).
    pub created: String,
    /// The zone naive timestamps were read in (`Asia/Tokyo`, `+09:00`).
    pub zone: String,
    /// Where that zone came from: `--tz`, `TZ`, or `system`.
    pub zone_source: String,
    /// The paths given to ingest.
    pub inputs: Vec<String>,
    /// Number of events.
    pub events: u64,
    /// First event time (RFC 3339 UTC).
    pub first_ts: Option<String>,
    /// Last event time (RFC 3339 UTC).
    pub last_ts: Option<String>,
    /// Every input file with its accounting.
    pub sources: Vec<SourceReport>,
}

/// A case in memory.
#[derive(Debug, Clone)]
pub struct Case {
    /// `case.json`.
    pub meta: CaseMeta,
    /// The events.
    pub timeline: Timeline,
    /// The findings, ranked.
    pub findings: Vec<Finding>,
    /// The responder's annotations.
    pub annotations: Vec<Annotation>,
}

/// The codec of events.parquet. LZ4 (the `LZ4_RAW` of the Parquet spec,
/// read by Arrow, DuckDB, Spark and polars) compresses the access log of
/// BENCHMARKS.md to 83 MB where zstd made 55 MB, in much less time: zstd on
/// the thread writing Parquet was its longest part, and that thread is
/// the longest after the parse (about 0.5 s of 5 s on the 512 MiB nginx
/// log). The small files keep zstd.
const EVENTS_CODEC: ParquetCompression = ParquetCompression::Lz4Raw;

/// Rows per row group of events.parquet, and per frame built to write it:
/// the copy made for writing is one batch, not the whole timeline.
const WRITE_BATCH: usize = 64 * 1024;

/// Write the timeline to `path` in batches of [`WRITE_BATCH`] rows,
/// giving up when `stop` is set.
fn write_events(path: &Path, t: &Timeline, stop: &AtomicBool) -> Result<()> {
    write_event_batches(path, t.len(), stop, |rows| event_batches::columns(t, rows))
}

/// events.parquet's `n` rows, as `batch` gives them (see [`write_batched`]).
fn write_event_batches(
    path: &Path,
    n: usize,
    stop: &AtomicBool,
    batch: impl Fn(std::ops::Range<usize>) -> Columns,
) -> Result<()> {
    let layouts = &event_batches::LAYOUTS;
    write_batched(path, n, EVENTS_CODEC, layouts, stop, batch)
}

/// Write the `n` rows `batch` gives, [`WRITE_BATCH`] at a time (one row
/// group each), to a Parquet file at `path`, the columns named in
/// `layouts` laid out as they say, giving up when `stop` is set: only one
/// batch is ever copied out of the timeline.
fn write_batched(
    path: &Path,
    n: usize,
    codec: ParquetCompression,
    layouts: &[(&str, Layout)],
    stop: &AtomicBool,
    batch: impl Fn(std::ops::Range<usize>) -> Columns,
) -> Result<()> {
    let mut out = create_buffered(path)?;
    let first = batch(0..n.min(WRITE_BATCH));
    let context = || format!("writing {}", path.display());
    let writer = RowGroupWriter::new(&mut out, &first, codec, layouts);
    let mut writer = anyhow::Context::with_context(writer, context)?;
    anyhow::Context::with_context(writer.write(first), context)?;
    let mut start = WRITE_BATCH;
    while start < n {
        if stop.load(Ordering::Relaxed) {
            bail!("interrupted");
        }
        let columns = batch(start..n.min(start + WRITE_BATCH));
        anyhow::Context::with_context(writer.write(columns), context)?;
        start += WRITE_BATCH;
    }
    anyhow::Context::with_context(writer.finish(), context)?;
    out.flush().with_context(context)
}

/// The timeline `current` holds now.
fn latest(current: &Mutex<Arc<Timeline>>) -> Arc<Timeline> {
    current
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// What the writing thread `writer` gave (a panic in it is an error).
fn joined(writer: std::thread::ScopedJoinHandle<'_, Result<()>>) -> Result<()> {
    writer
        .join()
        .unwrap_or_else(|_| Err(anyhow::anyhow!("writing the case failed unexpectedly")))
}

/// Create `path` for writing through a buffer. polars' Parquet writer
/// writes each page header and page straight to its writer: on a bare
/// file that was 215,000 `write` calls of 400 bytes for the 512 MiB
/// nginx log of BENCHMARKS.md.
fn create_buffered(path: &Path) -> Result<io::BufWriter<fs::File>> {
    let file = fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(io::BufWriter::with_capacity(1 << 20, file))
}

/// Open a file of a case for reading, refusing anything but a regular file:
/// a FIFO in a case directory (planted, or a copy gone wrong) would block
/// the open forever, and a device would be read as if it were the file.
pub(crate) fn open_case_file(path: &Path) -> io::Result<fs::File> {
    if !fs::metadata(path)?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    fs::File::open(path)
}

/// [`open_case_file`], read whole as text.
fn read_case_text(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    io::Read::read_to_string(&mut open_case_file(path)?, &mut text)?;
    Ok(text)
}

fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = open_case_file(path).with_context(|| format!("opening {}", path.display()))?;
    let read = ParquetReader::new(file).finish();
    anyhow::Context::with_context(read, || {
        format!("reading {} (the case may be corrupt)", path.display())
    })
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}

/// Write `bytes` to `path` atomically (temp file + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|s| s.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

fn sibling(dir: &Path, tag: &str) -> PathBuf {
    let name = dir
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("pm-case");
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    parent.join(format!(".{name}.{tag}-{}", std::process::id()))
}

/// A case being written: a hidden temporary sibling of its directory that
/// takes the events first (the biggest part, written while the analysis
/// runs) and the findings and `case.json` last, then is renamed into
/// place. Until [`StagedCase::commit`] the previous case, if any, is
/// untouched; [`StagedCase::abandon`] (or an error) removes the temporary.
#[derive(Debug)]
pub struct StagedCase {
    dir: PathBuf,
    tmp: PathBuf,
    column_file: ColumnFile,
}

/// Whether [`StagedCase::write_events`] still writes the column file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnFile {
    /// Beside the Parquet files.
    Write,
    /// Not at all: left out on request, or already written (or failed) by
    /// [`StagedCase::write_column_file`].
    Skip,
}

impl StagedCase {
    /// Start writing a case to `dir`. Refuses a `dir` that exists and is
    /// neither a case nor empty.
    pub fn begin(dir: &Path) -> Result<StagedCase> {
        if dir.exists() && !is_case_dir(dir) {
            let empty = fs::read_dir(dir)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty {
                bail!(
                    "{} exists and is not a pm-tui case; choose another output with -o",
                    dir.display()
                );
            }
        }
        clean_stale_temporaries(dir);
        let tmp = sibling(dir, "tmp");
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        Ok(StagedCase {
            dir: dir.to_path_buf(),
            tmp,
            column_file: ColumnFile::Write,
        })
    }

    /// Leave out the column file: the case holds Parquet and JSON only and
    /// reopens from Parquet.
    pub fn without_column_file(self) -> StagedCase {
        StagedCase {
            column_file: ColumnFile::Skip,
            ..self
        }
    }

    /// Write the column file alone, before anything else, and read the
    /// timeline back from it in place, as reopening the case will: the
    /// caller drops its own copy and analyses and writes the rest from this
    /// one, whose columns are paged in as they are read and handed back
    /// behind the scans that stream them (`Timeline::release_rows`). That
    /// takes the timeline out of the process's memory for the analysis and
    /// the Parquet write, which came on top of it (the peak of an ingest).
    ///
    /// `None` when the column file is left out, or could not be written
    /// or read back (it is a cache: the case is complete without it, and
    /// the caller goes on with its own copy), and on Windows (see below).
    /// An error only when `stop` was set.
    pub fn write_column_file(
        &mut self,
        t: &Timeline,
        stop: &AtomicBool,
    ) -> Result<Option<Timeline>> {
        // Windows may refuse to rename a directory while a file in it is
        // mapped, and the case is renamed into place at the end (pm-tui is
        // untested there): the column file is written beside the Parquet
        // files instead, as before.
        if self.column_file == ColumnFile::Skip || cfg!(windows) {
            return Ok(None);
        }
        self.column_file = ColumnFile::Skip;
        self.column_file_read_back(t, stop)
    }

    /// [`StagedCase::write_column_file`] once it is decided to write it.
    fn column_file_read_back(&self, t: &Timeline, stop: &AtomicBool) -> Result<Option<Timeline>> {
        let cols = self.tmp.join(colfile::FILE_NAME);
        let written = colfile::write(&cols, t, stop);
        if stop.load(Ordering::Relaxed) {
            bail!("interrupted");
        }
        match written.and_then(|()| colfile::read(&cols)) {
            Ok(mut mapped) if mapped.len() == t.len() => {
                mapped.extras.trust_as(&t.extras);
                Ok(Some(mapped))
            }
            _ => {
                let _ = fs::remove_file(&cols);
                let _ = fs::remove_file(self.tmp.join(colfile::TEXT_FILE_NAME));
                Ok(None)
            }
        }
    }

    /// The rest of an ingest once its timeline is built, for `pm-tui
    /// ingest` and `pm-tui open` alike: the column file and the timeline
    /// read back from it ([`StagedCase::write_column_file`]), then
    /// `analyse` on that timeline, and beside both, on a thread of its own,
    /// the Parquet files.
    ///
    /// The Parquet write starts from the built timeline while the column
    /// file is written (that is mostly the kernel copying pages on one
    /// core; the Parquet write used to wait for it with the other core
    /// idle), and goes on from the timeline read back at its next batch:
    /// the built one, whose strings and small columns are in the process's
    /// memory, is dropped then and its memory given back, so the analysis
    /// and the rest of the write read mapped columns that are paged in as
    /// they are read and handed back behind them (`Timeline::release_rows`).
    /// The two hold the same events, so the file is the same either way.
    ///
    /// Returns the timeline the case keeps, what `analyse` gave, and how
    /// the write went; an error only when `stop` was set before the column
    /// file was done.
    pub fn write_beside<A>(
        &mut self,
        timeline: Timeline,
        stop: &AtomicBool,
        analyse: impl FnOnce(&Timeline) -> A,
    ) -> Result<(Timeline, A, Result<()>)> {
        if self.column_file == ColumnFile::Skip || cfg!(windows) {
            // No column file to write first (see `write_column_file`).
            let this = &*self;
            let (found, written) = std::thread::scope(|s| {
                let writer = s.spawn(|| this.write_events(&timeline, stop));
                let found = analyse(&timeline);
                crate::memory::release_freed_memory();
                (found, joined(writer))
            });
            return Ok((timeline, found, written));
        }
        self.column_file = ColumnFile::Skip;
        let current = Mutex::new(Arc::new(timeline));
        let this = &*self;
        let (found, written) = std::thread::scope(|s| {
            let writer = s.spawn(|| this.write_parquet_following(&current, stop));
            let built = latest(&current);
            let found = this.column_file_read_back(&built, stop).map(|mapped| {
                let t = match mapped {
                    Some(mapped) => {
                        let mapped = Arc::new(mapped);
                        *current.lock().unwrap_or_else(PoisonError::into_inner) = mapped.clone();
                        drop(built);
                        crate::memory::release_freed_memory();
                        mapped
                    }
                    None => built,
                };
                let found = analyse(&t);
                crate::memory::release_freed_memory();
                found
            });
            (found, joined(writer))
        });
        let found = found?;
        let shared = current.into_inner().unwrap_or_else(PoisonError::into_inner);
        // Both threads are done with it, so this is the last reference.
        let timeline = Arc::try_unwrap(shared).unwrap_or_else(|shared| (*shared).clone());
        Ok((timeline, found, written))
    }

    /// Write the events, their strings and attributes (safe to run on
    /// another thread than the analysis reading the same timeline): the
    /// Parquet files, and beside them, on a thread of its own (it is mostly
    /// the kernel copying pages), the column file reopening maps. That one
    /// is a cache: if it cannot be written the case is still complete.
    pub fn write_events(&self, t: &Timeline, stop: &AtomicBool) -> Result<()> {
        let cols = self.tmp.join(colfile::FILE_NAME);
        if self.column_file == ColumnFile::Skip {
            return self.write_parquet_events(t, stop);
        }
        std::thread::scope(|s| {
            let cache = s.spawn(|| colfile::write(&cols, t, stop));
            let parquet = self.write_parquet_events(t, stop);
            if !matches!(cache.join(), Ok(Ok(()))) {
                let _ = fs::remove_file(&cols);
                let _ = fs::remove_file(self.tmp.join(colfile::TEXT_FILE_NAME));
            }
            parquet
        })
    }

    fn write_parquet_events(&self, t: &Timeline, stop: &AtomicBool) -> Result<()> {
        write_events(&self.tmp.join("events.parquet"), t, stop)?;
        self.write_parquet_strings_and_attrs(t, stop)
    }

    /// The Parquet files of the timeline in `current`, which may be
    /// replaced by the same events read in place while they are written:
    /// each batch is taken from the timeline `current` holds when it
    /// starts, and the one it held before is let go then (see
    /// [`StagedCase::write_beside`]).
    fn write_parquet_following(
        &self,
        current: &Mutex<Arc<Timeline>>,
        stop: &AtomicBool,
    ) -> Result<()> {
        let held = RefCell::new(latest(current));
        let n = held.borrow().len();
        write_event_batches(&self.tmp.join("events.parquet"), n, stop, |rows| {
            let now = latest(current);
            if !Arc::ptr_eq(&now, &held.borrow()) {
                drop(held.replace(now));
                crate::memory::release_freed_memory();
            }
            event_batches::columns(&held.borrow(), rows)
        })?;
        drop(held);
        self.write_parquet_strings_and_attrs(&latest(current), stop)
    }

    /// strings.parquet and attrs.parquet.
    fn write_parquet_strings_and_attrs(&self, t: &Timeline, stop: &AtomicBool) -> Result<()> {
        let strings = t.strings();
        let zstd = ParquetCompression::Zstd(None);
        write_batched(
            &self.tmp.join("strings.parquet"),
            strings.len(),
            zstd,
            &[("s", Layout::Text)],
            stop,
            |rows| {
                let text = pq::text_array(rows.len(), |k, buf| {
                    let s = strings.get((rows.start + k) as Sym);
                    buf.extend_from_slice(s.as_bytes());
                    true
                });
                vec![("s", text)]
            },
        )?;
        // One attribute pair per access event and attribute: a copy of
        // them all was the last peak of an access-log ingest (+40 MB for
        // the 512 MiB log), so they go a batch at a time too.
        let pairs = &t.attrs.pairs;
        write_batched(
            &self.tmp.join("attrs.parquet"),
            pairs.len(),
            zstd,
            &[("key", Layout::Ids), ("value", Layout::Ids)],
            stop,
            |rows| {
                let batch = &pairs[rows.clone()];
                let key: Vec<u32> = batch.iter().map(|p| p[0]).collect();
                let value: Vec<u32> = batch.iter().map(|p| p[1]).collect();
                pairs.release(rows);
                vec![("key", pq::values(key)), ("value", pq::values(value))]
            },
        )
    }

    /// Add what is left of `case` (its meta, findings and annotations; the
    /// events must have been written from its timeline) and move the case
    /// into place, replacing the previous one. Gives up when `stop` is set.
    pub fn commit(self, case: &Case, stop: &AtomicBool) -> Result<()> {
        let result = self.write_rest(case).and_then(|()| {
            if stop.load(Ordering::Relaxed) {
                bail!("interrupted");
            }
            Ok(())
        });
        if let Err(e) = result {
            self.abandon();
            return Err(e);
        }
        let (dir, tmp) = (&self.dir, &self.tmp);
        if dir.exists() {
            let old = sibling(dir, "old");
            let _ = fs::remove_dir_all(&old);
            fs::rename(dir, &old)
                .with_context(|| format!("moving the previous case {} aside", dir.display()))?;
            if let Err(e) = fs::rename(tmp, dir) {
                let _ = fs::rename(&old, dir);
                let _ = fs::remove_dir_all(tmp);
                return Err(e)
                    .with_context(|| format!("moving the new case into {}", dir.display()));
            }
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(tmp, dir)
                .with_context(|| format!("moving the new case into {}", dir.display()))?;
        }
        Ok(())
    }

    fn write_rest(&self, case: &Case) -> Result<()> {
        write_json(&self.tmp.join("findings.json"), &case.findings)?;
        write_json(&self.tmp.join("annotations.json"), &case.annotations)?;
        // Last: a directory with a case.json is a complete case.
        write_json(&self.tmp.join("case.json"), &case.meta)
    }

    /// Give up: remove the temporary directory.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.tmp);
    }
}

/// The name of a case's column file: the events as reopening maps them,
/// a cache of the Parquet files (see `model/colfile.rs`).
pub const COLUMN_FILE: &str = colfile::FILE_NAME;

/// The name of the file that holds a column file's message text when the
/// ingest spilled it to disk (linked, not copied; part of the column file).
pub const COLUMN_TEXT_FILE: &str = colfile::TEXT_FILE_NAME;

/// Bytes on disk of a case, as [`disk_usage`] finds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiskUsage {
    /// The column file, with its text file; `None` when there is none.
    pub column_file: Option<u64>,
    /// Whether the column file's text is a file of its own
    /// ([`COLUMN_TEXT_FILE`]).
    pub text_file: bool,
    /// Everything else (Parquet and JSON).
    pub rest: u64,
}

/// Bytes on disk of the case in `dir` (files that cannot be listed are
/// left out).
pub fn disk_usage(dir: &Path) -> DiskUsage {
    let mut cols = None;
    let mut text = None;
    let mut rest = 0;
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(m) = e.metadata() else { continue };
        if e.file_name() == COLUMN_FILE {
            cols = Some(m.len());
        } else if e.file_name() == COLUMN_TEXT_FILE {
            text = Some(m.len());
        } else if m.is_file() {
            rest += m.len();
        }
    }
    match cols {
        Some(cols) => DiskUsage {
            column_file: Some(cols + text.unwrap_or(0)),
            text_file: text.is_some(),
            rest,
        },
        None => DiskUsage {
            column_file: None,
            text_file: false,
            rest: rest + text.unwrap_or(0),
        },
    }
}

/// True when `dir` looks like a pm-tui case.
pub fn is_case_dir(dir: &Path) -> bool {
    dir.join("case.json").is_file()
}

impl Case {
    /// A new case from an ingest's events, sources and findings, stamped
    /// with this pm-tui and the current time. `zone` is the zone naive
    /// timestamps were read in and `zone_source` where it came from
    /// (`--tz`, `TZ`, `system`); `inputs` are the paths as the user gave them.
    pub fn new(
        timeline: Timeline,
        sources: Vec<SourceReport>,
        findings: Vec<Finding>,
        zone: &str,
        zone_source: &str,
        inputs: Vec<String>,
    ) -> Case {
        let t = &timeline;
        let (first_ts, last_ts) = match t.len() {
            0 => (None, None),
            n => (
                Some(pm_parsers::time::format_utc(t.ts(0))),
                Some(pm_parsers::time::format_utc(t.ts(n - 1))),
            ),
        };
        Case {
            meta: CaseMeta {
                version: CASE_VERSION,
                created_by: format!("pm-tui {}", crate::VERSION),
                created: pm_parsers::time::format_utc(chrono::Utc::now().timestamp_micros()),
                zone: zone.to_string(),
                zone_source: zone_source.to_string(),
                inputs,
                events: t.len() as u64,
                first_ts,
                last_ts,
                sources,
            },
            timeline,
            findings,
            annotations: Vec::new(),
        }
    }

    /// Write the case to `dir`, replacing an existing case there atomically.
    /// Refuses to replace a directory that is not a case.
    pub fn save(&self, dir: &Path) -> Result<()> {
        self.save_unless(dir, &AtomicBool::new(false))
    }

    /// [`Case::save`], giving up (an error, nothing written, the previous
    /// case untouched) when `stop` is set before the new case is complete.
    pub fn save_unless(&self, dir: &Path, stop: &AtomicBool) -> Result<()> {
        let staged = StagedCase::begin(dir)?;
        match staged.write_events(&self.timeline, stop) {
            Ok(()) => staged.commit(self, stop),
            Err(e) => {
                staged.abandon();
                Err(e)
            }
        }
    }

    /// Read only `case.json` (fast; for listings and version checks).
    pub fn load_meta(dir: &Path) -> Result<CaseMeta> {
        let path = dir.join("case.json");
        if !dir.exists() {
            bail!(
                "{} does not exist (create a case with `pm-tui ingest LOGS -o {}`)",
                dir.display(),
                dir.display()
            );
        }
        let text = read_case_text(&path).with_context(|| {
            format!(
                "{} is not a pm-tui case (no readable case.json)",
                dir.display()
            )
        })?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is corrupt", path.display()))?;
        let version = v.get("version").and_then(|x| x.as_u64());
        match version {
            Some(n) if n as u32 == CASE_VERSION => {}
            Some(n) if n as u32 > CASE_VERSION => bail!(
                "{} was written by a newer pm-tui (case format {n}; this pm-tui reads format {CASE_VERSION}). Upgrade pm-tui or re-ingest the logs.",
                dir.display()
            ),
            Some(n) => bail!(
                "{} uses case format {n}, which this pm-tui cannot read; re-ingest the logs",
                dir.display()
            ),
            None => bail!(
                "{} has no case format version; it is not a pm-tui case",
                path.display()
            ),
        }
        serde_json::from_value(v).with_context(|| format!("{} is corrupt", path.display()))
    }

    /// Read a whole case: its events from the column file, read in place
    /// (see `colfile.rs`), or from Parquet when that is missing or
    /// fails its checks.
    pub fn load(dir: &Path) -> Result<Case> {
        Case::load_noting(dir).map(|(case, _)| case)
    }

    /// [`Case::load`], and why the case's column file was set aside when
    /// it has one that could not be used (a file from another pm-tui, cut
    /// short or damaged): reopening from Parquet is much slower, and the
    /// user can re-ingest or delete it. `None` when it was used or there
    /// is none (`ingest --no-column-file`, deleted).
    pub fn load_noting(dir: &Path) -> Result<(Case, Option<String>)> {
        let meta = Case::load_meta(dir)?;
        let cols = dir.join(colfile::FILE_NAME);
        let mapped = match colfile::read(&cols) {
            Ok(t) if t.len() as u64 == meta.events => Ok(t),
            Ok(t) => Err(format!(
                "it holds {} events, the case {}",
                t.len(),
                meta.events
            )),
            Err(_) if !cols.exists() => Err(String::new()),
            Err(e) => Err(format!("{e:#}")),
        };
        let (mut timeline, note) = match mapped {
            Ok(t) => (t, None),
            Err(why) => {
                let note = (!why.is_empty()).then(|| {
                    format!(
                        "{} was set aside ({why}); the events were read from Parquet, which is \
                         slower. Ingest again to rebuild it, or delete it.",
                        colfile::FILE_NAME
                    )
                });
                (Case::load_parquet_events(dir, &meta)?, note)
            }
        };
        timeline.sort();
        let findings = read_json_or_default(&dir.join("findings.json"))?;
        let annotations = read_json_or_default(&dir.join("annotations.json"))?;
        let case = Case {
            meta,
            timeline,
            findings,
            annotations,
        };
        Ok((case, note))
    }

    /// The events of the case in `dir` from its Parquet files.
    fn load_parquet_events(dir: &Path, meta: &CaseMeta) -> Result<Timeline> {
        let sdf = read_parquet(&dir.join("strings.parquet"))?;
        let strings = Interner::from_strs(sdf.column("s")?.str()?.iter().map(|s| s.unwrap_or("")));
        let mut adf = read_parquet(&dir.join("attrs.parquet"))?;
        let pairs: Vec<(u32, u32)> = col_u32(&mut adf, "key")
            .and_then(|k| Ok(k.into_iter().zip(col_u32(&mut adf, "value")?).collect()))
            .with_context(|| {
                format!(
                    "reading the attributes of {} (the case may be corrupt)",
                    dir.display()
                )
            })?;
        let timeline = read_events(&dir.join("events.parquet"), strings, pairs)
            .with_context(|| format!("reading the events of {}", dir.display()))?;
        if timeline.len() as u64 != meta.events {
            bail!(
                "{}: case.json counts {} events but events.parquet holds {}; the case is corrupt",
                dir.display(),
                meta.events,
                timeline.len()
            );
        }
        Ok(timeline)
    }

    /// Save only the annotations (the TUI does this on every change).
    pub fn save_annotations(dir: &Path, annotations: &[Annotation]) -> Result<()> {
        let text = serde_json::to_string_pretty(annotations)? + "\n";
        write_atomic(&dir.join("annotations.json"), text.as_bytes())
    }
}

fn read_json_or_default<T: serde::de::DeserializeOwned + Default>(path: &Path) -> Result<T> {
    match read_case_text(path) {
        Ok(t) => serde_json::from_str(&t).with_context(|| format!("{} is corrupt", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn clean_stale_temporaries(dir: &Path) {
    let name = dir
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("pm-case");
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = fs::read_dir(&parent) else {
        return;
    };
    let prefix_tmp = format!(".{name}.tmp-");
    let prefix_old = format!(".{name}.old-");
    for e in entries.flatten() {
        let n = e.file_name();
        let Some(n) = n.to_str() else { continue };
        if n.starts_with(&prefix_tmp) || n.starts_with(&prefix_old) {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Take column `name` out of `df`, so that its memory goes as soon as it
/// has been converted (a reopened case holds one copy of the events, not
/// two).
fn take(df: &mut DataFrame, name: &str) -> Result<Column> {
    Ok(df.drop_in_place(name)?)
}

/// The values of a numeric column, nulls read as `absent`. Chunks without
/// nulls are copied whole (the per-value iterator was a fifth of a reopen).
fn values<T: PolarsNumericType>(ca: &ChunkedArray<T>, absent: T::Native) -> Vec<T::Native> {
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        if arr.validity().is_none_or(|v| v.unset_bits() == 0) {
            out.extend_from_slice(arr.values());
        } else {
            out.extend(arr.iter().map(|v| v.copied().unwrap_or(absent)));
        }
    }
    out
}

fn col_u32(df: &mut DataFrame, name: &str) -> Result<Vec<u32>> {
    Ok(values(take(df, name)?.u32()?, 0))
}

/// Rows decoded at a time when a case is reopened. The reader decodes the
/// next batch (on polars' threads) while this one is copied into the
/// timeline, and only two batches are alive besides the timeline: reading
/// the whole frame first and copying it after held the events twice.
const READ_BATCH: usize = 512 * 1024;

/// Read `events.parquet` at `path` into a timeline over `strings`, whose
/// attribute pairs are `pairs`.
fn read_events(path: &Path, strings: Interner, pairs: Vec<(u32, u32)>) -> Result<Timeline> {
    let open = || open_case_file(path).with_context(|| format!("opening {}", path.display()));
    let corrupt = || format!("reading {} (the case may be corrupt)", path.display());
    let mut probe = ParquetReader::new(open()?);
    let n = anyhow::Context::with_context(probe.num_rows(), corrupt)?;
    let metadata = anyhow::Context::with_context(probe.get_metadata(), corrupt)?.clone();
    let mut t = Timeline {
        strings,
        ..Timeline::default()
    };
    std::thread::scope(|s| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<DataFrame>>(1);
        s.spawn(move || {
            let mut at = 0;
            while at < n {
                let len = READ_BATCH.min(n - at);
                let batch = open().and_then(|f| {
                    let mut r = ParquetReader::new(f).with_slice(Some((at, len)));
                    r.set_metadata(metadata.clone());
                    anyhow::Context::with_context(r.finish(), corrupt)
                });
                let failed = batch.is_err();
                if tx.send(batch).is_err() || failed {
                    break;
                }
                at += len;
            }
        });
        for (k, batch) in rx.into_iter().enumerate() {
            append_frame(&mut t, batch?)?;
            if k == 0 {
                t.reserve_like_so_far(n);
            }
        }
        Ok(())
    })?;
    let rows = t.len();
    if rows != n {
        bail!("events.parquet holds {n} rows but {rows} could be read; the case is corrupt");
    }
    let ends_ok = t.attrs.ends.windows(2).all(|w| w[0] <= w[1])
        && t.attrs.ends.last().map_or(0, |&e| e as usize) == pairs.len();
    if !ends_ok {
        bail!("attr_end does not match attrs.parquet; the case is corrupt");
    }
    let nsym = t.strings.len() as u32;
    if pairs.iter().any(|&(k, v)| k >= nsym || v >= nsym) {
        bail!(
            "attrs.parquet refers to strings that are not in strings.parquet; the case is corrupt"
        );
    }
    t.attrs.pairs = pairs.into_iter().map(|(k, v)| [k, v]).collect();
    let lens = [
        t.ts.len(),
        t.kind.len(),
        t.source.len(),
        t.line.len(),
        t.offset.len(),
        t.message.len(),
        t.path.len(),
        t.statement.len(),
        t.attrs.ends.len(),
    ];
    if lens.iter().any(|&l| l != rows) {
        bail!("columns of different lengths; the case is corrupt");
    }
    t.shrink_to_fit();
    Ok(t)
}

/// Append the rows of one decoded batch of events.parquet to `t`, taking
/// each column out of the frame as it goes.
fn append_frame(t: &mut Timeline, mut df: DataFrame) -> Result<()> {
    let df = &mut df;
    let rows = t.len();
    let n = df.height();
    let nsym = t.strings.len() as u32;
    let kind = col_u32(df, "kind")?;
    t.kind.extend(
        kind.iter()
            .map(|c| Kind::from_code(*c as u8).unwrap_or(Kind::Log)),
    );
    let level: Vec<Option<Level>> = col_u32(df, "level")?
        .iter()
        .map(|c| Level::from_code(*c as u8))
        .collect();
    t.level.extend_from_vec(rows, level);
    t.source.extend(col_u32(df, "source")?);
    t.line.extend(col_u32(df, "line")?);
    t.offset.extend(values(take(df, "offset")?.u64()?, 0));
    t.line_count
        .extend_from_vec(rows, col_u32(df, "line_count")?);
    t.pid
        .extend_from_vec(rows, values(take(df, "pid")?.i64()?, NO_INT));
    t.blocker_pid
        .extend_from_vec(rows, values(take(df, "blocker_pid")?.i64()?, NO_INT));
    t.duration_ms
        .extend_from_vec(rows, values(take(df, "duration_ms")?.f32()?, f32::NAN));
    let status: Vec<u16> = values(take(df, "status")?.u32()?, 0)
        .into_iter()
        .map(|v| v as u16)
        .collect();
    t.status.extend_from_vec(rows, status);
    t.bytes
        .extend_from_vec(rows, values(take(df, "bytes")?.u64()?, NO_BYTES));
    for c in SymCol::ALL {
        let col = col_u32(df, c.name())?;
        if col.iter().any(|&s| s >= nsym) {
            bail!(
                "column {} refers to strings that are not in strings.parquet",
                c.name()
            );
        }
        t.syms[c as usize].extend_from_vec(rows, col);
    }
    let (message, path) = (take(df, "message")?, take(df, "path")?);
    for (row, (m, p)) in (rows..).zip(message.str()?.iter().zip(path.str()?.iter())) {
        let m = m.unwrap_or("");
        t.message.push(m);
        t.path.push(row, m, p.unwrap_or(""));
    }
    for s in take(df, "statement")?.str()?.iter() {
        t.statement.push(s.unwrap_or(""));
    }
    for (i, x) in take(df, "extra")?.str()?.iter().enumerate() {
        if let Some(json) = x {
            serde_json::from_str::<Extra>(json).context("an event's extra fields are corrupt")?;
            t.extra_rows.push((rows + i) as u32);
            t.extras.push_raw(json.as_bytes(), true);
        }
    }
    t.attrs.ends.extend(col_u32(df, "attr_end")?);
    // Last, so that a batch that failed above leaves the length unchanged
    // for the checks in `read_events` to report.
    let ts = values(take(df, "ts")?.i64()?, 0);
    if ts.len() != n {
        bail!("columns of different lengths; the case is corrupt");
    }
    t.ts.extend(ts);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::buf::Held;
    use super::*;
    use pm_parsers::Event;
    use std::borrow::Cow;

    fn sample_case() -> Case {
        let mut t = Timeline::new();
        let mut e = Event::new(Kind::LockWait, 1_685_598_600_000_000, 3, 120);
        e.pid = Some(4211);
        e.blocker_pid = Some(4190);
        e.holders = vec![4190];
        e.queue = vec![4211, 4212];
        e.resource = Some(Cow::Borrowed("`shop`.`items` PRIMARY"));
        e.duration_ms = Some(13012.5);
        e.message = Cow::Borrowed("セッション lock wait");
        // A path found nowhere in its message keeps text of its own.
        e.path = Some(Cow::Borrowed("/api/注文"));
        t.push(0, &e);
        let mut r = Event::new(Kind::Request, 1_685_598_601_000_000, 9, 999);
        r.method = Some(Cow::Borrowed("POST"));
        r.route = Some(Cow::Borrowed("/checkout"));
        r.message = Cow::Borrowed("POST /checkout?step=2 HTTP/1.1");
        r.path = Some(Cow::Borrowed("/checkout"));
        r.status = Some(200);
        r.bytes = Some(0);
        r.attrs = vec![
            (Cow::Borrowed("ua"), Cow::Borrowed("Mozilla/5.0 (ｘ)")),
            (Cow::Borrowed("referer"), Cow::Borrowed("https://shop/")),
        ];
        t.push(1, &r);
        Case {
            meta: CaseMeta {
                version: CASE_VERSION,
                created_by: "test".into(),
                created: "2023-06-01T00:00:00.000Z".into(),
                zone: "Asia/Tokyo".into(),
                zone_source: "--tz".into(),
                inputs: vec!["logs".into()],
                events: 2,
                first_ts: None,
                last_ts: None,
                sources: vec![],
            },
            timeline: t,
            findings: vec![],
            annotations: vec![],
        }
    }

    /// `c` saved as `case` in a new temporary directory, and its path.
    fn saved(c: &Case) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case");
        c.save(&path).unwrap();
        (dir, path)
    }

    #[test]
    fn round_trip() {
        let c = sample_case();
        let (dir, path) = saved(&c);
        let mapped = Case::load(&path).unwrap();
        assert!(mapped.timeline.mapped_bytes() > 0, "read in place");
        std::fs::rename(path.join(colfile::FILE_NAME), dir.path().join("cols")).unwrap();
        let back = Case::load(&path).unwrap();
        assert_eq!(back.timeline.mapped_bytes(), 0, "read from Parquet");
        std::fs::rename(dir.path().join("cols"), path.join(colfile::FILE_NAME)).unwrap();
        assert_eq!(mapped.timeline.debug_rows(), back.timeline.debug_rows());
        assert_eq!(mapped.timeline.debug_rows(), c.timeline.debug_rows());
        assert_eq!(back.meta, c.meta);
        let t = &back.timeline;
        assert_eq!(t.len(), 2);
        assert_eq!(t.kind(0), Kind::LockWait);
        assert_eq!(t.pid(0), Some(4211));
        assert_eq!(t.blocker_pid(0), Some(4190));
        assert_eq!(t.duration_ms(0), Some(13012.5));
        assert_eq!(t.str(SymCol::Resource, 0), Some("`shop`.`items` PRIMARY"));
        assert_eq!(t.message(0), "セッション lock wait");
        assert_eq!(t.path(0), Some("/api/注文"));
        assert_eq!(t.path(1), Some("/checkout"));
        assert_eq!(t.path.text_len(), "/api/注文".len(), "one path is a slice");
        assert_eq!(t.extra(0).map(|x| x.queue.clone()), Some(vec![4211, 4212]));
        assert_eq!(t.attrs(0).count(), 0);
        assert_eq!(
            t.attrs(1).collect::<Vec<_>>(),
            vec![("ua", "Mozilla/5.0 (ｘ)"), ("referer", "https://shop/")]
        );
        assert_eq!(t.attr(1, "referer"), Some("https://shop/"));
        assert_eq!(t.status(1), Some(200));
        assert_eq!(t.bytes(1), Some(0));
        assert_eq!(t.pid(1), None);
        assert_eq!(t.offset(1), 999);
        // Saving again replaces atomically and leaves no temporaries.
        c.save(&path).unwrap();
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(leftovers, vec!["case".to_string()]);
    }

    /// Request `i` of a test timeline: a millisecond after the one before,
    /// on line `i + 1`, status 200 to 202.
    fn request(i: u32) -> Event<'static> {
        let mut e = Event::new(
            Kind::Request,
            1_685_598_600_000_000 + i64::from(i) * 1000,
            i + 1,
            u64::from(i) * 80,
        );
        e.status = Some(200 + (i % 3) as u16);
        e
    }

    /// A timeline where one row in 97 has a pid and a job: those columns
    /// are stored marked, the status of every row dense, and both forms
    /// read back the same from the column file and from Parquet.
    #[test]
    fn marked_and_dense_columns_round_trip() {
        let mut t = Timeline::new();
        let rows = 70_000u32;
        for i in 0..rows {
            let mut e = request(i);
            e.message = Cow::Borrowed("GET / HTTP/1.1");
            if i % 97 == 0 {
                e.pid = Some(i64::from(i));
                e.job = Some(Cow::Owned(format!("job{}", i % 5)));
            }
            t.push(0, &e);
        }
        t.shrink_to_fit();
        assert!(t.pid.has_values() && !t.pid.is_dense(), "pid is marked");
        assert!(t.status.is_dense(), "status is dense");
        assert!(t.pid.heap_bytes() < rows as usize * 8 / 10);
        let mut c = sample_case();
        c.meta.events = u64::from(rows);
        c.timeline = t;
        let (_dir, path) = saved(&c);
        let expected = c.timeline.debug_rows();
        let mapped = Case::load(&path).unwrap();
        assert!(mapped.timeline.mapped_bytes() > 0, "read in place");
        assert!(!mapped.timeline.pid.is_dense(), "still marked");
        assert_eq!(mapped.timeline.pid(97 * 3), Some(97 * 3));
        assert_eq!(mapped.timeline.pid(97 * 3 + 1), None);
        assert_eq!(mapped.timeline.debug_rows(), expected);
        std::fs::remove_file(path.join(colfile::FILE_NAME)).unwrap();
        let back = Case::load(&path).unwrap();
        assert_eq!(back.timeline.mapped_bytes(), 0, "read from Parquet");
        assert!(!back.timeline.pid.is_dense(), "marked again once loaded");
        assert_eq!(back.timeline.debug_rows(), expected);
    }

    /// Message text spilled to disk during the ingest becomes the case's
    /// `events.text` (linked, where the file system makes `O_TMPFILE`
    /// files), and the column file keeps none of it; without that file the
    /// case reopens from Parquet, the same.
    #[test]
    fn spilled_text_is_linked_not_copied() {
        let dir = tempfile::tempdir().unwrap();
        let spill = dir.path().join("spill");
        std::fs::create_dir(&spill).unwrap();
        let mut t = Timeline::new();
        t.spill_text_past(&spill, 100);
        for i in 0..500u32 {
            let mut e = Event::new(Kind::Log, 1_685_598_600_000_000 + i64::from(i), i + 1, 0);
            let text = format!("message number {i} ・ テキスト");
            e.message = Cow::Owned(text);
            t.push(0, &e);
        }
        t.finish_spill();
        let text_bytes = t.message.text_len();
        let mut c = sample_case();
        c.meta.events = 500;
        c.timeline = t;
        let path = dir.path().join("case");
        c.save(&path).unwrap();
        let expected = c.timeline.debug_rows();
        let linked = path.join(colfile::TEXT_FILE_NAME);
        let cols = std::fs::metadata(path.join(colfile::FILE_NAME))
            .unwrap()
            .len();
        if crate::model::spill::tests::o_tmpfile_works(&spill) {
            assert_eq!(std::fs::metadata(&linked).unwrap().len(), text_bytes as u64);
            let usage = disk_usage(&path);
            assert_eq!(usage.column_file, Some(cols + text_bytes as u64));
            assert!(usage.text_file);
        } else {
            assert!(!linked.exists());
        }
        let (back, note) = Case::load_noting(&path).unwrap();
        assert_eq!(note, None);
        assert!(back.timeline.message.is_mapped(), "read in place");
        assert_eq!(back.timeline.debug_rows(), expected);
        if linked.exists() {
            std::fs::remove_file(&linked).unwrap();
            let (back, note) = Case::load_noting(&path).unwrap();
            assert!(note.is_some_and(|n| n.contains("events.text")));
            assert_eq!(back.timeline.debug_rows(), expected);
        }
    }

    /// An ingest writes the column file first and goes on with the
    /// timeline read back from it: the same rows, read in place; the
    /// Parquet write after it does not write the column file again, and
    /// the committed case reopens the same. Handing back every row's pages
    /// takes the columns out of the process's memory and changes nothing
    /// read.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_ingest_goes_on_from_its_column_file() {
        let rows = 200_000u32;
        let t = requests(rows);
        let expected = t.debug_rows();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case");
        let never = AtomicBool::new(false);
        let mut staged = StagedCase::begin(&path).unwrap();
        let mapped = staged
            .write_column_file(&t, &never)
            .unwrap()
            .expect("read back");
        assert!(mapped.mapped_bytes() > 0, "read in place");
        assert_eq!(mapped.debug_rows(), expected);
        let cols = staged.tmp.join(colfile::FILE_NAME);
        let written = std::fs::metadata(&cols).unwrap().modified().unwrap();
        staged.write_events(&mapped, &never).unwrap();
        assert_eq!(
            std::fs::metadata(&cols).unwrap().modified().unwrap(),
            written,
            "not written twice"
        );
        let resident_kib = crate::memory::tests::resident_kib;
        let before = resident_kib(&cols);
        assert!(
            before > 2048,
            "{before} KiB resident after reading every row"
        );
        mapped.release_rows(0..mapped.len());
        let after = resident_kib(&cols);
        assert!(
            after * 8 < before,
            "{after} KiB resident of {before} after handing back"
        );
        assert_eq!(mapped.debug_rows(), expected, "read back the same");
        let mut c = sample_case();
        c.meta.events = u64::from(rows);
        c.timeline = mapped;
        staged.commit(&c, &never).unwrap();
        let back = Case::load(&path).unwrap();
        assert!(back.timeline.mapped_bytes() > 0);
        assert_eq!(back.timeline.debug_rows(), expected);

        let mut skipped = StagedCase::begin(&dir.path().join("other"))
            .unwrap()
            .without_column_file();
        assert!(skipped.write_column_file(&t, &never).unwrap().is_none());
        assert!(!skipped.tmp.join(colfile::FILE_NAME).exists());
        skipped.abandon();
    }

    /// `rows` requests with durations, an attribute and, on one row in 97,
    /// a pid and a business id, as an ingest builds them.
    fn requests(rows: u32) -> Timeline {
        let mut t = Timeline::new();
        for i in 0..rows {
            let mut e = request(i);
            e.duration_ms = Some(f64::from(i % 1000));
            e.message = Cow::Owned(format!("GET /item/{i} HTTP/1.1"));
            e.route = Some(Cow::Borrowed("/item/:id"));
            e.attrs
                .push((Cow::Borrowed("ua"), Cow::Owned(format!("agent {}", i % 7))));
            if i % 97 == 0 {
                e.pid = Some(i64::from(i));
                e.ids
                    .push((Cow::Borrowed("order"), Cow::Owned(format!("o-{i}"))));
            }
            t.push(0, &e);
        }
        t.shrink_to_fit();
        t
    }

    /// `write_beside` starts the Parquet write from the built timeline and
    /// goes on from the one read back from the column file: its Parquet
    /// files are byte for byte those written from one timeline alone, the
    /// analysis and the caller get the timeline read back, and the column
    /// file is written once. (The Parquet batches take longer than the
    /// column file here, so the write changes timelines part way.)
    #[cfg(target_os = "linux")]
    #[test]
    fn the_parquet_write_changes_timelines_without_a_trace() {
        let rows = 3 * WRITE_BATCH as u32 + 100;
        let t = requests(rows);
        let expected = t.debug_rows();
        let dir = tempfile::tempdir().unwrap();
        let never = AtomicBool::new(false);
        let plain = StagedCase::begin(&dir.path().join("plain"))
            .unwrap()
            .without_column_file();
        plain.write_events(&t, &never).unwrap();
        let mut staged = StagedCase::begin(&dir.path().join("case")).unwrap();
        let (kept, analysed, written) = staged
            .write_beside(t, &never, |t| (t.mapped_bytes(), t.debug_rows()))
            .unwrap();
        written.unwrap();
        assert!(analysed.0 > 0, "the analysis reads in place");
        assert_eq!(analysed.1, expected);
        assert!(kept.mapped_bytes() > 0, "the case keeps the read-back one");
        assert_eq!(kept.debug_rows(), expected);
        for file in ["events.parquet", "strings.parquet", "attrs.parquet"] {
            let a = std::fs::read(plain.tmp.join(file)).unwrap();
            let b = std::fs::read(staged.tmp.join(file)).unwrap();
            assert!(a == b, "{file} differs");
        }
        assert!(staged.tmp.join(colfile::FILE_NAME).exists());
        assert!(!plain.tmp.join(colfile::FILE_NAME).exists());
        plain.abandon();
        staged.abandon();
    }

    /// A FIFO where a case file should be is refused at once: the column
    /// file's falls back to Parquet, case.json's is an error. Nothing waits
    /// for a writer that never comes (the test gives up after 30 s).
    #[cfg(unix)]
    #[test]
    fn a_fifo_in_a_case_does_not_block() {
        let c = sample_case();
        let (_dir, path) = saved(&c);
        let fifo = |name: &str| {
            let at = path.join(name);
            std::fs::remove_file(&at).unwrap();
            let made = std::process::Command::new("mkfifo").arg(&at).status();
            made.is_ok_and(|s| s.success())
        };
        if !fifo(colfile::FILE_NAME) {
            return; // no mkfifo here
        }
        let within = |f: Box<dyn FnOnce() -> Result<(Case, Option<String>)> + Send>| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(f());
            });
            rx.recv_timeout(std::time::Duration::from_secs(30))
                .expect("loading a case with a FIFO in it hung")
        };
        let p = path.clone();
        let (back, note) = within(Box::new(move || Case::load_noting(&p))).unwrap();
        assert_eq!(back.timeline.debug_rows(), c.timeline.debug_rows());
        assert!(note.is_some_and(|n| n.contains("not a regular file")));
        assert!(fifo("case.json"));
        let p = path.clone();
        let err = within(Box::new(move || Case::load_noting(&p))).unwrap_err();
        assert!(format!("{err:#}").contains("not a regular file"), "{err:#}");
    }

    #[test]
    fn refuses_future_and_foreign_dirs() {
        let (dir, path) = saved(&sample_case());
        let meta = std::fs::read_to_string(path.join("case.json")).unwrap();
        std::fs::write(
            path.join("case.json"),
            meta.replace(&format!("\"version\": {CASE_VERSION}"), "\"version\": 99"),
        )
        .unwrap();
        let err = Case::load(&path).unwrap_err().to_string();
        assert!(err.contains("newer pm-tui"), "{err}");

        let foreign = dir.path().join("home");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
        let err = sample_case().save(&foreign).unwrap_err().to_string();
        assert!(err.contains("is not a pm-tui case"), "{err}");
        assert!(foreign.join("notes.txt").exists());

        let missing = Case::load(&dir.path().join("nope"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("does not exist"), "{missing}");
    }

    #[test]
    fn corrupt_parquet_is_an_error_not_a_panic() {
        let (_dir, path) = saved(&sample_case());
        std::fs::write(path.join("events.parquet"), b"PAR1 garbage").unwrap();
        std::fs::remove_file(path.join(colfile::FILE_NAME)).unwrap();
        assert!(Case::load(&path).is_err());
    }

    /// A column file cut short anywhere, or with a byte of its fixed
    /// header changed, is refused and the case reopens from Parquet; with
    /// any other byte changed it may read other values, but never panics.
    #[test]
    fn damaged_column_file_falls_back_or_reads_safely() {
        let c = sample_case();
        let (_dir, path) = saved(&c);
        let cols = path.join(colfile::FILE_NAME);
        let good = std::fs::read(&cols).unwrap();
        let expected = c.timeline.debug_rows();
        for len in (0..good.len()).step_by(5) {
            std::fs::write(&cols, &good[..len]).unwrap();
            assert!(colfile::read(&cols).is_err(), "cut at {len}");
            let back = Case::load(&path).unwrap();
            assert_eq!(back.timeline.debug_rows(), expected, "cut at {len}");
        }
        for at in (0..good.len()).filter(|&at| at < 32 || at % 3 == 0) {
            let mut bad = good.clone();
            bad[at] ^= 0xA5;
            std::fs::write(&cols, &bad).unwrap();
            if at < 32 {
                assert!(colfile::read(&cols).is_err(), "byte {at} changed");
            }
            let back = Case::load(&path).unwrap();
            back.timeline.debug_rows();
        }
    }

    /// A Parquet file whose bytes the disk refuses is an error, though they
    /// all sit in the write buffer until the end (polars flushes its writer
    /// when it finishes, and `create_buffered`'s callers flush again rather
    /// than leave it to `BufWriter`'s drop, which swallows errors).
    /// `/dev/full` takes the open and refuses every write.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_refused_flush_is_an_error() {
        let full = Path::new("/dev/full");
        if !full.exists() {
            return;
        }
        let t = sample_case().timeline;
        let never = AtomicBool::new(false);
        let err = write_events(full, &t, &never).expect_err("events.parquet on a full disk");
        assert!(format!("{err:#}").contains("/dev/full"), "{err:#}");
        let batch = |_| {
            let x = pq::text_array(1, |_, buf| {
                buf.push(b'x');
                true
            });
            vec![("s", x)]
        };
        let zstd = ParquetCompression::Zstd(None);
        assert!(write_batched(full, 1, zstd, &[], &never, batch).is_err());
    }
}

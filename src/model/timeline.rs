//! The timeline: every event of a case in columns, sorted by time.
//!
//! Columns are plain vectors so detectors can run tight loops over them;
//! repeated strings (hosts, routes, resources, jobs) are interned once.
//! Fields that only a few events have (holders, deadlock participants,
//! business ids, extra attributes) live in a sparse side table. Read through
//! the accessor methods: the storage may change, the accessors stay.

use super::buf::{Buf, Held};
use super::pathcol::PathCol;
use super::sparse::{Cell, Sparse};
use super::spill::{self, SpillWriter};
use hashbrown::HashTable;
use pm_parsers::{Event, Kind, Level, Participant};
use serde::{Deserialize, Serialize};
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// An interned string id; 0 means "absent".
pub type Sym = u32;

/// Interned strings shared by all string columns of a timeline.
///
/// The strings lie end to end in one buffer (string `id` is
/// `text[ends[id - 1]..ends[id]]`), so interning allocates nothing per
/// string, and a reopened case reads them in place from its column file.
/// The string → id table holds ids only and compares against the buffer.
#[derive(Clone)]
pub struct Interner {
    /// UTF-8 (checked when read: a mapped case file is not trusted).
    text: Buf<u8>,
    /// One end per string; string 0 is the empty one.
    ends: Buf<u64>,
    /// String → id. Built on first use for an interner read from a case
    /// (most reopened cases only ever look strings up by id: building it
    /// was an eighth of reopening a mixed case).
    map: OnceLock<HashTable<Sym>>,
    /// A fast non-cryptographic hash, seeded per process (the keys are
    /// log text, hashed once per field of every event; SipHash was a
    /// tenth of an access-log ingest).
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.strings()).finish()
    }
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            text: Buf::new(),
            ends: vec![0].into(),
            map: OnceLock::from(HashTable::new()),
            hasher: Default::default(),
        }
    }
}

/// The bytes of string `id` of `text`/`ends` (empty for an unknown id).
fn bytes_of<'a>(text: &'a [u8], ends: &[u64], id: Sym) -> &'a [u8] {
    let i = id as usize;
    let end = ends.get(i).map_or(0, |&e| e as usize);
    let start = match i {
        0 => 0,
        _ => ends.get(i - 1).map_or(0, |&e| e as usize),
    };
    text.get(start..end).unwrap_or_default()
}

impl Interner {
    /// The id of `s`, adding it if new. The empty string is id 0 (absent).
    pub fn intern(&mut self, s: &str) -> Sym {
        if s.is_empty() {
            return 0;
        }
        if self.map.get().is_none() {
            let _ = self.map.set(self.index());
        }
        let Interner {
            text,
            ends,
            map,
            hasher,
        } = self;
        let Some(map) = map.get_mut() else {
            return 0;
        };
        let hash = hasher.hash_one(s.as_bytes());
        let entry = map.entry(
            hash,
            |&id| bytes_of(text, ends, id) == s.as_bytes(),
            |&id| hasher.hash_one(bytes_of(text, ends, id)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
            hashbrown::hash_table::Entry::Vacant(v) => {
                let id = ends.len() as Sym;
                text.extend_from_slice(s.as_bytes());
                ends.push(text.len() as u64);
                v.insert(id);
                id
            }
        }
    }

    /// Room in the string → id table for `more` new strings.
    pub fn reserve(&mut self, more: usize) {
        let taken = std::mem::take(&mut self.map).into_inner();
        let mut map = taken.unwrap_or_else(|| self.index());
        let (text, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        map.reserve(more, |&id| hasher.hash_one(bytes_of(text, ends, id)));
        self.map = OnceLock::from(map);
    }

    /// Forget every string but the empty one, keeping the capacity.
    fn clear(&mut self) {
        let Interner {
            text,
            ends,
            map,
            hasher: _,
        } = self;
        text.clear();
        ends.clear();
        ends.push(0);
        match map.get_mut() {
            Some(map) => map.clear(),
            None => *map = OnceLock::from(HashTable::new()),
        }
    }

    /// The string → id table of every string but the first.
    fn index(&self) -> HashTable<Sym> {
        let mut map = HashTable::with_capacity(self.len());
        for id in 1..self.len() as Sym {
            let bytes = bytes_of(&self.text, &self.ends, id);
            let hash = self.hasher.hash_one(bytes);
            map.insert_unique(hash, id, |&k| {
                self.hasher.hash_one(bytes_of(&self.text, &self.ends, k))
            });
        }
        map
    }

    /// The string for `id` (`""` for 0 or an unknown id).
    pub fn get(&self, id: Sym) -> &str {
        std::str::from_utf8(bytes_of(&self.text, &self.ends, id)).unwrap_or("")
    }

    /// The id of `s` if it is interned.
    pub fn lookup(&self, s: &str) -> Option<Sym> {
        if s.is_empty() {
            return Some(0);
        }
        let hash = self.hasher.hash_one(s.as_bytes());
        self.map
            .get_or_init(|| self.index())
            .find(hash, |&id| {
                bytes_of(&self.text, &self.ends, id) == s.as_bytes()
            })
            .copied()
    }

    /// Number of strings (including the empty one).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when only the empty string is present.
    pub fn is_empty(&self) -> bool {
        self.len() <= 1
    }

    /// Bytes held, approximately: the text, the ends and the table's
    /// slots when built (mapped strings hold none).
    pub fn heap_bytes(&self) -> usize {
        let map = self.map.get().map_or(0, |m| m.capacity() * 5);
        self.text.heap_bytes() + self.ends.heap_bytes() + map
    }

    /// Every string in id order (id 0 first).
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as Sym).map(|id| self.get(id))
    }

    /// The text buffer and the string ends, as stored in a column file.
    pub(crate) fn raw(&self) -> (&[u8], &[u64]) {
        (&self.text, &self.ends)
    }

    /// Strings from [`Interner::raw`]'s parts; `None` unless string 0 is
    /// empty and the ends ascend within the text.
    pub(crate) fn from_raw(text: Buf<u8>, ends: Buf<u64>) -> Option<Interner> {
        let ascending = ends.windows(2).all(|w| w[0] <= w[1]);
        let fits = ends.last().is_some_and(|&e| e as usize <= text.len());
        (ends.first() == Some(&0) && ascending && fits).then(|| Interner {
            text,
            ends,
            map: OnceLock::new(),
            hasher: Default::default(),
        })
    }

    /// Rebuild from borrowed strings in id order (string 0, the empty one,
    /// first).
    pub fn from_strs<'a, I: IntoIterator<Item = &'a str>>(it: I) -> Interner {
        let mut text = Vec::new();
        let mut ends = Vec::new();
        for s in it {
            text.extend_from_slice(s.as_bytes());
            ends.push(text.len() as u64);
        }
        if ends.is_empty() {
            ends.push(0);
        }
        Interner {
            text: text.into(),
            ends: ends.into(),
            map: OnceLock::new(),
            hasher: Default::default(),
        }
    }
}

/// The rare fields of an event, kept sparsely. Written as `ExtraRef`
/// writes them (an event's fields are written without a copy into one).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Extra {
    /// Every holder pid named by the server.
    #[serde(default)]
    pub holders: Vec<i64>,
    /// The wait queue named by the server.
    #[serde(default)]
    pub queue: Vec<i64>,
    /// Deadlock participants.
    #[serde(default)]
    pub participants: Vec<Participant>,
    /// Business ids (`order_id` → `88213`).
    #[serde(default)]
    pub ids: Vec<(String, String)>,
}

impl Serialize for Extra {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ExtraRef {
            holders: &self.holders,
            queue: &self.queue,
            participants: &self.participants,
            ids: &self.ids,
        }
        .serialize(s)
    }
}

/// Which interned string column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymCol {
    /// Host.
    Host,
    /// Application.
    App,
    /// User.
    User,
    /// Database.
    Db,
    /// Thread.
    Thread,
    /// Transaction id.
    Txn,
    /// Request id.
    RequestId,
    /// Lock resource.
    Resource,
    /// Lock mode.
    Mode,
    /// Holder transaction.
    BlockerTxn,
    /// HTTP method.
    Method,
    /// Route.
    Route,
    /// Client address.
    Client,
    /// Job name.
    Job,
    /// Run id.
    RunId,
    /// Error code.
    Code,
}

impl SymCol {
    /// Every string column, in storage order.
    pub const ALL: [SymCol; 16] = [
        SymCol::Host,
        SymCol::App,
        SymCol::User,
        SymCol::Db,
        SymCol::Thread,
        SymCol::Txn,
        SymCol::RequestId,
        SymCol::Resource,
        SymCol::Mode,
        SymCol::BlockerTxn,
        SymCol::Method,
        SymCol::Route,
        SymCol::Client,
        SymCol::Job,
        SymCol::RunId,
        SymCol::Code,
    ];

    /// The column / JSON field name.
    pub const fn name(self) -> &'static str {
        match self {
            SymCol::Host => "host",
            SymCol::App => "app",
            SymCol::User => "user",
            SymCol::Db => "db",
            SymCol::Thread => "thread",
            SymCol::Txn => "txn",
            SymCol::RequestId => "request_id",
            SymCol::Resource => "resource",
            SymCol::Mode => "mode",
            SymCol::BlockerTxn => "blocker_txn",
            SymCol::Method => "method",
            SymCol::Route => "route",
            SymCol::Client => "client",
            SymCol::Job => "job",
            SymCol::RunId => "run_id",
            SymCol::Code => "code",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

pub(crate) const NO_INT: i64 = i64::MIN;
pub(crate) const NO_BYTES: u64 = u64::MAX;

/// A column of optional strings kept in one buffer: row `i` is
/// `buf[ends[i - 1]..ends[i]]`, and an empty string means absent. Pushing a
/// row allocates nothing (the buffer grows geometrically), and a row costs
/// 8 bytes besides its text, where an `Option<Box<str>>` cost 16 bytes and a
/// heap block.
#[derive(Debug, Default)]
pub(crate) struct TextCol {
    /// UTF-8 text (checked when read: a mapped case file is not trusted).
    buf: Buf<u8>,
    /// Empty while every row is empty (a statement column of an access
    /// log costs nothing); otherwise one end per row.
    ends: Buf<u64>,
    rows: usize,
    /// Where the text goes once it passes `spill_at` bytes (set for an
    /// ingest's columns, and kept by their copies).
    spill_dir: Option<Arc<Path>>,
    spill_at: usize,
    /// While set, the text is written here instead of to `buf`, and rows
    /// cannot be read until [`TextCol::finish_spill`].
    spill: Option<Box<SpillWriter>>,
    /// The unlinked spill file `buf` maps, whole, when it does: a case can
    /// link it instead of copying the text ([`TextCol::whole_file`]).
    file: Option<Arc<std::fs::File>>,
}

impl Clone for TextCol {
    fn clone(&self) -> Self {
        let buf = match &self.spill {
            Some(w) => Buf::from(w.copy()),
            None => self.buf.clone(),
        };
        TextCol {
            buf,
            ends: self.ends.clone(),
            rows: self.rows,
            spill_dir: self.spill_dir.clone(),
            spill_at: self.spill_at,
            spill: None,
            // Set only once the spill is finished, so a clone mid-spill has none.
            file: self.file.clone(),
        }
    }
}

impl TextCol {
    pub(crate) fn push(&mut self, s: &str) {
        if self.ends.is_empty() {
            if s.is_empty() {
                self.rows += 1;
                return;
            }
            self.ends.resize(self.rows, 0);
        }
        self.put(s.as_bytes());
        self.ends.push(self.text_len() as u64);
        self.rows += 1;
    }

    /// Append text bytes, to the spill file when there is one or when
    /// the column has grown past its spill size.
    fn put(&mut self, bytes: &[u8]) {
        self.file = None;
        if self.spill.is_none() && self.buf.len() + bytes.len() > self.spill_at {
            self.start_spill();
        }
        if let Some(w) = &mut self.spill {
            if w.write(bytes).is_ok() {
                return;
            }
            // The disk is full or the file cannot be written: the text
            // comes back into memory and stays there.
            if let Some(w) = self.spill.take() {
                self.buf = Buf::from(w.into_memory());
            }
            self.spill_dir = None;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Send the text to a spill file from now on, if there is a directory
    /// for it and a file can be made there.
    fn start_spill(&mut self) {
        let Some(dir) = &self.spill_dir else {
            return;
        };
        let Some(mut w) = SpillWriter::create(dir) else {
            self.spill_dir = None;
            return;
        };
        if w.write(&self.buf).is_err() {
            self.spill_dir = None;
            return;
        }
        self.buf = Buf::new();
        self.spill = Some(Box::new(w));
    }

    /// Let this column's text spill into an unlinked file in `dir` once it
    /// holds more than `at` bytes (see `spill.rs`).
    pub(crate) fn spill_into(&mut self, dir: &Arc<Path>, at: usize) {
        self.spill_dir = Some(Arc::clone(dir));
        self.spill_at = at;
    }

    /// Read spilled text in place from now on (nothing to do for a column
    /// that did not spill).
    pub(crate) fn finish_spill(&mut self) {
        if let Some(w) = self.spill.take() {
            (self.buf, self.file) = w.finish();
        }
    }

    /// The file the text is read from, whole, when it is an unlinked spill
    /// file: a case can give it a name rather than copy the text.
    pub(crate) fn whole_file(&self) -> Option<&std::fs::File> {
        self.file.as_deref().filter(|_| self.buf.is_mapped())
    }

    /// An empty column that spills where this one does.
    fn empty_like(&self) -> TextCol {
        TextCol {
            spill_dir: self.spill_dir.clone(),
            spill_at: self.spill_at,
            ..TextCol::default()
        }
    }

    /// Move the row ends into an unlinked file in `dir` once they hold
    /// `min_bytes` ([`Buf::spill`]; the text spills on its own).
    pub(crate) fn spill_ends(&mut self, dir: &Path, min_bytes: usize) {
        self.ends.spill(dir, min_bytes);
    }

    /// Hand back the resident pages of rows `rows`' text and ends when
    /// they are read in place from a file (see [`Buf::release`]).
    pub(crate) fn release(&self, rows: std::ops::Range<usize>) {
        if rows.is_empty() || !(self.buf.in_file() || self.ends.in_file()) {
            return;
        }
        let end_of = |r: usize| match r {
            0 => Some(0),
            _ => self.ends.get(r - 1).map(|&e| e as usize),
        };
        if let (Some(start), Some(end)) = (end_of(rows.start), end_of(rows.end)) {
            self.buf.release(start..end.max(start));
        }
        self.ends.release(rows.start..rows.end.min(self.ends.len()));
    }

    /// True when the text is read in place from a file.
    #[cfg(test)]
    pub(crate) fn is_mapped(&self) -> bool {
        self.buf.is_mapped()
    }

    /// Row `i`, `None` when empty.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        std::str::from_utf8(self.bytes(i)?).ok()
    }

    /// Row `i`'s bytes, not checked as UTF-8; `None` when empty.
    pub(crate) fn bytes(&self, i: usize) -> Option<&[u8]> {
        debug_assert!(self.spill.is_none(), "a column read while it spills");
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => *self.ends.get(i - 1)? as usize,
        };
        if end <= start {
            return None;
        }
        self.buf.get(start..end)
    }

    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    pub(crate) fn reserve(&mut self, rows: usize, bytes: usize) {
        if !self.ends.is_empty() || bytes > 0 {
            let want = (self.rows + rows).saturating_sub(self.ends.len());
            self.ends.reserve_exact(want);
        }
        let spills = self.spill.is_some()
            || (self.spill_dir.is_some() && self.buf.len() + bytes > self.spill_at);
        if !spills {
            self.buf.reserve_exact(bytes);
        }
    }

    /// Append rows `rows` of `other`, as pushing each row's text would
    /// (an empty row stays empty), with their text copied in one piece.
    /// The bytes are not checked as UTF-8 on the way: reading a row checks
    /// it, as it does for every column.
    pub(crate) fn extend_from(&mut self, other: &TextCol, rows: std::ops::Range<usize>) {
        let n = rows.len();
        let base = match rows.start {
            0 => Some(0),
            i => other.ends.get(i - 1).copied(),
        };
        let (Some(base), Some(their_ends)) = (base, other.ends.get(rows.clone())) else {
            // No text in `other` (or rows beyond it): empty rows.
            if !self.ends.is_empty() {
                let len = self.text_len() as u64;
                self.ends.resize(self.rows + n, len);
            }
            self.rows += n;
            return;
        };
        // Ends only grow; where they do not (a damaged column), or point
        // past the text, the rows go one by one, as reading them does.
        let text = ascending_end(base, their_ends)
            .and_then(|last| usize::try_from(base).ok().zip(usize::try_from(last).ok()))
            .and_then(|(from, to)| other.buf.get(from..to));
        let Some(text) = text else {
            for i in rows {
                self.push(other.get(i).unwrap_or(""));
            }
            return;
        };
        if text.is_empty() && self.ends.is_empty() {
            self.rows += n;
            return;
        }
        if self.ends.is_empty() {
            self.ends.resize(self.rows, 0);
        }
        let at = self.text_len() as u64;
        self.put(text);
        self.ends
            .extend(their_ends.iter().map(|&e| at + (e - base)));
        self.rows += n;
    }

    pub(crate) fn append(&mut self, other: &TextCol) {
        if other.ends.is_empty() {
            if !self.ends.is_empty() {
                self.ends
                    .resize(self.rows + other.rows, self.buf.len() as u64);
            }
            self.rows += other.rows;
            return;
        }
        if self.ends.is_empty() {
            self.ends.reserve_exact(self.rows + other.rows);
            self.ends.resize(self.rows, 0);
        }
        let base = self.text_len() as u64;
        self.put(&other.buf);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        self.rows += other.rows;
    }

    /// Whether the text is being written to a spill file: its rows cannot
    /// be taken back then ([`TextCol::clear`] does nothing).
    pub(crate) fn spilling(&self) -> bool {
        self.spill.is_some()
    }

    /// Remove every row, keeping the capacity, unless the column is
    /// [`TextCol::spilling`].
    pub(crate) fn clear(&mut self) {
        let TextCol {
            buf,
            ends,
            rows,
            spill_dir: _,
            spill_at: _,
            spill,
            file,
        } = self;
        if spill.is_some() {
            return;
        }
        buf.clear();
        ends.clear();
        *rows = 0;
        *file = None;
    }

    /// Text bytes, for reserving before an append.
    pub(crate) fn text_len(&self) -> usize {
        match &self.spill {
            Some(w) => w.len(),
            None => self.buf.len(),
        }
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// The text buffer and the row ends (empty while every row is empty).
    pub(crate) fn raw(&self) -> (&[u8], &[u64]) {
        let (buf, ends) = self.raw_bufs();
        (buf, ends)
    }

    /// [`TextCol::raw`] as the column holds them.
    pub(crate) fn raw_bufs(&self) -> (&Buf<u8>, &Buf<u64>) {
        (&self.buf, &self.ends)
    }

    /// A column of `rows` rows from [`TextCol::raw`]'s parts; `None` when
    /// `ends` is neither empty nor one per row.
    pub(crate) fn from_raw(buf: Buf<u8>, ends: Buf<u64>, rows: usize) -> Option<TextCol> {
        (ends.is_empty() || ends.len() == rows).then_some(TextCol {
            buf,
            ends,
            rows,
            ..TextCol::default()
        })
    }

    /// Rows `idx` in that order.
    pub(crate) fn pick(&self, idx: &[usize]) -> TextCol {
        let bytes: usize = idx.iter().map(|&i| self.get(i).map_or(0, str::len)).sum();
        let mut out = self.empty_like();
        out.reserve(idx.len(), bytes);
        for &i in idx {
            out.push(self.get(i).unwrap_or(""));
        }
        out.finish_spill();
        out
    }
}

impl Held for TextCol {
    fn heap_bytes(&self) -> usize {
        self.buf.heap_bytes() + self.ends.heap_bytes()
    }

    fn mapped_bytes(&self) -> usize {
        self.buf.mapped_bytes() + self.ends.mapped_bytes()
    }
}

/// The free-form attributes of every row (`ua`, `referer`, `exception`,
/// ...), as interned key/value pairs in one vector: row `i` owns
/// `pairs[ends[i - 1]..ends[i]]`. Access logs give every event a user agent
/// and a referer; interned, they cost 4 bytes per row plus 8 per pair,
/// where owned strings cost a heap block each.
#[derive(Debug, Clone, Default)]
pub(crate) struct AttrCol {
    pub(crate) ends: Buf<u32>,
    /// `[key, value]`.
    pub(crate) pairs: Buf<[Sym; 2]>,
}

impl AttrCol {
    /// Remove every row, keeping the capacity.
    fn clear(&mut self) {
        let AttrCol { ends, pairs } = self;
        ends.clear();
        pairs.clear();
    }

    fn push_row(&mut self, pairs: impl IntoIterator<Item = (Sym, Sym)>) {
        self.pairs.extend(pairs.into_iter().map(|(k, v)| [k, v]));
        self.ends.push(self.pairs.len() as u32);
    }

    /// The pairs of row `i`.
    pub(crate) fn get(&self, i: usize) -> &[[Sym; 2]] {
        let end = self.ends.get(i).map_or(0, |&e| e as usize);
        let start = match i {
            0 => 0,
            _ => self.ends.get(i - 1).map_or(0, |&e| e as usize),
        };
        self.pairs.get(start..end).unwrap_or(&[])
    }

    /// Hand back the resident pages of rows `rows` when they are read in
    /// place from a file ([`Buf::release`]).
    fn release(&self, rows: std::ops::Range<usize>) {
        if rows.is_empty() || !self.ends.in_file() {
            return;
        }
        let end_of = |r: usize| match r {
            0 => 0,
            _ => self.ends.get(r - 1).map_or(0, |&e| e as usize),
        };
        let (start, end) = (end_of(rows.start), end_of(rows.end.min(self.ends.len())));
        self.pairs
            .release(start..end.max(start).min(self.pairs.len()));
        self.ends.release(rows.start..rows.end.min(self.ends.len()));
    }

    fn reserve(&mut self, rows: usize, pairs: usize) {
        self.ends.reserve_exact(rows);
        self.pairs.reserve_exact(pairs);
    }

    fn append(&mut self, other: &AttrCol, remap: &[Sym]) {
        let rows = 0..other.ends.len();
        self.extend_from(other, rows, |s| remap.get(s as usize).copied().unwrap_or(0));
    }

    /// Append rows `rows` of `other`, as pushing each row's pairs would,
    /// each string mapped through `map`: their pairs are copied in one
    /// piece. Where `other`'s ends do not hold together (a damaged mapped
    /// column) the rows go one by one, as reading them does.
    fn extend_from(
        &mut self,
        other: &AttrCol,
        rows: std::ops::Range<usize>,
        map: impl Fn(Sym) -> Sym,
    ) {
        let base = match rows.start {
            0 => Some(0),
            i => other.ends.get(i - 1).copied(),
        };
        let run = base
            .zip(other.ends.get(rows.clone()))
            .and_then(|(from, ends)| {
                let last = ascending_end(from, ends)?;
                Some((other.pairs.get(from as usize..last as usize)?, from, ends))
            });
        let Some((pairs, from, ends)) = run else {
            for i in rows {
                self.push_row(other.get(i).iter().map(|&[k, v]| (map(k), map(v))));
            }
            return;
        };
        let shift = (self.pairs.len() as u32).wrapping_sub(from);
        self.pairs
            .extend(pairs.iter().map(|&[k, v]| [map(k), map(v)]));
        self.ends
            .extend(ends.iter().map(|&e| e.wrapping_add(shift)));
    }

    /// Rows `idx` in that order.
    fn pick(&self, idx: &[usize]) -> AttrCol {
        let mut out = AttrCol {
            ends: Vec::with_capacity(idx.len()).into(),
            pairs: Vec::with_capacity(self.pairs.len()).into(),
        };
        for &i in idx {
            out.push_row(self.get(i).iter().map(|&[k, v]| (k, v)));
        }
        out
    }
}

/// Rare fields decoded a chunk at a time.
const EXTRA_CHUNK: usize = 256;

/// The rare fields of the rows that have them, in row order, kept as the
/// JSON the column file stores: one buffer and an end per entry, decoded
/// [`EXTRA_CHUNK`] entries at a time on first use. As structs they were a
/// third of the memory of the mixed corpus' timeline beside its columns
/// (886 K entries, 157 MB against 41 MB as JSON: most hold a business id or
/// two), and most commands never look at them. A reopened case reads the
/// JSON in place.
#[derive(Debug, Clone)]
pub(crate) struct Extras {
    /// Entry `k` is `json[ends[k - 1]..ends[k]]`.
    json: Buf<u8>,
    ends: Buf<u64>,
    chunks: Vec<OnceLock<Vec<Extra>>>,
    /// Every entry is known to decode: written here, or checked when added
    /// (not so for entries read in place from a file, damaged or not).
    checked: bool,
}

impl Default for Extras {
    fn default() -> Self {
        Extras {
            json: Buf::new(),
            ends: Buf::new(),
            chunks: Vec::new(),
            checked: true,
        }
    }
}

/// Rare fields, borrowed (an [`Extra`], or an event's own), as the column
/// file and events.parquet store them: the fields an entry has, by name.
#[derive(Serialize)]
struct ExtraRef<'a, Id: Serialize> {
    #[serde(skip_serializing_if = "<[i64]>::is_empty")]
    holders: &'a [i64],
    #[serde(skip_serializing_if = "<[i64]>::is_empty")]
    queue: &'a [i64],
    #[serde(skip_serializing_if = "<[Participant]>::is_empty")]
    participants: &'a [Participant],
    #[serde(skip_serializing_if = "<[Id]>::is_empty")]
    ids: &'a [Id],
}

impl<Id: Serialize> ExtraRef<'_, Id> {
    fn is_empty(&self) -> bool {
        self.holders.is_empty()
            && self.queue.is_empty()
            && self.participants.is_empty()
            && self.ids.is_empty()
    }
}

impl Extras {
    /// Remove every entry, keeping the capacity.
    fn clear(&mut self) {
        let Extras {
            json,
            ends,
            chunks,
            checked,
        } = self;
        json.clear();
        ends.clear();
        chunks.clear();
        *checked = true;
    }

    /// Entries stored as JSON, one after the other, entry `k` ending at
    /// `ends[k]`. An entry that is not valid JSON for [`Extra`] reads as
    /// empty (a damaged file reads other values; it cannot crash).
    pub(crate) fn lazy(json: Buf<u8>, ends: Buf<u64>) -> Extras {
        let chunks = (0..ends.len().div_ceil(EXTRA_CHUNK))
            .map(|_| OnceLock::new())
            .collect();
        Extras {
            json,
            ends,
            chunks,
            checked: false,
        }
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Entry `k`.
    pub(crate) fn get(&self, k: usize) -> Option<&Extra> {
        let c = k / EXTRA_CHUNK;
        let chunk = self.chunks.get(c)?.get_or_init(|| {
            decode_extras(
                &self.json,
                &self.ends,
                c * EXTRA_CHUNK..(c + 1) * EXTRA_CHUNK,
            )
        });
        chunk.get(k % EXTRA_CHUNK)
    }

    /// Every entry in order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Extra> + '_ {
        (0..self.len()).filter_map(|k| self.get(k))
    }

    /// Entry `k`'s JSON, as stored (empty past the end, or in a damaged
    /// file whose ends do not fit).
    pub(crate) fn raw(&self, k: usize) -> &[u8] {
        let start = match k {
            0 => 0,
            _ => self.ends.get(k - 1).map_or(0, |&e| e as usize),
        };
        self.ends
            .get(k)
            .and_then(|&end| self.json.get(start..end as usize))
            .unwrap_or_default()
    }

    /// The JSON of every entry and where each ends, as a column file
    /// stores them.
    pub(crate) fn raw_parts(&self) -> (&[u8], &[u64]) {
        (&self.json, &self.ends)
    }

    /// Add an entry (an [`Extra`], or an [`ExtraRef`] to an event's
    /// fields, which is not copied first).
    fn push(&mut self, x: &impl Serialize) {
        let json = self.json.to_mut();
        let before = json.len();
        if serde_json::to_writer(&mut *json, x).is_err() {
            // Cannot happen for these types; an entry is never half written.
            json.truncate(before);
            json.extend_from_slice(b"{}");
        }
        let end = json.len() as u64;
        self.push_end(end);
    }

    /// Append entry `k`'s JSON to `out`; false when there is none. Entries
    /// known to decode are copied as they are; others are decoded and
    /// written again, so a damaged entry is written as `{}`, never as
    /// bytes another reader would refuse.
    pub(crate) fn put_json(&self, k: usize, out: &mut Vec<u8>) -> bool {
        if k >= self.len() {
            return false;
        }
        if self.checked {
            out.extend_from_slice(self.raw(k));
            return true;
        }
        // Decoded here and not kept: a writer passes over every entry
        // once, and keeping them all decoded took 157 MB of the mixed
        // corpus of BENCHMARKS.md.
        let decoded;
        let x = match self.chunks.get(k / EXTRA_CHUNK).and_then(OnceLock::get) {
            Some(chunk) => chunk.get(k % EXTRA_CHUNK),
            None => {
                decoded = serde_json::from_slice::<Extra>(self.raw(k)).unwrap_or_default();
                Some(&decoded)
            }
        };
        x.is_some_and(|x| serde_json::to_writer(out, x).is_ok())
    }

    /// Trust the entries as far as `written` was trusted, when they are
    /// what this process wrote from it a moment ago: an ingest reads its
    /// timeline back from the column file it has just written, and must
    /// not decode every entry again to write them to Parquet.
    pub(crate) fn trust_as(&mut self, written: &Extras) {
        self.checked = written.checked && self.len() == written.len();
    }

    /// Add entry `k` of `other`, as it is stored.
    pub(crate) fn push_from(&mut self, other: &Extras, k: usize) {
        self.push_raw(other.raw(k), other.checked);
    }

    /// Add every entry of `other`, as they are stored.
    fn append(&mut self, other: &Extras) {
        let (json, ends) = other.raw_parts();
        let base = self.json.len() as u64;
        self.checked &= other.checked;
        self.json.extend_from_slice(json);
        for &end in ends {
            self.push_end(base + end);
        }
    }

    /// Add an entry given as JSON, `checked` when it is known to decode.
    pub(crate) fn push_raw(&mut self, json: &[u8], checked: bool) {
        self.checked &= checked;
        self.json.extend_from_slice(json);
        let end = self.json.len() as u64;
        self.push_end(end);
    }

    fn push_end(&mut self, end: u64) {
        self.ends.push(end);
        let c = (self.ends.len() - 1) / EXTRA_CHUNK;
        match self.chunks.get_mut(c) {
            // The chunk may have been decoded without this entry.
            Some(chunk) => *chunk = OnceLock::new(),
            None => self.chunks.push(OnceLock::new()),
        }
    }

    /// Room for `n` more entries of `bytes` JSON in all.
    fn reserve(&mut self, n: usize, bytes: usize) {
        self.ends.reserve_exact(n);
        self.json.reserve_exact(bytes);
    }

    /// Give back unused capacity.
    fn shrink_to_fit(&mut self) {
        self.json.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Bytes held in memory.
    fn heap_bytes(&self) -> usize {
        self.json.heap_bytes() + self.ends.heap_bytes()
    }
}

/// Entries `range` (clipped to those there are) of JSON `json` ending at `ends`.
fn decode_extras(json: &[u8], ends: &[u64], range: std::ops::Range<usize>) -> Vec<Extra> {
    let range = range.start.min(ends.len())..range.end.min(ends.len());
    range
        .map(|k| {
            let start = match k {
                0 => 0,
                _ => ends[k - 1] as usize,
            };
            json.get(start..ends[k] as usize)
                .and_then(|j| serde_json::from_slice(j).ok())
                .unwrap_or_default()
        })
        .collect()
}

/// Rows between two hand-backs of spilled text that a merge has read.
const RELEASE_EVERY: usize = 64 * 1024;

/// The last of `ends` when they ascend from `base` (each at least the one
/// before it), or `None` where they do not (a damaged mapped column).
fn ascending_end<T: Copy + PartialOrd>(base: T, ends: &[T]) -> Option<T> {
    let mut last = base;
    for &e in ends {
        if e < last {
            return None;
        }
        last = e;
    }
    Some(last)
}

/// The rows of sorted `parts` in merged time order, as (part, row): a
/// heap over each part's next row, keyed like [`Timeline::sort`].
fn merge_order(parts: &[Timeline], sorted: &[Option<Vec<usize>>]) -> Vec<(u32, u32)> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let total: usize = parts.iter().map(Timeline::len).sum();
    let mut order = Vec::with_capacity(total);
    // The `j`-th row of part `k` in time order.
    let row = |k: usize, j: usize| match sorted.get(k) {
        Some(Some(idx)) => idx.get(j).copied().unwrap_or(j),
        _ => j,
    };
    let key = |k: usize, j: usize| {
        let p = &parts[k];
        let i = row(k, j);
        Reverse((p.ts[i], p.source[i], p.line[i], k as u32, j as u32))
    };
    let mut heap: BinaryHeap<_> = (0..parts.len())
        .filter(|&k| !parts[k].is_empty())
        .map(|k| key(k, 0))
        .collect();
    // The part that gave the first row usually gives the next one too: its
    // next row replaces it at the top and sinks once (a pop and a push
    // sifted twice).
    while let Some(mut top) = heap.peek_mut() {
        let Reverse((_, _, _, k, j)) = *top;
        order.push((k, row(k as usize, j as usize) as u32));
        let next = j as usize + 1;
        if next < parts[k as usize].len() {
            *top = key(k as usize, next);
        } else {
            std::collections::binary_heap::PeekMut::pop(top);
        }
    }
    order
}

/// The runs of `order` (rows of one part that follow each other there),
/// none reaching past a multiple of `stretch`: each as its start in
/// `order`, its part and its rows in that part.
fn runs(
    order: &[(u32, u32)],
    stretch: usize,
) -> impl Iterator<Item = (usize, usize, std::ops::Range<usize>)> + '_ {
    let stretch = stretch.max(1);
    let mut n = 0;
    std::iter::from_fn(move || {
        let &(k, i) = order.get(n)?;
        let start = n;
        let stretch_end = (n / stretch + 1).saturating_mul(stretch).min(order.len());
        let mut end = n + 1;
        while end < stretch_end && order[end] == (k, i + (end - n) as u32) {
            end += 1;
        }
        n = end;
        Some((start, k as usize, i as usize..i as usize + (end - start)))
    })
}

/// Every event of a case, in columns. Fields most formats lack are
/// `Sparse`: they cost nothing until an event has them.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub(crate) ts: Buf<i64>,
    pub(crate) kind: Vec<Kind>,
    pub(crate) level: Sparse<Option<Level>>,
    pub(crate) source: Buf<u32>,
    pub(crate) line: Buf<u32>,
    pub(crate) offset: Buf<u64>,
    pub(crate) line_count: Sparse<u32>,
    pub(crate) pid: Sparse<i64>,
    pub(crate) blocker_pid: Sparse<i64>,
    pub(crate) duration_ms: Sparse<f32>,
    pub(crate) status: Sparse<u16>,
    pub(crate) bytes: Sparse<u64>,
    pub(crate) syms: [Sparse<Sym>; 16],
    pub(crate) message: TextCol,
    pub(crate) path: PathCol,
    pub(crate) statement: TextCol,
    pub(crate) attrs: AttrCol,
    /// Rows that have rare fields, ascending, and those fields.
    pub(crate) extra_rows: Vec<u32>,
    pub(crate) extras: Extras,
    pub(crate) strings: Interner,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            ts: Buf::new(),
            kind: Vec::new(),
            level: Sparse::new(None),
            source: Buf::new(),
            line: Buf::new(),
            offset: Buf::new(),
            line_count: Sparse::new(1),
            pid: Sparse::new(NO_INT),
            blocker_pid: Sparse::new(NO_INT),
            duration_ms: Sparse::new(f32::NAN),
            status: Sparse::new(0),
            bytes: Sparse::new(NO_BYTES),
            syms: std::array::from_fn(|_| Sparse::new(0)),
            message: TextCol::default(),
            path: PathCol::default(),
            statement: TextCol::default(),
            attrs: AttrCol::default(),
            extra_rows: Vec::new(),
            extras: Extras::default(),
            strings: Interner::default(),
        }
    }
}

impl Timeline {
    /// An empty timeline.
    pub fn new() -> Timeline {
        Timeline::default()
    }

    /// Let the message and statement text spill into unlinked files in
    /// `dir` once each is large, instead of growing in memory (see
    /// `spill.rs`); copies of the columns (a sort, a merge) spill there
    /// too. Rows cannot be read until [`Timeline::finish_spill`].
    pub fn spill_text_into(&mut self, dir: &Path) {
        self.spill_text_past(dir, spill::SPILL_AT);
    }

    /// [`Timeline::spill_text_into`] once the text passes `bytes` (tests
    /// spill small timelines).
    pub(crate) fn spill_text_past(&mut self, dir: &Path, bytes: usize) {
        let dir = Arc::from(dir);
        self.message.spill_into(&dir, bytes);
        self.statement.spill_into(&dir, bytes);
    }

    /// Move every column holding an eighth of what text holds before it
    /// spills, or more (counting the room reserved for more), into an
    /// unlinked file in the directory text spills to, where it grows from
    /// now on, mapped (`filevec.rs`). A large file's timeline calls this as
    /// its parts are appended, and [`Timeline::release_rows`] behind them:
    /// the rows built so far then cost the page cache, not this process's
    /// memory. Nothing happens without a spill directory.
    pub(crate) fn spill_columns(&mut self) {
        let Some(dir) = self.message.spill_dir.clone() else {
            return;
        };
        let min_bytes = self.message.spill_at / 8;
        let dir: &Path = &dir;
        self.ts.spill(dir, min_bytes);
        self.source.spill(dir, min_bytes);
        self.line.spill(dir, min_bytes);
        self.offset.spill(dir, min_bytes);
        self.level.spill(dir, min_bytes);
        self.line_count.spill(dir, min_bytes);
        self.pid.spill(dir, min_bytes);
        self.blocker_pid.spill(dir, min_bytes);
        self.duration_ms.spill(dir, min_bytes);
        self.status.spill(dir, min_bytes);
        self.bytes.spill(dir, min_bytes);
        for c in &mut self.syms {
            c.spill(dir, min_bytes);
        }
        self.message.spill_ends(dir, min_bytes);
        self.path.at.spill(dir, min_bytes);
        self.path.own.spill_ends(dir, min_bytes);
        self.statement.spill_ends(dir, min_bytes);
        self.attrs.ends.spill(dir, min_bytes);
        self.attrs.pairs.spill(dir, min_bytes);
    }

    /// [`Timeline::spill_columns`], then hand back every page the columns
    /// in files hold (those just copied there, first of all).
    fn spill_and_release(&mut self) {
        self.spill_and_release_from(0);
    }

    /// [`Timeline::spill_columns`], then hand back the pages of rows
    /// `from..` (those added since the last time: the rows before were
    /// handed back then).
    pub(crate) fn spill_and_release_from(&mut self, from: usize) {
        self.spill_columns();
        self.release_rows(from..self.len());
    }

    /// Read spilled text in place from now on: call once the timeline is
    /// built, before reading its rows.
    pub fn finish_spill(&mut self) {
        self.message.finish_spill();
        self.statement.finish_spill();
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Append one parsed event from source number `source`.
    pub fn push(&mut self, source: u32, e: &Event<'_>) {
        let row = self.ts.len();
        self.ts.push(e.ts);
        self.kind.push(e.kind);
        self.level.push(row, e.level);
        self.source.push(source);
        self.line.push(e.line);
        self.offset.push(e.offset);
        self.line_count.push(row, e.line_count);
        self.pid.push(row, e.pid.unwrap_or(NO_INT));
        self.blocker_pid.push(row, e.blocker_pid.unwrap_or(NO_INT));
        self.duration_ms
            .push(row, e.duration_ms.map(|d| d as f32).unwrap_or(f32::NAN));
        self.status.push(row, e.status.unwrap_or(0));
        self.bytes.push(row, e.bytes.unwrap_or(NO_BYTES));
        let fields: [&Option<std::borrow::Cow<'_, str>>; 16] = [
            &e.host,
            &e.app,
            &e.user,
            &e.db,
            &e.thread,
            &e.txn,
            &e.request_id,
            &e.resource,
            &e.mode,
            &e.blocker_txn,
            &e.method,
            &e.route,
            &e.client,
            &e.job,
            &e.run_id,
            &e.code,
        ];
        for (col, f) in self.syms.iter_mut().zip(fields) {
            col.push(
                row,
                f.as_deref().map(|s| self.strings.intern(s)).unwrap_or(0),
            );
        }
        self.message.push(&e.message);
        self.path
            .push(row, &e.message, e.path.as_deref().unwrap_or(""));
        self.statement.push(e.statement.as_deref().unwrap_or(""));
        let strings = &mut self.strings;
        self.attrs.push_row(
            e.attrs
                .iter()
                .map(|(k, v)| (strings.intern(k), strings.intern(v))),
        );
        let extra = ExtraRef {
            holders: &e.holders,
            queue: &e.queue,
            participants: &e.participants,
            ids: &e.ids,
        };
        if !extra.is_empty() {
            self.extra_rows.push(self.ts.len() as u32 - 1);
            self.extras.push(&extra);
        }
    }

    /// Set the host of event `i` when it has none (hosts named by a path).
    pub fn set_host_if_missing(&mut self, i: usize, host: &str) {
        if self.syms[SymCol::Host.index()].get(i) == 0 {
            let id = self.strings.intern(host);
            let rows = self.len();
            self.syms[SymCol::Host.index()].set(i, rows, id);
        }
    }

    /// Shift the times of events `from..` by `delta_us` (declared clock skew).
    pub fn shift_from(&mut self, from: usize, delta_us: i64) {
        for t in &mut self.ts[from..] {
            *t += delta_us;
        }
    }

    /// Keep only events with `keep(timeline, i)`; the rest are removed.
    pub fn retain_rows(&mut self, keep: impl Fn(&Timeline, usize) -> bool) {
        let idx: Vec<usize> = (0..self.len()).filter(|&i| keep(self, i)).collect();
        if idx.len() != self.len() {
            self.apply_permutation(&idx);
        }
    }

    /// Merge timelines parsed in parallel (one per group of rotated files)
    /// into one in time order, re-interning their strings: the result is
    /// what concatenating them and [`Timeline::sort`] would give (ties go
    /// by source and line, and a source lives in one part), with one copy
    /// of the events instead of two. Each part is sorted first (a check
    /// for files already in order), then merged (a heap over the parts'
    /// next rows); columns are gathered one at a time and each part's copy
    /// is freed once gathered, so the peak is the events plus one column.
    pub fn merge_sorted(mut parts: Vec<Timeline>) -> Timeline {
        parts.retain(|p| !p.is_empty());
        if parts.len() <= 1 {
            let mut out = parts.pop().unwrap_or_default();
            out.sort();
            return out;
        }
        // Each part's rows in time order. A part out of order (an access
        // log written as its requests end) is read through its sorted
        // index: permuting all its columns first, only to gather them
        // again, was a fifth of the merge of the mixed corpus.
        let sorted: Vec<Option<Vec<usize>>> = {
            use rayon::prelude::*;
            parts.par_iter().map(Timeline::sorted_index).collect()
        };
        let largest = (0..parts.len())
            .max_by_key(|&k| parts[k].strings.len())
            .unwrap_or(0);
        let mut strings = std::mem::take(&mut parts[largest].strings);
        // The order of the rows and the strings' new ids, one per core: both
        // only read the parts. The table of ids is sized for every string
        // of the other parts at once (growing it step by step hashed each
        // string already in it again at every step: a third of a second on
        // the mixed corpus).
        let (order, remaps) = rayon::join(
            || merge_order(&parts, &sorted),
            || {
                let more = (parts.iter().enumerate())
                    .filter(|&(k, _)| k != largest)
                    .map(|(_, p)| p.strings.len())
                    .sum();
                strings.reserve(more);
                let remaps: Vec<Option<Vec<Sym>>> = (parts.iter().enumerate())
                    .map(|(k, p)| {
                        (k != largest)
                            .then(|| p.strings.strings().map(|s| strings.intern(s)).collect())
                    })
                    .collect();
                remaps
            },
        );
        let mut out = Timeline {
            strings,
            ..Timeline::default()
        };
        let remap = |k: usize, s: Sym| -> Sym {
            match &remaps[k] {
                None => s,
                Some(m) => m.get(s as usize).copied().unwrap_or(0),
            }
        };
        // Columns are gathered two at a time, one per core, and the parts'
        // copies of both are freed, and given back to the system, before
        // the next two: glibc keeps freed blocks under its mmap threshold
        // in its arenas, and hundreds of small groups' columns are such
        // blocks (trimming took 220 MB off the merge's peak on the mixed
        // corpus of BENCHMARKS.md).
        fn gather<T: Copy + Send, C: From<Vec<T>>>(
            parts: &[Timeline],
            order: &[(u32, u32)],
            col: fn(&Timeline) -> &[T],
        ) -> C {
            let mut out = Vec::with_capacity(order.len());
            for (_, k, rows) in runs(order, usize::MAX) {
                out.extend_from_slice(&col(&parts[k])[rows]);
            }
            out.into()
        }
        fn gather_sparse<T: Cell + Send + Sync>(
            parts: &[Timeline],
            to: &[Vec<u32>],
            col: &(dyn Fn(&Timeline) -> &Sparse<T> + Sync),
            map: &(dyn Fn(usize, T) -> T + Sync),
        ) -> Sparse<T> {
            let cols: Vec<&Sparse<T>> = parts.iter().map(col).collect();
            let rows = to.iter().map(Vec::len).sum();
            Sparse::scattered(col(&parts[0]).absent(), rows, &cols, to, map)
        }
        fn gather_text(
            parts: &[Timeline],
            order: &[(u32, u32)],
            col: fn(&Timeline) -> &TextCol,
        ) -> TextCol {
            let bytes = parts.iter().map(|p| col(p).text_len()).sum();
            let mut out = parts
                .iter()
                .map(col)
                .find(|c| c.spill_dir.is_some())
                .unwrap_or(col(&parts[0]))
                .empty_like();
            out.reserve(order.len(), bytes);
            // What is behind each part's furthest row read is handed back
            // now and then, so that spilled text read in place is resident
            // a stretch at a time, not all at once (a part read through its
            // sorted index may come back for a row: it is read again from
            // the file). Rows come in runs of one part's consecutive rows (a busy log
            // between two lines of a quiet one): each run's text is copied
            // in one piece. A run ends where a stretch does.
            let mut read = vec![0usize; parts.len()];
            let mut released = vec![0usize; parts.len()];
            for (n, k, rows) in runs(order, RELEASE_EVERY) {
                read[k] = read[k].max(rows.end);
                out.extend_from(col(&parts[k]), rows.clone());
                let n = n + rows.len();
                if n % RELEASE_EVERY == 0 {
                    for (k, p) in parts.iter().enumerate() {
                        col(p).release(released[k]..read[k]);
                        released[k] = read[k];
                    }
                }
            }
            out.finish_spill();
            out
        }
        fn same<T>(_: usize, v: T) -> T {
            v
        }
        drop(sorted);
        // Each part's rows, counted before its columns are freed.
        let part_rows: Vec<usize> = parts.iter().map(Timeline::len).collect();
        let o = &order[..];
        let (ts, message) = rayon::join(
            || gather(&parts, o, |t| &t.ts[..]),
            || gather_text(&parts, o, |t| &t.message),
        );
        (out.ts, out.message) = (ts, message);
        // The merged columns go to disk as they are made when the text
        // does (the message column now says where): one or two are in
        // memory at a time, not the whole merged timeline.
        out.spill_and_release();
        for p in &mut parts {
            (p.ts, p.message) = (Buf::new(), TextCol::default());
        }
        crate::memory::release_freed_memory();
        let ((kind, source, line), (path_own, statement)) = rayon::join(
            || {
                (
                    gather(&parts, o, |t| &t.kind[..]),
                    gather(&parts, o, |t| &t.source[..]),
                    gather(&parts, o, |t| &t.line[..]),
                )
            },
            || {
                (
                    gather_text(&parts, o, |t| &t.path.own),
                    gather_text(&parts, o, |t| &t.statement),
                )
            },
        );
        (out.kind, out.source, out.line) = (kind, source, line);
        out.path.own = path_own;
        out.statement = statement;
        out.spill_and_release();
        for p in &mut parts {
            (p.kind, p.source, p.line) = (Vec::new(), Buf::new(), Buf::new());
            (p.path.own, p.statement) = (TextCol::default(), TextCol::default());
        }
        crate::memory::release_freed_memory();
        let (offset, attrs) = rayon::join(
            || gather(&parts, o, |t| &t.offset[..]),
            || {
                let mut attrs = AttrCol::default();
                let pairs = parts.iter().map(|p| p.attrs.pairs.len()).sum();
                attrs.reserve(o.len(), pairs);
                for (_, k, rows) in runs(o, usize::MAX) {
                    attrs.extend_from(&parts[k].attrs, rows, |s| remap(k, s));
                }
                attrs
            },
        );
        (out.offset, out.attrs) = (offset, attrs);
        out.spill_and_release();
        for p in &mut parts {
            (p.offset, p.attrs) = (Buf::new(), AttrCol::default());
        }
        // The rest are sparse columns, scattered from the rows that have a
        // value to where each row of each part goes (not gathered row by
        // row), and the rare fields: the order of the rows gives way to
        // that map, half its size (never both for long: 41 MB at the
        // 10.3 M-event case of BENCHMARKS.md).
        let mut to: Vec<Vec<u32>> = part_rows.iter().map(|&n| vec![u32::MAX; n]).collect();
        for (row, &(k, i)) in order.iter().enumerate() {
            if let Some(slot) = to.get_mut(k as usize).and_then(|t| t.get_mut(i as usize)) {
                *slot = row as u32;
            }
        }
        drop(order);
        let to = &to[..];
        crate::memory::release_freed_memory();
        let ((level, line_count, pid, blocker_pid), (duration_ms, status, bytes, path_at)) =
            rayon::join(
                || {
                    (
                        gather_sparse(&parts, to, &|t| &t.level, &same),
                        gather_sparse(&parts, to, &|t| &t.line_count, &same),
                        gather_sparse(&parts, to, &|t| &t.pid, &same),
                        gather_sparse(&parts, to, &|t| &t.blocker_pid, &same),
                    )
                },
                || {
                    (
                        gather_sparse(&parts, to, &|t| &t.duration_ms, &same),
                        gather_sparse(&parts, to, &|t| &t.status, &same),
                        gather_sparse(&parts, to, &|t| &t.bytes, &same),
                        gather_sparse(&parts, to, &|t| &t.path.at, &same),
                    )
                },
            );
        (out.level, out.line_count, out.pid, out.blocker_pid) =
            (level, line_count, pid, blocker_pid);
        (out.duration_ms, out.status, out.bytes, out.path.at) =
            (duration_ms, status, bytes, path_at);
        out.spill_and_release();
        for p in &mut parts {
            p.path = PathCol::default();
            p.level.shrink_to_nothing();
            p.line_count.shrink_to_nothing();
            p.pid.shrink_to_nothing();
            p.blocker_pid.shrink_to_nothing();
            p.duration_ms.shrink_to_nothing();
            p.status.shrink_to_nothing();
            p.bytes.shrink_to_nothing();
        }
        crate::memory::release_freed_memory();
        const _: () = assert!(SymCol::ALL.len() % 2 == 0, "string columns go in pairs");
        for c in (0..out.syms.len()).step_by(2) {
            let (a, b) = rayon::join(
                || gather_sparse(&parts, to, &|t| &t.syms[c], &remap),
                || gather_sparse(&parts, to, &|t| &t.syms[c + 1], &remap),
            );
            (out.syms[c], out.syms[c + 1]) = (a, b);
            out.spill_and_release();
            for p in &mut parts {
                p.syms[c].shrink_to_nothing();
                p.syms[c + 1].shrink_to_nothing();
            }
            crate::memory::release_freed_memory();
        }
        // Rare fields, in the order of the rows they belong to.
        let mut rare: Vec<(u32, u32, u32)> = Vec::new();
        for (k, part) in parts.iter().enumerate() {
            let rows = part.extra_rows.iter().take(part.extras.len());
            for (c, &i) in rows.enumerate() {
                if let Some(&row) = to[k].get(i as usize) {
                    rare.push((row, k as u32, c as u32));
                }
            }
        }
        rare.sort_unstable();
        out.extras.reserve(
            rare.len(),
            parts.iter().map(|p| p.extras.raw_parts().0.len()).sum(),
        );
        for (row, k, c) in rare {
            out.extra_rows.push(row);
            out.extras.push_from(&parts[k as usize].extras, c as usize);
        }
        out
    }

    /// Append the rows of `part`, re-interning its strings.
    pub fn append(&mut self, part: &Timeline) {
        let out = self;
        let rows = out.len();
        let part_rows = part.len();
        let base = rows as u32;
        let remap: Vec<Sym> = part
            .strings
            .strings()
            .map(|s| out.strings.intern(s))
            .collect();
        out.ts.extend_from_slice(&part.ts);
        out.kind.extend_from_slice(&part.kind);
        out.level.append_map(rows, &part.level, part_rows, |v| v);
        out.source.extend_from_slice(&part.source);
        out.line.extend_from_slice(&part.line);
        out.offset.extend_from_slice(&part.offset);
        out.line_count
            .append_map(rows, &part.line_count, part_rows, |v| v);
        out.pid.append_map(rows, &part.pid, part_rows, |v| v);
        out.blocker_pid
            .append_map(rows, &part.blocker_pid, part_rows, |v| v);
        out.duration_ms
            .append_map(rows, &part.duration_ms, part_rows, |v| v);
        out.status.append_map(rows, &part.status, part_rows, |v| v);
        out.bytes.append_map(rows, &part.bytes, part_rows, |v| v);
        for (dst, src) in out.syms.iter_mut().zip(part.syms.iter()) {
            dst.append_map(rows, src, part_rows, |s| {
                remap.get(s as usize).copied().unwrap_or(0)
            });
        }
        out.message.append(&part.message);
        out.path.append(rows, &part.path);
        out.statement.append(&part.statement);
        out.attrs.append(&part.attrs, &remap);
        out.extra_rows
            .extend(part.extra_rows.iter().map(|&r| base + r));
        out.extras.append(&part.extras);
    }

    /// Remove every event and string, keeping each column's form and
    /// capacity, to parse more rows of the same kind into it (the parts of
    /// a large file: each part's columns grew from nothing, copying as they
    /// doubled, into memory freshly faulted in). False, and nothing
    /// changed, when text is being written to a spill file.
    pub(crate) fn clear(&mut self) -> bool {
        let Timeline {
            ts,
            kind,
            level,
            source,
            line,
            offset,
            line_count,
            pid,
            blocker_pid,
            duration_ms,
            status,
            bytes,
            syms,
            message,
            path,
            statement,
            attrs,
            extra_rows,
            extras,
            strings,
        } = self;
        if message.spilling() || statement.spilling() || path.own.spilling() {
            return false;
        }
        message.clear();
        path.clear();
        statement.clear();
        ts.clear();
        kind.clear();
        source.clear();
        line.clear();
        offset.clear();
        level.clear();
        line_count.clear();
        pid.clear();
        blocker_pid.clear();
        duration_ms.clear();
        status.clear();
        bytes.clear();
        for c in syms {
            c.clear();
        }
        attrs.clear();
        extra_rows.clear();
        extras.clear();
        strings.clear();
        true
    }

    /// Move every row `lines` lines and `bytes` bytes further into its
    /// source (a part of a file read on its own, counted from its start).
    pub fn shift_position(&mut self, lines: u32, bytes: u64) {
        if lines > 0 {
            for l in &mut self.line {
                *l = l.saturating_add(lines);
            }
        }
        if bytes > 0 {
            for o in &mut self.offset {
                *o += bytes;
            }
        }
    }

    /// Name the host of rows `from..` that have none.
    pub fn fill_host(&mut self, from: usize, host: &str) {
        let rows = self.len();
        let col = &self.syms[SymCol::Host.index()];
        if from >= rows || (from..rows).all(|i| col.get(i) != 0) {
            return;
        }
        let id = self.strings.intern(host);
        for h in self.syms[SymCol::Host.index()].dense_from(from, rows) {
            if *h == 0 {
                *h = id;
            }
        }
    }

    /// Room for `more` rows, reserved exactly (geometric growth would
    /// leave up to half of each column unused): every plain column, each
    /// dense sparse column, `text` bytes in the message, path and statement
    /// columns and `pairs` attribute pairs.
    fn reserve_more(&mut self, more: usize, text: [usize; 3], pairs: usize) {
        let rows = self.len();
        self.ts.reserve_exact(more);
        self.kind.reserve_exact(more);
        self.source.reserve_exact(more);
        self.line.reserve_exact(more);
        self.offset.reserve_exact(more);
        macro_rules! sparse {
            ($($f:ident),*) => {
                $(self.$f.reserve(rows, more);)*
            };
        }
        sparse!(
            level,
            line_count,
            pid,
            blocker_pid,
            duration_ms,
            status,
            bytes
        );
        for c in &mut self.syms {
            c.reserve(rows, more);
        }
        let [message, path, statement] = text;
        self.message.reserve(more, message);
        self.path.reserve(rows, more, path);
        self.statement.reserve(more, statement);
        self.attrs.reserve(more, pairs);
    }

    /// Room for the rows of `parts`, exactly.
    pub(crate) fn reserve_for(&mut self, parts: &[Timeline]) {
        let text =
            |f: fn(&Timeline) -> &TextCol| -> usize { parts.iter().map(|p| f(p).text_len()).sum() };
        self.reserve_more(
            parts.iter().map(Timeline::len).sum(),
            [
                text(|t| &t.message),
                parts.iter().map(|p| p.path.text_len()).sum(),
                text(|t| &t.statement),
            ],
            parts.iter().map(|p| p.attrs.pairs.len()).sum(),
        );
    }

    /// Room for `total` rows in all, estimated from the rows there are:
    /// the columns exactly, the text and attributes by their size per row
    /// so far.
    pub(crate) fn reserve_like_so_far(&mut self, total: usize) {
        let rows = self.len();
        if rows == 0 || total <= rows {
            return;
        }
        let more = total - rows;
        let like = |bytes: usize| (bytes as f64 / rows as f64 * more as f64 * 1.05) as usize;
        self.reserve_more(
            more,
            [
                like(self.message.text_len()),
                like(self.path.text_len()),
                like(self.statement.text_len()),
            ],
            like(self.attrs.pairs.len()),
        );
    }

    /// Append `parts` in order (see [`Timeline::append`]) into columns
    /// reserved exactly for all of them. An empty timeline takes the
    /// first part over instead of copying it.
    pub fn append_all(&mut self, parts: Vec<Timeline>) {
        self.append_all_with(parts, || {});
    }

    /// [`Timeline::append_all`], calling `after_each` once each part has
    /// been appended and freed (to give its memory back before the next).
    pub fn append_all_with(&mut self, parts: Vec<Timeline>, mut after_each: impl FnMut()) {
        let mut parts = parts.into_iter();
        if self.is_empty() && self.strings.is_empty() {
            match parts.next() {
                Some(first) => {
                    // The first part becomes the timeline, keeping where
                    // and when this timeline's text spills (the statement
                    // text too: it stayed in memory, 97 MB of a 256 MiB
                    // PostgreSQL log read in parts).
                    let message = (self.message.spill_dir.take(), self.message.spill_at);
                    let statement = (self.statement.spill_dir.take(), self.statement.spill_at);
                    *self = first;
                    (self.message.spill_dir, self.message.spill_at) = message;
                    (self.statement.spill_dir, self.statement.spill_at) = statement;
                }
                None => return,
            }
        }
        let rest: Vec<Timeline> = parts.collect();
        self.reserve_for(&rest);
        for part in rest {
            self.append(&part);
            drop(part);
            after_each();
        }
    }

    /// Give back the spare capacity of every column (the columns of a
    /// parsed file grew geometrically), and store each sparse column in its
    /// smaller form (`Sparse::settle`).
    pub fn shrink_to_fit(&mut self) {
        let rows = self.len();
        self.ts.shrink_to_fit();
        self.kind.shrink_to_fit();
        self.level.shrink_to_fit(rows);
        self.source.shrink_to_fit();
        self.line.shrink_to_fit();
        self.offset.shrink_to_fit();
        self.line_count.shrink_to_fit(rows);
        self.pid.shrink_to_fit(rows);
        self.blocker_pid.shrink_to_fit(rows);
        self.duration_ms.shrink_to_fit(rows);
        self.status.shrink_to_fit(rows);
        self.bytes.shrink_to_fit(rows);
        for c in &mut self.syms {
            c.shrink_to_fit(rows);
        }
        self.message.shrink_to_fit();
        self.path.shrink_to_fit();
        self.statement.shrink_to_fit();
        self.attrs.ends.shrink_to_fit();
        self.attrs.pairs.shrink_to_fit();
        self.extra_rows.shrink_to_fit();
        self.extras.shrink_to_fit();
    }

    /// Every column but `kind` (always owned), to measure.
    fn held(&self) -> impl Iterator<Item = &dyn Held> + '_ {
        let fixed: [&dyn Held; 16] = [
            &self.ts,
            &self.source,
            &self.line,
            &self.offset,
            &self.level,
            &self.line_count,
            &self.pid,
            &self.blocker_pid,
            &self.duration_ms,
            &self.status,
            &self.bytes,
            &self.message,
            &self.path,
            &self.statement,
            &self.attrs.ends,
            &self.attrs.pairs,
        ];
        fixed
            .into_iter()
            .chain(self.syms.iter().map(|c| c as &dyn Held))
    }

    /// Bytes held by the columns and the rare fields (not the interned
    /// strings).
    pub fn heap_bytes(&self) -> usize {
        self.kind.capacity() * std::mem::size_of::<Kind>()
            + self.extra_rows.capacity() * std::mem::size_of::<u32>()
            + self.extras.heap_bytes()
            + self.held().map(Held::heap_bytes).sum::<usize>()
    }

    /// Bytes of a reopened case's column file that the columns read in
    /// place (0 for a timeline built by an ingest).
    pub fn mapped_bytes(&self) -> usize {
        self.held().map(Held::mapped_bytes).sum()
    }

    /// Sort by time; ties keep source, line and emission order, so the
    /// result (and every event id) is deterministic.
    pub fn sort(&mut self) {
        if let Some(idx) = self.sorted_index() {
            self.apply_permutation(&idx);
        }
    }

    /// The rows in time order (row `k` of the sorted timeline is row
    /// `idx[k]`), or `None` when they already are.
    fn sorted_index(&self) -> Option<Vec<usize>> {
        // Columns read in place from a file are handed back behind the
        // check, so that an ordered timeline costs no memory to find so.
        // (A stretch at a time, over slices: the check is most of
        // reopening a case, which sorts what it loads.)
        let (ts, source, line) = (&self.ts[..], &self.source[..], &self.line[..]);
        let n = ts.len().min(source.len()).min(line.len());
        let mut sorted = true;
        let mut from = 0;
        while sorted && from + 1 < n {
            let to = (from + RELEASE_EVERY).min(n);
            let key = |i: usize| (ts[i], source[i], line[i]);
            sorted = (from + 1..to).all(|i| key(i - 1) <= key(i));
            self.ts.release(from..to);
            self.source.release(from..to);
            self.line.release(from..to);
            from = to - 1;
        }
        if sorted {
            return None;
        }
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.sort_by_key(|&i| self.order_key(i));
        Some(idx)
    }

    #[inline]
    fn order_key(&self, i: usize) -> (i64, u32, u32, usize) {
        (self.ts[i], self.source[i], self.line[i], i)
    }

    /// Reorder (or select) rows: row `k` of the result is old row `idx[k]`.
    fn apply_permutation(&mut self, idx: &[usize]) {
        fn pick<T: Clone, C: FromIterator<T>>(v: &[T], idx: &[usize]) -> C {
            idx.iter().map(|&i| v[i].clone()).collect()
        }
        // A timeline whose columns spill (a large file's) has each new
        // column spilled as soon as it is made, so that one column at a
        // time is in memory, not a second copy of them all.
        self.ts = pick(&self.ts, idx);
        self.spill_columns();
        self.kind = pick(&self.kind, idx);
        self.level = self.level.pick(idx);
        self.source = pick(&self.source, idx);
        self.spill_columns();
        self.line = pick(&self.line, idx);
        self.spill_columns();
        self.offset = pick(&self.offset, idx);
        self.spill_columns();
        self.line_count = self.line_count.pick(idx);
        self.pid = self.pid.pick(idx);
        self.blocker_pid = self.blocker_pid.pick(idx);
        self.duration_ms = self.duration_ms.pick(idx);
        self.spill_columns();
        self.status = self.status.pick(idx);
        self.bytes = self.bytes.pick(idx);
        self.spill_columns();
        for k in 0..self.syms.len() {
            self.syms[k] = self.syms[k].pick(idx);
            self.spill_columns();
        }
        self.message = self.message.pick(idx);
        self.spill_columns();
        self.path = self.path.pick(idx);
        self.spill_columns();
        self.statement = self.statement.pick(idx);
        self.attrs = self.attrs.pick(idx);
        self.spill_columns();
        if self.extras.len() > 0 {
            let old_rows = std::mem::take(&mut self.extra_rows);
            let old = std::mem::take(&mut self.extras);
            let mut taken = vec![false; old.len()];
            for (new_row, &old_row) in idx.iter().enumerate() {
                if let Ok(k) = old_rows.binary_search(&(old_row as u32)) {
                    if k < old.len() && !std::mem::replace(&mut taken[k], true) {
                        self.extra_rows.push(new_row as u32);
                        self.extras.push_from(&old, k);
                    }
                }
            }
        }
    }

    // ----- accessors -----

    /// Time of event `i`, µs UTC.
    pub fn ts(&self, i: usize) -> i64 {
        self.ts[i]
    }

    /// All times, sorted ascending (after [`Timeline::sort`]).
    pub fn times(&self) -> &[i64] {
        &self.ts
    }

    /// Kind of event `i`.
    pub fn kind(&self, i: usize) -> Kind {
        self.kind[i]
    }

    /// Level of event `i`.
    pub fn level(&self, i: usize) -> Option<Level> {
        self.level.get(i)
    }

    /// Source index of event `i` (into the case's sources).
    pub fn source(&self, i: usize) -> u32 {
        self.source[i]
    }

    /// 1-based line of event `i` in its source file.
    pub fn line(&self, i: usize) -> u32 {
        self.line[i]
    }

    /// Byte offset of event `i` in its decoded source.
    pub fn offset(&self, i: usize) -> u64 {
        self.offset[i]
    }

    /// Physical lines of event `i`'s record.
    pub fn line_count(&self, i: usize) -> u32 {
        self.line_count.get(i)
    }

    /// Process / backend / thread id.
    pub fn pid(&self, i: usize) -> Option<i64> {
        Some(self.pid.get(i)).filter(|&p| p != NO_INT)
    }

    /// Pid holding the lock event `i` waits for.
    pub fn blocker_pid(&self, i: usize) -> Option<i64> {
        Some(self.blocker_pid.get(i)).filter(|&p| p != NO_INT)
    }

    /// Duration in ms.
    pub fn duration_ms(&self, i: usize) -> Option<f64> {
        let d = self.duration_ms.get(i);
        (!d.is_nan()).then_some(d as f64)
    }

    /// HTTP status.
    pub fn status(&self, i: usize) -> Option<u16> {
        Some(self.status.get(i)).filter(|&s| s != 0)
    }

    /// Response bytes.
    pub fn bytes(&self, i: usize) -> Option<u64> {
        Some(self.bytes.get(i)).filter(|&b| b != NO_BYTES)
    }

    /// Interned id of a string field of event `i` (0 when absent).
    pub fn sym(&self, col: SymCol, i: usize) -> Sym {
        self.syms[col.index()].get(i)
    }

    /// A whole string column, row by row.
    pub fn sym_values(&self, col: SymCol) -> impl ExactSizeIterator<Item = Sym> + '_ {
        let c = &self.syms[col.index()];
        (0..self.len()).map(move |i| c.get(i))
    }

    /// A string field of event `i`.
    pub fn str(&self, col: SymCol, i: usize) -> Option<&str> {
        match self.syms[col.index()].get(i) {
            0 => None,
            s => Some(self.strings.get(s)),
        }
    }

    /// The interner of this timeline.
    pub fn strings(&self) -> &Interner {
        &self.strings
    }

    /// Message of event `i` (may be empty for requests: see [`Timeline::summary`]).
    pub fn message(&self, i: usize) -> &str {
        self.message.get(i).unwrap_or("")
    }

    /// Request path as logged.
    pub fn path(&self, i: usize) -> Option<&str> {
        self.path.get(i, &self.message)
    }

    /// SQL statement.
    pub fn statement(&self, i: usize) -> Option<&str> {
        self.statement.get(i)
    }

    /// Whether event `i` has statement text, without reading it as UTF-8
    /// ([`Timeline::statement`] may still find it is not).
    pub fn has_statement(&self, i: usize) -> bool {
        self.statement.bytes(i).is_some()
    }

    /// The rare fields of event `i`, if any.
    pub fn extra(&self, i: usize) -> Option<&Extra> {
        let k = self.extra_rows.binary_search(&(i as u32)).ok()?;
        self.extras.get(k)
    }

    /// Rows `rows` in order, for a scan that reads each row once: every
    /// column read in place from a file (a large ingest's, its column file,
    /// or a reopened case's) is handed back behind the scan every
    /// `RELEASE_EVERY` rows, so a stretch of it is resident at a time,
    /// not all of it (two such scans of the analysis kept 250 MB of
    /// spilled text resident on the mixed corpus of BENCHMARKS.md; a search
    /// of a reopened case kept all of its text; the latency series kept
    /// the six columns it reads). A scan may still read any row: a row
    /// handed back is read again from the file.
    pub fn rows_released_behind(
        &self,
        rows: std::ops::Range<usize>,
    ) -> impl Iterator<Item = usize> + '_ {
        let start = rows.start;
        rows.inspect(move |&i| {
            if i > start && (i - start) % RELEASE_EVERY == 0 {
                self.release_rows(i - RELEASE_EVERY..i);
            }
        })
    }

    /// [`Timeline::rows_released_behind`] for a list of rows, ascending
    /// (the rows of one key, one burst): what the scan read behind it is
    /// handed back each time it has gone `RELEASE_EVERY` rows further.
    /// Rows scattered over the timeline each touch pages of their own, so
    /// what is resident is bounded by how far the scan went, not by how
    /// many rows it read.
    pub fn listed_rows_released_behind<'a>(
        &'a self,
        rows: impl IntoIterator<Item = usize> + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        let mut from = None;
        rows.into_iter().inspect(move |&i| match from {
            Some(f) if i >= f + RELEASE_EVERY => {
                self.release_rows(f..i);
                from = Some(i);
            }
            Some(_) => {}
            None => from = Some(i),
        })
    }

    /// Hand back the resident pages of rows `rows` of every column read in
    /// place from a file (a reopened case, or an ingest's timeline once
    /// its column file is written): a scan that reads each row once calls
    /// this behind it, so a stretch of the columns is resident at a time.
    /// Owned columns are left alone; nothing read changes.
    pub(crate) fn release_rows(&self, rows: std::ops::Range<usize>) {
        let rows = rows.start.min(self.len())..rows.end.min(self.len());
        if rows.is_empty() {
            return;
        }
        self.ts.release(rows.clone());
        self.source.release(rows.clone());
        self.line.release(rows.clone());
        self.offset.release(rows.clone());
        self.level.release(rows.clone());
        self.line_count.release(rows.clone());
        self.pid.release(rows.clone());
        self.blocker_pid.release(rows.clone());
        self.duration_ms.release(rows.clone());
        self.status.release(rows.clone());
        self.bytes.release(rows.clone());
        for col in &self.syms {
            col.release(rows.clone());
        }
        self.message.release(rows.clone());
        self.path.at.release(rows.clone());
        self.path.own.release(rows.clone());
        self.statement.release(rows.clone());
        self.attrs.release(rows);
    }

    /// Every event with rare fields, in row order (a walk over the few
    /// such rows, where asking [`Timeline::extra`] of every row searches
    /// for each; in a reopened case the fields themselves are decoded only
    /// when asked for).
    pub fn rows_with_extra(&self) -> impl Iterator<Item = usize> + '_ {
        self.extra_rows.iter().map(|&row| row as usize)
    }

    /// The free-form attributes of event `i` (`ua`, `referer`,
    /// `exception`, ...), in the order the parser gave them.
    pub fn attrs(&self, i: usize) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.attrs
            .get(i)
            .iter()
            .map(|&[k, v]| (self.strings.get(k), self.strings.get(v)))
    }

    /// The attribute `key` of event `i`, if it has one.
    pub fn attr(&self, i: usize, key: &str) -> Option<&str> {
        self.attrs(i).find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Index of the first event at or after `ts` (binary search).
    pub fn lower_bound(&self, ts: i64) -> usize {
        self.ts.partition_point(|&t| t < ts)
    }

    /// A one-line description of event `i` for lists and reports: the
    /// message, or for requests `POST /checkout 200 12.9 s`.
    pub fn summary(&self, i: usize) -> String {
        let msg = self.message(i);
        match self.kind(i) {
            Kind::Request if msg.is_empty() || msg.len() > 200 => {
                let mut s = String::new();
                if let Some(m) = self.str(SymCol::Method, i) {
                    s.push_str(m);
                    s.push(' ');
                }
                s.push_str(self.path(i).or(self.str(SymCol::Route, i)).unwrap_or("?"));
                if let Some(st) = self.status(i) {
                    s.push_str(&format!(" {st}"));
                }
                if let Some(d) = self.duration_ms(i) {
                    s.push_str(&format!(" {}", crate::text::human_ms(d)));
                }
                s
            }
            Kind::JobStart | Kind::JobEnd | Kind::JobFail => {
                let first = msg.lines().next().unwrap_or("");
                match self.str(SymCol::Job, i) {
                    Some(job) if !first.contains(job) => format!("{job}: {first}"),
                    _ => first.to_string(),
                }
            }
            _ => msg.lines().next().unwrap_or("").to_string(),
        }
    }
}

#[cfg(test)]
impl Timeline {
    /// Every field of every row through the accessors, a line per row
    /// (to compare two timelines in tests).
    pub(crate) fn debug_rows(&self) -> Vec<String> {
        (0..self.len())
            .map(|i| {
                let syms: Vec<Option<&str>> = SymCol::ALL.iter().map(|&c| self.str(c, i)).collect();
                format!(
                    "{} {:?} {:?} {} {} {} {} {:?} {:?} {:?} {:?} {:?} {syms:?} {:?} {:?} {:?} {:?} {:?}",
                    self.ts(i),
                    self.kind(i),
                    self.level(i),
                    self.source(i),
                    self.line(i),
                    self.offset(i),
                    self.line_count(i),
                    self.pid(i),
                    self.blocker_pid(i),
                    self.duration_ms(i),
                    self.status(i),
                    self.bytes(i),
                    self.message(i),
                    self.path(i),
                    self.statement(i),
                    self.attrs(i).collect::<Vec<_>>(),
                    self.extra(i),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sparse::SETTLE_ROWS;
    use std::borrow::Cow;

    fn ev(ts: i64, line: u32, host: &str) -> Event<'static> {
        let mut e = Event::new(Kind::Log, ts, line, 0);
        e.host = Some(Cow::Owned(host.to_string()));
        e.message = Cow::Owned(format!("m{line}"));
        e
    }

    #[test]
    fn merge_remaps_strings_and_orders_like_sort() {
        let mut a = Timeline::new();
        let mut with_attr = ev(30, 1, "web01");
        with_attr.attrs = vec![(Cow::Borrowed("ua"), Cow::Borrowed("x"))];
        a.push(0, &with_attr);
        a.push(0, &ev(10, 2, "web02"));
        let mut b = Timeline::new();
        let mut with_extra = ev(10, 1, "db01");
        with_extra.holders = vec![7];
        b.push(1, &with_extra);
        let mut named = ev(20, 2, "web01");
        named.attrs = vec![
            (Cow::Borrowed("ua"), Cow::Borrowed("web01")),
            (Cow::Borrowed("referer"), Cow::Borrowed("")),
        ];
        b.push(1, &named);
        let t = Timeline::merge_sorted(vec![a, b]);
        let order: Vec<(i64, &str, &str)> = (0..t.len())
            .map(|i| (t.ts(i), t.str(SymCol::Host, i).unwrap_or(""), t.message(i)))
            .collect();
        assert_eq!(
            order,
            vec![
                (10, "web02", "m2"),
                (10, "db01", "m1"),
                (20, "web01", "m2"),
                (30, "web01", "m1")
            ]
        );
        assert_eq!(t.extra(1).map(|x| x.holders.clone()), Some(vec![7]));
        assert_eq!(t.extra(0), None);
        let attrs: Vec<Vec<(&str, &str)>> = (0..t.len()).map(|i| t.attrs(i).collect()).collect();
        assert_eq!(
            attrs,
            vec![
                vec![],
                vec![],
                vec![("ua", "web01"), ("referer", "")],
                vec![("ua", "x")],
            ]
        );
        // "", web01, web02, db01, ua, x, referer
        assert_eq!(t.strings().len(), 7);
        assert_eq!(t.lower_bound(15), 2);
    }

    #[test]
    fn text_extended_by_runs_reads_as_pushed_row_by_row() {
        let texts = ["", "alpha", "", "", "βeta", "gamma", ""];
        let mut src = TextCol::default();
        texts.iter().for_each(|t| src.push(t));
        let mut empty = TextCol::default();
        (0..4).for_each(|_| empty.push(""));
        assert!(empty.ends.is_empty());
        // Row 3 of a damaged column ends before row 2 does: it is empty.
        let damaged =
            TextCol::from_raw(b"abcdef".to_vec().into(), vec![2, 4, 3, 6].into(), 4).unwrap();
        let read = |c: &TextCol| -> Vec<String> {
            (0..c.len())
                .map(|i| c.get(i).unwrap_or("").to_string())
                .collect()
        };
        let runs: [(&TextCol, std::ops::Range<usize>); 9] = [
            (&src, 0..1),
            (&empty, 0..3),
            (&src, 2..4),
            (&src, 1..6),
            (&empty, 3..4),
            (&src, 6..7),
            (&damaged, 1..4),
            (&src, 0..0),
            (&src, 0..7),
        ];
        // From an empty column (no ends yet) and from one with text.
        for start in [TextCol::default(), src.clone()] {
            let (mut by_run, mut by_row) = (start.clone(), start.clone());
            for (col, rows) in runs.iter().cloned() {
                by_run.extend_from(col, rows.clone());
                for i in rows {
                    by_row.push(col.get(i).unwrap_or(""));
                }
            }
            assert_eq!(read(&by_run), read(&by_row));
            assert_eq!(by_run.raw(), by_row.raw());
        }
        // Only empty rows: still no ends.
        let mut none = TextCol::default();
        none.extend_from(&empty, 0..4);
        none.extend_from(&src, 2..4);
        assert_eq!((none.len(), none.ends.len()), (6, 0));
    }

    #[test]
    fn attrs_extended_by_runs_read_as_pushed_row_by_row() {
        let mut src = AttrCol::default();
        let rows: [&[(Sym, Sym)]; 5] = [&[], &[(1, 2)], &[(3, 4), (5, 6)], &[], &[(7, 8)]];
        rows.iter().for_each(|r| src.push_row(r.iter().copied()));
        // Damaged columns: row 1 ends before row 0 does (it reads as
        // empty); row 1 ends past the pairs.
        let descending = AttrCol {
            ends: vec![2, 1, 3].into(),
            pairs: vec![[1, 1], [2, 2], [3, 3]].into(),
        };
        let past = AttrCol {
            ends: vec![1, 9].into(),
            pairs: vec![[1, 1], [2, 2]].into(),
        };
        let map = |s: Sym| s * 10;
        let runs: [(&AttrCol, std::ops::Range<usize>); 8] = [
            (&src, 0..1),
            (&src, 1..3),
            (&descending, 0..3),
            (&src, 2..5),
            (&src, 0..0),
            (&past, 0..2),
            (&descending, 1..2),
            (&src, 0..5),
        ];
        let (mut by_run, mut by_row) = (AttrCol::default(), AttrCol::default());
        for (col, rows) in runs.iter().cloned() {
            by_run.extend_from(col, rows.clone(), map);
            for i in rows {
                by_row.push_row(col.get(i).iter().map(|&[k, v]| (map(k), map(v))));
            }
        }
        assert_eq!(by_run.ends[..], by_row.ends[..]);
        assert_eq!(by_run.pairs[..], by_row.pairs[..]);
        assert_eq!(by_run.get(1), &[[10, 20]]);
        assert_eq!(by_run.get(2), &[[30, 40], [50, 60]]);
    }

    #[test]
    fn merge_sorted_equals_append_then_sort() {
        let parts = random_parts(None);
        let mut expected = Timeline::new();
        for p in parts.clone() {
            expected.append(&p);
        }
        expected.sort();
        let merged = Timeline::merge_sorted(parts);
        assert_eq!(merged.debug_rows(), expected.debug_rows());
        assert_eq!(merged.len(), 160);
        assert!(merged.pid.has_values() && !merged.blocker_pid.has_values());
    }

    #[test]
    fn spilled_text_reads_the_same_through_append_sort_and_merge() {
        let dir = tempfile::tempdir().unwrap();
        let expected = Timeline::merge_sorted(random_parts(None));
        let spilled = random_parts(Some(dir.path()));
        assert!(spilled[..4].iter().all(|p| p.message.buf.is_mapped()));
        assert!(spilled[3].statement.buf.is_mapped());
        // Several parts: the merge's copy spills too.
        let merged = Timeline::merge_sorted(spilled.clone());
        assert!(merged.message.buf.is_mapped());
        assert!(merged.statement.buf.is_mapped());
        assert_eq!(merged.debug_rows(), expected.debug_rows());
        // One part out of order: the sort's copy spills.
        let mut one = Timeline::new();
        one.spill_text_past(dir.path(), 64);
        one.append_all(spilled);
        one.finish_spill();
        assert!(one.message.buf.is_mapped());
        let sorted = Timeline::merge_sorted(vec![one.clone()]);
        assert!(sorted.message.buf.is_mapped());
        assert_eq!(sorted.debug_rows(), expected.debug_rows());
        // Pages handed back read back the same.
        sorted.message.release(0..sorted.len());
        assert_eq!(sorted.debug_rows(), expected.debug_rows());
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }

    #[test]
    fn a_scan_reading_text_sees_every_row_as_it_was_pushed() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Timeline::new();
        t.spill_text_past(dir.path(), 0);
        let n = RELEASE_EVERY * 4 + 5;
        let text = |i: usize| format!("row {i} {}", "x".repeat(40));
        for i in 0..n {
            let mut e = Event::new(Kind::Log, i as i64, i as u32 + 1, 0);
            e.message = Cow::Owned(text(i));
            t.push(0, &e);
        }
        t.finish_spill();
        assert!(t.message.is_mapped());
        let mut seen = 0;
        for i in t.rows_released_behind(0..n) {
            assert_eq!((i, t.message(i)), (seen, text(i).as_str()));
            seen += 1;
        }
        assert_eq!(seen, n);
        // Behind the scan, the text went back: the last stretch is
        // resident, not all of it (as a plain read of every row leaves it).
        #[cfg(target_os = "linux")]
        {
            let resident = crate::memory::tests::resident_kib;
            let scanned = resident(dir.path());
            (0..n).for_each(|i| assert!(!t.message(i).is_empty()));
            let read = resident(dir.path());
            assert!(
                read > 4 * 1024,
                "{read} KiB resident after reading every row"
            );
            assert!(
                scanned * 2 < read,
                "{scanned} KiB resident after the scan, {read} after reading"
            );
        }
        let from = RELEASE_EVERY + 3;
        let rows: Vec<usize> = t.rows_released_behind(from..n).collect();
        assert_eq!(rows, (from..n).collect::<Vec<_>>());
        // Released pages read back the same.
        assert_eq!(t.message(0), text(0));
    }

    /// A scan of listed rows (every third, as an error key's) reads them
    /// in order and hands back the spilled columns behind it: a stretch is
    /// resident at the end, not every page it read.
    #[cfg(target_os = "linux")]
    #[test]
    fn listed_rows_hand_back_the_columns_they_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Timeline::new();
        t.spill_text_past(dir.path(), 0);
        let n = RELEASE_EVERY * 8;
        for i in 0..n {
            t.push(0, &Event::new(Kind::Log, i as i64, i as u32 + 1, 0));
        }
        t.finish_spill();
        t.spill_columns();
        t.release_rows(0..n);
        assert!(t.ts.in_file() && t.line.in_file());
        let resident = || crate::memory::tests::resident_kib(dir.path());
        let listed: Vec<usize> = (0..n).step_by(3).collect();
        let mut sum = 0;
        let seen: Vec<usize> = t
            .listed_rows_released_behind(listed.iter().copied())
            .inspect(|&i| sum += t.ts(i) + i64::from(t.line(i)))
            .collect();
        assert_eq!(seen, listed);
        let scanned = resident();
        let plain: i64 = listed.iter().map(|&i| t.ts(i) + i64::from(t.line(i))).sum();
        let read = resident();
        assert_eq!(sum, plain);
        assert!(read > 4 * 1024, "{read} KiB resident after a plain read");
        assert!(
            scanned * 2 < read,
            "{scanned} KiB resident after the scan, {read} after a plain read"
        );
    }

    #[test]
    fn text_that_cannot_be_written_comes_back_into_memory() {
        // A disk that fills up while a column spills: the writer's file
        // refuses writes (opened read-only), the text written so far and
        // the rest stay in memory, and every row reads back.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ro");
        std::fs::write(&path, b"").unwrap();
        let mut col = TextCol {
            spill: Some(Box::new(SpillWriter::to_file(
                std::fs::File::open(&path).unwrap(),
            ))),
            ..TextCol::default()
        };
        let rows: Vec<String> = (0..8000)
            .map(|i| format!("row {i} {}", "x".repeat(i % 700)))
            .collect();
        let bytes: usize = rows.iter().map(String::len).sum();
        assert!(bytes > 2 * spill::PENDING, "past the first write");
        for r in &rows {
            col.push(r);
        }
        assert!(
            col.spill.is_none() && col.spill_dir.is_none(),
            "gave up spilling"
        );
        col.finish_spill();
        assert!(!col.is_mapped());
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(col.get(i), Some(r.as_str()), "row {i}");
        }
        assert_eq!(col.text_len(), bytes);
    }

    /// Four timelines of 40 random rows (and an empty one), their text
    /// spilled into `spill` past 64 bytes.
    fn random_parts(spill: Option<&Path>) -> Vec<Timeline> {
        let mut parts = Vec::new();
        for (source, events) in random_events().into_iter().enumerate() {
            let mut p = Timeline::new();
            if let Some(dir) = spill {
                p.spill_text_past(dir, 64);
            }
            for e in &events {
                p.push(source as u32, e);
            }
            p.finish_spill();
            parts.push(p);
        }
        parts.push(Timeline::new());
        parts
    }

    /// The events of four sources of 40 lines each: one with pids and
    /// levels, one with requests (statuses, durations, paths, attributes),
    /// one with statements; holders here and there.
    fn random_events() -> Vec<Vec<Event<'static>>> {
        let mut seed = 7u64;
        let mut next = move |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        let hosts = ["web01", "web02", "db01", "batch01"];
        let mut sources = Vec::new();
        for source in 0..4u32 {
            let mut events = Vec::new();
            for line in 1..=40u32 {
                let mut e = ev(next(50) as i64, line, hosts[next(4) as usize]);
                if source == 1 {
                    e.pid = Some(next(5) as i64);
                    e.level = Some(Level::Error);
                }
                if source == 2 && line % 3 == 0 {
                    e.status = Some(500);
                    e.duration_ms = Some(line as f64);
                    e.path = Some(Cow::Owned(format!("/p/{line}")));
                    if line % 2 == 0 {
                        // Half the paths lie in their message.
                        e.message = Cow::Owned(format!("GET /p/{line} HTTP/1.1"));
                    }
                    e.attrs = vec![(Cow::Borrowed("ua"), Cow::Owned(format!("ua{}", next(3))))];
                }
                if next(5) == 0 {
                    e.holders = vec![line as i64];
                }
                if source == 3 && line % 2 == 0 {
                    e.statement = Some(Cow::Owned(format!(
                        "UPDATE items SET stock = stock - 1 WHERE id = {line}"
                    )));
                }
                events.push(e);
            }
            sources.push(events);
        }
        sources
    }

    /// A timeline emptied by `clear` and filled again reads exactly as a
    /// new one filled the same way (every column, string and rare field;
    /// the sparse columns of the earlier sources were dense, marked or
    /// empty), and appending it gives what appending a new one gives, as
    /// the parts of a large file are. One that is spilling text is left
    /// as it is.
    #[test]
    fn a_cleared_timeline_reads_as_a_new_one() {
        let mut sources = random_events();
        // Enough requests with a status for that column to turn dense.
        let requests = (0..SETTLE_ROWS as u32 + 100).map(|i| {
            let mut e = ev(i64::from(i), i + 1, "web01");
            e.status = Some(200 + (i % 3) as u16);
            e
        });
        sources.push(requests.collect());
        let mut reused = Timeline::new();
        let (mut from_new, mut from_reused) = (Timeline::new(), Timeline::new());
        // Every order of sources, so each is filled after each other one.
        for order in [
            [0, 1, 2, 3, 4],
            [4, 3, 2, 1, 0],
            [2, 4, 0, 3, 1],
            [1, 3, 4, 0, 2],
        ] {
            for k in order {
                let mut new = Timeline::new();
                assert!(reused.clear());
                assert!(reused.is_empty() && reused.strings.len() == 1);
                for e in &sources[k] {
                    new.push(k as u32, e);
                    reused.push(k as u32, e);
                }
                assert_eq!(reused.debug_rows(), new.debug_rows(), "source {k}");
                if k == 4 {
                    assert!(reused.status.is_dense());
                }
                assert_eq!(
                    reused.strings.strings().collect::<Vec<_>>(),
                    new.strings.strings().collect::<Vec<_>>()
                );
                from_new.append(&new);
                from_reused.append(&reused);
            }
        }
        assert_eq!(from_reused.debug_rows(), from_new.debug_rows());
        assert_eq!(from_reused.len(), 4 * (4 * 40 + SETTLE_ROWS + 100));

        let dir = tempfile::tempdir().unwrap();
        let (mut spilling, mut kept) = (Timeline::new(), Timeline::new());
        spilling.spill_text_past(dir.path(), 64);
        for e in &sources[0] {
            spilling.push(0, e);
            kept.push(0, e);
        }
        assert!(!spilling.clear(), "a spilling column cannot be taken back");
        spilling.finish_spill();
        assert!(spilling.message.is_mapped(), "it did spill");
        assert_eq!(spilling.debug_rows(), kept.debug_rows());
    }

    #[test]
    fn lazy_extras_decode_by_chunk_and_on_change() {
        let n = EXTRA_CHUNK * 2 + 3;
        let mut json = Vec::new();
        let mut ends = Vec::new();
        for k in 0..n {
            if k == 5 {
                json.extend_from_slice(b"{oops");
            } else {
                let x = Extra {
                    holders: vec![k as i64],
                    ..Extra::default()
                };
                serde_json::to_writer(&mut json, &x).unwrap();
            }
            ends.push(json.len() as u64);
        }
        let lazy = Extras::lazy(json.into(), ends.into());
        assert_eq!(lazy.len(), n);
        let holders = |x: &Extras, k: usize| x.get(k).map(|x| x.holders.clone());
        assert_eq!(
            holders(&lazy, EXTRA_CHUNK + 1),
            Some(vec![EXTRA_CHUNK as i64 + 1])
        );
        assert_eq!(holders(&lazy, n - 1), Some(vec![n as i64 - 1]));
        assert_eq!(holders(&lazy, n), None);
        assert_eq!(
            lazy.get(5),
            Some(&Extra::default()),
            "a damaged entry reads empty"
        );
        assert_eq!(lazy.iter().count(), n);
        let mut more = lazy.clone();
        let last = Extra {
            ids: vec![("order_id".into(), "88213".into())],
            ..Extra::default()
        };
        more.push(&last);
        assert_eq!(
            (more.len(), holders(&more, 7), more.get(n)),
            (n + 1, Some(vec![7]), Some(&last))
        );
        assert_eq!(more.raw(n), br#"{"ids":[["order_id","88213"]]}"#);
        assert_eq!(more.raw(n + 1), b"", "past the end");
        // An entry pushed into a chunk already decoded is seen.
        let mut grown = Extras::default();
        grown.push(&Extra::default());
        assert_eq!(grown.get(1), None);
        grown.push_raw(br#"{"queue":[4]}"#, true);
        assert_eq!(grown.get(1).map(|x| x.queue.clone()), Some(vec![4]));
    }

    #[test]
    fn interner_round_trips_through_its_raw_parts() {
        let mut s = Interner::default();
        let (a, b) = (s.intern("web01"), s.intern("ｗｅｂ"));
        assert_eq!((a, b, s.intern("web01"), s.intern("")), (1, 2, 1, 0));
        assert_eq!((s.get(b), s.get(0), s.get(99)), ("ｗｅｂ", "", ""));
        let (text, ends) = s.raw();
        let mut back = Interner::from_raw(text.to_vec().into(), ends.to_vec().into()).unwrap();
        assert_eq!(back.lookup("ｗｅｂ"), Some(2));
        assert_eq!(back.lookup("web02"), None);
        assert_eq!(back.intern("new"), 3);
        assert_eq!(
            back.strings().collect::<Vec<_>>(),
            ["", "web01", "ｗｅｂ", "new"]
        );
        // Room made ahead (the merge's) holds the strings as they come.
        back.reserve(1000);
        let room = back.map.get().map(HashTable::capacity);
        assert!(room.is_some_and(|c| c >= 1003), "{room:?}");
        (0..1000).for_each(|i| assert_eq!(back.intern(&format!("s{i}")), 4 + i));
        assert_eq!(back.map.get().map(HashTable::capacity), room);
        assert_eq!(
            (back.lookup("ｗｅｂ"), back.lookup("s999")),
            (Some(2), Some(1003))
        );
        let raw = |text: &[u8], ends: &[u64]| {
            Interner::from_raw(text.to_vec().into(), ends.to_vec().into())
        };
        assert!(raw(b"ab", &[1, 2]).is_none(), "string 0 is not empty");
        assert!(raw(b"ab", &[0, 2, 1]).is_none(), "ends descend");
        assert!(raw(b"ab", &[0, 3]).is_none(), "past the text");
        let bad = raw(&[0xff, b'a'], &[0, 1, 2]).unwrap();
        assert_eq!(
            (bad.get(1), bad.get(2)),
            ("", "a"),
            "bad UTF-8 reads as empty"
        );
    }

    #[test]
    fn retain_keeps_extra_aligned() {
        let mut t = Timeline::new();
        t.push(0, &ev(1, 1, "a"));
        let mut x = ev(2, 2, "b");
        x.queue = vec![1, 2];
        x.attrs = vec![(Cow::Borrowed("exception"), Cow::Borrowed("E"))];
        t.push(0, &x);
        t.retain_rows(|_, i| i == 1);
        assert_eq!(t.len(), 1);
        assert_eq!(t.attr(0, "exception"), Some("E"));
        assert_eq!(t.extra(0).map(|x| x.queue.len()), Some(2));
    }
}

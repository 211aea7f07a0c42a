//! A timeline column that costs little while most rows are absent.
//!
//! Most fields are present in a few formats only: an access log has no
//! pid, lock resource, job or transaction; a PostgreSQL log has no status
//! or bytes. In a timeline of one format such a column holds nothing; in a
//! timeline of several formats it holds a value in a few rows out of a
//! hundred (the mixed benchmark corpus: `txn` in 0.1 % of rows, `pid` in
//! 6.8 %). Stored one value per row, its absent markers would cost more
//! than the rest of the event.
//!
//! A [`Sparse`] column is therefore kept in one of two forms, whichever is
//! smaller:
//!
//! - **marked**: one bit per row saying whether the row has a value, the
//!   values of those rows in row order, and the number of values before
//!   each word of 64 rows (the rank, 4 bytes per 64 rows). Reading row `i`
//!   tests its bit and counts the bits below it in its word: one
//!   `count_ones`, no search. A column no row has a value in costs nothing
//!   at all.
//! - **dense**: one value per row, absent ones as the marker.
//!
//! A column is marked while that takes at most half the bytes of dense
//! (values in under a third of the rows for one-byte values, under nearly
//! half for eight-byte ones). Pushing rows switches a marked column to
//! dense once it is past [`SETTLE_ROWS`] rows and too full; the
//! bulk operations (append, merge, permutation, [`Sparse::settle`]) choose
//! the form from the values they count.

use super::buf::{Buf, Held};

/// Rows a marked column is pushed before its density is checked; below
/// it either form is small.
pub(crate) const SETTLE_ROWS: usize = 1 << 10;

/// A column value with an "absent" marker that can be compared exactly
/// (`f32` compares by bits, so `NaN` works as the marker).
pub(crate) trait Cell: Copy {
    /// Whether `self` and `other` are the same value.
    fn same(self, other: Self) -> bool;
}

macro_rules! cell_by_eq {
    ($($t:ty),*) => {
        $(impl Cell for $t {
            fn same(self, other: Self) -> bool {
                self == other
            }
        })*
    };
}
cell_by_eq!(u16, u32, i64, u64, Option<pm_parsers::Level>);

impl Cell for f32 {
    fn same(self, other: Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

/// A column whose rows read as `absent` unless given a value, stored
/// marked or dense (see the module docs). The row count is the
/// timeline's, passed in by the caller; the column does not keep its own.
#[derive(Debug, Clone)]
pub(crate) struct Sparse<T: 'static> {
    form: Form<T>,
    absent: T,
}

#[derive(Debug, Clone)]
enum Form<T: 'static> {
    /// The rows with a value, and their values.
    Marked {
        /// Bit `i % 64` of word `i / 64` is set when row `i` has a value;
        /// rows past the last word have none.
        bits: Buf<u64>,
        /// The number of values before each word of `bits`.
        rank: Vec<u32>,
        /// The values of the marked rows, in row order.
        vals: Buf<T>,
    },
    /// One value per row.
    Dense(Buf<T>),
}

/// The set bits of one word, as row numbers.
struct Ones {
    word: u64,
    base: usize,
}

impl Iterator for Ones {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.word == 0 {
            return None;
        }
        let at = self.word.trailing_zeros() as usize;
        self.word &= self.word - 1;
        Some(self.base + at)
    }
}

/// The rows whose bit is set in `bits`, in order.
fn marked_rows(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    bits.iter()
        .enumerate()
        .flat_map(|(w, &word)| Ones { word, base: w * 64 })
}

/// The rank of `bits` (see [`Form::Marked`]), or `None` when it counts
/// more values than fit in `u32`.
fn rank_of(bits: &[u64]) -> Option<Vec<u32>> {
    let mut before: u64 = 0;
    bits.iter()
        .map(|w| {
            let at = u32::try_from(before).ok();
            before += u64::from(w.count_ones());
            at
        })
        .collect()
}

impl<T: Cell> Sparse<T> {
    /// An empty column whose missing rows read as `absent`.
    pub(crate) const fn new(absent: T) -> Self {
        Sparse {
            form: Form::Marked {
                bits: Buf::new(),
                rank: Vec::new(),
                vals: Buf::new(),
            },
            absent,
        }
    }

    /// An empty column with the same absent marker.
    pub(crate) fn empty_like(&self) -> Self {
        Sparse::new(self.absent)
    }

    /// What rows without a value read as.
    pub(crate) fn absent(&self) -> T {
        self.absent
    }

    /// A dense column of `vals`, one per row.
    fn dense(vals: Buf<T>, absent: T) -> Self {
        Sparse {
            form: Form::Dense(vals),
            absent,
        }
    }

    /// Whether marked storage of `present` values in `rows` rows takes at
    /// most half the bytes of dense storage (a column without values takes
    /// none marked).
    fn marked_pays(rows: usize, present: usize) -> bool {
        if present == 0 {
            return true;
        }
        let size = std::mem::size_of::<T>().max(1);
        let marked = rows.div_ceil(64) * (8 + 4) + present * size;
        marked * 2 <= rows * size
    }

    /// Whether any row may hold a value (a dense column counts as holding
    /// values, whatever they are).
    pub(crate) fn has_values(&self) -> bool {
        match &self.form {
            Form::Marked { vals, .. } => !vals.is_empty(),
            Form::Dense(vals) => !vals.is_empty(),
        }
    }

    /// Remove every row, keeping the form and the capacity (a column
    /// emptied to be filled again, with as many rows as before).
    pub(crate) fn clear(&mut self) {
        match &mut self.form {
            Form::Dense(vals) => vals.clear(),
            Form::Marked { bits, rank, vals } => {
                bits.clear();
                rank.clear();
                vals.clear();
            }
        }
    }

    /// Whether the column is stored one value per row.
    pub(crate) fn is_dense(&self) -> bool {
        matches!(self.form, Form::Dense(_))
    }

    /// The number of rows with a value (a scan for a dense column).
    pub(crate) fn present(&self) -> usize {
        match &self.form {
            Form::Marked { vals, .. } => vals.len(),
            Form::Dense(vals) => vals.iter().filter(|v| !v.same(self.absent)).count(),
        }
    }

    /// Append row number `row` (the rows before it number `row`). A marked
    /// column past [`SETTLE_ROWS`] rows turns dense when it is too full.
    #[inline]
    pub(crate) fn push(&mut self, row: usize, v: T) {
        match &mut self.form {
            Form::Dense(vals) => vals.push(v),
            Form::Marked { .. } if v.same(self.absent) => {}
            Form::Marked { .. } => self.push_marked(row, v),
        }
    }

    /// [`Sparse::push`] of a value to a marked column: kept out of line, as
    /// most pushes are of a dense column or of nothing.
    #[inline(never)]
    fn push_marked(&mut self, row: usize, v: T) {
        if self.mark(row, v) && row >= SETTLE_ROWS && !Self::marked_pays(row + 1, self.present()) {
            self.make_dense(row + 1, 0);
        }
    }

    /// Append row number `row` to this column as [`Sparse::push`] does,
    /// but never change its form (the caller has chosen it). True when a
    /// marked column started a new word of marks.
    #[inline]
    fn mark(&mut self, row: usize, v: T) -> bool {
        let absent = self.absent;
        match &mut self.form {
            Form::Dense(vals) => {
                vals.resize(row, absent);
                vals.push(v);
                false
            }
            Form::Marked { bits, rank, vals } => {
                if v.same(absent) {
                    return false;
                }
                let w = row / 64;
                let new_word = w >= bits.len();
                if new_word {
                    bits.resize(w + 1, 0);
                    rank.resize(w + 1, vals.len() as u32);
                }
                bits[w] |= 1 << (row % 64);
                vals.push(v);
                new_word
            }
        }
    }

    /// Where row `i`'s value lies among a marked column's values.
    #[inline]
    fn slot(bits: &[u64], rank: &[u32], i: usize) -> Option<usize> {
        let w = i / 64;
        let word = *bits.get(w)?;
        let bit = 1u64 << (i % 64);
        if word & bit == 0 {
            return None;
        }
        Some(*rank.get(w)? as usize + (word & (bit - 1)).count_ones() as usize)
    }

    /// The value of row `i` (`absent` for rows never given one).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> T {
        match &self.form {
            Form::Dense(vals) => vals.get(i).copied().unwrap_or(self.absent),
            Form::Marked { bits, rank, vals } => Self::slot(bits, rank, i)
                .and_then(|k| vals.get(k).copied())
                .unwrap_or(self.absent),
        }
    }

    /// The values of rows `rows`, in order, each mapped through `f`: a pass
    /// over a dense column's slice, a walk over the marks of the range for
    /// a marked one (one rank lookup, not one per row).
    pub(crate) fn range_map<U: Copy>(
        &self,
        rows: std::ops::Range<usize>,
        f: impl Fn(T) -> U,
    ) -> Vec<U> {
        let absent = f(self.absent);
        match &self.form {
            Form::Dense(vals) => {
                let have = vals
                    .get(rows.start.min(vals.len())..rows.end.min(vals.len()))
                    .unwrap_or(&[]);
                let mut out: Vec<U> = have.iter().map(|&v| f(v)).collect();
                out.resize(rows.len(), absent);
                out
            }
            Form::Marked { bits, rank, vals } => {
                let mut out = vec![absent; rows.len()];
                let first_word = rows.start / 64;
                if rows.is_empty() || first_word >= bits.len() {
                    return out;
                }
                // The index of the first value at or after `rows.start`.
                let below = (1u64 << (rows.start % 64)) - 1;
                let mut k = rank.get(first_word).copied().unwrap_or(0) as usize
                    + (bits[first_word] & below).count_ones() as usize;
                let last_word = (rows.end - 1) / 64;
                for w in first_word..=last_word.min(bits.len() - 1) {
                    let mut word = bits[w];
                    if w == first_word {
                        word &= !below;
                    }
                    for row in (Ones { word, base: w * 64 }) {
                        if row >= rows.end {
                            return out;
                        }
                        if let (Some(slot), Some(&v)) = (out.get_mut(row - rows.start), vals.get(k))
                        {
                            *slot = f(v);
                        }
                        k += 1;
                    }
                }
                out
            }
        }
    }

    /// The values of rows `rows`, in order ([`Sparse::range_map`]).
    pub(crate) fn range(&self, rows: std::ops::Range<usize>) -> Vec<T> {
        self.range_map(rows, |v| v)
    }

    /// Call `f` with each row that has a value and the value, in row order.
    pub(crate) fn for_each_present(&self, mut f: impl FnMut(usize, T)) {
        match &self.form {
            Form::Dense(vals) => {
                for (r, &v) in vals.iter().enumerate() {
                    if !v.same(self.absent) {
                        f(r, v);
                    }
                }
            }
            Form::Marked { bits, vals, .. } => {
                for (r, &v) in marked_rows(bits).zip(vals.iter()) {
                    f(r, v);
                }
            }
        }
    }

    /// Store the column one value per row, for `rows` rows, with room for
    /// `more`.
    fn make_dense(&mut self, rows: usize, more: usize) {
        if self.is_dense() {
            return;
        }
        let mut dense = Vec::with_capacity(rows + more);
        dense.resize(rows, self.absent);
        self.for_each_present(|r, v| {
            if let Some(slot) = dense.get_mut(r) {
                *slot = v;
            }
        });
        self.form = Form::Dense(dense.into());
    }

    /// Store the column in whichever form is smaller for `rows` rows.
    pub(crate) fn settle(&mut self, rows: usize) {
        let present = self.present();
        match (self.is_dense(), Self::marked_pays(rows, present)) {
            (true, true) => {
                let rows_values = (0..rows).map(|i| self.get(i));
                *self = Sparse::gathered(self.absent, rows, present, rows_values);
            }
            (false, false) => self.make_dense(rows, 0),
            _ => {}
        }
    }

    /// Room, exactly, for a marked column of `rows` rows and `present`
    /// values.
    fn reserve_marked(&mut self, rows: usize, present: usize) {
        if let Form::Marked { bits, rank, vals } = &mut self.form {
            bits.reserve_exact(rows.div_ceil(64).saturating_sub(bits.len()));
            rank.reserve_exact(rows.div_ceil(64).saturating_sub(rank.len()));
            vals.reserve_exact(present.saturating_sub(vals.len()));
        }
    }

    /// Set row `i` of a column of `rows` rows. Giving a value to a row of
    /// a marked column that has none makes the column dense.
    pub(crate) fn set(&mut self, i: usize, rows: usize, v: T) {
        if let Form::Marked { bits, rank, vals } = &mut self.form {
            if let Some(k) = Self::slot(bits, rank, i) {
                if let Some(slot) = vals.get_mut(k) {
                    *slot = v;
                }
                return;
            }
            if v.same(self.absent) {
                return;
            }
            self.make_dense(rows, 0);
        }
        if let Form::Dense(vals) = &mut self.form {
            if let Some(slot) = vals.get_mut(i) {
                *slot = v;
            }
        }
    }

    /// The rows `from..rows` as a mutable slice, made dense first.
    pub(crate) fn dense_from(&mut self, from: usize, rows: usize) -> &mut [T] {
        self.make_dense(rows, 0);
        match &mut self.form {
            Form::Dense(vals) => {
                let from = from.min(vals.len());
                &mut vals[from..]
            }
            Form::Marked { .. } => &mut [],
        }
    }

    /// Append `other` (of `other_rows` rows) to this column of `rows` rows,
    /// mapping each value through `f` (which must map `absent` to itself).
    pub(crate) fn append_map(
        &mut self,
        rows: usize,
        other: &Sparse<T>,
        other_rows: usize,
        f: impl Fn(T) -> T,
    ) {
        if !other.has_values() {
            if let Form::Dense(vals) = &mut self.form {
                vals.resize(rows + other_rows, self.absent);
            }
            return;
        }
        if !self.is_dense() {
            let present = self.present() + other.present();
            if Self::marked_pays(rows + other_rows, present) {
                self.reserve_marked(rows + other_rows, present);
                other.for_each_present(|r, v| {
                    self.mark(rows + r, f(v));
                });
                return;
            }
            self.make_dense(rows, other_rows);
        }
        if let Form::Dense(vals) = &mut self.form {
            vals.resize(rows, self.absent);
            match &other.form {
                Form::Dense(o) => vals.extend(o.iter().map(|&v| f(v))),
                Form::Marked { .. } => {
                    vals.resize(rows + other_rows, self.absent);
                    let dst = &mut vals[rows..];
                    other.for_each_present(|r, v| {
                        if let Some(slot) = dst.get_mut(r) {
                            *slot = f(v);
                        }
                    });
                }
            }
        }
    }

    /// Append `vals`, one per row, to this column of `rows` rows.
    pub(crate) fn extend_from_vec(&mut self, rows: usize, vals: Vec<T>) {
        let n = vals.len();
        let more = Sparse::dense(vals.into(), self.absent);
        self.append_map(rows, &more, n, |v| v);
    }

    /// Rows `idx`, in that order.
    pub(crate) fn pick(&self, idx: &[usize]) -> Sparse<T> {
        // All the column's values are at least those picked: the form this
        // chooses by them is settled once the rows are in.
        let picked = idx.iter().map(|&i| self.get(i));
        let mut out = Sparse::gathered(self.absent, idx.len(), self.present(), picked);
        out.settle(idx.len());
        out
    }

    /// A column of `rows` rows gathered row by row from `get` (the value of
    /// each row in turn), holding `present` values in all: marked or dense,
    /// whichever is smaller.
    pub(crate) fn gathered(
        absent: T,
        rows: usize,
        present: usize,
        get: impl Iterator<Item = T>,
    ) -> Sparse<T> {
        if present == 0 {
            return Sparse::new(absent);
        }
        if Self::marked_pays(rows, present) {
            let mut out = Sparse::new(absent);
            out.reserve_marked(rows, present);
            // Most rows of a marked column have no value: skip them here,
            // not in a call each.
            for (row, v) in get.enumerate() {
                if !v.same(absent) {
                    out.mark(row, v);
                }
            }
            out
        } else {
            let mut vals = Vec::with_capacity(rows);
            vals.extend(get);
            Sparse::dense(vals.into(), absent)
        }
    }

    /// A column of `rows` rows made of the rows of `parts`: row `r` of part
    /// `k` becomes row `to[k][r]`, its value mapped through `map(k, v)`.
    /// Every row not given a value this way is absent, as is every value
    /// `map` makes absent.
    ///
    /// This is [`Sparse::gathered`] from the parts' side: only the rows
    /// that have a value are visited, where a gather reads every row of
    /// the result from its part. Merging a directory's files, most columns
    /// have values in a few of them (an access log has no pid, a database
    /// log no status), and a gather row by row was most of the merge.
    /// The result has the form, and the very bytes, a gather of the same
    /// rows makes.
    pub(crate) fn scattered(
        absent: T,
        rows: usize,
        parts: &[&Sparse<T>],
        to: &[Vec<u32>],
        map: impl Fn(usize, T) -> T,
    ) -> Sparse<T> {
        let present = parts.iter().map(|c| c.present()).sum();
        if present == 0 {
            return Sparse::new(absent);
        }
        let dest = |k: usize, r: usize| -> Option<usize> {
            let p = *to.get(k)?.get(r)? as usize;
            (p < rows).then_some(p)
        };
        if Self::marked_pays(rows, present) {
            let mut bits = vec![0u64; rows.div_ceil(64)];
            for (k, c) in parts.iter().enumerate() {
                c.for_each_present(|r, v| {
                    if let Some(p) = dest(k, r) {
                        if !map(k, v).same(absent) {
                            bits[p / 64] |= 1 << (p % 64);
                        }
                    }
                });
            }
            // Marking row by row leaves no words after the last mark.
            let words = bits.iter().rposition(|&w| w != 0).map_or(0, |w| w + 1);
            bits.truncate(words);
            if let Some(rank) = rank_of(&bits) {
                let marked = match (rank.last(), bits.last()) {
                    (Some(&r), Some(&w)) => r as usize + w.count_ones() as usize,
                    _ => 0,
                };
                let mut vals = vec![absent; marked];
                for (k, c) in parts.iter().enumerate() {
                    c.for_each_present(|r, v| {
                        let slot = dest(k, r).and_then(|p| Self::slot(&bits, &rank, p));
                        if let Some(slot) = slot.and_then(|s| vals.get_mut(s)) {
                            *slot = map(k, v);
                        }
                    });
                }
                return Sparse {
                    form: Form::Marked {
                        bits: bits.into(),
                        rank,
                        vals: vals.into(),
                    },
                    absent,
                };
            }
        }
        let mut vals = vec![absent; rows];
        for (k, c) in parts.iter().enumerate() {
            c.for_each_present(|r, v| {
                if let Some(slot) = dest(k, r).and_then(|p| vals.get_mut(p)) {
                    *slot = map(k, v);
                }
            });
        }
        Sparse::dense(vals.into(), absent)
    }

    /// Room for `n` more rows after the `rows` there are, exactly, when the
    /// column is dense (a marked column's values are few, and how many of
    /// the new rows will have one is not known).
    pub(crate) fn reserve(&mut self, rows: usize, n: usize) {
        if let Form::Dense(vals) = &mut self.form {
            let want = (rows + n).saturating_sub(vals.len());
            vals.reserve_exact(want);
        }
    }

    /// Drop every value (the column reads as all absent).
    pub(crate) fn shrink_to_nothing(&mut self) {
        *self = self.empty_like();
    }

    /// Store the column in its smaller form for `rows` rows
    /// ([`Sparse::settle`]) and give back the spare capacity.
    pub(crate) fn shrink_to_fit(&mut self, rows: usize) {
        self.settle(rows);
        // Settling counts the values: hand back what that read in place.
        self.release(0..rows);
        match &mut self.form {
            Form::Dense(vals) => vals.shrink_to_fit(),
            Form::Marked { bits, rank, vals } => {
                bits.shrink_to_fit();
                rank.shrink_to_fit();
                vals.shrink_to_fit();
            }
        }
    }

    /// The index among the stored values of the first row at or after
    /// `row` that has one (a marked column's rank at `row`).
    fn values_before(bits: &[u64], rank: &[u32], row: usize) -> usize {
        let w = row / 64;
        match (bits.get(w), rank.get(w)) {
            (Some(&word), Some(&r)) => {
                r as usize + (word & ((1u64 << (row % 64)) - 1)).count_ones() as usize
            }
            // Past the last word: every value comes before.
            _ => match (bits.last(), rank.last()) {
                (Some(&word), Some(&r)) => r as usize + word.count_ones() as usize,
                _ => 0,
            },
        }
    }

    /// Move the column's values and marks into unlinked files in `dir`
    /// where they hold `min_bytes` or more ([`Buf::spill`]).
    pub(crate) fn spill(&mut self, dir: &std::path::Path, min_bytes: usize) {
        match &mut self.form {
            Form::Dense(vals) => vals.spill(dir, min_bytes),
            Form::Marked { bits, vals, .. } => {
                bits.spill(dir, min_bytes);
                vals.spill(dir, min_bytes);
            }
        }
    }

    /// Hand back the resident pages of rows `rows` when the column is read
    /// in place from a file ([`Buf::release`]); owned values are left alone.
    pub(crate) fn release(&self, rows: std::ops::Range<usize>) {
        if rows.is_empty() {
            return;
        }
        match &self.form {
            Form::Dense(vals) => vals.release(rows),
            Form::Marked { bits, rank, vals } => {
                bits.release(rows.start / 64..rows.end.div_ceil(64).min(bits.len()));
                let from = Self::values_before(bits, rank, rows.start);
                let to = Self::values_before(bits, rank, rows.end);
                vals.release(from..to.max(from).min(vals.len()));
            }
        }
    }

    /// The stored values and marks, as a column file keeps them: both
    /// empty while no row has a value; one value per row and no marks when
    /// dense; otherwise the values of the marked rows and the marks.
    pub(crate) fn stored(&self) -> (&[T], &[u64]) {
        let (vals, marks) = self.stored_bufs();
        (vals, marks.map_or(&[], |m| m))
    }

    /// [`Sparse::stored`] as the columns hold them (no marks when dense).
    pub(crate) fn stored_bufs(&self) -> (&Buf<T>, Option<&Buf<u64>>) {
        match &self.form {
            Form::Dense(vals) => (vals, None),
            Form::Marked { bits, vals, .. } => (vals, Some(bits)),
        }
    }

    /// A column of `rows` rows from what [`Sparse::stored`] gave, or
    /// `None` when the two do not fit each other and `rows`.
    pub(crate) fn from_stored(
        vals: Buf<T>,
        marks: Buf<u64>,
        rows: usize,
        absent: T,
    ) -> Option<Self> {
        if marks.is_empty() {
            return if vals.is_empty() {
                Some(Sparse::new(absent))
            } else {
                (vals.len() == rows).then(|| Sparse::dense(vals, absent))
            };
        }
        if marks.len() > rows.div_ceil(64) {
            return None;
        }
        let tail = rows % 64;
        if tail != 0 && marks.len() == rows.div_ceil(64) && marks[marks.len() - 1] >> tail != 0 {
            return None;
        }
        let count: u64 = marks.iter().map(|w| u64::from(w.count_ones())).sum();
        if count != vals.len() as u64 {
            return None;
        }
        let rank = rank_of(&marks)?;
        Some(Sparse {
            form: Form::Marked {
                bits: marks,
                rank,
                vals,
            },
            absent,
        })
    }
}

impl<T> Held for Sparse<T> {
    fn heap_bytes(&self) -> usize {
        match &self.form {
            Form::Dense(vals) => vals.heap_bytes(),
            Form::Marked { bits, rank, vals } => {
                bits.heap_bytes() + rank.capacity() * 4 + vals.heap_bytes()
            }
        }
    }

    fn mapped_bytes(&self) -> usize {
        match &self.form {
            Form::Dense(vals) => vals.mapped_bytes(),
            Form::Marked { bits, vals, .. } => bits.mapped_bytes() + vals.mapped_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so that a failure
    /// repeats.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        /// A value in 1..=100 with probability `percent`, else 0 (absent).
        fn value(&mut self, percent: u64) -> u32 {
            if self.next() % 100 < percent {
                (self.next() % 100 + 1) as u32
            } else {
                0
            }
        }
    }

    fn rows_of(c: &Sparse<u32>, rows: usize) -> Vec<u32> {
        (0..rows).map(|i| c.get(i)).collect()
    }

    fn pushed(vals: &[u32]) -> Sparse<u32> {
        let mut c = Sparse::new(0u32);
        for (r, &v) in vals.iter().enumerate() {
            c.push(r, v);
        }
        c
    }

    #[test]
    fn stays_empty_until_a_value_arrives() {
        let mut c = Sparse::new(0u32);
        c.push(0, 0);
        c.push(1, 0);
        assert!(!c.has_values());
        assert_eq!(c.heap_bytes(), 0);
        assert_eq!(c.get(1), 0);
        c.push(2, 7);
        c.push(3, 0);
        assert!(c.has_values() && !c.is_dense());
        assert_eq!(rows_of(&c, 5), [0, 0, 7, 0, 0]);
        assert_eq!(c.stored(), (&[7u32][..], &[0b100u64][..]));
    }

    #[test]
    fn nan_is_an_absent_marker() {
        let mut c = Sparse::new(f32::NAN);
        c.push(0, f32::NAN);
        assert!(!c.has_values());
        c.push(1, 2.5);
        assert!(c.get(0).is_nan());
        assert_eq!(c.get(1), 2.5);
        let mut all_nan = Sparse::new(f32::NAN);
        all_nan.extend_from_vec(0, vec![f32::NAN; 3]);
        all_nan.settle(3);
        assert!(!all_nan.has_values());
    }

    #[test]
    fn the_smaller_form_is_chosen() {
        // A value in one row of 100 is marked; in every row, dense.
        let rows = 200_000;
        let few: Vec<u32> = (0..rows).map(|i| u32::from(i % 100 == 0)).collect();
        let all: Vec<u32> = (0..rows).map(|i| i % 7 + 1).collect();
        let (f, a) = (pushed(&few), pushed(&all));
        assert!(!f.is_dense());
        assert!(a.is_dense(), "pushing turns a full column dense");
        assert!(f.heap_bytes() < rows as usize * 4 / 10);
        assert_eq!(rows_of(&f, rows as usize), few);
        assert_eq!(rows_of(&a, rows as usize), all);
        let mut d = Sparse::dense(few.clone().into(), 0);
        d.settle(rows as usize);
        assert!(!d.is_dense(), "a dense column of few values settles marked");
        assert_eq!(rows_of(&d, rows as usize), few);
        assert!(Sparse::<u32>::marked_pays(1000, 100));
        assert!(!Sparse::<u32>::marked_pays(1000, 500));
    }

    /// Every operation, at densities on both sides of the threshold and
    /// across word edges, reads the same rows as a plain vector.
    #[test]
    fn operations_agree_with_a_plain_vector() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..60 {
            let percent = [0, 1, 5, 30, 45, 60, 100][round % 7];
            let (na, nb) = ((rng.next() % 3000) as usize, (rng.next() % 3000) as usize);
            let va: Vec<u32> = (0..na).map(|_| rng.value(percent)).collect();
            let vb: Vec<u32> = (0..nb).map(|_| rng.value(100 - percent)).collect();
            let (mut a, mut b) = (pushed(&va), pushed(&vb));
            if round % 2 == 0 {
                a.settle(na);
            }
            if round % 3 == 0 {
                b = Sparse::dense(vb.clone().into(), 0);
            }
            assert_eq!(rows_of(&a, na + 5), [&va[..], &[0; 5]].concat());

            // Append, mapping the values.
            let mut ab = a.clone();
            ab.append_map(na, &b, nb, |v| v * 10);
            let mut want: Vec<u32> = va.clone();
            want.extend(vb.iter().map(|&v| v * 10));
            assert_eq!(rows_of(&ab, na + nb), want, "round {round}: append");
            ab.extend_from_vec(na + nb, va.clone());
            want.extend(&va);
            assert_eq!(rows_of(&ab, want.len()), want, "round {round}: extend");

            // Permute, settle, set, and the stored form read back.
            let idx: Vec<usize> = (0..want.len())
                .map(|_| (rng.next() % want.len().max(1) as u64) as usize)
                .filter(|&i| i < want.len())
                .collect();
            let picked = ab.pick(&idx);
            let want_picked: Vec<u32> = idx.iter().map(|&i| want[i]).collect();
            assert_eq!(
                rows_of(&picked, idx.len()),
                want_picked,
                "round {round}: pick"
            );
            let mut settled = ab.clone();
            settled.shrink_to_fit(want.len());
            assert_eq!(rows_of(&settled, want.len()), want, "round {round}: settle");
            let (vals, marks) = settled.stored();
            let back =
                Sparse::from_stored(vals.to_vec().into(), marks.to_vec().into(), want.len(), 0)
                    .expect("what was stored reads back");
            assert_eq!(rows_of(&back, want.len()), want, "round {round}: stored");
            if !want.is_empty() {
                let i = (rng.next() % want.len() as u64) as usize;
                settled.set(i, want.len(), 77);
                want[i] = 77;
                assert_eq!(rows_of(&settled, want.len()), want, "round {round}: set");
            }
        }
    }

    /// Scattering parts into a merged column gives what gathering the same
    /// rows one by one gives, stored form and all: parts dense and marked,
    /// full, sparse and empty, some read out of their own order (through a
    /// sorted index), values mapped per part, some mapped to absent.
    #[test]
    fn scattered_is_the_gather_of_the_same_rows() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for round in 0..80 {
            let n_parts = 1 + (rng.next() % 4) as usize;
            let mut parts = Vec::new();
            for k in 0..n_parts {
                let rows = [0, 1, 63, 64, 65, 700, 2500][(rng.next() % 7) as usize];
                let percent = [0, 2, 20, 50, 90, 100][(rng.next() % 6) as usize];
                let vals: Vec<u32> = (0..rows).map(|_| rng.value(percent)).collect();
                let mut c = pushed(&vals);
                if (round + k) % 3 == 0 {
                    c = Sparse::dense(vals.into(), 0);
                }
                parts.push((c, rows));
            }
            // Each part's rows in an order of its own: ascending, or
            // shuffled as a sorted index reads them.
            let mut queues: Vec<Vec<u32>> = parts
                .iter()
                .enumerate()
                .map(|(k, &(_, rows))| {
                    let mut q: Vec<u32> = (0..rows as u32).collect();
                    if (round + k) % 2 == 1 {
                        for i in (1..q.len()).rev() {
                            q.swap(i, (rng.next() % (i as u64 + 1)) as usize);
                        }
                    }
                    q.reverse();
                    q
                })
                .collect();
            let total: usize = parts.iter().map(|&(_, rows)| rows).sum();
            let mut order: Vec<(usize, usize)> = Vec::with_capacity(total);
            while order.len() < total {
                let k = (rng.next() % n_parts as u64) as usize;
                // Runs of one part, as logs interleave.
                for _ in 0..1 + rng.next() % 6 {
                    if let Some(i) = queues[k].pop() {
                        order.push((k, i as usize));
                    }
                }
            }
            let mut to: Vec<Vec<u32>> = parts.iter().map(|&(_, rows)| vec![0; rows]).collect();
            for (row, &(k, i)) in order.iter().enumerate() {
                to[k][i] = row as u32;
            }
            let map = |k: usize, v: u32| if v % 11 == 0 { 0 } else { v * 10 + k as u32 };
            let cols: Vec<&Sparse<u32>> = parts.iter().map(|(c, _)| c).collect();
            let present = cols.iter().map(|c| c.present()).sum();
            let rows = order.iter().map(|&(k, i)| map(k, cols[k].get(i)));
            let gathered = Sparse::gathered(0, total, present, rows);
            let scattered = Sparse::scattered(0, total, &cols, &to, map);
            assert_eq!(
                rows_of(&scattered, total),
                rows_of(&gathered, total),
                "round {round}"
            );
            assert_eq!(scattered.is_dense(), gathered.is_dense(), "round {round}");
            assert_eq!(scattered.stored(), gathered.stored(), "round {round}");
        }
    }

    #[test]
    fn ranges_read_as_rows_do() {
        let mut rng = Rng(7);
        let vals: Vec<u32> = (0..5000).map(|_| rng.value(3)).collect();
        for c in [pushed(&vals), Sparse::dense(vals.clone().into(), 0)] {
            for r in [
                0..0,
                0..5000,
                0..1,
                63..65,
                511..1537,
                4990..5000,
                4999..5010,
                6000..6100,
            ] {
                let want: Vec<u32> = r.clone().map(|i| c.get(i)).collect();
                assert_eq!(c.range(r.clone()), want, "{r:?} dense {}", c.is_dense());
                let doubled: Vec<u64> = want.iter().map(|&v| u64::from(v) * 2).collect();
                assert_eq!(c.range_map(r.clone(), |v| u64::from(v) * 2), doubled);
            }
        }
    }

    #[test]
    fn set_and_dense_from() {
        let mut c = Sparse::new(u64::MAX);
        c.set(1, 3, u64::MAX);
        assert!(!c.has_values());
        c.set(1, 3, 9);
        assert_eq!(c.pick(&[1, 0]).get(0), 9);
        assert_eq!(c.pick(&[1, 0]).get(1), u64::MAX);
        let mut h = Sparse::new(0u32);
        h.push(0, 5);
        for v in h.dense_from(1, 3) {
            *v = 4;
        }
        assert_eq!(rows_of(&h, 3), [5, 4, 4]);
    }

    #[test]
    fn damaged_stored_forms_are_refused() {
        let marks = |w: Vec<u64>| -> Buf<u64> { w.into() };
        let vals = |v: Vec<u32>| -> Buf<u32> { v.into() };
        // Dense but not one value per row.
        assert!(Sparse::from_stored(vals(vec![1, 2]), marks(vec![]), 3, 0).is_none());
        // More marks than values, and fewer.
        assert!(Sparse::from_stored(vals(vec![1]), marks(vec![0b11]), 10, 0).is_none());
        assert!(Sparse::from_stored(vals(vec![1, 2]), marks(vec![0b1]), 10, 0).is_none());
        // A mark past the last row, and more words than the rows need.
        assert!(Sparse::from_stored(vals(vec![1]), marks(vec![1 << 10]), 10, 0).is_none());
        assert!(Sparse::from_stored(vals(vec![1]), marks(vec![1, 0]), 64, 0).is_none());
        let ok = Sparse::from_stored(vals(vec![1, 2]), marks(vec![0b1001]), 10, 0).unwrap();
        assert_eq!(rows_of(&ok, 5), [1, 0, 0, 2, 0]);
    }
}

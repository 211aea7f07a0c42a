//! A timeline column that costs nothing while every row is absent.
//!
//! Most fields are present in a few formats only: an access log has no
//! pid, lock resource, job or transaction; a PostgreSQL log has no status
//! or bytes. Stored densely, the sixteen string columns and the numeric
//! ones cost an access log about 90 bytes per event of "absent" markers,
//! more than its own text. A [`Sparse`] column holds no values until the
//! first present one arrives, then holds one per row like a plain vector.

use super::buf::{Buf, Held};

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

/// A column whose values are all `absent` until one is not: then it holds
/// one value per row. The row count is the timeline's, passed in by the
/// caller; the column does not keep its own.
#[derive(Debug, Clone)]
pub(crate) struct Sparse<T: 'static> {
    vals: Buf<T>,
    absent: T,
}

impl<T: Cell> Sparse<T> {
    /// An empty column whose missing rows read as `absent`.
    pub(crate) const fn new(absent: T) -> Self {
        Sparse {
            vals: Buf::new(),
            absent,
        }
    }

    /// An empty column with the same absent marker.
    pub(crate) fn empty_like(&self) -> Self {
        Sparse::new(self.absent)
    }

    /// Whether any row holds a value.
    pub(crate) fn is_dense(&self) -> bool {
        !self.vals.is_empty()
    }

    /// Append row number `row` (the rows before it number `row`).
    #[inline]
    pub(crate) fn push(&mut self, row: usize, v: T) {
        if self.vals.is_empty() {
            if v.same(self.absent) {
                return;
            }
            self.vals.resize(row, self.absent);
        }
        self.vals.push(v);
    }

    /// The value of row `i` (`absent` for rows never given one).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> T {
        self.vals.get(i).copied().unwrap_or(self.absent)
    }

    /// Set row `i` of a column of `rows` rows.
    pub(crate) fn set(&mut self, i: usize, rows: usize, v: T) {
        if self.vals.is_empty() {
            if v.same(self.absent) {
                return;
            }
            self.vals.resize(rows, self.absent);
        }
        if let Some(slot) = self.vals.get_mut(i) {
            *slot = v;
        }
    }

    /// The rows `from..rows` as a mutable slice, made dense first.
    pub(crate) fn dense_from(&mut self, from: usize, rows: usize) -> &mut [T] {
        if self.vals.is_empty() {
            self.vals.resize(rows, self.absent);
        }
        &mut self.vals[from.min(rows)..]
    }

    /// Append `other` (of `other_rows` rows) to this column of `rows` rows,
    /// mapping each value through `f`.
    pub(crate) fn append_map(
        &mut self,
        rows: usize,
        other: &Sparse<T>,
        other_rows: usize,
        f: impl Fn(T) -> T,
    ) {
        if other.vals.is_empty() {
            if !self.vals.is_empty() {
                self.vals.resize(rows + other_rows, self.absent);
            }
            return;
        }
        if self.vals.is_empty() {
            self.vals.reserve_exact(rows + other_rows);
            self.vals.resize(rows, self.absent);
        }
        self.vals.extend(other.vals.iter().map(|&v| f(v)));
    }

    /// Append `vals`, one per row, to this column of `rows` rows.
    pub(crate) fn extend_from_vec(&mut self, rows: usize, vals: Vec<T>) {
        if self.vals.is_empty() {
            if vals.iter().all(|v| v.same(self.absent)) {
                return;
            }
            if rows == 0 {
                self.vals = vals.into();
                return;
            }
            self.vals.resize(rows, self.absent);
        }
        self.vals.extend_from_slice(&vals);
    }

    /// Rows `idx`, in that order.
    pub(crate) fn pick(&self, idx: &[usize]) -> Sparse<T> {
        if self.vals.is_empty() {
            return Sparse::new(self.absent);
        }
        Sparse {
            vals: idx.iter().map(|&i| self.get(i)).collect(),
            absent: self.absent,
        }
    }

    /// Room for `n` more rows after the `rows` there are, exactly, when the
    /// column holds values or `dense_later` says it will.
    pub(crate) fn reserve(&mut self, rows: usize, n: usize, dense_later: bool) {
        if self.is_dense() || dense_later {
            let want = (rows + n).saturating_sub(self.vals.len());
            self.vals.reserve_exact(want);
        }
    }

    /// Drop every value (the column reads as all absent).
    pub(crate) fn shrink_to_nothing(&mut self) {
        self.vals = Buf::new();
    }

    /// Give back the spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.vals.shrink_to_fit();
    }

    /// The stored values: empty while the column holds none, otherwise one
    /// per row.
    pub(crate) fn stored(&self) -> &[T] {
        &self.vals
    }

    /// A column of `stored` values (empty, or one per row) whose missing
    /// rows read as `absent`.
    pub(crate) fn from_stored(stored: Buf<T>, absent: T) -> Self {
        Sparse {
            vals: stored,
            absent,
        }
    }
}

impl<T> Held for Sparse<T> {
    fn heap_bytes(&self) -> usize {
        self.vals.heap_bytes()
    }

    fn mapped_bytes(&self) -> usize {
        self.vals.mapped_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_empty_until_a_value_arrives() {
        let mut c = Sparse::new(0u32);
        c.push(0, 0);
        c.push(1, 0);
        assert!(!c.is_dense());
        assert_eq!(c.get(1), 0);
        c.push(2, 7);
        c.push(3, 0);
        assert!(c.is_dense());
        assert_eq!((0..4).map(|i| c.get(i)).collect::<Vec<_>>(), [0, 0, 7, 0]);
    }

    #[test]
    fn nan_is_an_absent_marker() {
        let mut c = Sparse::new(f32::NAN);
        c.push(0, f32::NAN);
        assert!(!c.is_dense());
        c.push(1, 2.5);
        assert!(c.get(0).is_nan());
        assert_eq!(c.get(1), 2.5);
        let mut all_nan = Sparse::new(f32::NAN);
        all_nan.extend_from_vec(0, vec![f32::NAN; 3]);
        assert!(!all_nan.is_dense());
    }

    #[test]
    fn append_keeps_rows_aligned() {
        let mut a = Sparse::new(0u32);
        a.push(0, 0);
        a.push(1, 0);
        let mut b = Sparse::new(0u32);
        b.push(0, 5);
        a.append_map(2, &b, 1, |v| v * 10);
        assert_eq!((0..3).map(|i| a.get(i)).collect::<Vec<_>>(), [0, 0, 50]);
        let empty = Sparse::new(0u32);
        a.append_map(3, &empty, 2, |v| v);
        assert_eq!(a.get(4), 0);
        assert_eq!(a.vals.len(), 5);
    }

    #[test]
    fn extend_from_vec_keeps_rows_aligned() {
        let mut c = Sparse::new(0u16);
        c.extend_from_vec(0, vec![0, 0]);
        assert!(!c.is_dense());
        c.extend_from_vec(2, vec![0, 3]);
        c.extend_from_vec(4, vec![0]);
        assert_eq!(
            (0..5).map(|i| c.get(i)).collect::<Vec<_>>(),
            [0, 0, 0, 3, 0]
        );
        assert_eq!(c.vals.len(), 5);
    }

    #[test]
    fn set_pick_and_dense_from() {
        let mut c = Sparse::new(u64::MAX);
        c.set(1, 3, u64::MAX);
        assert!(!c.is_dense());
        c.set(1, 3, 9);
        assert_eq!(c.pick(&[1, 0]).get(0), 9);
        assert_eq!(c.pick(&[1, 0]).get(1), u64::MAX);
        let mut h = Sparse::new(0u32);
        for v in h.dense_from(1, 3) {
            *v = 4;
        }
        assert_eq!((0..3).map(|i| h.get(i)).collect::<Vec<_>>(), [0, 4, 4]);
    }
}

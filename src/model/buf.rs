//! The values of a timeline column: owned, or read in place from a case's
//! memory-mapped column file.
//!
//! An ingest builds owned vectors. A reopened case maps `events.cols` and
//! its columns borrow the mapped pages: nothing is decoded or copied, the
//! kernel pages in what is read, and a 10 M-event case opens in well under
//! a second. Writing to a mapped column first copies it (copy on write);
//! nothing in pm-tui writes to a reopened timeline's columns except a
//! re-sort, which builds new ones anyway.
//!
//! A large file's columns can also grow in an unlinked file mapped shared
//! (`filevec.rs`, Linux only): [`Buf::spill`] moves a large owned column
//! there, and it is then read and written in place like an owned one,
//! with [`Buf::release`] handing its pages back. If the file cannot grow
//! (a full disk), the column comes back into memory and goes on there.

use memmap2::Mmap;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// A column's values (see the module docs).
pub(crate) struct Buf<T: 'static>(Repr<T>);

enum Repr<T: 'static> {
    Owned(Vec<T>),
    /// `vals` lies in `map`, which the `Arc` keeps alive and unchanged
    /// for as long as this value exists (the lifetime is not really
    /// `'static`: it never leaves this module except re-borrowed from
    /// `&self`).
    Mapped {
        vals: &'static [T],
        _map: Arc<Mmap>,
    },
    /// Owned values in an unlinked file (see the module docs).
    #[cfg(target_os = "linux")]
    File(Box<super::filevec::FileVec<T>>),
}

impl<T: bytemuck::Pod> Buf<T> {
    /// The values stored in `map[start..start + bytes]`, or `None` when
    /// the range is outside the map, misaligned for `T` or not a whole
    /// number of values.
    pub(crate) fn mapped(map: &Arc<Mmap>, start: usize, bytes: usize) -> Option<Buf<T>> {
        let end = start.checked_add(bytes)?;
        let raw: &[u8] = map.get(start..end)?;
        let vals: &[T] = bytemuck::try_cast_slice(raw).ok()?;
        if vals.is_empty() {
            return Some(Buf::default());
        }
        // SAFETY: `vals` points into the mapping, which `_map` keeps alive
        // for as long as this `Buf`; the mapping is read-only and private,
        // and `vals` is only ever handed out re-borrowed from `&self`.
        // `T: Pod` makes every bit pattern a valid value.
        let vals: &'static [T] = unsafe { std::slice::from_raw_parts(vals.as_ptr(), vals.len()) };
        Some(Buf(Repr::Mapped {
            vals,
            _map: Arc::clone(map),
        }))
    }
}

impl<T> Buf<T> {
    /// Let the kernel take the pages holding `self[range]` out of this
    /// process's memory when the values are read in place from a mapped
    /// file: they stay in the page cache and are read back on the next
    /// access, so nothing changes but the resident size. Owned values are
    /// left alone. Writers that stream a large mapped column once (the
    /// column file, Parquet) call this behind them.
    pub(crate) fn release(&self, range: std::ops::Range<usize>) {
        #[cfg(target_os = "linux")]
        if let Repr::File(f) = &self.0 {
            f.release(range);
            return;
        }
        #[cfg(unix)]
        if let Repr::Mapped { vals, _map } = &self.0 {
            let Some(sub) = vals.get(range) else {
                return;
            };
            let offset = sub.as_ptr() as usize - _map.as_ptr() as usize;
            // SAFETY: `MADV_DONTNEED` on a read-only mapping of a file only
            // drops page table entries; the next read faults the same
            // bytes back in from the file. No value changes, so borrows of
            // the mapping (here or on other threads) stay valid.
            let _ = unsafe {
                _map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    offset,
                    std::mem::size_of_val(sub),
                )
            };
        }
        #[cfg(not(unix))]
        let _ = range;
    }

    /// True when the values are read in place from a mapped file.
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self.0, Repr::Mapped { .. })
    }

    /// True when the values lie in a file, mapped ([`Buf::release`] hands
    /// their pages back).
    pub(crate) fn in_file(&self) -> bool {
        match &self.0 {
            Repr::Owned(_) => false,
            Repr::Mapped { .. } => true,
            #[cfg(target_os = "linux")]
            Repr::File(_) => true,
        }
    }
}

impl<T: Copy> Buf<T> {
    /// Move owned values holding `min_bytes` or more (counting the room
    /// reserved for more) into an unlinked file in `dir`, where they grow
    /// from now on (see the module docs). Nothing changes for smaller or
    /// mapped columns, off Linux, or when the file cannot be made.
    pub(crate) fn spill(&mut self, dir: &std::path::Path, min_bytes: usize) {
        #[cfg(target_os = "linux")]
        if let Repr::Owned(v) = &self.0 {
            if v.capacity() * std::mem::size_of::<T>() < min_bytes {
                return;
            }
            if let Ok(f) = super::filevec::FileVec::with_values(dir, v, v.capacity()) {
                self.0 = Repr::File(Box::new(f));
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (dir, min_bytes);
    }
}

impl<T> Buf<T> {
    /// An empty column.
    pub(crate) const fn new() -> Self {
        Buf(Repr::Owned(Vec::new()))
    }

    /// The values as a vector to change, copying mapped ones first.
    #[inline]
    pub(crate) fn to_mut(&mut self) -> &mut Vec<T>
    where
        T: Copy,
    {
        match &self.0 {
            Repr::Owned(_) => {}
            Repr::Mapped { vals, .. } => self.0 = Repr::Owned(vals.to_vec()),
            #[cfg(target_os = "linux")]
            Repr::File(f) => self.0 = Repr::Owned(f.as_slice().to_vec()),
        }
        match &mut self.0 {
            Repr::Owned(v) => v,
            _ => unreachable!("just made owned"),
        }
    }

    /// Remove every value, keeping an owned vector's capacity (values in a
    /// file or a mapping are let go).
    pub(crate) fn clear(&mut self) {
        match &mut self.0 {
            Repr::Owned(vals) => vals.clear(),
            _ => self.0 = Repr::Owned(Vec::new()),
        }
    }

    /// Append `v`.
    #[inline]
    pub(crate) fn push(&mut self, v: T)
    where
        T: Copy,
    {
        match &mut self.0 {
            Repr::Owned(vals) => vals.push(v),
            #[cfg(target_os = "linux")]
            Repr::File(f) => {
                if let Err(v) = f.push(v) {
                    self.to_mut().push(v);
                }
            }
            Repr::Mapped { .. } => self.to_mut().push(v),
        }
    }

    /// Append a copy of `s`.
    pub(crate) fn extend_from_slice(&mut self, s: &[T])
    where
        T: Copy,
    {
        #[cfg(target_os = "linux")]
        if let Repr::File(f) = &mut self.0 {
            if f.extend_from_slice(s).is_ok() {
                return;
            }
        }
        self.to_mut().extend_from_slice(s);
    }

    /// Room for exactly `n` more values.
    pub(crate) fn reserve_exact(&mut self, n: usize)
    where
        T: Copy,
    {
        #[cfg(target_os = "linux")]
        if let Repr::File(f) = &mut self.0 {
            if f.reserve_exact(n).is_ok() {
                return;
            }
        }
        self.to_mut().reserve_exact(n);
    }

    /// Resize to `n` values, new ones `v`.
    pub(crate) fn resize(&mut self, n: usize, v: T)
    where
        T: Copy,
    {
        #[cfg(target_os = "linux")]
        if let Repr::File(f) = &mut self.0 {
            if f.resize(n, v).is_ok() {
                return;
            }
        }
        self.to_mut().resize(n, v);
    }

    /// Give back spare capacity (nothing to do for mapped values).
    pub(crate) fn shrink_to_fit(&mut self) {
        match &mut self.0 {
            Repr::Owned(v) => v.shrink_to_fit(),
            Repr::Mapped { .. } => {}
            #[cfg(target_os = "linux")]
            Repr::File(f) => {
                // A file that cannot shrink only keeps its spare room.
                let _ = f.shrink_to_fit();
            }
        }
    }
}

/// The memory a column holds: on the heap, and read in place from a
/// mapped file.
pub(crate) trait Held {
    /// Heap bytes held (mapped values hold none).
    fn heap_bytes(&self) -> usize;
    /// Bytes of a mapped file read in place.
    fn mapped_bytes(&self) -> usize;
}

impl<T> Held for Buf<T> {
    fn heap_bytes(&self) -> usize {
        match &self.0 {
            Repr::Owned(v) => v.capacity() * std::mem::size_of::<T>(),
            Repr::Mapped { .. } => 0,
            #[cfg(target_os = "linux")]
            Repr::File(_) => 0,
        }
    }

    fn mapped_bytes(&self) -> usize {
        match &self.0 {
            Repr::Owned(_) => 0,
            Repr::Mapped { vals, .. } => std::mem::size_of_val(*vals),
            #[cfg(target_os = "linux")]
            Repr::File(f) => f.len() * std::mem::size_of::<T>(),
        }
    }
}

impl<T> Default for Buf<T> {
    fn default() -> Self {
        Buf::new()
    }
}

impl<T> Deref for Buf<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match &self.0 {
            Repr::Owned(v) => v,
            Repr::Mapped { vals, .. } => vals,
            #[cfg(target_os = "linux")]
            Repr::File(f) => f.as_slice(),
        }
    }
}

impl<T: Copy> DerefMut for Buf<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        #[cfg(target_os = "linux")]
        if matches!(self.0, Repr::File(_)) {
            let Repr::File(f) = &mut self.0 else {
                unreachable!("just matched")
            };
            return f.as_mut_slice();
        }
        self.to_mut()
    }
}

impl<T: Clone> Clone for Buf<T> {
    fn clone(&self) -> Self {
        match &self.0 {
            Repr::Owned(v) => Buf(Repr::Owned(v.clone())),
            Repr::Mapped { vals, _map } => Buf(Repr::Mapped {
                vals,
                _map: Arc::clone(_map),
            }),
            #[cfg(target_os = "linux")]
            Repr::File(f) => Buf(Repr::Owned(f.as_slice().to_vec())),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Buf<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> From<Vec<T>> for Buf<T> {
    fn from(v: Vec<T>) -> Self {
        Buf(Repr::Owned(v))
    }
}

impl<T> FromIterator<T> for Buf<T> {
    fn from_iter<I: IntoIterator<Item = T>>(it: I) -> Self {
        Buf(Repr::Owned(it.into_iter().collect()))
    }
}

impl<T: Copy> Extend<T> for Buf<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, it: I) {
        #[cfg(target_os = "linux")]
        if let Repr::File(f) = &mut self.0 {
            // Room for what the iterator says it holds, then a tight loop
            // (appending parsed parts went value by value, a third of
            // their appends); what the file has no room for goes one by
            // one, into memory if the file cannot grow.
            let mut it = it.into_iter();
            if f.reserve(it.size_hint().0).is_ok() {
                f.fill_from(&mut it);
            }
            for v in it {
                self.push(v);
            }
            return;
        }
        self.to_mut().extend(it);
    }
}

impl<'a, T> IntoIterator for &'a Buf<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: Copy> IntoIterator for &'a mut Buf<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.deref_mut().iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn map_of(bytes: &[u8]) -> Arc<Mmap> {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        // SAFETY: a private temporary file nobody else changes.
        Arc::new(unsafe { Mmap::map(&f) }.unwrap())
    }

    #[test]
    fn mapped_values_read_in_place_and_copy_on_write() {
        let vals: Vec<u32> = vec![7, 8, 9];
        let mut bytes = vec![0u8; 4];
        bytes.extend_from_slice(bytemuck::cast_slice(&vals));
        let map = map_of(&bytes);
        let mut b: Buf<u32> = Buf::mapped(&map, 4, 12).unwrap();
        assert_eq!(&b[..], &[7, 8, 9]);
        assert_eq!((b.heap_bytes(), b.mapped_bytes()), (0, 12));
        let c = b.clone();
        b.push(10);
        assert_eq!(b.mapped_bytes(), 0, "copied on write");
        assert_eq!(&b[..], &[7, 8, 9, 10]);
        assert_eq!(&c[..], &[7, 8, 9], "a clone keeps reading the map");
        b[0] = 1;
        assert_eq!(b[0], 1);
    }

    /// A spilled column reads, grows, changes and clones as an owned one,
    /// holds no heap, and keeps its values when its pages are handed back.
    #[cfg(target_os = "linux")]
    #[test]
    fn spilled_values_behave_as_owned_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut want: Vec<u64> = (0..300_000).collect();
        let mut b: Buf<u64> = Buf::from(want.clone());
        b.spill(dir.path(), usize::MAX);
        assert!(!b.in_file(), "too small to spill");
        b.spill(dir.path(), 1 << 20);
        assert!(b.in_file() && !b.is_mapped());
        assert_eq!((b.heap_bytes(), b.mapped_bytes()), (0, 2_400_000));
        b.push(7);
        b.extend_from_slice(&[8, 9]);
        b.extend([10, 11]);
        // More values than there is room for, of a length not known ahead.
        let odd = || (0..700_000).filter(|v| v % 2 == 1);
        b.extend(odd());
        assert!(b.in_file(), "grown in its file");
        b.reserve_exact(1000);
        b.resize(650_010, 3);
        b[5] = 55;
        want.extend([7, 8, 9, 10, 11]);
        want.extend(odd());
        want.resize(650_010, 3);
        want[5] = 55;
        assert_eq!(&b[..], &want[..]);
        b.release(0..b.len());
        assert_eq!(&b[..], &want[..], "read back after a release");
        let c = b.clone();
        assert!(!c.in_file() && c[..] == want[..], "a clone is owned");
        b.shrink_to_fit();
        assert_eq!(&b[..], &want[..]);
        b.to_mut().push(1);
        assert!(!b.in_file(), "to_mut brings the values back to memory");
        assert_eq!(b.len(), want.len() + 1);
    }

    /// A spilled column whose file cannot grow (a full disk) comes back
    /// into memory with every value, and goes on growing there.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_spilled_column_that_cannot_grow_comes_back_into_memory() {
        let dir = tempfile::tempdir().unwrap();
        let first: Vec<u32> = (0..16 * 1024).collect();
        let file = crate::model::filevec::FileVec::with_values(dir.path(), &first, 0).unwrap();
        let mut want = first.clone();
        let grow = |b: &mut Buf<u32>, want: &mut Vec<u32>, how: u32| {
            let more: Vec<u32> = (0..20_000).map(|i| i * how).collect();
            match how {
                1 => b.extend_from_slice(&more),
                2 => more.iter().for_each(|&v| b.push(v)),
                3 => b.resize(b.len() + more.len(), 3),
                _ => b.extend(more.iter().copied()),
            }
            match how {
                3 => want.resize(want.len() + more.len(), 3),
                _ => want.extend_from_slice(&more),
            }
        };
        for how in 1..=4 {
            let mut b = Buf(Repr::File(Box::new(
                crate::model::filevec::FileVec::with_values(dir.path(), &want, 0)
                    .unwrap()
                    .limited_to(want.len() * 4 + 100),
            )));
            assert!(b.in_file());
            grow(&mut b, &mut want, how);
            assert!(!b.in_file(), "back in memory ({how})");
            assert_eq!(&b[..], &want[..]);
        }
        let mut b = Buf(Repr::File(Box::new(file.limited_to(1 << 20))));
        b.reserve_exact(1 << 20);
        assert!(
            !b.in_file(),
            "a reservation the disk refuses is made in memory"
        );
        assert_eq!(&b[..], &first[..]);
    }

    /// A column that cannot spill (no such directory) stays in memory.
    #[test]
    fn a_column_that_cannot_spill_stays_owned() {
        let mut b: Buf<u32> = Buf::from(vec![1, 2, 3]);
        b.spill(std::path::Path::new("/nonexistent/pm-tui"), 0);
        assert!(!b.in_file());
        assert_eq!(&b[..], &[1, 2, 3]);
    }

    #[test]
    fn bad_ranges_are_refused() {
        let map = map_of(&[0u8; 16]);
        assert!(Buf::<u32>::mapped(&map, 0, 20).is_none(), "past the end");
        assert!(Buf::<u32>::mapped(&map, 1, 4).is_none(), "misaligned");
        assert!(Buf::<u32>::mapped(&map, 0, 6).is_none(), "part of a value");
        assert!(
            Buf::<u32>::mapped(&map, usize::MAX, 2).is_none(),
            "overflow"
        );
        assert!(Buf::<u32>::mapped(&map, 4, 0).unwrap().is_empty());
    }
}

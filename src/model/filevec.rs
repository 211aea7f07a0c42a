//! A column that grows in an unlinked file, mapped shared, instead of on
//! the heap.
//!
//! A large file's timeline is built by appending its parts in file order,
//! and nothing reads the rows behind the last part until the file is
//! parsed. On the heap those rows were the whole peak of an access-log
//! ingest (211 of 249 MiB for the 512 MiB nginx log of BENCHMARKS.md). A
//! [`FileVec`] keeps them in the page cache instead: its values lie in a
//! file mapped `MAP_SHARED`, so handing pages back with `MADV_DONTNEED`
//! ([`FileVec::release`]) keeps their contents (the kernel writes them to
//! the file, or drops them unwritten when the file is closed first) and
//! the next access reads them back. It behaves as a `Vec` otherwise:
//! values are read and written in place, and growing it moves page tables
//! (`mremap`), not bytes.
//!
//! The file is unlinked from the start (as `spill.rs` makes its text
//! files), so only this process has it and a crash leaves nothing behind.
//! Its blocks are allocated (`fallocate`) before a page of them is
//! written: on a full disk growing fails here, with an error the caller
//! answers by going on in memory, instead of a `SIGBUS` on a write to the
//! map. Linux only (`mremap`); elsewhere columns stay on the heap.

use memmap2::{MmapMut, MmapOptions, RemapOptions, UncheckedAdvice};
use std::fs::File;
use std::io;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The least a file is grown to, in bytes.
const MIN_BYTES: usize = 64 << 10;

/// Files open at once, at most: each column of a large file's timeline has
/// one, and an ingest of many large files must not run out of descriptors
/// for reading them. Past it, columns stay on the heap.
const MOST_FILES: usize = 256;

/// Files open now.
static OPEN: AtomicUsize = AtomicUsize::new(0);

/// One of the [`MOST_FILES`], given back when dropped.
struct Slot;

impl Slot {
    fn take() -> io::Result<Slot> {
        let taken = OPEN.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < MOST_FILES).then_some(n + 1)
        });
        match taken {
            Ok(_) => Ok(Slot),
            Err(_) => Err(io::Error::other("too many column files open")),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        OPEN.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Values of `T` in an unlinked file mapped shared (see the module docs).
///
/// Only `Copy` values are kept: their bytes are all there is to them, and
/// nothing is dropped when they are overwritten or the file is closed.
pub(crate) struct FileVec<T> {
    map: MmapMut,
    /// Kept open for growing: the map alone does not let the file grow.
    file: File,
    len: usize,
    cap: usize,
    /// Bytes the file may not grow past (tests stand in for a full disk).
    #[cfg(test)]
    limit: usize,
    _slot: Slot,
    _values: PhantomData<T>,
}

impl<T> std::fmt::Debug for FileVec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileVec")
            .field("len", &self.len)
            .field("cap", &self.cap)
            .finish()
    }
}

fn invalid(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, why)
}

/// Give `file` at least `bytes` bytes, allocated on disk now.
fn allocate(file: &File, bytes: usize) -> io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let len = libc::off_t::try_from(bytes).map_err(|_| invalid("too large"))?;
    // SAFETY: a plain system call on a descriptor this process owns.
    let rc = unsafe { libc::fallocate(file.as_raw_fd(), 0, 0, len) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

impl<T: Copy> FileVec<T> {
    /// A copy of `vals` in a new unlinked file in `dir`, with room for
    /// `cap` values in all.
    pub(crate) fn with_values(dir: &Path, vals: &[T], cap: usize) -> io::Result<FileVec<T>> {
        let size = std::mem::size_of::<T>();
        // A mapping starts on a page boundary, which suits any alignment
        // a column's values have.
        if size == 0 || std::mem::align_of::<T>() > 4096 {
            return Err(invalid("not a column value"));
        }
        let cap = cap.max(vals.len()).max(MIN_BYTES.div_ceil(size));
        let bytes = cap.checked_mul(size).ok_or_else(|| invalid("too large"))?;
        let slot = Slot::take()?;
        let file = tempfile::tempfile_in(dir)?;
        allocate(&file, bytes)?;
        // SAFETY: the file is unlinked and only this process has it, so
        // nothing else changes or truncates it while it is mapped; it is
        // `bytes` long.
        let map = unsafe { MmapOptions::new().len(bytes).map_mut(&file)? };
        let mut out = FileVec {
            map,
            file,
            len: 0,
            cap,
            #[cfg(test)]
            limit: usize::MAX,
            _slot: slot,
            _values: PhantomData,
        };
        out.append_within(vals);
        Ok(out)
    }
}

impl<T> FileVec<T> {
    /// This file, refusing to grow past `bytes` as a full disk would.
    #[cfg(test)]
    pub(crate) fn limited_to(mut self, bytes: usize) -> FileVec<T> {
        self.limit = bytes;
        self
    }

    /// The values.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[T] {
        // SAFETY: the map holds `cap >= len` values of `T`, is aligned
        // (page-aligned) and the first `len` were written as `T`s.
        unsafe { std::slice::from_raw_parts(self.map.as_ptr().cast::<T>(), self.len) }
    }

    /// The values, to change.
    #[inline]
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: as in `as_slice`, borrowed mutably from `self`.
        unsafe { std::slice::from_raw_parts_mut(self.map.as_mut_ptr().cast::<T>(), self.len) }
    }

    /// Values held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Values there is room for without growing the file.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// Grow the file and its map to `cap` values.
    fn grow_to(&mut self, cap: usize) -> io::Result<()> {
        let bytes = cap
            .checked_mul(std::mem::size_of::<T>())
            .ok_or_else(|| invalid("too large"))?;
        #[cfg(test)]
        if bytes > self.limit {
            return Err(io::Error::from_raw_os_error(libc::ENOSPC));
        }
        allocate(&self.file, bytes)?;
        // SAFETY: the file is now at least `bytes` long; the old values
        // keep their place in the file, and no borrow of the map outlives
        // this `&mut self`.
        unsafe { self.map.remap(bytes, RemapOptions::new().may_move(true))? };
        self.cap = cap;
        Ok(())
    }

    /// Room for exactly `more` values after the ones there are.
    pub(crate) fn reserve_exact(&mut self, more: usize) -> io::Result<()> {
        self.make_room(more, false)
    }

    /// Room for `more` values after the ones there are, growing by at
    /// least doubling (as a `Vec` does).
    pub(crate) fn reserve(&mut self, more: usize) -> io::Result<()> {
        self.make_room(more, true)
    }

    fn make_room(&mut self, more: usize, doubling: bool) -> io::Result<()> {
        let want = self
            .len
            .checked_add(more)
            .ok_or_else(|| invalid("too large"))?;
        match (want <= self.cap, doubling) {
            (true, _) => Ok(()),
            (false, false) => self.grow_to(want),
            (false, true) => self.grow_to(want.max(self.cap.saturating_mul(2))),
        }
    }

    /// Append `vals`, for which there is room.
    fn append_within(&mut self, vals: &[T])
    where
        T: Copy,
    {
        debug_assert!(self.len + vals.len() <= self.cap);
        // SAFETY: there is room for `vals` after the `len` values (the
        // callers reserve it), and `vals` cannot lie in the map: it is
        // borrowed apart from `&mut self`.
        unsafe {
            let end = self.map.as_mut_ptr().cast::<T>().add(self.len);
            std::ptr::copy_nonoverlapping(vals.as_ptr(), end, vals.len());
        }
        self.len += vals.len();
    }

    /// Append values taken from `it` while there is room (call
    /// [`FileVec::reserve`] first); what does not fit stays in `it`.
    pub(crate) fn fill_from(&mut self, it: &mut impl Iterator<Item = T>) {
        let room = self.cap - self.len;
        // SAFETY: values go only to the `room` slots after the `len`
        // values, each written before `len` counts it.
        let end = unsafe { self.map.as_mut_ptr().cast::<T>().add(self.len) };
        for (k, v) in it.take(room).enumerate() {
            // SAFETY: `k < room` (see above).
            unsafe { end.add(k).write(v) };
            self.len += 1;
        }
    }

    /// Append `v`, or give it back when the file cannot grow.
    #[inline]
    pub(crate) fn push(&mut self, v: T) -> Result<(), T> {
        if self.len == self.cap && self.reserve(1).is_err() {
            return Err(v);
        }
        // SAFETY: there is room for one more value.
        unsafe { self.map.as_mut_ptr().cast::<T>().add(self.len).write(v) };
        self.len += 1;
        Ok(())
    }

    /// Append `vals`; nothing is appended when the file cannot grow.
    pub(crate) fn extend_from_slice(&mut self, vals: &[T]) -> io::Result<()>
    where
        T: Copy,
    {
        self.reserve(vals.len())?;
        self.append_within(vals);
        Ok(())
    }

    /// Make the length `n`, new values `v`; nothing changes when the file
    /// cannot grow.
    pub(crate) fn resize(&mut self, n: usize, v: T) -> io::Result<()>
    where
        T: Copy,
    {
        if n <= self.len {
            self.len = n;
            return Ok(());
        }
        self.reserve(n - self.len)?;
        // SAFETY: there is room for `n` values.
        unsafe {
            let base = self.map.as_mut_ptr().cast::<T>();
            for i in self.len..n {
                base.add(i).write(v);
            }
        }
        self.len = n;
        Ok(())
    }

    /// Give the file's room past the values back to the disk (a file is
    /// never made smaller than [`MIN_BYTES`]).
    pub(crate) fn shrink_to_fit(&mut self) -> io::Result<()> {
        let size = std::mem::size_of::<T>();
        let cap = self.len.max(MIN_BYTES.div_ceil(size));
        if cap >= self.cap {
            return Ok(());
        }
        // SAFETY: the map only gets shorter, keeping every value; no borrow
        // of it outlives this `&mut self`.
        unsafe { self.map.remap(cap * size, RemapOptions::new())? };
        self.cap = cap;
        self.file.set_len((cap * size) as u64)
    }

    /// Let the kernel take the pages of `self[range]` out of this process's
    /// memory. Their contents stay in the file (the map is shared) and are
    /// read back on the next access, so no value changes.
    pub(crate) fn release(&self, range: std::ops::Range<usize>) {
        let Some(sub) = self.as_slice().get(range) else {
            return;
        };
        if sub.is_empty() {
            return;
        }
        let offset = sub.as_ptr() as usize - self.map.as_ptr() as usize;
        // SAFETY: `MADV_DONTNEED` on a shared mapping of a file drops page
        // table entries only: dirty pages go to the page cache, and the
        // next access faults the same bytes back in. No value changes, so
        // borrows of the map stay valid.
        let _ = unsafe {
            self.map.unchecked_advise_range(
                UncheckedAdvice::DontNeed,
                offset,
                std::mem::size_of_val(sub),
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_reads_as_a_vec_does() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = FileVec::with_values(dir.path(), &[1u64, 2, 3], 0).unwrap();
        let mut want = vec![1u64, 2, 3];
        for i in 0..100_000u64 {
            v.push(i * 7).unwrap();
            want.push(i * 7);
        }
        v.extend_from_slice(&[9; 5000]).unwrap();
        want.extend_from_slice(&[9; 5000]);
        v.resize(200_000, 4).unwrap();
        want.resize(200_000, 4);
        v.as_mut_slice()[17] = 170;
        want[17] = 170;
        assert_eq!(v.as_slice(), &want[..]);
        v.resize(150_000, 0).unwrap();
        want.truncate(150_000);
        v.shrink_to_fit().unwrap();
        assert_eq!(v.capacity(), 150_000);
        assert_eq!(v.as_slice(), &want[..]);
        v.reserve_exact(10).unwrap();
        assert_eq!(v.capacity(), 150_010);
    }

    #[test]
    fn released_pages_keep_their_values() {
        let dir = tempfile::tempdir().unwrap();
        let vals: Vec<u64> = (0..1_000_000).collect();
        let mut v = FileVec::with_values(dir.path(), &vals, 0).unwrap();
        let resident = || crate::memory::tests::resident_kib(dir.path());
        assert!(resident() > 6000, "written pages are resident");
        v.release(0..v.len());
        assert!(resident() < 100, "handed back: {} KiB", resident());
        assert_eq!(v.as_slice(), &vals[..], "read back from the file");
        v.release(10..20);
        v.as_mut_slice()[15] = 1;
        v.release(0..v.len());
        assert_eq!(v.as_slice()[15], 1, "a change made after a release stays");
    }

    #[test]
    fn a_directory_that_cannot_hold_it_is_an_error() {
        let gone = std::path::Path::new("/nonexistent/pm-tui");
        assert!(FileVec::with_values(gone, &[1u32], 0).is_err());
    }
}

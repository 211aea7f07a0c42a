//! Text written to disk while a large timeline is built, then read in place.
//!
//! The messages of an access log are a quarter of its timeline (68 of
//! 272 MB for the 512 MiB nginx log of BENCHMARKS.md), and nothing reads
//! them while the log is parsed. An ingest therefore lets a message column
//! grow in memory only up to [`SPILL_AT`] bytes; past that, its text goes to
//! an unlinked temporary file beside the case (on the same disk, not a
//! tmpfs that would be memory again; `pm-tui open`, whose case is
//! temporary, uses the temporary directory) and, once the file is parsed, the
//! column reads that file mapped, like a reopened case reads `events.cols`.
//! Writers that stream the column (the column file, Parquet) hand its pages
//! back behind them (`Buf::release`), so the text is resident only while
//! it is used.
//!
//! A case can keep the file itself instead of a copy of its text: it is
//! created with `O_TMPFILE` where the system has it, and [`link`] gives it
//! a name in the case's directory (`events.text`, beside `events.cols`).
//!
//! Nothing here can lose text: a file that cannot be created leaves the
//! column in memory, a write that fails (disk full) brings what was
//! written back into memory and goes on there, and a file that cannot be
//! mapped is read back instead.

use super::buf::Buf;
use memmap2::Mmap;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Text bytes a column holds in memory before it spills.
pub const SPILL_AT: usize = 8 << 20;

/// Bytes gathered before one write to the file.
pub(crate) const PENDING: usize = 1 << 20;

/// A column's text on its way to an unlinked file.
#[derive(Debug)]
pub(crate) struct SpillWriter {
    file: File,
    pending: Vec<u8>,
    flushed: u64,
}

impl SpillWriter {
    /// An unlinked file in `dir`, or `None` when none can be created there
    /// (read-only, full, no such directory): the text stays in memory.
    pub(crate) fn create(dir: &Path) -> Option<SpillWriter> {
        tempfile::tempfile_in(dir).ok().map(SpillWriter::to_file)
    }

    /// A writer to `file` as it is (tests give it one that refuses writes).
    pub(crate) fn to_file(file: File) -> SpillWriter {
        SpillWriter {
            file,
            pending: Vec::with_capacity(PENDING),
            flushed: 0,
        }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.flushed as usize + self.pending.len()
    }

    /// Append `bytes`. On an error nothing of `bytes` is kept, and the
    /// caller takes the text back with [`SpillWriter::into_memory`].
    pub(crate) fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.pending.len() + bytes.len() > PENDING {
            self.flush()?;
            if bytes.len() > PENDING {
                self.file.write_all(bytes)?;
                self.flushed += bytes.len() as u64;
                return Ok(());
            }
        }
        self.pending.extend_from_slice(bytes);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.write_all(&self.pending)?;
        self.flushed += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    /// Everything written, read in place from the mapped file (in memory
    /// if it cannot be mapped), and the file when the text is read from it,
    /// whole.
    pub(crate) fn finish(mut self) -> (Buf<u8>, Option<Arc<File>>) {
        if self.len() == 0 {
            return (Buf::new(), None);
        }
        if self.flush().is_ok() {
            // SAFETY: the file is unlinked and only this process has it:
            // nothing can change or truncate it while it is mapped (a case
            // that links it afterwards writes it never again; see
            // `colfile.rs` for what another program could do).
            if let Ok(map) = unsafe { Mmap::map(&self.file) } {
                let map = Arc::new(map);
                if let Some(buf) = Buf::mapped(&map, 0, self.len()) {
                    return (buf, Some(Arc::new(self.file)));
                }
            }
        }
        (Buf::from(self.into_memory()), None)
    }

    /// Everything written, copied into memory. A byte the file cannot give
    /// back (a read error on a file just written) reads as `?`, so the row
    /// ends stay true and the text stays valid UTF-8.
    pub(crate) fn into_memory(self) -> Vec<u8> {
        self.copy()
    }

    /// [`SpillWriter::into_memory`] without giving the file up.
    pub(crate) fn copy(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.flushed as usize];
        if read_at(&self.file, &mut out).is_err() {
            out.fill(b'?');
        }
        out.extend_from_slice(&self.pending);
        out
    }
}

/// Give the unlinked `file` the name `to` (on the same file system).
/// Works for a file made with `O_TMPFILE` on Linux (through its
/// `/proc/self/fd` link, which needs no privilege); anywhere else, or for a
/// file that was named and then unlinked, it fails and the caller copies.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn link(file: &File, to: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    let from = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    let to = CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// See the Linux version: elsewhere the text is always copied.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn link(_file: &File, _to: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(unix)]
fn read_at(file: &File, out: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, 0)
}

#[cfg(not(unix))]
fn read_at(file: &File, out: &mut [u8]) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(0))?;
    f.read_exact(out)?;
    f.seek(SeekFrom::End(0))?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn written_text_reads_back_in_place_or_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SpillWriter::create(dir.path()).unwrap();
        let big = vec![b'x'; PENDING + 5];
        w.write(b"abc").unwrap();
        w.write(&big).unwrap();
        w.write(b"def").unwrap();
        assert_eq!(w.len(), PENDING + 11);
        let copy = w.copy();
        let (buf, file) = w.finish();
        assert!(buf.is_mapped() && file.is_some());
        assert_eq!(&buf[..], &copy[..]);
        assert_eq!(&buf[..3], b"abc");
        assert_eq!(&buf[buf.len() - 3..], b"def");
        buf.release(0..buf.len());
        assert_eq!(&buf[..3], b"abc", "released pages read back the same");
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "the file has no name"
        );
        // Linked, it has a name, and holds the text. Where the file system
        // has `O_TMPFILE`, linking must work.
        let named = dir.path().join("events.text");
        let linked = file.is_some_and(|f| link(&f, &named).is_ok());
        assert_eq!(linked, o_tmpfile_works(dir.path()));
        if linked {
            assert_eq!(std::fs::read(&named).unwrap(), copy);
        }
    }

    /// Whether `dir`'s file system makes `O_TMPFILE` files.
    pub(crate) fn o_tmpfile_works(dir: &Path) -> bool {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_TMPFILE)
                .open(dir)
                .is_ok()
        }
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        {
            let _ = dir;
            false
        }
    }

    #[test]
    fn nowhere_to_write_means_memory() {
        assert!(SpillWriter::create(Path::new("/nonexistent/dir")).is_none());
        let dir = tempfile::tempdir().unwrap();
        assert!(
            SpillWriter::create(dir.path())
                .unwrap()
                .finish()
                .0
                .is_empty()
        );
    }
}

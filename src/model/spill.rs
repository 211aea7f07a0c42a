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
    /// if it cannot be mapped).
    pub(crate) fn finish(mut self) -> Buf<u8> {
        if self.len() == 0 {
            return Buf::new();
        }
        if self.flush().is_ok() {
            // SAFETY: the file is unlinked and only this process has it:
            // nothing can change or truncate it while it is mapped.
            if let Ok(map) = unsafe { Mmap::map(&self.file) } {
                let map = Arc::new(map);
                if let Some(buf) = Buf::mapped(&map, 0, self.len()) {
                    return buf;
                }
            }
        }
        Buf::from(self.into_memory())
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
mod tests {
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
        let buf = w.finish();
        assert!(buf.is_mapped());
        assert_eq!(&buf[..], &copy[..]);
        assert_eq!(&buf[..3], b"abc");
        assert_eq!(&buf[buf.len() - 3..], b"def");
        buf.release(0..buf.len());
        assert_eq!(&buf[..3], b"abc", "released pages read back the same");
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "the file has no name"
        );
    }

    #[test]
    fn nowhere_to_write_means_memory() {
        assert!(SpillWriter::create(Path::new("/nonexistent/dir")).is_none());
        let dir = tempfile::tempdir().unwrap();
        assert!(SpillWriter::create(dir.path()).unwrap().finish().is_empty());
    }
}

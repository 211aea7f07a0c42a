//! Process-wide memory policy for glibc's allocator: how many arenas it
//! may keep, and handing freed heap back to the system between the phases
//! of an ingest. Elsewhere (musl, macOS) both do nothing.

/// Let glibc's allocator keep one arena per core, not its default of eight.
///
/// Every thread that meets a busy arena gets one of its own, and freed
/// memory stays in the arena that freed it: the parse workers, the Parquet
/// writer, the analysis and polars' pool each kept their own. Interleaved
/// runs (BENCHMARKS.md) measured 10-20 MB less peak RSS on the 512 MiB nginx
/// log and 80 MB less on the mixed corpus, at the same speed; one arena in
/// all saved more but cost a tenth of the wall time. Call it before any
/// thread starts. A limit the user set (`MALLOC_ARENA_MAX`, or `arena_max`
/// in `GLIBC_TUNABLES`) is left alone.
pub fn bound_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        if std::env::var_os("MALLOC_ARENA_MAX").is_some() || tunables.contains("arena_max") {
            return;
        }
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let arenas = libc::c_int::try_from(cores.max(2)).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt takes no pointers; called before other threads
        // allocate, it only sets how many arenas glibc may create.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Give freed heap memory back to the system (after the parse and after
/// the analysis). glibc keeps what the parse
/// parts' columns freed once merged in its per-thread arenas, and the
/// analysis and the writer allocate beside it: trimming took a fifth off
/// the peak RSS of a 512 MiB ingest (BENCHMARKS.md).
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers; it only returns free pages of
    // glibc's own arenas to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

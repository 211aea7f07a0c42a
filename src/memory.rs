//! Process-wide memory policy for glibc's allocator: how many arenas it
//! may keep, and handing freed heap back to the system between the phases
//! of an ingest. Elsewhere (musl, macOS) both do nothing.

/// Set glibc's allocator policy for pm-tui: one arena per core, blocks of
/// 1 MiB and more mapped on their own, and up to 32 MiB of free memory kept
/// at the top of an arena. Call it first in `main`, before any thread
/// starts. A setting the user made (`MALLOC_ARENA_MAX`,
/// `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`, or the same in
/// `GLIBC_TUNABLES`) is left alone.
///
/// - **Arenas.** Every thread that meets a busy arena gets one of its own,
///   and freed memory stays in the arena that freed it: the parse workers,
///   the Parquet writer, the analysis and polars' pool each kept their own.
///   Interleaved runs (BENCHMARKS.md) measured 10-20 MB less peak RSS on the
///   512 MiB nginx log and 80 MB less on the mixed corpus, at the same
///   speed; one arena in all saved more but cost a tenth of the wall time.
/// - **Mapped blocks.** glibc raises its mmap threshold (from 128 KiB up to
///   32 MiB) each time a mapped block is freed, so the columns of parsed
///   parts, merge copies and the writer's 64 K-row batches soon come from
///   the arenas, and what they free stays there until a trim. A fixed
///   1 MiB threshold maps them and gives them back when freed: 60-70 MB
///   less peak RSS on the mixed corpus, at the same speed.
/// - **Trimming.** A fixed mmap threshold also fixes glibc's trim threshold
///   at its default, 128 KiB: a thread's arena gave back (`madvise`) the
///   top of its heap whenever that much was free, and the next batch of
///   the Parquet writer, the analysis or a parse part faulted the same
///   pages in again, zeroed. That was about a fifth of the system time of the
///   512 MiB nginx ingest. Keeping up to 32 MiB cut it by 0.2-0.3 s
///   (BENCHMARKS.md) for 3-6 MB more peak RSS; what is left free between
///   the phases is still given back ([`release_freed_memory`]).
pub fn set_allocator_policy() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        let user_set = |env: &str, tunable: &str| {
            std::env::var_os(env).is_some() || tunables.contains(tunable)
        };
        if !user_set("MALLOC_ARENA_MAX", "arena_max") {
            let cores = std::thread::available_parallelism().map_or(2, usize::from);
            let arenas = libc::c_int::try_from(cores.max(2)).unwrap_or(libc::c_int::MAX);
            // SAFETY: mallopt takes no pointers; called before other
            // threads allocate, it only sets how many arenas glibc may
            // create.
            unsafe {
                libc::mallopt(libc::M_ARENA_MAX, arenas);
            }
        }
        if !user_set("MALLOC_MMAP_THRESHOLD_", "mmap_threshold") {
            // SAFETY: as above; it sets the size from which glibc maps a
            // block on its own.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            }
        }
        if !user_set("MALLOC_TRIM_THRESHOLD_", "trim_threshold") {
            // SAFETY: as above; it sets how much free memory an arena's
            // top may hold before glibc gives it back.
            unsafe {
                libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
            }
        }
    }
}

/// Blocks this large or larger are mapped on their own and unmapped when
/// freed (see [`set_allocator_policy`]).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1 << 20;

/// Free memory an arena's top may hold before glibc gives it back (see
/// [`set_allocator_policy`]).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 32 << 20;

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

#[cfg(test)]
pub(crate) mod tests {
    /// KiB of this process's memory resident in mappings of files whose
    /// path contains `path` (a file, or a directory's unlinked files),
    /// from `/proc/self/smaps`; 0 where there is no such file.
    pub(crate) fn resident_kib(path: &std::path::Path) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let name = path.display().to_string();
        let mut inside = false;
        let mut kib = 0;
        for line in smaps.lines() {
            let first = line.split_whitespace().next().unwrap_or("");
            if first.contains('-') && !first.ends_with(':') {
                inside = line.contains(&name);
            } else if inside && first == "Rss:" {
                kib += line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
        kib
    }
}

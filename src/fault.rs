//! What pm-tui says when a file it has mapped is cut short under it.
//!
//! A reopened case reads `events.cols` and `events.text` in place (mapped,
//! see `model/colfile.rs`). pm-tui never changes them, and a new ingest
//! replaces the case directory rather than the files, so a mapped file
//! stays whole while pm-tui reads it. Another program can still truncate
//! one in place (`: > events.cols`, a `cp` over it, a disk tool). Reading
//! a page past the new end then raises `SIGBUS`, which by default kills
//! the process with "Bus error" and leaves a TUI's terminal raw, on the
//! alternate screen, with the mouse captured.
//!
//! An ingest also keeps a large file's columns in unlinked files it maps
//! (`model/filevec.rs`). Their blocks are allocated before they are
//! written, so a full disk is an error there, not a fault; a failing disk
//! can still fault.
//!
//! [`guard_mapped_files`] installs a `SIGBUS` handler that instead puts
//! the terminal back (when the TUI had it, see [`terminal_taken`]), says
//! what happened and what to do, and exits with status 1. A fault cannot
//! be resumed, so the handler does only what is safe in a signal handler:
//! `write`, `tcsetattr` and `_exit`.

/// Install the handler (once; later calls do nothing). `main` calls it
/// first: polars maps the Parquet files it reads too.
pub fn guard_mapped_files() {
    #[cfg(unix)]
    imp::install();
}

/// Tell the handler whether the TUI has the terminal (raw mode, alternate
/// screen, mouse capture), so that it gives it back before exiting. The
/// terminal's settings are saved on the first call with `true`, before
/// raw mode is entered.
pub fn terminal_taken(taken: bool) {
    #[cfg(unix)]
    imp::terminal_taken(taken);
    #[cfg(not(unix))]
    let _ = taken;
}

/// The message, and the exit status, of a fault on a mapped file.
pub const MESSAGE: &str = "pm-tui: error: a file pm-tui had mapped into memory could not be \
read (SIGBUS): a case file (events.cols, events.text or a Parquet file) cut short by another \
program, or a disk error in the temporary files an ingest keeps a large timeline in. Open the case \
again; if it is damaged, ingest again to rebuild it.\n";

/// The exit status after [`MESSAGE`].
pub const EXIT_STATUS: i32 = 1;

#[cfg(unix)]
mod imp {
    use super::{EXIT_STATUS, MESSAGE};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The terminal's file descriptor and its settings before raw mode.
    static SAVED: OnceLock<(libc::c_int, libc::termios)> = OnceLock::new();
    static TAKEN: AtomicBool = AtomicBool::new(false);
    static INSTALLED: std::sync::Once = std::sync::Once::new();

    /// What the TUI's `leave_screen` sends: mouse capture off (every mode
    /// crossterm enables), the main screen back, the cursor shown.
    const LEAVE_SCREEN: &[u8] =
        b"\x1b[?1006l\x1b[?1015l\x1b[?1003l\x1b[?1002l\x1b[?1000l\x1b[?1049l\x1b[?25h";

    pub(super) fn install() {
        INSTALLED.call_once(|| {
            // SAFETY: `on_sigbus` only calls async-signal-safe functions
            // and reads data that is written before it can run (atomics,
            // and a OnceLock set before the terminal is taken).
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_sigbus as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
            }
        });
    }

    pub(super) fn terminal_taken(taken: bool) {
        if taken && SAVED.get().is_none() {
            // crossterm puts stdin in raw mode when it is a terminal, else
            // /dev/tty: save the settings of the same one.
            // SAFETY: plain libc calls on a descriptor we own or stdin.
            unsafe {
                let fd = if libc::isatty(libc::STDIN_FILENO) == 1 {
                    libc::STDIN_FILENO
                } else {
                    libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC)
                };
                let mut t: libc::termios = std::mem::zeroed();
                let kept =
                    fd >= 0 && libc::tcgetattr(fd, &mut t) == 0 && SAVED.set((fd, t)).is_ok();
                // The descriptor opened here stays open only for the
                // handler to restore the settings through; one that gave
                // none (or lost the race to save them) is closed.
                if !kept && fd >= 0 && fd != libc::STDIN_FILENO {
                    libc::close(fd);
                }
            }
        }
        TAKEN.store(taken, Ordering::SeqCst);
    }

    fn write_all(fd: libc::c_int, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            // SAFETY: `write` is async-signal-safe; the slice is valid.
            let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
            if n <= 0 {
                return;
            }
            bytes = &bytes[n as usize..];
        }
    }

    extern "C" fn on_sigbus(
        _signal: libc::c_int,
        _info: *mut libc::siginfo_t,
        _context: *mut libc::c_void,
    ) {
        if TAKEN.load(Ordering::SeqCst) {
            write_all(libc::STDOUT_FILENO, LEAVE_SCREEN);
            if let Some((fd, t)) = SAVED.get() {
                // SAFETY: `tcsetattr` is async-signal-safe.
                unsafe { libc::tcsetattr(*fd, libc::TCSANOW, t) };
            }
        }
        write_all(libc::STDERR_FILENO, MESSAGE.as_bytes());
        // SAFETY: `_exit` is async-signal-safe and does not return.
        unsafe { libc::_exit(EXIT_STATUS) };
    }
}

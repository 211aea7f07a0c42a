//! Terminal presentation for the CLI: colours (respecting NO_COLOR and
//! `--color`), the progress bar, and time formatting in the user's zone.

use crate::cli::ColorChoice;
use pm_parsers::time::Zone;
use std::io::IsTerminal;
use std::sync::Arc;

/// Applies ANSI styles when enabled.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// Decide from `--color`, NO_COLOR and whether stdout is a terminal.
    pub fn new(choice: ColorChoice) -> Paint {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let on = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Paint { on }
    }

    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// Bold.
    pub fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    /// Dim.
    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    /// Red.
    pub fn red(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    /// Yellow.
    pub fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    /// Cyan.
    pub fn cyan(&self, s: &str) -> String {
        self.wrap("36", s)
    }
}

/// `2023-06-01 14:50:00.123` in `zone`.
pub fn local_time(ts: i64, zone: &Zone) -> String {
    zone.local(ts).format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// An indicatif progress bar fed by ingest (hidden when stderr is not a terminal).
pub struct Bar {
    bar: indicatif::ProgressBar,
}

impl Bar {
    /// A bar, drawn only when `visible` and stderr is a terminal.
    pub fn new(visible: bool) -> Arc<Bar> {
        let bar = if visible && std::io::stderr().is_terminal() {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} reading [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta} {wide_msg}",
                )
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        } else {
            indicatif::ProgressBar::hidden()
        };
        Arc::new(Bar { bar })
    }

    /// Remove the bar from the screen.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl pm_tui::ingest::Progress for Bar {
    fn start(&self, files: u64, bytes: u64) {
        self.bar.set_length(bytes);
        self.bar.set_message(format!("0/{files} files"));
    }
    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
    fn file_done(&self, path: &str) {
        let name = std::path::Path::new(path)
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or(path);
        self.bar
            .set_message(pm_tui::text::escape_terminal(name).into_owned());
    }
}

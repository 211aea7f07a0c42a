//! The command line: clap definitions only (parsing, help, completions).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  pm-tui ingest logs/ -o incident-42          read a directory of logs into a case
  pm-tui ingest logs/ --tz Asia/Tokyo         naive timestamps are JST
  pm-tui findings incident-42                 what happened, ranked, with evidence
  pm-tui events incident-42 --kind lock_wait  the raw events behind it
  pm-tui tui incident-42                      browse the timeline
  pm-tui export incident-42 -o postmortem.md  a markdown postmortem draft

Times are shown in your zone (--tz, TZ or the system's) with the zone named.
Set NO_COLOR to disable colours. Docs: README.md; formats: `pm-tui formats`.";

/// pm-tui: incident postmortem analyzer for the terminal.
///
/// Reads web access logs, application and job logs, and database lock dumps
/// (PostgreSQL, MySQL/InnoDB) from many hosts, formats, zones and encodings
/// into one timeline; finds lock convoys and their head blocker, deadlocks,
/// duplicate job runs, latency spikes and their probable causes.
#[derive(Debug, Parser)]
#[command(name = "pm-tui", version, about, long_about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Less output: errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// More output (-v: skipped-line examples, -vv: sniffing scores).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to use colours.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colours on a terminal unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read logs into a case: detect formats, merge one timeline, find what matters.
    #[command(after_help = "\
Examples:
  pm-tui ingest logs/                          writes ./pm-case
  pm-tui ingest web01/ db01/ -o case --tz +09:00
  pm-tui ingest logs/ --format 'legacy/*.log=generic' --since '2023-06-01 14:00'
  pm-tui ingest logs/ --json | jq '.sources[] | select(.skipped > 0)'

Directories are walked recursively; hidden files and case directories are
skipped. Rotated sets (app.log, app.log.1, app.log.2.gz) are read oldest
first. gzip, zstd and bzip2 are recognised by content. Encodings (UTF-8,
UTF-16, Shift_JIS, EUC-JP) are detected per file.")]
    Ingest(IngestArgs),

    /// List the findings of a case, ranked.
    Findings(FindingsArgs),

    /// List the events of a case (NDJSON with --json).
    Events(EventsArgs),

    /// Write a postmortem draft (markdown), or the case as JSON or CSV.
    Export(ExportArgs),

    /// Browse a saved case in the interactive timeline.
    Tui(TuiArgs),

    /// Ingest paths into a temporary case, then browse it.
    Open(OpenArgs),

    /// List the formats pm-tui recognises, or check a format definition.
    Formats(FormatsArgs),

    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff) to standard output.
    #[command(hide = true)]
    Man,
}

/// Options shared by commands that read logs.
#[derive(Debug, Args, Clone)]
pub struct ReadArgs {
    /// Zone of timestamps that carry none: an IANA name (Asia/Tokyo) or an
    /// offset (+09:00). Default: TZ, else the system zone.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,

    /// Read files matching GLOB with FORMAT instead of sniffing (repeatable).
    #[arg(long = "format", value_name = "GLOB=FORMAT")]
    pub formats: Vec<String>,

    /// Keep events at or after T (RFC 3339, or a date-time in ZONE).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,

    /// Keep events before T.
    #[arg(long, value_name = "T")]
    pub until: Option<String>,

    /// Year for timestamps without one (syslog). Default: each file's modification year.
    #[arg(long)]
    pub year: Option<i32>,

    /// Time of lock snapshots that carry none (InnoDB status, lock tables).
    #[arg(long, value_name = "T")]
    pub snapshot_time: Option<String>,

    /// A host's clock was off: HOST=+3s means its clock ran 3 s ahead (repeatable).
    #[arg(long, value_name = "HOST=DURATION")]
    pub skew: Vec<String>,

    /// Do not name hosts after directories like web01/ or db-2/.
    #[arg(long)]
    pub no_host_from_path: bool,
}

/// `pm-tui ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or directories to read.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The case directory to write (replaced atomically if it exists).
    #[arg(short, long, value_name = "CASE", default_value = "pm-case")]
    pub output: PathBuf,

    /// Print the result as JSON (the contract's shape) instead of a report.
    #[arg(long)]
    pub json: bool,

    /// How many findings to show at the end of the report.
    #[arg(long, default_value_t = 5)]
    pub top: usize,

    /// Do not write events.cols, the copy of the timeline that reopening
    /// reads in place: the case takes about a tenth of the disk (Parquet
    /// only) and reopening decodes Parquet instead (about 0.5 s per
    /// million events instead of 0.1 s for ten million).
    #[arg(long)]
    pub no_column_file: bool,

    /// Reading options.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `pm-tui findings`.
#[derive(Debug, Args)]
pub struct FindingsArgs {
    /// The case directory.
    #[arg(value_name = "CASE")]
    pub case: PathBuf,

    /// Only findings of these kinds (lock_convoy, deadlock, lock_timeout,
    /// duplicate_run, latency_spike, saturation, error_burst).
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,

    /// Print JSON (an array of the contract's finding objects).
    #[arg(long)]
    pub json: bool,

    /// Display zone (default: TZ, else the system zone).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

/// `pm-tui events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// The case directory.
    #[arg(value_name = "CASE")]
    pub case: PathBuf,

    /// Only events of these kinds (lock_wait, deadlock, request, job_start, ...).
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,

    /// Only events at or after T.
    #[arg(long, value_name = "T")]
    pub since: Option<String>,

    /// Only events before T.
    #[arg(long, value_name = "T")]
    pub until: Option<String>,

    /// Only events whose message, statement or path matches this regex.
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,

    /// Only events from sources whose path contains this text.
    #[arg(long, value_name = "TEXT")]
    pub source: Option<String>,

    /// Only events of this host.
    #[arg(long)]
    pub host: Option<String>,

    /// At most N events.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Print NDJSON (one event object per line).
    #[arg(long)]
    pub json: bool,

    /// Display zone, and the zone of --since/--until without an offset.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A markdown postmortem draft.
    Md,
    /// The whole case as one JSON document.
    Json,
    /// Events in the window as CSV.
    Csv,
}

/// `pm-tui export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The case directory.
    #[arg(value_name = "CASE")]
    pub case: PathBuf,

    /// Output format: md (postmortem draft), json (the whole case), csv
    /// (the events of the window).
    #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
    pub format: ExportFormat,

    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Zone for times in the report (default: the zone the case was
    /// ingested with, so a case gives the same report on every machine).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,

    /// Only the window from T.
    #[arg(long, value_name = "T")]
    pub since: Option<String>,

    /// Only the window until T.
    #[arg(long, value_name = "T")]
    pub until: Option<String>,

    /// At most N events in the timeline table.
    #[arg(long, value_name = "N", default_value_t = 40)]
    pub max_events: usize,

    /// Mask e-mails, IP addresses, tokens, passwords and long secrets.
    #[arg(long)]
    pub redact: bool,

    /// An extra regex to redact (repeatable; applies also without --redact;
    /// with a capture group, only the group is masked).
    #[arg(long = "redact-pattern", value_name = "REGEX")]
    pub redact_patterns: Vec<String>,
}

/// `pm-tui tui`.
#[derive(Debug, Args)]
pub struct TuiArgs {
    /// The case directory.
    #[arg(value_name = "CASE")]
    pub case: PathBuf,

    /// Display zone.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

/// `pm-tui open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// Files or directories to read.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Reading options.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `pm-tui formats`.
#[derive(Debug, Args)]
pub struct FormatsArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,

    /// Subcommand.
    #[command(subcommand)]
    pub action: Option<FormatsAction>,
}

/// `pm-tui formats check`.
#[derive(Debug, Subcommand)]
pub enum FormatsAction {
    /// Check a format definition file: it loads, and its samples parse as declared.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
}

//! What ingest learned about each input file.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A skipped line shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedLine {
    /// 1-based line number (0 when the parser settled lines in bulk).
    pub line: u32,
    /// The line's beginning (escaped when displayed).
    pub text: String,
    /// Why it was skipped.
    pub reason: String,
}

/// One input file: how it was read and its line accounting.
///
/// `parsed + continuation + skipped == lines` always holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceReport {
    /// The path as the user gave it (joined with the walked name).
    pub path: String,
    /// The rotation set this file belongs to (`logs/app.log` for `app.log.2.gz`).
    pub group: String,
    /// The format that read it; `null` when the file could not be read.
    pub format: Option<String>,
    /// How the format was chosen: `sniffed`, `--format`, or the reason none was.
    #[serde(default)]
    pub format_reason: String,
    /// Detected text encoding.
    pub encoding: Option<String>,
    /// `none`, `gzip`, `zstd`, `bzip2`.
    pub compression: String,
    /// Physical lines read.
    pub lines: u64,
    /// Lines that started records.
    pub parsed: u64,
    /// Lines attached to a record.
    pub continuation: u64,
    /// Lines not understood.
    pub skipped: u64,
    /// Skipped lines by reason.
    pub skip_reasons: BTreeMap<String, u64>,
    /// The first few skipped lines.
    #[serde(default)]
    pub skipped_examples: Vec<SkippedLine>,
    /// Events read from the file (before `--since/--until`).
    pub events: u64,
    /// Events kept in the case.
    #[serde(default)]
    pub events_kept: u64,
    /// Byte sequences invalid in the file's encoding (replaced).
    #[serde(default)]
    pub invalid_sequences: u64,
    /// File size on disk.
    #[serde(default)]
    pub size: u64,
    /// The host this file's events are attributed to when they name none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Things the user should know about how the file was read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Why the file could not be read (fully or at all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Parts the file was cut into and read in parallel (0: read in one).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub parts: u32,
    /// Parts read again, going on from the parts before them, because a
    /// record or a lock wait crossed the cut (see `Format::join_parts`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub parts_read_again: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl SourceReport {
    /// True when the line accounting balances.
    pub fn balanced(&self) -> bool {
        self.parsed + self.continuation + self.skipped == self.lines
    }

    /// Share of lines parsed or attached, 0..1 (1 for empty files).
    pub fn accounted_share(&self) -> f64 {
        if self.lines == 0 {
            1.0
        } else {
            (self.parsed + self.continuation) as f64 / self.lines as f64
        }
    }
}

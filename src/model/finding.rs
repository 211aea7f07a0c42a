//! Findings (what the analyzers conclude) and annotations (what the
//! responder marks), as stored in a case and printed by `findings --json`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Sessions queued behind one lock holder.
    LockConvoy,
    /// A deadlock cycle the server broke.
    Deadlock,
    /// Statements cancelled by lock time-outs, grouped by resource.
    LockTimeout,
    /// The same job run twice, overlapping.
    DuplicateRun,
    /// Request latency well above its baseline.
    LatencySpike,
    /// The request rate above which latency grows non-linearly.
    Saturation,
    /// Errors far above their own baseline.
    ErrorBurst,
}

impl FindingKind {
    /// Every kind.
    pub const ALL: [FindingKind; 7] = [
        FindingKind::LockConvoy,
        FindingKind::Deadlock,
        FindingKind::LockTimeout,
        FindingKind::DuplicateRun,
        FindingKind::LatencySpike,
        FindingKind::Saturation,
        FindingKind::ErrorBurst,
    ];

    /// Contract name.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::LockConvoy => "lock_convoy",
            FindingKind::Deadlock => "deadlock",
            FindingKind::LockTimeout => "lock_timeout",
            FindingKind::DuplicateRun => "duplicate_run",
            FindingKind::LatencySpike => "latency_spike",
            FindingKind::Saturation => "saturation",
            FindingKind::ErrorBurst => "error_burst",
        }
    }

    /// Parse a contract name.
    pub fn from_name(s: &str) -> Option<FindingKind> {
        FindingKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialise µs-UTC timestamps as RFC 3339 strings with a `Z`.
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialise.
    pub fn serialize<S: Serializer>(ts: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&pm_parsers::time::format_utc(*ts))
    }

    /// Deserialise (any supported timestamp form; naive ones read as UTC).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let s = String::deserialize(d)?;
        pm_parsers::time::parse_user_time(&s, &pm_parsers::time::Zone::utc())
            .ok_or_else(|| serde::de::Error::custom(format!("not a timestamp: {s}")))
    }
}

/// One conclusion with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// `F1`, `F2`, … in rank order.
    pub id: String,
    /// What it is.
    pub kind: FindingKind,
    /// Window start (µs UTC).
    #[serde(with = "rfc3339")]
    pub start: i64,
    /// Window end (µs UTC).
    #[serde(with = "rfc3339")]
    pub end: i64,
    /// How much it matters, 0..1.
    pub score: f64,
    /// One line a human can paste into a report.
    pub summary: String,
    /// Event ids (timeline rows) that support it.
    pub evidence: Vec<u64>,
    /// Kind-specific attributes (see the contract).
    pub attrs: serde_json::Map<String, serde_json::Value>,
}

/// A responder's note on the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// When (µs UTC): the annotated event's time, or a moment on the axis.
    #[serde(with = "rfc3339")]
    pub ts: i64,
    /// The annotated event, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<u64>,
    /// The role of this moment in the incident.
    pub label: AnnotationLabel,
    /// Free text.
    #[serde(default)]
    pub note: String,
}

/// Roles of annotated moments, as postmortem templates name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationLabel {
    /// A marked event without a role.
    Mark,
    /// The outage began.
    OutageBegins,
    /// Someone or something noticed.
    Detection,
    /// A mitigation was applied.
    Mitigation,
    /// The outage ended.
    OutageEnds,
    /// The root cause shows here.
    RootCause,
    /// A free note.
    Note,
}

impl AnnotationLabel {
    /// Every label, in the order a menu offers them.
    pub const ALL: [AnnotationLabel; 7] = [
        AnnotationLabel::Note,
        AnnotationLabel::Detection,
        AnnotationLabel::Mitigation,
        AnnotationLabel::OutageBegins,
        AnnotationLabel::OutageEnds,
        AnnotationLabel::RootCause,
        AnnotationLabel::Mark,
    ];

    /// Human label.
    pub fn title(self) -> &'static str {
        match self {
            AnnotationLabel::Mark => "mark",
            AnnotationLabel::OutageBegins => "OUTAGE BEGINS",
            AnnotationLabel::Detection => "detection",
            AnnotationLabel::Mitigation => "MITIGATED",
            AnnotationLabel::OutageEnds => "OUTAGE ENDS",
            AnnotationLabel::RootCause => "root cause",
            AnnotationLabel::Note => "note",
        }
    }
}

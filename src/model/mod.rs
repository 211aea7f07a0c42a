//! The data model: the timeline of events, findings, annotations, sources,
//! and the case store that keeps them on disk.

mod buf;
pub mod case;
mod colfile;
mod event_batches;
#[cfg(target_os = "linux")]
mod filevec;
pub mod finding;
mod parquet_write;
mod pathcol;
pub mod source;
mod sparse;
mod spill;
pub mod timeline;
pub mod view;

pub use case::{Case, CaseMeta, StagedCase};
pub use finding::{Annotation, AnnotationLabel, Finding, FindingKind};
pub use source::{SkippedLine, SourceReport};
pub use spill::SPILL_AT as SPILL_PAST;
pub use timeline::{Extra, Interner, Sym, SymCol, Timeline};

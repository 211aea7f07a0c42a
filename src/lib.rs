//! # pm-tui: the library behind the `pm-tui` command
//!
//! Ingest logs and lock dumps into one timeline ([`ingest`]), keep it as a
//! case on disk ([`model::Case`]), find what matters ([`analyze`]), and
//! write it out ([`export`]). The terminal (CLI output, the TUI) lives in the
//! binary; this library never draws.
#![deny(missing_docs)]

pub mod analyze;
pub mod config;
pub mod export;
pub mod fault;
pub mod ingest;
pub mod memory;
pub mod model;
pub mod text;

/// This build's version, as written into cases.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

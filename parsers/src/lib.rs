//! # pm-parsers: bytes in, typed events out
//!
//! The parsing half of [pm-tui](https://example.invalid/pm-tui): everything
//! between a log file's bytes and a stream of normalised [`Event`]s, with no
//! terminal, no dataframe and no file system walking.
//!
//! - [`decode`] detects a file's encoding (UTF-8, UTF-16, Shift_JIS, EUC-JP,
//!   …) and decodes it in chunks ([`decode::TextReader`]).
//! - [`split`] frames the text into physical lines (LF, CRLF, bare CR),
//!   bounding line length ([`split::LineSplitter`]).
//! - A [`Format`] scores a sample of a file ([`Registry::sniff`]) and makes a
//!   [`LineParser`] that turns lines into [`Event`]s, answering a
//!   [`Disposition`] for every line so that nothing is lost silently
//!   ([`Accounting`]).
//! - [`time`] reads every common timestamp shape and resolves it to UTC.
//! - [`decl`] loads declarative formats (TOML with regexes and samples).
//!
//! ```
//! use pm_parsers::{parse_str, Registry, Sample, SourceCtx, Event};
//! use pm_parsers::time::{Resolver, Zone};
//!
//! const LOG: &str = "2023-06-01 14:50:00.123 [main] WARN  SessionStore - lock wait 1200 ms\n\
//!                    \tat com.example.SessionStore.save(SessionStore.java:42)\n\
//!                    2023-06-01 14:50:01.000 [main] INFO  SessionStore - saved\n";
//!
//! let registry = Registry::builtin();
//! let lines: Vec<&str> = LOG.lines().collect();
//! let sniffed = registry.sniff(&Sample { lines: &lines, file_name: "app.log" });
//! let entry = registry.entry(sniffed.best.unwrap()).unwrap();
//! let ctx = SourceCtx::new(Resolver::new("Asia/Tokyo".parse::<Zone>()?), "app.log");
//! let mut parser = entry.format.parser(&ctx);
//! let mut events: Vec<Event<'static>> = Vec::new();
//! let acct = parse_str(LOG, parser.as_mut(), &mut events);
//! assert_eq!((acct.parsed, acct.continuation), (2, 1));
//! assert_eq!(pm_parsers::time::format_utc(events[0].ts), "2023-06-01T05:50:00.123Z");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod access;
pub mod apps;
pub mod assemble;
pub mod codes;
pub mod cosminexus;
pub mod decl;
pub mod decode;
pub mod enrich;
pub mod event;
pub mod fields;
pub mod generic;
pub mod java;
pub mod jobs;
pub mod journald;
pub mod mysql;
pub mod parser;
pub mod postgres;
pub mod registry;
pub mod route;
pub mod split;
pub mod structured;
pub mod syslog;
pub mod testutil;
pub mod time;

pub use event::{Event, EventSink, Kind, Level, Participant, SpareLists, SparePairs};
pub use parser::{
    Accounting, Disposition, Format, Join, Joint, LineParser, PartEnd, PartParser, RunOver, Sample,
    Settlement, SourceCtx, join_part, parse_part, parse_str, parse_stream, with_earlier_claims,
};
pub use registry::{Registry, Sniffed};
pub use split::Line;

use std::sync::Arc;

/// Every format written in Rust, most specific first.
pub fn builtin_formats() -> Vec<Arc<dyn Format>> {
    let mut v: Vec<Arc<dyn Format>> = vec![
        Arc::new(postgres::PgJsonlog),
        Arc::new(postgres::PgCsvlog),
        Arc::new(postgres::PgStderr),
        Arc::new(mysql::innodb_status::InnodbStatus),
        Arc::new(mysql::error_log::MysqlError),
        Arc::new(mysql::lock_tables::MysqlLockTables),
        Arc::new(mysql::slowlog::MysqlSlow),
        Arc::new(mysql::client_errors::MysqlClientErrors),
        Arc::new(access::haproxy::Haproxy),
        Arc::new(access::uwsgi::Uwsgi),
        Arc::new(access::w3c::W3c),
        Arc::new(access::ltsv::Ltsv),
        Arc::new(access::clf::CombinedTimed),
        Arc::new(access::clf::Combined),
        Arc::new(access::clf::Common),
        Arc::new(access::json::JsonAccess),
        Arc::new(access::oslo::Oslo),
        Arc::new(journald::Journald),
        Arc::new(syslog::Syslog),
    ];
    v.extend(apps::formats());
    v.extend([
        Arc::new(structured::JsonLines) as Arc<dyn Format>,
        Arc::new(structured::Logfmt),
        Arc::new(generic::Generic),
    ]);
    v
}

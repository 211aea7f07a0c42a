//! A PostgreSQL log read in parts (as ingest reads a large one) against
//! the same log read in one pass: the first byte picks stderr, csvlog or
//! jsonlog, the second the part size.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pm_parsers::testutil::fuzz_parts(data);
});

//! The access parser family: the first byte picks the format.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pm_parsers::testutil::fuzz_one(data, Some("access"));
});

//! Format sniffing: the sniffed format (if any) parses the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pm_parsers::testutil::fuzz_one(data, None);
});

//! Arbitrary bytes through the per-file path of `scan`: decode, then
//! parse and extract (imports, calls, `# noqa`), as `scan::scan_file` does.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("extract", data));

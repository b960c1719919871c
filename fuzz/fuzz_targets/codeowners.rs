//! Arbitrary bytes as `CODEOWNERS`, looked up for a declared location.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("codeowners", data));

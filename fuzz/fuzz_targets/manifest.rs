//! Arbitrary bytes as the dependency manifest of a declared location:
//! `requirements.txt` (with `-r` includes), `setup.py` or `setup.cfg` (the
//! first byte chooses), through code-location discovery.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("manifest", data));

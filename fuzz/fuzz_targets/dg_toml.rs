//! Arbitrary bytes as a `dg.toml` (a dg workspace or project), next to a dg
//! project, through code-location discovery.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("dg_toml", data));

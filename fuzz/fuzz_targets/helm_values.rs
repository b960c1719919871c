//! Arbitrary bytes as Helm values (any YAML name: read when it mentions a
//! Dagster marker), through code-location discovery.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("helm_values", data));

//! Arbitrary bytes as a `workspace.yaml`, through code-location discovery.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("workspace_yaml", data));

//! Arbitrary bytes as a `pyproject.toml` ([tool.dagster], [tool.dg], its
//! dependencies as the location's manifest), through code-location discovery.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("pyproject_toml", data));

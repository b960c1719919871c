//! Arbitrary bytes as a Dagster+ file: `dagster_cloud.yaml`, or a
//! `container_context.yaml` / `build.yaml` applied to a declared location
//! (the first byte chooses), through code-location discovery.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("dagster_cloud_yaml", data));

//! The escapers for text from the scanned repository: terminal
//! (`report::terminal_safe`), Markdown PR comments (`report::markdown::escape`),
//! GitHub workflow commands and OpenMetrics labels, each against the
//! property it promises.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run("escapers", data));

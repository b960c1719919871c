//! The parse floor: walk a tree with the crate's walker and parse every `.py`
//! file with ruff's parser in parallel (rayon, all cores), with no analysis.
//!
//! ```sh
//! cargo run --release --example parse_only -- TREE
//! ```
//!
//! `bench/run.sh` times `dagster-footprint scan` and the scan stage alone
//! (`examples/scan_stage.rs`) against this: the gaps are what fact extraction,
//! and then the import graph, estimates, rules, advice and the report, cost on
//! top of reading and parsing.

mod common;

use std::process::ExitCode;
use std::time::Instant;

use rayon::prelude::*;
use ruff_python_parser::{parse_unchecked, Mode, ParseOptions};

fn main() -> ExitCode {
    let start = Instant::now();
    let walked = match common::walk_argument("parse_only") {
        Ok(walked) => walked,
        Err(code) => return code,
    };
    let (bytes, statements, errors) = walked
        .python_files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return (0, 0, 0);
            };
            let parsed = parse_unchecked(&text, ParseOptions::from(Mode::Module));
            let statements = parsed
                .syntax()
                .as_module()
                .map_or(0, |module| module.body.len());
            (text.len(), statements, parsed.errors().len())
        })
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    eprintln!(
        "parsed {} files ({:.1} MiB, {statements} top-level statements, {errors} syntax errors) in {} ms",
        walked.python_files.len(),
        bytes as f64 / (1024.0 * 1024.0),
        start.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}

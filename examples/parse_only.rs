//! The parse floor: walk a tree with the crate's walker and parse every `.py`
//! file with ruff's parser in parallel (rayon, all cores), with no analysis.
//!
//! ```sh
//! cargo run --release --example parse_only -- TREE
//! ```
//!
//! `bench/run.sh` times `dagster-footprint scan` against this: the gap between
//! the two is what fact extraction, the import graph, the rules and the report
//! cost on top of reading and parsing.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use rayon::prelude::*;
use ruff_python_parser::{parse_unchecked, Mode, ParseOptions};

use dagster_footprint::discover::{walk, WalkOptions};

/// The same allocator as `dagster-footprint`, so the floor is comparable.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The same process settings as `dagster-footprint`.
    dagster_footprint::process::disable_transparent_huge_pages();
    let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: parse_only TREE");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let walked = match walk(&root, &WalkOptions::default()) {
        Ok(walked) => walked,
        Err(err) => {
            eprintln!("parse_only: {err}");
            return ExitCode::from(2);
        }
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

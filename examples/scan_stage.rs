//! The scan stage alone: walk a tree with the crate's walker, then read,
//! parse and extract every `.py` file's facts exactly as `dagster-footprint
//! scan` does (the same thread pool, the same filter of kept facts), and stop
//! there: no import graph, estimates, rules, advice or report.
//!
//! ```sh
//! cargo run --release --example scan_stage -- TREE
//! ```
//!
//! `bench/run.sh` times it between the parse-only floor and the whole `scan`:
//! the first gap is what fact extraction costs on top of parsing, the second
//! what every later stage and the report cost.

mod common;

use std::process::ExitCode;
use std::time::Instant;

use dagster_footprint::heuristics::overrides::Heuristics;
use dagster_footprint::pipeline::CatalogInterest;
use dagster_footprint::scan::{scan_files, ScanOptions};

fn main() -> ExitCode {
    let heuristics = match Heuristics::builtin() {
        Ok(heuristics) => heuristics,
        Err(err) => {
            eprintln!("scan_stage: built-in catalog: {err}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let walked = match common::walk_argument("scan_stage") {
        Ok(walked) => walked,
        Err(code) => return code,
    };
    let interest = CatalogInterest::new(&heuristics.catalog, &heuristics.calls);
    let facts = scan_files(
        &walked.root,
        &walked.python_files,
        &ScanOptions::default(),
        &interest,
    );
    let imports: usize = facts.iter().map(|f| f.imports.len()).sum();
    let calls: usize = facts.iter().map(|f| f.calls.len()).sum();
    eprintln!(
        "scanned {} files ({imports} imports, {calls} kept calls) in {} ms",
        facts.len(),
        start.elapsed().as_millis()
    );
    // `scan` does not free its facts at exit either.
    std::mem::forget(facts);
    ExitCode::SUCCESS
}

//! Replays saved fuzz inputs through the fuzz targets' own code
//! (`fuzz/fuzz_targets/common.rs`): every crash the fuzzers found, saved
//! under `tests/fixtures/fuzz_regressions/<target>/`, and the seed corpus in
//! `fuzz/corpus/<target>/`. Each input must finish, without a panic, quickly.

#[path = "../fuzz/fuzz_targets/common.rs"]
mod fuzz_common;

use std::path::Path;
use std::time::{Duration, Instant};

/// Far above what any input takes (milliseconds); a hang would take forever.
const LIMIT: Duration = Duration::from_secs(20);

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(root: &str) -> usize {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
    let mut count = 0;
    for target in fuzz_common::TARGETS {
        for file in inputs(&base.join(target)) {
            let data = std::fs::read(&file).unwrap();
            let start = Instant::now();
            let result = std::panic::catch_unwind(|| fuzz_common::run(target, &data));
            assert!(
                result.is_ok(),
                "fuzz target `{target}` panics on {}",
                file.display()
            );
            let elapsed = start.elapsed();
            assert!(
                elapsed < LIMIT,
                "fuzz target `{target}` took {elapsed:?} on {}",
                file.display()
            );
            count += 1;
        }
    }
    count
}

#[test]
fn saved_crashes_stay_fixed() {
    replay("tests/fixtures/fuzz_regressions");
}

#[test]
fn seed_corpus_runs_clean() {
    // A handful per target (fuzz/corpus), all of which must be read.
    assert!(replay("fuzz/corpus") >= 20);
}

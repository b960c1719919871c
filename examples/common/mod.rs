//! What the benchmark's floor examples share with each other and with the
//! `dagster-footprint` binary: the allocator, the process settings and the
//! walk of the tree named on the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use dagster_footprint::discover::{walk, WalkOptions, WalkResult};

/// The same allocator as `dagster-footprint`, so the floors are comparable.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Applies the binary's process settings, then walks the tree named by the
/// first argument with the crate's walker. On failure, prints why (prefixed
/// with `name`) and returns the exit code.
pub fn walk_argument(name: &str) -> Result<WalkResult, ExitCode> {
    dagster_footprint::process::disable_transparent_huge_pages();
    let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: {name} TREE");
        return Err(ExitCode::from(2));
    };
    walk(&root, &WalkOptions::default()).map_err(|err| {
        eprintln!("{name}: {err}");
        ExitCode::from(2)
    })
}

use std::process::ExitCode;

/// The allocator ruff ships: the parser boxes every AST node, and the scan
/// allocates per file on every core. See docs/performance.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    dagster_footprint::process::disable_transparent_huge_pages();
    dagster_footprint::cli::main()
}

//! dagster-footprint: estimate what each Dagster code location loads at import
//! time, and what its pod costs in memory, by reading the repository without
//! running any of it.
//!
//! The data flows one way, one module per stage:
//!
//! 1. [`discover`]: walk the tree, find Python files and (later) code-location declarations.
//! 2. [`scan`]: parse every file in parallel into plain [`scan::FileFacts`].
//! 3. [`graph`]: resolve imports and reachability from each location.
//! 4. [`estimate`]: the memory model over the [`heuristics`] catalog.
//! 5. [`recommend`]: lazy-load fixes, consolidation, pod sizing.
//! 6. [`report`]: the [`report::Report`] and its renderers (table, JSON, ...).
//!
//! [`rules`] holds one file per rule; [`cli`] wires the stages for the binary.

pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod discover;
pub mod estimate;
pub mod graph;
pub mod heuristics;
pub mod pipeline;
pub mod process;
pub mod recommend;
pub mod report;
pub mod rules;
pub mod scan;

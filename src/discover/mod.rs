//! Stage 1: find what to analyse.
//!
//! [`walk`] lists the Python files (and declaration files) under a root,
//! skipping virtualenvs, caches and build output, never leaving the root.
//! [`locations`] reads the declaration files into code locations.

pub mod locations;
pub mod walk;

pub use walk::{walk, WalkOptions, WalkResult};

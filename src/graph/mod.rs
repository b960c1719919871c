//! Stage 3: what each code location loads at import time.
//!
//! [`resolve`] maps dotted names to first-party files under a location's
//! search roots; [`reach`] walks import-time edges from the location's entry
//! and keeps, for every file and third-party module reached, the shortest
//! import chain.

pub mod dagster_loading;
pub mod location;
pub mod reach;
pub mod resolve;
pub mod stdlib;

pub use reach::{reach, Deferred, Entry, ExternalImport, Hop, LocationGraph, Reached};
pub use resolve::{ModuleIndex, Target};

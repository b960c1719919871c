//! What later stages read from a file's facts, so that a scan keeps only
//! that: the facts of every file stay in memory until the report is written,
//! and on a large tree most calls (`dg.asset(...)`, `dg.AssetKey(...)`) and
//! most name uses (`dg`, `pd` in a file that imports nothing heavy) are read
//! by nobody.
//!
//! Filtering changes no output: `tests/scan.rs` checks that every sample gives
//! a byte-identical report with [`Everything`] and with the catalog's filter.

use super::facts::ImportSite;

/// Which facts a scan keeps.
pub trait Interest: Sync {
    /// Whether an import-time call to `callee` (as named in the facts) may matter.
    fn call(&self, callee: &str) -> bool;
    /// Whether the uses of the names `import` binds may matter.
    fn uses_of(&self, import: &ImportSite) -> bool;
}

/// Keeps every fact.
#[derive(Debug, Clone, Copy, Default)]
pub struct Everything;

impl Interest for Everything {
    fn call(&self, _callee: &str) -> bool {
        true
    }

    fn uses_of(&self, _import: &ImportSite) -> bool {
        true
    }
}

//! Stage 6: the [`Report`] a scan produces, and its renderers.
//!
//! The report is plain data; each output format is a small renderer over it.

pub mod ci;
pub mod diff;
pub mod explain;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod locations;
pub mod markdown;
pub mod openmetrics;
pub mod sarif;
pub mod table;
pub mod text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::discover::locations::CodeLocation;
use crate::estimate::PodEstimate;
use crate::graph::{Hop, LocationGraph};
use crate::recommend::Recommendations;
use crate::rules::Finding;
use crate::scan::FileFacts;

/// Version of the JSON report layout (`scan`, `locations` and `diff --format
/// json`), described by docs/report.schema.json. Bump it on any breaking
/// change: a field removed, renamed or retyped, or a value's meaning changed
/// (and update the schema's `schema_version` const). New optional fields do
/// not need a bump.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a scan found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub tool: &'static str,
    pub version: &'static str,
    pub schema_version: u32,
    /// The scanned path as given on the command line.
    pub root: String,
    pub summary: Summary,
    /// Wall-clock times; the only fields that differ between identical runs.
    pub timings: Timings,
    /// Every code location found, sorted by name, with what it loads.
    pub locations: Vec<LocationReport>,
    /// Sorted by path, line, column, code.
    pub findings: Vec<Finding>,
    /// Lazy-load advice, consolidation, sizing, deployment models, totals.
    pub recommendations: Recommendations,
    /// Problems with the input, sorted by path and line.
    pub diagnostics: Vec<Diagnostic>,
    /// Per-file facts, for later stages (not part of the JSON report).
    #[serde(skip)]
    pub files: Vec<FileFacts>,
}

/// One code location and what it loads at import time.
#[derive(Debug, Clone, Serialize)]
pub struct LocationReport {
    #[serde(flatten)]
    pub location: CodeLocation,
    /// Directories searched for its first-party modules, including monorepo
    /// packages its manifest installs.
    pub import_roots: Vec<String>,
    /// First-party files executed when it loads.
    pub files_reached: usize,
    /// Idle memory of its pod (absent when the location cannot be scanned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<PodEstimate>,
    /// Findings on its import path, each with the chain that brings it in.
    pub findings: Vec<LocationFinding>,
    #[serde(skip)]
    pub graph: LocationGraph,
}

/// A finding as seen from one location.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationFinding {
    pub code: &'static str,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub subject: String,
    /// Reached only through a conditional import, or itself conditional.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub may_load: bool,
    /// Import statements from the location's entry to this line (inclusive).
    pub chain: Vec<Hop>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub files_scanned: usize,
    /// Code locations discovered (scannable or not).
    pub locations: usize,
    /// Sum of the pods' idle estimates (scannable locations), MiB.
    pub total_idle_mib: f64,
    pub total_idle_low_mib: f64,
    pub total_idle_high_mib: f64,
    /// Files with at least one syntax error.
    pub files_with_syntax_errors: usize,
    pub findings: usize,
    /// Findings per rule code.
    pub findings_by_code: BTreeMap<String, usize>,
    pub diagnostics: usize,
}

/// Milliseconds spent per stage.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub walk_ms: u64,
    pub scan_ms: u64,
    pub graph_ms: u64,
    pub estimate_ms: u64,
    pub recommend_ms: u64,
    pub total_ms: u64,
}

/// Replaces terminal control characters (ANSI escapes, carriage returns, ...)
/// in text that came from the scanned repository, so it cannot repaint or
/// hide anything on the user's terminal.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(terminal_safe("a\u{1b}[31mred\r"), "a\\u{1b}[31mred\\r");
        assert_eq!(terminal_safe("plain é"), "plain é");
    }
}

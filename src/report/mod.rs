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
/// (and update the schema's `schema_version` const). New optional fields and
/// new enumeration values do not need a bump.
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
#[derive(Debug, Clone)]
pub struct LocationReport {
    pub location: CodeLocation,
    /// Directories searched for its first-party modules, including monorepo
    /// packages its manifest installs.
    pub import_roots: Vec<String>,
    /// First-party files executed when it loads.
    pub files_reached: usize,
    /// Idle memory of its pod (absent when the location cannot be scanned).
    pub estimate: Option<PodEstimate>,
    /// Findings on its import path; [`Self::chain`] gives the chain that
    /// brings each in.
    pub findings: Vec<LocationFinding>,
    /// Shared with the graph cache (never copied).
    pub graph: std::sync::Arc<LocationGraph>,
}

impl LocationReport {
    /// The import statements from the location's entry to `finding`'s line
    /// (inclusive). Built when asked for (a report renders each once) rather
    /// than kept for every finding of every location.
    pub fn chain(&self, finding: &LocationFinding) -> Vec<Hop> {
        let mut chain = self.graph.chain_to(finding.file);
        chain.push(finding.hop.clone());
        chain
    }
}

impl Serialize for LocationReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The JSON layout: the location's fields, then what it loads.
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            location: &'a CodeLocation,
            import_roots: &'a [String],
            files_reached: usize,
            #[serde(skip_serializing_if = "Option::is_none")]
            estimate: Option<&'a PodEstimate>,
            findings: Findings<'a>,
        }
        struct Findings<'a>(&'a LocationReport);
        impl Serialize for Findings<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.findings.iter().map(|f| FindingOut {
                    code: f.code,
                    path: &f.hop.path,
                    line: f.hop.line,
                    column: f.column,
                    subject: &f.hop.module,
                    may_load: f.may_load,
                    chain: self.0.chain(f),
                }))
            }
        }
        #[derive(Serialize)]
        struct FindingOut<'a> {
            code: &'static str,
            path: &'a str,
            line: u32,
            column: u32,
            subject: &'a str,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            may_load: bool,
            chain: Vec<Hop>,
        }
        Out {
            location: &self.location,
            import_roots: &self.import_roots,
            files_reached: self.files_reached,
            estimate: self.estimate.as_ref(),
            findings: Findings(self),
        }
        .serialize(serializer)
    }
}

/// A finding as seen from one location.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationFinding {
    pub code: &'static str,
    /// The finding's own statement, the last hop of its chain: its path,
    /// line and subject (`hop.module`).
    pub hop: Hop,
    pub column: u32,
    /// Reached only through a conditional import, or itself conditional.
    pub may_load: bool,
    /// The file (index into the scanned files) the finding is in.
    pub file: usize,
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

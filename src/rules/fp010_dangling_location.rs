//! ## What it does
//! Checks for declared code locations whose code is not in the scanned tree:
//! a `workspace.yaml`, `dagster_cloud.yaml`, pyproject, dg workspace, Helm
//! values file or Dockerfile names a module, package or file that no search
//! root of the location holds.
//!
//! ## Why is this bad?
//! Either the declaration is stale (the location was renamed or removed and
//! the server will fail to load, or loads an old image), or the code lives
//! outside the repository. In both cases dagster-footprint cannot see what the
//! pod loads, so its memory is missing from every estimate.
//!
//! ## Example
//! ```yaml
//! # dagster_cloud.yaml
//! locations:
//!   - location_name: legacy_marketing
//!     code_source:
//!       module_name: legacy_marketing.definitions   # no such package in the repo
//! ```
//!
//! Use instead:
//! ```yaml
//! locations:
//!   - location_name: marketing
//!     code_source:
//!       module_name: marketing_etl.definitions
//! ```
//!
//! Or delete the stale entry.
//!
//! ## Suppression
//! `--ignore FP010`.

use super::{Finding, Level};
use crate::diagnostics::Diagnostic;
use crate::scan::ExecContext;

pub const CODE: &str = "FP010";
pub const NAME: &str = "dangling-location";
pub const SUMMARY: &str = "Declared code location whose code is not in the tree";

/// Turns discovery's `dangling-location` diagnostics into findings.
pub fn check(diagnostics: &[Diagnostic], out: &mut Vec<Finding>) {
    for d in diagnostics.iter().filter(|d| d.kind == NAME) {
        let subject = d
            .message
            .split_once("code location `")
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(name, _)| name.to_string())
            .unwrap_or_default();
        out.push(Finding {
            code: CODE,
            rule: NAME,
            level: Level::Warning,
            path: d.path.clone(),
            line: d.line.unwrap_or(1),
            column: d.column.unwrap_or(1),
            message: d.message.clone(),
            subject,
            context: ExecContext::Module,
            mib: None,
            provenance: None,
            locations: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Severity;

    #[test]
    fn dangling_diagnostic_becomes_a_finding() {
        let d = Diagnostic::new(
            "dagster_cloud.yaml",
            Severity::Warning,
            NAME,
            "code location `legacy` loads module `legacy.definitions`, which is not in the tree",
        )
        .at(28, 9);
        let mut out = Vec::new();
        check(&[d], &mut out);
        assert_eq!(out[0].subject, "legacy");
        assert_eq!((out[0].line, out[0].column), (28, 9));
    }
}

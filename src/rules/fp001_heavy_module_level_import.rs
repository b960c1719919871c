//! ## What it does
//! Checks for imports of heavy packages (those in the heavy catalog,
//! `heuristics/packages.toml`) that run when the module is imported: at module
//! level, in a class body, under a module-level `if`/`with`/`for`, or in a
//! `try:` guarded by `except ImportError`.
//!
//! ## Why is this bad?
//! A Dagster code-location server imports its definitions module once and
//! stays up. Every module-level import on that path stays resident in the pod
//! for its whole life, and again in every run pod that loads the same code.
//! One `from postal.parser import parse_address` (libpostal) added about 2 GB
//! to a single pod; copied by a few teams it exhausted a cluster's memory.
//! Asset and op bodies do not run when the location loads, so an import used
//! only there can wait until the run that needs it.
//!
//! The figure shown is the RSS the package adds to a fresh interpreter, with
//! its provenance (measured by `heuristics/calibrate/`, or cited).
//!
//! ## Example
//! ```python
//! import dagster as dg
//! from postal.parser import parse_address
//!
//!
//! @dg.asset
//! def parsed_addresses(raw: list[str]) -> list[dict]:
//!     return [dict(parse_address(r)) for r in raw]
//! ```
//!
//! Use instead:
//! ```python
//! import dagster as dg
//!
//!
//! @dg.asset
//! def parsed_addresses(raw: list[str]) -> list[dict]:
//!     from postal.parser import parse_address
//!
//!     return [dict(parse_address(r)) for r in raw]
//! ```
//!
//! ## Suppression
//! Add `# noqa: FP001` to the import line, or pass `--ignore FP001`.
//!
//! ## See also
//! ruff's `TID253 banned-module-level-imports` flags the same import lines from
//! a configured list, without memory figures or Dagster context.

use super::{context_phrase, Finding, Level};
use crate::heuristics::Catalog;
use crate::scan::{FileFacts, ImportSite};

pub const CODE: &str = "FP001";
pub const NAME: &str = "heavy-module-level-import";
pub const SUMMARY: &str = "Heavy package imported at import time of a module";

/// The heavy catalogued package `import` loads, with the module as imported.
pub fn heavy_package<'c>(
    import: &ImportSite,
    catalog: &'c Catalog,
) -> Option<(String, &'c crate::heuristics::PackageEntry)> {
    import.candidate_modules().find_map(|m| {
        catalog
            .lookup_module(&m)
            .filter(|p| p.heavy)
            .map(|p| (m, p))
    })
}

/// Whether `import` loads a heavy catalogued package: [`heavy_package`]
/// without building the imported name (the scan asks for every import).
pub fn loads_heavy_package(import: &ImportSite, catalog: &Catalog) -> bool {
    import
        .find_candidate(|m| catalog.lookup_module(m).filter(|p| p.heavy))
        .is_some()
}

/// Reports every import-time import of a heavy catalogued package in `file`.
pub fn check(file: &FileFacts, catalog: &Catalog, out: &mut Vec<Finding>) {
    for import in &file.imports {
        if !import.context.runs_at_import() {
            continue;
        }
        // Most imports load nothing heavy: rejected without building names.
        if !loads_heavy_package(import, catalog) {
            continue;
        }
        let Some((imported, package)) = heavy_package(import, catalog) else {
            continue;
        };
        // The package's own source tree (a vendored copy, or scanning the package itself).
        if file
            .module
            .as_deref()
            .is_some_and(|m| m == package.name || m.starts_with(&format!("{}.", package.name)))
        {
            continue;
        }
        if file.is_suppressed(import.line, CODE) {
            continue;
        }
        let figure = match (package.import_mib, &package.measured, &package.source) {
            (Some(mib), Some(_), _) => format!(" (~{mib:.0} MiB measured)"),
            (Some(mib), None, Some(_)) => format!(" (~{mib:.0} MiB cited)"),
            _ => " (not yet measured)".to_string(),
        };
        out.push(Finding {
            code: CODE,
            rule: NAME,
            level: Level::Warning,
            path: file.path.clone(),
            line: import.line,
            column: import.column,
            message: format!(
                "import of `{}` {} loads heavy package `{}`{}",
                imported,
                context_phrase(import.context),
                package.name,
                figure,
            ),
            subject: package.name.clone(),
            context: import.context,
            mib: package.import_mib,
            provenance: crate::heuristics::provenance(
                package.measured.as_ref(),
                package.source.as_ref(),
            ),
            locations: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(source: &str) -> Vec<Finding> {
        let file = crate::scan::facts_for_test("app/assets.py", "app.assets", source);
        let mut out = Vec::new();
        check(&file, &Catalog::builtin().unwrap(), &mut out);
        out
    }

    #[test]
    fn loads_heavy_package_agrees_with_heavy_package() {
        let catalog = Catalog::builtin().unwrap();
        let file = crate::scan::facts_for_test(
            "app/m.py",
            "app.m",
            "import torch\nimport os\nfrom sklearn import linear_model\nfrom x import *\n\
             from transformers import pipeline\nimport dagster as dg\nfrom . import sibling\n\
             from pandas import DataFrame, read_csv\nimport numpy.linalg\n",
        );
        assert!(file.imports.len() >= 9);
        let mut heavy = 0;
        for import in &file.imports {
            let expected = heavy_package(import, &catalog).is_some();
            assert_eq!(
                loads_heavy_package(import, &catalog),
                expected,
                "{import:?}"
            );
            heavy += usize::from(expected);
        }
        assert!(heavy >= 3, "{heavy}");
    }

    #[test]
    fn flags_import_time_contexts() {
        let src = "\
from postal.parser import parse_address
class A:
    import torch
try:
    import pandas
except ImportError:
    pass
if x:
    import spacy
";
        let got: Vec<(String, u32)> = findings(src)
            .into_iter()
            .map(|f| (f.subject, f.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("postal".to_string(), 1),
                ("torch".to_string(), 3),
                ("pandas".to_string(), 5),
                ("spacy".to_string(), 9)
            ]
        );
    }

    #[test]
    fn ignores_deferred_and_type_checking_imports() {
        let src = "\
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import pandas
def f():
    import torch
import json
import dagster
";
        assert!(findings(src).is_empty());
    }

    #[test]
    fn from_package_import_submodule_matches_dotted_entry() {
        let got = findings("from snowflake import connector\n");
        assert_eq!(got[0].subject, "snowflake.connector");
    }

    #[test]
    fn noqa_suppresses() {
        assert!(findings("import torch  # noqa: FP001\n").is_empty());
        assert!(findings("import torch  # noqa\n").is_empty());
        assert_eq!(findings("import torch  # noqa: FP002\n").len(), 1);
    }

    #[test]
    fn cited_figure_is_shown_with_provenance() {
        let got = findings("from postal.parser import parse_address\n");
        assert!(got[0].message.contains("cited"), "{}", got[0].message);
        assert!(got[0]
            .provenance
            .as_deref()
            .unwrap()
            .starts_with("source: "));
    }
}

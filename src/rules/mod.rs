//! The rules, one file per rule, and the registry that lists them.
//!
//! A rule's documentation is the `//!` comment at the top of its file, in
//! ruff's layout (`## What it does`, `## Why is this bad?`, `## Example`,
//! `Use instead:`). [`Rule::documentation`] reads it from the embedded source,
//! so `dagster-footprint rule CODE`, `docs/rules.md` and the code share one text.

use serde::Serialize;

use crate::heuristics::calls::{CallCatalog, CallPattern};
use crate::scan::{CallSite, EagerCall, ExecContext, FileFacts};

pub mod fp001_heavy_module_level_import;
pub mod fp002_eager_client_init;
pub mod fp003_eager_model_or_data_load;
pub mod fp004_network_call_at_import;
pub mod fp010_dangling_location;
pub mod fp201_memory_limit_below_estimate;
pub mod fp202_memory_request_far_above_estimate;
pub mod fp203_shared_image;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// A registered rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// `FP001`
    pub code: &'static str,
    /// `heavy-module-level-import`
    pub name: &'static str,
    /// One line, for listings and SARIF short descriptions.
    pub summary: &'static str,
    pub level: Level,
    source: &'static str,
}

/// Every rule, in code order.
pub const RULES: &[Rule] = &[
    Rule {
        code: fp001_heavy_module_level_import::CODE,
        name: fp001_heavy_module_level_import::NAME,
        summary: fp001_heavy_module_level_import::SUMMARY,
        level: Level::Warning,
        source: include_str!("fp001_heavy_module_level_import.rs"),
    },
    Rule {
        code: fp002_eager_client_init::CODE,
        name: fp002_eager_client_init::NAME,
        summary: fp002_eager_client_init::SUMMARY,
        level: Level::Warning,
        source: include_str!("fp002_eager_client_init.rs"),
    },
    Rule {
        code: fp003_eager_model_or_data_load::CODE,
        name: fp003_eager_model_or_data_load::NAME,
        summary: fp003_eager_model_or_data_load::SUMMARY,
        level: Level::Warning,
        source: include_str!("fp003_eager_model_or_data_load.rs"),
    },
    Rule {
        code: fp004_network_call_at_import::CODE,
        name: fp004_network_call_at_import::NAME,
        summary: fp004_network_call_at_import::SUMMARY,
        level: Level::Error,
        source: include_str!("fp004_network_call_at_import.rs"),
    },
    Rule {
        code: fp010_dangling_location::CODE,
        name: fp010_dangling_location::NAME,
        summary: fp010_dangling_location::SUMMARY,
        level: Level::Warning,
        source: include_str!("fp010_dangling_location.rs"),
    },
    Rule {
        code: fp201_memory_limit_below_estimate::CODE,
        name: fp201_memory_limit_below_estimate::NAME,
        summary: fp201_memory_limit_below_estimate::SUMMARY,
        level: Level::Error,
        source: include_str!("fp201_memory_limit_below_estimate.rs"),
    },
    Rule {
        code: fp202_memory_request_far_above_estimate::CODE,
        name: fp202_memory_request_far_above_estimate::NAME,
        summary: fp202_memory_request_far_above_estimate::SUMMARY,
        level: Level::Warning,
        source: include_str!("fp202_memory_request_far_above_estimate.rs"),
    },
    Rule {
        code: fp203_shared_image::CODE,
        name: fp203_shared_image::NAME,
        summary: fp203_shared_image::SUMMARY,
        level: Level::Info,
        source: include_str!("fp203_shared_image.rs"),
    },
];

impl Rule {
    /// Finds a rule by code (`FP001`, case-insensitive) or name.
    pub fn find(code_or_name: &str) -> Option<&'static Rule> {
        RULES
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
    }

    /// The rule's documentation: its file's leading `//!` comment, as Markdown.
    pub fn documentation(&self) -> String {
        doc_comment(self.source)
    }
}

/// The leading `//!` block of a Rust source file, without the markers.
fn doc_comment(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out
}

/// One finding: a rule matched at a place in a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Rule code, `FP001`.
    pub code: &'static str,
    /// Rule name, `heavy-module-level-import`.
    pub rule: &'static str,
    pub level: Level,
    /// File relative to the scanned root, `/`-separated.
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// What the finding is about: a catalogued package (`postal`) or a callee.
    pub subject: String,
    /// When the code at this line runs.
    pub context: ExecContext,
    /// RSS the subject adds to a fresh interpreter (MiB), when catalogued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mib: Option<f64>,
    /// Where `mib` comes from (`measured: ...` or `source: ...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
    /// The code locations that load this line at import time (sorted); empty
    /// when none does (then the finding is `info`: it costs no pod anything).
    pub locations: Vec<String>,
}

impl Finding {
    /// Sort key: path, line, column, code.
    pub fn sort_key(&self) -> (&str, u32, u32, &str) {
        (&self.path, self.line, self.column, self.code)
    }
}

/// Builds a call finding's message and (optional) MiB figure.
pub(crate) type CallMessage<'a> = &'a dyn Fn(&EagerCall, &CallPattern) -> (String, Option<f64>);

/// Shared by the call rules (FP002–FP004): every import-time call of `file`
/// that the catalog classifies under `code`, with a message from `message`.
pub(crate) fn check_calls(
    file: &FileFacts,
    catalog: &CallCatalog,
    code: &'static str,
    out: &mut Vec<Finding>,
    message: CallMessage<'_>,
) {
    let Some(rule) = Rule::find(code) else { return };
    for call in &file.calls {
        if !call.context.runs_at_import() || file.is_suppressed(call.line, code) {
            continue;
        }
        let Some(pattern) = catalog.classify(call, code) else {
            continue;
        };
        let (text, mib) = message(call, pattern);
        out.push(Finding {
            code: rule.code,
            rule: rule.name,
            level: rule.level,
            path: file.path.clone(),
            line: call.line,
            column: call.column,
            message: text,
            subject: call.callee.clone(),
            context: call.context,
            mib: mib.or(pattern.mib),
            provenance: crate::heuristics::provenance(
                pattern.measured.as_ref(),
                pattern.source.as_ref(),
            ),
            locations: Vec::new(),
        });
    }
}

/// Where an import-time call sits, for messages.
pub fn call_site_phrase(call: &EagerCall) -> &'static str {
    match call.site {
        CallSite::Statement => context_phrase(call.context),
        CallSite::Decorator => "in a decorator (runs when the module is imported)",
        CallSite::Default => "in a default argument value (runs when the module is imported)",
        CallSite::ClassBase => "in a class definition (runs when the module is imported)",
        CallSite::Annotation => "in an annotation evaluated at import",
    }
}

/// A phrase for when code in a context runs, for messages.
pub fn context_phrase(context: ExecContext) -> &'static str {
    match context {
        ExecContext::Module => "at module level",
        ExecContext::ClassBody => "in a class body (runs at import)",
        ExecContext::TryImportError => {
            "at module level under `try/except ImportError` (runs when installed)"
        }
        ExecContext::Conditional => "under a module-level condition (may run at import)",
        ExecContext::Function => "inside a function (deferred)",
        ExecContext::TypeChecking => "under `if TYPE_CHECKING:` (never runs)",
        ExecContext::MainGuard => {
            "under `if __name__ == \"__main__\":` (runs only as a script, never on import)"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_ruff_style_docs() {
        for rule in RULES {
            let doc = rule.documentation();
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "Use instead:",
            ] {
                assert!(doc.contains(heading), "{} lacks {heading}", rule.code);
            }
        }
    }

    #[test]
    fn find_by_code_or_name() {
        assert_eq!(Rule::find("fp001").map(|r| r.code), Some("FP001"));
        assert_eq!(
            Rule::find("heavy-module-level-import").map(|r| r.code),
            Some("FP001")
        );
        assert!(Rule::find("FP999").is_none());
    }
}

//! The import-time call catalog (`heuristics/calls.toml`): which calls are
//! eager clients, model/data loads or network requests.

use serde::Deserialize;

use super::{toml_error, CatalogError};
use crate::scan::EagerCall;

pub const BUILTIN_CALLS: &str = include_str!("../../heuristics/calls.toml");
const BUILTIN_CALLS_NAME: &str = "heuristics/calls.toml";

/// One catalogued call pattern.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CallPattern {
    /// Dotted callee; `*` matches any text.
    pub pattern: String,
    /// `FP002`, `FP003` or `FP004`.
    pub rule: String,
    /// Short description for messages.
    pub what: String,
    /// Only when an argument calls one of these (patterns too).
    #[serde(default)]
    pub needs_arg_call: Vec<String>,
    /// Only when this keyword argument is passed.
    #[serde(default)]
    pub keyword: Option<String>,
    /// RSS the call adds, MiB.
    #[serde(default)]
    pub mib: Option<f64>,
    /// For data loads: MiB of RSS per MiB of input file.
    #[serde(default)]
    pub mib_per_input_mib: Option<f64>,
    #[serde(default)]
    pub measured: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A constructor that only stores configuration: never a finding.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheapCall {
    pub pattern: String,
    pub why: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallsFile {
    #[serde(default)]
    call: Vec<CallPattern>,
    #[serde(default)]
    cheap: Vec<CheapCall>,
}

/// The call catalog.
#[derive(Debug, Clone, Default)]
pub struct CallCatalog {
    pub calls: Vec<CallPattern>,
    pub cheap: Vec<CheapCall>,
}

impl CallCatalog {
    pub fn builtin() -> Result<Self, CatalogError> {
        Self::from_toml(BUILTIN_CALLS_NAME, BUILTIN_CALLS)
    }

    pub fn from_toml(file: &str, text: &str) -> Result<Self, CatalogError> {
        let parsed: CallsFile = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        for call in &parsed.call {
            if !matches!(call.rule.as_str(), "FP002" | "FP003" | "FP004") {
                return Err(CatalogError {
                    file: file.to_string(),
                    line: text
                        .find(&format!("pattern = \"{}\"", call.pattern))
                        .map(|o| super::line_of_offset(text, o)),
                    message: format!(
                        "call pattern `{}`: rule must be FP002, FP003 or FP004, not `{}`",
                        call.pattern, call.rule
                    ),
                });
            }
        }
        Ok(Self {
            calls: parsed.call,
            cheap: parsed.cheap,
        })
    }

    /// The catalogued pattern of `rule` this call matches, unless a cheap
    /// entry claims it.
    pub fn classify(&self, call: &EagerCall, rule: &str) -> Option<&CallPattern> {
        if self
            .cheap
            .iter()
            .any(|c| wildcard_match(&c.pattern, &call.callee))
        {
            return None;
        }
        self.calls.iter().find(|p| {
            p.rule == rule
                && wildcard_match(&p.pattern, &call.callee)
                && p.keyword
                    .as_ref()
                    .is_none_or(|k| call.keywords.iter().any(|passed| passed == k))
                && (p.needs_arg_call.is_empty()
                    || call
                        .arg_calls
                        .iter()
                        .any(|c| p.needs_arg_call.iter().any(|n| wildcard_match(n, c))))
        })
    }
}

/// Matches `text` against `pattern`, where `*` matches any (possibly empty)
/// text. Iterative, linear in practice.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("pandas.read_*", "pandas.read_csv"));
        assert!(wildcard_match(
            "*.from_pretrained",
            "transformers.AutoModel.from_pretrained"
        ));
        assert!(!wildcard_match("*.from_pretrained", "x.from_pretrained_v2"));
        assert!(wildcard_match("boto3.client", "boto3.client"));
        assert!(!wildcard_match("boto3.client", "boto3.clients"));
        assert!(wildcard_match("*", ""));
    }

    #[test]
    fn builtin_has_at_least_25_client_patterns() {
        let catalog = CallCatalog::builtin().unwrap();
        let clients = catalog.calls.iter().filter(|c| c.rule == "FP002").count();
        assert!(clients >= 25, "{clients}");
    }

    #[test]
    fn bad_rule_is_an_error_with_line() {
        let text = "[[call]]\npattern = \"x.y\"\nrule = \"FP009\"\nwhat = \"x\"\n";
        let err = CallCatalog::from_toml("c.toml", text).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("FP009"));
    }
}

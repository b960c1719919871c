//! The import-time call catalog (`heuristics/calls.toml`): which calls are
//! eager clients, model/data loads or network requests.

use std::collections::HashMap;
use std::sync::OnceLock;

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
#[derive(Debug, Default)]
pub struct CallCatalog {
    pub calls: Vec<CallPattern>,
    pub cheap: Vec<CheapCall>,
    /// `calls` by literal pattern, built on the first [`Self::classify`]:
    /// classifying is then one lookup instead of a scan of every pattern.
    index: OnceLock<PatternIndex>,
}

impl Clone for CallCatalog {
    fn clone(&self) -> Self {
        Self {
            calls: self.calls.clone(),
            cheap: self.cheap.clone(),
            index: OnceLock::new(),
        }
    }
}

/// Where the patterns that may match a callee are.
#[derive(Debug, Default)]
struct PatternIndex {
    /// What it was built from (`calls` is public: a replaced or resized list
    /// is not indexed, and classifying falls back to the scan).
    built_from: (usize, usize),
    /// Pattern without `*` → indices into `calls`, in order.
    literal: HashMap<String, Vec<usize>, super::FastHash>,
    /// Indices of the patterns with a `*`, in order.
    wildcard: Vec<usize>,
}

impl PatternIndex {
    fn new(calls: &[CallPattern]) -> Self {
        let mut index = Self {
            built_from: (calls.as_ptr() as usize, calls.len()),
            ..Self::default()
        };
        for (i, call) in calls.iter().enumerate() {
            if call.pattern.contains('*') {
                index.wildcard.push(i);
            } else {
                index
                    .literal
                    .entry(call.pattern.clone())
                    .or_default()
                    .push(i);
            }
        }
        index
    }
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
            index: OnceLock::new(),
        })
    }

    /// The catalogued pattern of `rule` this call matches, unless a cheap
    /// entry claims it.
    pub fn classify(&self, call: &EagerCall, rule: &str) -> Option<&CallPattern> {
        // Called for every import-time call of every reached file, again for
        // each re-estimate: the rarely matching pattern scan comes first, the
        // cheap list only when a pattern matched (the answer is the same).
        let matches = |p: &CallPattern| p.matches(call, rule);
        let pattern = match self.pattern_index() {
            // Only a pattern equal to the callee or one with a `*` can
            // match: the first of those (in catalog order) that does.
            Some(index) => {
                let literal = index
                    .literal
                    .get(call.callee.as_str())
                    .map_or(&[][..], Vec::as_slice);
                let (mut a, mut b) = (literal.iter().peekable(), index.wildcard.iter().peekable());
                let mut found = None;
                loop {
                    let next = match (a.peek(), b.peek()) {
                        (Some(&&x), Some(&&y)) if x < y => a.next(),
                        (Some(_), Some(_)) => b.next(),
                        (Some(_), None) => a.next(),
                        (None, Some(_)) => b.next(),
                        (None, None) => break,
                    };
                    if let Some(&i) = next {
                        if matches(&self.calls[i]) {
                            found = Some(&self.calls[i]);
                            break;
                        }
                    }
                }
                found
            }
            None => self.calls.iter().find(|p| matches(p)),
        }?;
        if self
            .cheap
            .iter()
            .any(|c| wildcard_match(&c.pattern, &call.callee))
        {
            return None;
        }
        Some(pattern)
    }
}

impl CallCatalog {
    /// Whether some pattern (of any rule) may match a call to `callee`: what
    /// [`Self::classify`] can return `Some` for, before the keyword and
    /// argument conditions. The scan keeps only such calls.
    pub fn may_match(&self, callee: &str) -> bool {
        match self.pattern_index() {
            Some(index) => {
                index.literal.contains_key(callee)
                    || index
                        .wildcard
                        .iter()
                        .any(|&i| wildcard_match(&self.calls[i].pattern, callee))
            }
            None => self
                .calls
                .iter()
                .any(|p| wildcard_match(&p.pattern, callee)),
        }
    }

    /// The pattern index, when it describes the current `calls`.
    fn pattern_index(&self) -> Option<&PatternIndex> {
        let index = self.index.get_or_init(|| PatternIndex::new(&self.calls));
        (index.built_from == (self.calls.as_ptr() as usize, self.calls.len())).then_some(index)
    }

    /// Forgets the pattern index (after `calls` changed).
    pub(crate) fn invalidate_index(&mut self) {
        self.index = OnceLock::new();
    }
}

/// `a == b`, rejecting on the length and the last byte before comparing the
/// rest (rule codes differ in their last digit).
impl CallPattern {
    /// Whether this pattern of `rule` matches `call`: the callee, the
    /// keyword it needs, and the call it needs among the arguments.
    pub fn matches(&self, call: &EagerCall, rule: &str) -> bool {
        quick_eq(&self.rule, rule)
            && wildcard_match(&self.pattern, &call.callee)
            && self
                .keyword
                .as_ref()
                .is_none_or(|k| call.keywords.iter().any(|passed| passed == k))
            && (self.needs_arg_call.is_empty()
                || call
                    .arg_calls
                    .iter()
                    .any(|c| self.needs_arg_call.iter().any(|n| wildcard_match(n, c))))
    }
}

fn quick_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.last() == b.last() && a == b
}

/// Matches `text` against `pattern`, where `*` matches any (possibly empty)
/// text. Iterative, linear in practice.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // Quick rejections (necessary conditions, so the answer is unchanged):
    // a pattern without `*` is plain equality; otherwise the text starts with
    // the pattern's head (before the first `*`) and ends with its tail.
    let Some(first_star) = p.iter().position(|&b| b == b'*') else {
        return p.len() == t.len() && p.first() == t.first() && p == t;
    };
    let last_star = p.iter().rposition(|&b| b == b'*').unwrap_or(first_star);
    let (head, tail) = (&p[..first_star], &p[last_star + 1..]);
    if t.len() < head.len() + tail.len()
        || head.first().is_some_and(|b| t.first() != Some(b))
        || !t.starts_with(head)
        || !t.ends_with(tail)
    {
        return false;
    }
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
        assert!(wildcard_match("a*b*c", "abc"));
        assert!(wildcard_match("a*b*c", "axxbyyc"));
        assert!(!wildcard_match("a*b*c", "ac"));
        assert!(!wildcard_match("ab*ba", "aba"));
        assert!(wildcard_match("ab*ba", "abba"));
        assert!(wildcard_match("**", "x"));
        assert!(!wildcard_match("", "x"));
        assert!(wildcard_match("", ""));
    }

    /// The indexed [`CallCatalog::classify`] agrees with a scan of every pattern
    /// (the index must never skip a pattern that matches).
    #[test]
    fn indexed_classify_matches_a_full_scan() {
        let catalog = CallCatalog::builtin().unwrap();
        let scan = |call: &EagerCall, rule: &str| -> Option<String> {
            if catalog
                .cheap
                .iter()
                .any(|c| wildcard_match(&c.pattern, &call.callee))
            {
                return None;
            }
            catalog
                .calls
                .iter()
                .find(|p| p.matches(call, rule))
                .map(|p| p.pattern.clone())
        };
        let mut callees: Vec<String> = catalog
            .calls
            .iter()
            .map(|p| p.pattern.replace('*', "x"))
            .chain(catalog.cheap.iter().map(|c| c.pattern.replace('*', "")))
            .collect();
        callees
            .extend(["dagster.asset", "os.path.join", "", "x.from_pretrained"].map(String::from));
        let keyword_sets: Vec<Vec<String>> = std::iter::once(Vec::new())
            .chain(
                catalog
                    .calls
                    .iter()
                    .filter_map(|p| p.keyword.clone())
                    .map(|k| vec![k]),
            )
            .collect();
        for callee in &callees {
            for keywords in &keyword_sets {
                let call = EagerCall {
                    line: 1,
                    column: 1,
                    callee: callee.clone(),
                    imported: true,
                    context: crate::scan::ExecContext::Module,
                    site: crate::scan::CallSite::Statement,
                    args: Vec::new(),
                    arg_calls: vec!["pathlib.Path.open".into(), "builtins.open".into()],
                    arg_strings: Vec::new(),
                    keywords: keywords.clone(),
                    arg_refs: Vec::new(),
                };
                for rule in ["FP002", "FP003", "FP004"] {
                    assert_eq!(
                        catalog.classify(&call, rule).map(|p| p.pattern.clone()),
                        scan(&call, rule),
                        "{callee} {rule}"
                    );
                }
            }
        }
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

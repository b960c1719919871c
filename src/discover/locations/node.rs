//! One small document tree for every configuration format read here (YAML and
//! TOML), with the line of every value and key, so each parser reports
//! `file:line` and never indexes into input with `unwrap`.

use crate::diagnostics::{Diagnostic, Severity};

/// A value from a configuration file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// YAML `null`, `~` or an empty value.
    Null,
    Bool(bool),
    /// Strings, and YAML plain scalars as written (`512Mi`, `128974848` and
    /// `1e9` are all read the same way: YAML numbers are not resolved).
    Scalar(String),
    /// A TOML integer or float, as text (TOML is typed: a number where a
    /// string belongs is reported).
    Number(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A value and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    pub line: u32,
}

/// A mapping key and its 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub name: String,
    pub line: u32,
}

impl Node {
    pub fn new(value: Value, line: u32) -> Self {
        Self { value, line }
    }

    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Scalar(_) => "a string",
            Value::Number(_) => "a number",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// A scalar as text (strings and numbers; booleans as `true`/`false`).
    pub fn as_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) | Value::Number(s) => Some(s),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    /// The entry for `key` in a mapping (the last one if a key repeats, like
    /// PyYAML and Helm).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    pub fn get_entry(&self, key: &str) -> Option<(&Key, &Node)> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(k, _)| k.name == key)
            .map(|(k, v)| (k, v))
    }

    /// Levels of nesting in this tree (a scalar is 1).
    pub fn height(&self) -> usize {
        match &self.value {
            Value::Seq(items) => 1 + items.iter().map(Node::height).max().unwrap_or(0),
            Value::Map(entries) => 1 + entries.iter().map(|(_, v)| v.height()).max().unwrap_or(0),
            _ => 1,
        }
    }

    /// Number of nodes in this tree (used to bound alias expansion).
    pub fn size(&self) -> usize {
        match &self.value {
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(entries) => 1 + entries.iter().map(|(_, v)| 1 + v.size()).sum::<usize>(),
            _ => 1,
        }
    }
}

/// Where problems found while reading one file go.
pub(crate) struct FileCtx<'a> {
    /// The file, relative to the root, `/`-separated.
    pub path: &'a str,
    pub diagnostics: &'a mut Vec<Diagnostic>,
}

impl<'a> FileCtx<'a> {
    pub fn new(path: &'a str, diagnostics: &'a mut Vec<Diagnostic>) -> Self {
        Self { path, diagnostics }
    }

    pub fn report(
        &mut self,
        line: u32,
        severity: Severity,
        kind: &str,
        message: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::new(self.path, severity, kind, message).at_line(line));
    }

    /// A value of the wrong type: reported, and the value is ignored.
    pub fn wrong_type(&mut self, what: &str, node: &Node, expected: &str) {
        self.report(
            node.line,
            Severity::Error,
            "invalid-declaration",
            format!(
                "`{what}` should be {expected}, found {}; ignored",
                node.kind()
            ),
        );
    }

    /// Checks a document whose top should be a mapping, and says whether to
    /// read on: an empty document has nothing to read; anything else that is
    /// not a mapping is reported (`what` should be `expected`); keys of the
    /// mapping not in `known` are warned about as keys of `described`.
    pub fn mapping_document(
        &mut self,
        doc: &Node,
        what: &str,
        expected: &str,
        described: &str,
        known: &[&str],
    ) -> bool {
        if doc.is_null() {
            return false;
        }
        if doc.as_map().is_none() {
            self.wrong_type(what, doc, expected);
            return false;
        }
        self.unknown_keys(described, doc, known);
        true
    }

    /// Warns once per key of `node` that is not in `known`.
    pub fn unknown_keys(&mut self, what: &str, node: &Node, known: &[&str]) {
        let Some(entries) = node.as_map() else {
            return;
        };
        for (key, _) in entries {
            if !known.contains(&key.name.as_str()) {
                self.report(
                    key.line,
                    Severity::Warning,
                    "unknown-key",
                    format!(
                        "unknown key `{}` in {what}; expected one of: {}",
                        key.name,
                        known.join(", ")
                    ),
                );
            }
        }
    }

    /// A string field: `None` when absent or null; a wrong type is reported.
    /// A Dagster `{env: VAR}` value cannot be known without running: reported as info.
    pub fn string(&mut self, map: &Node, key: &str, what: &str) -> Option<Spanned> {
        let node = map.get(key)?;
        self.string_value(node, &format!("{what}.{key}"))
    }

    pub fn string_value(&mut self, node: &Node, what: &str) -> Option<Spanned> {
        match &node.value {
            Value::Null => None,
            Value::Scalar(s) if s.trim().is_empty() => None,
            Value::Scalar(s) => Some(Spanned {
                text: s.trim().to_string(),
                line: node.line,
            }),
            Value::Map(_) if node.get("env").is_some() => {
                let var = node.get("env").and_then(Node::as_text).unwrap_or("?");
                self.report(
                    node.line,
                    Severity::Info,
                    "unresolved-value",
                    format!("`{what}` comes from environment variable `{var}`; it cannot be read without running, so it is ignored"),
                );
                None
            }
            _ => {
                self.wrong_type(what, node, "a string");
                None
            }
        }
    }

    pub fn bool(&mut self, map: &Node, key: &str, what: &str) -> Option<bool> {
        let node = map.get(key)?;
        match &node.value {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            Value::Scalar(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::Scalar(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => {
                self.wrong_type(&format!("{what}.{key}"), node, "a boolean");
                None
            }
        }
    }

    /// A mapping field: `None` when absent or null; a wrong type is reported.
    pub fn map<'n>(&mut self, map: &'n Node, key: &str, what: &str) -> Option<&'n Node> {
        let node = map.get(key)?;
        match &node.value {
            Value::Null => None,
            Value::Map(_) => Some(node),
            _ => {
                self.wrong_type(&format!("{what}.{key}"), node, "a mapping");
                None
            }
        }
    }

    /// A list field: `None` when absent or null; a wrong type is reported.
    pub fn seq<'n>(&mut self, map: &'n Node, key: &str, what: &str) -> Option<&'n [Node]> {
        let node = map.get(key)?;
        match &node.value {
            Value::Null => None,
            Value::Seq(items) => Some(items),
            _ => {
                self.wrong_type(&format!("{what}.{key}"), node, "a list");
                None
            }
        }
    }

    /// A list of strings; other items are reported and skipped.
    pub fn strings(&mut self, map: &Node, key: &str, what: &str) -> Option<Vec<Spanned>> {
        let items = self.seq(map, key, what)?;
        let mut out = Vec::new();
        for item in items {
            match &item.value {
                Value::Scalar(text) => out.push(Spanned {
                    text: text.to_string(),
                    line: item.line,
                }),
                _ => self.wrong_type(&format!("{what}.{key}[]"), item, "a string"),
            }
        }
        Some(out)
    }
}

/// A string value and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spanned {
    pub text: String,
    pub line: u32,
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    let newlines = text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_counts_newlines() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 4), 3);
        assert_eq!(line_of("a", 99), 1);
    }

    #[test]
    fn typed_accessors_report_wrong_types() {
        let map = Node::new(
            Value::Map(vec![
                (
                    Key {
                        name: "a".into(),
                        line: 1,
                    },
                    Node::new(Value::Seq(vec![]), 1),
                ),
                (
                    Key {
                        name: "b".into(),
                        line: 2,
                    },
                    Node::new(Value::Scalar("x".into()), 2),
                ),
            ]),
            1,
        );
        let mut diags = Vec::new();
        let mut ctx = FileCtx::new("f.yaml", &mut diags);
        assert_eq!(ctx.string(&map, "a", "item"), None);
        assert_eq!(
            ctx.string(&map, "b", "item").map(|s| s.text),
            Some("x".into())
        );
        assert!(ctx.map(&map, "b", "item").is_none());
        ctx.unknown_keys("item", &map, &["a"]);
        let kinds: Vec<_> = diags.iter().map(|d| (d.kind.as_str(), d.line)).collect();
        assert_eq!(
            kinds,
            vec![
                ("invalid-declaration", Some(1)),
                ("invalid-declaration", Some(2)),
                ("unknown-key", Some(2))
            ]
        );
    }
}

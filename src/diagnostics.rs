//! Problems with the input (not findings about memory): unreadable files,
//! syntax errors, malformed declarations. They never stop a scan.

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A problem with one input file, reported and then stepped over.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// Path relative to the scanned root, with `/` separators.
    pub path: String,
    /// 1-based line, when the problem has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column (in characters), when the problem has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub severity: Severity,
    /// Stable kebab-case name, e.g. `invalid-syntax`, `io-error`, `non-utf8`.
    pub kind: String,
    /// What went wrong and, where useful, what to do about it.
    pub message: String,
}

impl Diagnostic {
    pub fn new(
        path: impl Into<String>,
        severity: Severity,
        kind: &str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            line: None,
            column: None,
            severity,
            kind: kind.to_string(),
            message: message.into(),
        }
    }

    #[must_use]
    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    #[must_use]
    pub fn at_line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}: {}", self.kind, self.message)
    }
}

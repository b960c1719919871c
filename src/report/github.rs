//! `--format github`: GitHub Actions workflow commands, one annotation per
//! finding (`::warning file=…,line=…,col=…,title=FP001::message`).
//!
//! Levels: `error` → `::error`, `warning` → `::warning`, `info` → `::notice`.
//! Text is escaped as the runner unescapes it: in the message `%` → `%25`,
//! `\r` → `%0D`, `\n` → `%0A`; in properties also `:` → `%3A` and `,` →
//! `%2C`. A file name or message can therefore neither end the command nor
//! start another one.

use super::ci::repo_path;
use super::Report;

/// Escapes the message part of a workflow command.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value (`file=`, `title=`) of a workflow command.
pub fn escape_property(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape_data(text).chars() {
        match c {
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// The workflow command for a finding level (`error`, `warning`, `info`).
pub fn command_for(level: &str) -> &'static str {
    match level {
        "error" => "error",
        "warning" => "warning",
        _ => "notice",
    }
}

/// One annotation line (with its trailing newline).
pub fn annotation(
    level: &str,
    file: &str,
    line: u32,
    column: u32,
    title: &str,
    message: &str,
) -> String {
    format!(
        "::{} file={},line={line},col={column},title={}::{}\n",
        command_for(level),
        escape_property(file),
        escape_property(title),
        escape_data(message)
    )
}

/// The message of a finding annotation: the finding's message and the
/// locations that load it.
pub fn message(message: &str, locations: &[String]) -> String {
    if locations.is_empty() {
        message.to_string()
    } else {
        format!("{message}\nLoaded by: {}", locations.join(", "))
    }
}

/// Every finding of the report, as annotations.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&annotation(
            f.level.as_str(),
            &repo_path(&report.root, &f.path),
            f.line,
            f.column,
            f.code,
            &message(&f.message, &f.locations),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn one_line_per_finding_whatever_the_input() {
        let line = annotation(
            "warning",
            "dir/evil,title=x::\n::error::pwned.py",
            4,
            1,
            "FP001",
            "import of `torch`\n::error::injected",
        );
        assert_eq!(line.lines().count(), 1);
        assert_eq!(
            line,
            "::warning file=dir/evil%2Ctitle=x%3A%3A%0A%3A%3Aerror%3A%3Apwned.py,line=4,col=1,title=FP001::import of `torch`%0A::error::injected\n"
        );
        assert!(annotation("info", "a.py", 1, 1, "FP001", "m").starts_with("::notice "));
        assert!(annotation("error", "a.py", 1, 1, "FP004", "m").starts_with("::error "));
    }
}

//! CODEOWNERS, with GitHub's semantics: gitignore-style patterns, the LAST
//! matching line wins, a line with no owners makes the path unowned.
//!
//! GitHub reads the first of `.github/CODEOWNERS`, `CODEOWNERS`,
//! `docs/CODEOWNERS`. Differences from gitignore that GitHub documents and
//! that are kept here: no `!` negation and no `[...]` ranges (such lines are
//! reported and skipped); `dir/*` owns the files directly in `dir` only.

use globset::{GlobBuilder, GlobMatcher};
use serde::Serialize;

use crate::diagnostics::{Diagnostic, Severity};

/// The files GitHub looks at, in its order.
pub const CODEOWNERS_PATHS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// Who owns a code location, from CODEOWNERS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// Teams and users (`@org/team`, `@user`, emails); empty when the last
    /// matching line names nobody (the path is explicitly unowned).
    pub owners: Vec<String>,
    /// The matching pattern, as written.
    pub pattern: String,
    /// The CODEOWNERS file and line.
    pub path: String,
    pub line: u32,
}

struct Rule {
    pattern: String,
    line: u32,
    owners: Vec<String>,
    /// Matches the path itself.
    this: GlobMatcher,
    /// Matches everything below a matching directory (absent for `dir/*`).
    below: Option<GlobMatcher>,
    dir_only: bool,
}

/// A parsed CODEOWNERS file.
pub struct CodeOwners {
    path: String,
    rules: Vec<Rule>,
}

fn glob(pattern: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

impl CodeOwners {
    /// Parses `text` (the file at `path`), reporting lines it cannot use.
    pub fn parse(path: &str, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Self {
        let mut rules = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let content = raw.split_once(" #").map_or(raw, |(before, _)| before);
            let mut parts = content.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            if pattern.starts_with('#') {
                continue;
            }
            let owners: Vec<String> = parts.map(str::to_string).collect();
            let report = |why: &str, diagnostics: &mut Vec<Diagnostic>| {
                diagnostics.push(
                    Diagnostic::new(
                        path,
                        Severity::Warning,
                        "invalid-codeowners",
                        format!("pattern `{pattern}` {why}; GitHub ignores this line"),
                    )
                    .at_line(line),
                );
            };
            if pattern.starts_with('!') || pattern.contains('[') {
                report(
                    "uses `!` or `[...]`, which CODEOWNERS does not support",
                    diagnostics,
                );
                continue;
            }
            let dir_only = pattern.ends_with('/') && pattern != "/";
            let trimmed = pattern.trim_end_matches('/');
            let anchored = trimmed.starts_with('/') || trimmed.contains('/');
            let body = trimmed.trim_start_matches('/');
            let base = if body.is_empty() || body == "*" || body == "**" {
                "**".to_string()
            } else if anchored || body.starts_with("**/") {
                body.to_string()
            } else {
                format!("**/{body}")
            };
            let only_direct_children = body.ends_with("/*") && !body.ends_with("/**/*");
            let (Some(this), below) = (
                glob(&base),
                if only_direct_children {
                    None
                } else {
                    glob(&format!("{base}/**"))
                },
            ) else {
                report("is not a valid pattern", diagnostics);
                continue;
            };
            rules.push(Rule {
                pattern: pattern.to_string(),
                line,
                owners,
                this,
                below,
                dir_only,
            });
        }
        Self {
            path: path.to_string(),
            rules,
        }
    }

    /// The owner of `path` (relative to the root, `/`-separated); `is_dir`
    /// says whether it names a directory. The last matching rule wins.
    pub fn owner_of(&self, path: &str, is_dir: bool) -> Option<Owner> {
        let path = path.trim_matches('/');
        self.rules
            .iter()
            .rev()
            .find(|rule| {
                ((is_dir || !rule.dir_only) && rule.this.is_match(path))
                    || rule.below.as_ref().is_some_and(|b| b.is_match(path))
            })
            .map(|rule| Owner {
                owners: rule.owners.clone(),
                pattern: rule.pattern.clone(),
                path: self.path.clone(),
                line: rule.line,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners(text: &str, path: &str, is_dir: bool) -> Option<Vec<String>> {
        let mut diags = Vec::new();
        CodeOwners::parse("CODEOWNERS", text, &mut diags)
            .owner_of(path, is_dir)
            .map(|o| o.owners)
    }

    #[test]
    fn last_match_wins() {
        let text = "*  @all\n/projects/sales_*/  @sales\n/projects/ @platform\n";
        assert_eq!(
            owners(text, "projects/sales_daily/x/definitions.py", false),
            Some(vec!["@platform".to_string()])
        );
        let text = "*  @all\n/projects/ @platform\n/projects/sales_*/  @sales\n";
        assert_eq!(
            owners(text, "projects/sales_daily/x/definitions.py", false),
            Some(vec!["@sales".to_string()])
        );
        assert_eq!(
            owners(text, "README.md", false),
            Some(vec!["@all".to_string()])
        );
    }

    #[test]
    fn gitignore_style_patterns() {
        let text = "*.py @py\n";
        assert_eq!(owners(text, "a/b/c.py", false), Some(vec!["@py".into()]));
        assert_eq!(owners(text, "a/b/c.txt", false), None);
        // Unanchored directory names match at any depth.
        let text = "apps/ @apps\n";
        assert_eq!(
            owners(text, "x/apps/y.py", false),
            Some(vec!["@apps".into()])
        );
        // Anchored ones only at the root.
        let text = "/apps/ @apps\n";
        assert_eq!(owners(text, "x/apps/y.py", false), None);
        assert_eq!(
            owners(text, "apps/y/z.py", false),
            Some(vec!["@apps".into()])
        );
        // `docs/*` owns direct children only.
        let text = "docs/* @docs\n";
        assert_eq!(owners(text, "docs/a.md", false), Some(vec!["@docs".into()]));
        assert_eq!(owners(text, "docs/sub/a.md", false), None);
        // `**` spans directories.
        let text = "/src/**/defs/ @defs\n";
        assert_eq!(
            owners(text, "src/a/b/defs/x.py", false),
            Some(vec!["@defs".into()])
        );
        // A directory-only pattern does not match a file of that name.
        let text = "build/ @b\n";
        assert_eq!(owners(text, "x/build", false), None);
        assert_eq!(owners(text, "x/build", true), Some(vec!["@b".into()]));
        // A path without trailing slash matches a file or a directory and all below.
        let text = "projects/etl @etl\n";
        assert_eq!(
            owners(text, "projects/etl/a/b.py", false),
            Some(vec!["@etl".into()])
        );
    }

    #[test]
    fn comments_unowned_and_unsupported_lines() {
        let text = "# comment\n* @all # trailing\n/vendor/\n!keep @x\n[ab]c @y\n";
        let mut diags = Vec::new();
        let co = CodeOwners::parse(".github/CODEOWNERS", text, &mut diags);
        assert_eq!(co.owner_of("a.py", false).unwrap().owners, vec!["@all"]);
        let unowned = co.owner_of("vendor/lib.py", false).unwrap();
        assert!(unowned.owners.is_empty());
        assert_eq!(unowned.line, 3);
        let lines: Vec<_> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![Some(4), Some(5)]);
    }
}

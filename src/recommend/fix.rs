//! The safe lazy-load rewrite: a module-level import whose names are used
//! only inside function bodies moves into those functions.
//!
//! Safe means: a plain module-level statement (not under `try`/`if`), its
//! names used only in function bodies (not in annotations, decorators, base
//! classes, module-level code, `__all__`, `global` or `del`), and each using
//! function has a body on its own lines. Only that statement and the first
//! lines of the using functions change; the rest of the file is kept byte for
//! byte. Applying the fix again changes nothing (the import is no longer at
//! module level).

use std::collections::BTreeMap;

use ruff_python_ast::{self as ast, Stmt};
use ruff_python_parser::{parse_unchecked, Mode, ParseOptions};
use ruff_text_size::Ranged;
use serde::Serialize;

use crate::scan::uses::UseScope;
use crate::scan::FileFacts;

/// One file's rewrite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileFix {
    pub path: String,
    /// Lines of the moved imports (before the fix).
    pub lines: Vec<u32>,
    #[serde(skip)]
    pub original: String,
    #[serde(skip)]
    pub fixed: String,
}

impl FileFix {
    /// A unified diff of the change, with `a/` and `b/` paths as `git diff`.
    pub fn unified_diff(&self) -> String {
        similar::TextDiff::from_lines(&self.original, &self.fixed)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{}", self.path), &format!("b/{}", self.path))
            .to_string()
    }
}

/// Why an import that looked movable was left alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub path: String,
    pub line: u32,
    pub reason: String,
}

struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// Byte offset of the start of the line holding `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// Byte offset just past the end of the line holding `offset` (its newline included).
fn line_end(text: &str, offset: usize) -> usize {
    match text[offset..].find('\n') {
        Some(i) => offset + i + 1,
        None => text.len(),
    }
}

fn find_function<'a>(body: &'a [Stmt], path: &[&str]) -> Option<&'a ast::StmtFunctionDef> {
    let (first, rest) = path.split_first()?;
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(def) if def.name.id.as_str() == *first && rest.is_empty() => {
                return Some(def)
            }
            Stmt::ClassDef(class) if class.name.id.as_str() == *first && !rest.is_empty() => {
                return find_function(&class.body, rest)
            }
            _ => {}
        }
    }
    None
}

/// Rewrites `source` (the file `facts` describes), moving the imports at
/// `lines` into the functions that use them. Returns the new text, or the
/// reason it is not safe.
pub fn rewrite(source: &str, facts: &FileFacts, lines: &[u32]) -> (String, Vec<Skipped>) {
    let parsed = parse_unchecked(source, ParseOptions::from(Mode::Module));
    let mut skipped = Vec::new();
    let skip = |line: u32, reason: &str, skipped: &mut Vec<Skipped>| {
        skipped.push(Skipped {
            path: facts.path.clone(),
            line,
            reason: reason.to_string(),
        });
    };
    if !parsed.errors().is_empty() {
        for &line in lines {
            skip(line, "the file has syntax errors", &mut skipped);
        }
        return (source.to_string(), skipped);
    }
    let ast::Mod::Module(module) = parsed.syntax() else {
        return (source.to_string(), skipped);
    };
    let index = crate::scan::source::LineIndex::new(source);
    let mut edits: Vec<Edit> = Vec::new();
    // Per function: import lines to insert (in statement order).
    let mut inserts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for &line in lines {
        let stmt = module.body.iter().find(|s| {
            matches!(s, Stmt::Import(_) | Stmt::ImportFrom(_))
                && index.line(s.range().start().to_usize()) == line
        });
        let Some(stmt) = stmt else {
            skip(
                line,
                "no module-level import statement on this line",
                &mut skipped,
            );
            continue;
        };
        // (local name, statement text binding just that name)
        let bindings: Vec<(String, String)> = match stmt {
            Stmt::Import(import) if !import.is_lazy => import
                .names
                .iter()
                .map(|a| {
                    let local = a.asname.as_ref().map_or_else(
                        || a.name.id.split('.').next().unwrap_or("").to_string(),
                        |n| n.id.to_string(),
                    );
                    let text = match &a.asname {
                        Some(asname) => format!("import {} as {}", a.name.id, asname.id),
                        None => format!("import {}", a.name.id),
                    };
                    (local, text)
                })
                .collect(),
            Stmt::ImportFrom(import) if !import.is_lazy && import.level == 0 => {
                let module = import.module.as_ref().map_or("", |m| m.id.as_str());
                if module == "__future__" || import.names.iter().any(|a| a.name.id.as_str() == "*")
                {
                    skip(
                        line,
                        "a star or __future__ import cannot move",
                        &mut skipped,
                    );
                    continue;
                }
                import
                    .names
                    .iter()
                    .map(|a| {
                        let local = a
                            .asname
                            .as_ref()
                            .map_or_else(|| a.name.id.to_string(), |n| n.id.to_string());
                        let text = match &a.asname {
                            Some(asname) => {
                                format!("from {module} import {} as {}", a.name.id, asname.id)
                            }
                            None => format!("from {module} import {}", a.name.id),
                        };
                        (local, text)
                    })
                    .collect()
            }
            _ => {
                skip(
                    line,
                    "relative and `lazy` imports are left as they are",
                    &mut skipped,
                );
                continue;
            }
        };
        // Every bound name must be used only in function bodies.
        let mut per_function: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut safe = true;
        for (local, text) in &bindings {
            for u in facts.uses.iter().filter(|u| &u.name == local) {
                match &u.scope {
                    UseScope::Function { function } => {
                        let entry = per_function.entry(function.clone()).or_default();
                        if !entry.contains(text) {
                            entry.push(text.clone());
                        }
                    }
                    _ => safe = false,
                }
            }
            // The same name bound by another module-level import: ambiguous.
            let bound_elsewhere = facts
                .imports
                .iter()
                .filter(|i| i.function.is_none() && i.line != line)
                .any(|i| i.bound.iter().any(|b| &b.local == local));
            if bound_elsewhere {
                safe = false;
            }
        }
        if !safe {
            skip(
                line,
                "a name it binds is used outside function bodies (or bound twice)",
                &mut skipped,
            );
            continue;
        }
        // Each using function must have its body on separate lines.
        let mut targets = Vec::new();
        for function in per_function.keys() {
            let path: Vec<&str> = function.split('.').collect();
            match find_function(&module.body, &path) {
                Some(def)
                    if def.body.first().is_some_and(|first| {
                        index.line(first.range().start().to_usize())
                            > index.line(def.range().start().to_usize())
                    }) =>
                {
                    targets.push(def)
                }
                _ => {
                    safe = false;
                }
            }
        }
        if !safe {
            skip(
                line,
                "a using function is nested, or has its body on the `def` line",
                &mut skipped,
            );
            continue;
        }
        // Remove the statement's lines, keeping a trailing comment with the moved import.
        let range = stmt.range();
        let start = line_start(source, range.start().to_usize());
        let end = line_end(source, range.end().to_usize());
        let rest_of_line = source[range.end().to_usize()..end].trim_end_matches(['\n', '\r']);
        let comment = rest_of_line
            .trim_start()
            .strip_prefix(';')
            .map_or(rest_of_line.trim(), str::trim);
        if !source[start..range.start().to_usize()].trim().is_empty()
            || (!comment.is_empty() && !comment.starts_with('#'))
        {
            skip(
                line,
                "the statement shares its line with other code",
                &mut skipped,
            );
            continue;
        }
        edits.push(Edit {
            start,
            end,
            text: String::new(),
        });
        for (function, texts) in per_function {
            let entry = inserts.entry(function).or_default();
            for text in texts {
                let with_comment = if comment.is_empty() {
                    text
                } else {
                    format!("{text}  {comment}")
                };
                if !entry.contains(&with_comment) {
                    entry.push(with_comment);
                }
            }
        }
    }
    for (function, texts) in &inserts {
        let path: Vec<&str> = function.split('.').collect();
        let Some(def) = find_function(&module.body, &path) else {
            continue;
        };
        // After the docstring, if any.
        let first = match def.body.first() {
            Some(Stmt::Expr(e))
                if matches!(&*e.value, ast::Expr::StringLiteral(_)) && def.body.len() > 1 =>
            {
                &def.body[1]
            }
            Some(Stmt::Expr(e)) if matches!(&*e.value, ast::Expr::StringLiteral(_)) => {
                // Only a docstring: insert after it.
                let after = line_end(source, e.range().end().to_usize());
                let indent_start = line_start(source, e.range().start().to_usize());
                let indent = &source[indent_start..e.range().start().to_usize()];
                let mut text = String::new();
                for t in texts {
                    text.push_str(&format!("{indent}{t}\n"));
                }
                edits.push(Edit {
                    start: after,
                    end: after,
                    text,
                });
                continue;
            }
            Some(stmt) => stmt,
            None => continue,
        };
        let at = line_start(source, first.range().start().to_usize());
        let indent = &source[at..first.range().start().to_usize()];
        let newline = if source.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        let mut text = String::new();
        for t in texts {
            text.push_str(&format!("{indent}{t}{newline}"));
        }
        // A blank line between the imports and the code, as isort/ruff format.
        text.push_str(newline);
        edits.push(Edit {
            start: at,
            end: at,
            text,
        });
    }
    edits.sort_by(|a, b| b.start.cmp(&a.start).then(b.end.cmp(&a.end)));
    let mut out = source.to_string();
    let mut last_start = usize::MAX;
    for edit in edits {
        if edit.end > last_start {
            continue; // overlapping: never happens for well-formed input
        }
        out.replace_range(edit.start..edit.end, &edit.text);
        last_start = edit.start;
    }
    // Removing the only import of a block can leave three blank lines: keep at
    // most as many as the file had; and no new blank lines at the top.
    let mut out = collapse_blank_lines(&out, source);
    let starts_blank = source.lines().next().is_some_and(|l| l.trim().is_empty());
    if !starts_blank {
        let trimmed = out.trim_start_matches(['\n', '\r']).len();
        out.drain(..out.len() - trimmed);
    }
    (out, skipped)
}

/// Collapses runs of more than two blank lines the rewrite created.
fn collapse_blank_lines(text: &str, original: &str) -> String {
    let max_original = original
        .split('\n')
        .fold((0usize, 0usize), |(run, max), line| {
            if line.trim().is_empty() {
                (run + 1, max.max(run + 1))
            } else {
                (0, max)
            }
        })
        .1
        .max(2);
    let mut out = String::with_capacity(text.len());
    let mut run = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            run += 1;
            if run > max_original {
                continue;
            }
        } else {
            run = 0;
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests;

/// The fixes a scan's recommendations allow: every fixable lazy-load advice
/// (a heavy module-level import used only in function bodies), grouped by
/// file. Files are re-read from `root` (the report's files are facts only).
pub fn plan(
    root: &std::path::Path,
    report: &crate::report::Report,
) -> (Vec<FileFix>, Vec<Skipped>) {
    let mut by_file: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for advice in &report.recommendations.lazy_imports {
        if advice.fixable && advice.code == "FP001" {
            by_file
                .entry(advice.path.as_str())
                .or_default()
                .push(advice.line);
        }
    }
    let mut fixes = Vec::new();
    let mut skipped = Vec::new();
    for (path, mut lines) in by_file {
        lines.sort_unstable();
        lines.dedup();
        let Some(facts) = report.files.iter().find(|f| f.path == path) else {
            continue;
        };
        let full = root.join(path);
        let original = match std::fs::read_to_string(&full) {
            Ok(text) => text,
            Err(e) => {
                skipped.extend(lines.iter().map(|&line| Skipped {
                    path: path.to_string(),
                    line,
                    reason: format!("cannot read the file: {e}"),
                }));
                continue;
            }
        };
        // A BOM would shift every offset: leave such files to the user.
        if original.starts_with('\u{feff}') {
            skipped.extend(lines.iter().map(|&line| Skipped {
                path: path.to_string(),
                line,
                reason: "the file starts with a byte-order mark".to_string(),
            }));
            continue;
        }
        let (fixed, mut why) = rewrite(&original, facts, &lines);
        skipped.append(&mut why);
        if fixed != original {
            let moved: Vec<u32> = lines
                .iter()
                .copied()
                .filter(|l| !skipped.iter().any(|s| s.path == path && s.line == *l))
                .collect();
            fixes.push(FileFix {
                path: path.to_string(),
                lines: moved,
                original,
                fixed,
            });
        }
    }
    (fixes, skipped)
}

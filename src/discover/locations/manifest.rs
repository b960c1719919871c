//! Dependency manifests: what a code location's image installs.
//!
//! Read without running anything: `pyproject.toml` (`[project].dependencies`,
//! or Poetry's `[tool.poetry.dependencies]`), `requirements*.txt` (with `-r`
//! includes), `setup.py` (`install_requires` only when it is a literal list,
//! read with ruff's parser) and `setup.cfg` (`[options] install_requires`).

use std::path::Path;

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;
use serde::Serialize;

use super::node::{line_of, FileCtx, Node};
use super::paths;
use crate::diagnostics::Severity;

/// Which kind of file a manifest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ManifestKind {
    /// `pyproject.toml` `[project]`.
    Pyproject,
    /// `pyproject.toml` `[tool.poetry.dependencies]`.
    Poetry,
    Requirements,
    SetupPy,
    SetupCfg,
}

/// One dependency (PEP 508).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Distribution name, PEP 503-normalised (`scikit_learn` → `scikit-learn`).
    pub name: String,
    /// Version specifiers without spaces (`>=2.2,<3`); empty when unpinned.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub specifier: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<String>,
    /// Environment marker (`python_version < "3.11"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// Direct reference (`name @ https://...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// 1-based line in the manifest (or in `path`).
    pub line: u32,
    /// The file it came from when it is not the manifest itself (a `-r` include).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// The dependency manifest that installs a code location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The manifest file, relative to the root.
    pub path: String,
    pub kind: ManifestKind,
    /// The distribution it builds, when it says (`[project].name`, `setup(name=...)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_name: Option<String>,
    pub dependencies: Vec<Requirement>,
    /// Local paths installed alongside (`-e ../shared`, `./libs/x`), relative to the root.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub local_paths: Vec<String>,
    /// Other requirement files read through `-r` (or setuptools' dynamic dependencies).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<String>,
    /// `requires-python` / `python_requires`.
    #[serde(skip)]
    pub requires_python: Option<String>,
}

impl Manifest {
    pub fn new(path: &str, kind: ManifestKind) -> Self {
        Self {
            path: path.to_string(),
            kind,
            project_name: None,
            dependencies: Vec::new(),
            local_paths: Vec::new(),
            includes: Vec::new(),
            requires_python: None,
        }
    }
}

/// PEP 503 normalisation: lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Parses one PEP 508 requirement string.
pub fn parse_requirement(text: &str, line: u32) -> Result<Requirement, String> {
    let s = text.trim();
    let name_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(s.len());
    let name = &s[..name_len];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!("`{s}` does not start with a distribution name"));
    }
    let mut rest = s[name_len..].trim_start();
    let mut extras = Vec::new();
    if let Some(after) = rest.strip_prefix('[') {
        let (inside, tail) = after
            .split_once(']')
            .ok_or_else(|| format!("`{s}`: unclosed `[` in extras"))?;
        extras = inside
            .split(',')
            .map(normalize_name)
            .filter(|e| !e.is_empty())
            .collect();
        rest = tail.trim_start();
    }
    let (spec, marker) = match rest.split_once(';') {
        Some((spec, marker)) => (spec.trim(), Some(marker.trim().to_string())),
        None => (rest.trim(), None),
    };
    let (specifier, url) = if let Some(url) = spec.strip_prefix('@') {
        (String::new(), Some(url.trim().to_string()))
    } else {
        let spec = spec
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .replace(char::is_whitespace, "");
        if !spec.is_empty() && !spec.starts_with(['<', '>', '=', '!', '~']) {
            return Err(format!("`{s}`: unexpected `{spec}` after the name"));
        }
        (spec, None)
    };
    Ok(Requirement {
        name: normalize_name(name),
        specifier,
        extras,
        marker: marker.filter(|m| !m.is_empty()),
        url,
        line,
        path: None,
    })
}

/// Reads a pyproject's dependencies. `None` when it declares no project
/// (a tool-only `pyproject.toml`, e.g. a uv workspace root).
pub(crate) fn from_pyproject(
    root: &Path,
    path: &str,
    doc: &Node,
    ctx: &mut FileCtx<'_>,
) -> Option<Manifest> {
    if let Some(project) = doc.get("project").filter(|p| p.as_map().is_some()) {
        let mut manifest = Manifest::new(path, ManifestKind::Pyproject);
        manifest.project_name = ctx.string(project, "name", "project").map(|s| s.text);
        manifest.requires_python = ctx
            .string(project, "requires-python", "project")
            .map(|s| s.text);
        if let Some(deps) = ctx.strings(project, "dependencies", "project") {
            for dep in deps {
                match parse_requirement(&dep.text, dep.line) {
                    Ok(req) => manifest.dependencies.push(req),
                    Err(why) => ctx.report(dep.line, Severity::Warning, "invalid-requirement", why),
                }
            }
        }
        let dynamic = ctx
            .strings(project, "dynamic", "project")
            .unwrap_or_default();
        if dynamic.iter().any(|d| d.text == "dependencies") {
            // setuptools: `[tool.setuptools.dynamic] dependencies = {file = [...]}`.
            let files = doc
                .get("tool")
                .and_then(|t| t.get("setuptools"))
                .and_then(|t| t.get("dynamic"))
                .and_then(|t| t.get("dependencies"))
                .map(|d| ctx.strings(d, "file", "tool.setuptools.dynamic.dependencies"))
                .unwrap_or_default()
                .unwrap_or_default();
            let base = paths::parent(path);
            for file in files {
                let rel = paths::join(&base, &file.text);
                include_requirements(root, rel.as_deref(), file.line, &mut manifest, ctx, 0);
            }
        }
        return Some(manifest);
    }
    let poetry = doc.get("tool").and_then(|t| t.get("poetry"))?;
    let deps = poetry.get("dependencies")?;
    let mut manifest = Manifest::new(path, ManifestKind::Poetry);
    manifest.project_name = ctx.string(poetry, "name", "tool.poetry").map(|s| s.text);
    for (key, value) in deps.as_map().unwrap_or_default() {
        if key.name == "python" {
            manifest.requires_python = value.as_text().map(str::to_string);
            continue;
        }
        let (version, extras) = match value.as_text() {
            Some(v) => (Some(v.to_string()), Vec::new()),
            None => (
                value
                    .get("version")
                    .and_then(Node::as_text)
                    .map(str::to_string),
                value
                    .get("extras")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::as_text)
                    .map(normalize_name)
                    .collect(),
            ),
        };
        if let Some(local) = value.get("path").and_then(Node::as_text) {
            if let Some(rel) = paths::join(&paths::parent(path), local) {
                manifest.local_paths.push(rel);
            }
        }
        manifest.dependencies.push(Requirement {
            name: normalize_name(&key.name),
            specifier: version
                .filter(|v| v != "*")
                .map(|v| v.replace(char::is_whitespace, ""))
                .unwrap_or_default(),
            extras,
            marker: None,
            url: None,
            line: key.line,
            path: None,
        });
    }
    Some(manifest)
}

const MAX_INCLUDE_DEPTH: usize = 8;

fn include_requirements(
    root: &Path,
    rel: Option<&str>,
    line: u32,
    manifest: &mut Manifest,
    ctx: &mut FileCtx<'_>,
    depth: usize,
) {
    let Some(rel) = rel else {
        ctx.report(
            line,
            Severity::Warning,
            "invalid-requirement",
            "included requirements file is outside the scanned root; not read",
        );
        return;
    };
    if depth >= MAX_INCLUDE_DEPTH
        || manifest.includes.iter().any(|i| i == rel)
        || manifest.path == rel
    {
        return;
    }
    manifest.includes.push(rel.to_string());
    match paths::read_inside(root, rel) {
        Ok(text) => {
            let mut diags = Vec::new();
            let mut inner = FileCtx::new(rel, &mut diags);
            requirements_lines(root, rel, &text, manifest, &mut inner, depth + 1);
            ctx.diagnostics.append(&mut diags);
        }
        Err(why) => ctx.report(
            line,
            Severity::Warning,
            "invalid-requirement",
            format!("cannot read included requirements `{rel}`: {why}"),
        ),
    }
}

/// Reads a requirements file (following `-r` includes inside the root).
pub(crate) fn from_requirements(
    root: &Path,
    path: &str,
    text: &str,
    ctx: &mut FileCtx<'_>,
) -> Manifest {
    let mut manifest = Manifest::new(path, ManifestKind::Requirements);
    requirements_lines(root, path, text, &mut manifest, ctx, 0);
    manifest
}

fn is_local_path(s: &str) -> bool {
    s.starts_with('.') || s.starts_with('/') || s.starts_with("file:")
}

fn egg_name(url: &str) -> Option<String> {
    url.split_once("#egg=")
        .map(|(_, egg)| egg.split(['&', ' ']).next().unwrap_or(egg))
        .filter(|e| !e.is_empty())
        .map(normalize_name)
}

fn requirements_lines(
    root: &Path,
    path: &str,
    text: &str,
    manifest: &mut Manifest,
    ctx: &mut FileCtx<'_>,
    depth: usize,
) {
    let base = paths::parent(path);
    let from = (path != manifest.path).then(|| path.to_string());
    let mut logical = String::new();
    let mut start_line = 0u32;
    // One empty line more ends a continuation left open on the last line:
    // pip still reads that requirement.
    for (index, raw) in text.lines().chain(std::iter::once("")).enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if logical.is_empty() {
            start_line = line_no;
        }
        if let Some(cont) = raw.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(raw);
        let line = std::mem::take(&mut logical);
        // `#` starts a comment at the start of a line or after whitespace.
        let content = match line.find('#') {
            Some(0) => "",
            Some(i) if line[..i].ends_with(char::is_whitespace) => &line[..i],
            _ => line.as_str(),
        }
        .trim();
        if content.is_empty() {
            continue;
        }
        let (option, value) = split_option(content);
        match option {
            Some("-r" | "--requirement") => {
                let rel = paths::join(&base, value);
                include_requirements(root, rel.as_deref(), start_line, manifest, ctx, depth);
                continue;
            }
            Some("-e" | "--editable") => {
                if let Some(name) = egg_name(value) {
                    manifest.dependencies.push(Requirement {
                        name,
                        specifier: String::new(),
                        extras: Vec::new(),
                        marker: None,
                        url: Some(value.to_string()),
                        line: start_line,
                        path: from.clone(),
                    });
                } else if let Some(rel) = paths::join(&base, value.trim_start_matches("file:")) {
                    manifest.local_paths.push(rel);
                }
                continue;
            }
            // Constraints, indexes, hashes and the like install nothing.
            Some(_) => continue,
            None => {}
        }
        // Per-requirement options (`--hash=...`) follow the requirement.
        let requirement = content.split(" --").next().unwrap_or(content).trim();
        if is_local_path(requirement) {
            if let Some(rel) = paths::join(&base, requirement.trim_start_matches("file:")) {
                manifest.local_paths.push(rel);
            }
            continue;
        }
        if requirement.contains("://") && !requirement.contains('@') {
            match egg_name(requirement) {
                Some(name) => manifest.dependencies.push(Requirement {
                    name,
                    specifier: String::new(),
                    extras: Vec::new(),
                    marker: None,
                    url: Some(requirement.to_string()),
                    line: start_line,
                    path: from.clone(),
                }),
                None => ctx.report(
                    start_line,
                    Severity::Info,
                    "invalid-requirement",
                    format!("`{requirement}` names no distribution (add `#egg=name`); skipped"),
                ),
            }
            continue;
        }
        match parse_requirement(requirement, start_line) {
            Ok(mut req) => {
                req.path = from.clone();
                manifest.dependencies.push(req);
            }
            Err(why) => ctx.report(start_line, Severity::Warning, "invalid-requirement", why),
        }
    }
}

/// `-r file`, `-rfile`, `--requirement=file` → (option, value).
fn split_option(content: &str) -> (Option<&str>, &str) {
    if !content.starts_with('-') {
        return (None, content);
    }
    if let Some((opt, value)) = content.split_once('=').filter(|(o, _)| o.starts_with("--")) {
        return (Some(opt), value.trim());
    }
    match content.split_once(char::is_whitespace) {
        Some((opt, value)) => (Some(opt), value.trim()),
        // `-rfile`: a one-letter option glued to its value. Options are
        // ASCII; `-é...` is not one (and byte 2 is not a char boundary).
        None if content.len() > 2 && !content.starts_with("--") => {
            match (content.get(..2), content.get(2..)) {
                (Some(option), Some(value)) => (Some(option), value.trim()),
                _ => (Some(content), ""),
            }
        }
        None => (Some(content), ""),
    }
}

/// Reads `setup(install_requires=[...], python_requires=..., name=...)` from a
/// `setup.py`, statically. `None` when the file calls no `setup()`.
pub(crate) fn from_setup_py(path: &str, text: &str, ctx: &mut FileCtx<'_>) -> Option<Manifest> {
    // A setup.py is small; a huge or absurdly nested one is hostile input
    // that could exhaust the stack of a recursive parser (or of dropping its
    // tree). Refuse those, and parse the rest on a thread with a large stack.
    if text.len() > MAX_SETUP_PY_BYTES || bracket_depth(text) > MAX_SETUP_PY_NESTING {
        ctx.report(
            1,
            Severity::Warning,
            "invalid-requirement",
            "setup.py is too large or too deeply nested to read safely; its dependencies are not read",
        );
        return None;
    }
    let (path_owned, text_owned) = (path.to_string(), text.to_string());
    let worker = std::thread::Builder::new()
        .stack_size(SETUP_PY_STACK)
        .spawn(move || {
            let mut diagnostics = Vec::new();
            let mut inner = FileCtx::new(&path_owned, &mut diagnostics);
            let manifest = read_setup_py(&path_owned, &text_owned, &mut inner);
            (manifest, diagnostics)
        });
    match worker.map(|handle| handle.join()) {
        Ok(Ok((manifest, mut diagnostics))) => {
            ctx.diagnostics.append(&mut diagnostics);
            manifest
        }
        _ => {
            ctx.report(
                1,
                Severity::Warning,
                "invalid-requirement",
                "setup.py could not be read; its dependencies are not read",
            );
            None
        }
    }
}

const MAX_SETUP_PY_BYTES: usize = 256 * 1024;
const MAX_SETUP_PY_NESTING: usize = 100;
const SETUP_PY_STACK: usize = 256 * 1024 * 1024;

/// Deepest nesting of brackets (an over-estimate: brackets in strings count too).
fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn read_setup_py(path: &str, text: &str, ctx: &mut FileCtx<'_>) -> Option<Manifest> {
    let parsed = match ruff_python_parser::parse_module(text) {
        Ok(parsed) => parsed,
        Err(e) => {
            let line = line_of(text, e.location.start().to_usize());
            ctx.report(
                line,
                Severity::Warning,
                "invalid-syntax",
                format!("setup.py: {}", e.error),
            );
            return None;
        }
    };
    let body = &parsed.syntax().body;
    let mut literals: Vec<(&str, &Expr)> = Vec::new();
    let mut calls = Vec::new();
    collect_setup(body, &mut literals, &mut calls);
    let call = calls.last()?;
    let mut manifest = Manifest::new(path, ManifestKind::SetupPy);
    for keyword in &call.arguments.keywords {
        let Some(arg) = keyword.arg.as_ref().map(|a| a.as_str()) else {
            continue;
        };
        let line = line_of(text, keyword.range().start().to_usize());
        match arg {
            "name" => manifest.project_name = string_literal(&keyword.value),
            "python_requires" => manifest.requires_python = string_literal(&keyword.value),
            "install_requires" => match string_list(&keyword.value, &literals, 0) {
                Some(items) => {
                    for (item, range_start) in items {
                        let item_line = line_of(text, range_start);
                        match parse_requirement(&item, item_line) {
                            Ok(req) => manifest.dependencies.push(req),
                            Err(why) => {
                                ctx.report(item_line, Severity::Warning, "invalid-requirement", why)
                            }
                        }
                    }
                }
                None => ctx.report(
                    line,
                    Severity::Info,
                    "unresolved-value",
                    "`install_requires` is computed, not a literal list; its dependencies are not read",
                ),
            },
            _ => {}
        }
    }
    Some(manifest)
}

fn collect_setup<'a>(
    body: &'a [Stmt],
    literals: &mut Vec<(&'a str, &'a Expr)>,
    calls: &mut Vec<&'a ruff_python_ast::ExprCall>,
) {
    for stmt in body {
        match stmt {
            Stmt::Assign(assign) => {
                if let [Expr::Name(target)] = assign.targets.as_slice() {
                    literals.push((target.id.as_str(), &assign.value));
                }
            }
            Stmt::Expr(expr) => {
                if let Expr::Call(call) = expr.value.as_ref() {
                    let is_setup = match call.func.as_ref() {
                        Expr::Name(n) => n.id.as_str() == "setup",
                        Expr::Attribute(a) => a.attr.as_str() == "setup",
                        _ => false,
                    };
                    if is_setup {
                        calls.push(call);
                    }
                }
            }
            // `if __name__ == "__main__": setup(...)`
            Stmt::If(if_stmt) => collect_setup(&if_stmt.body, literals, calls),
            _ => {}
        }
    }
}

fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
        _ => None,
    }
}

/// A literal list/tuple of strings, a name bound to one at module level, or
/// `a + b` of those. Items with the byte offset where they start.
fn string_list(
    expr: &Expr,
    literals: &[(&str, &Expr)],
    depth: usize,
) -> Option<Vec<(String, usize)>> {
    if depth > 8 {
        return None;
    }
    let elts = match expr {
        Expr::List(list) => &list.elts,
        Expr::Tuple(tuple) => &tuple.elts,
        Expr::Name(name) => {
            let (_, value) = literals
                .iter()
                .rev()
                .find(|(n, _)| *n == name.id.as_str())?;
            return string_list(value, literals, depth + 1);
        }
        Expr::BinOp(binop) if binop.op == ruff_python_ast::Operator::Add => {
            let mut left = string_list(&binop.left, literals, depth + 1)?;
            left.extend(string_list(&binop.right, literals, depth + 1)?);
            return Some(left);
        }
        _ => return None,
    };
    elts.iter()
        .map(|e| string_literal(e).map(|s| (s, e.range().start().to_usize())))
        .collect()
}

/// Reads `[metadata] name`, `[options] install_requires` and
/// `python_requires` from a `setup.cfg`. `None` without an `[options]` or
/// `[metadata]` section.
pub(crate) fn from_setup_cfg(path: &str, text: &str, ctx: &mut FileCtx<'_>) -> Option<Manifest> {
    let mut manifest = Manifest::new(path, ManifestKind::SetupCfg);
    let mut section = String::new();
    let mut found = false;
    let mut in_requires = false;
    for (index, raw) in text.lines().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            section = trimmed[1..trimmed.len() - 1].trim().to_string();
            found |= section == "options" || section == "metadata";
            in_requires = false;
            continue;
        }
        let continuation = raw.starts_with([' ', '\t']);
        if continuation && in_requires {
            if !trimmed.is_empty() {
                match parse_requirement(trimmed, line) {
                    Ok(req) => manifest.dependencies.push(req),
                    Err(why) => ctx.report(line, Severity::Warning, "invalid-requirement", why),
                }
            }
            continue;
        }
        in_requires = false;
        let Some((key, value)) = trimmed.split_once(['=', ':']) else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match (section.as_str(), key) {
            ("metadata", "name") => manifest.project_name = Some(value.to_string()),
            ("options", "python_requires") => manifest.requires_python = Some(value.to_string()),
            ("options", "install_requires") => {
                in_requires = true;
                for item in value.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    match parse_requirement(item, line) {
                        Ok(req) => manifest.dependencies.push(req),
                        Err(why) => ctx.report(line, Severity::Warning, "invalid-requirement", why),
                    }
                }
            }
            _ => {}
        }
    }
    found.then_some(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostic;

    fn req(text: &str) -> Requirement {
        parse_requirement(text, 1).unwrap()
    }

    #[test]
    fn pep508() {
        let r = req("Scikit_Learn[Alldeps, tests] >= 1.5 , <2 ; python_version < \"3.12\"");
        assert_eq!(r.name, "scikit-learn");
        assert_eq!(r.extras, vec!["alldeps", "tests"]);
        assert_eq!(r.specifier, ">=1.5,<2");
        assert_eq!(r.marker.as_deref(), Some("python_version < \"3.12\""));
        let r = req("dagster==1.13.0");
        assert_eq!(
            (r.name.as_str(), r.specifier.as_str()),
            ("dagster", "==1.13.0")
        );
        let r = req("pkg @ https://example.com/pkg-1.0.whl");
        assert_eq!(r.url.as_deref(), Some("https://example.com/pkg-1.0.whl"));
        assert_eq!(req("zope.interface (>=5)").specifier, ">=5");
        assert_eq!(req("shared-lib").specifier, "");
        assert!(parse_requirement("==1.0", 1).is_err());
        assert!(parse_requirement("pandas 2.0", 1).is_err());
        assert!(parse_requirement("pandas[x", 1).is_err());
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize_name("Foo__Bar.baz-Qux"), "foo-bar-baz-qux");
        assert_eq!(normalize_name("dagster_dbt"), "dagster-dbt");
    }

    #[test]
    fn requirements_with_comments_includes_extras_markers() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("p")).unwrap();
        std::fs::write(
            root.join("base.txt"),
            "boto3==1.35.0\n-r p/requirements.txt\n",
        )
        .unwrap();
        let text = "# pinned\n\
            dagster==1.13.0  # the core\n\
            pandas[performance]>=2.2 ; python_version >= \"3.10\"\n\
            --index-url https://pypi.example.com/simple\n\
            -r ../base.txt\n\
            -c constraints.txt\n\
            -e ../libs/shared\n\
            -e git+https://github.com/x/y.git#egg=Y_Pkg\n\
            ./local_wheel\n\
            requests \\\n    >=2.0\n\
            numpy==2.0 --hash=sha256:abc\n\
            bad name here\n";
        let mut diags: Vec<Diagnostic> = Vec::new();
        let mut ctx = FileCtx::new("p/requirements.txt", &mut diags);
        let m = from_requirements(root, "p/requirements.txt", text, &mut ctx);
        let names: Vec<_> = m
            .dependencies
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.specifier.as_str(),
                    r.line,
                    r.path.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                ("dagster", "==1.13.0", 2, None),
                ("pandas", ">=2.2", 3, None),
                ("boto3", "==1.35.0", 1, Some("base.txt")),
                ("y-pkg", "", 8, None),
                ("requests", ">=2.0", 10, None),
                ("numpy", "==2.0", 12, None),
            ]
        );
        assert_eq!(m.dependencies[1].extras, vec!["performance"]);
        assert_eq!(
            m.dependencies[1].marker.as_deref(),
            Some("python_version >= \"3.10\"")
        );
        assert_eq!(m.includes, vec!["base.txt"]);
        assert_eq!(m.local_paths, vec!["libs/shared", "p/local_wheel"]);
        let lines: Vec<_> = diags.iter().map(|d| (d.kind.as_str(), d.line)).collect();
        assert_eq!(lines, vec![("invalid-requirement", Some(13))]);
    }

    #[test]
    fn option_glued_to_a_multibyte_character_does_not_panic() {
        // Found by the `manifest` fuzz target: `&content[..2]` on `-\u{feff}...`.
        assert_eq!(split_option("-\u{feff}x.txt"), (Some("-\u{feff}x.txt"), ""));
        assert_eq!(split_option("-é"), (Some("-é"), ""));
        assert_eq!(split_option("-rbase.txt"), (Some("-r"), "base.txt"));
        let dir = tempfile::tempdir().unwrap();
        let mut diags = Vec::new();
        let mut ctx = FileCtx::new("requirements.txt", &mut diags);
        let m = from_requirements(dir.path(), "requirements.txt", "-é\ndagster\n", &mut ctx);
        assert_eq!(m.dependencies.len(), 1);
    }

    #[test]
    fn include_outside_root_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut diags = Vec::new();
        let mut ctx = FileCtx::new("requirements.txt", &mut diags);
        let m = from_requirements(
            dir.path(),
            "requirements.txt",
            "-r ../../etc/passwd\n",
            &mut ctx,
        );
        assert!(m.dependencies.is_empty());
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("outside"), "{}", diags[0].message);
    }

    #[test]
    fn setup_py_literal_and_computed() {
        let text = "from setuptools import setup, find_packages\n\
            BASE = [\"dagster==1.13.0\"]\n\
            setup(\n    name=\"marketing-etl\",\n    python_requires=\">=3.10\",\n    install_requires=BASE + [\n        \"pandas==1.5.3\",\n        \"scikit-learn\",\n    ],\n)\n";
        let mut diags = Vec::new();
        let mut ctx = FileCtx::new("setup.py", &mut diags);
        let m = from_setup_py("setup.py", text, &mut ctx).unwrap();
        assert_eq!(m.project_name.as_deref(), Some("marketing-etl"));
        assert_eq!(m.requires_python.as_deref(), Some(">=3.10"));
        let deps: Vec<_> = m
            .dependencies
            .iter()
            .map(|r| (r.name.as_str(), r.line))
            .collect();
        assert_eq!(
            deps,
            vec![("dagster", 2), ("pandas", 7), ("scikit-learn", 8)]
        );
        assert!(ctx.diagnostics.is_empty());

        let text =
            "import setuptools\nsetuptools.setup(install_requires=open('r.txt').read().split())\n";
        let m = from_setup_py("setup.py", text, &mut ctx).unwrap();
        assert!(m.dependencies.is_empty());
        assert_eq!(ctx.diagnostics.len(), 1);
        assert_eq!(ctx.diagnostics[0].kind, "unresolved-value");
        assert!(from_setup_py("setup.py", "print('no setup')\n", &mut ctx).is_none());
        assert!(from_setup_py("setup.py", "setup(\n", &mut ctx).is_none());
        let deep = format!(
            "setup(install_requires={}[]{})\n",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(from_setup_py("setup.py", &deep, &mut ctx).is_none());
        let chain = format!("setup(install_requires=[]{})\n", " + []".repeat(40_000));
        let m = from_setup_py("setup.py", &chain, &mut ctx).unwrap();
        assert!(m.dependencies.is_empty());
    }

    #[test]
    fn setup_cfg() {
        let text = "[metadata]\nname = etl\n\n[options]\npython_requires = >=3.9\ninstall_requires =\n    dagster==1.13.0\n    pandas\n\n[flake8]\nmax-line-length = 100\n";
        let mut diags = Vec::new();
        let mut ctx = FileCtx::new("setup.cfg", &mut diags);
        let m = from_setup_cfg("setup.cfg", text, &mut ctx).unwrap();
        assert_eq!(m.project_name.as_deref(), Some("etl"));
        assert_eq!(m.requires_python.as_deref(), Some(">=3.9"));
        let deps: Vec<_> = m
            .dependencies
            .iter()
            .map(|r| (r.name.as_str(), r.line))
            .collect();
        assert_eq!(deps, vec![("dagster", 7), ("pandas", 8)]);
    }

    #[test]
    fn pyproject_project_and_poetry() {
        let text = "[project]\nname = \"x\"\nrequires-python = \">=3.10\"\ndependencies = [\"dagster==1.13.0\", \"Pandas>=2.2\", 3]\n";
        let doc = super::super::tomlfile::parse(text).unwrap();
        let mut diags = Vec::new();
        let mut ctx = FileCtx::new("pyproject.toml", &mut diags);
        let m =
            from_pyproject(Path::new("/nonexistent"), "pyproject.toml", &doc, &mut ctx).unwrap();
        assert_eq!(m.kind, ManifestKind::Pyproject);
        assert_eq!(m.requires_python.as_deref(), Some(">=3.10"));
        let deps: Vec<_> = m.dependencies.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(deps, vec!["dagster", "pandas"]);
        assert_eq!(ctx.diagnostics.len(), 1, "{:?}", ctx.diagnostics);

        let text = "[tool.poetry]\nname = \"p\"\n[tool.poetry.dependencies]\npython = \"^3.10\"\ndagster = \"1.13.0\"\npandas = {version = \">=2\", extras = [\"performance\"]}\nshared = {path = \"../shared\"}\n";
        let doc = super::super::tomlfile::parse(text).unwrap();
        let m = from_pyproject(Path::new("/x"), "proj/pyproject.toml", &doc, &mut ctx).unwrap();
        assert_eq!(m.kind, ManifestKind::Poetry);
        assert_eq!(m.requires_python.as_deref(), Some("^3.10"));
        let deps: Vec<_> = m
            .dependencies
            .iter()
            .map(|r| (r.name.as_str(), r.specifier.as_str()))
            .collect();
        assert_eq!(
            deps,
            vec![("dagster", "1.13.0"), ("pandas", ">=2"), ("shared", "")]
        );
        assert_eq!(m.local_paths, vec!["shared"]);

        let doc = super::super::tomlfile::parse("[tool.ruff]\nline-length = 100\n").unwrap();
        assert!(from_pyproject(Path::new("/x"), "pyproject.toml", &doc, &mut ctx).is_none());
    }
}

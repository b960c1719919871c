//! A file's dotted module name, from the `__init__.py` chain above it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Directories that hold an `__init__.py`, from the list of Python files found.
pub fn package_dirs(python_files: &[PathBuf]) -> HashSet<PathBuf> {
    python_files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "__init__.py"))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect()
}

/// Whether `name` is a valid Python identifier (ASCII subset is enough for
/// package names in practice; non-ASCII identifiers are accepted as letters).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_alphabetic() => {}
        _ => return false,
    }
    chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The dotted module name of `path` (`a/b/c.py` with `a/__init__.py` and
/// `a/b/__init__.py` is `a.b.c`; `a/b/__init__.py` is `a.b`), climbing while
/// the parent directory is a package and never above `root`.
pub fn module_name(
    root: &Path,
    path: &Path,
    packages: &HashSet<PathBuf>,
) -> Option<(String, bool)> {
    let stem = path.file_stem()?.to_str()?;
    let is_package = stem == "__init__";
    let mut parts: Vec<&str> = Vec::new();
    if !is_package {
        if !is_identifier(stem) {
            return None;
        }
        parts.push(stem);
    }
    let mut dir = path.parent()?;
    let mut top = None;
    while packages.contains(dir) && dir.starts_with(root) {
        let name = dir.file_name()?.to_str()?;
        if !is_identifier(name) {
            break;
        }
        parts.push(name);
        top = Some(dir);
        match dir.parent() {
            Some(parent) => dir = parent,
            None => break,
        }
    }
    if is_package && top.is_none() {
        return None;
    }
    parts.reverse();
    Some((parts.join("."), is_package))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_follow_init_chain() {
        let root = Path::new("/r");
        let files: Vec<PathBuf> = [
            "/r/a/__init__.py",
            "/r/a/b/__init__.py",
            "/r/a/b/c.py",
            "/r/x/y.py",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let pk = package_dirs(&files);
        assert_eq!(
            module_name(root, Path::new("/r/a/b/c.py"), &pk),
            Some(("a.b.c".into(), false))
        );
        assert_eq!(
            module_name(root, Path::new("/r/a/b/__init__.py"), &pk),
            Some(("a.b".into(), true))
        );
        // x/ has no __init__.py: y is a top-level module of its own directory.
        assert_eq!(
            module_name(root, Path::new("/r/x/y.py"), &pk),
            Some(("y".into(), false))
        );
        assert_eq!(module_name(root, Path::new("/r/x/my-script.py"), &pk), None);
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("_a1"));
        assert!(!is_identifier("1a"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
    }
}

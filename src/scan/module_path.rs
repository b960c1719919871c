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
///
/// A file in directories without `__init__.py` that sit inside a package
/// (`a/__init__.py`, `a/b/c.py` with no `a/b/__init__.py`) is in a namespace
/// portion of that package: `a.b.c`, as Python imports it through `a` (and
/// as Dagster's defs-folder loading names the files of a component folder).
/// Only directories between the file and its nearest package count; above
/// that package the chain of `__init__.py` decides, as before. With no
/// package above it, the file is a top-level module of its own directory.
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
    if !is_package {
        // Namespace directories up to the nearest package, if there is one.
        let mut portion: Vec<&str> = Vec::new();
        let mut up = dir;
        while !packages.contains(up) {
            match up.parent() {
                Some(parent) if parent.starts_with(root) && up != root => {
                    portion.push(up.file_name()?.to_str()?);
                    up = parent;
                }
                _ => break,
            }
        }
        if packages.contains(up) && up.starts_with(root) && portion.iter().all(|d| is_identifier(d))
        {
            parts.extend(portion);
            dir = up;
        }
    }
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
    fn namespace_directories_inside_a_package_are_part_of_the_name() {
        let root = Path::new("/r");
        let files: Vec<PathBuf> = [
            "/r/src/proj/__init__.py",
            "/r/src/proj/defs/__init__.py",
            "/r/src/proj/defs/ingest/deep/assets.py",
            "/r/src/proj/defs/my-component/assets.py",
            "/r/stray/__init__.py",
            "/r/stray/app/app/__init__.py",
            "/r/stray/app/app/x.py",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let pk = package_dirs(&files);
        let name = |p: &str| module_name(root, Path::new(p), &pk).map(|(m, _)| m);
        // `ingest/` and `deep/` have no `__init__.py` but sit in `proj.defs`.
        assert_eq!(
            name("/r/src/proj/defs/ingest/deep/assets.py").as_deref(),
            Some("proj.defs.ingest.deep.assets")
        );
        // Not an identifier: cannot be a namespace package.
        assert_eq!(
            name("/r/src/proj/defs/my-component/assets.py").as_deref(),
            Some("assets")
        );
        // A gap above the file's own package is not crossed.
        assert_eq!(name("/r/stray/app/app/x.py").as_deref(), Some("app.x"));
        assert_eq!(name("/r/src/loose.py").as_deref(), Some("loose"));
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("_a1"));
        assert!(!is_identifier("1a"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
    }
}

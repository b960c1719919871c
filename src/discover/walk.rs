//! Walking the tree: which files to scan.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::{DirEntry, WalkDir};

use crate::diagnostics::{Diagnostic, Severity};

/// Directory names never descended into: VCS data, caches, build output and
/// installed packages (a virtualenv is recognised by its `pyvenv.cfg` instead).
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    "site-packages",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "build",
    "dist",
];

/// Options for [`walk`].
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// User `--exclude` globs. A glob without `/` matches any path component
    /// (`tests` excludes every `tests` directory); with `/`, it matches the path
    /// relative to the root (`projects/*/scratch/**`).
    pub exclude: Vec<String>,
}

/// Files found under a root.
#[derive(Debug, Default)]
pub struct WalkResult {
    /// The scanned root, canonicalised.
    pub root: PathBuf,
    /// `.py` files, sorted.
    pub python_files: Vec<PathBuf>,
    /// Files that may declare code locations (see
    /// [`super::locations::is_declaration_candidate`]), sorted.
    pub declaration_files: Vec<PathBuf>,
    /// Directories skipped, unreadable entries, symlink loops, ...
    pub diagnostics: Vec<Diagnostic>,
}

/// Path of `path` relative to `root`, `/`-separated, for messages and reports.
pub fn relative_display(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let text = rel.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        text
    }
}

fn build_excludes(patterns: &[String]) -> Result<(GlobSet, GlobSet), String> {
    let mut by_path = GlobSetBuilder::new();
    let mut by_name = GlobSetBuilder::new();
    for pattern in patterns {
        let trimmed = pattern.trim_end_matches('/');
        let glob = Glob::new(trimmed)
            .map_err(|e| format!("invalid --exclude pattern `{pattern}`: {e}"))?;
        if trimmed.contains('/') {
            by_path.add(glob);
        } else {
            by_name.add(glob);
        }
    }
    let build = |b: GlobSetBuilder| b.build().map_err(|e| format!("invalid --exclude: {e}"));
    Ok((build(by_path)?, build(by_name)?))
}

/// Walks `root` (a directory or a single file).
///
/// Follows symlinks that stay inside the root, reports and skips those that
/// leave it, and survives symlink loops. Never fails on a bad entry: every
/// problem becomes a diagnostic. Fails only when the root itself cannot be read
/// or an `--exclude` glob is invalid.
pub fn walk(root: &Path, options: &WalkOptions) -> Result<WalkResult, String> {
    let canonical_root = root
        .canonicalize()
        .map_err(|e| format!("cannot read `{}`: {e}", root.display()))?;
    let (exclude_path, exclude_name) = build_excludes(&options.exclude)?;
    let mut result = WalkResult {
        root: canonical_root.clone(),
        ..WalkResult::default()
    };

    if canonical_root.is_file() {
        let parent = canonical_root
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| canonical_root.clone());
        result.root = parent;
        if canonical_root.extension().is_some_and(|e| e == "py") {
            result.python_files.push(canonical_root);
        }
        return Ok(result);
    }

    let mut skipped: Vec<Diagnostic> = Vec::new();
    let keep = |entry: &DirEntry, skipped: &mut Vec<Diagnostic>| -> bool {
        if entry.depth() == 0 {
            return true;
        }
        let path = entry.path();
        let rel = relative_display(&canonical_root, path);
        if entry.path_is_symlink() {
            match path.canonicalize() {
                Ok(target) if !target.starts_with(&canonical_root) => {
                    skipped.push(Diagnostic::new(
                        rel,
                        Severity::Info,
                        "symlink-outside-root",
                        format!(
                            "symlink to `{}` leaves the scanned root; not followed",
                            target.display()
                        ),
                    ));
                    return false;
                }
                Ok(_) => {}
                // A dangling symlink: walkdir reports it as an error entry.
                Err(_) => return true,
            }
        }
        let name = entry.file_name().to_string_lossy();
        if exclude_name.is_match(name.as_ref()) || exclude_path.is_match(&rel) {
            return false;
        }
        if entry.file_type().is_dir() {
            if SKIPPED_DIRS.contains(&name.as_ref()) {
                return false;
            }
            if path.join("pyvenv.cfg").exists() {
                return false;
            }
        }
        true
    };

    let walker = WalkDir::new(&canonical_root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| keep(e, &mut skipped));
    for entry in walker {
        match entry {
            Ok(entry) => {
                if !entry.file_type().is_file() {
                    continue;
                }
                let name = entry.file_name().to_string_lossy();
                if name.ends_with(".py") {
                    result.python_files.push(entry.into_path());
                } else if super::locations::is_declaration_candidate(&name) {
                    result.declaration_files.push(entry.into_path());
                }
            }
            Err(err) => result.diagnostics.push(walk_error(&canonical_root, &err)),
        }
    }
    result.diagnostics.append(&mut skipped);
    result.python_files.sort();
    result.declaration_files.sort();
    result.diagnostics.sort();
    Ok(result)
}

fn walk_error(root: &Path, err: &walkdir::Error) -> Diagnostic {
    let path = err
        .path()
        .map(|p| relative_display(root, p))
        .unwrap_or_else(|| ".".to_string());
    if let Some(ancestor) = err.loop_ancestor() {
        return Diagnostic::new(
            path,
            Severity::Warning,
            "symlink-loop",
            format!(
                "symlink loops back to `{}`; not followed again",
                relative_display(root, ancestor)
            ),
        );
    }
    let detail = err
        .io_error()
        .map(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => {
                "permission denied; fix the permissions or --exclude it".to_string()
            }
            std::io::ErrorKind::NotFound => {
                "not found (a dangling symlink, or removed during the scan)".to_string()
            }
            _ => e.to_string(),
        })
        .unwrap_or_else(|| err.to_string());
    Diagnostic::new(
        path,
        Severity::Warning,
        "io-error",
        format!("cannot read: {detail}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(path: &Path) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "x = 1\n").unwrap();
    }

    fn names(result: &WalkResult) -> Vec<String> {
        result
            .python_files
            .iter()
            .map(|p| relative_display(&result.root, p))
            .collect()
    }

    #[test]
    fn skips_venvs_caches_and_build_output() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("pkg/mod.py"));
        touch(&root.join("myenv/lib/x.py"));
        fs::write(root.join("myenv/pyvenv.cfg"), "home = /usr\n").unwrap();
        for skipped in SKIPPED_DIRS {
            touch(&root.join(skipped).join("y.py"));
        }
        touch(&root.join("pkg/__pycache__/z.py"));
        let result = walk(root, &WalkOptions::default()).unwrap();
        assert_eq!(names(&result), vec!["pkg/mod.py"]);
    }

    #[test]
    fn user_excludes_match_components_and_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("a/tests/t.py"));
        touch(&root.join("a/keep.py"));
        touch(&root.join("b/scratch/s.py"));
        touch(&root.join("b/keep.py"));
        let options = WalkOptions {
            exclude: vec!["tests".into(), "b/scratch/**".into()],
        };
        let result = walk(root, &options).unwrap();
        assert_eq!(names(&result), vec!["a/keep.py", "b/keep.py"]);
    }

    #[test]
    fn invalid_exclude_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let options = WalkOptions {
            exclude: vec!["a[".into()],
        };
        let err = walk(dir.path(), &options).unwrap_err();
        assert!(err.contains("invalid --exclude pattern `a[`"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn survives_symlink_loops_and_does_not_leave_root() {
        let outside = tempfile::tempdir().unwrap();
        touch(&outside.path().join("secret.py"));
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("pkg/a.py"));
        std::os::unix::fs::symlink(root.join("pkg"), root.join("pkg/loop")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("escape")).unwrap();
        let result = walk(root, &WalkOptions::default()).unwrap();
        assert_eq!(names(&result), vec!["pkg/a.py"]);
        let kinds: Vec<&str> = result.diagnostics.iter().map(|d| d.kind.as_str()).collect();
        assert!(kinds.contains(&"symlink-loop"), "{kinds:?}");
        assert!(kinds.contains(&"symlink-outside-root"), "{kinds:?}");
    }

    #[test]
    fn single_file_root() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("one.py"));
        let result = walk(&dir.path().join("one.py"), &WalkOptions::default()).unwrap();
        assert_eq!(names(&result), vec!["one.py"]);
    }
}

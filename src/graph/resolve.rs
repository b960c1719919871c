//! Module resolution: which first-party file a dotted name is, given a
//! location's search roots, following Python's path-based finder.

use std::collections::{HashMap, HashSet};

use crate::scan::{FileFacts, ImportKind, ImportSite};

/// Index of the scanned files by path, and of the directories that hold them.
#[derive(Debug, Default)]
pub struct ModuleIndex {
    /// Relative path (`a/b/c.py`) → index into the files.
    by_path: HashMap<String, usize>,
    /// Every directory that holds a `.py` file somewhere below it (`a`, `a/b`).
    dirs: HashSet<String>,
    /// Directory → the `.py` files directly in it (sorted by path).
    dir_files: HashMap<String, Vec<usize>>,
    /// Directory → its subdirectories that hold `.py` files (sorted).
    subdirs: HashMap<String, std::collections::BTreeSet<String>>,
}

/// What a dotted name resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// A module file or a package's `__init__.py`.
    File(usize),
    /// A directory without `__init__.py` (PEP 420 namespace package).
    Namespace,
}

/// A first-party file executed by an import, or a third-party module.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    File(usize),
    /// A module not found under the search roots: third-party (or missing).
    External(String),
}

pub(crate) fn join(root: &str, rest: &str) -> String {
    if root.is_empty() || root == "." {
        rest.to_string()
    } else {
        format!("{}/{}", root.trim_end_matches('/'), rest)
    }
}

impl ModuleIndex {
    pub fn new(files: &[FileFacts]) -> Self {
        let mut index = Self::default();
        for (i, file) in files.iter().enumerate() {
            index.by_path.insert(file.path.clone(), i);
            let parent = file.path.rfind('/').map_or("", |s| &file.path[..s]);
            index
                .dir_files
                .entry(parent.to_string())
                .or_default()
                .push(i);
            let mut dir = file.path.as_str();
            while let Some(slash) = dir.rfind('/') {
                let child = &dir[..slash];
                let up = child.rfind('/').map_or("", |s| &child[..s]);
                index
                    .subdirs
                    .entry(up.to_string())
                    .or_default()
                    .insert(child.to_string());
                dir = child;
                if !index.dirs.insert(dir.to_string()) {
                    break;
                }
            }
        }
        for list in index.dir_files.values_mut() {
            list.sort_by(|&a, &b| files[a].path.cmp(&files[b].path));
        }
        index
    }

    pub fn file(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    /// The `.py` files directly in `dir`, sorted by path.
    pub fn files_in(&self, dir: &str) -> &[usize] {
        self.dir_files.get(dir).map_or(&[], Vec::as_slice)
    }

    /// Subdirectories of `dir` that hold `.py` files, sorted.
    pub fn subdirs_of(&self, dir: &str) -> impl Iterator<Item = &String> {
        self.subdirs.get(dir).into_iter().flatten()
    }

    pub fn is_dir(&self, path: &str) -> bool {
        path.is_empty() || path == "." || self.dirs.contains(path)
    }

    /// Resolves `name` (one segment) inside directory `dir`.
    fn find_in(&self, dir: &str, name: &str) -> Option<Resolved> {
        let base = join(dir, name);
        if let Some(&i) = self.by_path.get(&format!("{base}/__init__.py")) {
            return Some(Resolved::File(i));
        }
        if let Some(&i) = self.by_path.get(&format!("{base}.py")) {
            return Some(Resolved::File(i));
        }
        self.dirs.contains(&base).then_some(Resolved::Namespace)
    }

    /// The root holding top-level `name`: a regular package or module in any
    /// root wins over namespace portions (as Python's `PathFinder`).
    fn top_level_root<'r>(&self, roots: &'r [String], name: &str) -> Option<(&'r str, Resolved)> {
        let mut namespace = None;
        for root in roots {
            match self.find_in(root, name) {
                Some(Resolved::File(i)) => return Some((root, Resolved::File(i))),
                Some(Resolved::Namespace) if namespace.is_none() => {
                    namespace = Some((root.as_str(), Resolved::Namespace));
                }
                _ => {}
            }
        }
        namespace
    }

    /// Every first-party file executed by importing dotted `module` (each
    /// package `__init__.py` on the way, then the module), or `None` when the
    /// top-level name is not first-party. The `bool` is `false` when the full
    /// name was not found (only a prefix is first-party).
    pub fn resolve_chain(&self, roots: &[String], module: &str) -> Option<(Vec<usize>, bool)> {
        let mut parts = module.split('.');
        let first = parts.next()?;
        let (root, top) = self.top_level_root(roots, first)?;
        let mut files = Vec::new();
        if let Resolved::File(i) = top {
            files.push(i);
        }
        let mut dir = join(root, first);
        for part in parts {
            match self.find_in(&dir, part) {
                Some(Resolved::File(i)) => files.push(i),
                Some(Resolved::Namespace) => {}
                None => return Some((files, false)),
            }
            dir = join(&dir, part);
        }
        Some((files, true))
    }

    /// The directory of a dotted package (`a.b` → `src/a/b`), if first-party.
    pub fn package_dir(&self, roots: &[String], module: &str) -> Option<String> {
        let mut parts = module.split('.');
        let first = parts.next()?;
        let (root, _) = self.top_level_root(roots, first)?;
        let mut dir = join(root, first);
        for part in parts {
            dir = join(&dir, part);
        }
        self.is_dir(&dir).then_some(dir)
    }

    /// What one import statement executes.
    pub fn targets(&self, roots: &[String], import: &ImportSite) -> Vec<Target> {
        let mut out = Vec::new();
        if !import.resolved || import.module.is_empty() {
            return out;
        }
        match self.resolve_chain(roots, &import.module) {
            None => out.push(Target::External(import.module.clone())),
            Some((files, _)) => {
                out.extend(files.into_iter().map(Target::File));
                if import.kind == ImportKind::From {
                    // `from pkg import name` imports `pkg.name` when it is a submodule.
                    for name in &import.names {
                        if name == "*" {
                            continue;
                        }
                        let dotted = format!("{}.{}", import.module, name);
                        if let Some((files, true)) = self.resolve_chain(roots, &dotted) {
                            if let Some(&last) = files.last() {
                                out.push(Target::File(last));
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> Vec<FileFacts> {
        paths
            .iter()
            .map(|p| FileFacts {
                path: (*p).to_string(),
                ..FileFacts::default()
            })
            .collect()
    }

    fn roots(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn import_chain_runs_every_init() {
        let f = files(&["src/a/__init__.py", "src/a/b/__init__.py", "src/a/b/c.py"]);
        let index = ModuleIndex::new(&f);
        let (chain, full) = index.resolve_chain(&roots(&["src"]), "a.b.c").unwrap();
        assert_eq!(chain, vec![0, 1, 2]);
        assert!(full);
        assert!(
            index.resolve_chain(&roots(&[""]), "a.b.c").is_none(),
            "not a root"
        );
    }

    #[test]
    fn namespace_packages_have_no_init() {
        let f = files(&["ns/part/mod.py"]);
        let index = ModuleIndex::new(&f);
        let (chain, full) = index.resolve_chain(&roots(&[""]), "ns.part.mod").unwrap();
        assert_eq!(chain, vec![0]);
        assert!(full);
    }

    #[test]
    fn regular_package_beats_earlier_namespace_portion() {
        let f = files(&["one/pkg/data.txt.py", "two/pkg/__init__.py"]);
        let index = ModuleIndex::new(&f);
        let (chain, _) = index.resolve_chain(&roots(&["one", "two"]), "pkg").unwrap();
        assert_eq!(chain, vec![1]);
    }

    #[test]
    fn missing_submodule_is_partial() {
        let f = files(&["a/__init__.py"]);
        let index = ModuleIndex::new(&f);
        let (chain, full) = index.resolve_chain(&roots(&[""]), "a.nope").unwrap();
        assert_eq!(chain, vec![0]);
        assert!(!full);
    }
}

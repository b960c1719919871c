//! Module resolution: which first-party file a dotted name is, given a
//! location's search roots, following Python's path-based finder.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

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
    /// The same tree by directory id (the root is id 0), so that resolving a
    /// dotted name is a few hash lookups with no path formatted. Used when
    /// every path is plain (no empty component); otherwise `plain` is false
    /// and resolution goes by path strings.
    tree: Vec<HashMap<String, Entry>>,
    /// Directory path → id in `tree`.
    dir_ids: HashMap<String, u32>,
    plain: bool,
    /// What each file's imports resolve to, per set of search roots: a
    /// location's graph is built again for every what-if (deferred imports),
    /// and resolving is the bulk of it.
    memo: Mutex<Memo>,
    /// Each location's graph with nothing deferred (see
    /// [`super::location::location_graph`]).
    pub(super) location_graphs: super::location::GraphCache,
}

/// See [`ModuleIndex::file_targets`].
#[derive(Debug, Default)]
struct Memo {
    /// The files the entries are for (address and length of the slice).
    files: (usize, usize),
    /// Per set of roots (looked up once per graph, see [`ModuleIndex::roots_memo`]).
    by_roots: HashMap<Vec<String>, Arc<RootsMemo>>,
}

/// What the files' imports resolve to under one set of roots.
#[derive(Debug, Default)]
pub struct RootsMemo {
    /// The files the entries are for (address and length of the slice).
    files: (usize, usize),
    inner: Mutex<RootsMemoInner>,
}

#[derive(Debug, Default)]
struct RootsMemoInner {
    /// By file index (only the files some graph reached). Keys are indices,
    /// not scanned text: the fast hash is safe here.
    by_file: HashMap<u32, Arc<FileTargets>, crate::heuristics::FastHash>,
    /// Third-party module names seen, by id ([`Resolution::External`]).
    externals: HashMap<String, u32>,
}

/// The targets of every import-time import of one file, for one set of roots.
#[derive(Debug)]
pub struct FileTargets {
    /// Import `k`'s targets are `targets[starts[k]..starts[k + 1]]`.
    starts: Vec<u32>,
    targets: Vec<Resolution>,
}

/// One target of an import. `External` is the import's own module, with an
/// id that is the same for every import of that module (for this index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// A scanned file (index; `u32` keeps a target at 8 bytes).
    File(u32),
    External(u32),
}

impl FileTargets {
    /// The targets of the file's `k`-th import, as [`ModuleIndex::targets`]
    /// gives them (none for an import that does not run at import time).
    pub fn of(&self, k: usize) -> &[Resolution] {
        match (self.starts.get(k), self.starts.get(k + 1)) {
            (Some(&a), Some(&b)) => &self.targets[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// What one name in a directory is: `name/__init__.py`, `name.py`, `name/`.
#[derive(Debug, Default, Clone, Copy)]
struct Entry {
    init: Option<usize>,
    module: Option<usize>,
    dir: Option<u32>,
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

/// [`Target`] borrowing the module name (see [`ModuleIndex::for_each_target`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetRef<'a> {
    File(usize),
    External(&'a str),
}

pub(crate) fn join(root: &str, rest: &str) -> String {
    if root.is_empty() || root == "." {
        rest.to_string()
    } else {
        format!("{}/{}", root.trim_end_matches('/'), rest)
    }
}

/// A search root as a place to look names up in.
#[derive(Clone, Copy)]
enum Base<'r> {
    /// A directory of the tree (plain index).
    Dir(u32),
    /// Holds no scanned file: nothing resolves under it.
    Empty,
    /// By path string (index with unusual paths).
    Path(&'r str),
}

/// A directory reached while resolving: by id, by path, or nowhere.
#[derive(Clone)]
enum Cursor {
    Dir(u32),
    Missing,
    Path(String),
}

/// Whether a dotted name can be resolved through the tree: every segment is
/// a plain name (joining it to a directory path adds exactly `/segment`).
fn plain_segment(part: &str) -> bool {
    !part.is_empty() && !part.contains('/')
}

impl ModuleIndex {
    pub fn new(files: &[FileFacts]) -> Self {
        let mut index = Self {
            tree: vec![HashMap::new()],
            plain: true,
            ..Self::default()
        };
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
            index.add_to_tree(&file.path, i);
        }
        for list in index.dir_files.values_mut() {
            list.sort_by(|&a, &b| files[a].path.cmp(&files[b].path));
        }
        if !index.plain {
            index.tree = Vec::new();
            index.dir_ids = HashMap::new();
        }
        index
    }

    fn add_to_tree(&mut self, path: &str, file: usize) {
        if !self.plain {
            return;
        }
        let components: Vec<&str> = path.split('/').collect();
        if components.iter().any(|c| c.is_empty()) {
            self.plain = false;
            return;
        }
        let (name, dirs) = components.split_last().unwrap_or((&"", &[]));
        let mut current = 0u32;
        let mut parent: Option<(u32, &str)> = None;
        for (depth, &component) in dirs.iter().enumerate() {
            let entry = self.tree[current as usize]
                .get(component)
                .copied()
                .unwrap_or_default();
            let next = match entry.dir {
                Some(id) => id,
                None => {
                    let id = u32::try_from(self.tree.len()).unwrap_or(u32::MAX);
                    self.tree.push(HashMap::new());
                    let prefix = components[..=depth].join("/");
                    self.dir_ids.insert(prefix, id);
                    self.tree[current as usize]
                        .entry(component.to_string())
                        .or_default()
                        .dir = Some(id);
                    id
                }
            };
            parent = Some((current, component));
            current = next;
        }
        if let Some(stem) = name.strip_suffix(".py") {
            self.tree[current as usize]
                .entry(stem.to_string())
                .or_default()
                .module = Some(file);
            if stem == "__init__" {
                if let Some((up, dir_name)) = parent {
                    self.tree[up as usize]
                        .entry(dir_name.to_string())
                        .or_default()
                        .init = Some(file);
                }
            }
        }
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

    /// The tree entry of a plain `name` in directory `dir`.
    fn entry(&self, dir: u32, name: &str) -> Option<Entry> {
        self.tree.get(dir as usize)?.get(name).copied()
    }

    /// [`Self::find_in`] on the tree: the same answer, without formatting.
    fn find_in_dir(&self, dir: u32, name: &str) -> Option<Resolved> {
        let entry = self.entry(dir, name)?;
        if let Some(i) = entry.init.or(entry.module) {
            return Some(Resolved::File(i));
        }
        entry.dir.map(|_| Resolved::Namespace)
    }

    /// Where `root` (a search root, as [`join`] reads it) is.
    fn base<'r>(&self, root: &'r str) -> Base<'r> {
        if !self.plain {
            return Base::Path(root);
        }
        if root.is_empty() || root == "." {
            return Base::Dir(0);
        }
        let trimmed = root.trim_end_matches('/');
        match self.dir_ids.get(trimmed) {
            Some(&id) if !trimmed.is_empty() => Base::Dir(id),
            // No scanned file below it: `join(root, name)` names nothing.
            _ => Base::Empty,
        }
    }

    fn find_at(&self, cursor: &Cursor, name: &str) -> Option<Resolved> {
        match cursor {
            Cursor::Dir(id) => self.find_in_dir(*id, name),
            Cursor::Missing => None,
            Cursor::Path(dir) => self.find_in(dir, name),
        }
    }

    /// `join(cursor, name)` as a cursor.
    fn descend(&self, cursor: &Cursor, name: &str) -> Cursor {
        match cursor {
            Cursor::Dir(id) => match self.entry(*id, name).and_then(|e| e.dir) {
                Some(child) => Cursor::Dir(child),
                None => Cursor::Missing,
            },
            Cursor::Missing => Cursor::Missing,
            Cursor::Path(dir) => Cursor::Path(join(dir, name)),
        }
    }

    /// The root holding top-level `name`: a regular package or module in any
    /// root wins over namespace portions (as Python's `PathFinder`). Returns
    /// the directory `join(root, name)` as a cursor.
    fn top_level(&self, roots: &[String], name: &str, plain: bool) -> Option<(Cursor, Resolved)> {
        let mut namespace = None;
        for root in roots {
            let base = if plain {
                self.base(root)
            } else {
                Base::Path(root)
            };
            let found = match base {
                Base::Dir(id) => self.find_in_dir(id, name),
                Base::Empty => None,
                Base::Path(root) => self.find_in(root, name),
            };
            match found {
                Some(Resolved::File(i)) => {
                    return Some((self.base_cursor(base, name), Resolved::File(i)))
                }
                Some(Resolved::Namespace) if namespace.is_none() => {
                    namespace = Some(base);
                }
                _ => {}
            }
        }
        namespace.map(|base| (self.base_cursor(base, name), Resolved::Namespace))
    }

    fn base_cursor(&self, base: Base<'_>, name: &str) -> Cursor {
        match base {
            Base::Dir(id) => self.descend(&Cursor::Dir(id), name),
            Base::Empty => Cursor::Missing,
            Base::Path(root) => Cursor::Path(join(root, name)),
        }
    }

    /// Resolves dotted `parts`: the files executed, whether the whole name
    /// was found, and the directory the name denotes.
    fn resolve_parts<'p>(
        &self,
        roots: &[String],
        mut parts: impl Iterator<Item = &'p str>,
        plain: bool,
    ) -> Option<(Vec<usize>, bool, Cursor)> {
        let first = parts.next()?;
        let (mut dir, top) = self.top_level(roots, first, plain)?;
        let mut files = Vec::new();
        if let Resolved::File(i) = top {
            files.push(i);
        }
        for part in parts {
            match self.find_at(&dir, part) {
                Some(Resolved::File(i)) => files.push(i),
                Some(Resolved::Namespace) => {}
                None => return Some((files, false, dir)),
            }
            dir = self.descend(&dir, part);
        }
        Some((files, true, dir))
    }

    /// Whether `module` resolves through the tree (else by path strings).
    fn plain_name(&self, module: &str) -> bool {
        // `module.split('.').all(plain_segment)` in one pass over the bytes:
        // no empty segment (no leading, trailing or doubled dot), no `/`.
        let bytes = module.as_bytes();
        self.plain
            && bytes.first().is_some_and(|&b| b != b'.')
            && bytes.last().is_some_and(|&b| b != b'.')
            && !bytes
                .iter()
                .zip(bytes.iter().skip(1))
                .any(|(&a, &b)| a == b'/' || (a == b'.' && b == b'.'))
            && bytes.last() != Some(&b'/')
    }

    /// Every first-party file executed by importing dotted `module` (each
    /// package `__init__.py` on the way, then the module), or `None` when the
    /// top-level name is not first-party. The `bool` is `false` when the full
    /// name was not found (only a prefix is first-party).
    pub fn resolve_chain(&self, roots: &[String], module: &str) -> Option<(Vec<usize>, bool)> {
        let plain = self.plain_name(module);
        self.resolve_parts(roots, module.split('.'), plain)
            .map(|(files, full, _)| (files, full))
    }

    /// [`Self::resolve_chain`] by path strings only (the reference the tree
    /// is checked against).
    #[cfg(test)]
    fn resolve_chain_by_path(&self, roots: &[String], module: &str) -> Option<(Vec<usize>, bool)> {
        self.resolve_parts(roots, module.split('.'), false)
            .map(|(files, full, _)| (files, full))
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

    /// The root holding top-level `name` (by path strings).
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

    /// The memo of resolutions under `roots` for `files`: look it up once per
    /// graph and pass it to [`Self::file_targets`].
    pub fn roots_memo(&self, roots: &[String], files: &[FileFacts]) -> Arc<RootsMemo> {
        let key = (files.as_ptr() as usize, files.len());
        let mut memo = self.memo.lock().unwrap_or_else(PoisonError::into_inner);
        if memo.files != key {
            memo.by_roots.clear();
            memo.files = key;
        }
        if let Some(known) = memo.by_roots.get(roots) {
            return Arc::clone(known);
        }
        let fresh = Arc::new(RootsMemo {
            files: key,
            inner: Mutex::default(),
        });
        memo.by_roots.insert(roots.to_vec(), Arc::clone(&fresh));
        fresh
    }

    /// The targets of every import-time import of `files[file]` under
    /// `roots`, resolved once and then remembered in `memo` (from
    /// [`Self::roots_memo`] for the same `roots` and `files`).
    pub fn file_targets(
        &self,
        memo: &RootsMemo,
        roots: &[String],
        files: &[FileFacts],
        file: usize,
    ) -> Option<Arc<FileTargets>> {
        let facts = files.get(file)?;
        let file = u32::try_from(file).ok()?;
        // A memo made for other files is not used.
        let remembered = memo.files == (files.as_ptr() as usize, files.len());
        if remembered {
            let inner = memo.inner.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(known) = inner.by_file.get(&file) {
                return Some(Arc::clone(known));
            }
        }
        // Resolved outside the lock; the external ids (the same for every
        // graph that uses this memo) are taken under it.
        let (mut resolved, external_names) = self.resolve_file(roots, facts);
        let mut inner = memo.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for (at, module) in external_names {
            let next = u32::try_from(inner.externals.len()).unwrap_or(u32::MAX);
            let id = *inner.externals.entry(module.to_string()).or_insert(next);
            resolved.targets[at] = Resolution::External(id);
        }
        let resolved = Arc::new(resolved);
        if remembered {
            inner.by_file.insert(file, Arc::clone(&resolved));
        }
        Some(resolved)
    }

    /// The targets of every import-time import of one file, with each
    /// external target's module name (by position) still to be numbered.
    fn resolve_file<'f>(
        &self,
        roots: &[String],
        facts: &'f FileFacts,
    ) -> (FileTargets, Vec<(usize, &'f str)>) {
        let mut starts = Vec::with_capacity(facts.imports.len() + 1);
        let mut targets = Vec::new();
        let mut external_names = Vec::new();
        for import in &facts.imports {
            starts.push(u32::try_from(targets.len()).unwrap_or(u32::MAX));
            if import.context.runs_at_import() {
                self.for_each_target(roots, import, |target| match target {
                    TargetRef::File(i) => {
                        if let Ok(i) = u32::try_from(i) {
                            targets.push(Resolution::File(i));
                        }
                    }
                    TargetRef::External(module) => {
                        external_names.push((targets.len(), module));
                        targets.push(Resolution::External(0));
                    }
                });
            }
        }
        starts.push(u32::try_from(targets.len()).unwrap_or(u32::MAX));
        (FileTargets { starts, targets }, external_names)
    }

    /// What one import statement executes.
    pub fn targets(&self, roots: &[String], import: &ImportSite) -> Vec<Target> {
        let mut out = Vec::new();
        self.for_each_target(roots, import, |target| {
            out.push(match target {
                TargetRef::File(i) => Target::File(i),
                TargetRef::External(m) => Target::External(m.to_string()),
            });
        });
        out
    }

    /// [`Self::targets`] one by one, in the same order, allocating nothing
    /// for a plain name.
    pub fn for_each_target<'i>(
        &self,
        roots: &[String],
        import: &'i ImportSite,
        mut f: impl FnMut(TargetRef<'i>),
    ) {
        if !import.resolved || import.module.is_empty() {
            return;
        }
        let plain = self.plain_name(&import.module);
        match self.resolve_parts(roots, import.module.split('.'), plain) {
            None => f(TargetRef::External(&import.module)),
            Some((files, full, dir)) => {
                let last = files.last().copied();
                for &file in &files {
                    f(TargetRef::File(file));
                }
                if import.kind == ImportKind::From {
                    // `from pkg import name` imports `pkg.name` when it is a submodule.
                    for name in &import.names {
                        if name == "*" {
                            continue;
                        }
                        if plain && plain_segment(name) {
                            // `pkg.name` resolves fully iff `pkg` did and
                            // `name` is found in its directory.
                            if !full {
                                continue;
                            }
                            match self.find_at(&dir, name) {
                                Some(Resolved::File(i)) => f(TargetRef::File(i)),
                                Some(Resolved::Namespace) => {
                                    if let Some(i) = last {
                                        f(TargetRef::File(i));
                                    }
                                }
                                None => {}
                            }
                        } else {
                            let dotted = format!("{}.{}", import.module, name);
                            if let Some((files, true)) = self.resolve_chain(roots, &dotted) {
                                if let Some(&last) = files.last() {
                                    f(TargetRef::File(last));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_name_is_every_segment_plain() {
        let index = ModuleIndex::new(&[]);
        for module in [
            "", ".", "a", "a.b", "a..b", ".a", "a.", "a/b", "a.b/c", "/", "a/", "/a", "ab.cd.ef",
            "a.b.", "..", "a.b..c", "é.ü",
        ] {
            assert_eq!(
                index.plain_name(module),
                module.split('.').all(plain_segment),
                "{module:?}"
            );
        }
    }

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

    /// Resolution through the directory tree gives what resolution by path
    /// strings gives, for every name and root (including odd ones).
    #[test]
    fn tree_resolution_matches_path_resolution() {
        let f = files(&[
            "src/a/__init__.py",
            "src/a/b/__init__.py",
            "src/a/b/c.py",
            "src/a/ns/m.py",
            "src/a/ns/deep/x.py",
            "src/a/mod.py",
            "src/a/mod/__init__.py",
            "src/top.py",
            "lib/a/extra.py",
            "lib/pkg/__init__.py",
            "__init__.py",
            "x.py",
            "x/y.py",
            "./dot/z.py",
        ]);
        let index = ModuleIndex::new(&f);
        assert!(index.plain);
        let modules = [
            "a",
            "a.b",
            "a.b.c",
            "a.ns",
            "a.ns.m",
            "a.ns.deep.x",
            "a.mod",
            "a.extra",
            "a.nope",
            "a.b.c.d",
            "top",
            "pkg",
            "x",
            "x.y",
            "__init__",
            "dot.z",
            "a..b",
            "a.",
            ".a",
            "",
            "a.b/c",
            "src.a",
            "nope",
        ];
        let root_sets: [&[&str]; 7] = [
            &["src"],
            &["src/", "lib"],
            &["lib", "src"],
            &[""],
            &["."],
            &["/", "src//", "missing"],
            &["."],
        ];
        for roots in root_sets {
            let roots: Vec<String> = roots.iter().map(|r| (*r).to_string()).collect();
            for module in modules {
                assert_eq!(
                    index
                        .resolve_parts(&roots, module.split('.'), index.plain_name(module))
                        .map(|(f, full, _)| (f, full)),
                    index
                        .resolve_parts(&roots, module.split('.'), false)
                        .map(|(f, full, _)| (f, full)),
                    "{module} in {roots:?}"
                );
                for names in [vec!["b"], vec!["ns", "mod", "*", "nope"], vec!["c", ""]] {
                    let import = ImportSite {
                        line: 1,
                        column: 1,
                        kind: ImportKind::From,
                        module: module.to_string(),
                        level: 0,
                        resolved: true,
                        names: names.iter().map(|n| (*n).to_string()).collect(),
                        bound: Vec::new(),
                        context: crate::scan::ExecContext::Module,
                        function: None,
                    };
                    let mut slow = Vec::new();
                    if !module.is_empty() {
                        match index.resolve_chain_by_path(&roots, module) {
                            None => slow.push(Target::External(module.to_string())),
                            Some((files, _)) => {
                                slow.extend(files.into_iter().map(Target::File));
                                for name in &import.names {
                                    if name == "*" {
                                        continue;
                                    }
                                    let dotted = format!("{module}.{name}");
                                    if let Some((files, true)) =
                                        index.resolve_chain_by_path(&roots, &dotted)
                                    {
                                        slow.extend(files.last().map(|&l| Target::File(l)));
                                    }
                                }
                            }
                        }
                    }
                    assert_eq!(
                        index.targets(&roots, &import),
                        slow,
                        "{module} {names:?} in {roots:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn odd_paths_resolve_by_path_strings() {
        let f = files(&["a//b.py", "a/c.py"]);
        let index = ModuleIndex::new(&f);
        assert!(!index.plain);
        assert_eq!(
            index.resolve_chain(&roots(&["a"]), "c"),
            Some((vec![1], true))
        );
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

//! From a discovered code location to its import graph: entry files, search
//! roots (including first-party packages its manifest installs from the
//! monorepo), and Dagster's own loading (defs folders, components).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::dagster_loading::{folder_edges, ComponentTypes, FolderMode};
use super::reach::{reach, Deferred, Entry, Hop, LocationGraph};
use super::resolve::{join, ModuleIndex, Target};
use crate::discover::locations::{self, manifest::normalize_name, CodeLocation};
use crate::scan::FileFacts;

/// First-party distributions in the tree: normalised `[project].name` → the
/// project directory (relative to the root).
pub fn first_party_projects(
    root: &Path,
    declaration_files: &[PathBuf],
) -> BTreeMap<String, String> {
    #[derive(serde::Deserialize)]
    struct Pyproject {
        project: Option<Project>,
    }
    #[derive(serde::Deserialize)]
    struct Project {
        name: Option<String>,
    }
    let mut out = BTreeMap::new();
    for path in declaration_files {
        if path.file_name().is_none_or(|n| n != "pyproject.toml") {
            continue;
        }
        let Ok(text) = crate::discover::locations::read_config_file(path) else {
            continue;
        };
        // Malformed files are reported by discovery; here they are skipped.
        let Ok(parsed) = toml::from_str::<Pyproject>(&text) else {
            continue;
        };
        if let Some(name) = parsed.project.and_then(|p| p.name) {
            let dir = path
                .parent()
                .and_then(|d| d.strip_prefix(root).ok())
                .map(|d| d.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            out.entry(normalize_name(&name)).or_insert(dir);
        }
    }
    out
}

/// Where Python finds this location's first-party code: its own search roots,
/// then the monorepo projects its manifest installs (`shared-lib` →
/// `libraries/`, and `libraries/src` for a src layout), then local paths.
pub fn search_roots(
    location: &CodeLocation,
    index: &ModuleIndex,
    projects: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut roots: Vec<String> = location
        .search_roots
        .iter()
        .map(|r| if r == "." { String::new() } else { r.clone() })
        .collect();
    let add = |dir: &str, roots: &mut Vec<String>| {
        for candidate in [dir.to_string(), join(dir, "src")] {
            if index.is_dir(&candidate) && !roots.contains(&candidate) {
                roots.push(candidate);
            }
        }
    };
    if let Some(manifest) = &location.manifest {
        for dep in &manifest.dependencies {
            if let Some(dir) = projects.get(&dep.name) {
                add(dir, &mut roots);
            }
        }
        for local in &manifest.local_paths {
            add(local, &mut roots);
        }
    }
    roots
}

/// The import graph of one location (empty when it cannot be scanned), and
/// its search roots. Built once per location and kept in `index`: the graph
/// is shared, not copied.
pub fn location_graph(
    location: &CodeLocation,
    index: &ModuleIndex,
    files: &[FileFacts],
    projects: &BTreeMap<String, String>,
) -> (Arc<LocationGraph>, Vec<String>) {
    let (graph, roots) = index
        .location_graphs
        .get_or_build(files, location, projects, || {
            build_location_graph(location, index, files, projects, &Deferred::new())
        });
    (graph, roots)
}

/// [`location_graph`] with `deferred`, or `None` when deferring them changes
/// nothing (the graph is then the location's graph with nothing deferred,
/// and so is anything computed from it).
pub fn location_graph_after(
    location: &CodeLocation,
    index: &ModuleIndex,
    files: &[FileFacts],
    projects: &BTreeMap<String, String>,
    deferred: &Deferred,
) -> Option<(LocationGraph, Vec<String>)> {
    let base = index
        .location_graphs
        .get_or_build(files, location, projects, || {
            build_location_graph(location, index, files, projects, &Deferred::new())
        });
    (!deferred.is_empty() && first_reaches_anything(&base.0, deferred))
        .then(|| build_location_graph(location, index, files, projects, deferred))
}

/// Whether an import statement in `deferred` (file, line) is the one that
/// first reached a file or a third-party module of `graph`.
fn first_reaches_anything(graph: &LocationGraph, deferred: &Deferred) -> bool {
    graph
        .files
        .values()
        .any(|r| matches!(&r.via, Some((file, hop)) if deferred.contains(&(*file, hop.line))))
        || graph
            .externals
            .values()
            .any(|e| deferred.contains(&(e.file, e.hop.line)))
}

/// Dagster's functions that import every module of a package given as a
/// module (`…_package_module(pkg)`) or a dotted name (`…_package_name("pkg")`).
const PACKAGE_LOADERS: &[&str] = &[
    "load_assets_from_package_module",
    "load_assets_from_package_name",
    "load_asset_checks_from_package_module",
    "load_asset_checks_from_package_name",
    "load_definitions_from_package_module",
    "load_definitions_from_package_name",
];

/// A call that makes Dagster load more code: `load_from_defs_folder(...)`,
/// the deprecated `load_defs(module)`, and the package loaders
/// (`load_assets_from_package_module(pkg)`, ...).
pub fn is_loader_call(callee: &str) -> bool {
    callee.ends_with("load_from_defs_folder")
        || callee.ends_with("load_defs")
        || package_loader(callee).is_some()
}

/// For a package loader, whether it takes the package by name (a string).
fn package_loader(callee: &str) -> Option<bool> {
    let name = callee.rsplit('.').next().unwrap_or(callee);
    PACKAGE_LOADERS
        .contains(&name)
        .then(|| name.ends_with("_package_name"))
}

/// Location graphs built with nothing deferred, for one list of files.
#[derive(Debug, Default)]
pub struct GraphCache {
    graphs: Mutex<CachedGraphs>,
}

type CachedGraph = (Arc<LocationGraph>, Vec<String>);

#[derive(Debug, Default)]
struct CachedGraphs {
    /// The files they are for (address and length of the slice).
    files: (usize, usize),
    entries: Vec<(CodeLocation, BTreeMap<String, String>, CachedGraph)>,
}

impl GraphCache {
    fn get_or_build(
        &self,
        files: &[FileFacts],
        location: &CodeLocation,
        projects: &BTreeMap<String, String>,
        build: impl FnOnce() -> (LocationGraph, Vec<String>),
    ) -> CachedGraph {
        let key = (files.as_ptr() as usize, files.len());
        {
            let mut cache = self.graphs.lock().unwrap_or_else(PoisonError::into_inner);
            if cache.files != key {
                cache.entries.clear();
                cache.files = key;
            }
            if let Some((_, _, graph)) = cache
                .entries
                .iter()
                .find(|(l, p, _)| l == location && p == projects)
            {
                return (Arc::clone(&graph.0), graph.1.clone());
            }
        }
        let (graph, roots) = build();
        let graph = (Arc::new(graph), roots);
        let mut cache = self.graphs.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.files == key {
            cache.entries.push((
                location.clone(),
                projects.clone(),
                (Arc::clone(&graph.0), graph.1.clone()),
            ));
        }
        graph
    }
}

fn build_location_graph(
    location: &CodeLocation,
    index: &ModuleIndex,
    files: &[FileFacts],
    projects: &BTreeMap<String, String>,
    deferred: &Deferred,
) -> (LocationGraph, Vec<String>) {
    let roots = search_roots(location, index, projects);
    if !location.scannable {
        return (LocationGraph::default(), roots);
    }
    let declared = location.sources.first().map(|s| Hop {
        path: s.path.clone(),
        line: s.line,
        module: location.entry.module().unwrap_or_default().to_string(),
        conditional: false,
    });
    let mut components = ComponentTypes::new();
    let mut defs_dir: Option<String> = None;
    if let Some(dg) = &location.dg {
        for c in &dg.components {
            let dir = c.path.rfind('/').map_or("", |i| &c.path[..i]).to_string();
            components.entry(dir).or_default().push((
                c.component_type.clone(),
                c.path.clone(),
                c.line,
            ));
        }
        defs_dir = dg
            .defs_directory
            .clone()
            .or_else(|| index.package_dir(&roots, &dg.defs_module));
    }
    let mut entries: Vec<Entry> = Vec::new();
    let push_chain = |module: &str, entries: &mut Vec<Entry>| {
        if let Some((chain, _)) = index.resolve_chain(&roots, module) {
            entries.extend(chain.into_iter().map(|file| Entry {
                file,
                chain: Vec::new(),
            }));
        }
    };
    match &location.entry {
        locations::Entry::Module { module } | locations::Entry::Package { package: module } => {
            push_chain(module, &mut entries);
        }
        locations::Entry::AutoloadDefs { module } => {
            push_chain(module, &mut entries);
            let dir = defs_dir
                .clone()
                .or_else(|| index.package_dir(&roots, module));
            if let (Some(dir), Some(hop)) = (dir, declared.clone()) {
                for (target, hop) in folder_edges(
                    index,
                    files,
                    &roots,
                    &components,
                    &dir,
                    FolderMode::DefsFolder,
                    &hop,
                ) {
                    if let Target::File(file) = target {
                        entries.push(Entry {
                            file,
                            chain: vec![hop],
                        });
                    }
                }
            }
        }
        locations::Entry::PythonFile { path } => {
            if let Some(file) = index.file(path) {
                entries.push(Entry {
                    file,
                    chain: Vec::new(),
                });
            }
        }
        locations::Entry::GrpcServer { .. } => {}
    }
    if entries.is_empty() {
        if let Some(file) = location.entry_path.as_deref().and_then(|p| index.file(p)) {
            entries.push(Entry {
                file,
                chain: Vec::new(),
            });
        }
    }
    // Calls that make Dagster load more code (see `is_loader_call`).
    let extra = |file: usize| -> Vec<(Target, Hop)> {
        let mut out = Vec::new();
        let Some(facts) = files.get(file) else {
            return out;
        };
        for call in &facts.calls {
            if !call.context.runs_at_import() {
                continue;
            }
            if !is_loader_call(&call.callee) {
                continue;
            }
            let defs_folder = call.callee.ends_with("load_from_defs_folder");
            let hop = Hop {
                path: facts.path.clone(),
                line: call.line,
                module: call.callee.clone(),
                conditional: call.context == crate::scan::ExecContext::Conditional,
            };
            let package_dirs = |modules: &mut dyn Iterator<Item = &str>| -> Vec<String> {
                modules
                    .filter_map(|m| index.package_dir(&roots, m))
                    .collect()
            };
            let (mode, dirs) = if let Some(by_name) = package_loader(&call.callee) {
                // The package: a module passed by name (names that are not a
                // package, such as a group-name constant, resolve to no
                // directory), or its dotted name as the first positional
                // string (or `package_name=`).
                let dirs = if by_name {
                    package_dirs(
                        &mut call
                            .args
                            .iter()
                            .filter(|a| {
                                a.keyword.is_none() || a.keyword.as_deref() == Some("package_name")
                            })
                            .take(1)
                            .map(|a| a.value.as_str()),
                    )
                } else {
                    package_dirs(&mut call.arg_refs.iter().map(String::as_str))
                };
                (FolderMode::PackageWalk, dirs)
            } else if defs_folder {
                let here = facts.path.rfind('/').map_or("", |i| &facts.path[..i]);
                let dir = defs_dir.clone().or_else(|| {
                    let candidate = join(here, "defs");
                    index.is_dir(&candidate).then_some(candidate)
                });
                (FolderMode::DefsFolder, dir.into_iter().collect())
            } else {
                let dirs = package_dirs(&mut call.arg_refs.iter().map(String::as_str));
                (FolderMode::LoadDefs, dirs)
            };
            for dir in dirs {
                out.extend(folder_edges(
                    index,
                    files,
                    &roots,
                    &components,
                    &dir,
                    mode,
                    &hop,
                ));
            }
        }
        out
    };
    (
        reach(index, files, &roots, &entries, &extra, deferred),
        roots,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::extract::extract;

    fn file(path: &str, module: &str, source: &str) -> FileFacts {
        let e = extract(path, source, Some(module), false);
        FileFacts {
            path: path.to_string(),
            module: Some(module.to_string()),
            imports: e.imports,
            calls: e.calls,
            ..FileFacts::default()
        }
    }

    /// Deferring an import that first reached nothing leaves the walk exactly
    /// as it was (what lets `location_graph` reuse the graph).
    #[test]
    fn deferring_an_import_that_reached_nothing_first_changes_nothing() {
        let files = vec![
            file(
                "entry.py",
                "entry",
                "import a\nimport b\nimport pandas\nif x:\n    import c\n",
            ),
            file("a.py", "a", "import b\nimport pandas\nimport c\n"),
            file("b.py", "b", "import numpy\nimport a\nimport d\n"),
            file("c.py", "c", "import pandas\nimport torch\nimport d\n"),
            file("d.py", "d", "import c\nif y:\n    import torch\n"),
        ];
        let index = ModuleIndex::new(&files);
        let entries = [Entry {
            file: 0,
            chain: Vec::new(),
        }];
        let roots = [String::new()];
        let no_extra = |_: usize| -> Vec<(Target, Hop)> { Vec::new() };
        let base = reach(
            &index,
            &files,
            &roots,
            &entries,
            &no_extra,
            &Deferred::new(),
        );
        let (mut same, mut changed) = (0, 0);
        for (f, facts) in files.iter().enumerate() {
            for import in &facts.imports {
                let deferred: Deferred = [(f, import.line)].into_iter().collect();
                if first_reaches_anything(&base, &deferred) {
                    changed += 1;
                    continue;
                }
                same += 1;
                let after = reach(&index, &files, &roots, &entries, &no_extra, &deferred);
                assert_eq!(
                    format!("{after:?}"),
                    format!("{base:?}"),
                    "{} line {}",
                    facts.path,
                    import.line
                );
            }
        }
        assert!(same > 0 && changed > 0, "{same} {changed}");
    }
}

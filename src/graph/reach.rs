//! Reachability: from a location's entry files, which files and third-party
//! modules run when the location loads, each with its shortest import chain.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use super::resolve::{ModuleIndex, Resolution, RootsMemo, Target};
use crate::scan::{ExecContext, FileFacts};

/// One step of an import chain: the import statement at `path:line`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Hop {
    pub path: String,
    pub line: u32,
    /// What this statement imports (the module as written, resolved).
    pub module: String,
    /// The statement sits under a module-level condition: it may not run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub conditional: bool,
}

/// How a file is reached: the import that first loads it (a parent pointer;
/// [`LocationGraph::chain_to`] rebuilds the whole chain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// Some hop on every path is conditional: it "may load".
    pub conditional: bool,
    /// The importing file and statement; `None` for an entry.
    pub via: Option<(usize, Hop)>,
}

/// A third-party module the location imports at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalImport {
    /// Dotted module as imported (`snowflake.connector.pandas_tools`).
    pub module: String,
    /// `from m import a, b`: the names, which may be submodules (`m.a`).
    pub names: Vec<String>,
    /// The importing file (index into the scanned files) and statement.
    pub file: usize,
    pub hop: Hop,
    pub conditional: bool,
}

/// What one location loads.
#[derive(Debug, Clone, Default)]
pub struct LocationGraph {
    /// Reached first-party files (index into the scanned files).
    pub files: BTreeMap<usize, Reached>,
    /// Reached third-party modules, keyed by dotted module name (first, shortest chain kept).
    pub externals: BTreeMap<String, ExternalImport>,
    /// Chains given for entries (a defs-folder file is loaded by Dagster, not an import).
    entry_chains: BTreeMap<usize, Vec<Hop>>,
}

impl LocationGraph {
    pub fn reaches(&self, file: usize) -> bool {
        self.files.contains_key(&file)
    }

    /// The import statements from the location's entry to `file` (empty for
    /// the entry itself). Iterative: chains can be thousands of hops long.
    pub fn chain_to(&self, file: usize) -> Vec<Hop> {
        let mut hops = Vec::new();
        let mut current = file;
        let mut guard = self.files.len() + 1;
        while let Some(reached) = self.files.get(&current) {
            match &reached.via {
                Some((parent, hop)) if guard > 0 => {
                    hops.push(hop.clone());
                    current = *parent;
                    guard -= 1;
                }
                _ => break,
            }
        }
        if let Some(prefix) = self.entry_chains.get(&current) {
            hops.extend(prefix.iter().rev().cloned());
        }
        hops.reverse();
        hops
    }

    /// Adds what `other` reaches (for a merged pod: one process loading
    /// several locations). Entries already present keep their chain.
    pub fn merge(&mut self, other: &LocationGraph) {
        for (file, reached) in &other.files {
            self.files.entry(*file).or_insert_with(|| reached.clone());
        }
        for (file, chain) in &other.entry_chains {
            self.entry_chains
                .entry(*file)
                .or_insert_with(|| chain.clone());
        }
        for (module, external) in &other.externals {
            let keep = self
                .externals
                .get(module)
                .is_some_and(|e| !e.conditional || external.conditional);
            if !keep {
                self.externals.insert(module.clone(), external.clone());
            }
        }
    }

    /// The chain to an external module's import statement (inclusive).
    pub fn chain_to_external(&self, external: &ExternalImport) -> Vec<Hop> {
        let mut chain = self.chain_to(external.file);
        chain.push(external.hop.clone());
        chain
    }
}

/// An entry file and how it is loaded (`chain` is empty for the location's
/// own module; a defs-folder file carries the hop that loads it).
#[derive(Debug, Clone)]
pub struct Entry {
    pub file: usize,
    pub chain: Vec<Hop>,
}

/// Import statements to treat as deferred (moved into a function): `(file
/// index, line)`. Used to compute what a lazy-load fix would save.
pub type Deferred = std::collections::HashSet<(usize, u32)>;

/// Extra import-time edges out of a file that are not import statements
/// (Dagster's own loading: defs folders, component YAML types).
pub type ExtraEdges<'a> = &'a dyn Fn(usize) -> Vec<(Target, Hop)>;

/// Breadth-first walk over import-time edges.
///
/// Phase 1 follows edges that certainly run (`module`, `class_body`,
/// `try_import_error`) from the entries; phase 2 continues through
/// `conditional` edges, and everything first reached there is marked
/// conditional. Each phase is a BFS, so chains are the shortest of their kind
/// and a certain path always wins over a conditional one. Cycles terminate: a
/// file is visited once per phase. No recursion: chains of any depth are fine.
pub fn reach(
    index: &ModuleIndex,
    files: &[FileFacts],
    roots: &[String],
    entries: &[Entry],
    extra_edges: ExtraEdges<'_>,
    deferred: &Deferred,
) -> LocationGraph {
    let mut graph = LocationGraph::default();
    let mut queue: VecDeque<usize> = VecDeque::new();
    // By external id: already in `graph.externals`.
    let mut seen: Vec<bool> = Vec::new();
    let memo = index.roots_memo(roots, files);
    for entry in entries {
        if graph.files.contains_key(&entry.file) {
            continue;
        }
        let conditional = entry.chain.iter().any(|h| h.conditional);
        graph.files.insert(
            entry.file,
            Reached {
                conditional,
                via: None,
            },
        );
        graph.entry_chains.insert(entry.file, entry.chain.clone());
        queue.push_back(entry.file);
    }
    let mut certain_order = Vec::new();
    while let Some(file) = queue.pop_front() {
        if graph.files.get(&file).is_some_and(|r| r.conditional) {
            continue;
        }
        certain_order.push(file);
        visit(
            index,
            files,
            roots,
            &mut graph,
            &mut queue,
            file,
            Phase::Certain,
            extra_edges,
            deferred,
            &mut seen,
            &memo,
        );
    }
    queue.extend(certain_order);
    queue.extend(
        graph
            .files
            .iter()
            .filter(|(_, r)| r.conditional && r.via.is_none())
            .map(|(&f, _)| f),
    );
    while let Some(file) = queue.pop_front() {
        visit(
            index,
            files,
            roots,
            &mut graph,
            &mut queue,
            file,
            Phase::Conditional,
            extra_edges,
            deferred,
            &mut seen,
            &memo,
        );
    }
    graph
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Certain,
    Conditional,
}

#[allow(clippy::too_many_arguments)]
fn visit(
    index: &ModuleIndex,
    files: &[FileFacts],
    roots: &[String],
    graph: &mut LocationGraph,
    queue: &mut VecDeque<usize>,
    file: usize,
    phase: Phase,
    extra_edges: ExtraEdges<'_>,
    deferred: &Deferred,
    seen: &mut Vec<bool>,
    memo: &RootsMemo,
) {
    let Some(facts) = files.get(file) else { return };
    let here_conditional = graph.files.get(&file).is_some_and(|r| r.conditional);
    let conditional = phase == Phase::Conditional;
    let resolved = index.file_targets(memo, roots, files, file);
    // Edges are taken in order (imports, then Dagster's extra edges); a hop
    // is built only for a target reached here first.
    for (k, import) in facts.imports.iter().enumerate() {
        if !import.context.runs_at_import()
            || (!deferred.is_empty() && deferred.contains(&(file, import.line)))
        {
            continue;
        }
        let edge_conditional = import.context == ExecContext::Conditional;
        let take = match phase {
            Phase::Certain => !edge_conditional,
            // A certain file's certain edges were taken in phase 1.
            Phase::Conditional => edge_conditional || here_conditional,
        };
        if !take {
            continue;
        }
        let hop = || Hop {
            path: facts.path.clone(),
            line: import.line,
            module: import.module.clone(),
            conditional: edge_conditional,
        };
        let targets = resolved.as_deref().map_or(&[][..], |r| r.of(k));
        for &target in targets {
            match target {
                Resolution::File(next) => {
                    let next = next as usize;
                    if let std::collections::btree_map::Entry::Vacant(slot) =
                        graph.files.entry(next)
                    {
                        slot.insert(Reached {
                            conditional,
                            via: Some((file, hop())),
                        });
                        queue.push_back(next);
                    }
                }
                Resolution::External(id) => {
                    // `seen`: this module is already in `externals` (saves
                    // comparing names in the map for every repeated import).
                    let id = id as usize;
                    if id >= seen.len() {
                        seen.resize(id + 1, false);
                    }
                    if seen[id] {
                        continue;
                    }
                    seen[id] = true;
                    let module = import.module.as_str();
                    if graph.externals.contains_key(module) {
                        continue;
                    }
                    graph.externals.insert(
                        module.to_string(),
                        ExternalImport {
                            module: module.to_string(),
                            names: import.names.clone(),
                            file,
                            hop: hop(),
                            conditional,
                        },
                    );
                }
            }
        }
    }
    if phase == Phase::Certain || here_conditional {
        for (target, hop) in extra_edges(file) {
            match target {
                Target::File(next) => {
                    if let std::collections::btree_map::Entry::Vacant(slot) =
                        graph.files.entry(next)
                    {
                        slot.insert(Reached {
                            conditional,
                            via: Some((file, hop)),
                        });
                        queue.push_back(next);
                    }
                }
                Target::External(module) => {
                    if !graph.externals.contains_key(&module) {
                        graph.externals.insert(
                            module.clone(),
                            ExternalImport {
                                module,
                                names: Vec::new(),
                                file,
                                hop,
                                conditional,
                            },
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::extract::extract;

    fn file(path: &str, module: &str, source: &str) -> FileFacts {
        let is_package = path.ends_with("__init__.py");
        let e = extract(path, source, Some(module), is_package);
        FileFacts {
            path: path.to_string(),
            module: Some(module.to_string()),
            is_package,
            imports: e.imports,
            calls: e.calls,
            ..FileFacts::default()
        }
    }

    fn no_extra(_: usize) -> Vec<(Target, Hop)> {
        Vec::new()
    }

    fn run(files: &[FileFacts]) -> LocationGraph {
        let index = ModuleIndex::new(files);
        let entries = [Entry {
            file: 0,
            chain: Vec::new(),
        }];
        reach(
            &index,
            files,
            &[String::new()],
            &entries,
            &no_extra,
            &Deferred::new(),
        )
    }

    #[test]
    fn chain_through_init_to_heavy_import() {
        let files = vec![
            file(
                "app/definitions.py",
                "app.definitions",
                "from app.assets import scoring\n",
            ),
            file("app/__init__.py", "app", ""),
            file(
                "app/assets/__init__.py",
                "app.assets",
                "from . import scoring\n",
            ),
            file(
                "app/assets/scoring.py",
                "app.assets.scoring",
                "import json\n\nimport torch\n",
            ),
            file("app/unused.py", "app.unused", "import tensorflow\n"),
        ];
        let g = run(&files);
        assert!(g.reaches(3));
        assert!(!g.reaches(4), "nobody imports unused.py");
        let torch = &g.externals["torch"];
        let chain: Vec<(String, u32)> = g
            .chain_to_external(torch)
            .iter()
            .map(|h| (h.path.clone(), h.line))
            .collect();
        assert_eq!(
            chain,
            vec![
                ("app/definitions.py".to_string(), 1),
                ("app/assets/scoring.py".to_string(), 3)
            ]
        );
        assert!(!g.externals.contains_key("tensorflow"));
    }

    #[test]
    fn cycles_terminate() {
        let files = vec![
            file("a.py", "a", "import b\n"),
            file("b.py", "b", "import a\nimport pandas\n"),
        ];
        let g = run(&files);
        assert_eq!(g.files.len(), 2);
        assert!(g.externals.contains_key("pandas"));
    }

    #[test]
    fn conditional_edges_are_marked_and_deferred_edges_skipped() {
        let files = vec![
            file(
                "entry.py",
                "entry",
                "import os\nif os.getenv('X'):\n    import maybe\ndef f():\n    import later\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import never\n",
            ),
            file("maybe.py", "maybe", "import torch\n"),
            file("later.py", "later", "import spacy\n"),
            file("never.py", "never", "import tensorflow\n"),
        ];
        let g = run(&files);
        assert!(g.files[&1].conditional);
        assert!(g.externals["torch"].conditional);
        assert!(!g.reaches(2));
        assert!(!g.reaches(3));
        assert!(!g.externals["os"].conditional);
    }

    #[test]
    fn certain_path_wins_over_shorter_conditional_one() {
        let files = vec![
            file("entry.py", "entry", "if x:\n    import heavy\nimport mid\n"),
            file("heavy.py", "heavy", "import torch\n"),
            file("mid.py", "mid", "import heavy\n"),
        ];
        let g = run(&files);
        assert!(
            !g.files[&1].conditional,
            "mid imports heavy unconditionally"
        );
        assert_eq!(g.chain_to(1).len(), 2);
    }

    #[test]
    fn deep_chains_do_not_recurse() {
        let n = 10_000;
        let files: Vec<FileFacts> = (0..n)
            .map(|i| {
                let src = if i + 1 < n {
                    format!("import m{}\n", i + 1)
                } else {
                    "import torch\n".to_string()
                };
                file(&format!("m{i}.py"), &format!("m{i}"), &src)
            })
            .collect();
        let g = run(&files);
        assert_eq!(g.files.len(), n);
        assert_eq!(g.chain_to_external(&g.externals["torch"]).len(), n);
    }
}

//! Where a declared target is in the tree.
//!
//! A module is looked for under the declared working directory first (and
//! its `src/`), then the Dagster+ build directory, then the declaring file's
//! directory; failing those, anywhere in the tree (a Helm or Dockerfile
//! working directory is a path inside an image, so the module's package
//! directory is what maps it to the repository).

use super::declare::{Declaration, Target, WorkDir};
use super::model::{Entry, SourceKind};
use super::paths::{self, Fs};

/// A declaration's target, located.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resolution {
    pub entry: Option<Entry>,
    /// The file (or, for an autoload package without `__init__.py`, the
    /// directory) the entry resolves to.
    pub entry_path: Option<String>,
    pub working_directory: Option<String>,
    pub search_roots: Vec<String>,
    /// Directories tried, for the dangling-location message.
    pub tried: Vec<String>,
    /// Other places the module was also found (ambiguous tree search).
    pub also_found: Vec<String>,
}

impl Resolution {
    pub fn found(&self) -> bool {
        self.entry_path.is_some()
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The longest tail of an image path that is a directory in the tree
/// (`/opt/dagster/app/projects/x` → `projects/x`).
pub(crate) fn map_image_dir(fs: &Fs, image_path: &str) -> Option<String> {
    let parts: Vec<&str> = image_path.split('/').filter(|p| !p.is_empty()).collect();
    (0..parts.len())
        .map(|i| parts[i..].join("/"))
        .find(|candidate| {
            paths::normalize(candidate).as_deref() == Some(candidate) && fs.is_dir(candidate)
        })
}

fn map_image_file(fs: &Fs, image_path: &str) -> Option<String> {
    let parts: Vec<&str> = image_path.split('/').filter(|p| !p.is_empty()).collect();
    (0..parts.len())
        .map(|i| parts[i..].join("/"))
        .find(|candidate| {
            paths::normalize(candidate).as_deref() == Some(candidate) && fs.is_file(candidate)
        })
}

/// `base/a/b/c.py` or `base/a/b/c/__init__.py`; for autoload targets the
/// package directory is enough (a namespace package of defs).
fn module_file(fs: &Fs, base: &str, module: &str, package_dir_ok: bool) -> Option<String> {
    let rel = paths::child(base, &module.replace('.', "/"));
    let file = format!("{rel}.py");
    if fs.is_file(&file) {
        return Some(file);
    }
    let init = format!("{rel}/__init__.py");
    if fs.is_file(&init) {
        return Some(init);
    }
    (package_dir_ok && fs.is_dir(&rel)).then_some(rel)
}

/// Every directory of the tree from which `module` is importable.
fn module_bases(fs: &Fs, module: &str) -> Vec<String> {
    let rel = module.replace('.', "/");
    let as_file = format!("{rel}.py");
    let as_init = format!("{rel}/__init__.py");
    let mut bases = Vec::new();
    for file in fs.python_files() {
        for suffix in [&as_file, &as_init] {
            if file == suffix {
                push_unique(&mut bases, String::new());
            } else if let Some(prefix) = file.strip_suffix(suffix.as_str()) {
                if let Some(base) = prefix.strip_suffix('/') {
                    push_unique(&mut bases, base.to_string());
                }
            }
        }
    }
    bases
}

fn without_src(base: &str) -> String {
    if base == "src" {
        String::new()
    } else {
        base.strip_suffix("/src").unwrap_or(base).to_string()
    }
}

/// Locates a declaration's target.
pub(crate) fn resolve(fs: &Fs, decl: &Declaration) -> Resolution {
    let mut res = Resolution::default();
    let Some(target) = &decl.target else {
        return res;
    };
    let declared_wd = match &decl.working_dir {
        Some(WorkDir::Repo(w)) => Some(w.clone()),
        _ => None,
    };
    let image_dir = match &decl.working_dir {
        Some(WorkDir::Image(p)) => map_image_dir(fs, p),
        _ => None,
    };
    let mut bases: Vec<String> = Vec::new();
    for dir in declared_wd
        .iter()
        .chain(image_dir.iter())
        .chain(decl.extra_bases.iter())
        .chain(std::iter::once(&decl.base_dir))
    {
        push_unique(&mut bases, dir.clone());
        push_unique(&mut bases, paths::child(dir, "src"));
    }
    // Without a declared working directory the server runs where it is
    // started: the declaring file's directory for local tools.
    let local_default = matches!(
        decl.source.kind,
        SourceKind::WorkspaceYaml
            | SourceKind::PyprojectToolDagster
            | SourceKind::DgProject
            | SourceKind::DagsterCloudYaml
    );
    let fallback_wd = declared_wd
        .clone()
        .or_else(|| image_dir.clone())
        .or_else(|| decl.extra_bases.first().cloned())
        .or_else(|| local_default.then(|| decl.base_dir.clone()));

    match target {
        Target::Grpc { host, port, socket } => {
            res.entry = Some(Entry::GrpcServer {
                host: host.clone(),
                port: *port,
                socket: socket.clone(),
            });
            return res;
        }
        Target::PythonFile(written) => {
            let found = if written.starts_with('/') {
                res.tried.push(written.clone());
                map_image_file(fs, written)
            } else {
                // Dagster rebases a workspace file's `relative_path` on the
                // workspace file's directory; elsewhere it is relative to
                // the working directory.
                let candidates: Vec<String> = if decl.source.kind == SourceKind::WorkspaceYaml {
                    vec![decl.base_dir.clone()]
                } else {
                    bases
                        .iter()
                        .filter(|b| !b.ends_with("src"))
                        .cloned()
                        .collect()
                };
                candidates.iter().find_map(|base| {
                    let rel = paths::join(base, written)?;
                    res.tried.push(rel.clone());
                    fs.is_file(&rel).then_some(rel)
                })
            };
            let shown = found.clone().unwrap_or_else(|| {
                if decl.source.kind == SourceKind::WorkspaceYaml {
                    paths::join(&decl.base_dir, written).unwrap_or_else(|| written.clone())
                } else {
                    written.clone()
                }
            });
            res.entry = Some(Entry::PythonFile { path: shown });
            res.working_directory = fallback_wd
                .clone()
                .or_else(|| found.as_deref().map(paths::parent));
            if let Some(file) = &found {
                if let Some(wd) = &res.working_directory {
                    push_unique(&mut res.search_roots, wd.clone());
                }
                push_unique(&mut res.search_roots, paths::parent(file));
            }
            res.entry_path = found;
        }
        Target::Module(m) | Target::Package(m) | Target::AutoloadDefs(m) => {
            res.entry = Some(match target {
                Target::Package(_) => Entry::Package { package: m.clone() },
                Target::AutoloadDefs(_) => Entry::AutoloadDefs { module: m.clone() },
                _ => Entry::Module { module: m.clone() },
            });
            let autoload = matches!(target, Target::AutoloadDefs(_));
            let mut found = bases
                .iter()
                .find_map(|base| module_file(fs, base, m, autoload).map(|f| (base.clone(), f)));
            res.tried.clone_from(&bases);
            if found.is_none() {
                let mut all = module_bases(fs, m);
                // Closest to the declaring file first, then the shallowest.
                all.sort_by_key(|b| {
                    (
                        !paths::is_within(b, &decl.base_dir),
                        !image_dir.as_deref().is_some_and(|d| paths::is_within(b, d)),
                        b.matches('/').count(),
                        b.clone(),
                    )
                });
                if let Some(first) = all.first() {
                    let file = module_file(fs, first, m, autoload);
                    found = file.map(|f| (first.clone(), f));
                    res.also_found = all[1..].to_vec();
                }
            }
            match found {
                Some((base, file)) => {
                    let wd = declared_wd.clone().unwrap_or_else(|| without_src(&base));
                    push_unique(&mut res.search_roots, wd.clone());
                    let src = paths::child(&wd, "src");
                    if fs.is_dir(&src) {
                        push_unique(&mut res.search_roots, src);
                    }
                    push_unique(&mut res.search_roots, base);
                    res.working_directory = Some(wd);
                    res.entry_path = Some(file);
                }
                None => {
                    res.working_directory = fallback_wd;
                    if let Some(wd) = &res.working_directory {
                        push_unique(&mut res.search_roots, wd.clone());
                    }
                }
            }
        }
    }
    res
}

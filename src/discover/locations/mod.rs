//! Code-location discovery from declaration files, without running anything.
//!
//! Read: `workspace.yaml` (`workspace_yaml.rs`), `pyproject.toml`
//! `[tool.dagster]` and dg projects/workspaces in `pyproject.toml` or
//! `dg.toml` (`pyproject.rs`), Dagster+ `dagster_cloud.yaml`,
//! `container_context.yaml` and `build.yaml` (`dagster_cloud.rs`), values of
//! the `dagster-user-deployments` Helm chart under any YAML name (`helm.rs`),
//! and Dockerfiles (`dockerfile.rs`). The same location declared in several
//! files becomes one [`CodeLocation`] listing every [`Source`] (`merge.rs`).
//! Each location also gets the dependency manifest that installs it
//! ([`manifest`]) and its owner from CODEOWNERS ([`codeowners`]).
//!
//! Problems are [`Diagnostic`]s, never panics: malformed YAML/TOML (with the
//! line), unknown keys, wrong types, and `dangling-location` for a declared
//! location whose code is not in the tree. YAML is read with limits on depth
//! and alias expansion (`yaml.rs`), since inputs come from pull requests.

pub mod codeowners;
mod command;
mod dagster_cloud;
mod declare;
mod dockerfile;
mod helm;
pub mod manifest;
mod merge;
mod model;
mod node;
mod paths;
mod pyproject;
pub mod quantity;
mod resolve;
mod tomlfile;
mod workspace_yaml;
mod yaml;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub use codeowners::Owner;
pub use manifest::{Manifest, ManifestKind, Requirement};
pub use model::{
    Amounts, CodeLocation, Component, Cpu, DgProject, Discovery, Entry, Memory, Resources,
    ServerMode, Source, SourceKind,
};

use crate::diagnostics::{Diagnostic, Severity};
use declare::{Attachment, Collected};
use node::{FileCtx, Node};
use paths::Fs;

/// Whether a file (by name) may declare a code location or describe one, so
/// the walker keeps it for [`discover_locations`]. A name check only: any
/// YAML file may hold Helm values, so every `*.yaml`/`*.yml` is kept and
/// [`discover_locations`] reads only those that mention Dagster.
pub fn is_declaration_candidate(file_name: &str) -> bool {
    matches!(
        file_name,
        "pyproject.toml" | "dg.toml" | "CODEOWNERS" | "setup.py" | "setup.cfg"
    ) || file_name.ends_with(".yaml")
        || file_name.ends_with(".yml")
        || dockerfile::is_dockerfile(file_name)
        || (file_name.starts_with("requirements") && file_name.ends_with(".txt"))
}

/// What a declaration file is, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Workspace,
    Pyproject,
    DgToml,
    DagsterCloud,
    ContainerContext,
    BuildYaml,
    Dockerfile,
    /// Any other YAML: Helm values, a workspace or Dagster+ file under another name.
    OtherYaml,
    /// Read later, when a location needs it (manifests, CODEOWNERS, components).
    Other,
}

fn file_kind(name: &str) -> FileKind {
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"));
    match (name, stem) {
        ("pyproject.toml", _) => FileKind::Pyproject,
        ("dg.toml", _) => FileKind::DgToml,
        (_, Some("workspace")) => FileKind::Workspace,
        (_, Some("dagster_cloud" | "dagster-cloud")) => FileKind::DagsterCloud,
        (_, Some("container_context")) => FileKind::ContainerContext,
        (_, Some("build")) => FileKind::BuildYaml,
        // Component files are read with their dg project.
        (_, Some("defs" | "component")) => FileKind::Other,
        (_, Some(_)) => FileKind::OtherYaml,
        _ if dockerfile::is_dockerfile(name) => FileKind::Dockerfile,
        _ => FileKind::Other,
    }
}

/// Words that make an arbitrary YAML file worth parsing.
const YAML_MARKERS: [&str; 5] = [
    "load_from",
    "dagsterApiGrpcArgs",
    "codeServerArgs",
    "dagster-user-deployments",
    "code_source",
];

struct Reader<'a> {
    fs: &'a Fs,
    diagnostics: Vec<Diagnostic>,
    /// Parsed `pyproject.toml` files, kept for the manifest step.
    pyprojects: HashMap<String, Option<Node>>,
    files: BTreeSet<String>,
}

impl Reader<'_> {
    fn read_text(&mut self, rel: &str) -> Option<String> {
        match paths::read_inside(self.fs.root(), rel) {
            Ok(text) => Some(text),
            Err(why) => {
                self.diagnostics.push(read_error(rel, &why));
                None
            }
        }
    }

    /// A YAML file of any name: `None`, silently, when it cannot be read,
    /// except a non-UTF-8 or NUL-holding one that mentions a Dagster marker
    /// (broken Helm values, most likely), which is reported.
    fn read_other_yaml(&mut self, rel: &str) -> Option<String> {
        let bytes = paths::read_bytes_inside(self.fs.root(), rel).ok()?;
        let mentions_dagster = {
            let lossy = String::from_utf8_lossy(&bytes);
            YAML_MARKERS.iter().any(|m| lossy.contains(m))
        };
        match paths::decode(bytes) {
            Ok(text) => Some(text),
            Err(why) => {
                if mentions_dagster {
                    self.diagnostics.push(read_error(rel, &why));
                }
                None
            }
        }
    }

    fn parse_yaml(&mut self, rel: &str, text: &str) -> Vec<Node> {
        match yaml::parse_with_warnings(text) {
            Ok((docs, warnings)) => {
                for w in warnings {
                    self.diagnostics.push(
                        Diagnostic::new(rel, Severity::Warning, "duplicate-key", w.message)
                            .at(w.line, w.column),
                    );
                }
                docs
            }
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        rel,
                        Severity::Error,
                        "invalid-yaml",
                        format!(
                            "cannot parse YAML: {}; the locations it declares are skipped",
                            e.message
                        ),
                    )
                    .at(e.line, e.column),
                );
                Vec::new()
            }
        }
    }

    fn parse_toml(&mut self, rel: &str, text: &str) -> Option<Node> {
        match tomlfile::parse(text) {
            Ok(doc) => Some(doc),
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        rel,
                        Severity::Error,
                        "invalid-toml",
                        format!(
                            "cannot parse TOML: {}; the locations it declares are skipped",
                            e.message
                        ),
                    )
                    .at_line(e.line),
                );
                None
            }
        }
    }

    fn pyproject(&mut self, rel: &str) -> Option<Node> {
        if let Some(doc) = self.pyprojects.get(rel) {
            return doc.clone();
        }
        let doc = self
            .read_text(rel)
            .and_then(|text| self.parse_toml(rel, &text));
        self.pyprojects.insert(rel.to_string(), doc.clone());
        doc
    }

    fn read_declarations(&mut self, rel: &str, out: &mut Collected) {
        let name = paths::file_name(rel);
        let kind = file_kind(name);
        let root_name = self.fs.root_name();
        match kind {
            FileKind::Other => {}
            FileKind::Pyproject => {
                if let Some(doc) = self.pyproject(rel) {
                    let mut ctx = FileCtx::new(rel, &mut self.diagnostics);
                    pyproject::read_pyproject(rel, &doc, &root_name, &mut ctx, out);
                }
            }
            FileKind::DgToml => {
                let Some(text) = self.read_text(rel) else {
                    return;
                };
                if let Some(doc) = self.parse_toml(rel, &text) {
                    let mut ctx = FileCtx::new(rel, &mut self.diagnostics);
                    pyproject::read_dg_toml(rel, &doc, &root_name, &mut ctx, out);
                }
            }
            FileKind::Dockerfile => {
                if let Some(text) = self.read_text(rel) {
                    let mut ctx = FileCtx::new(rel, &mut self.diagnostics);
                    dockerfile::read(rel, &text, &mut ctx, out);
                }
            }
            _ => {
                // Any YAML may hold Helm values, but most do not (dbt schemas,
                // CI workflows...): an unreadable or huge one is not worth a
                // word, unless its bytes mention Dagster.
                let text = if kind == FileKind::OtherYaml {
                    self.read_other_yaml(rel)
                } else {
                    self.read_text(rel)
                };
                let Some(text) = text else {
                    return;
                };
                if kind == FileKind::OtherYaml {
                    let is_template =
                        rel.split('/').any(|c| c == "templates") && text.contains("{{");
                    if is_template || !YAML_MARKERS.iter().any(|m| text.contains(m)) {
                        return;
                    }
                }
                for doc in self.parse_yaml(rel, &text) {
                    let mut ctx = FileCtx::new(rel, &mut self.diagnostics);
                    match kind {
                        FileKind::Workspace => workspace_yaml::read(rel, &doc, &mut ctx, out),
                        FileKind::DagsterCloud => dagster_cloud::read(rel, &doc, &mut ctx, out),
                        FileKind::ContainerContext => {
                            dagster_cloud::read_container_context(rel, &doc, &mut ctx, out);
                        }
                        FileKind::BuildYaml => {
                            dagster_cloud::read_build_yaml(rel, &doc, &mut ctx, out)
                        }
                        _ => {
                            if doc.get("load_from").is_some() {
                                workspace_yaml::read(rel, &doc, &mut ctx, out);
                            } else if helm::deployments(&doc).is_some() {
                                helm::read(rel, &doc, &mut ctx, out);
                            } else if doc.get("locations").is_some() {
                                dagster_cloud::read(rel, &doc, &mut ctx, out);
                            }
                        }
                    }
                }
            }
        }
    }

    /// The nearest manifest at or above `dir`.
    fn manifest_for(
        &mut self,
        dir: &str,
        cache: &mut HashMap<String, Option<Manifest>>,
    ) -> Option<Manifest> {
        let mut current = Some(dir.to_string());
        while let Some(d) = current {
            let mut candidates: Vec<String> = [
                "pyproject.toml",
                "setup.py",
                "setup.cfg",
                "requirements.txt",
            ]
            .iter()
            .map(|n| paths::child(&d, n))
            .collect();
            let prefix = paths::child(&d, "requirements");
            candidates.extend(
                self.files
                    .iter()
                    .filter(|f| {
                        f.starts_with(&prefix)
                            && f.ends_with(".txt")
                            && !f[prefix.len()..].contains('/')
                            && f.as_str() != paths::child(&d, "requirements.txt")
                    })
                    .cloned(),
            );
            for candidate in candidates {
                // The walker files `setup.py` with the Python sources, not
                // with the declarations: look at the tree for it.
                let present = self.files.contains(&candidate)
                    || (paths::file_name(&candidate) == "setup.py" && self.fs.is_file(&candidate));
                if !present {
                    continue;
                }
                if let Some(found) = cache.get(&candidate) {
                    if found.is_some() {
                        return found.clone();
                    }
                    continue;
                }
                let manifest = self.read_manifest(&candidate);
                cache.insert(candidate, manifest.clone());
                if manifest.is_some() {
                    return manifest;
                }
            }
            current = (!d.is_empty()).then(|| paths::parent(&d));
        }
        None
    }

    fn read_manifest(&mut self, rel: &str) -> Option<Manifest> {
        let name = paths::file_name(rel);
        if name == "pyproject.toml" {
            let doc = self.pyproject(rel)?;
            let mut ctx = FileCtx::new(rel, &mut self.diagnostics);
            return manifest::from_pyproject(self.fs.root(), rel, &doc, &mut ctx);
        }
        let text = self.read_text(rel)?;
        let mut ctx = FileCtx::new(rel, &mut self.diagnostics);
        match name {
            "setup.py" => manifest::from_setup_py(rel, &text, &mut ctx),
            "setup.cfg" => manifest::from_setup_cfg(rel, &text, &mut ctx),
            _ => Some(manifest::from_requirements(
                self.fs.root(),
                rel,
                &text,
                &mut ctx,
            )),
        }
    }

    fn components(&mut self, defs_dir: &str) -> Vec<Component> {
        let files: Vec<String> = self
            .files
            .iter()
            .filter(|f| {
                paths::is_within(f, defs_dir)
                    && matches!(
                        paths::file_name(f),
                        "defs.yaml" | "defs.yml" | "component.yaml" | "component.yml"
                    )
            })
            .cloned()
            .collect();
        let mut out = Vec::new();
        for rel in files {
            let Some(text) = self.read_text(&rel) else {
                continue;
            };
            for doc in self.parse_yaml(&rel, &text) {
                let mut ctx = FileCtx::new(&rel, &mut self.diagnostics);
                match doc.get("type") {
                    Some(t) => {
                        if let Some(ty) = ctx.string_value(t, "type") {
                            out.push(Component {
                                path: rel.clone(),
                                line: ty.line,
                                component_type: ty.text,
                            });
                        }
                    }
                    None if !doc.is_null() => ctx.report(
                        doc.line,
                        Severity::Warning,
                        "invalid-declaration",
                        "component file without `type`; Dagster cannot load it",
                    ),
                    None => {}
                }
            }
        }
        out
    }
}

/// Reads a configuration file the way discovery does: a regular file of at
/// most 4 MiB (never more is read, even from a file that grows), UTF-8
/// without NUL bytes, a BOM dropped. For other stages that read declaration
/// files themselves (a 200 MB `pyproject.toml` must not be read whole).
pub fn read_config_file(path: &Path) -> Result<String, String> {
    paths::read_path(path).map_err(|e| e.to_string())
}

/// Finds every code location declared under `root`. `declaration_files`
/// are the walker's [`crate::discover::WalkResult::declaration_files`]
/// (absolute, under `root`). Never fails and never runs anything: problems
/// are in [`Discovery::diagnostics`].
///
/// Module resolution looks at the file system under `root` (never outside
/// it); a module searched across the whole tree uses a walk with the
/// walker's default rules, done at most once.
pub fn discover_locations(root: &Path, declaration_files: &[PathBuf]) -> Discovery {
    let fs = Fs::new(root);
    let given_root = root.to_path_buf();
    let files: BTreeSet<String> = declaration_files
        .iter()
        .map(|p| {
            if p.starts_with(fs.root()) {
                fs.relative(p)
            } else {
                crate::discover::walk::relative_display(&given_root, p)
            }
        })
        .collect();
    let mut reader = Reader {
        fs: &fs,
        diagnostics: Vec::new(),
        pyprojects: HashMap::new(),
        files,
    };
    let mut collected = Collected::default();
    for rel in reader.files.clone() {
        reader.read_declarations(&rel, &mut collected);
    }
    link_dg_workspaces(&fs, &mut collected, &mut reader.diagnostics);

    let groups = merge::group(&fs, collected.declarations, &mut reader.diagnostics);
    let mut locations: Vec<CodeLocation> = groups
        .iter()
        .filter_map(|g| merge::build(g, &mut reader.diagnostics))
        .collect();

    let workspace_roots: Vec<String> = collected
        .project_refs
        .iter()
        .map(|r| paths::parent(&r.source.path))
        .collect();
    for attachment in &collected.attachments {
        attach(
            &mut locations,
            attachment,
            &workspace_roots,
            &mut reader.diagnostics,
        );
    }

    let codeowners = codeowners::CODEOWNERS_PATHS
        .iter()
        .find(|p| reader.files.contains(**p))
        .and_then(|p| {
            let text = reader.read_text(p)?;
            Some(codeowners::CodeOwners::parse(
                p,
                &text,
                &mut reader.diagnostics,
            ))
        });
    let mut manifests = HashMap::new();
    for location in &mut locations {
        if !location.scannable {
            continue;
        }
        let code_dir = location
            .entry_path
            .as_deref()
            .map(paths::parent)
            .or_else(|| location.working_directory.clone())
            .unwrap_or_default();
        location.manifest = reader.manifest_for(&code_dir, &mut manifests);
        location.requires_python = location
            .manifest
            .as_ref()
            .and_then(|m| m.requires_python.clone());
        if let Some(co) = &codeowners {
            location.owner = match &location.entry_path {
                Some(path) => co.owner_of(path, false),
                None => location
                    .working_directory
                    .as_deref()
                    .and_then(|wd| co.owner_of(wd, true)),
            };
        }
        if let Some(dg) = &mut location.dg {
            let defs_path = dg.defs_module.replace('.', "/");
            dg.defs_directory = location
                .search_roots
                .iter()
                .map(|root| paths::child(root, &defs_path))
                .find(|dir| fs.is_dir(dir));
            if let Some(defs_dir) = dg.defs_directory.clone() {
                dg.components = reader.components(&defs_dir);
            }
        }
    }

    for location in &mut locations {
        show_root_as_dot(location);
    }
    locations.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.sources.cmp(&b.sources)));
    let mut diagnostics = reader.diagnostics;
    diagnostics.sort();
    diagnostics.dedup();
    Discovery {
        locations,
        diagnostics,
    }
}

/// The diagnostic for a declaration or manifest file that cannot be read.
fn read_error(rel: &str, why: &paths::ReadError) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        rel,
        Severity::Warning,
        why.kind,
        format!("cannot read: {}; ignored", why.message),
    );
    match why.at {
        Some((line, column)) => diagnostic.at(line, column),
        None => diagnostic,
    }
}

/// The root directory is `.` in the output (internally it is the empty path).
fn show_root_as_dot(location: &mut CodeLocation) {
    let dot = |p: &mut String| {
        if p.is_empty() {
            *p = ".".to_string();
        }
    };
    for path in location
        .working_directory
        .iter_mut()
        .chain(location.build_directory.iter_mut())
        .chain(location.search_roots.iter_mut())
    {
        dot(path);
    }
    if let Some(dg) = &mut location.dg {
        dot(&mut dg.directory);
    }
}

/// Folds each dg workspace's `[[workspace.projects]]` entry into the project
/// it names (as a source, and its `code_location_name`), reporting entries
/// that point nowhere.
fn link_dg_workspaces(fs: &Fs, collected: &mut Collected, diagnostics: &mut Vec<Diagnostic>) {
    for r in &collected.project_refs {
        let report = |diagnostics: &mut Vec<Diagnostic>, severity, kind: &str, message: String| {
            diagnostics.push(
                Diagnostic::new(&r.source.path, severity, kind, message).at_line(r.source.line),
            );
        };
        let Some(dir) = &r.dir else {
            report(
                diagnostics,
                Severity::Warning,
                "dangling-location",
                format!(
                    "dg workspace project `{}` is outside the scanned root",
                    r.written
                ),
            );
            continue;
        };
        if !fs.is_dir(dir) {
            report(
                diagnostics,
                Severity::Warning,
                "dangling-location",
                format!(
                    "dg workspace project `{}` does not exist (no directory `{dir}`)",
                    r.written
                ),
            );
            continue;
        }
        let project = collected.declarations.iter_mut().find(|d| {
            d.source.kind == SourceKind::DgProject
                && d.dg.as_ref().is_some_and(|p| p.directory == *dir)
        });
        match project {
            Some(decl) => {
                decl.extra_sources.push(r.source.clone());
                if let Some(name) = &r.code_location_name {
                    decl.name = Some((name.clone(), declare::NameStrength::Explicit));
                }
            }
            None => report(
                diagnostics,
                Severity::Warning,
                "dangling-location",
                format!(
                    "dg workspace project `{}` is not a dg project (no `directory_type = \"project\"` in its pyproject.toml or dg.toml)",
                    r.written
                ),
            ),
        }
    }
}

/// Applies a per-project `container_context.yaml` / `build.yaml` to the
/// location(s) in its directory; at a dg workspace root, to every project of
/// the workspace that has no setting of its own.
fn attach(
    locations: &mut [CodeLocation],
    a: &Attachment,
    workspace_roots: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let exact = |l: &CodeLocation| {
        l.dg.as_ref().is_some_and(|d| d.directory == a.dir)
            || l.working_directory.as_deref() == Some(a.dir.as_str())
            || l.build_directory.as_deref() == Some(a.dir.as_str())
    };
    let mut targets: Vec<usize> = (0..locations.len())
        .filter(|&i| exact(&locations[i]))
        .collect();
    let defaults_only = targets.is_empty() && workspace_roots.contains(&a.dir);
    if targets.is_empty() {
        targets = (0..locations.len())
            .filter(|&i| {
                let l = &locations[i];
                !matches!(l.entry, Entry::GrpcServer { .. })
                    && l.entry_path
                        .as_deref()
                        .is_some_and(|p| paths::is_within(p, &a.dir))
                    && (defaults_only || !a.dir.is_empty())
            })
            .collect();
        if !defaults_only && targets.len() > 1 {
            targets.clear();
        }
    }
    if targets.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                &a.source.path,
                Severity::Warning,
                "invalid-declaration",
                format!(
                    "no single code location lives in `{}`; this {:?} file applies to none",
                    if a.dir.is_empty() { "." } else { &a.dir },
                    a.source.kind
                ),
            )
            .at_line(a.source.line),
        );
        return;
    }
    for i in targets {
        let l = &mut locations[i];
        let name = l.name.clone();
        let mut used = false;
        for (slot, new) in [
            (&mut l.resources, &a.resources),
            (&mut l.run_resources, &a.run_resources),
        ] {
            if let Some(new) = new {
                if slot.is_none() || !defaults_only {
                    merge::merge_resources(slot, Some(new), &name, diagnostics);
                    used = true;
                }
            }
        }
        if l.build_directory.is_none() && a.build_directory.is_some() {
            l.build_directory.clone_from(&a.build_directory);
            used = true;
        }
        if l.image.is_none() && a.image.is_some() {
            l.image.clone_from(&a.image);
            used = true;
        }
        if used || !defaults_only {
            l.sources.push(a.source.clone());
            l.sources.sort();
            l.sources.dedup();
        }
    }
}

#[cfg(test)]
mod tests;

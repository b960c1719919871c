//! One location, many declarations: the same location is often declared in a
//! workspace file, a Helm values file, a Dockerfile and a pyproject at once.
//!
//! Declarations are grouped by explicit location name; one without an
//! explicit name joins the group that loads the same code (same file in the
//! tree, else the same module), else the group of the same name. Facts are
//! taken in source order (workspace.yaml, dagster_cloud.yaml, dg,
//! `[tool.dagster]`, Helm, Dockerfile, env vars); two sources that disagree on
//! a fact produce a `conflicting-location` diagnostic naming both, never a
//! silent pick.

use super::declare::{Declaration, NameStrength, Target};
use super::model::{CodeLocation, Entry, Resources, ServerMode, Source, SourceKind};
use super::paths::Fs;
use super::resolve::{resolve, Resolution};
use crate::diagnostics::{Diagnostic, Severity};

/// Which source's facts win, first to last.
pub(crate) fn priority(kind: SourceKind) -> u8 {
    match kind {
        SourceKind::WorkspaceYaml => 0,
        SourceKind::DagsterCloudYaml => 1,
        SourceKind::DgProject => 2,
        SourceKind::DgWorkspace => 3,
        SourceKind::PyprojectToolDagster => 4,
        SourceKind::HelmValues => 5,
        SourceKind::Dockerfile => 6,
        SourceKind::EnvVar => 7,
        SourceKind::ContainerContext => 8,
        SourceKind::BuildYaml => 9,
    }
}

struct Member {
    decl: Declaration,
    res: Resolution,
}

/// Declarations of one location, in priority order.
pub(crate) struct Group {
    members: Vec<Member>,
    /// The first member with a code target, and the first with an
    /// attribute: what a new member is checked against.
    first_target: Option<usize>,
    first_attribute: Option<usize>,
}

impl Group {
    fn new() -> Self {
        Self {
            members: Vec::new(),
            first_target: None,
            first_attribute: None,
        }
    }

    fn push(&mut self, member: Member) {
        let at = self.members.len();
        if member.decl.target.is_some() {
            self.first_target.get_or_insert(at);
        }
        if member.decl.attribute.is_some() {
            self.first_attribute.get_or_insert(at);
        }
        self.members.push(member);
    }
}

/// Which groups hold what, so that placing a declaration does not compare it
/// with every group (a workspace file may declare tens of thousands).
/// Every list is of group indices in increasing order.
#[derive(Default)]
struct GroupIndex {
    /// Explicit names.
    explicit: std::collections::HashMap<String, Vec<usize>>,
    /// Normalised names of any strength.
    normalized: std::collections::HashMap<String, Vec<usize>>,
    /// (entry path, autoload?) of members whose code was found.
    by_path: std::collections::HashMap<(String, bool), Vec<usize>>,
    /// Target keys of members whose code was not found.
    by_key_unresolved: std::collections::HashMap<String, Vec<usize>>,
    /// Target keys of every member with a target.
    by_key: std::collections::HashMap<String, Vec<usize>>,
}

fn add_index<K: std::hash::Hash + Eq>(
    map: &mut std::collections::HashMap<K, Vec<usize>>,
    key: K,
    group: usize,
) {
    let list = map.entry(key).or_default();
    if let Err(at) = list.binary_search(&group) {
        list.insert(at, group);
    }
}

impl GroupIndex {
    fn add(&mut self, member: &Member, group: usize) {
        if let Some((name, strength)) = member.decl.name_or_default() {
            add_index(&mut self.normalized, normalized(&name), group);
            if strength == NameStrength::Explicit {
                add_index(&mut self.explicit, name, group);
            }
        }
        if let Some(target) = &member.decl.target {
            let key = target_key(target);
            match &member.res.entry_path {
                Some(path) => add_index(
                    &mut self.by_path,
                    (path.clone(), matches!(target, Target::AutoloadDefs(_))),
                    group,
                ),
                None => add_index(&mut self.by_key_unresolved, key.clone(), group),
            }
            add_index(&mut self.by_key, key, group);
        }
    }

    /// The groups holding a member with the same entry as `member`
    /// ([`same_entry`]), in increasing order.
    fn same_entry(&self, member: &Member) -> Vec<usize> {
        let Some(target) = &member.decl.target else {
            return Vec::new();
        };
        let key = target_key(target);
        let get = |list: Option<&Vec<usize>>| list.cloned().unwrap_or_default();
        let mut out = match &member.res.entry_path {
            // Same file, or the same target where the other was not found.
            Some(path) => {
                let mut out = get(self
                    .by_path
                    .get(&(path.clone(), matches!(target, Target::AutoloadDefs(_)))));
                out.extend(get(self.by_key_unresolved.get(&key)));
                out
            }
            // Not found here: the same target, wherever the other was found.
            None => get(self.by_key.get(&key)),
        };
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn normalized(name: &str) -> String {
    name.to_ascii_lowercase().replace(['-', '.'], "_")
}

fn target_key(target: &Target) -> String {
    match target {
        Target::Module(m) | Target::Package(m) => format!("module:{m}"),
        Target::AutoloadDefs(m) => format!("autoload:{m}"),
        Target::PythonFile(f) => format!("file:{f}"),
        Target::Grpc { host, port, socket } => format!(
            "grpc:{host}:{}",
            socket
                .clone()
                .or_else(|| port.map(|p| p.to_string()))
                .unwrap_or_default()
        ),
    }
}

fn same_entry(a: &Member, b: &Member) -> bool {
    match (&a.decl.target, &b.decl.target) {
        (Some(ta), Some(tb)) => match (&a.res.entry_path, &b.res.entry_path) {
            (Some(pa), Some(pb)) => {
                pa == pb
                    && matches!(ta, Target::AutoloadDefs(_))
                        == matches!(tb, Target::AutoloadDefs(_))
            }
            _ => target_key(ta) == target_key(tb),
        },
        _ => false,
    }
}

fn describe(target: &Target) -> String {
    match target {
        Target::Module(m) => format!("module `{m}`"),
        Target::Package(p) => format!("package `{p}`"),
        Target::AutoloadDefs(m) => format!("the defs of `{m}`"),
        Target::PythonFile(f) => format!("file `{f}`"),
        Target::Grpc { .. } => format!("server `{}`", target.default_name(None)),
    }
}

impl Group {
    fn names(&self) -> impl Iterator<Item = (String, NameStrength)> + '_ {
        self.members.iter().filter_map(|m| m.decl.name_or_default())
    }

    fn has_normalized_name(&self, name: &str) -> bool {
        let want = normalized(name);
        self.names().any(|(n, _)| normalized(&n) == want)
    }

    /// The member whose code pointer stands for the group.
    fn primary(&self) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.decl.target.is_some() && m.res.found())
            .or_else(|| self.members.iter().find(|m| m.decl.target.is_some()))
            .or_else(|| self.members.first())
    }
}

/// Groups declarations into locations (reporting conflicts).
pub(crate) fn group(
    fs: &Fs,
    mut decls: Vec<Declaration>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Group> {
    decls.retain(|d| d.name_or_default().is_some());
    decls.sort_by_key(|d| {
        let strength = d.name_or_default().map(|(_, s)| s);
        (
            std::cmp::Reverse(strength),
            priority(d.source.kind),
            d.source.path.clone(),
            d.source.line,
        )
    });
    let mut groups: Vec<Group> = Vec::new();
    let mut index_of = GroupIndex::default();
    for decl in decls {
        let res = resolve(fs, &decl);
        let member = Member { decl, res };
        let Some((name, strength)) = member.decl.name_or_default() else {
            continue;
        };
        let index = if strength == NameStrength::Explicit {
            index_of
                .explicit
                .get(&name)
                .and_then(|list| list.first().copied())
        } else {
            let by_entry = index_of.same_entry(&member);
            match by_entry.as_slice() {
                [one] => Some(*one),
                [] => index_of
                    .normalized
                    .get(&normalized(&name))
                    .into_iter()
                    .flatten()
                    .copied()
                    .find(|&i| member.decl.target.is_none() || groups[i].first_target.is_none()),
                several => {
                    let by_name: Vec<usize> = several
                        .iter()
                        .copied()
                        .filter(|&i| groups[i].has_normalized_name(&name))
                        .collect();
                    if let [one] = by_name.as_slice() {
                        Some(*one)
                    } else {
                        let others: Vec<String> = several
                            .iter()
                            .filter_map(|&i| groups[i].primary())
                            .map(|m| m.decl.source.to_string())
                            .collect();
                        diagnostics.push(
                            Diagnostic::new(
                                &member.decl.source.path,
                                Severity::Warning,
                                "ambiguous-location",
                                format!(
                                    "`{name}` loads the same code as several locations ({}); listed separately",
                                    others.join(", ")
                                ),
                            )
                            .at_line(member.decl.source.line),
                        );
                        None
                    }
                }
            }
        };
        let i = match index {
            Some(i) => {
                check_conflicts(&groups[i], &member, &name, diagnostics);
                i
            }
            None => {
                groups.push(Group::new());
                groups.len() - 1
            }
        };
        index_of.add(&member, i);
        groups[i].push(member);
    }
    groups
}

fn conflict(diagnostics: &mut Vec<Diagnostic>, at: &Source, message: String) {
    diagnostics.push(
        Diagnostic::new(&at.path, Severity::Warning, "conflicting-location", message)
            .at_line(at.line),
    );
}

fn check_conflicts(group: &Group, new: &Member, name: &str, diagnostics: &mut Vec<Diagnostic>) {
    let Some(first) = group.first_target.and_then(|i| group.members.get(i)) else {
        return;
    };
    if let (Some(a), Some(b)) = (&first.decl.target, &new.decl.target) {
        if !same_entry(first, new) {
            conflict(
                diagnostics,
                &new.decl.source,
                format!(
                    "location `{name}` loads {} here but {} at {}; using the latter",
                    describe(b),
                    describe(a),
                    first.decl.source
                ),
            );
            return;
        }
    }
    if let (Some(a), Some(b)) = (
        group
            .first_attribute
            .and_then(|i| group.members.get(i))
            .and_then(|m| m.decl.attribute.as_ref().map(|a| (a, &m.decl.source))),
        new.decl.attribute.as_ref(),
    ) {
        if a.0 != b {
            conflict(
                diagnostics,
                &new.decl.source,
                format!(
                    "location `{name}` loads attribute `{b}` here but `{}` at {}; using the latter",
                    a.0, a.1
                ),
            );
        }
    }
}

/// Turns a group into a location (manifest, owner and per-project files are
/// added by the caller).
pub(crate) fn build(group: &Group, diagnostics: &mut Vec<Diagnostic>) -> Option<CodeLocation> {
    let primary = group.primary()?;
    let mut names: Vec<(String, NameStrength, u8)> = group
        .members
        .iter()
        .filter_map(|m| {
            m.decl
                .name_or_default()
                .map(|(n, s)| (n, s, priority(m.decl.source.kind)))
        })
        .collect();
    names.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let name = names.first()?.0.clone();
    let mut aliases: Vec<String> = names
        .iter()
        .filter(|(n, s, _)| *s != NameStrength::Derived && *n != name)
        .map(|(n, _, _)| n.clone())
        .collect();
    aliases.sort();
    aliases.dedup();

    let res = &primary.res;
    let entry = res.entry.clone().or_else(|| {
        primary.decl.target.as_ref().map(|t| Entry::Module {
            module: t.default_name(None),
        })
    })?;
    let external = matches!(entry, Entry::GrpcServer { .. });
    let scannable = !external && res.found();
    if !external && !res.found() {
        let others: Vec<String> = group
            .members
            .iter()
            .filter(|m| m.decl.source != primary.decl.source)
            .map(|m| m.decl.source.to_string())
            .collect();
        let what = primary
            .decl
            .target
            .as_ref()
            .map_or_else(|| "no code".to_string(), describe);
        let mut message = format!("code location `{name}` loads {what}, which is not in the tree");
        if !res.tried.is_empty() {
            let tried: Vec<String> = res
                .tried
                .iter()
                .map(|t| {
                    if t.is_empty() {
                        ".".to_string()
                    } else {
                        t.clone()
                    }
                })
                .collect();
            message.push_str(&format!(
                " (looked in {}, then the whole tree)",
                tried.join(", ")
            ));
        }
        if !others.is_empty() {
            message.push_str(&format!("; also declared at {}", others.join(", ")));
        }
        diagnostics.push(
            Diagnostic::new(
                &primary.decl.source.path,
                Severity::Warning,
                "dangling-location",
                message,
            )
            .at_line(primary.decl.source.line),
        );
    }
    if !res.also_found.is_empty() && res.found() {
        diagnostics.push(
            Diagnostic::new(
                &primary.decl.source.path,
                Severity::Info,
                "ambiguous-location",
                format!(
                    "`{name}`: the module is found in several places; using `{}` (also in {})",
                    res.entry_path.clone().unwrap_or_default(),
                    res.also_found.join(", ")
                ),
            )
            .at_line(primary.decl.source.line),
        );
    }

    let mut server_mode: Option<(ServerMode, &Source)> = None;
    let mut resources: Option<Resources> = None;
    let mut run_resources: Option<Resources> = None;
    for m in &group.members {
        if let Some(mode) = m.decl.server_mode {
            match server_mode {
                None => server_mode = Some((mode, &m.decl.source)),
                // The Helm chart sets the container's command itself: the
                // image's CMD is what runs elsewhere (docker run), not a conflict.
                Some((_, at))
                    if at.kind == SourceKind::HelmValues
                        && matches!(m.decl.source.kind, SourceKind::Dockerfile | SourceKind::EnvVar) => {}
                Some((first, at)) if first != mode => conflict(
                    diagnostics,
                    &m.decl.source,
                    format!("location `{name}` runs as {mode:?} here but as {first:?} at {at}; using the latter"),
                ),
                Some(_) => {}
            }
        }
        merge_resources(
            &mut resources,
            m.decl.resources.as_ref(),
            &name,
            diagnostics,
        );
        merge_resources(
            &mut run_resources,
            m.decl.run_resources.as_ref(),
            &name,
            diagnostics,
        );
    }

    let mut sources: Vec<Source> = group
        .members
        .iter()
        .flat_map(|m| std::iter::once(m.decl.source.clone()).chain(m.decl.extra_sources.clone()))
        .collect();
    sources.sort();
    sources.dedup();

    let first = |f: &dyn Fn(&Declaration) -> Option<String>| {
        std::iter::once(primary)
            .chain(group.members.iter())
            .find_map(|m| f(&m.decl))
    };
    Some(CodeLocation {
        name,
        aliases,
        entry,
        attribute: first(&|d| d.attribute.clone()),
        scannable,
        entry_path: res.entry_path.clone(),
        working_directory: res.working_directory.clone(),
        search_roots: res.search_roots.clone(),
        dg: group.members.iter().find_map(|m| m.decl.dg.clone()),
        server_mode: server_mode.map_or(ServerMode::ApiGrpc, |(m, _)| m),
        resources,
        run_resources,
        owner: None,
        manifest: None,
        requires_python: None,
        image: first(&|d| d.image.clone()),
        build_directory: first(&|d| d.build_directory.clone()),
        sources,
    })
}

/// Keeps the first resources declared; a later, different declaration is a conflict.
pub(crate) fn merge_resources(
    current: &mut Option<Resources>,
    new: Option<&Resources>,
    name: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(new) = new else {
        return;
    };
    match current {
        None => *current = Some(new.clone()),
        Some(existing) if !existing.same_amounts(new) => conflict(
            diagnostics,
            &new.source,
            format!(
                "location `{name}` declares other resources here than at {}; using the latter",
                existing.source
            ),
        ),
        Some(_) => {}
    }
}

//! Consolidation: which locations can share one pod, what that saves, and
//! the deployment models side by side (as declared / consolidated / one
//! monolithic process).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::version::{conflict, Conflict};
use super::{Context, Scenario};
use crate::discover::locations::{CodeLocation, Manifest, Requirement};
use crate::estimate::{estimate, round1, PodEstimate};
use crate::graph::LocationGraph;
use crate::report::LocationReport;

/// Default `--max-pod-mib`: no merged pod above this is proposed.
pub const DEFAULT_MAX_POD_MIB: f64 = 4096.0;

/// A package at least this large in one member and absent from the others
/// keeps that member out of the group (it would make every merged location pay).
pub const HEAVY_OUTLIER_MIB: f64 = 1024.0;

/// A location left out of a group, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    pub location: String,
    pub reason: String,
}

/// Locations that can share one pod.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsolidationGroup {
    /// Proposed name of the merged location.
    pub name: String,
    /// Why these belong together (`same owner @acme/sales`, `same prefix sales_team`).
    pub because: String,
    pub locations: Vec<String>,
    pub pods_saved: usize,
    /// Σ of the members' separate estimates, MiB.
    pub separate_mib: f64,
    /// Estimate of the merged pod (union closure of everything they load), MiB.
    pub merged_mib: f64,
    pub merged_high_mib: f64,
    pub saved_mib: f64,
    pub risk: String,
    /// Members of the candidate set that were left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<Excluded>,
    /// The module that merges the members' definitions.
    pub definitions_module: String,
    /// A `workspace.yaml` `load_from` entry for the merged location.
    pub workspace_yaml: String,
    /// A Helm `dagster-user-deployments.deployments` entry.
    pub helm_deployment: String,
}

/// One way to deploy all locations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentModel {
    /// `per_location`, `consolidated`, `monolith`.
    pub model: &'static str,
    pub pods: usize,
    pub total_idle_mib: f64,
    pub largest_pod_mib: f64,
    pub largest_pod: String,
    /// What blocks or endangers this model.
    pub concerns: Vec<String>,
}

fn tokens(name: &str) -> Vec<&str> {
    name.split(['_', '-', '.'])
        .filter(|t| !t.is_empty())
        .collect()
}

/// `sales_team_daily` → `sales_team`: the name without its last token.
fn prefix(name: &str) -> Option<String> {
    let t = tokens(name);
    (t.len() >= 2).then(|| t[..t.len() - 1].join("_"))
}

fn owner_key(l: &CodeLocation) -> Option<String> {
    l.owner
        .as_ref()
        .map(|o| o.owners.join(" "))
        .filter(|o| !o.is_empty())
}

fn find(parent: &mut [usize], i: usize) -> usize {
    let mut root = i;
    while parent[root] != root {
        root = parent[root];
    }
    let mut i = i;
    while parent[i] != root {
        let next = parent[i];
        parent[i] = root;
        i = next;
    }
    root
}

/// Pins of the two manifests that cannot both hold.
fn manifest_conflicts(a: Option<&Manifest>, b: Option<&Manifest>) -> Vec<Conflict> {
    let (Some(a), Some(b)) = (a, b) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for ra in &a.dependencies {
        for rb in b.dependencies.iter().filter(|rb| rb.name == ra.name) {
            if let Some(c) = conflict(ra, rb) {
                out.push(c);
            }
        }
    }
    out
}

/// The location a merged pod would be: the first member's settings, every
/// member's dependencies.
fn merged_location(name: &str, members: &[&LocationReport]) -> CodeLocation {
    let mut merged = members[0].location.clone();
    merged.name = name.to_string();
    merged.aliases.clear();
    let mut deps: BTreeMap<String, Requirement> = BTreeMap::new();
    for m in members {
        if let Some(manifest) = &m.location.manifest {
            for d in &manifest.dependencies {
                deps.entry(d.name.clone()).or_insert_with(|| d.clone());
            }
        }
    }
    if let Some(manifest) = merged.manifest.as_mut() {
        manifest.dependencies = deps.into_values().collect();
    }
    merged
}

/// The estimate of one pod loading every member.
pub fn merged_estimate(
    ctx: &Context<'_>,
    name: &str,
    members: &[&LocationReport],
    scenario: &Scenario<'_>,
) -> PodEstimate {
    let mut graph = LocationGraph::default();
    for m in members {
        graph.merge(scenario.graph(m));
    }
    estimate(&merged_location(name, members), &graph, ctx.model)
}

/// Packages of at least [`HEAVY_OUTLIER_MIB`] in an estimate.
fn heavy_packages(e: &PodEstimate) -> BTreeSet<String> {
    e.breakdown
        .iter()
        .filter(|c| c.mib >= HEAVY_OUTLIER_MIB)
        .map(|c| c.name.clone())
        .collect()
}

fn group_name(members: &[&LocationReport]) -> String {
    let names: Vec<Vec<&str>> = members.iter().map(|m| tokens(&m.location.name)).collect();
    let mut common = Vec::new();
    for (i, t) in names[0].iter().enumerate() {
        if names.iter().all(|n| n.get(i) == Some(t)) {
            common.push(*t);
        } else {
            break;
        }
    }
    if common.is_empty() {
        format!("{}_group", names[0].first().copied().unwrap_or("merged"))
    } else {
        common.join("_")
    }
}

fn snippets(name: &str, members: &[&LocationReport]) -> (String, String, String) {
    let mut module =
        String::from("# definitions.py of the merged location\nimport dagster as dg\n\n");
    let mut merged = Vec::new();
    for m in members {
        let target = m.location.entry.module().unwrap_or("?").to_string();
        let alias = format!("{}_defs", m.location.name.replace(['-', '.'], "_"));
        module.push_str(&format!("from {target} import defs as {alias}\n"));
        merged.push(alias);
    }
    module.push_str(&format!(
        "\ndefs = dg.Definitions.merge({})\n",
        merged.join(", ")
    ));
    let module_name = format!("{name}.definitions");
    let workspace = format!(
        "load_from:\n  - python_module:\n      module_name: {module_name}\n      location_name: {name}\n"
    );
    let mut helm = format!(
        "- name: {}\n  dagsterApiGrpcArgs:\n    - \"--module-name\"\n    - \"{module_name}\"\n  port: 3030\n",
        name.replace('_', "-")
    );
    if let Some(image) = members.iter().find_map(|m| m.location.image.clone()) {
        helm.push_str(&format!(
            "  # one image must install every member's dependencies (was: {image})\n"
        ));
    }
    (module, workspace, helm)
}

/// Consolidation groups, from each location's graph and estimate in
/// `scenario` (as scanned, or after the lazy-load fixes for the "after all
/// recommendations" total).
pub fn groups(
    ctx: &Context<'_>,
    max_pod_mib: f64,
    scenario: &Scenario<'_>,
) -> Vec<ConsolidationGroup> {
    let candidates: Vec<&LocationReport> = ctx
        .locations
        .iter()
        .filter(|l| l.location.scannable && l.estimate.is_some())
        .collect();
    let n = candidates.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut because: BTreeMap<usize, String> = BTreeMap::new();
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (&candidates[i].location, &candidates[j].location);
            let reason = match (owner_key(a), owner_key(b)) {
                (Some(x), Some(y)) if x == y => Some(format!("same owner {x}")),
                _ => match (prefix(&a.name), prefix(&b.name)) {
                    (Some(x), Some(y)) if x == y => Some(format!("same name prefix `{x}`")),
                    _ => None,
                },
            };
            if let Some(reason) = reason {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                if ri != rj {
                    parent[rj] = ri;
                }
                because.entry(find(&mut parent, i)).or_insert(reason);
            }
        }
    }
    let mut components: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        components.entry(root).or_default().push(i);
    }
    let mut out = Vec::new();
    for (root, indices) in components {
        if indices.len() < 2 {
            continue;
        }
        let mut members: Vec<&LocationReport> = indices.iter().map(|&i| candidates[i]).collect();
        let mut excluded = Vec::new();
        // Conflicting pins and different Python requirements: keep the first
        // compatible subset, in name order.
        let mut kept: Vec<&LocationReport> = Vec::new();
        for m in members.drain(..) {
            let clash = kept.iter().find_map(|k| {
                manifest_conflicts(k.location.manifest.as_ref(), m.location.manifest.as_ref())
                    .into_iter()
                    .next()
                    .map(|c| format!("{} with {}: {}", c.describe(), k.location.name, c.detail))
            });
            let python = kept.iter().find(|k| {
                matches!((&k.location.requires_python, &m.location.requires_python), (Some(a), Some(b)) if a.replace(' ', "") != b.replace(' ', ""))
            });
            if let Some(reason) = clash {
                excluded.push(Excluded {
                    location: m.location.name.clone(),
                    reason: format!("conflicting pin: {reason}"),
                });
            } else if let Some(k) = python {
                excluded.push(Excluded {
                    location: m.location.name.clone(),
                    reason: format!(
                        "requires-python {} differs from {}'s {}",
                        m.location.requires_python.as_deref().unwrap_or("?"),
                        k.location.name,
                        k.location.requires_python.as_deref().unwrap_or("?")
                    ),
                });
            } else {
                kept.push(m);
            }
        }
        // A member with a ≥ 1 GiB package the others lack stays alone.
        let estimates: Vec<PodEstimate> = kept
            .iter()
            .filter_map(|m| scenario.estimate(m).cloned())
            .collect();
        let heavy: Vec<BTreeSet<String>> = estimates.iter().map(heavy_packages).collect();
        let mut members = Vec::new();
        let mut member_estimates = Vec::new();
        for (i, m) in kept.iter().enumerate() {
            let outlier = heavy[i].iter().find(|p| {
                heavy
                    .iter()
                    .enumerate()
                    .any(|(j, other)| j != i && !other.contains(*p))
            });
            match outlier {
                Some(p) if kept.len() > 1 => excluded.push(Excluded {
                    location: m.location.name.clone(),
                    reason: format!("loads `{p}` (≥ 1 GiB) that the others do not: merging would make them all pay for it"),
                }),
                _ => {
                    members.push(*m);
                    member_estimates.push(estimates[i].clone());
                }
            }
        }
        // Cap: drop the largest member until the merged pod fits.
        loop {
            if members.len() < 2 {
                break;
            }
            let name = group_name(&members);
            let merged = merged_estimate(ctx, &name, &members, scenario);
            if merged.mib <= max_pod_mib {
                let separate: f64 = member_estimates.iter().map(|e| e.mib).sum();
                let (module, workspace, helm) = snippets(&name, &members);
                out.push(ConsolidationGroup {
                    name: name.clone(),
                    because: because.get(&root).cloned().unwrap_or_default(),
                    locations: members.iter().map(|m| m.location.name.clone()).collect(),
                    pods_saved: members.len() - 1,
                    separate_mib: round1(separate),
                    merged_mib: merged.mib,
                    merged_high_mib: merged.high_mib,
                    saved_mib: round1(separate - merged.mib),
                    risk: format!(
                        "fault isolation: one broken import or dependency upgrade takes all {} locations down together, and every deploy of one redeploys them all",
                        members.len()
                    ),
                    excluded: excluded.clone(),
                    definitions_module: module,
                    workspace_yaml: workspace,
                    helm_deployment: helm,
                });
                break;
            }
            let (largest, _) = member_estimates
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.mib.total_cmp(&b.1.mib))
                .unwrap_or((0, &member_estimates[0]));
            excluded.push(Excluded {
                location: members[largest].location.name.clone(),
                reason: format!(
                    "the merged pod would be {:.0} MiB, above --max-pod-mib {:.0}",
                    merged.mib, max_pod_mib
                ),
            });
            members.remove(largest);
            member_estimates.remove(largest);
        }
    }
    out
}

/// The three deployment models side by side (the monolith from `scenario`).
pub fn deployment_models(
    ctx: &Context<'_>,
    groups: &[ConsolidationGroup],
    scenario: &Scenario<'_>,
) -> Vec<DeploymentModel> {
    let scannable: Vec<&LocationReport> = ctx
        .locations
        .iter()
        .filter(|l| l.estimate.is_some())
        .collect();
    // No pod to deploy: no model to compare.
    if scannable.is_empty() {
        return Vec::new();
    }
    let mut models = Vec::new();
    let per: Vec<(String, f64)> = scannable
        .iter()
        .filter_map(|l| {
            l.estimate
                .as_ref()
                .map(|e| (l.location.name.clone(), e.mib))
        })
        .collect();
    let largest = |pods: &[(String, f64)]| -> (String, f64) {
        pods.iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .cloned()
            .unwrap_or_default()
    };
    let (name, mib) = largest(&per);
    let mut shared_images: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in &scannable {
        if let Some(image) = &l.location.image {
            shared_images
                .entry(image.clone())
                .or_default()
                .push(l.location.name.clone());
        }
    }
    let mut concerns: Vec<String> = shared_images
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(image, v)| {
            format!(
                "image {image} is shared by {}: every change to it redeploys them all",
                v.join(", ")
            )
        })
        .collect();
    if per.len() > 1 {
        concerns.push(format!(
            "{} pods each pay the idle server baseline",
            per.len()
        ));
    }
    models.push(DeploymentModel {
        model: "per_location",
        pods: per.len(),
        total_idle_mib: round1(per.iter().map(|p| p.1).sum()),
        largest_pod_mib: mib,
        largest_pod: name,
        concerns,
    });

    let grouped: BTreeSet<&String> = groups.iter().flat_map(|g| g.locations.iter()).collect();
    let mut pods: Vec<(String, f64)> = per
        .iter()
        .filter(|p| !grouped.contains(&p.0))
        .cloned()
        .collect();
    pods.extend(groups.iter().map(|g| (g.name.clone(), g.merged_mib)));
    let (name, mib) = largest(&pods);
    models.push(DeploymentModel {
        model: "consolidated",
        pods: pods.len(),
        total_idle_mib: round1(pods.iter().map(|p| p.1).sum()),
        largest_pod_mib: mib,
        largest_pod: name,
        concerns: groups
            .iter()
            .map(|g| format!("{}: {}", g.name, g.risk))
            .collect(),
    });

    if !scannable.is_empty() {
        let merged = merged_estimate(ctx, "monolith", &scannable, scenario);
        let mut concerns = Vec::new();
        for (i, a) in scannable.iter().enumerate() {
            for b in &scannable[i + 1..] {
                for c in
                    manifest_conflicts(a.location.manifest.as_ref(), b.location.manifest.as_ref())
                {
                    concerns.push(format!(
                        "{} and {} need incompatible {}: one shared environment is impossible",
                        a.location.name, b.location.name, c.detail
                    ));
                }
            }
        }
        // One location is one pod either way: no blast radius to speak of.
        if scannable.len() > 1 {
            concerns.push(format!(
                "blast radius: any import error or crash takes all {} locations down, and the webserver/daemon process holds all their memory",
                scannable.len()
            ));
        }
        models.push(DeploymentModel {
            model: "monolith",
            pods: 1,
            total_idle_mib: merged.mib,
            largest_pod_mib: merged.mib,
            largest_pod: "monolith".to_string(),
            concerns,
        });
    }
    models
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(prefix("sales_team_daily").as_deref(), Some("sales_team"));
        assert_eq!(prefix("sales-team-weekly").as_deref(), Some("sales_team"));
        assert_eq!(prefix("marketing"), None);
    }
}

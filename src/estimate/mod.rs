//! Stage 4: the memory model. Estimates the idle RSS of each code-location
//! pod from what its import graph reaches and the measured catalog.
//!
//! Per process in the pod (one for `dagster api grpc`; a proxy plus a child
//! for `dagster code-server start`):
//!
//! ```text
//! child = baseline (measured idle server, trivial module)
//!       + Σ own_mib over the union closure of reached packages, each once,
//!         minus what the baseline already holds (dagster's own closure)
//!       + lazy-attribute costs touched at import time
//!       + eager-call costs (catalogued, or proportional to the file read)
//!       + first-party source term (MiB per KiB imported)
//!       + unknown packages × the median own_mib of measured light packages
//! ```
//!
//! Conditional imports, optional backends the manifest does not install, and
//! the spread of unknown packages widen the band instead of moving the point;
//! the measured error of the union-closure model on package sets is the
//! band's margin. See docs/memory-model.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::discover::locations::manifest::normalize_name;
use crate::discover::locations::{CodeLocation, ServerMode};
use crate::graph::{stdlib, Hop, LocationGraph};
use crate::heuristics::calls::{CallCatalog, CallPattern};
use crate::heuristics::runtime::Runtime;
use crate::heuristics::{Catalog, LazyAttribute, PackageEntry};
use crate::rules::fp003_eager_model_or_data_load::input_file;
use crate::scan::{EagerCall, ExecContext, FileFacts};

/// What contributes to an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributionKind {
    /// A measured process baseline.
    Baseline,
    /// A catalogued package (its own RSS, on top of what it requires).
    Package,
    /// A lazy attribute touched at import time.
    Attribute,
    /// An eager call at import time.
    Call,
    /// First-party source imported.
    FirstParty,
    /// A package not in the catalog (default figure).
    Unknown,
}

/// One line of the breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub kind: ContributionKind,
    pub name: String,
    /// MiB added to the point estimate (0 when it only widens the band).
    pub mib: f64,
    /// MiB added to the high end only (conditional, optional, unknown spread).
    #[serde(skip_serializing_if = "is_zero")]
    pub may_add_mib: f64,
    /// Why this is here: the import chain (empty for baselines and closure members).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<Hop>,
    /// Pulled in by another package (`requires`), not imported directly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_by: Option<String>,
    /// An optional backend of this package (`optional_requires`) that the
    /// location's manifest does not declare: it loads only if installed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional_backend_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// One process of the pod.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessEstimate {
    /// `api_grpc` (loads the code), or `code_server_proxy` (never does).
    pub role: &'static str,
    pub mib: f64,
    pub low_mib: f64,
    pub high_mib: f64,
}

/// The idle memory of one code-location pod.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PodEstimate {
    /// Point estimate of the pod's RSS (all processes), MiB.
    pub mib: f64,
    pub low_mib: f64,
    pub high_mib: f64,
    pub processes: Vec<ProcessEstimate>,
    /// What each run pod pays to import the same code (`import dagster` + user imports).
    pub run_pod_mib: f64,
    /// The part of `mib` caused by user code (everything above the baselines).
    pub user_code_mib: f64,
    /// Sorted by contribution (largest first).
    pub breakdown: Vec<Contribution>,
    /// Reached third-party packages not in the catalog (add them to heuristics).
    pub unknown_packages: Vec<String>,
    /// Catalogued packages reached but without a measured figure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmeasured_packages: Vec<String>,
}

/// Everything the model reads besides the graph: the catalogs, and the
/// scanned files with their import-time calls priced once per run (an
/// estimate is made for every location, merged pod and lazy-load saving, so
/// nothing per file is classified twice).
pub struct Model<'a> {
    pub catalog: &'a Catalog,
    pub calls: &'a CallCatalog,
    pub runtime: &'a Runtime,
    pub root: &'a Path,
    pub files: &'a [FileFacts],
    /// Per file (same index as `files`), its priced import-time calls.
    priced: Vec<PricedCalls<'a>>,
    unknown: UnknownDefault,
    /// Dagster's own closure: held by the baseline already.
    baseline_set: BTreeSet<String>,
    /// Each catalogued package's normalised distribution name (what a
    /// manifest's dependencies are compared with).
    distributions: std::collections::HashMap<String, String>,
}

/// One file's import-time calls that the model prices, in source order.
#[derive(Debug, Default)]
struct PricedCalls<'a> {
    /// `transformers.pipeline(...)`: a lazy attribute touched (call index).
    attributes: Vec<(usize, &'a PackageEntry, &'a LazyAttribute)>,
    /// Catalogued eager calls (call index, pattern, MiB), FP002 before FP003 per call.
    calls: Vec<(usize, &'a CallPattern, f64)>,
}

impl<'a> Model<'a> {
    /// Prices every file's import-time calls (in parallel).
    pub fn new(
        catalog: &'a Catalog,
        calls: &'a CallCatalog,
        runtime: &'a Runtime,
        root: &'a Path,
        files: &'a [FileFacts],
    ) -> Self {
        use rayon::prelude::*;
        let priced = files
            .par_iter()
            .map(|facts| price_calls(catalog, calls, root, facts))
            .collect();
        Self {
            catalog,
            calls,
            runtime,
            root,
            files,
            priced,
            unknown: UnknownDefault::from_catalog(catalog),
            baseline_set: closure(
                catalog,
                ["dagster".to_string()],
                &|_| false,
                &mut BTreeMap::new(),
            ),
            distributions: catalog
                .packages()
                .iter()
                .map(|p| (p.name.clone(), normalize_name(&p.distribution)))
                .collect(),
        }
    }
}

/// The lazy attribute of a catalogued package that a call to `callee`
/// touches (`transformers.pipeline(...)`).
fn lazy_attribute<'c>(
    catalog: &'c Catalog,
    callee: &str,
) -> Option<(&'c PackageEntry, &'c LazyAttribute)> {
    let entry = catalog.lookup_module(callee)?;
    let rest = callee
        .strip_prefix(entry.name.as_str())
        .and_then(|rest| rest.strip_prefix('.'))?;
    let attr = rest.split('.').next().unwrap_or(rest);
    let attribute = entry.attributes.iter().find(|a| a.name == attr)?;
    Some((entry, attribute))
}

/// Whether a call to `callee` touches a catalogued lazy attribute.
pub fn touches_lazy_attribute(catalog: &Catalog, callee: &str) -> bool {
    lazy_attribute(catalog, callee).is_some()
}

fn price_calls<'a>(
    catalog: &'a Catalog,
    patterns: &'a CallCatalog,
    root: &Path,
    facts: &FileFacts,
) -> PricedCalls<'a> {
    let mut out = PricedCalls::default();
    for (i, call) in facts.calls.iter().enumerate() {
        if !call.context.runs_at_import() {
            continue;
        }
        if let Some((entry, a)) = lazy_attribute(catalog, &call.callee) {
            out.attributes.push((i, entry, a));
        }
        for rule in ["FP002", "FP003"] {
            let Some(pattern) = patterns.classify(call, rule) else {
                continue;
            };
            let sized = pattern.mib_per_input_mib.and_then(|factor| {
                input_file(root, &facts.path, call)
                    .map(|(_, bytes)| bytes as f64 / 1_048_576.0 * factor)
            });
            if let Some(cost) = sized.or(pattern.mib) {
                out.calls.push((i, pattern, cost));
            }
        }
    }
    out
}

/// Default for a package missing from the catalog: the median (point) and
/// 90th percentile (high) of `own_mib` over measured light packages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnknownDefault {
    pub median: f64,
    pub p90: f64,
    pub sample: usize,
}

impl UnknownDefault {
    pub fn from_catalog(catalog: &Catalog) -> Self {
        let mut values: Vec<f64> = catalog
            .packages()
            .iter()
            // dagster is light by policy (never a finding) but is the baseline itself.
            .filter(|p| !p.heavy && p.measured.is_some() && p.name != "dagster")
            .filter_map(|p| p.own_mib)
            .collect();
        values.sort_by(f64::total_cmp);
        let at = |q: f64| -> f64 {
            if values.is_empty() {
                return 0.0;
            }
            let i = ((values.len() - 1) as f64 * q).round() as usize;
            values[i.min(values.len() - 1)]
        };
        Self {
            median: at(0.5),
            p90: at(0.9),
            sample: values.len(),
        }
    }
}

/// A lazy attribute touched by import-time code.
#[derive(Debug, Clone)]
struct TouchedAttribute {
    name: String,
    mib: f64,
    requires: Vec<String>,
    reach: Reach,
    provenance: Option<String>,
}

#[derive(Debug, Clone)]
struct Reach {
    conditional: bool,
    chain: Vec<Hop>,
}

/// Rounds MiB to 0.1 for reports, never giving -0.0 (an empty `f64` sum is
/// -0.0, and a negative difference can round to it).
pub fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0 + 0.0
}

/// The closure of `roots` over `requires` (and installed optional backends).
fn closure(
    catalog: &Catalog,
    roots: impl IntoIterator<Item = String>,
    installed: &dyn Fn(&PackageEntry) -> bool,
    parent: &mut BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.into_iter().collect();
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(entry) = catalog.get(&name) else {
            continue;
        };
        for req in &entry.requires {
            if let Some(r) = catalog.get(req) {
                parent
                    .entry(r.name.clone())
                    .or_insert_with(|| entry.name.clone());
                stack.push(r.name.clone());
            }
        }
        for opt in &entry.optional_requires {
            if let Some(r) = catalog.get(opt) {
                if installed(r) {
                    parent
                        .entry(r.name.clone())
                        .or_insert_with(|| entry.name.clone());
                    stack.push(r.name.clone());
                }
            }
        }
    }
    seen
}

/// Optional backends of `set` that are not installed per the manifest, each
/// with the (first) package of `set` it is a backend of.
fn optional_not_installed(
    catalog: &Catalog,
    set: &BTreeSet<String>,
    installed: &dyn Fn(&PackageEntry) -> bool,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for name in set {
        if let Some(entry) = catalog.get(name) {
            for opt in &entry.optional_requires {
                if let Some(r) = catalog.get(opt) {
                    if !installed(r) && !set.contains(&r.name) {
                        out.entry(r.name.clone())
                            .or_insert_with(|| entry.name.clone());
                    }
                }
            }
        }
    }
    out
}

/// A package's own cost: `own_mib`, or for an entry with no requirements its
/// whole `import_mib` (cited figures such as libpostal's).
fn own_cost(entry: &PackageEntry) -> Option<f64> {
    entry.own_mib.or_else(|| {
        entry
            .requires
            .is_empty()
            .then_some(entry.import_mib)
            .flatten()
    })
}

/// The chain to an import-time call: the chain to its file, then the call.
fn call_chain(graph: &LocationGraph, file: usize, facts: &FileFacts, call: &EagerCall) -> Vec<Hop> {
    let mut chain = graph.chain_to(file);
    chain.push(Hop {
        path: facts.path.clone(),
        line: call.line,
        module: call.callee.clone(),
        conditional: call.context == ExecContext::Conditional,
    });
    chain
}

fn provenance(entry: &PackageEntry) -> Option<String> {
    crate::heuristics::provenance(entry.measured.as_ref(), entry.source.as_ref())
}

/// Estimates one location's pod.
pub fn estimate(location: &CodeLocation, graph: &LocationGraph, model: &Model<'_>) -> PodEstimate {
    estimate_with(location, graph, model, None, true)
}

/// The figures of an estimate without its breakdown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PodTotals {
    pub mib: f64,
    pub run_pod_mib: f64,
}

/// The estimate of the pod if the import statement at `site` (file index,
/// line) loaded no third-party module: what deferring a statement that
/// loads no first-party file saves. Same as removing that statement's
/// externals from the graph, without copying the graph.
pub fn estimate_without_import(
    location: &CodeLocation,
    graph: &LocationGraph,
    model: &Model<'_>,
    site: (usize, u32),
) -> PodTotals {
    let e = estimate_with(location, graph, model, Some(site), false);
    PodTotals {
        mib: e.mib,
        run_pod_mib: e.run_pod_mib,
    }
}

fn estimate_with(
    location: &CodeLocation,
    graph: &LocationGraph,
    model: &Model<'_>,
    without: Option<(usize, u32)>,
    // Build the breakdown's chains and provenance (not needed for totals).
    detail: bool,
) -> PodEstimate {
    let catalog = model.catalog;
    let files = model.files;
    let baselines = &model.runtime.baselines;
    let unknown = model.unknown;
    let error = model
        .runtime
        .model
        .union_error_pct
        .as_ref()
        .map_or(0.0, |p| p.value / 100.0);

    // Which distributions the image installs (None: no manifest, unknown).
    let declared: Option<BTreeSet<String>> = location
        .manifest
        .as_ref()
        .map(|m| m.dependencies.iter().map(|d| d.name.clone()).collect());
    let installed = |entry: &PackageEntry| -> bool {
        declared
            .as_ref()
            .is_some_and(|d| match model.distributions.get(&entry.name) {
                Some(name) => d.contains(name),
                None => d.contains(&normalize_name(&entry.distribution)),
            })
    };

    // 1. Reached catalogued and unknown packages, certain before conditional.
    let mut direct: BTreeMap<String, Reach> = BTreeMap::new();
    let mut unknowns: BTreeMap<String, Reach> = BTreeMap::new();
    let mut qualified = String::new();
    for (module, external) in &graph.externals {
        if stdlib::is_stdlib(module) || module.is_empty() {
            continue;
        }
        if without == Some((external.file, external.hop.line)) {
            continue;
        }
        let hit = external
            .names
            .iter()
            .find_map(|n| {
                qualified.clear();
                qualified.push_str(module);
                qualified.push('.');
                qualified.push_str(n);
                catalog.lookup_module(&qualified)
            })
            .or_else(|| catalog.lookup_module(module));
        let (key, map) = match hit {
            Some(entry) => (entry.name.as_str(), &mut direct),
            None => (module.split('.').next().unwrap_or(module), &mut unknowns),
        };
        let better = map
            .get(key)
            .is_none_or(|r| r.conditional && !external.conditional);
        if better {
            // The chain is built only for the import that is kept.
            let reach = Reach {
                conditional: external.conditional,
                chain: if detail {
                    graph.chain_to_external(external)
                } else {
                    Vec::new()
                },
            };
            map.insert(key.to_string(), reach);
        }
    }

    // 2. Lazy attributes touched by import-time calls (`transformers.pipeline(...)`).
    let mut attributes: Vec<TouchedAttribute> = Vec::new();
    for (&file, reached) in &graph.files {
        let (Some(facts), Some(priced)) = (files.get(file), model.priced.get(file)) else {
            continue;
        };
        for &(i, entry, a) in &priced.attributes {
            let Some(call) = facts.calls.get(i) else {
                continue;
            };
            let name = format!("{}.{}", entry.name, a.name);
            if attributes.iter().any(|t| t.name == name) {
                continue;
            }
            let chain = if detail {
                call_chain(graph, file, facts, call)
            } else {
                Vec::new()
            };
            let prov = detail
                .then(|| crate::heuristics::provenance(a.measured.as_ref(), a.source.as_ref()))
                .flatten();
            attributes.push(TouchedAttribute {
                name,
                mib: a.mib.unwrap_or(0.0),
                requires: a.requires.clone(),
                reach: Reach {
                    conditional: reached.conditional || call.context == ExecContext::Conditional,
                    chain,
                },
                provenance: prov,
            });
        }
    }

    // 3. Union closures: certain, then conditional extras. The baseline holds
    //    dagster's closure already.
    let mut parent = BTreeMap::new();
    let baseline_set = &model.baseline_set;
    let certain_roots: Vec<String> = direct
        .iter()
        .filter(|(_, r)| !r.conditional)
        .map(|(n, _)| n.clone())
        .chain(
            attributes
                .iter()
                .filter(|a| !a.reach.conditional)
                .flat_map(|a| a.requires.clone()),
        )
        .collect();
    let certain = closure(catalog, certain_roots, &installed, &mut parent);
    let all_roots: Vec<String> = direct
        .keys()
        .cloned()
        .chain(attributes.iter().flat_map(|a| a.requires.clone()))
        .collect();
    let everything = closure(catalog, all_roots, &installed, &mut parent);
    let optional = optional_not_installed(catalog, &everything, &installed);
    let mut optional_closure = closure(catalog, optional.keys().cloned(), &|_| false, &mut parent);
    optional_closure.retain(|n| !everything.contains(n));

    let mut breakdown: Vec<Contribution> = Vec::new();
    let mut unmeasured = Vec::new();
    let mut user_point = 0.0;
    let mut user_extra = 0.0;
    for name in everything.iter().chain(optional_closure.iter()) {
        if baseline_set.contains(name) {
            continue;
        }
        let Some(entry) = catalog.get(name) else {
            continue;
        };
        let measured = own_cost(entry);
        if measured.is_none() {
            unmeasured.push(entry.name.clone());
        }
        let cost = measured.unwrap_or(unknown.median);
        let is_certain = certain.contains(name);
        let (mib, may) = if is_certain { (cost, 0.0) } else { (0.0, cost) };
        user_point += mib;
        user_extra += may;
        if !detail {
            continue;
        }
        let prov = match measured {
            Some(_) => provenance(entry),
            None => Some(format!(
                "not measured: median own_mib of {} measured light packages",
                unknown.sample
            )),
        };
        let reach = direct.get(name);
        breakdown.push(Contribution {
            kind: ContributionKind::Package,
            name: entry.name.clone(),
            mib: round1(mib),
            may_add_mib: round1(may),
            chain: reach.map(|r| r.chain.clone()).unwrap_or_default(),
            required_by: if reach.is_none() && !optional.contains_key(name) {
                parent.get(name).cloned()
            } else {
                None
            },
            optional_backend_of: optional.get(name).cloned(),
            provenance: prov,
        });
    }
    for TouchedAttribute {
        name,
        mib,
        reach,
        provenance: prov,
        ..
    } in &attributes
    {
        let (point, may) = if reach.conditional {
            (0.0, *mib)
        } else {
            (*mib, 0.0)
        };
        user_point += point;
        user_extra += may;
        if !detail {
            continue;
        }
        breakdown.push(Contribution {
            kind: ContributionKind::Attribute,
            name: name.clone(),
            mib: round1(point),
            may_add_mib: round1(may),
            chain: reach.chain.clone(),
            required_by: None,
            optional_backend_of: None,
            provenance: prov.clone(),
        });
    }

    // 4. Eager calls with a catalogued cost.
    let mut source_kib = 0.0;
    for (&file, reached) in &graph.files {
        let Some(facts) = files.get(file) else {
            continue;
        };
        source_kib += facts.size_bytes as f64 / 1024.0;
        let Some(priced) = model.priced.get(file) else {
            continue;
        };
        for &(i, pattern, cost) in &priced.calls {
            let Some(call) = facts.calls.get(i) else {
                continue;
            };
            let conditional = reached.conditional || call.context == ExecContext::Conditional;
            let (point, may) = if conditional {
                (0.0, cost)
            } else {
                (cost, 0.0)
            };
            user_point += point;
            user_extra += may;
            if !detail {
                continue;
            }
            breakdown.push(Contribution {
                kind: ContributionKind::Call,
                name: format!("{}()", call.callee),
                mib: round1(point),
                may_add_mib: round1(may),
                chain: call_chain(graph, file, facts, call),
                required_by: None,
                optional_backend_of: None,
                provenance: crate::heuristics::provenance(
                    pattern.measured.as_ref(),
                    pattern.source.as_ref(),
                ),
            });
        }
    }

    // 5. First-party source.
    if let Some(per_kib) = &model.runtime.model.first_party_mib_per_kib {
        let mib = source_kib * per_kib.value;
        user_point += mib;
        breakdown.push(Contribution {
            kind: ContributionKind::FirstParty,
            name: format!(
                "{} first-party files ({:.0} KiB)",
                graph.files.len(),
                source_kib
            ),
            mib: round1(mib),
            may_add_mib: 0.0,
            chain: Vec::new(),
            required_by: None,
            optional_backend_of: None,
            provenance: crate::heuristics::provenance(
                per_kib.measured.as_ref(),
                per_kib.source.as_ref(),
            ),
        });
    }

    // 6. Unknown packages.
    let mut unknown_point = 0.0;
    for (name, reach) in &unknowns {
        let (point, may) = if reach.conditional {
            (0.0, unknown.p90)
        } else {
            (unknown.median, unknown.p90 - unknown.median)
        };
        unknown_point += point;
        user_point += point;
        user_extra += may;
        if !detail {
            continue;
        }
        breakdown.push(Contribution {
            kind: ContributionKind::Unknown,
            name: name.clone(),
            mib: round1(point),
            may_add_mib: round1(may),
            chain: reach.chain.clone(),
            required_by: None,
            optional_backend_of: None,
            provenance: Some(format!(
                "not in the catalog: median (p90 for the band) own_mib of {} measured light packages",
                unknown.sample
            )),
        });
    }

    // 7. Processes.
    let (child_base, proxy) = match location.server_mode {
        ServerMode::ApiGrpc => (&baselines.api_grpc, None),
        ServerMode::CodeServer => (
            &baselines.code_server_child,
            Some(&baselines.code_server_proxy),
        ),
    };
    breakdown.push(Contribution {
        kind: ContributionKind::Baseline,
        name: match location.server_mode {
            ServerMode::ApiGrpc => "idle `dagster api grpc` process".to_string(),
            ServerMode::CodeServer => {
                "idle `dagster api grpc` child of `code-server start`".to_string()
            }
        },
        mib: round1(child_base.rss_mib),
        may_add_mib: 0.0,
        chain: Vec::new(),
        required_by: None,
        optional_backend_of: None,
        provenance: child_base.provenance(),
    });
    let child_point = child_base.rss_mib + user_point;
    // The margin is the union-closure model's measured error on what sits
    // above the baseline, so it applies to the user-code part only; the
    // baselines are measured directly.
    let child_high = child_point + user_extra + user_point * error;
    let child_low = (child_point - unknown_point - user_point * error).max(child_base.rss_mib);
    let mut processes = vec![ProcessEstimate {
        role: "api_grpc",
        mib: round1(child_point),
        low_mib: round1(child_low),
        high_mib: round1(child_high),
    }];
    if let Some(proxy) = proxy {
        breakdown.push(Contribution {
            kind: ContributionKind::Baseline,
            name: "`dagster code-server start` proxy process".to_string(),
            mib: round1(proxy.rss_mib),
            may_add_mib: 0.0,
            chain: Vec::new(),
            required_by: None,
            optional_backend_of: None,
            provenance: proxy.provenance(),
        });
        processes.insert(
            0,
            ProcessEstimate {
                role: "code_server_proxy",
                mib: round1(proxy.rss_mib),
                low_mib: round1(proxy.rss_mib),
                high_mib: round1(proxy.rss_mib),
            },
        );
    }
    breakdown.sort_by(|a, b| {
        (b.mib + b.may_add_mib)
            .total_cmp(&(a.mib + a.may_add_mib))
            .then_with(|| a.name.cmp(&b.name))
    });
    let sum = |f: fn(&ProcessEstimate) -> f64| round1(processes.iter().map(f).sum());
    PodEstimate {
        mib: sum(|p| p.mib),
        low_mib: sum(|p| p.low_mib),
        high_mib: sum(|p| p.high_mib),
        run_pod_mib: round1(baselines.import_dagster.rss_mib + user_point),
        user_code_mib: round1(user_point),
        processes,
        breakdown,
        unknown_packages: unknowns.keys().cloned().collect(),
        unmeasured_packages: unmeasured,
    }
}

#[cfg(test)]
mod tests;

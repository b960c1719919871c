//! Stage 5: what to change, and what it saves.
//!
//! - [`lazy`]: per heavy import or eager load, where it can move (or why it
//!   cannot), with the savings in each pod that loads it;
//! - [`consolidate`]: locations that can share a pod, and the deployment
//!   models side by side;
//! - [`sizing`]: suggested requests and limits, and a Helm values patch;
//! - [`fix`]: the safe lazy-load rewrite, as a diff or applied.

pub mod consolidate;
pub mod fix;
pub mod lazy;
pub mod sizing;
pub mod version;

use std::collections::BTreeMap;

use serde::Serialize;

use rayon::prelude::*;

use crate::estimate::{estimate, round1, Model, PodEstimate};
use crate::graph::location::location_graph_after;
use crate::graph::{Deferred, LocationGraph, ModuleIndex};
use crate::report::LocationReport;
use crate::rules::Finding;
use crate::scan::FileFacts;

pub use consolidate::{ConsolidationGroup, DeploymentModel, DEFAULT_MAX_POD_MIB};
pub use lazy::{Advice, LazyAdvice};
pub use sizing::SizingAdvice;

/// What the recommend stage reads.
pub struct Context<'a> {
    pub files: &'a [FileFacts],
    pub index: &'a ModuleIndex,
    pub projects: &'a BTreeMap<String, String>,
    pub model: &'a Model<'a>,
    pub locations: &'a [LocationReport],
}

/// Each location's graph and estimate in one scenario: as scanned, or with
/// a set of import statements deferred (built once, on every core, and shared
/// by the totals and the consolidation groups).
pub struct Scenario<'r> {
    locations: &'r [LocationReport],
    /// Same order as `locations`; `None` where the scenario changes nothing.
    changed: Vec<Option<(LocationGraph, PodEstimate)>>,
}

impl<'r> Scenario<'r> {
    /// The locations as scanned.
    pub fn current(ctx: &Context<'r>) -> Self {
        Self {
            locations: ctx.locations,
            changed: Vec::new(),
        }
    }

    /// The locations with the import statements in `deferred` moved into
    /// functions.
    pub fn deferring(ctx: &Context<'r>, deferred: &Deferred) -> Self {
        let changed = ctx
            .locations
            .par_iter()
            .map(|l| {
                // Only locations with an estimate (scannable ones) change.
                l.estimate.as_ref()?;
                let (graph, _) = location_graph_after(
                    &l.location,
                    ctx.index,
                    ctx.files,
                    ctx.projects,
                    deferred,
                )?;
                let estimate = estimate(&l.location, &graph, ctx.model);
                Some((graph, estimate))
            })
            .collect();
        Self {
            locations: ctx.locations,
            changed,
        }
    }

    fn changed(&self, location: &LocationReport) -> Option<&(LocationGraph, PodEstimate)> {
        let i = self
            .locations
            .iter()
            .position(|l| std::ptr::eq(l, location))?;
        self.changed.get(i)?.as_ref()
    }

    /// `location`'s import graph in this scenario.
    pub fn graph<'s>(&'s self, location: &'s LocationReport) -> &'s LocationGraph {
        self.changed(location).map_or(&*location.graph, |(g, _)| g)
    }

    /// `location`'s estimate in this scenario (`None`: it cannot be scanned).
    pub fn estimate<'s>(&'s self, location: &'s LocationReport) -> Option<&'s PodEstimate> {
        match self.changed(location) {
            Some((_, e)) => Some(e),
            None => location.estimate.as_ref(),
        }
    }
}

/// Idle memory across all pods, now and after the recommendations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    pub pods_now: usize,
    pub idle_now_mib: f64,
    /// After every lazy-load fix that defers an import (move, TYPE_CHECKING
    /// guard, `lazy import`, removing an unused import: see
    /// [`Advice::defers_import`]).
    pub idle_after_lazy_mib: f64,
    /// After the lazy-load fixes and the consolidation groups.
    pub pods_after: usize,
    pub idle_after_all_mib: f64,
}

/// Everything the recommend stage proposes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendations {
    pub lazy_imports: Vec<LazyAdvice>,
    pub consolidation: Vec<ConsolidationGroup>,
    pub sizing: Vec<SizingAdvice>,
    pub deployment_models: Vec<DeploymentModel>,
    pub totals: Totals,
}

/// Runs every recommendation.
pub fn recommend(ctx: &Context<'_>, findings: &[Finding], max_pod_mib: f64) -> Recommendations {
    let lazy_imports = lazy::advise(ctx, findings);
    let current = Scenario::current(ctx);
    let consolidation = consolidate::groups(ctx, max_pod_mib, &current);
    let sizing = sizing::advise(ctx.locations);
    let deployment_models = consolidate::deployment_models(ctx, &consolidation, &current);

    // Totals after the lazy fixes that defer an import.
    let mut deferred = Deferred::new();
    for a in &lazy_imports {
        if a.advice.defers_import() {
            if let Some(file) = ctx.index.file(&a.path) {
                deferred.insert((file, a.line));
            }
        }
    }
    let scannable: Vec<&LocationReport> = ctx
        .locations
        .iter()
        .filter(|l| l.estimate.is_some())
        .collect();
    let idle_now: f64 = scannable
        .iter()
        .filter_map(|l| l.estimate.as_ref())
        .map(|e| e.mib)
        .sum();
    let after = Scenario::deferring(ctx, &deferred);
    let after_lazy: BTreeMap<String, f64> = scannable
        .iter()
        .map(|l| {
            let mib = after.estimate(l).map_or(0.0, |e| e.mib);
            (l.location.name.clone(), mib)
        })
        .collect();
    let idle_after_lazy: f64 = after_lazy.values().sum();
    let groups_after = consolidate::groups(ctx, max_pod_mib, &after);
    let grouped: std::collections::BTreeSet<&String> = groups_after
        .iter()
        .flat_map(|g| g.locations.iter())
        .collect();
    let idle_after_all: f64 = after_lazy
        .iter()
        .filter(|(name, _)| !grouped.contains(name))
        .map(|(_, mib)| mib)
        .sum::<f64>()
        + groups_after.iter().map(|g| g.merged_mib).sum::<f64>();
    let pods_after = scannable.len() - groups_after.iter().map(|g| g.pods_saved).sum::<usize>();
    Recommendations {
        lazy_imports,
        consolidation,
        sizing,
        deployment_models,
        totals: Totals {
            pods_now: scannable.len(),
            idle_now_mib: round1(idle_now),
            idle_after_lazy_mib: round1(idle_after_lazy),
            pods_after,
            idle_after_all_mib: round1(idle_after_all),
        },
    }
}

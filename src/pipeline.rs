//! The stages wired together: walk → (scan ∥ discover) → graph → rules → [`Report`].

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use crate::config::ProjectConfig;
use crate::diagnostics::Severity;
use crate::discover::locations::{discover_locations, Discovery};
use crate::discover::{walk, WalkOptions};
use crate::estimate::{estimate, Model, PodEstimate};
use crate::graph::location::{first_party_projects, location_graph};
use crate::graph::{Hop, ModuleIndex};
use crate::heuristics::overrides::{Heuristics, Overrides};
use crate::recommend::{recommend, Context as RecommendContext};
use crate::report::{LocationFinding, LocationReport, Report, Summary, Timings, SCHEMA_VERSION};
use crate::rules::{
    fp001_heavy_module_level_import, fp002_eager_client_init, fp003_eager_model_or_data_load,
    fp004_network_call_at_import, fp010_dangling_location, fp201_memory_limit_below_estimate,
    fp202_memory_request_far_above_estimate, fp203_shared_image, Finding, Level, Rule, RULES,
};
use crate::scan::interest::{Everything, Interest};
use crate::scan::{scan_files, ExecContext, ImportSite, ScanOptions};

/// Which rules run: `--select` (all when empty) minus `--ignore`.
#[derive(Debug, Clone, Default)]
pub struct RuleSelection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl RuleSelection {
    /// Checks every code names a rule.
    pub fn validate(&self) -> Result<(), String> {
        for code in self.select.iter().chain(&self.ignore) {
            if Rule::find(code).is_none() {
                let known: Vec<&str> = RULES.iter().map(|r| r.code).collect();
                return Err(format!(
                    "unknown rule `{code}` (known: {}); see `dagster-footprint rule --all`",
                    known.join(", ")
                ));
            }
        }
        Ok(())
    }

    pub fn enabled(&self, code: &str) -> bool {
        let matches = |list: &[String]| {
            list.iter()
                .any(|c| Rule::find(c).is_some_and(|r| r.code == code))
        };
        (self.select.is_empty() || matches(&self.select)) && !matches(&self.ignore)
    }
}

/// Everything `scan` needs.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub root: PathBuf,
    /// How the root is shown in the report (as the user wrote it).
    pub root_display: String,
    pub walk: WalkOptions,
    pub scan: ScanOptions,
    pub rules: RuleSelection,
    /// `--heuristics` files, applied after the pyproject overrides.
    pub heuristics: Vec<PathBuf>,
    /// `--max-pod-mib`: no consolidation above this.
    pub max_pod_mib: f64,
    /// Keep every call and name use of every file, not only those a later
    /// stage reads (the report is the same; tests check that it is).
    pub keep_all_facts: bool,
}

impl ScanConfig {
    /// Defaults for `path`: no excludes, one job per core, no progress bar,
    /// every rule, the built-in catalog, the default pod cap.
    pub fn for_path(path: &std::path::Path) -> Self {
        Self {
            root: path.to_path_buf(),
            root_display: path.to_string_lossy().into_owned(),
            walk: WalkOptions::default(),
            scan: ScanOptions::default(),
            rules: RuleSelection::default(),
            heuristics: Vec::new(),
            max_pod_mib: crate::recommend::DEFAULT_MAX_POD_MIB,
            keep_all_facts: false,
        }
    }
}

/// Runs a scan. Fails only when the root cannot be read or the options are
/// invalid; every problem with the input is a diagnostic in the report.
///
/// Every parallel stage runs on the scan's thread pool (`--jobs` threads).
pub fn run(config: &ScanConfig) -> Result<Report, String> {
    match crate::scan::scan_pool(config.scan.jobs) {
        Ok(pool) => pool.install(|| run_stages(config)),
        // Could not start threads (resource limits): run on this thread.
        Err(_) => run_stages(config),
    }
}

fn run_stages(config: &ScanConfig) -> Result<Report, String> {
    let mut config_diagnostics = Vec::new();
    let project = if config.root.is_dir() {
        ProjectConfig::load(&config.root, &mut config_diagnostics)
    } else {
        ProjectConfig::default()
    };
    let mut rules = config.rules.clone();
    rules.select.extend(project.select.iter().cloned());
    rules.ignore.extend(project.ignore.iter().cloned());
    rules.validate()?;
    let mut walk_options = config.walk.clone();
    walk_options.exclude.extend(project.exclude.iter().cloned());
    let Heuristics {
        catalog,
        calls,
        runtime,
    } = load_heuristics(&project, &config.heuristics)?;

    let start = Instant::now();
    let walked = walk(&config.root, &walk_options)?;
    let walk_ms = elapsed_ms(start);

    // Parsing Python and reading declarations are independent: run them side by side.
    let scan_start = Instant::now();
    let single_file = config.root.is_file();
    let (files, discovery) = std::thread::scope(|scope| {
        let discovery = scope.spawn(|| {
            if single_file {
                Discovery::default()
            } else {
                discover_locations(&walked.root, &walked.declaration_files)
            }
        });
        let interest = CatalogInterest::new(&catalog, &calls);
        let files = if config.keep_all_facts {
            scan_files(
                &walked.root,
                &walked.python_files,
                &config.scan,
                &Everything,
            )
        } else {
            scan_files(&walked.root, &walked.python_files, &config.scan, &interest)
        };
        let discovery = discovery.join().unwrap_or_else(|_| Discovery {
            locations: Vec::new(),
            diagnostics: vec![crate::diagnostics::Diagnostic::new(
                ".",
                Severity::Error,
                "internal-error",
                "code-location discovery failed; please report this with the tree that caused it",
            )],
        });
        (files, discovery)
    });
    let scan_ms = elapsed_ms(scan_start);

    let graph_start = Instant::now();
    let index = ModuleIndex::new(&files);
    let projects = first_party_projects(&walked.root, &walked.declaration_files);
    // Each location's graph is independent of the others: build them on every core.
    let mut locations: Vec<LocationReport> = discovery
        .locations
        .into_par_iter()
        .map(|location| {
            let (graph, import_roots) = location_graph(&location, &index, &files, &projects);
            LocationReport {
                files_reached: graph.files.len(),
                location,
                import_roots,
                estimate: None,
                findings: Vec::new(),
                graph,
            }
        })
        .collect();
    let graph_ms = elapsed_ms(graph_start);

    let estimate_start = Instant::now();
    let model = Model::new(&catalog, &calls, &runtime, &walked.root, &files);
    locations.par_iter_mut().for_each(|location| {
        if location.location.scannable {
            location.estimate = Some(estimate(&location.location, &location.graph, &model));
        }
    });
    let estimate_ms = elapsed_ms(estimate_start);

    // File rules, per file on every core (in file order: the result is the same).
    let mut findings: Vec<Finding> = files
        .par_iter()
        .flat_map_iter(|file| {
            let mut findings = Vec::new();
            if rules.enabled(fp001_heavy_module_level_import::CODE) {
                fp001_heavy_module_level_import::check(file, &catalog, &mut findings);
            }
            if rules.enabled(fp002_eager_client_init::CODE) {
                fp002_eager_client_init::check(file, &calls, &mut findings);
            }
            if rules.enabled(fp003_eager_model_or_data_load::CODE) {
                fp003_eager_model_or_data_load::check(file, &calls, &walked.root, &mut findings);
            }
            if rules.enabled(fp004_network_call_at_import::CODE) {
                fp004_network_call_at_import::check(file, &calls, &mut findings);
            }
            findings
        })
        .collect();
    findings.retain(|f| !project.ignored_for(&f.path, f.code));
    attach_locations(&mut findings, &mut locations, &index);
    if rules.enabled(fp010_dangling_location::CODE) {
        fp010_dangling_location::check(&discovery.diagnostics, &mut findings);
    }
    if rules.enabled(fp201_memory_limit_below_estimate::CODE) {
        fp201_memory_limit_below_estimate::check(&locations, &mut findings);
    }
    if rules.enabled(fp202_memory_request_far_above_estimate::CODE) {
        fp202_memory_request_far_above_estimate::check(&locations, &mut findings);
    }
    if rules.enabled(fp203_shared_image::CODE) {
        fp203_shared_image::check(&locations, &mut findings);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let recommend_start = Instant::now();
    let recommendations = recommend(
        &RecommendContext {
            files: &files,
            index: &index,
            projects: &projects,
            model: &model,
            locations: &locations,
        },
        &findings,
        config.max_pod_mib,
    );
    let recommend_ms = elapsed_ms(recommend_start);

    let mut diagnostics = walked.diagnostics;
    diagnostics.append(&mut config_diagnostics);
    diagnostics.extend(
        discovery
            .diagnostics
            .into_iter()
            .filter(|d| d.kind != fp010_dangling_location::NAME),
    );
    let mut syntax_error_files = BTreeSet::new();
    for file in &files {
        for d in &file.diagnostics {
            if d.kind == "invalid-syntax" {
                syntax_error_files.insert(file.path.as_str());
            }
        }
        diagnostics.extend(file.diagnostics.iter().cloned());
    }
    diagnostics.sort();

    let estimates = locations.iter().filter_map(|l| l.estimate.as_ref());
    let total = |f: fn(&PodEstimate) -> f64| -> f64 {
        crate::estimate::round1(estimates.clone().map(f).sum::<f64>())
    };
    let mut summary = Summary {
        files_scanned: files.len(),
        locations: locations.len(),
        total_idle_mib: total(|e| e.mib),
        total_idle_low_mib: total(|e| e.low_mib),
        total_idle_high_mib: total(|e| e.high_mib),
        files_with_syntax_errors: syntax_error_files.len(),
        findings: findings.len(),
        diagnostics: diagnostics.len(),
        ..Summary::default()
    };
    for f in &findings {
        *summary
            .findings_by_code
            .entry(f.code.to_string())
            .or_default() += 1;
    }
    Ok(Report {
        tool: "dagster-footprint",
        version: env!("CARGO_PKG_VERSION"),
        schema_version: SCHEMA_VERSION,
        root: config.root_display.clone(),
        summary,
        timings: Timings {
            walk_ms,
            scan_ms,
            graph_ms,
            estimate_ms,
            recommend_ms,
            total_ms: elapsed_ms(start),
        },
        locations,
        findings,
        recommendations,
        diagnostics,
        files,
    })
}

/// Puts each file finding under the locations that load its line, with the
/// chain from each location's entry. A finding no location loads costs no
/// pod anything: it becomes `info` (when the tree declares any location).
fn attach_locations(
    findings: &mut [Finding],
    locations: &mut [LocationReport],
    index: &ModuleIndex,
) {
    let any_scannable = locations.iter().any(|l| l.location.scannable);
    // Findings by file (in finding order within a file).
    let mut by_file: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    let mut in_tree = vec![false; findings.len()];
    for (i, finding) in findings.iter().enumerate() {
        if let Some(file) = index.file(&finding.path) {
            by_file.entry(file).or_default().push(i);
            in_tree[i] = true;
        }
    }
    // Per location (on every core): the findings in the files it reaches, in
    // file order, then sorted.
    let loaded: Vec<Vec<usize>> = locations
        .par_iter_mut()
        .map(|location| {
            let mut loaded = Vec::new();
            for (&file, reached) in &location.graph.files {
                for &i in by_file.get(&file).into_iter().flatten() {
                    let finding = &findings[i];
                    let conditional = finding.context == ExecContext::Conditional;
                    location.findings.push(LocationFinding {
                        code: finding.code,
                        hop: Hop {
                            path: finding.path.clone(),
                            line: finding.line,
                            module: finding.subject.clone(),
                            conditional,
                        },
                        column: finding.column,
                        may_load: reached.conditional || conditional,
                        file,
                    });
                    loaded.push(i);
                }
            }
            location.findings.sort_by(|a, b| {
                (&a.hop.path, a.hop.line, a.column, a.code).cmp(&(
                    &b.hop.path,
                    b.hop.line,
                    b.column,
                    b.code,
                ))
            });
            loaded
        })
        .collect();
    // Per finding: the locations that load it.
    for (location, loaded) in locations.iter().zip(&loaded) {
        for &i in loaded {
            findings[i].locations.push(location.location.name.clone());
        }
    }
    for (finding, in_tree) in findings.iter_mut().zip(in_tree) {
        if !in_tree {
            continue;
        }
        finding.locations.sort();
        if any_scannable && finding.locations.is_empty() {
            finding.level = Level::Info;
            finding
                .message
                .push_str(" (no code location loads this file)");
        }
    }
}

/// The facts the later stages read, from the catalogs: the calls a rule, the
/// model or Dagster's loading can match, and the uses of names bound by
/// imports of heavy packages (the lazy-load advice and the fix read them).
///
/// Public so that the benchmark's scan-stage example keeps what `scan` keeps.
pub struct CatalogInterest<'a> {
    catalog: &'a crate::heuristics::Catalog,
    calls: &'a crate::heuristics::calls::CallCatalog,
}

impl<'a> CatalogInterest<'a> {
    pub fn new(
        catalog: &'a crate::heuristics::Catalog,
        calls: &'a crate::heuristics::calls::CallCatalog,
    ) -> Self {
        Self { catalog, calls }
    }
}

impl Interest for CatalogInterest<'_> {
    fn call(&self, callee: &str) -> bool {
        self.calls.may_match(callee)
            || crate::graph::location::is_loader_call(callee)
            || crate::estimate::touches_lazy_attribute(self.catalog, callee)
    }

    fn uses_of(&self, import: &ImportSite) -> bool {
        fp001_heavy_module_level_import::loads_heavy_package(import, self.catalog)
    }
}

/// The built-in catalog with the project's and the user's overrides applied.
pub fn load_heuristics(project: &ProjectConfig, files: &[PathBuf]) -> Result<Heuristics, String> {
    let mut heuristics = Heuristics::builtin().map_err(|e| format!("built-in catalog: {e}"))?;
    if let Some(overrides) = &project.overrides {
        let overrides = overrides
            .clone()
            .map_err(|e| format!("invalid heuristics override: {e}"))?;
        let name = project
            .source
            .clone()
            .unwrap_or_else(|| "pyproject.toml".to_string());
        heuristics
            .apply(&name, overrides)
            .map_err(|e| format!("invalid heuristics override: {e}"))?;
    }
    for path in files {
        let name = path.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read heuristics file `{name}`: {e}"))?;
        let overrides = Overrides::from_toml(&name, &text).map_err(|e| {
            format!("invalid heuristics file: {e}; see docs/memory-model.md#overrides")
        })?;
        heuristics
            .apply(&name, overrides)
            .map_err(|e| format!("invalid heuristics file: {e}"))?;
    }
    Ok(heuristics)
}

/// Discovery only: walk the tree and read the declaration files (no Python
/// is parsed except `setup.py` manifests).
pub fn locations(
    root: &std::path::Path,
    root_display: &str,
    walk_options: &WalkOptions,
) -> Result<crate::report::locations::LocationsReport, String> {
    let mut diagnostics = Vec::new();
    let project = if root.is_dir() {
        ProjectConfig::load(root, &mut diagnostics)
    } else {
        ProjectConfig::default()
    };
    let mut walk_options = walk_options.clone();
    walk_options.exclude.extend(project.exclude.iter().cloned());
    let walked = walk(root, &walk_options)?;
    let discovery = if root.is_dir() {
        discover_locations(&walked.root, &walked.declaration_files)
    } else {
        Discovery::default()
    };
    diagnostics.extend(walked.diagnostics);
    diagnostics.extend(discovery.diagnostics);
    diagnostics.sort();
    Ok(crate::report::locations::LocationsReport {
        tool: "dagster-footprint",
        version: env!("CARGO_PKG_VERSION"),
        schema_version: SCHEMA_VERSION,
        root: root_display.to_string(),
        locations: discovery.locations,
        diagnostics,
    })
}

/// The highest severity among a report's diagnostics, if any.
pub fn worst_diagnostic(report: &Report) -> Option<Severity> {
    report.diagnostics.iter().map(|d| d.severity).max()
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

//! The stages wired together: walk → scan → rules → [`Report`].

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use crate::config::ProjectConfig;
use crate::diagnostics::Severity;
use crate::discover::{walk, WalkOptions};
use crate::heuristics::calls::CallCatalog;
use crate::heuristics::Catalog;
use crate::report::{Report, Summary, Timings, SCHEMA_VERSION};
use crate::rules::{
    fp001_heavy_module_level_import, fp002_eager_client_init, fp003_eager_model_or_data_load,
    fp004_network_call_at_import, Finding, Rule, RULES,
};
use crate::scan::{scan_files, ScanOptions};

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
}

/// Runs a scan. Fails only when the root cannot be read or the options are
/// invalid; every problem with the input is a diagnostic in the report.
pub fn run(config: &ScanConfig) -> Result<Report, String> {
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
    let catalog = Catalog::builtin().map_err(|e| format!("built-in catalog: {e}"))?;
    let calls = CallCatalog::builtin().map_err(|e| format!("built-in catalog: {e}"))?;
    let start = Instant::now();
    let walked = walk(&config.root, &walk_options)?;
    let walk_ms = elapsed_ms(start);

    let scan_start = Instant::now();
    let files = scan_files(&walked.root, &walked.python_files, &config.scan);
    let scan_ms = elapsed_ms(scan_start);

    let mut findings: Vec<Finding> = Vec::new();
    for file in &files {
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
    }
    findings.retain(|f| !project.ignored_for(&f.path, f.code));
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let mut diagnostics = walked.diagnostics;
    diagnostics.append(&mut config_diagnostics);
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

    let mut summary = Summary {
        files_scanned: files.len(),
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
            total_ms: elapsed_ms(start),
        },
        findings,
        diagnostics,
        files,
    })
}

/// The highest severity among a report's diagnostics, if any.
pub fn worst_diagnostic(report: &Report) -> Option<Severity> {
    report.diagnostics.iter().map(|d| d.severity).max()
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

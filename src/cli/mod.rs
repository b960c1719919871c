//! The command-line interface: parses arguments, runs the library, renders.
//!
//! Exit codes, as ruff: 0 no findings (at or above `--fail-on`), 1 findings,
//! 2 usage or I/O error.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod diff;
mod output;

use crate::discover::WalkOptions;
use crate::pipeline::{self, RuleSelection, ScanConfig};
use crate::report::{self, Report};
use crate::rules::{Level, Rule, RULES};
use crate::scan::{ScanOptions, DEFAULT_MAX_FILE_BYTES};

const LONG_ABOUT: &str = "\
Estimate what each Dagster code location loads at import time, and what its pod
costs in memory, by reading the repository. Nothing in the scanned tree is ever
imported or executed: every file is only parsed.

A code-location server imports its definitions module once and keeps everything
it imported resident for its whole life (and again in every run pod). One
module-level `from postal.parser import parse_address` added about 2 GB to a pod.";

#[derive(Debug, Parser)]
#[command(
    name = "dagster-footprint",
    version,
    about = "Find what Dagster code locations load at import time, without running them",
    long_about = LONG_ABOUT,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find code locations, what each loads at import time, its pod's idle memory, and fixes.
    ///
    /// Walks PATH, parses every `.py` file in parallel, reads the code-location
    /// declarations, follows each location's imports, estimates the idle memory
    /// of every pod, and reports findings and recommendations (lazy-load advice,
    /// consolidation, pod sizing). Nothing in PATH is executed.
    /// Exit code 0: no findings at or above --fail-on; 1: findings; 2: error.
    Scan(ScanArgs),
    /// List every code location: where it is declared, its entry point,
    /// server mode, owner, dependency manifest and declared resources.
    ///
    /// Reads workspace.yaml, pyproject.toml ([tool.dagster], dg projects),
    /// dg.toml workspaces, dagster_cloud.yaml / container_context.yaml, Helm
    /// values of the dagster-user-deployments chart and Dockerfiles.
    /// Exit code 0, or 2 on error; problems with the declarations are
    /// diagnostics.
    Locations(LocationsArgs),
    /// Show what one code location loads at import time, as the tool sees it:
    /// the first-party import tree, third-party modules with the chain to each,
    /// and the findings on that path.
    Explain(ExplainArgs),
    /// Compare two `scan --format json` reports (base and head of a change):
    /// per-location memory before/after, findings introduced and removed.
    ///
    /// `--format markdown` is a pull-request comment. Exit code 1 when a pod
    /// grows by more than --fail-on-increase-mib; 2 on error.
    Diff(diff::DiffArgs),
    /// Move heavy module-level imports into the functions that use them
    /// (the safe case of FP001: names used only inside function bodies).
    ///
    /// `--diff` (the default) prints a unified diff and exits 1 when there is
    /// something to fix; `--apply` writes the files. Only the moved import
    /// statements and the first lines of the using functions change.
    Fix(FixArgs),
    /// Print the documentation of a rule (or of all rules with --all).
    Rule(RuleArgs),
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Directory (or single `.py` file) to fix.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Print a unified diff of the changes (the default).
    #[arg(long, conflicts_with = "apply")]
    pub diff: bool,

    /// Write the changes to the files.
    #[arg(long)]
    pub apply: bool,

    /// Skip paths matching GLOB (repeatable; as for `scan`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Extra catalog file (as for `scan --heuristics`). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub heuristics: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LocationsArgs {
    /// Directory to search.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the output to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Skip paths matching GLOB (repeatable; as for `scan`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// No summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The location's name (or an alias, e.g. its Helm deployment name).
    pub location: String,

    /// Directory to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Skip paths matching GLOB (repeatable; as for `scan`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Number of parallel jobs (default: one per core).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Extra catalog file (as for `scan --heuristics`). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub heuristics: Vec<PathBuf>,
}

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table of findings, then diagnostics and a summary line.
    Table,
    /// The whole report as JSON (deterministic: sorted, no timing-dependent order).
    Json,
    /// `scan` only: a Helm values patch with suggested memory requests and
    /// limits for the locations declared in the dagster-user-deployments chart.
    HelmValues,
    /// `scan` only: a pull-request comment (GitHub-flavoured Markdown).
    Markdown,
    /// `scan` only: GitHub Actions annotations (`::warning file=...::...`).
    Github,
    /// `scan` only: SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// `scan` only: a GitLab Code Quality report.
    Gitlab,
    /// `scan` only: OpenMetrics gauges (pod memory, findings, savings).
    Openmetrics,
}

impl Format {
    fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// The minimum finding level that makes `scan` exit with 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    Error,
    /// Always exit 0 when the scan completes.
    Never,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Directory (or single `.py` file) to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Output format (default `table`). Repeatable, to write several formats
    /// from one scan: each `-o` goes with the `--format` before it
    /// (`--format json -o report.json --format markdown -o comment.md`).
    #[arg(long, value_enum)]
    pub format: Vec<Format>,

    /// Write the output of the preceding `--format` to FILE instead of
    /// standard output (`-`). Repeatable.
    #[arg(short, long, value_name = "FILE")]
    pub output: Vec<PathBuf>,

    #[arg(skip)]
    pub positions: output::Positions,

    /// Skip paths matching GLOB (repeatable). A glob without `/` matches any
    /// path component (`tests`); with `/` it matches the path relative to PATH
    /// (`projects/*/scratch/**`). Always skipped: .git, virtualenvs (a
    /// directory holding pyvenv.cfg), node_modules, __pycache__, site-packages,
    /// .tox, .nox, build, dist and tool caches.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Number of parallel jobs (default: one per core).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Only report these rules (comma-separated codes or names, repeatable).
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not report these rules (comma-separated codes or names, repeatable).
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Exit with 1 when there is a finding at or above this level.
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,

    /// Skip `.py` files larger than this many bytes (with a diagnostic).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_BYTES)]
    pub max_file_bytes: u64,

    /// Extra catalog file (TOML: [[package]], [[call]], [[cheap]],
    /// [baseline.NAME], [model.NAME]) that adds packages and call patterns or
    /// replaces any figure or baseline. Repeatable; later files win over
    /// earlier ones and over `[tool.dagster-footprint]` in PATH/pyproject.toml.
    #[arg(long, value_name = "FILE")]
    pub heuristics: Vec<PathBuf>,

    /// Never propose a consolidated pod whose estimate is above this (MiB).
    #[arg(long, value_name = "MIB", default_value_t = crate::recommend::DEFAULT_MAX_POD_MIB)]
    pub max_pod_mib: f64,

    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Rule code (`FP001`) or name (`heavy-module-level-import`).
    #[arg(required_unless_present = "all")]
    pub code: Option<String>,

    /// Print every rule.
    #[arg(long, conflicts_with = "code")]
    pub all: bool,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match output::parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` / `--version` print and exit 0; usage errors exit 2.
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Locations(args) => locations(&args),
        Command::Explain(args) => explain(&args),
        Command::Diff(args) => diff::diff(&args),
        Command::Fix(args) => fix(&args),
        Command::Rule(args) => rule(&args),
    }
}

fn scan(args: &ScanArgs) -> Result<ExitCode, String> {
    let config = ScanConfig {
        root: args.path.clone(),
        root_display: args.path.to_string_lossy().into_owned(),
        walk: WalkOptions {
            exclude: args.exclude.clone(),
        },
        scan: ScanOptions {
            jobs: args.jobs.unwrap_or(0),
            progress: !args.quiet && std::io::stderr().is_terminal(),
            max_file_bytes: args.max_file_bytes,
        },
        rules: RuleSelection {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
        },
        heuristics: args.heuristics.clone(),
        max_pod_mib: args.max_pod_mib,
        keep_all_facts: false,
    };
    let outputs = output::plan(
        &args.format,
        &args.output,
        &args.positions,
        Format::Table,
        Format::name,
    )?;
    let report = pipeline::run(&config)?;
    let render = || -> Result<(), String> {
        for (format, path) in &outputs {
            let text = match format {
                Format::Json => {
                    write_output_with(path.as_ref(), |out| report::json::write(&report, out))?;
                    continue;
                }
                Format::Table => report::table::render(&report, args.quiet),
                Format::HelmValues => {
                    crate::recommend::sizing::helm_values(&report.recommendations.sizing)
                }
                Format::Markdown => {
                    report::markdown::render(&report, &report::markdown::Links::default())
                }
                Format::Github => report::github::render(&report),
                Format::Sarif => report::sarif::render(&report),
                Format::Gitlab => report::gitlab::render(&report),
                Format::Openmetrics => report::openmetrics::render(&report),
            };
            write_output(path.as_ref(), &text)?;
        }
        Ok(())
    };
    // Rendering is parallel too (`--format json`): on the same `--jobs` threads.
    match crate::scan::scan_pool(config.scan.jobs) {
        Ok(pool) => pool.install(render)?,
        Err(_) => render()?,
    }
    let code = exit_code(&report, args.fail_on);
    // The process ends here: let the OS reclaim the report at once instead of
    // freeing every allocation of a large tree one by one.
    std::mem::forget(report);
    Ok(code)
}

fn locations(args: &LocationsArgs) -> Result<ExitCode, String> {
    let report = pipeline::locations(
        &args.path,
        &args.path.to_string_lossy(),
        &WalkOptions {
            exclude: args.exclude.clone(),
        },
    )?;
    let text = match args.format {
        Format::Table => report::locations::render_table(&report, args.quiet),
        format @ (Format::HelmValues
        | Format::Markdown
        | Format::Github
        | Format::Sarif
        | Format::Gitlab
        | Format::Openmetrics) => {
            return Err(format!(
                "--format {} is a `scan` format (it needs the estimates)",
                format.name()
            ))
        }
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&report)
                .map_err(|e| format!("cannot serialise the report: {e}"))?;
            text.push('\n');
            text
        }
    };
    write_output(args.output.as_ref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

fn explain(args: &ExplainArgs) -> Result<ExitCode, String> {
    // `explain DIR LOCATION`: the arguments are the wrong way round.
    if !args.path.exists() && std::path::Path::new(&args.location).is_dir() {
        return Err(format!(
            "`{}` does not exist, but `{}` is a directory: the location comes first, as in \
             `dagster-footprint explain {} {}`",
            args.path.display(),
            args.location,
            args.path.display(),
            args.location
        ));
    }
    let mut config = ScanConfig::for_path(&args.path);
    config.walk.exclude = args.exclude.clone();
    config.scan.jobs = args.jobs.unwrap_or(0);
    config.scan.progress = std::io::stderr().is_terminal();
    config.heuristics = args.heuristics.clone();
    let report = pipeline::run(&config)?;
    let wanted = &args.location;
    let location = report
        .locations
        .iter()
        .find(|l| &l.location.name == wanted)
        .or_else(|| {
            report
                .locations
                .iter()
                .find(|l| l.location.aliases.iter().any(|a| a == wanted))
        })
        .ok_or_else(|| {
            let names: Vec<String> = report
                .locations
                .iter()
                .map(|l| report::terminal_safe(&l.location.name))
                .collect();
            if names.is_empty() {
                format!(
                    "no code location `{wanted}`: none is declared under `{}` (see `dagster-footprint locations`)",
                    args.path.display()
                )
            } else {
                format!(
                    "no code location `{}` under `{}`; known: {}",
                    report::terminal_safe(wanted),
                    args.path.display(),
                    names.join(", ")
                )
            }
        })?;
    let project = crate::config::ProjectConfig::load(&args.path, &mut Vec::new());
    let heuristics = pipeline::load_heuristics(&project, &args.heuristics)?;
    write_output(
        None,
        &report::explain::render(&report, location, &heuristics.catalog),
    )?;
    Ok(ExitCode::SUCCESS)
}

fn fix(args: &FixArgs) -> Result<ExitCode, String> {
    let mut config = ScanConfig::for_path(&args.path);
    config.walk.exclude = args.exclude.clone();
    config.rules.select = vec!["FP001".to_string()];
    config.heuristics = args.heuristics.clone();
    let report = pipeline::run(&config)?;
    let root = if args.path.is_file() {
        args.path
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
            .unwrap_or_default()
    } else {
        args.path.clone()
    };
    let (fixes, skipped) = crate::recommend::fix::plan(&root, &report);
    for s in &skipped {
        eprintln!(
            "{}:{}: not fixed: {}",
            report::terminal_safe(&s.path),
            s.line,
            report::terminal_safe(&s.reason)
        );
    }
    if fixes.is_empty() {
        let found = report.findings.iter().filter(|f| f.code == "FP001").count();
        if found == 0 {
            eprintln!("Nothing to fix: no heavy module-level import (FP001) found.");
        } else {
            let which = if found == 1 {
                "the FP001 finding is not".to_string()
            } else {
                format!("none of the {found} FP001 findings is")
            };
            eprintln!(
                "Nothing to fix automatically: {which} a plain import used only inside function \
                 bodies; `dagster-footprint scan` gives the advice for each."
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.apply {
        for f in &fixes {
            std::fs::write(root.join(&f.path), &f.fixed)
                .map_err(|e| format!("cannot write `{}`: {e}", f.path))?;
            eprintln!(
                "fixed {}: moved the import{} on line{} {} into the functions that use {}",
                report::terminal_safe(&f.path),
                if f.lines.len() == 1 { "" } else { "s" },
                if f.lines.len() == 1 { "" } else { "s" },
                f.lines
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                if f.lines.len() == 1 { "it" } else { "them" }
            );
        }
        eprintln!("{} fixed.", report::text::plural(fixes.len(), "file"));
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    for f in &fixes {
        text.push_str(&f.unified_diff());
    }
    write_output(None, &text)?;
    eprintln!(
        "{} would be fixed; run with --apply to write {}.",
        report::text::plural(fixes.len(), "file"),
        if fixes.len() == 1 { "it" } else { "them" }
    );
    Ok(if fixes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn exit_code(report: &Report, fail_on: FailOn) -> ExitCode {
    let threshold = match fail_on {
        FailOn::Info => Level::Info,
        FailOn::Warning => Level::Warning,
        FailOn::Error => Level::Error,
        FailOn::Never => return ExitCode::SUCCESS,
    };
    if report.findings.iter().any(|f| f.level >= threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn write_output(path: Option<&PathBuf>, text: &str) -> Result<(), String> {
    write_output_with(path, |out| out.write_all(text.as_bytes()))
}

/// Writes to `path` (standard output when `None`) through a buffer.
fn write_output_with(
    path: Option<&PathBuf>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    const BUFFER: usize = 1 << 16;
    match path {
        Some(path) => {
            let result = std::fs::File::create(path).and_then(|file| {
                let mut out = std::io::BufWriter::with_capacity(BUFFER, file);
                write(&mut out)?;
                out.flush()
            });
            result.map_err(|e| format!("cannot write `{}`: {e}", path.display()))
        }
        None => {
            let stdout = std::io::stdout().lock();
            let mut out = std::io::BufWriter::with_capacity(BUFFER, stdout);
            match write(&mut out).and_then(|()| out.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`| head`) is not an error worth reporting.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("cannot write to standard output: {e}")),
            }
        }
    }
}

fn rule(args: &RuleArgs) -> Result<ExitCode, String> {
    let rules: Vec<&Rule> = if args.all {
        RULES.iter().collect()
    } else {
        let code = args.code.as_deref().unwrap_or_default();
        let rule = Rule::find(code).ok_or_else(|| {
            let known: Vec<&str> = RULES.iter().map(|r| r.code).collect();
            format!("unknown rule `{code}` (known: {})", known.join(", "))
        })?;
        vec![rule]
    };
    let mut text = String::new();
    for (i, rule) in rules.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&format!("# {} ({})\n\n", rule.name, rule.code));
        text.push_str(&format!("Default level: {}\n\n", rule.level.as_str()));
        text.push_str(&rule.documentation());
    }
    write_output(None, &text)?;
    Ok(ExitCode::SUCCESS)
}

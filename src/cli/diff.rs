//! `dagster-footprint diff BASE.json HEAD.json`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::output::{plan, Positions};
use super::write_output;
use crate::report::diff::{
    compare, render_github, render_json, render_markdown, render_table, Snapshot,
};
use crate::report::markdown::Links;

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Locations before/after, findings introduced and removed, the verdict.
    Table,
    /// The comparison as JSON (docs/diff.schema.json).
    Json,
    /// A pull-request comment (GitHub-flavoured Markdown, starts with
    /// `<!-- dagster-footprint -->`, under 65,536 characters).
    Markdown,
    /// GitHub Actions annotations for the introduced findings.
    Github,
}

impl DiffFormat {
    fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The report before the change (`scan --format json` of the base).
    pub base: PathBuf,

    /// The report after the change (`scan --format json` of the head).
    pub head: PathBuf,

    /// Output format (default `table`). Repeatable: each `-o` goes with the
    /// `--format` before it.
    #[arg(long, value_enum)]
    pub format: Vec<DiffFormat>,

    /// Write the output of the preceding `--format` to FILE (`-` for
    /// standard output). Repeatable.
    #[arg(short, long, value_name = "FILE")]
    pub output: Vec<PathBuf>,

    /// Link `path:line` in Markdown to `URL/blob/SHA/path#Lline`
    /// (e.g. `https://github.com/org/repo`); needs --sha.
    #[arg(long, value_name = "URL", requires = "sha")]
    pub repo_url: Option<String>,

    /// The commit of HEAD, for links.
    #[arg(long, value_name = "SHA")]
    pub sha: Option<String>,

    /// Exit with 1 when a pod present in both reports grows by more than
    /// this many MiB.
    #[arg(long, value_name = "MIB")]
    pub fail_on_increase_mib: Option<f64>,

    #[arg(skip)]
    pub positions: Positions,
}

fn read(path: &PathBuf) -> Result<Snapshot, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    Snapshot::parse(&name, &text)
}

pub fn diff(args: &DiffArgs) -> Result<ExitCode, String> {
    if let Some(limit) = args.fail_on_increase_mib {
        if !limit.is_finite() || limit < 0.0 {
            return Err(format!(
                "--fail-on-increase-mib must be a number of MiB ≥ 0, not {limit}"
            ));
        }
    }
    let outputs = plan(
        &args.format,
        &args.output,
        &args.positions,
        DiffFormat::Table,
        DiffFormat::name,
    )?;
    let base = read(&args.base)?;
    let head = read(&args.head)?;
    let diff = compare(&base, &head, args.fail_on_increase_mib);
    let links = Links {
        repo_url: args.repo_url.clone(),
        sha: args.sha.clone(),
    };
    for (format, path) in outputs {
        let text = match format {
            DiffFormat::Table => render_table(&diff),
            DiffFormat::Json => render_json(&diff),
            DiffFormat::Markdown => render_markdown(&diff, &links),
            DiffFormat::Github => render_github(&diff),
        };
        write_output(path.as_ref(), &text)?;
    }
    Ok(if diff.exceeded() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

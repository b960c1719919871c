//! ## What it does
//! Checks for models and data loaded when the module is imported:
//! `spacy.load(...)`, `*.from_pretrained(...)`, `transformers.pipeline(...)`,
//! `torch.load`, `joblib.load`, `pickle.load`, `numpy.load`, `pandas.read_*`,
//! `json.load(s)` of a file read (a dbt `manifest.json`), and
//! `@dbt_assets(manifest=...)`, which parses the dbt manifest when the
//! decorator runs. When the file read is found in the tree, its size is shown.
//!
//! ## Why is this bad?
//! The loaded object stays in the code-location server for its whole life and
//! is loaded again in every run pod, whether or not the run needs it. Models
//! take hundreds of MiB to GiB; large dbt manifests (10–100 MB) caused
//! code-location OOMs (dagster issue #17980).
//!
//! ## Example
//! ```python
//! import dagster as dg
//! import spacy
//!
//! nlp = spacy.load("en_core_web_lg")
//!
//!
//! @dg.asset
//! def entities(texts: list[str]) -> list[list[str]]:
//!     return [[e.text for e in nlp(t).ents] for t in texts]
//! ```
//!
//! Use instead:
//! ```python
//! import functools
//!
//! import dagster as dg
//!
//!
//! @functools.cache
//! def nlp():
//!     import spacy
//!
//!     return spacy.load("en_core_web_lg")
//!
//!
//! @dg.asset
//! def entities(texts: list[str]) -> list[list[str]]:
//!     return [[e.text for e in nlp()(t).ents] for t in texts]
//! ```
//!
//! ## Suppression
//! `# noqa: FP003` on the line, or `--ignore FP003`.

use std::path::Path;

use super::{call_site_phrase, check_calls, Finding};
use crate::heuristics::calls::CallCatalog;
use crate::scan::{EagerCall, FileFacts};

pub const CODE: &str = "FP003";
pub const NAME: &str = "eager-model-or-data-load";
pub const SUMMARY: &str = "Model or data loaded when the module is imported";

/// `root` is the scanned root: input files named by literal arguments are
/// looked up (by `stat`, never read) to report their size.
pub fn check(file: &FileFacts, catalog: &CallCatalog, root: &Path, out: &mut Vec<Finding>) {
    check_calls(file, catalog, CODE, out, &|call, pattern| {
        let input = input_file(root, &file.path, call);
        let size = input
            .as_ref()
            .map(|(path, bytes)| {
                format!(" (reads `{path}`, {:.1} MiB)", *bytes as f64 / 1_048_576.0)
            })
            .unwrap_or_default();
        let mib = match (&input, pattern.mib_per_input_mib) {
            (Some((_, bytes)), Some(factor)) => Some(*bytes as f64 / 1_048_576.0 * factor),
            _ => None,
        };
        (
            format!(
                "`{}(...)` loads a {}{} {}; load it lazily inside the asset or a cached function",
                call.callee,
                pattern.what,
                size,
                call_site_phrase(call)
            ),
            mib,
        )
    });
}

/// The input file a call names by literal path segments, when it exists in
/// the tree: the segments joined with `/`, relative to the calling file's
/// directory or any directory above it up to the root.
pub fn input_file(root: &Path, file_path: &str, call: &EagerCall) -> Option<(String, u64)> {
    let strings: Vec<&str> = call
        .args
        .iter()
        .map(|a| a.value.as_str())
        .chain(call.arg_strings.iter().map(String::as_str))
        .filter(|s| s.contains('.') && !s.contains("..") && !s.starts_with('/') && s.len() < 256)
        .collect();
    if strings.is_empty() {
        return None;
    }
    // `Path(__file__).parent / "target" / "manifest.json"`: join every segment.
    let joined = call
        .arg_strings
        .iter()
        .filter(|s| !s.contains("..") && !s.starts_with('/') && !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("/");
    let mut candidates: Vec<String> = strings.iter().map(|s| (*s).to_string()).collect();
    if !joined.is_empty() {
        candidates.insert(0, joined);
    }
    let mut dir = Path::new(file_path).parent();
    while let Some(d) = dir {
        for candidate in &candidates {
            let rel = d.join(candidate);
            let full = root.join(&rel);
            if let Ok(meta) = std::fs::metadata(&full) {
                if meta.is_file() {
                    return Some((rel.to_string_lossy().replace('\\', "/"), meta.len()));
                }
            }
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings_in(root: &Path, source: &str) -> Vec<Finding> {
        let file = crate::scan::facts_for_test("app/assets.py", "app.assets", source);
        let mut out = Vec::new();
        check(&file, &CallCatalog::builtin().unwrap(), root, &mut out);
        out
    }

    fn findings(source: &str) -> Vec<Finding> {
        findings_in(Path::new("/nonexistent"), source)
    }

    #[test]
    fn model_and_data_loads() {
        let src = "\
import spacy, joblib, pandas as pd, torch
from transformers import AutoModel, pipeline
nlp = spacy.load('en_core_web_lg')
model = AutoModel.from_pretrained('bert-base-uncased')
clf = pipeline('sentiment-analysis')
weights = torch.load('w.pt')
est = joblib.load('model.joblib')
frame = pd.read_parquet('data.parquet')
";
        let got: Vec<String> = findings(src).into_iter().map(|f| f.subject).collect();
        assert_eq!(
            got,
            vec![
                "spacy.load",
                "transformers.AutoModel.from_pretrained",
                "transformers.pipeline",
                "torch.load",
                "joblib.load",
                "pandas.read_parquet"
            ]
        );
    }

    #[test]
    fn json_only_when_reading_a_file() {
        let src = "\
import json
from pathlib import Path
config = json.loads('{\"a\": 1}')
manifest = json.loads(Path('target/manifest.json').read_text())
with open('m.json') as f:
    other = json.load(f)
also = json.load(open('m.json'))
";
        let got: Vec<u32> = findings(src).into_iter().map(|f| f.line).collect();
        assert_eq!(got, vec![4, 7]);
    }

    #[test]
    fn dbt_assets_manifest_with_size_from_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("app/target")).unwrap();
        std::fs::write(
            dir.path().join("app/target/manifest.json"),
            vec![b' '; 2 * 1_048_576],
        )
        .unwrap();
        let src = "\
from pathlib import Path
from dagster_dbt import dbt_assets, DbtProject
project = DbtProject(project_dir='.')
@dbt_assets(manifest=Path(__file__).parent / 'target' / 'manifest.json')
def my_dbt(context, dbt):
    yield from dbt.cli(['build'], context=context).stream()
@dbt_assets
def no_manifest(): ...
";
        let got = findings_in(dir.path(), src);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].subject, "dagster_dbt.dbt_assets");
        assert!(
            got[0]
                .message
                .contains("app/target/manifest.json`, 2.0 MiB"),
            "{}",
            got[0].message
        );
    }

    #[test]
    fn deferred_loads_do_not_fire() {
        let src = "import spacy\ndef nlp():\n    return spacy.load('en')\n";
        assert!(findings(src).is_empty());
    }
}

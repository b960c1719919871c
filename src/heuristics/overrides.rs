//! User overrides of the catalog: `--heuristics FILE` and the same tables
//! under `[tool.dagster-footprint]` in the scanned root's `pyproject.toml`.
//!
//! ```toml
//! [[package]]                 # add a package, or change fields of a known one
//! name = "internal_ml"
//! distribution = "internal-ml"
//! heavy = true
//! own_mib = 240.0
//! source = "measured in our staging pod, 2026-11"
//!
//! [[call]]                    # add an eager-call pattern (checked before the built-ins)
//! pattern = "internal_ml.load_model"
//! rule = "FP003"
//! what = "internal model"
//! mib = 900.0
//! source = "staging pod"
//!
//! [baseline.api_grpc]         # replace a runtime baseline
//! rss_mib = 140.0
//! source = "our image, python 3.12"
//! ```
//!
//! Precedence: built-in < pyproject < `--heuristics` (later files win).
//! A package entry that names a known package changes only the fields it
//! gives; a new one needs `distribution`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::calls::{CallCatalog, CallPattern, CheapCall};
use super::runtime::{Baseline, ModelParams, Parameter, Runtime};
use super::{toml_error, Catalog, CatalogError, LazyAttribute, PackageEntry};

/// A package entry where every field but `name` is optional.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct PartialPackage {
    pub name: String,
    pub aliases: Option<Vec<String>>,
    pub distribution: Option<String>,
    pub heavy: Option<bool>,
    pub import_mib: Option<f64>,
    pub own_mib: Option<f64>,
    pub import_s: Option<f64>,
    pub requires: Option<Vec<String>>,
    pub optional_requires: Option<Vec<String>>,
    pub attributes: Option<Vec<LazyAttribute>>,
    pub measured: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// A baseline where the provenance may be omitted (then `source` names the file).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PartialBaseline {
    pub rss_mib: f64,
    pub measured: Option<String>,
    pub source: Option<String>,
}

/// One overrides file (or table).
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    #[serde(default)]
    pub package: Vec<PartialPackage>,
    #[serde(default)]
    pub call: Vec<CallPattern>,
    #[serde(default)]
    pub cheap: Vec<CheapCall>,
    #[serde(default)]
    pub baseline: BTreeMap<String, PartialBaseline>,
    #[serde(default)]
    pub model: Option<PartialModel>,
}

/// Model parameters that may be replaced.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct PartialModel {
    pub first_party_mib_per_kib: Option<Parameter>,
    pub union_error_pct: Option<Parameter>,
}

/// The whole catalog: packages, call patterns, baselines and model parameters.
#[derive(Debug, Clone)]
pub struct Heuristics {
    pub catalog: Catalog,
    pub calls: CallCatalog,
    pub runtime: Runtime,
}

impl Overrides {
    /// Parses an overrides file; errors name the file, line and key.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, CatalogError> {
        toml::from_str(text).map_err(|e| toml_error(file, text, &e))
    }
}

impl Heuristics {
    pub fn builtin() -> Result<Self, CatalogError> {
        Ok(Self {
            catalog: Catalog::builtin()?,
            calls: CallCatalog::builtin()?,
            runtime: Runtime::builtin()?,
        })
    }

    /// Applies one overrides file. `file` names it in errors and provenance.
    pub fn apply(&mut self, file: &str, overrides: Overrides) -> Result<(), CatalogError> {
        let error = |message: String| CatalogError {
            file: file.to_string(),
            line: None,
            message,
        };
        for partial in overrides.package {
            let mut entry = match self.catalog.get(&partial.name) {
                Some(existing) => existing.clone(),
                None => PackageEntry {
                    name: partial.name.clone(),
                    aliases: Vec::new(),
                    distribution: partial.distribution.clone().ok_or_else(|| {
                        error(format!(
                            "package `{}`: a new package needs `distribution` (the PyPI name that installs it)",
                            partial.name
                        ))
                    })?,
                    heavy: false,
                    import_mib: None,
                    own_mib: None,
                    import_s: None,
                    requires: Vec::new(),
                    optional_requires: Vec::new(),
                    attributes: Vec::new(),
                    measured: None,
                    source: None,
                    note: None,
                },
            };
            let figure_changed = partial.import_mib.is_some() || partial.own_mib.is_some();
            macro_rules! set {
                ($($field:ident),*) => {$(
                    if let Some(value) = partial.$field.clone() {
                        entry.$field = value;
                    }
                )*};
            }
            set!(
                aliases,
                distribution,
                heavy,
                requires,
                optional_requires,
                attributes
            );
            macro_rules! set_opt {
                ($($field:ident),*) => {$(
                    if partial.$field.is_some() {
                        entry.$field = partial.$field.clone();
                    }
                )*};
            }
            set_opt!(import_mib, own_mib, import_s, measured, source, note);
            if figure_changed && partial.measured.is_none() && partial.source.is_none() {
                // A figure without provenance: say where it came from.
                entry.measured = None;
                entry.source = Some(format!("user override in {file}"));
            }
            self.catalog.insert(entry);
        }
        let mut calls = overrides.call;
        calls.append(&mut self.calls.calls);
        self.calls.calls = calls;
        for pattern in &self.calls.calls {
            if !matches!(pattern.rule.as_str(), "FP002" | "FP003" | "FP004") {
                return Err(error(format!(
                    "call pattern `{}`: rule must be FP002, FP003 or FP004, not `{}`",
                    pattern.pattern, pattern.rule
                )));
            }
        }
        self.calls.cheap.extend(overrides.cheap);
        self.calls.invalidate_index();
        for (name, partial) in overrides.baseline {
            let baselines = &mut self.runtime.baselines;
            let slot = match name.as_str() {
                "interpreter" => &mut baselines.interpreter,
                "import_dagster" => &mut baselines.import_dagster,
                "api_grpc" => &mut baselines.api_grpc,
                "code_server_proxy" => &mut baselines.code_server_proxy,
                "code_server_child" => &mut baselines.code_server_child,
                other => {
                    return Err(error(format!(
                        "unknown baseline `{other}` (known: interpreter, import_dagster, api_grpc, code_server_proxy, code_server_child)"
                    )))
                }
            };
            let source = if partial.measured.is_none() && partial.source.is_none() {
                Some(format!("user override in {file}"))
            } else {
                partial.source
            };
            *slot = Baseline {
                rss_mib: partial.rss_mib,
                measured: partial.measured,
                source,
            };
        }
        if let Some(model) = overrides.model {
            let params: &mut ModelParams = &mut self.runtime.model;
            if model.first_party_mib_per_kib.is_some() {
                params.first_party_mib_per_kib = model.first_party_mib_per_kib;
            }
            if model.union_error_pct.is_some() {
                params.union_error_pct = model.union_error_pct;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_package_changes_only_given_fields() {
        let mut h = Heuristics::builtin().unwrap();
        let before = h.catalog.get("postal").unwrap().clone();
        let o = Overrides::from_toml(
            "o.toml",
            "[[package]]\nname = \"postal\"\nimport_mib = 1900.0\n",
        )
        .unwrap();
        h.apply("o.toml", o).unwrap();
        let after = h.catalog.get("postal").unwrap();
        assert_eq!(after.import_mib, Some(1900.0));
        assert_eq!(after.distribution, before.distribution);
        assert_eq!(after.source.as_deref(), Some("user override in o.toml"));
    }

    #[test]
    fn new_package_needs_distribution() {
        let mut h = Heuristics::builtin().unwrap();
        let o = Overrides::from_toml(
            "o.toml",
            "[[package]]\nname = \"internal_ml\"\nown_mib = 3.0\n",
        )
        .unwrap();
        let err = h.apply("o.toml", o).unwrap_err();
        assert!(err.message.contains("needs `distribution`"), "{err}");
    }

    #[test]
    fn later_overrides_win() {
        let mut h = Heuristics::builtin().unwrap();
        let first =
            Overrides::from_toml("pyproject.toml", "[baseline.api_grpc]\nrss_mib = 150.0\n")
                .unwrap();
        let second = Overrides::from_toml(
            "cli.toml",
            "[baseline.api_grpc]\nrss_mib = 170.0\nsource = \"x\"\n",
        )
        .unwrap();
        h.apply("pyproject.toml", first).unwrap();
        h.apply("cli.toml", second).unwrap();
        assert_eq!(h.runtime.baselines.api_grpc.rss_mib, 170.0);
        assert_eq!(h.runtime.baselines.api_grpc.source.as_deref(), Some("x"));
    }

    #[test]
    fn user_call_patterns_come_first() {
        let mut h = Heuristics::builtin().unwrap();
        let text = "[[call]]\npattern = \"internal.connect\"\nrule = \"FP002\"\nwhat = \"internal client\"\nmib = 5.0\n";
        h.apply("o.toml", Overrides::from_toml("o.toml", text).unwrap())
            .unwrap();
        assert_eq!(h.calls.calls[0].pattern, "internal.connect");
    }

    #[test]
    fn malformed_override_names_file_line_and_key() {
        let text = "[[package]]\nname = \"x\"\nown_mb = 3.0\n";
        let err = Overrides::from_toml("team.toml", text).unwrap_err();
        assert_eq!(err.file, "team.toml");
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("own_mb"), "{}", err.message);
        let text = "[baseline.api_grpc]\nrss_mib = \"lots\"\n";
        let err = Overrides::from_toml("team.toml", text).unwrap_err();
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn unknown_baseline_is_an_error() {
        let mut h = Heuristics::builtin().unwrap();
        let o = Overrides::from_toml("o.toml", "[baseline.webserver]\nrss_mib = 1.0\n").unwrap();
        assert!(h
            .apply("o.toml", o)
            .unwrap_err()
            .message
            .contains("unknown baseline `webserver`"));
    }
}

//! Runtime baselines (`heuristics/runtime.toml`) and model parameters
//! (`heuristics/model.toml`), both written by `heuristics/calibrate/`.

use serde::Deserialize;

use super::{toml_error, CatalogError};

pub const BUILTIN_RUNTIME: &str = include_str!("../../heuristics/runtime.toml");
pub const BUILTIN_MODEL: &str = include_str!("../../heuristics/model.toml");

/// One measured process size.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Resident set size, MiB (absolute, not a delta).
    pub rss_mib: f64,
    #[serde(default)]
    pub measured: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

impl Baseline {
    pub fn provenance(&self) -> Option<String> {
        crate::heuristics::provenance(self.measured.as_ref(), self.source.as_ref())
    }
}

/// The processes a code-location pod runs before any user code is imported.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Baselines {
    /// A bare interpreter.
    pub interpreter: Baseline,
    /// An interpreter after `import dagster` (what a run worker starts from).
    pub import_dagster: Baseline,
    /// An idle `dagster api grpc` with a trivial definitions module.
    pub api_grpc: Baseline,
    /// The `dagster code-server start` proxy process (never loads user code).
    pub code_server_proxy: Baseline,
    /// The `dagster api grpc` child of `code-server start`, trivial module.
    pub code_server_child: Baseline,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct RuntimeFile {
    baseline: Baselines,
}

/// One model parameter with its provenance.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub value: f64,
    #[serde(default)]
    pub measured: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Parameters of the estimate that are not per-package.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ModelParams {
    /// RSS per KiB of first-party Python source imported.
    #[serde(default)]
    pub first_party_mib_per_kib: Option<Parameter>,
    /// Largest relative error (percent) of the union-closure model against
    /// measured package sets: the band's margin.
    #[serde(default)]
    pub union_error_pct: Option<Parameter>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    #[serde(default)]
    model: ModelParams,
}

/// Baselines and model parameters together.
#[derive(Debug, Clone, PartialEq)]
pub struct Runtime {
    pub baselines: Baselines,
    pub model: ModelParams,
}

impl Runtime {
    pub fn builtin() -> Result<Self, CatalogError> {
        Self::from_toml(
            "heuristics/runtime.toml",
            BUILTIN_RUNTIME,
            "heuristics/model.toml",
            BUILTIN_MODEL,
        )
    }

    pub fn from_toml(
        runtime_name: &str,
        runtime: &str,
        model_name: &str,
        model: &str,
    ) -> Result<Self, CatalogError> {
        let r: RuntimeFile =
            toml::from_str(runtime).map_err(|e| toml_error(runtime_name, runtime, &e))?;
        let m: ModelFile = toml::from_str(model).map_err(|e| toml_error(model_name, model, &e))?;
        Ok(Self {
            baselines: r.baseline,
            model: m.model,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses_with_provenance() {
        let r = Runtime::builtin().unwrap();
        for b in [
            &r.baselines.interpreter,
            &r.baselines.import_dagster,
            &r.baselines.api_grpc,
            &r.baselines.code_server_proxy,
            &r.baselines.code_server_child,
        ] {
            assert!(b.rss_mib > 0.0);
            assert!(b.provenance().is_some());
        }
        assert!(r.baselines.import_dagster.rss_mib > r.baselines.interpreter.rss_mib);
    }

    #[test]
    fn missing_baseline_is_an_error_naming_the_key() {
        let err = Runtime::from_toml(
            "r.toml",
            "[baseline.interpreter]\nrss_mib = 9.0\n",
            "m.toml",
            "",
        )
        .unwrap_err();
        assert_eq!(err.file, "r.toml");
        assert!(err.message.contains("import_dagster"), "{}", err.message);
    }
}

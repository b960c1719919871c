//! Project configuration: `[tool.dagster-footprint]` in the scanned root's
//! `pyproject.toml`.
//!
//! ```toml
//! [tool.dagster-footprint]
//! exclude = ["legacy/**"]
//! select = ["FP001", "FP002"]
//! ignore = ["FP004"]
//!
//! [tool.dagster-footprint.per-file-ignores]
//! "scripts/**" = ["FP001"]
//! "**/notebooks/*.py" = ["FP003"]
//! ```
//!
//! Command-line flags add to these lists.

use std::path::Path;

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use crate::diagnostics::{Diagnostic, Severity};
use crate::heuristics::overrides::Overrides;
use crate::heuristics::{line_of_offset, CatalogError};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    per_file_ignores: std::collections::BTreeMap<String, Vec<String>>,
    // Catalog overrides (see heuristics::overrides), validated separately.
    #[serde(default)]
    package: Option<toml::Value>,
    #[serde(default)]
    call: Option<toml::Value>,
    #[serde(default)]
    cheap: Option<toml::Value>,
    #[serde(default)]
    baseline: Option<toml::Value>,
    #[serde(default)]
    model: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
struct Pyproject {
    #[serde(default)]
    tool: Option<Tool>,
}

#[derive(Debug, Default, Deserialize)]
struct Tool {
    #[serde(default, rename = "dagster-footprint")]
    dagster_footprint: Option<toml::Value>,
}

/// Per-path rule ignores.
#[derive(Debug, Clone)]
pub struct PerFileIgnore {
    pub pattern: String,
    matcher: GlobMatcher,
    pub codes: Vec<String>,
}

/// The project's settings.
#[derive(Debug, Clone, Default)]
pub struct ProjectConfig {
    /// Where they came from (`pyproject.toml`), when any.
    pub source: Option<String>,
    pub exclude: Vec<String>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub per_file_ignores: Vec<PerFileIgnore>,
    /// Catalog overrides from the same table, or the error they carry.
    pub overrides: Option<Result<Overrides, CatalogError>>,
}

impl ProjectConfig {
    /// Whether `code` is ignored for the file at `path` (relative, `/`-separated).
    pub fn ignored_for(&self, path: &str, code: &str) -> bool {
        self.per_file_ignores.iter().any(|p| {
            p.matcher.is_match(path) && p.codes.iter().any(|c| c.eq_ignore_ascii_case(code))
        })
    }

    /// Reads `[tool.dagster-footprint]` from `root/pyproject.toml`. A missing
    /// file or table is the default config; a malformed one is a diagnostic
    /// (with line) and the default.
    pub fn load(root: &Path, diagnostics: &mut Vec<Diagnostic>) -> Self {
        let path = root.join("pyproject.toml");
        // Bounded read (a huge or special file at the root must not stall the scan);
        // discovery reports unreadable or oversized pyproject files.
        let Ok(text) = crate::discover::locations::read_config_file(&path) else {
            return Self::default();
        };
        Self::parse("pyproject.toml", &text, diagnostics)
    }

    pub fn parse(name: &str, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Self {
        let bad = |line: Option<u32>, message: String| {
            let d = Diagnostic::new(name, Severity::Error, "invalid-config", message);
            match line {
                Some(line) => d.at_line(line),
                None => d,
            }
        };
        let pyproject: Pyproject = match toml::from_str(text) {
            Ok(p) => p,
            // A malformed pyproject.toml is reported by location discovery too;
            // here only our own table matters.
            Err(_) => return Self::default(),
        };
        let Some(value) = pyproject.tool.and_then(|t| t.dagster_footprint) else {
            return Self::default();
        };
        let table_line = text
            .find("[tool.dagster-footprint")
            .map(|o| line_of_offset(text, o));
        let raw: RawConfig = match value.try_into() {
            Ok(raw) => raw,
            Err(e) => {
                diagnostics.push(bad(
                    table_line,
                    format!(
                        "[tool.dagster-footprint]: {}; ignoring this table (see docs/usage.md)",
                        toml::de::Error::message(&e)
                    ),
                ));
                return Self::default();
            }
        };
        let mut table = toml::map::Map::new();
        for (key, value) in [
            ("package", raw.package),
            ("call", raw.call),
            ("cheap", raw.cheap),
            ("baseline", raw.baseline),
            ("model", raw.model),
        ] {
            if let Some(value) = value {
                table.insert(key.to_string(), value);
            }
        }
        let overrides = (!table.is_empty()).then(|| {
            toml::Value::Table(table)
                .try_into::<Overrides>()
                .map_err(|e| CatalogError {
                    file: name.to_string(),
                    line: table_line,
                    message: format!("[tool.dagster-footprint]: {}", e.message()),
                })
        });
        let mut config = Self {
            source: Some(name.to_string()),
            exclude: raw.exclude,
            select: raw.select,
            ignore: raw.ignore,
            per_file_ignores: Vec::new(),
            overrides,
        };
        for (pattern, codes) in raw.per_file_ignores {
            match Glob::new(&pattern) {
                Ok(glob) => config.per_file_ignores.push(PerFileIgnore {
                    pattern,
                    matcher: glob.compile_matcher(),
                    codes,
                }),
                Err(e) => diagnostics.push(bad(
                    table_line,
                    format!(
                        "[tool.dagster-footprint.per-file-ignores]: invalid glob `{pattern}`: {e}"
                    ),
                )),
            }
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_table_and_per_file_ignores() {
        let text = r#"
[project]
name = "x"

[tool.dagster-footprint]
ignore = ["FP004"]

[tool.dagster-footprint.per-file-ignores]
"scripts/**" = ["FP001"]
"#;
        let mut d = Vec::new();
        let c = ProjectConfig::parse("pyproject.toml", text, &mut d);
        assert!(d.is_empty());
        assert_eq!(c.ignore, vec!["FP004"]);
        assert!(c.ignored_for("scripts/a/b.py", "FP001"));
        assert!(c.ignored_for("scripts/a/b.py", "fp001"));
        assert!(!c.ignored_for("scripts/a/b.py", "FP002"));
        assert!(!c.ignored_for("app/b.py", "FP001"));
    }

    #[test]
    fn wrong_types_are_a_diagnostic_with_line() {
        let text = "[project]\nname = \"x\"\n\n[tool.dagster-footprint]\nignore = \"FP001\"\n";
        let mut d = Vec::new();
        let c = ProjectConfig::parse("pyproject.toml", text, &mut d);
        assert!(c.ignore.is_empty());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(4));
        assert!(
            d[0].message.contains("[tool.dagster-footprint]"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn catalog_overrides_in_pyproject() {
        let text = "[tool.dagster-footprint]\nignore = []\n\n[[tool.dagster-footprint.package]]\nname = \"internal_ml\"\ndistribution = \"internal-ml\"\nown_mib = 12.0\n\n[tool.dagster-footprint.baseline.api_grpc]\nrss_mib = 150.0\n";
        let mut d = Vec::new();
        let c = ProjectConfig::parse("pyproject.toml", text, &mut d);
        let o = c.overrides.unwrap().unwrap();
        assert_eq!(o.package[0].name, "internal_ml");
        assert_eq!(o.baseline["api_grpc"].rss_mib, 150.0);
        let bad = "[tool.dagster-footprint]\n[[tool.dagster-footprint.package]]\nname = \"x\"\nown_mib = \"many\"\n";
        let c = ProjectConfig::parse("pyproject.toml", bad, &mut d);
        let err = c.overrides.unwrap().unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(
            err.message.contains("own_mib") || err.message.contains("invalid type"),
            "{}",
            err.message
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let text = "[tool.dagster-footprint]\nignroe = [\"FP001\"]\n";
        let mut d = Vec::new();
        ProjectConfig::parse("pyproject.toml", text, &mut d);
        assert!(d[0].message.contains("ignroe"), "{}", d[0].message);
    }
}

//! The heuristics catalog: which packages are heavy and what they cost.
//!
//! The catalog is data (`heuristics/*.toml` at the repository root), embedded
//! in the binary with `include_str!`. Every figure in it carries its
//! provenance: `measured` (by `heuristics/calibrate/`) or `source` (a citation).

pub mod calls;
pub mod overrides;
pub mod runtime;

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use serde::Deserialize;

/// The package catalog shipped with the binary.
pub const BUILTIN_PACKAGES: &str = include_str!("../../heuristics/packages.toml");
const BUILTIN_PACKAGES_NAME: &str = "heuristics/packages.toml";

/// One catalogued package, keyed by its import name.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PackageEntry {
    /// Import name (`pandas`, `snowflake.connector`, `postal`).
    pub name: String,
    /// Other import names that load the same thing.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The distribution that installs it (`scikit-learn` for `sklearn`).
    pub distribution: String,
    /// Whether a module-level import of it is worth a finding (FP001).
    #[serde(default)]
    pub heavy: bool,
    /// RSS added by `import <name>` in a fresh interpreter, over the bare
    /// interpreter, in MiB (includes everything it imports).
    #[serde(default)]
    pub import_mib: Option<f64>,
    /// RSS it adds on top of the catalogued packages it requires, in MiB.
    #[serde(default)]
    pub own_mib: Option<f64>,
    /// Wall time of the import in seconds.
    #[serde(default)]
    pub import_s: Option<f64>,
    /// Other catalog entries it imports.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Catalog entries it imports only when they are installed (pandas →
    /// pyarrow, spacy → torch): charged when the location's manifest installs
    /// them or another import reaches them; otherwise only in the high band.
    #[serde(default)]
    pub optional_requires: Vec<String>,
    /// Lazy attributes: touching `transformers.pipeline` at import time costs
    /// more than `import transformers`.
    #[serde(default)]
    pub attributes: Vec<LazyAttribute>,
    /// Provenance of a measured figure: versions, interpreter, date.
    #[serde(default)]
    pub measured: Option<String>,
    /// Provenance of a cited figure.
    #[serde(default)]
    pub source: Option<String>,
    /// Free-form remark.
    #[serde(default)]
    pub note: Option<String>,
}

/// An attribute of a lazy package whose first access imports more.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LazyAttribute {
    /// Attribute name (`pipeline`, `AutoTokenizer`).
    pub name: String,
    /// RSS the access adds on top of the package and `requires`, MiB.
    #[serde(default)]
    pub mib: Option<f64>,
    /// Catalog entries the access imports (`torch`).
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub measured: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackagesFile {
    #[serde(default)]
    package: Vec<PackageEntry>,
}

/// Error loading a catalog file: names the file, and the line and key when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for CatalogError {}

/// Turns a `toml` error into a [`CatalogError`] with a 1-based line.
pub(crate) fn toml_error(file: &str, text: &str, err: &toml::de::Error) -> CatalogError {
    let line = err.span().map(|span| line_of_offset(text, span.start));
    CatalogError {
        file: file.to_string(),
        line,
        message: err.message().to_string(),
    }
}

/// A figure's provenance for reports: `measured: ...` or `source: ...`.
pub fn provenance(measured: Option<&String>, source: Option<&String>) -> Option<String> {
    measured
        .map(|m| format!("measured: {m}"))
        .or_else(|| source.map(|s| format!("source: {s}")))
}

/// 1-based line number of a byte offset.
pub fn line_of_offset(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    let newlines = text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// The package catalog, indexed by import name (and aliases).
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    packages: Vec<PackageEntry>,
    /// Import name or alias → index into `packages` (looked up for every
    /// import and call of every reached file, in each estimate).
    by_name: HashMap<String, usize, FastHash>,
    /// The first dotted segment of every name and alias: a module whose
    /// first segment is not here has no catalogued prefix.
    first_segments: HashSet<String, FastHash>,
}

impl Catalog {
    /// The catalog built into the binary.
    pub fn builtin() -> Result<Self, CatalogError> {
        Self::from_toml(BUILTIN_PACKAGES_NAME, BUILTIN_PACKAGES)
    }

    /// Parses a packages catalog file.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, CatalogError> {
        let parsed: PackagesFile = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        let mut catalog = Self::default();
        for entry in parsed.package {
            catalog.insert(entry);
        }
        Ok(catalog)
    }

    /// Adds or replaces an entry (same import name).
    pub fn insert(&mut self, entry: PackageEntry) {
        let index = match self.by_name.get(&entry.name) {
            Some(&i) => {
                self.packages[i] = entry;
                i
            }
            None => {
                self.packages.push(entry);
                self.packages.len() - 1
            }
        };
        let entry = &self.packages[index];
        for name in std::iter::once(&entry.name).chain(&entry.aliases) {
            self.by_name.insert(name.clone(), index);
            self.first_segments.insert(first_segment(name).to_string());
        }
    }

    pub fn packages(&self) -> &[PackageEntry] {
        &self.packages
    }

    pub fn get(&self, name: &str) -> Option<&PackageEntry> {
        self.by_name.get(name).map(|&i| &self.packages[i])
    }

    /// The entry for the longest catalogued prefix of a dotted module name
    /// (`snowflake.connector.pandas_tools` → `snowflake.connector`).
    pub fn lookup_module(&self, module: &str) -> Option<&PackageEntry> {
        // Every candidate below starts with the module's first segment.
        if !self.first_segments.contains(first_segment(module)) {
            return None;
        }
        let mut candidate = module;
        loop {
            if let Some(entry) = self.get(candidate) {
                return Some(entry);
            }
            match candidate.rfind('.') {
                Some(dot) => candidate = &candidate[..dot],
                None => return None,
            }
        }
    }
}

fn first_segment(name: &str) -> &str {
    name.split_once('.').map_or(name, |(first, _)| first)
}

/// FxHash (rustc's): much cheaper than SipHash for short names. Only for
/// tables whose keys come from the catalog: the scanned code only looks names
/// up, so it cannot fill a table with colliding keys.
pub(crate) type FastHash = BuildHasherDefault<FxHasher>;

#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_has_at_least_40_heavy_packages() {
        let catalog = Catalog::builtin().unwrap();
        let heavy = catalog.packages().iter().filter(|p| p.heavy).count();
        assert!(heavy >= 40, "only {heavy} heavy packages");
    }

    #[test]
    fn every_figure_has_provenance() {
        let catalog = Catalog::builtin().unwrap();
        for p in catalog.packages() {
            if p.import_mib.is_some() || p.own_mib.is_some() {
                assert!(
                    p.measured.is_some() || p.source.is_some(),
                    "{} has a figure without provenance",
                    p.name
                );
            }
        }
    }

    #[test]
    fn longest_prefix_wins() {
        let text = r#"
[[package]]
name = "snowflake"
distribution = "snowflake"
[[package]]
name = "snowflake.connector"
distribution = "snowflake-connector-python"
"#;
        let catalog = Catalog::from_toml("t.toml", text).unwrap();
        let hit = catalog
            .lookup_module("snowflake.connector.pandas_tools")
            .unwrap();
        assert_eq!(hit.name, "snowflake.connector");
        assert_eq!(
            catalog.lookup_module("snowflake.x").unwrap().name,
            "snowflake"
        );
        assert!(catalog.lookup_module("snow").is_none());
    }

    #[test]
    fn malformed_catalog_names_file_and_line() {
        let text = "[[package]]\nname = \"x\"\ndistribution = 3\n";
        let err = Catalog::from_toml("custom.toml", text).unwrap_err();
        assert_eq!(err.file, "custom.toml");
        assert_eq!(err.line, Some(3));
        assert!(err.to_string().starts_with("custom.toml:3:"));
    }
}

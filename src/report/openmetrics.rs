//! `--format openmetrics`: gauges for dashboards (OpenMetrics text, which
//! Prometheus' text parser also reads), ending with `# EOF`.
//!
//! | metric | labels |
//! |---|---|
//! | `dagster_footprint_pod_idle_memory_bytes` (and `_low_bytes`, `_high_bytes`) | `location`, `owner`, `server_mode` |
//! | `dagster_footprint_run_pod_import_memory_bytes` | `location`, `owner`, `server_mode` |
//! | `dagster_footprint_pod_memory_request_bytes`, `..._limit_bytes` (as declared) | `location`, `owner`, `server_mode` |
//! | `dagster_footprint_findings` | `location` (empty: loaded by no location), `rule` |
//! | `dagster_footprint_potential_savings_bytes` | `location`, `kind` |
//!
//! Savings are a list of [`Saving`]s: [`savings`] takes them from the
//! report's recommendations (`lazy_load`, `consolidation`, `over_request`);
//! other kinds can be fed to [`render_with`].

use std::collections::{BTreeMap, BTreeSet};

use super::{LocationReport, Report};
use crate::discover::locations::ServerMode;

const MIB: f64 = 1024.0 * 1024.0;

/// A potential saving for one location.
#[derive(Debug, Clone, PartialEq)]
pub struct Saving {
    pub location: String,
    /// `lazy_load`, `over_request`, ... (snake_case).
    pub kind: String,
    pub bytes: u64,
}

fn bytes(mib: f64) -> u64 {
    if mib <= 0.0 {
        0
    } else {
        (mib * MIB).round() as u64
    }
}

/// Escapes a label value: `\` → `\\`, `"` → `\"`, newline → `\n`.
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// What the report's recommendations would save, per location and kind:
///
/// - `lazy_load`: Σ of the lazy-load advice's per-pod savings (imports and
///   calls that can be deferred; advice that cannot defer saves nothing);
/// - `consolidation`: a consolidation group's saving, under the proposed
///   merged location's name;
/// - `over_request`: the declared memory request above the suggested one.
pub fn savings(report: &Report) -> Vec<Saving> {
    use crate::recommend::lazy::Advice;
    let recommendations = &report.recommendations;
    let mut out = Vec::new();
    let mut lazy: BTreeMap<&str, f64> = BTreeMap::new();
    for advice in &recommendations.lazy_imports {
        if matches!(advice.advice, Advice::CannotDefer { .. }) {
            continue;
        }
        for saving in &advice.savings {
            *lazy.entry(saving.location.as_str()).or_default() += saving.mib;
        }
    }
    for (location, mib) in lazy {
        if mib > 0.0 {
            out.push(Saving {
                location: location.to_string(),
                kind: "lazy_load".into(),
                bytes: bytes(mib),
            });
        }
    }
    for group in &recommendations.consolidation {
        if group.saved_mib > 0.0 {
            out.push(Saving {
                location: group.name.clone(),
                kind: "consolidation".into(),
                bytes: bytes(group.saved_mib),
            });
        }
    }
    for sizing in &recommendations.sizing {
        let declared = report
            .locations
            .iter()
            .find(|l| l.location.name == sizing.location)
            .and_then(|l| l.location.resources.as_ref())
            .and_then(|r| r.requests.memory.as_ref())
            .map(|m| m.bytes);
        if let Some(declared) = declared {
            if declared > sizing.suggested_request_bytes {
                out.push(Saving {
                    location: sizing.location.clone(),
                    kind: "over_request".into(),
                    bytes: declared - sizing.suggested_request_bytes,
                });
            }
        }
    }
    out
}

struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(String, u64)>,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            help,
            samples: Vec::new(),
        }
    }

    fn write(&self, out: &mut String) {
        out.push_str(&format!("# HELP {} {}\n", self.name, self.help));
        out.push_str(&format!("# TYPE {} gauge\n", self.name));
        if self.name.ends_with("_bytes") {
            out.push_str(&format!("# UNIT {} bytes\n", self.name));
        }
        for (labels, value) in &self.samples {
            out.push_str(&format!("{}{labels} {value}\n", self.name));
        }
    }
}

fn location_labels(l: &LocationReport) -> String {
    let owner = l
        .location
        .owner
        .as_ref()
        .map(|o| o.owners.join(","))
        .unwrap_or_default();
    let mode = match l.location.server_mode {
        ServerMode::ApiGrpc => "api_grpc",
        ServerMode::CodeServer => "code_server",
    };
    labels(&[
        ("location", &l.location.name),
        ("owner", &owner),
        ("server_mode", mode),
    ])
}

/// The report's metrics, with the savings [`savings`] derives.
pub fn render(report: &Report) -> String {
    render_with(report, &savings(report))
}

/// The report's metrics with the given savings.
pub fn render_with(report: &Report, savings: &[Saving]) -> String {
    let mut idle = Family::new(
        "dagster_footprint_pod_idle_memory_bytes",
        "Estimated idle memory (RSS) of the code-location pod, point estimate.",
    );
    let mut low = Family::new(
        "dagster_footprint_pod_idle_memory_low_bytes",
        "Low end of the band of the estimated idle memory of the code-location pod.",
    );
    let mut high = Family::new(
        "dagster_footprint_pod_idle_memory_high_bytes",
        "High end of the band of the estimated idle memory of the code-location pod.",
    );
    let mut run_pod = Family::new(
        "dagster_footprint_run_pod_import_memory_bytes",
        "Estimated memory each run pod of the location spends importing its code.",
    );
    let mut request = Family::new(
        "dagster_footprint_pod_memory_request_bytes",
        "Memory request declared for the code-location container.",
    );
    let mut limit = Family::new(
        "dagster_footprint_pod_memory_limit_bytes",
        "Memory limit declared for the code-location container.",
    );
    let mut seen = BTreeSet::new();
    for l in &report.locations {
        if !seen.insert(l.location.name.as_str()) {
            continue;
        }
        let labels = location_labels(l);
        if let Some(e) = &l.estimate {
            idle.samples.push((labels.clone(), bytes(e.mib)));
            low.samples.push((labels.clone(), bytes(e.low_mib)));
            high.samples.push((labels.clone(), bytes(e.high_mib)));
            run_pod.samples.push((labels.clone(), bytes(e.run_pod_mib)));
        }
        if let Some(r) = &l.location.resources {
            if let Some(m) = &r.requests.memory {
                request.samples.push((labels.clone(), m.bytes));
            }
            if let Some(m) = &r.limits.memory {
                limit.samples.push((labels.clone(), m.bytes));
            }
        }
    }

    let mut findings = Family::new(
        "dagster_footprint_findings",
        "Findings per code location and rule (an empty location: loaded by no location).",
    );
    // Each finding once per location that loads it (rules about a
    // location's declaration name it too); under "" when none does.
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for f in &report.findings {
        if f.locations.is_empty() {
            *counts
                .entry((String::new(), f.code.to_string()))
                .or_default() += 1;
        }
        for location in &f.locations {
            *counts
                .entry((location.clone(), f.code.to_string()))
                .or_default() += 1;
        }
    }
    for ((location, rule), n) in counts {
        findings
            .samples
            .push((labels(&[("location", &location), ("rule", &rule)]), n));
    }

    let mut saved = Family::new(
        "dagster_footprint_potential_savings_bytes",
        "Memory the recommendations could save for the code location, per kind.",
    );
    let mut by_key: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for s in savings {
        *by_key
            .entry((s.location.as_str(), s.kind.as_str()))
            .or_default() += s.bytes;
    }
    for ((location, kind), value) in by_key {
        saved
            .samples
            .push((labels(&[("location", location), ("kind", kind)]), value));
    }

    let mut out = String::new();
    for family in [
        &idle, &low, &high, &run_pod, &request, &limit, &findings, &saved,
    ] {
        family.write(&mut out);
    }
    out.push_str("# EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(
            labels(&[("location", "x\"}"), ("rule", "FP001")]),
            "{location=\"x\\\"}\",rule=\"FP001\"}"
        );
    }

    #[test]
    fn bytes_from_mib() {
        assert_eq!(bytes(1.0), 1_048_576);
        assert_eq!(bytes(-0.0), 0);
        assert_eq!(bytes(0.5), 524_288);
    }
}

//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning (and any SARIF
//! viewer).
//!
//! One run; `tool.driver.rules` is built from [`RULES`] (summary, the "What
//! it does" section, the whole documentation as help). Each finding is a
//! result at its file, line and column (URIs relative to the directory the
//! tool ran in, under `%SRCROOT%`), with the import chains that bring it into
//! each code location as `relatedLocations`, and a `partialFingerprints`
//! entry keyed on rule, file and subject (not the line). Diagnostics are
//! `toolExecutionNotifications`.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::ci::{encode_path, finding_key, repo_path};
use super::markdown::severity;
use super::Report;
use crate::rules::{Level, Rule, RULES};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool is documented (`tool.driver.informationUri`).
pub fn information_uri() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY") {
        "" => "https://github.com/dagster-footprint/dagster-footprint",
        repository => repository,
    }
}

fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
    }
}

/// The text of one `## Heading` section of a rule's documentation.
fn section(doc: &str, heading: &str) -> Option<String> {
    let start = doc.find(heading)? + heading.len();
    let rest = &doc[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    let text = rest[..end].trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn rule_descriptor(rule: &Rule) -> Value {
    let doc = rule.documentation();
    let full = section(&doc, "## What it does").unwrap_or_else(|| rule.summary.to_string());
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": full },
        "help": { "text": doc, "markdown": doc },
        "defaultConfiguration": { "level": level(rule.level) },
        "properties": { "tags": ["dagster", "memory", "import-time"] },
    })
}

/// `{"uri": ..., "uriBaseId": "%SRCROOT%"}`, or an absolute `file://` URI.
fn artifact(path: &str) -> Value {
    if path.starts_with('/') {
        json!({ "uri": format!("file://{}", encode_path(path)) })
    } else {
        json!({ "uri": encode_path(path), "uriBaseId": "%SRCROOT%" })
    }
}

fn physical(path: &str, line: u32, column: Option<u32>) -> Value {
    let mut location = json!({ "artifactLocation": artifact(path) });
    if line > 0 {
        let mut region = json!({ "startLine": line });
        if let Some(column) = column.filter(|c| *c > 0) {
            region["startColumn"] = json!(column);
        }
        location["region"] = region;
    }
    location
}

pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = RULES.iter().map(rule_descriptor).collect();
    let mut results = Vec::new();
    for f in &report.findings {
        let path = repo_path(&report.root, &f.path);
        let rule_index = RULES.iter().position(|r| r.code == f.code);
        let mut message = f.message.clone();
        if !f.locations.is_empty() {
            message.push_str(&format!(
                ". Loaded by code location(s): {}.",
                f.locations.join(", ")
            ));
        }
        // The import chain from each location's entry, one related location per hop.
        let mut related = Vec::new();
        let mut seen = BTreeSet::new();
        for l in &report.locations {
            let Some(lf) = l.findings.iter().find(|lf| {
                lf.code == f.code
                    && lf.hop.path == f.path
                    && lf.hop.line == f.line
                    && lf.column == f.column
            }) else {
                continue;
            };
            let chain = l.chain(lf);
            let hops = chain.len().saturating_sub(1);
            for (step, hop) in chain[..hops].iter().enumerate() {
                if !seen.insert((hop.path.clone(), hop.line, l.location.name.clone())) {
                    continue;
                }
                related.push(json!({
                    "id": related.len() + 1,
                    "physicalLocation": physical(&repo_path(&report.root, &hop.path), hop.line, None),
                    "message": { "text": format!(
                        "step {} of the import chain of code location `{}`: imports `{}`{}",
                        step + 1,
                        l.location.name,
                        hop.module,
                        if hop.conditional { " (conditionally)" } else { "" }
                    ) },
                }));
            }
        }
        let mut result = json!({
            "ruleId": f.code,
            "level": level(f.level),
            "message": { "text": message },
            "locations": [ { "physicalLocation": physical(&path, f.line, Some(f.column)) } ],
            "partialFingerprints": { "dagsterFootprint/v1": finding_key(f.code, &path, &f.subject) },
            "properties": { "subject": f.subject, "context": f.context.as_str() },
        });
        if let Some(index) = rule_index {
            result["ruleIndex"] = json!(index);
        }
        if let Some(mib) = f.mib {
            result["properties"]["mib"] = json!(mib);
        }
        if !related.is_empty() {
            result["relatedLocations"] = Value::Array(related);
        }
        results.push(result);
    }
    let notifications: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let level = match severity(d.severity) {
                "info" => "note",
                other => other,
            };
            json!({
                "level": level,
                "message": { "text": d.message },
                "descriptor": { "id": d.kind },
                "locations": [ { "physicalLocation": physical(
                    &repo_path(&report.root, &d.path), d.line.unwrap_or(0), d.column) } ],
            })
        })
        .collect();
    let sarif = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [ {
            "tool": { "driver": {
                "name": report.tool,
                "version": report.version,
                "semanticVersion": report.version,
                "informationUri": information_uri(),
                "rules": rules,
            } },
            "invocations": [ {
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            } ],
            "columnKind": "unicodeCodePoints",
            "results": results,
        } ],
    });
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_have_a_description_from_their_docs() {
        for rule in RULES {
            let d = rule_descriptor(rule);
            let full = d["fullDescription"]["text"].as_str().unwrap();
            assert!(!full.is_empty() && !full.contains("## "), "{}", rule.code);
            assert!(d["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## What it does"));
        }
    }

    #[test]
    fn artifacts() {
        assert_eq!(
            artifact("a b.py"),
            json!({"uri": "a%20b.py", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(artifact("/r/a.py"), json!({"uri": "file:///r/a.py"}));
        assert_eq!(
            physical("a.py", 0, Some(1)),
            json!({"artifactLocation": {"uri": "a.py", "uriBaseId": "%SRCROOT%"}})
        );
    }
}

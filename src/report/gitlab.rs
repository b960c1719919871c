//! `--format gitlab`: a GitLab Code Quality report (the `codequality`
//! artifact of a merge-request pipeline).
//!
//! Each finding is `{description, check_name, fingerprint, severity,
//! location: {path, lines: {begin}}}`. The fingerprint hashes the rule, the
//! file and the subject, not the line, so GitLab does not see a moved import
//! as fixed-and-new; the n-th repeat of the same triple in a file gets `:n`.
//! Severities: `info` → `info`, `warning` → `major`, `error` → `critical`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::ci::{finding_key, repo_path};
use super::Report;
use crate::rules::Level;

fn severity(level: Level) -> &'static str {
    match level {
        Level::Info => "info",
        Level::Warning => "major",
        Level::Error => "critical",
    }
}

pub fn render(report: &Report) -> String {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let issues: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let path = repo_path(&report.root, &f.path);
            let key = finding_key(f.code, &path, &f.subject);
            let n = seen.entry(key.clone()).or_default();
            let fingerprint = if *n == 0 { key } else { format!("{key}:{n}") };
            *n += 1;
            let mut description = format!("{}: {}", f.code, f.message);
            if !f.locations.is_empty() {
                description.push_str(&format!(" (loaded by {})", f.locations.join(", ")));
            }
            json!({
                "type": "issue",
                "description": description,
                "check_name": f.code,
                "fingerprint": fingerprint,
                "severity": severity(f.level),
                "categories": ["Performance"],
                "location": { "path": path, "lines": { "begin": f.line.max(1) } },
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    text.push('\n');
    text
}

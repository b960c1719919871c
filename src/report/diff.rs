//! `dagster-footprint diff BASE.json HEAD.json`: what a change does to each
//! code-location pod, from two `scan --format json` reports.
//!
//! Locations are matched by name: before/after/delta MiB, and new and
//! removed locations. Findings are matched by rule, file and subject (not
//! line: moving an import does not make it new); when the same triple occurs
//! more often in HEAD, the extra occurrences are "introduced".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ci::repo_path;
use super::github;
use super::markdown::{
    assemble, escape, level_icon, location_list, mib, signed_mib, Links, Section, COMMENT_LIMIT,
    MARKER,
};
use super::table::{new_table, right_align};
use super::{terminal_safe, SCHEMA_VERSION};
use crate::estimate::round1;

/// A scan report as far as the diff reads it (unknown fields are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Snapshot {
    pub tool: String,
    pub version: String,
    pub schema_version: u32,
    pub root: String,
    #[serde(default)]
    pub locations: Vec<SnapshotLocation>,
    #[serde(default)]
    pub findings: Vec<DiffFinding>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SnapshotLocation {
    pub name: String,
    #[serde(default)]
    pub owner: Option<SnapshotOwner>,
    #[serde(default)]
    pub estimate: Option<SnapshotEstimate>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SnapshotOwner {
    #[serde(default)]
    pub owners: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct SnapshotEstimate {
    pub mib: f64,
    pub low_mib: f64,
    pub high_mib: f64,
}

/// A finding of either report.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct DiffFinding {
    pub code: String,
    #[serde(default)]
    pub rule: String,
    pub level: String,
    /// Relative to the scanned root, as in the report.
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mib: Option<f64>,
    #[serde(default)]
    pub locations: Vec<String>,
}

impl Snapshot {
    /// Reads a report, checking it is one this version understands.
    pub fn parse(name: &str, text: &str) -> Result<Self, String> {
        let snapshot: Self = serde_json::from_str(text).map_err(|e| {
            format!("`{name}` is not a `dagster-footprint scan --format json` report: {e}")
        })?;
        if snapshot.tool != "dagster-footprint" {
            return Err(format!(
                "`{name}` was written by `{}`, not dagster-footprint",
                snapshot.tool
            ));
        }
        if snapshot.schema_version > SCHEMA_VERSION {
            return Err(format!(
                "`{name}` has schema_version {} (written by dagster-footprint {}); this version reads up to {SCHEMA_VERSION}: upgrade",
                snapshot.schema_version, snapshot.version
            ));
        }
        Ok(snapshot)
    }
}

/// What happened to a location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Added,
    Removed,
    Changed,
    Unchanged,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocationDelta {
    pub name: String,
    pub status: Status,
    /// Owners in HEAD (else BASE), space-separated; empty when none.
    pub owner: String,
    /// Idle MiB of the pod before (absent: no such location, or not scannable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_mib: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_mib: Option<f64>,
    /// `after - before`, missing sides counted as 0.
    pub delta_mib: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_low_mib: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_high_mib: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub root: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DiffSummary {
    pub before_mib: f64,
    pub after_mib: f64,
    pub delta_mib: f64,
    pub locations_added: usize,
    pub locations_removed: usize,
    pub locations_changed: usize,
    pub findings_introduced: usize,
    pub findings_removed: usize,
}

/// `--fail-on-increase-mib`: the limit and the locations over it.
#[derive(Debug, Clone, Serialize)]
pub struct Threshold {
    pub fail_on_increase_mib: f64,
    /// Locations present in both reports whose pod grew by more than the limit.
    pub exceeded: Vec<String>,
}

/// The comparison of two reports (`diff --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub tool: &'static str,
    pub version: &'static str,
    pub schema_version: u32,
    pub kind: &'static str,
    pub base: Side,
    pub head: Side,
    pub verdict: String,
    pub summary: DiffSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Threshold>,
    /// Sorted: added, removed, changed (largest change first), unchanged (by name).
    pub locations: Vec<LocationDelta>,
    pub findings_introduced: Vec<DiffFinding>,
    pub findings_removed: Vec<DiffFinding>,
}

fn owner(location: &SnapshotLocation) -> String {
    location
        .owner
        .as_ref()
        .map(|o| o.owners.join(" "))
        .unwrap_or_default()
}

type Key = (String, String, String);

fn by_key(findings: &[DiffFinding]) -> BTreeMap<Key, Vec<&DiffFinding>> {
    let mut map: BTreeMap<Key, Vec<&DiffFinding>> = BTreeMap::new();
    for f in findings {
        map.entry((f.code.clone(), f.path.clone(), f.subject.clone()))
            .or_default()
            .push(f);
    }
    for list in map.values_mut() {
        list.sort_by_key(|f| (f.line, f.column));
    }
    map
}

/// The findings of `a` not matched in `b`, in report order.
fn unmatched(a: &[DiffFinding], b: &[DiffFinding]) -> Vec<DiffFinding> {
    let b = by_key(b);
    let mut out: Vec<DiffFinding> = Vec::new();
    for (key, list) in by_key(a) {
        let matched = b.get(&key).map_or(0, Vec::len);
        out.extend(list.into_iter().skip(matched).cloned());
    }
    out.sort_by(|x, y| {
        (&x.path, x.line, x.column, &x.code).cmp(&(&y.path, y.line, y.column, &y.code))
    });
    out
}

/// Compares two reports.
pub fn compare(base: &Snapshot, head: &Snapshot, fail_on_increase_mib: Option<f64>) -> Diff {
    let before: BTreeMap<&str, &SnapshotLocation> = base
        .locations
        .iter()
        .map(|l| (l.name.as_str(), l))
        .collect();
    let after: BTreeMap<&str, &SnapshotLocation> = head
        .locations
        .iter()
        .map(|l| (l.name.as_str(), l))
        .collect();
    let mut names: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    let mut locations = Vec::new();
    let mut summary = DiffSummary::default();
    for name in names {
        let b = before.get(name);
        let a = after.get(name);
        let before_mib = b.and_then(|l| l.estimate).map(|e| e.mib);
        let after_est = a.and_then(|l| l.estimate);
        let after_mib = after_est.map(|e| e.mib);
        let delta = round1(after_mib.unwrap_or(0.0) - before_mib.unwrap_or(0.0));
        let status = match (b, a) {
            (None, _) => Status::Added,
            (_, None) => Status::Removed,
            _ if delta.abs() >= 0.05 || before_mib.is_some() != after_mib.is_some() => {
                Status::Changed
            }
            _ => Status::Unchanged,
        };
        match status {
            Status::Added => summary.locations_added += 1,
            Status::Removed => summary.locations_removed += 1,
            Status::Changed => summary.locations_changed += 1,
            Status::Unchanged => {}
        }
        summary.before_mib += before_mib.unwrap_or(0.0);
        summary.after_mib += after_mib.unwrap_or(0.0);
        locations.push(LocationDelta {
            name: name.to_string(),
            status,
            owner: a.or(b).map(|l| owner(l)).unwrap_or_default(),
            before_mib,
            after_mib,
            delta_mib: delta,
            after_low_mib: after_est.map(|e| e.low_mib),
            after_high_mib: after_est.map(|e| e.high_mib),
        });
    }
    locations.sort_by(|x, y| {
        x.status
            .cmp(&y.status)
            .then(y.delta_mib.abs().total_cmp(&x.delta_mib.abs()))
            .then(x.name.cmp(&y.name))
    });
    summary.before_mib = round1(summary.before_mib);
    summary.after_mib = round1(summary.after_mib);
    summary.delta_mib = round1(summary.after_mib - summary.before_mib);
    let findings_introduced = unmatched(&head.findings, &base.findings);
    let findings_removed = unmatched(&base.findings, &head.findings);
    summary.findings_introduced = findings_introduced.len();
    summary.findings_removed = findings_removed.len();
    let threshold = fail_on_increase_mib.map(|limit| Threshold {
        fail_on_increase_mib: limit,
        exceeded: locations
            .iter()
            .filter(|l| {
                l.status == Status::Changed && l.before_mib.is_some() && l.delta_mib > limit
            })
            .map(|l| l.name.clone())
            .collect(),
    });
    let mut diff = Diff {
        tool: "dagster-footprint",
        version: env!("CARGO_PKG_VERSION"),
        schema_version: SCHEMA_VERSION,
        kind: "diff",
        base: Side {
            root: base.root.clone(),
            version: base.version.clone(),
        },
        head: Side {
            root: head.root.clone(),
            version: head.version.clone(),
        },
        verdict: String::new(),
        summary,
        threshold,
        locations,
        findings_introduced,
        findings_removed,
    };
    diff.verdict = diff.verdict_with(&|s: &str| format!("`{s}`"));
    diff
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl Diff {
    /// Whether `--fail-on-increase-mib` was passed and some pod grew past it.
    pub fn exceeded(&self) -> bool {
        self.threshold
            .as_ref()
            .is_some_and(|t| !t.exceeded.is_empty())
    }

    fn delta_of(&self, name: &str) -> f64 {
        self.locations
            .iter()
            .find(|l| l.name == name)
            .map_or(0.0, |l| l.delta_mib)
    }

    /// The one-line verdict; `name` formats a location name.
    pub fn verdict_with(&self, name: &dyn Fn(&str) -> String) -> String {
        let s = &self.summary;
        // "3 findings introduced", for each count that is not zero.
        let counted = |parts: &[(usize, &str, &str, &str)]| -> Vec<String> {
            parts
                .iter()
                .filter(|(n, ..)| *n > 0)
                .map(|&(n, one, many, what)| format!("{} {what}", plural(n, one, many)))
                .collect()
        };
        let findings = counted(&[
            (s.findings_introduced, "finding", "findings", "introduced"),
            (s.findings_removed, "finding", "findings", "removed"),
        ]);
        let findings = if findings.is_empty() {
            "no finding introduced".to_string()
        } else {
            findings.join(", ")
        };
        if let Some(t) = self.threshold.as_ref().filter(|t| !t.exceeded.is_empty()) {
            let over: Vec<String> = t
                .exceeded
                .iter()
                .take(3)
                .map(|n| format!("{} (+{} MiB)", name(n), mib(self.delta_of(n))))
                .collect();
            let more = if t.exceeded.len() > 3 {
                format!(" and {} more", t.exceeded.len() - 3)
            } else {
                String::new()
            };
            return format!(
                "❌ {}{more} grew by more than the {} MiB allowed; {findings}.",
                over.join(", "),
                mib(t.fail_on_increase_mib)
            );
        }
        let grew = self
            .locations
            .iter()
            .filter(|l| l.status == Status::Changed && l.delta_mib > 0.0)
            .count();
        let shrank = self
            .locations
            .iter()
            .filter(|l| l.status == Status::Changed && l.delta_mib < 0.0)
            .count();
        let pods = counted(&[
            (grew, "pod", "pods", "larger"),
            (shrank, "pod", "pods", "smaller"),
            (s.locations_added, "location", "locations", "new"),
            (s.locations_removed, "location", "locations", "removed"),
        ]);
        let pods = if pods.is_empty() {
            String::new()
        } else {
            format!(" ({})", pods.join(", "))
        };
        if s.delta_mib >= 0.05 {
            format!(
                "⚠️ Idle memory up {} MiB{pods}; {findings}.",
                mib(s.delta_mib)
            )
        } else {
            let icon = if s.findings_introduced > 0 {
                "⚠️"
            } else {
                "✅"
            };
            if s.delta_mib <= -0.05 {
                format!(
                    "{icon} Idle memory down {} MiB{pods}; {findings}.",
                    mib(-s.delta_mib)
                )
            } else {
                format!("{icon} No change in idle memory{pods}; {findings}.")
            }
        }
    }
}

/// `diff --format json`.
pub fn render_json(diff: &Diff) -> String {
    let mut text = serde_json::to_string_pretty(diff).unwrap_or_default();
    text.push('\n');
    text
}

/// `diff --format github`: annotations for the introduced findings.
pub fn render_github(diff: &Diff) -> String {
    let mut out = String::new();
    for f in &diff.findings_introduced {
        out.push_str(&github::annotation(
            &f.level,
            &repo_path(&diff.head.root, &f.path),
            f.line,
            f.column,
            &f.code,
            &github::message(&f.message, &f.locations),
        ));
    }
    out
}

fn opt_mib(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), mib)
}

fn status_text(l: &LocationDelta) -> &'static str {
    match l.status {
        Status::Added => "new",
        Status::Removed => "removed",
        Status::Changed if l.delta_mib > 0.0 => "larger",
        Status::Changed if l.delta_mib < 0.0 => "smaller",
        Status::Changed => "changed",
        Status::Unchanged => "",
    }
}

fn location_row(diff: &Diff, l: &LocationDelta) -> Vec<String> {
    let exceeded = diff
        .threshold
        .as_ref()
        .is_some_and(|t| t.exceeded.contains(&l.name));
    let delta = if l.status == Status::Unchanged {
        "0".to_string()
    } else if exceeded {
        format!("**{}** ❌", signed_mib(l.delta_mib))
    } else {
        format!("**{}**", signed_mib(l.delta_mib))
    };
    vec![
        escape(&l.name),
        if l.owner.is_empty() {
            "—".to_string()
        } else {
            escape(&l.owner)
        },
        opt_mib(l.before_mib),
        opt_mib(l.after_mib),
        delta,
        status_text(l).to_string(),
    ]
}

const LOCATION_COLUMNS: [(&str, bool); 6] = [
    ("Location", false),
    ("Owner", false),
    ("Before MiB", true),
    ("After MiB", true),
    ("Δ MiB", true),
    ("", false),
];

fn findings_section(title: &str, findings: &[DiffFinding], root: &str, links: &Links) -> Section {
    let mut section = Section::table(
        Some(format!("{title} ({})", findings.len())),
        super::markdown::FINDING_COLUMNS,
    );
    for f in findings {
        section.row(&[
            format!("{} {}", escape(&f.code), level_icon(&f.level)),
            links.at(&repo_path(root, &f.path), f.line),
            escape(&f.subject),
            opt_mib(f.mib),
            escape(&f.message),
            location_list(&f.locations),
        ]);
    }
    section
}

/// `diff --format markdown`: the pull-request comment.
pub fn render_markdown(diff: &Diff, links: &Links) -> String {
    let s = &diff.summary;
    let mut head = format!("{MARKER}\n### dagster-footprint: code-location memory\n\n");
    head.push_str(&format!(
        "**Verdict:** {}\n\n",
        diff.verdict_with(&|n: &str| format!("**{}**", escape(n)))
    ));
    head.push_str(&format!(
        "Idle memory of all pods: {} → {} MiB ({}); {} introduced, {} removed.\n\n",
        mib(s.before_mib),
        mib(s.after_mib),
        signed_mib(s.delta_mib),
        plural(s.findings_introduced, "finding", "findings"),
        s.findings_removed
    ));
    let changed: Vec<&LocationDelta> = diff
        .locations
        .iter()
        .filter(|l| l.status != Status::Unchanged)
        .collect();
    let unchanged = diff.locations.len() - changed.len();
    let mut sections = Vec::new();
    let mut headline = Section::table(None, &LOCATION_COLUMNS);
    headline.empty = Some("No code location changed.".into());
    for l in &changed {
        headline.row(&location_row(diff, l));
    }
    if unchanged > 0 && !changed.is_empty() {
        headline.rows.push(format!(
            "\n_{} unchanged._\n",
            plural(unchanged, "location", "locations")
        ));
    }
    sections.push(headline);
    let mut introduced = findings_section(
        "Findings introduced",
        &diff.findings_introduced,
        &diff.head.root,
        links,
    );
    introduced.empty = Some("No finding introduced.".into());
    sections.push(introduced);
    // Removed findings are gone from HEAD: link nowhere.
    sections.push(findings_section(
        "Findings removed",
        &diff.findings_removed,
        &diff.base.root,
        &Links::default(),
    ));
    if unchanged > 0 {
        let mut all = Section::table(
            Some(format!("All locations ({})", diff.locations.len())),
            &LOCATION_COLUMNS,
        );
        for l in &diff.locations {
            all.row(&location_row(diff, l));
        }
        sections.push(all);
    }
    assemble(&head, &sections, COMMENT_LIMIT)
}

/// `diff --format table`.
pub fn render_table(diff: &Diff) -> String {
    let mut out = String::new();
    if !diff.locations.is_empty() {
        let mut table = new_table(vec![
            "Location",
            "Owner",
            "Before MiB",
            "After MiB",
            "Δ MiB",
            "",
        ]);
        for l in &diff.locations {
            table.add_row(vec![
                terminal_safe(&l.name),
                terminal_safe(&l.owner),
                opt_mib(l.before_mib),
                opt_mib(l.after_mib),
                signed_mib(l.delta_mib),
                status_text(l).to_string(),
            ]);
        }
        right_align(&mut table, &[2, 3, 4]);
        out.push_str(&table.to_string());
        out.push_str("\n\n");
    }
    for (title, findings, root) in [
        ("Introduced", &diff.findings_introduced, &diff.head.root),
        ("Removed", &diff.findings_removed, &diff.base.root),
    ] {
        if findings.is_empty() {
            continue;
        }
        out.push_str(&format!("{title}:\n"));
        for f in findings {
            out.push_str(&format!(
                "  {}:{}:{}: {} {}\n",
                terminal_safe(&repo_path(root, &f.path)),
                f.line,
                f.column,
                terminal_safe(&f.code),
                terminal_safe(&f.message)
            ));
        }
        out.push('\n');
    }
    out.push_str(&terminal_safe(&diff.verdict));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: &str, path: &str, line: u32, subject: &str) -> DiffFinding {
        DiffFinding {
            code: code.into(),
            rule: String::new(),
            level: "warning".into(),
            path: path.into(),
            line,
            column: 1,
            message: format!("import of `{subject}`"),
            subject: subject.into(),
            mib: None,
            locations: vec![],
        }
    }

    fn snapshot(locations: &[(&str, f64)], findings: Vec<DiffFinding>) -> Snapshot {
        Snapshot {
            tool: "dagster-footprint".into(),
            version: "0".into(),
            schema_version: SCHEMA_VERSION,
            root: ".".into(),
            locations: locations
                .iter()
                .map(|(name, mib)| SnapshotLocation {
                    name: name.to_string(),
                    owner: None,
                    estimate: Some(SnapshotEstimate {
                        mib: *mib,
                        low_mib: *mib,
                        high_mib: *mib,
                    }),
                })
                .collect(),
            findings,
        }
    }

    /// Every phrase of the one-line verdict: counts only when not zero,
    /// singular and plural, and the icon.
    #[test]
    fn verdict_names_each_nonzero_count() {
        let base = snapshot(
            &[("a", 100.0), ("b", 200.0), ("c", 300.0), ("gone", 50.0)],
            vec![finding("FP001", "x.py", 1, "torch")],
        );
        let head = snapshot(
            &[("a", 150.0), ("b", 210.0), ("c", 250.0), ("n", 70.0)],
            vec![
                finding("FP001", "y.py", 1, "torch"),
                finding("FP001", "z.py", 1, "pandas"),
            ],
        );
        let diff = compare(&base, &head, None);
        assert_eq!(
            diff.verdict,
            "⚠️ Idle memory up 30 MiB (2 pods larger, 1 pod smaller, 1 location new, \
             1 location removed); 2 findings introduced, 1 finding removed."
        );
        let back = compare(&head, &base, None);
        assert_eq!(
            back.verdict,
            "⚠️ Idle memory down 30 MiB (1 pod larger, 2 pods smaller, 1 location new, \
             1 location removed); 1 finding introduced, 2 findings removed."
        );
        let fixed = compare(
            &base,
            &snapshot(
                &[("a", 100.0), ("b", 200.0), ("c", 300.0), ("gone", 30.0)],
                vec![],
            ),
            None,
        );
        assert_eq!(
            fixed.verdict,
            "✅ Idle memory down 20 MiB (1 pod smaller); 1 finding removed."
        );
    }

    #[test]
    fn moved_lines_do_not_churn() {
        let base = snapshot(&[("a", 100.0)], vec![finding("FP001", "a.py", 3, "torch")]);
        let head = snapshot(&[("a", 100.0)], vec![finding("FP001", "a.py", 9, "torch")]);
        let diff = compare(&base, &head, None);
        assert!(diff.findings_introduced.is_empty());
        assert!(diff.findings_removed.is_empty());
        assert!(diff.verdict.starts_with("✅ No change"), "{}", diff.verdict);
    }

    #[test]
    fn extra_occurrences_are_introduced() {
        let base = snapshot(&[], vec![finding("FP001", "a.py", 3, "torch")]);
        let head = snapshot(
            &[],
            vec![
                finding("FP001", "a.py", 3, "torch"),
                finding("FP001", "a.py", 12, "torch"),
                finding("FP001", "b.py", 1, "torch"),
            ],
        );
        let diff = compare(&base, &head, None);
        let new: Vec<(String, u32)> = diff
            .findings_introduced
            .iter()
            .map(|f| (f.path.clone(), f.line))
            .collect();
        assert_eq!(new, vec![("a.py".into(), 12), ("b.py".into(), 1)]);
        let back = compare(&head, &base, None);
        assert_eq!(back.findings_removed.len(), 2);
    }

    #[test]
    fn locations_added_removed_changed_and_threshold() {
        let base = snapshot(&[("a", 100.0), ("b", 200.0), ("gone", 50.0)], vec![]);
        let head = snapshot(&[("a", 2148.0), ("b", 150.0), ("new", 300.0)], vec![]);
        let diff = compare(&base, &head, Some(500.0));
        let rows: Vec<(&str, Status, f64)> = diff
            .locations
            .iter()
            .map(|l| (l.name.as_str(), l.status, l.delta_mib))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("new", Status::Added, 300.0),
                ("gone", Status::Removed, -50.0),
                ("a", Status::Changed, 2048.0),
                ("b", Status::Changed, -50.0),
            ]
        );
        assert!(diff.exceeded());
        assert_eq!(
            diff.threshold.as_ref().unwrap().exceeded,
            vec!["a".to_string()]
        );
        assert!(
            diff.verdict.starts_with("❌ `a` (+2048 MiB)"),
            "{}",
            diff.verdict
        );
        // A new location is not a pod growing.
        let only_new = compare(
            &base,
            &snapshot(
                &[("a", 100.0), ("b", 200.0), ("gone", 50.0), ("n", 900.0)],
                vec![],
            ),
            Some(1.0),
        );
        assert!(!only_new.exceeded());
        assert_eq!(summary_delta(&diff), 2598.0 - 350.0);
    }

    fn summary_delta(diff: &Diff) -> f64 {
        diff.summary.delta_mib
    }

    #[test]
    fn markdown_escapes_repository_text() {
        let mut f = finding("FP001", "<img src=x onerror=alert(1)>.py", 4, "mod|`x`");
        f.locations = vec!["@org/team".into()];
        let base = snapshot(&[("a", 100.0)], vec![]);
        let mut head = snapshot(&[("a", 200.0)], vec![f]);
        head.locations[0].owner = Some(SnapshotOwner {
            owners: vec!["@org/team".into()],
        });
        let diff = compare(&base, &head, None);
        let links = Links {
            repo_url: Some("https://github.com/acme/mono".into()),
            sha: Some("0123abc".into()),
        };
        let md = render_markdown(&diff, &links);
        assert!(md.starts_with(MARKER));
        assert!(!md.contains("<img"), "{md}");
        assert!(!md.contains("@org"), "{md}");
        assert!(md.contains("@&#8203;org/team"));
        assert!(md.contains("mod&#124;&#96;x&#96;"));
        assert!(md.contains("(https://github.com/acme/mono/blob/0123abc/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.py#L4)"));
        let headline = md.find("| a |").unwrap();
        let details = md.find("<details>").unwrap();
        assert!(headline < details, "headline table first");
    }
}

//! `--format table`: code locations, findings (with the import chain that
//! brings each into a pod), diagnostics, then a summary line.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::{terminal_safe, text, LocationReport, Report};
use crate::estimate::{ContributionKind, PodEstimate};
use crate::graph::Hop;

/// Locations listed per finding before "and N more".
const MAX_CHAINS_PER_FINDING: usize = 3;

/// A table in the style of every table the tool prints.
pub(super) fn new_table(header: Vec<&str>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    table
}

pub(super) fn right_align(table: &mut Table, columns: &[usize]) {
    for &column in columns {
        if let Some(col) = table.column_mut(column) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// `a/b.py:3 → c.py:4`, paths shortened to what differs.
pub fn chain_text(chain: &[Hop]) -> String {
    let hops: Vec<String> = chain
        .iter()
        .map(|h| {
            let mark = if h.conditional { " (if)" } else { "" };
            format!("{}:{}{}", terminal_safe(&h.path), h.line, mark)
        })
        .collect();
    hops.join(" → ")
}

/// `torch 412, pandas 61, numpy 24` — the largest user-code contributions.
pub fn top_contributors(estimate: &PodEstimate, n: usize) -> String {
    let parts: Vec<String> = estimate
        .breakdown
        .iter()
        .filter(|c| c.kind != ContributionKind::Baseline && c.mib >= 0.5)
        .take(n)
        .map(|c| format!("{} {:.0}", c.name, c.mib))
        .collect();
    if parts.is_empty() {
        "baseline only".to_string()
    } else {
        parts.join(", ")
    }
}

pub fn owner_text(location: &LocationReport) -> String {
    location
        .location
        .owner
        .as_ref()
        .map(|o| o.owners.join(" "))
        .unwrap_or_else(|| "—".to_string())
}

pub fn render(report: &Report, quiet: bool) -> String {
    let mut out = String::new();
    if !report.locations.is_empty() {
        let mut table = new_table(vec![
            "Location",
            "Server",
            "Owner",
            "Files",
            "Findings",
            "Idle MiB",
            "Band",
            "Top contributors (MiB)",
        ]);
        for l in &report.locations {
            let server = if l.location.scannable {
                match l.location.server_mode {
                    crate::discover::locations::ServerMode::ApiGrpc => "api grpc",
                    crate::discover::locations::ServerMode::CodeServer => "code-server",
                }
            } else {
                "not scannable"
            };
            let (mib, band, top) = match &l.estimate {
                Some(e) => (
                    format!("{:.0}", e.mib),
                    format!("{:.0}–{:.0}", e.low_mib, e.high_mib),
                    top_contributors(e, 3),
                ),
                None => ("—".to_string(), "—".to_string(), "—".to_string()),
            };
            table.add_row(vec![
                terminal_safe(&l.location.name),
                server.to_string(),
                terminal_safe(&owner_text(l)),
                l.files_reached.to_string(),
                l.findings.len().to_string(),
                mib,
                band,
                terminal_safe(&top),
            ]);
        }
        right_align(&mut table, &[3, 4, 5, 6]);
        out.push_str(&table.to_string());
        out.push_str("\n\n");
    }
    if !report.findings.is_empty() {
        let mut table = new_table(vec![
            "File",
            "Line",
            "Rule",
            "Package/call",
            "MiB",
            "Runs",
            "Locations",
        ]);
        for f in &report.findings {
            let mib = match f.mib {
                Some(mib) => format!("{mib:.0}"),
                None => "—".to_string(),
            };
            let locations = match f.locations.len() {
                0 if f.code == "FP010" => "—".to_string(),
                0 => "none".to_string(),
                1..=2 => f.locations.join(", "),
                n => format!("{}, +{} more", f.locations[..2].join(", "), n - 2),
            };
            table.add_row(vec![
                terminal_safe(&f.path),
                format!("{}:{}", f.line, f.column),
                f.code.to_string(),
                terminal_safe(&f.subject),
                mib,
                if f.code == "FP010" {
                    "—".to_string()
                } else {
                    f.context.as_str().to_string()
                },
                terminal_safe(&locations),
            ]);
        }
        right_align(&mut table, &[1, 4]);
        out.push_str(&table.to_string());
        out.push('\n');
        for f in &report.findings {
            out.push_str(&format!(
                "{}:{}:{}: {} {}\n",
                terminal_safe(&f.path),
                f.line,
                f.column,
                f.code,
                terminal_safe(&f.message)
            ));
            let mut shown = 0;
            for name in &f.locations {
                if shown == MAX_CHAINS_PER_FINDING {
                    out.push_str(&format!(
                        "    ... and {} more locations\n",
                        f.locations.len() - shown
                    ));
                    break;
                }
                let Some(location) = report.locations.iter().find(|l| &l.location.name == name)
                else {
                    continue;
                };
                if let Some(lf) = location
                    .findings
                    .iter()
                    .find(|lf| lf.hop.path == f.path && lf.hop.line == f.line && lf.code == f.code)
                {
                    let may = if lf.may_load { " (may load)" } else { "" };
                    out.push_str(&format!(
                        "    {}{}: {}\n",
                        terminal_safe(name),
                        may,
                        chain_text(&location.chain(lf))
                    ));
                    shown += 1;
                }
            }
        }
    }
    recommendations(report, &mut out);
    if !report.diagnostics.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("Diagnostics:\n");
        for d in &report.diagnostics {
            out.push_str(&format!("  {}\n", terminal_safe(&d.to_string())));
        }
    }
    if !quiet {
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&text::summary_line(report));
        out.push('\n');
    }
    out
}

fn recommendations(report: &Report, out: &mut String) {
    let rec = &report.recommendations;
    let any =
        !rec.lazy_imports.is_empty() || !rec.consolidation.is_empty() || !rec.sizing.is_empty();
    if !any {
        return;
    }
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str("Recommendations\n");
    if !rec.lazy_imports.is_empty() {
        out.push_str("\n  Lazy-load:\n");
        for a in &rec.lazy_imports {
            let fixable = if a.fixable {
                " [fixable: dagster-footprint fix]"
            } else {
                ""
            };
            out.push_str(&format!(
                "    {}:{}: {} {}{}\n",
                terminal_safe(&a.path),
                a.line,
                a.code,
                terminal_safe(&a.message),
                fixable
            ));
        }
    }
    if !rec.consolidation.is_empty() {
        out.push_str("\n  Consolidate:\n");
        for g in &rec.consolidation {
            out.push_str(&format!(
                "    {} ({}): {} → one pod: saves {} and {:.0} MiB ({:.0} → {:.0} MiB). Risk: {}\n",
                terminal_safe(&g.name),
                terminal_safe(&g.because),
                terminal_safe(&g.locations.join(", ")),
                text::plural(g.pods_saved, "pod"),
                g.saved_mib,
                g.separate_mib,
                g.merged_mib,
                g.risk
            ));
            for e in &g.excluded {
                out.push_str(&format!(
                    "      not {}: {}\n",
                    terminal_safe(&e.location),
                    terminal_safe(&e.reason)
                ));
            }
        }
    }
    if !rec.sizing.is_empty() {
        out.push_str("\n  Pod sizing (request = estimate + 15%, limit = band high + 15%; --format helm-values prints the patch):\n");
        let mut table = new_table(vec![
            "Location",
            "Declared request / limit",
            "Estimate (band) MiB",
            "Suggested request / limit",
        ]);
        for s in &rec.sizing {
            table.add_row(vec![
                terminal_safe(&s.location),
                format!(
                    "{} / {}",
                    s.declared_request.as_deref().unwrap_or("—"),
                    s.declared_limit.as_deref().unwrap_or("—")
                ),
                format!("{:.0} (≤ {:.0})", s.estimate_mib, s.high_mib),
                format!("{} / {}", s.suggested_request, s.suggested_limit),
            ]);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    if !rec.deployment_models.is_empty() {
        out.push_str("\n  Deployment models:\n");
        let mut table = new_table(vec!["Model", "Pods", "Idle MiB", "Largest pod", "Concerns"]);
        for m in &rec.deployment_models {
            table.add_row(vec![
                m.model.replace('_', " "),
                m.pods.to_string(),
                format!("{:.0}", m.total_idle_mib),
                format!(
                    "{} ({:.0} MiB)",
                    terminal_safe(&m.largest_pod),
                    m.largest_pod_mib
                ),
                terminal_safe(&m.concerns.join("\n")),
            ]);
        }
        right_align(&mut table, &[1, 2]);
        out.push_str(&table.to_string());
        out.push('\n');
    }
    let t = &rec.totals;
    if t.pods_now == 0 {
        // No scannable location: no pod to total.
        return;
    }
    // Advice that needs code changed around the import is not in the totals.
    let not_counted = rec
        .lazy_imports
        .iter()
        .filter(|a| !a.advice.defers_import())
        .count();
    let not_counted = if not_counted == 0 {
        String::new()
    } else {
        format!(
            " ({} not counted: the code around the import must change first)",
            text::plural_word(not_counted, "finding", "findings")
        )
    };
    out.push_str(&format!(
        "\n  Total idle memory: {:.0} MiB in {} now\n    after deferring the imports that can move: {:.0} MiB{not_counted}\n    after consolidating too: {:.0} MiB in {}\n",
        t.idle_now_mib,
        text::plural(t.pods_now, "pod"),
        t.idle_after_lazy_mib,
        t.idle_after_all_mib,
        text::plural(t.pods_after, "pod"),
    ));
}

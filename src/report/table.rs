//! `--format table`: findings in a table, then diagnostics, then a summary.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::{terminal_safe, text, Report};

pub fn render(report: &Report, quiet: bool) -> String {
    let mut out = String::new();
    if !report.findings.is_empty() {
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(vec!["File", "Line", "Rule", "Package/call", "MiB", "Runs"]);
        for f in &report.findings {
            let mib = match f.mib {
                Some(mib) => format!("{mib:.0}"),
                None => "—".to_string(),
            };
            table.add_row(vec![
                terminal_safe(&f.path),
                format!("{}:{}", f.line, f.column),
                f.code.to_string(),
                terminal_safe(&f.subject),
                mib,
                f.context.as_str().to_string(),
            ]);
        }
        for column in [1, 4] {
            if let Some(col) = table.column_mut(column) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
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
        }
    }
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
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&text::summary_line(report));
        out.push('\n');
    }
    out
}

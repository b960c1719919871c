//! Shared text helpers for the human-readable renderers.

use super::Report;

/// `Scanned 12 files in 4 ms: 2 findings (FP001: 2); 1 file with syntax errors; 3 diagnostics.`
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let mut line = format!(
        "Scanned {} and {} in {} ms: {}",
        plural(s.files_scanned, "file"),
        plural_word(s.locations, "code location", "code locations"),
        report.timings.total_ms,
        plural(s.findings, "finding"),
    );
    if !s.findings_by_code.is_empty() {
        let parts: Vec<String> = s
            .findings_by_code
            .iter()
            .map(|(code, n)| format!("{code}: {n}"))
            .collect();
        line.push_str(&format!(" ({})", parts.join(", ")));
    }
    if s.total_idle_mib > 0.0 {
        line.push_str(&format!(
            "; idle memory of all pods {:.0} MiB (band {:.0}–{:.0})",
            s.total_idle_mib, s.total_idle_low_mib, s.total_idle_high_mib
        ));
    }
    if s.files_with_syntax_errors > 0 {
        line.push_str(&format!(
            "; {} with syntax errors",
            plural(s.files_with_syntax_errors, "file")
        ));
    }
    if s.diagnostics > 0 {
        line.push_str(&format!("; {}", plural(s.diagnostics, "diagnostic")));
    }
    line.push('.');
    line
}

pub fn plural_word(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

//! `--format json`: the whole [`Report`], pretty-printed, deterministic.

use super::Report;

pub fn render(report: &Report) -> String {
    // Serialising plain data with string keys cannot fail.
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise report: {e}\"}}"));
    text.push('\n');
    text
}

//! `--format markdown`: a report as a pull-request comment (GitHub-flavoured
//! Markdown), and the pieces the diff comment is built from.
//!
//! Everything that comes from the scanned repository (file and module names,
//! messages, owners, location names) goes through [`escape`], the one place
//! that makes such text inert: no HTML, no Markdown structure, no `@`
//! mentions, no issue references, no autolinks, one line.
//!
//! A comment stays under GitHub's limit ([`COMMENT_LIMIT`]): [`assemble`]
//! adds rows while they fit and ends with a note saying how many were left out.

use super::ci::{encode_path, repo_path};
use super::table::{owner_text, top_contributors};
use super::Report;

/// First line of every comment the tool writes: how the GitHub Action finds
/// its own comment to update.
pub const MARKER: &str = "<!-- dagster-footprint -->";

/// GitHub rejects comment bodies longer than this (characters).
pub const COMMENT_LIMIT: usize = 65_536;

/// Room kept free under the limit (closing tags, the truncation note).
const RESERVE: usize = 600;

/// Makes text from the scanned repository inert in GitHub Markdown, inside
/// or outside a table cell:
///
/// - HTML: `& < > " '` become entities, so no tag, comment or attribute
///   survives (`<img src=x onerror=alert(1)>` prints as text);
/// - tables and code: `|` and `` ` `` become entities;
/// - Markdown: `\ * _ [ ] ~ $` are backslash-escaped (no emphasis, links,
///   images, strikethrough or math);
/// - notifications: `@` is followed by a zero-width space (`@org/team` does
///   not mention anyone), as is `#` before a digit (no issue reference) and
///   the `:` of `://` and the `.` of `www.` (no autolink);
/// - layout: newlines and tabs become spaces; other control characters and
///   bidirectional overrides are shown escaped (`\u{202e}`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '|' => out.push_str("&#124;"),
            '`' => out.push_str("&#96;"),
            '@' => out.push_str("@&#8203;"),
            '#' if chars.peek().is_some_and(char::is_ascii_digit) => out.push_str("#&#8203;"),
            ':' if chars.clone().take(2).eq("//".chars()) => out.push_str(":&#8203;"),
            // `www.example.com` is autolinked by GitHub too.
            '.' if out.len() >= 3 && out[out.len() - 3..].eq_ignore_ascii_case("www") => {
                out.push_str("&#8203;.");
            }
            '\\' | '*' | '_' | '[' | ']' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push(' ');
                }
            }
            '\n' | '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// Unicode formatting characters that reorder text ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// How `path:line` references become links: `{repo_url}/blob/{sha}/{path}#L{line}`
/// when both are known, plain text otherwise.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub repo_url: Option<String>,
    pub sha: Option<String>,
}

impl Links {
    /// `path:line`, escaped, linked when possible. `path` is repository-relative.
    pub fn at(&self, path: &str, line: u32) -> String {
        let text = format!("{}:{line}", escape(path));
        match self.url(path, line) {
            Some(url) => format!("[{text}]({url})"),
            None => text,
        }
    }

    /// The URL, when `repo_url` and `sha` are set and `path` is relative.
    pub fn url(&self, path: &str, line: u32) -> Option<String> {
        let (Some(repo), Some(sha)) = (&self.repo_url, &self.sha) else {
            return None;
        };
        if path.starts_with('/') || path.starts_with("..") {
            return None;
        }
        Some(format!(
            "{}/blob/{}/{}#L{line}",
            encode_url(repo.trim_end_matches('/')),
            encode_path(sha),
            encode_path(path)
        ))
    }
}

/// Keeps a user-given base URL usable inside `(...)` of a Markdown link.
fn encode_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' | '(' | ')' | '<' | '>' | '"' | '\'' | '`' | '|' | '\\' => {
                let mut buf = [0u8; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One block of a comment: a table (or list) whose rows are added while the
/// comment stays under its limit.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// `Some(summary)`: inside `<details>` with this (already escaped) summary;
    /// `None`: shown as is.
    pub details: Option<String>,
    /// Lines before the rows (a table header), each ending with `\n`.
    pub header: String,
    /// One line each, ending with `\n`.
    pub rows: Vec<String>,
    /// Said instead of the rows when there are none.
    pub empty: Option<String>,
}

impl Section {
    pub fn table(details: Option<String>, columns: &[(&str, bool)]) -> Self {
        let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
        let aligns: Vec<&str> = columns
            .iter()
            .map(|(_, right)| if *right { "--:" } else { "---" })
            .collect();
        Self {
            details,
            header: format!("| {} |\n|{}|\n", names.join(" | "), aligns.join("|")),
            ..Self::default()
        }
    }

    pub fn row(&mut self, cells: &[String]) {
        self.rows.push(format!("| {} |\n", cells.join(" | ")));
    }
}

/// `head`, then each section, within `limit` bytes (bytes ≥ characters, so
/// within GitHub's character limit too). Rows that do not fit are counted in
/// a closing note.
pub fn assemble(head: &str, sections: &[Section], limit: usize) -> String {
    let budget = limit.saturating_sub(RESERVE);
    let mut out = String::new();
    push_clipped(&mut out, head, budget);
    let mut omitted = 0usize;
    for section in sections {
        if omitted > 0 {
            omitted += section.rows.len();
            continue;
        }
        if section.rows.is_empty() && section.empty.is_none() {
            continue;
        }
        let open = match &section.details {
            Some(summary) => format!("<details><summary>{summary}</summary>\n\n"),
            None => String::new(),
        };
        let close = if section.details.is_some() {
            "\n</details>\n\n"
        } else {
            "\n"
        };
        if out.len() + open.len() + section.header.len() + close.len() > budget {
            omitted += section.rows.len().max(1);
            continue;
        }
        out.push_str(&open);
        if section.rows.is_empty() {
            if let Some(empty) = &section.empty {
                out.push_str(empty);
                out.push('\n');
            }
        } else {
            out.push_str(&section.header);
            for (i, row) in section.rows.iter().enumerate() {
                if out.len() + row.len() + close.len() > budget {
                    omitted += section.rows.len() - i;
                    break;
                }
                out.push_str(row);
            }
        }
        out.push_str(close);
    }
    if omitted > 0 {
        out.push_str(&format!(
            "_{omitted} more rows not shown: a comment is limited to {COMMENT_LIMIT} characters. \
             The full report is in the job summary and the JSON report._\n"
        ));
    }
    out
}

/// Appends `text`, cut at a line boundary when it would pass `budget`.
fn push_clipped(out: &mut String, text: &str, budget: usize) {
    if out.len() + text.len() <= budget {
        out.push_str(text);
        return;
    }
    for line in text.split_inclusive('\n') {
        if out.len() + line.len() > budget {
            out.push_str("\n_(truncated)_\n");
            return;
        }
        out.push_str(line);
    }
}

/// `12`, `−3`, `+412` (MiB, no decimals unless small).
pub fn mib(value: f64) -> String {
    if value.abs() < 10.0 && value.fract() != 0.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

/// `+412`, `-3.5`, `0`.
pub fn signed_mib(value: f64) -> String {
    if value.abs() < 0.05 {
        "0".to_string()
    } else if value > 0.0 {
        format!("+{}", mib(value))
    } else {
        mib(value)
    }
}

/// Columns of a findings table (name, right-aligned), in the PR comment of
/// `scan` and of `diff`.
pub const FINDING_COLUMNS: &[(&str, bool)] = &[
    ("Rule", false),
    ("Where", false),
    ("Package/call", false),
    ("MiB", true),
    ("Message", false),
    ("Loaded by", false),
];

/// `--format markdown` of `scan`: a report comment with no base to compare to.
pub fn render(report: &Report, links: &Links) -> String {
    let s = &report.summary;
    let mut head = format!("{MARKER}\n### dagster-footprint\n\n");
    let mut counts = vec![format!(
        "{} code location{}",
        s.locations,
        if s.locations == 1 { "" } else { "s" }
    )];
    if s.total_idle_mib > 0.0 {
        counts.push(format!(
            "idle memory of all pods **{} MiB** (band {}–{})",
            mib(s.total_idle_mib),
            mib(s.total_idle_low_mib),
            mib(s.total_idle_high_mib)
        ));
    }
    let by_code: Vec<String> = s
        .findings_by_code
        .iter()
        .map(|(code, n)| format!("{}: {n}", escape(code)))
        .collect();
    counts.push(if by_code.is_empty() {
        format!("{} findings", s.findings)
    } else {
        format!(
            "{} finding{} ({})",
            s.findings,
            if s.findings == 1 { "" } else { "s" },
            by_code.join(", ")
        )
    });
    head.push_str(&counts.join(" · "));
    head.push_str("\n\n");

    let mut sections = Vec::new();
    let mut locations = Section::table(
        None,
        &[
            ("Location", false),
            ("Owner", false),
            ("Server", false),
            ("Idle MiB", true),
            ("Band", false),
            ("Findings", true),
            ("Top contributors (MiB)", false),
        ],
    );
    for l in &report.locations {
        let (idle, band, top) = match &l.estimate {
            Some(e) => (
                mib(e.mib),
                format!("{}–{}", mib(e.low_mib), mib(e.high_mib)),
                escape(&top_contributors(e, 3)),
            ),
            None => ("—".into(), "—".into(), "not scannable".into()),
        };
        locations.row(&[
            escape(&l.location.name),
            escape(&owner_text(l)),
            server_mode(l).to_string(),
            idle,
            band,
            l.findings.len().to_string(),
            top,
        ]);
    }
    sections.push(locations);

    let mut findings = Section::table(
        Some(format!("Findings ({})", report.findings.len())),
        FINDING_COLUMNS,
    );
    findings.empty = Some("No findings.".into());
    for f in &report.findings {
        findings.row(&[
            format!("{} {}", f.code, level_icon(f.level.as_str())),
            links.at(&repo_path(&report.root, &f.path), f.line),
            escape(&f.subject),
            f.mib.map_or_else(|| "—".to_string(), mib),
            escape(&f.message),
            location_list(&f.locations),
        ]);
    }
    sections.push(findings);

    if !report.diagnostics.is_empty() {
        let mut diagnostics = Section {
            details: Some(format!("Diagnostics ({})", report.diagnostics.len())),
            ..Section::default()
        };
        for d in &report.diagnostics {
            let at = match d.line {
                Some(line) => links.at(&repo_path(&report.root, &d.path), line),
                None => escape(&repo_path(&report.root, &d.path)),
            };
            diagnostics.rows.push(format!(
                "- {at} {} {}: {}\n",
                severity(d.severity),
                escape(&d.kind),
                escape(&d.message)
            ));
        }
        sections.push(diagnostics);
    }
    assemble(&head, &sections, COMMENT_LIMIT)
}

fn server_mode(l: &super::LocationReport) -> &'static str {
    if !l.location.scannable {
        return "not scannable";
    }
    match l.location.server_mode {
        crate::discover::locations::ServerMode::ApiGrpc => "api grpc",
        crate::discover::locations::ServerMode::CodeServer => "code-server",
    }
}

pub fn severity(severity: crate::diagnostics::Severity) -> &'static str {
    match severity {
        crate::diagnostics::Severity::Info => "info",
        crate::diagnostics::Severity::Warning => "warning",
        crate::diagnostics::Severity::Error => "error",
    }
}

/// `a, b, +3 more`, escaped; `—` when empty.
pub fn location_list(names: &[String]) -> String {
    match names.len() {
        0 => "—".to_string(),
        1..=3 => names
            .iter()
            .map(|n| escape(n))
            .collect::<Vec<_>>()
            .join(", "),
        n => format!(
            "{}, +{} more",
            names[..3]
                .iter()
                .map(|n| escape(n))
                .collect::<Vec<_>>()
                .join(", "),
            n - 3
        ),
    }
}

/// A small marker for a finding level (`error` ⛔, `warning` ⚠️, `info` ℹ️).
pub fn level_icon(level: &str) -> &'static str {
    match level {
        "error" => "⛔",
        "warning" => "⚠️",
        _ => "ℹ️",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_inert() {
        assert_eq!(
            escape("<img src=x onerror=alert(1)>.py"),
            "&lt;img src=x onerror=alert(1)&gt;.py"
        );
        assert_eq!(escape("a & \"b\" 'c'"), "a &amp; &quot;b&quot; &#39;c&#39;");
        assert_eq!(
            escape("<!-- dagster-footprint -->"),
            "&lt;!-- dagster-footprint --&gt;"
        );
    }

    #[test]
    fn tables_code_and_markdown_are_inert() {
        assert_eq!(escape("a|b"), "a&#124;b");
        assert_eq!(escape("`rm -rf`"), "&#96;rm -rf&#96;");
        assert_eq!(
            escape("[x](javascript:alert(1)) ![i](u)"),
            "\\[x\\](javascript:alert(1)) !\\[i\\](u)"
        );
        assert_eq!(
            escape("**b** _i_ ~~s~~ $x$ \\"),
            "\\*\\*b\\*\\* \\_i\\_ \\~\\~s\\~\\~ \\$x\\$ \\\\"
        );
    }

    #[test]
    fn mentions_references_and_autolinks_are_inert() {
        assert_eq!(escape("@org/team"), "@&#8203;org/team");
        assert_eq!(escape("see #12, # noqa"), "see #&#8203;12, # noqa");
        assert_eq!(
            escape("https://evil.example"),
            "https:&#8203;//evil.example"
        );
        assert_eq!(escape("a: b"), "a: b");
    }

    #[test]
    fn layout_is_one_line() {
        assert_eq!(escape("a\nb\r\nc\rd\te"), "a b c d e");
        assert_eq!(escape("x\u{1b}[31m"), "x\\u{1b}\\[31m");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("plain é 日本"), "plain é 日本");
    }

    #[test]
    fn links() {
        let none = Links::default();
        assert_eq!(none.at("a_b.py", 3), "a\\_b.py:3");
        let links = Links {
            repo_url: Some("https://github.com/acme/mono/".into()),
            sha: Some("abc123".into()),
        };
        assert_eq!(
            links.at("p/a b(1).py", 7),
            "[p/a b(1).py:7](https://github.com/acme/mono/blob/abc123/p/a%20b%281%29.py#L7)"
        );
        assert_eq!(
            links.at("<x>.py", 1),
            "[&lt;x&gt;.py:1](https://github.com/acme/mono/blob/abc123/%3Cx%3E.py#L1)"
        );
        assert_eq!(links.url("/abs.py", 1), None);
    }

    #[test]
    fn assemble_stays_under_the_limit_and_says_what_it_left_out() {
        let mut section = Section::table(Some("Rows".into()), &[("A", false)]);
        for i in 0..5000 {
            section.row(&[format!("row {i} {}", "x".repeat(40))]);
        }
        let text = assemble("head\n", &[section.clone(), section], COMMENT_LIMIT);
        assert!(text.len() <= COMMENT_LIMIT, "{}", text.len());
        assert!(text.contains("more rows not shown"));
        assert!(text.contains("</details>"));
        let small = assemble("head\n", &[Section::table(None, &[("A", false)])], 1000);
        assert!(!small.contains("not shown"));
    }

    #[test]
    fn signed() {
        assert_eq!(signed_mib(412.04), "+412");
        assert_eq!(signed_mib(-3.5), "-3.5");
        assert_eq!(signed_mib(0.01), "0");
    }
}

#[cfg(test)]
mod www_tests {
    #[test]
    fn www_is_not_autolinked() {
        assert_eq!(
            super::escape("see www.evil.example"),
            "see www&#8203;.evil.example"
        );
        assert_eq!(super::escape("WWW.x"), "WWW&#8203;.x");
        assert_eq!(super::escape("a.b"), "a.b");
    }
}

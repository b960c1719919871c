//! End-to-end tests of `dagster-footprint scan` on the bundled samples.

mod common;

use common::*;

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"in \d+ ms", "in [ELAPSED] ms");
    settings.add_filter(r#""(walk|scan|total)_ms": \d+"#, r#""${1}_ms": "[ms]""#);
    settings
}

fn scan(sample: &str, format: &str) -> (String, i32) {
    let output = run(&[
        "scan",
        &format!("sample_repos/{sample}"),
        "--format",
        format,
    ]);
    (stdout(&output), output.status.code().unwrap_or(-1))
}

#[test]
fn address_parsing_table() {
    let (out, code) = scan("address_parsing", "table");
    assert_eq!(code, 1, "findings exit with 1");
    settings().bind(|| insta::assert_snapshot!(out));
}

#[test]
fn address_parsing_json() {
    let (out, _) = scan("address_parsing", "json");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = json["findings"].as_array().unwrap();
    // The postal import at line 4 of the broken variant, nothing from fixed/.
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["path"], "address_parsing/assets.py");
    assert_eq!(findings[0]["line"], 4);
    assert_eq!(findings[0]["subject"], "postal");
    settings().bind(|| insta::assert_snapshot!(out));
}

#[test]
fn sales_monorepo_table_and_json() {
    let (table, code) = scan("sales_monorepo", "table");
    assert_eq!(code, 1);
    let (json, _) = scan("sales_monorepo", "json");
    settings().bind(|| {
        insta::assert_snapshot!("sales_monorepo_table", table);
        insta::assert_snapshot!("sales_monorepo_json", json);
    });
}

#[test]
fn broken_files_are_diagnostics_and_the_scan_finishes() {
    let (table, code) = scan("broken", "table");
    // Findings in the readable parts of the files still exit 1, not 2.
    assert_eq!(code, 1);
    let (json, _) = scan("broken", "json");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kinds: Vec<(String, String)> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(kinds.contains(&("pipeline/syntax_error.py".into(), "invalid-syntax".into())));
    assert!(kinds.contains(&("pipeline/latin1.py".into(), "non-utf8".into())));
    assert_eq!(value["summary"]["files_scanned"], 5);
    settings().bind(|| {
        insta::assert_snapshot!("broken_table", table);
        insta::assert_snapshot!("broken_json", json);
    });
}

#[test]
fn json_is_identical_whatever_jobs() {
    let root = repo_root().join("sample_repos");
    let one = run(&["scan", path_str(&root), "--format", "json", "--jobs", "1"]);
    let four = run(&["scan", path_str(&root), "--format", "json", "--jobs", "4"]);
    let a = serde_json::to_string_pretty(&json_without_timings(&stdout(&one))).unwrap();
    let b = serde_json::to_string_pretty(&json_without_timings(&stdout(&four))).unwrap();
    assert!(!a.is_empty());
    assert_eq!(a, b);
    // Byte for byte once the timing line is dropped.
    let strip = |s: String| -> String {
        s.lines()
            .filter(|l| !l.contains("_ms\":"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(stdout(&one)), strip(stdout(&four)));
}

#[test]
fn clean_tree_exits_zero() {
    let output = run(&["scan", "sample_repos/address_parsing/fixed"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("0 findings"));
}

#[test]
fn fail_on_and_ignore_control_the_exit_code() {
    let never = run(&["scan", "sample_repos/address_parsing", "--fail-on", "never"]);
    assert_eq!(never.status.code(), Some(0));
    let error = run(&["scan", "sample_repos/address_parsing", "--fail-on", "error"]);
    assert_eq!(error.status.code(), Some(0), "FP001 is a warning");
    let ignored = run(&["scan", "sample_repos/address_parsing", "--ignore", "FP001"]);
    assert_eq!(ignored.status.code(), Some(0));
}

#[test]
fn usage_and_io_errors_exit_two() {
    let missing = run(&["scan", "sample_repos/does-not-exist"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("cannot read `sample_repos/does-not-exist`"),
        "{}",
        stderr(&missing)
    );
    let bad_rule = run(&["scan", "sample_repos/broken", "--select", "FP999"]);
    assert_eq!(bad_rule.status.code(), Some(2));
    assert!(stderr(&bad_rule).contains("unknown rule `FP999`"));
    let bad_flag = run(&["scan", "--no-such-flag"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[test]
fn output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let output = run(&[
        "scan",
        "sample_repos/address_parsing",
        "--format",
        "json",
        "-o",
        path_str(&out),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("\"FP001\""));
}

#[test]
fn exclude_removes_paths() {
    let output = run(&[
        "scan",
        "sample_repos/address_parsing",
        "--exclude",
        "address_parsing/assets.py",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(value["findings"].as_array().unwrap().len(), 0);
    assert_eq!(value["summary"]["files_scanned"], 5);
}

#[test]
fn rule_command_prints_docs() {
    let output = run(&["rule", "FP001"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("# heavy-module-level-import (FP001)"));
    for heading in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "Use instead:",
    ] {
        assert!(text.contains(heading), "missing {heading}");
    }
    let unknown = run(&["rule", "FP999"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn help_lists_every_scan_flag() {
    let output = run(&["scan", "--help"]);
    let text = stdout(&output);
    for flag in [
        "--format",
        "--output",
        "--exclude",
        "--jobs",
        "--select",
        "--ignore",
        "--fail-on",
        "--max-file-bytes",
        "--quiet",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
}

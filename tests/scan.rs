//! End-to-end tests of `dagster-footprint scan` on the bundled samples.

mod common;

use common::*;

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"in \d+ ms", "in [ELAPSED] ms");
    settings.add_filter(r#""([a-z]+)_ms": \d+"#, r#""${1}_ms": "[ms]""#);
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

#[test]
fn samples_with_locations_table_snapshots() {
    for sample in ["dg_workspace", "cloud_monorepo"] {
        let (table, _) = scan(sample, "table");
        settings().bind(|| insta::assert_snapshot!(format!("{sample}_table"), table));
    }
}

#[test]
fn findings_are_charged_to_exactly_the_locations_that_load_them() {
    let (json, _) = scan("sales_monorepo", "json");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let per_location: Vec<(String, Vec<String>)> = value["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {}",
                            f["code"].as_str().unwrap(),
                            f["subject"].as_str().unwrap()
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        per_location,
        vec![
            ("marketing_etl".to_string(), vec![]),
            (
                "sales_team_daily".to_string(),
                vec!["FP001 pandas".to_string()]
            ),
            ("sales_team_hourly".to_string(), vec![]),
            (
                "sales_team_weekly".to_string(),
                vec!["FP001 boto3".to_string(), "FP002 boto3.client".to_string()]
            ),
        ]
    );
    // The chain: definitions.py imports the assets module, whose line 4 imports pandas.
    let daily = &value["locations"][1]["findings"][0]["chain"];
    assert_eq!(
        daily[0]["path"],
        "projects/sales_team_daily/sales_team_daily/definitions.py"
    );
    assert_eq!(daily[0]["line"], 3);
    assert_eq!(
        daily[1]["path"],
        "projects/sales_team_daily/sales_team_daily/assets.py"
    );
    assert_eq!(daily[1]["line"], 4);
}

#[test]
fn unreached_heavy_import_is_info_and_charged_to_no_pod() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("app")).unwrap();
    std::fs::write(
        d.join("pyproject.toml"),
        "[tool.dagster]\nmodule_name = \"app.definitions\"\n",
    )
    .unwrap();
    std::fs::write(d.join("app/__init__.py"), "").unwrap();
    std::fs::write(
        d.join("app/definitions.py"),
        "import dagster as dg\nfrom app import assets\n",
    )
    .unwrap();
    std::fs::write(d.join("app/assets.py"), "def score():\n    import torch\n").unwrap();
    std::fs::write(d.join("app/notebook_helpers.py"), "import torch\n").unwrap();
    let output = bin()
        .args(["scan", path_str(d), "--format", "json"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let finding = &value["findings"][0];
    assert_eq!(finding["path"], "app/notebook_helpers.py");
    assert_eq!(finding["level"], "info");
    assert_eq!(finding["locations"].as_array().unwrap().len(), 0);
    assert_eq!(
        value["locations"][0]["findings"].as_array().unwrap().len(),
        0
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "info findings do not fail by default"
    );
}

#[test]
fn explain_prints_the_import_tree() {
    let output = run(&[
        "explain",
        "sales_team_weekly",
        "sample_repos/sales_monorepo",
    ]);
    assert_eq!(output.status.code(), Some(0));
    settings().bind(|| insta::assert_snapshot!("explain_sales_team_weekly", stdout(&output)));
    let by_alias = run(&[
        "explain",
        "sales-team-weekly",
        "sample_repos/sales_monorepo",
    ]);
    assert_eq!(stdout(&by_alias), stdout(&output));
    // pandas's optional backend pyarrow, which the manifest does not declare.
    let daily = run(&["explain", "sales_team_daily", "sample_repos/sales_monorepo"]);
    settings().bind(|| insta::assert_snapshot!("explain_sales_team_daily", stdout(&daily)));
    // The arguments the wrong way round: say so, and how to call it.
    let swapped = run(&["explain", "sample_repos/sales_monorepo", "sales_team_daily"]);
    assert_eq!(swapped.status.code(), Some(2));
    assert!(
        stderr(&swapped).contains(
            "the location comes first, as in `dagster-footprint explain sales_team_daily sample_repos/sales_monorepo`"
        ),
        "{}",
        stderr(&swapped)
    );
    let unknown = run(&["explain", "nope", "sample_repos/sales_monorepo"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("known: marketing_etl, sales_team_daily"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn locations_command_on_every_sample() {
    for sample in [
        "address_parsing",
        "sales_monorepo",
        "dg_workspace",
        "cloud_monorepo",
        "broken",
    ] {
        let output = run(&["locations", &format!("sample_repos/{sample}")]);
        assert_eq!(output.status.code(), Some(0), "{sample}");
        settings()
            .bind(|| insta::assert_snapshot!(format!("locations_table_{sample}"), stdout(&output)));
        let json = run(&[
            "locations",
            &format!("sample_repos/{sample}"),
            "--format",
            "json",
        ]);
        let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
        assert!(value["locations"].is_array());
    }
}

#[test]
fn heuristics_overrides_change_the_estimate_and_bad_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("team.toml");
    std::fs::write(
        &good,
        "[baseline.api_grpc]\nrss_mib = 1000.0\nsource = \"test\"\n[[package]]\nname = \"boto3\"\nown_mib = 77.0\nsource = \"test\"\n",
    )
    .unwrap();
    let base = run(&["scan", "sample_repos/sales_monorepo", "--format", "json"]);
    let over = run(&[
        "scan",
        "sample_repos/sales_monorepo",
        "--format",
        "json",
        "--heuristics",
        path_str(&good),
    ]);
    let weekly = |out: &std::process::Output| -> f64 {
        let v: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
        v["locations"][3]["estimate"]["mib"].as_f64().unwrap()
    };
    assert!(
        weekly(&over) >= weekly(&base) + 876.0 - 0.5,
        "{} vs {}",
        weekly(&over),
        weekly(&base)
    );
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[package]]\nname = \"x\"\nown_mb = 3.0\n").unwrap();
    let out = run(&[
        "scan",
        "sample_repos/sales_monorepo",
        "--heuristics",
        path_str(&bad),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml:3:") && err.contains("own_mb"),
        "{err}"
    );
}

/// The scan keeps only the calls and name uses a later stage reads
/// (`scan::interest`): the report must be byte-identical to keeping every
/// fact, on every sample and on the rule fixtures, and the filter must
/// actually drop facts (or this test would prove nothing).
#[test]
fn keeping_only_the_facts_later_stages_read_changes_nothing() {
    use dagster_footprint::pipeline::{run, ScanConfig};
    let mut roots: Vec<std::path::PathBuf> = std::fs::read_dir("sample_repos")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    roots.push("tests/fixtures/rules".into());
    roots.push("tests/fixtures/interest".into());
    roots.sort();
    let (mut kept, mut all) = ((0, 0), (0, 0));
    for root in &roots {
        let render = |keep_all_facts: bool| {
            let mut config = ScanConfig::for_path(root);
            config.keep_all_facts = keep_all_facts;
            let mut report = run(&config).unwrap();
            report.timings = Default::default();
            let calls: usize = report.files.iter().map(|f| f.calls.len()).sum();
            let uses: usize = report.files.iter().map(|f| f.uses.len()).sum();
            (
                dagster_footprint::report::json::render(&report),
                (calls, uses),
            )
        };
        let (filtered, counts) = render(false);
        let (everything, all_counts) = render(true);
        assert!(
            filtered == everything,
            "{}: the report differs when only the facts later stages read are kept",
            root.display()
        );
        kept = (kept.0 + counts.0, kept.1 + counts.1);
        all = (all.0 + all_counts.0, all.1 + all_counts.1);
    }
    assert!(kept.0 < all.0 && kept.1 < all.1, "kept {kept:?} of {all:?}");
    assert!(kept.0 > 0 && kept.1 > 0, "kept {kept:?} of {all:?}");
}

/// A defs-folder file in a directory without `__init__.py` is imported by
/// Dagster as part of the defs package: its relative imports resolve, and
/// what they load counts for the location.
#[test]
fn relative_imports_in_namespace_folders_of_a_package_resolve() {
    let root = repo_root().join("tests/fixtures/namespace_defs");
    let output = run(&["scan", path_str(&root), "--format", "json"]);
    let report = json_without_timings(&stdout(&output));
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    let location = &report["locations"][0];
    assert_eq!(location["files_reached"], 5, "{location}");
    let breakdown = location["estimate"]["breakdown"].as_array().unwrap();
    let pandas = breakdown
        .iter()
        .find(|c| c["name"] == "pandas")
        .expect("pandas is loaded through the relative import");
    let hops: Vec<&str> = pandas["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        hops.last(),
        Some(&"src/ingest_proj/lib/frames.py"),
        "{pandas}"
    );
}

/// `load_assets_from_package_module(pkg)` and its siblings import every
/// module of the package as `pkgutil.walk_packages` finds them: subpackages
/// with `__init__.py`, not plain or dotted directories.
#[test]
fn package_loaders_load_every_module_of_the_package() {
    let root = repo_root().join("tests/fixtures/package_loaders");
    let output = run(&["explain", "app", path_str(&root)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    for loaded in [
        "app/assets/frames.py",
        "app/assets/sub/lazy_frames.py",
        "app/checks/values.py",
    ] {
        assert!(text.contains(loaded), "{loaded} not loaded:\n{text}");
    }
    for skipped in ["loose/model.py", ".hidden_pkg", "torch", "sklearn"] {
        assert!(!text.contains(skipped), "{skipped} loaded:\n{text}");
    }
    settings().bind(|| insta::assert_snapshot!("explain_package_loaders", text));
}

//! The machine-readable outputs: every JSON the tool prints validates against
//! docs/*.schema.json, SARIF against the official SARIF 2.1.0 schema,
//! OpenMetrics with Prometheus' `promtool` (when installed), GitHub
//! annotations, GitLab Code Quality, Markdown, several outputs per run, and
//! `diff`.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use common::*;
use jsonschema::{Retrieve, Uri, Validator};
use serde_json::{json, Value};

const SCHEMA_BASE: &str = "https://github.com/dagster-footprint/dagster-footprint/blob/main/docs/";

/// Serves docs/*.schema.json for their `$id`s: no network.
struct DocsRetriever(HashMap<String, Value>);

impl Retrieve for DocsRetriever {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0.get(uri.as_str()).cloned().ok_or_else(|| {
            format!("unknown schema {uri} (only docs/*.schema.json are served)").into()
        })
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn docs_schema(name: &str) -> Validator {
    let mut schemas = HashMap::new();
    for file in [
        "report.schema.json",
        "locations.schema.json",
        "diff.schema.json",
    ] {
        let schema = read_json(&repo_root().join("docs").join(file));
        assert_eq!(schema["$id"], format!("{SCHEMA_BASE}{file}"), "{file}: $id");
        schemas.insert(format!("{SCHEMA_BASE}{file}"), schema);
    }
    let schema = schemas[&format!("{SCHEMA_BASE}{name}")].clone();
    jsonschema::options()
        .with_retriever(DocsRetriever(schemas))
        .build(&schema)
        .unwrap_or_else(|e| panic!("docs/{name} is not a valid schema: {e}"))
}

/// The official schema's `language` pattern (of `run` and `toolComponent`)
/// has a lone `]`: a literal in ECMA-262's non-Unicode mode, rejected by Rust's
/// regex engines. Escaping it keeps its meaning; it is the only change made
/// to the vendored schema. Returns how many patterns were changed.
fn escape_lone_bracket(value: &mut Value) -> usize {
    const LONE: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match value {
        Value::Object(map) => {
            let mut n = 0;
            for (key, v) in map.iter_mut() {
                if key == "pattern" && v == LONE {
                    *v = json!("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$");
                    n += 1;
                } else {
                    n += escape_lone_bracket(v);
                }
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(escape_lone_bracket).sum(),
        _ => 0,
    }
}

fn sarif_schema() -> Validator {
    let mut schema = read_json(&repo_root().join("tests/fixtures/sarif/sarif-schema-2.1.0.json"));
    assert_eq!(escape_lone_bracket(&mut schema), 2);
    jsonschema::options()
        .offline()
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid(validator: &Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(10)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n{}",
        errors.join("\n")
    );
}

fn samples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("sample_repos"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5, "samples: {dirs:?}");
    dirs
}

fn rel(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

fn scan_json(target: &str) -> Value {
    let output = run(&["scan", target, "--format", "json", "--fail-on", "never"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{target}: {}",
        stderr(&output)
    );
    serde_json::from_str(&stdout(&output)).unwrap()
}

#[test]
fn every_scan_report_matches_the_schema() {
    let validator = docs_schema("report.schema.json");
    let mut targets: Vec<String> = samples().iter().map(|p| rel(p)).collect();
    targets.push("sample_repos".into());
    targets.push("sample_repos/address_parsing/address_parsing/assets.py".into());
    for target in targets {
        let report = scan_json(&target);
        assert_valid(&validator, &report, &format!("scan {target}"));
        // An empty f64 sum is -0.0: no figure may print as `-0.0`.
        let text = serde_json::to_string(&report).unwrap();
        assert!(!text.contains(":-0.0"), "scan {target}: -0.0 in the report");
    }
}

#[test]
fn the_report_schema_is_strict_where_stable() {
    let validator = docs_schema("report.schema.json");
    let report = scan_json("sample_repos/sales_monorepo");
    assert!(validator.is_valid(&report));
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut copy = report.clone();
        edit(&mut copy);
        copy
    };
    let rejected = [
        broken(&|r| r["unexpected"] = json!(1)),
        broken(&|r| {
            r.as_object_mut().unwrap().remove("summary");
        }),
        broken(&|r| r["schema_version"] = json!(2)),
        broken(&|r| r["findings"][0]["level"] = json!("fatal")),
        broken(&|r| r["findings"][0]["extra"] = json!("x")),
        broken(&|r| r["locations"][0]["nmae"] = json!("typo")),
        broken(&|r| r["locations"][0]["estimate"]["mib"] = json!("124")),
        broken(&|r| r["locations"][0]["findings"] = json!([{"code": "FP001"}])),
        broken(&|r| {
            r["diagnostics"] =
                json!([{"path": "a", "severity": "bad", "kind": "k", "message": "m"}])
        }),
    ];
    for (i, bad) in rejected.iter().enumerate() {
        assert!(!validator.is_valid(bad), "case {i} should be rejected");
    }
    // `recommendations` is strict too.
    let recommendations = [
        broken(&|r| r["recommendations"]["anything"] = json!([1, 2])),
        broken(&|r| r["recommendations"]["totals"]["new_field"] = json!(true)),
        broken(&|r| {
            r["recommendations"]
                .as_object_mut()
                .unwrap()
                .remove("totals");
        }),
        broken(&|r| r["recommendations"]["lazy_imports"][0]["advice"]["kind"] = json!("teleport")),
        broken(&|r| r["recommendations"]["lazy_imports"][0]["savings"] = json!([{"mib": 1.0}])),
        broken(&|r| r["recommendations"]["deployment_models"][0]["model"] = json!("serverless")),
    ];
    for (i, bad) in recommendations.iter().enumerate() {
        assert!(
            !validator.is_valid(bad),
            "recommendations case {i} should be rejected"
        );
    }
}

#[test]
fn locations_json_matches_its_schema() {
    let validator = docs_schema("locations.schema.json");
    for sample in samples() {
        let output = run(&["locations", &rel(&sample), "--format", "json"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_valid(&validator, &value, &format!("locations {}", rel(&sample)));
    }
    let mut bad: Value = serde_json::from_str(&stdout(&run(&[
        "locations",
        "sample_repos/sales_monorepo",
        "--format",
        "json",
    ])))
    .unwrap();
    bad["locations"][0]["files_reached"] = json!(3);
    assert!(
        !validator.is_valid(&bad),
        "scan-only fields are not location fields"
    );
}

/// A throwaway tree: one code location; `heavy` adds libpostal and a file
/// with a hostile name; owners from CODEOWNERS.
fn tree(heavy: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "workspace.yaml",
        "load_from:\n  - python_module:\n      module_name: pkg.definitions\n      working_directory: .\n      location_name: main\n",
    );
    write(".github/CODEOWNERS", "* @org/team\n");
    write("pkg/__init__.py", "");
    write(
        "pkg/definitions.py",
        "import dagster as dg\n\nfrom pkg.assets import a\n\ndefs = dg.Definitions(assets=[a])\n",
    );
    let assets = if heavy {
        "import dagster as dg\nfrom postal.parser import parse_address\n\n\n@dg.asset\ndef a():\n    return parse_address('x')\n"
    } else {
        "import dagster as dg\n\n\n@dg.asset\ndef a():\n    return 1\n"
    };
    write("pkg/assets.py", assets);
    if heavy {
        write("pkg/<img src=x onerror=alert(1)>.py", "import torch\n");
    }
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs")
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_schema();
    for sample in samples() {
        let output = run(&[
            "scan",
            &rel(&sample),
            "--format",
            "sarif",
            "--fail-on",
            "never",
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let sarif: Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_valid(&validator, &sarif, &format!("SARIF of {}", rel(&sample)));
        let report = scan_json(&rel(&sample));
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), report["findings"].as_array().unwrap().len());
    }
    // The shape GitHub code scanning reads.
    let output = run(&["scan", "sample_repos/sales_monorepo", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "dagster-footprint");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let rule_list = stdout(&run(&["rule", "--all"]));
    let documented = rule_list
        .lines()
        .filter(|l| l.starts_with("# ") && l.ends_with(')') && l.contains(" (FP"))
        .count();
    assert_eq!(rules.len(), documented, "one descriptor per rule");
    let fp001 = rules.iter().find(|r| r["id"] == "FP001").unwrap();
    assert_eq!(fp001["name"], "heavy-module-level-import");
    assert_eq!(fp001["defaultConfiguration"]["level"], "warning");
    assert!(fp001["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("## Why is this bad?"));
    assert!(!fp001["shortDescription"]["text"]
        .as_str()
        .unwrap()
        .is_empty());
    let result = runs[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "FP001" && r["properties"]["subject"] == "boto3")
        .unwrap();
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "sample_repos/sales_monorepo/projects/sales_team_weekly/sales_team_weekly/assets.py"
    );
    assert_eq!(location["region"]["startLine"], 3);
    assert_eq!(location["region"]["startColumn"], 1);
    let related = result["relatedLocations"].as_array().unwrap();
    assert_eq!(
        related[0]["physicalLocation"]["artifactLocation"]["uri"],
        "sample_repos/sales_monorepo/projects/sales_team_weekly/sales_team_weekly/definitions.py"
    );
    assert!(related[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("sales_team_weekly"));
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "FP001"
    );

    // The validation is real: broken logs are rejected.
    let mut bad = sarif.clone();
    bad["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!validator.is_valid(&bad));
    let mut bad = sarif.clone();
    bad["runs"][0]["tool"]["driver"]["rules"][0]["shortDescription"] = json!("not an object");
    assert!(!validator.is_valid(&bad));
    let mut bad = sarif.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    assert!(!validator.is_valid(&bad));

    // Hostile names are percent-encoded URIs (the schema checks `uri-reference`).
    let dir = tree(true);
    let output = run_in(dir.path(), &["scan", ".", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_valid(&validator, &sarif, "SARIF with hostile names");
    assert!(stdout(&output).contains("pkg/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.py"));
}

#[test]
fn github_annotations() {
    let output = run(&["scan", "sample_repos/sales_monorepo", "--format", "github"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let report = scan_json("sample_repos/sales_monorepo");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(text.lines().count(), findings.len());
    assert!(text.contains(
        "::warning file=sample_repos/sales_monorepo/projects/sales_team_weekly/sales_team_weekly/assets.py,line=3,col=1,title=FP001::import of `boto3`"
    ), "{text}");
    for line in text.lines() {
        assert!(
            line.starts_with("::warning file=")
                || line.starts_with("::error file=")
                || line.starts_with("::notice file="),
            "{line}"
        );
        assert!(line.contains(",line=") && line.contains(",col=") && line.contains(",title=FP"));
    }
    // Unreached findings are `info`: notices.
    let dir = tree(true);
    let text = stdout(&run_in(dir.path(), &["scan", ".", "--format", "github"]));
    assert!(
        text.contains(
            "::notice file=pkg/<img src=x onerror=alert(1)>.py,line=1,col=1,title=FP001::"
        ),
        "{text}"
    );
}

#[test]
fn gitlab_code_quality_fingerprints_survive_moved_lines() {
    let dir = tree(true);
    let first: Value = serde_json::from_str(&stdout(&run_in(
        dir.path(),
        &["scan", ".", "--format", "gitlab"],
    )))
    .unwrap();
    let issues = first.as_array().unwrap();
    assert!(!issues.is_empty());
    for issue in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].is_string(), "{key} in {issue}");
        }
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&issue["severity"].as_str().unwrap()));
        assert!(issue["location"]["path"].is_string());
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
    let fingerprints: BTreeSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), issues.len(), "unique");
    // Move the import down three lines: same fingerprint, new line.
    let assets = dir.path().join("pkg/assets.py");
    let text = std::fs::read_to_string(&assets).unwrap();
    std::fs::write(&assets, format!("\n\n\n{text}")).unwrap();
    let second: Value = serde_json::from_str(&stdout(&run_in(
        dir.path(),
        &["scan", ".", "--format", "gitlab"],
    )))
    .unwrap();
    let find = |v: &Value| -> (String, u64) {
        let issue = v
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["location"]["path"] == "pkg/assets.py" && i["check_name"] == "FP001")
            .unwrap()
            .clone();
        (
            issue["fingerprint"].as_str().unwrap().to_string(),
            issue["location"]["lines"]["begin"].as_u64().unwrap(),
        )
    };
    let (a, line_a) = find(&first);
    let (b, line_b) = find(&second);
    assert_eq!(a, b);
    assert_eq!(line_b, line_a + 3);
}

/// Checks an OpenMetrics exposition the way the tests can without promtool:
/// families announced before their samples, no duplicate series, `# EOF`.
fn check_openmetrics_structure(text: &str) {
    assert!(text.ends_with("# EOF\n"), "ends with # EOF");
    let mut typed = BTreeSet::new();
    let mut helped = BTreeSet::new();
    let mut series = BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            typed.insert(rest.split(' ').next().unwrap().to_string());
        } else if let Some(rest) = line.strip_prefix("# HELP ") {
            helped.insert(rest.split(' ').next().unwrap().to_string());
        } else if line.starts_with('#') {
            continue;
        } else {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(
                typed.contains(name) && helped.contains(name),
                "{name} announced: {line}"
            );
            let (series_id, value) = line.rsplit_once(' ').unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
            assert!(
                series.insert(series_id.to_string()),
                "duplicate series {series_id}"
            );
        }
    }
}

#[test]
fn openmetrics_passes_promtool() {
    let mut outputs = Vec::new();
    for sample in samples() {
        let output = run(&[
            "scan",
            &rel(&sample),
            "--format",
            "openmetrics",
            "--fail-on",
            "never",
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        outputs.push((rel(&sample), stdout(&output)));
    }
    let dir = tree(true);
    // A location name that needs escaping in a label value.
    std::fs::write(
        dir.path().join("workspace.yaml"),
        "load_from:\n  - python_module:\n      module_name: pkg.definitions\n      working_directory: .\n      location_name: 'we\"ird\\name'\n",
    )
    .unwrap();
    let hostile = stdout(&run_in(
        dir.path(),
        &["scan", ".", "--format", "openmetrics"],
    ));
    assert!(
        hostile.contains("location=\"we\\\"ird\\\\name\""),
        "{hostile}"
    );
    outputs.push(("hostile labels".into(), hostile));
    let sales = &outputs
        .iter()
        .find(|(n, _)| n.ends_with("sales_monorepo"))
        .unwrap()
        .1;
    for family in [
        "dagster_footprint_pod_idle_memory_bytes{location=\"sales_team_weekly\",owner=\"@acme/sales-analytics\",server_mode=\"api_grpc\"} ",
        "dagster_footprint_pod_idle_memory_low_bytes{",
        "dagster_footprint_pod_idle_memory_high_bytes{",
        "dagster_footprint_findings{location=\"sales_team_weekly\",rule=\"FP001\"} 1",
        "dagster_footprint_potential_savings_bytes{location=\"marketing_etl\",kind=\"over_request\"} ",
        "dagster_footprint_potential_savings_bytes{location=\"sales_team\",kind=\"consolidation\"} ",
        "# TYPE dagster_footprint_findings gauge",
        "# HELP dagster_footprint_pod_idle_memory_bytes ",
    ] {
        assert!(sales.contains(family), "{family} in\n{sales}");
    }
    let address = &outputs
        .iter()
        .find(|(n, _)| n.ends_with("address_parsing"))
        .unwrap()
        .1;
    assert!(
        address.contains("dagster_footprint_potential_savings_bytes{location=\"address_parsing\",kind=\"lazy_load\"} 2147483648"),
        "{address}"
    );
    for (_, text) in &outputs {
        check_openmetrics_structure(text);
    }
    let promtool = std::process::Command::new("promtool")
        .arg("--version")
        .output();
    if promtool.is_err() {
        eprintln!(
            "SKIPPED: promtool not found; install Debian's `prometheus` package (.ci/run does) to check the OpenMetrics output with `promtool check metrics`"
        );
        return;
    }
    // `promtool check metrics` on `text`: success, and what it printed.
    let promtool = |text: &[u8]| -> (bool, String) {
        use std::io::Write;
        let mut child = std::process::Command::new("promtool")
            .args(["check", "metrics"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(text).unwrap();
        let out = child.wait_with_output().unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success() && out.stdout.is_empty(), printed)
    };
    for (name, text) in &outputs {
        let (ok, printed) = promtool(text.as_bytes());
        assert!(ok, "promtool check metrics on {name}:\n{printed}");
    }
    // And promtool does reject what it should (the check is real).
    let (ok, _) = promtool(b"# TYPE x gauge\nx{a=\"unterminated} 1\n");
    assert!(!ok);
}

#[test]
fn markdown_report_escapes_repository_text() {
    let dir = tree(true);
    let output = run_in(dir.path(), &["scan", ".", "--format", "markdown"]);
    assert_eq!(output.status.code(), Some(1));
    let md = stdout(&output);
    assert!(md.starts_with("<!-- dagster-footprint -->\n"), "{md}");
    assert!(md.contains("| main |"), "{md}");
    assert!(!md.contains("<img"), "{md}");
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;.py"), "{md}");
    assert!(
        !md.contains("@org/team") && md.contains("@&#8203;org/team"),
        "{md}"
    );
    assert!(md.len() < 65_536);
}

#[test]
fn several_outputs_from_one_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (json, md, sarif, metrics) = (path("r.json"), path("c.md"), path("r.sarif"), path("m.txt"));
    let output = run(&[
        "scan",
        "sample_repos/sales_monorepo",
        "--format",
        "json",
        "-o",
        &json,
        "--format",
        "markdown",
        "-o",
        &md,
        "--format",
        "sarif",
        "-o",
        &sarif,
        "--format",
        "openmetrics",
        "-o",
        &metrics,
        "--format",
        "table",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Scanned 15 files"),
        "the table on stdout"
    );
    let report = read_json(Path::new(&json));
    assert_valid(&docs_schema("report.schema.json"), &report, "report");
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .starts_with("<!-- dagster-footprint -->"));
    assert_valid(&sarif_schema(), &read_json(Path::new(&sarif)), "sarif");
    assert!(std::fs::read_to_string(&metrics)
        .unwrap()
        .ends_with("# EOF\n"));

    // The old spelling still works: -o before --format.
    let old = path("old.json");
    let output = run(&[
        "scan",
        "sample_repos/address_parsing",
        "-o",
        &old,
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    assert!(read_json(Path::new(&old))["findings"].is_array());

    // Two formats on stdout is a usage error.
    let output = run(&[
        "scan",
        "sample_repos/address_parsing",
        "--format",
        "json",
        "--format",
        "sarif",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("standard output"),
        "{}",
        stderr(&output)
    );
    // `locations` has no such formats.
    let output = run(&[
        "locations",
        "sample_repos/address_parsing",
        "--format",
        "sarif",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

fn write_report(dir: &Path, tree_dir: &Path, name: &str) -> String {
    let out = dir.join(name).to_string_lossy().into_owned();
    let output = run_in(
        tree_dir,
        &[
            "scan",
            ".",
            "--format",
            "json",
            "-o",
            &out,
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    out
}

#[test]
fn diff_reports_growth_findings_and_fails_past_the_limit() {
    let work = tempfile::tempdir().unwrap();
    let base_tree = tree(false);
    let head_tree = tree(true);
    let base = write_report(work.path(), base_tree.path(), "base.json");
    let head = write_report(work.path(), head_tree.path(), "head.json");

    let output = run(&["diff", &base, &head, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let diff: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_valid(&docs_schema("diff.schema.json"), &diff, "diff");
    let main = &diff["locations"][0];
    assert_eq!(main["name"], "main");
    assert_eq!(main["status"], "changed");
    assert!(main["delta_mib"].as_f64().unwrap() > 1000.0, "{main}");
    let introduced: Vec<&str> = diff["findings_introduced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["subject"].as_str().unwrap())
        .collect();
    assert!(
        introduced.contains(&"postal.parser") || introduced.contains(&"postal"),
        "{introduced:?}"
    );
    assert!(introduced.contains(&"torch"));
    assert!(diff["findings_removed"].as_array().unwrap().is_empty());
    assert!(diff["verdict"]
        .as_str()
        .unwrap()
        .starts_with("⚠️ Idle memory up"));

    // Reversed: the findings are removed, memory goes down.
    let back: Value =
        serde_json::from_str(&stdout(&run(&["diff", &head, &base, "--format", "json"]))).unwrap();
    assert_eq!(
        back["findings_removed"].as_array().unwrap().len(),
        introduced.len()
    );
    assert!(back["summary"]["delta_mib"].as_f64().unwrap() < -1000.0);

    // --fail-on-increase-mib.
    let over = run(&["diff", &base, &head, "--fail-on-increase-mib", "100"]);
    assert_eq!(over.status.code(), Some(1));
    assert!(
        stdout(&over).contains("grew by more than the 100 MiB allowed"),
        "{}",
        stdout(&over)
    );
    let under = run(&["diff", &base, &head, "--fail-on-increase-mib", "100000"]);
    assert_eq!(under.status.code(), Some(0));
    let shrink = run(&["diff", &head, &base, "--fail-on-increase-mib", "0"]);
    assert_eq!(shrink.status.code(), Some(0));

    // Markdown: a linked, escaped PR comment.
    let md = stdout(&run(&[
        "diff",
        &base,
        &head,
        "--format",
        "markdown",
        "--repo-url",
        "https://github.com/acme/mono",
        "--sha",
        "0123456789abcdef0123456789abcdef01234567",
    ]));
    assert!(md.starts_with("<!-- dagster-footprint -->\n"));
    assert!(md.contains("| main | @&#8203;org/team |"), "{md}");
    assert!(md.contains(
        "[pkg/assets.py:2](https://github.com/acme/mono/blob/0123456789abcdef0123456789abcdef01234567/pkg/assets.py#L2)"
    ), "{md}");
    assert!(!md.contains("<img") && md.contains("&lt;img src=x onerror=alert(1)&gt;.py"));
    assert!(md.find("| main |").unwrap() < md.find("<details>").unwrap());

    // GitHub annotations: the introduced findings only.
    let annotations = stdout(&run(&["diff", &base, &head, "--format", "github"]));
    assert_eq!(annotations.lines().count(), introduced.len());
    assert!(annotations.contains("file=pkg/assets.py,line=2"));
    let none = stdout(&run(&["diff", &head, &head, "--format", "github"]));
    assert!(none.is_empty());

    // Table, and errors.
    let table = stdout(&run(&["diff", &base, &head]));
    assert!(
        table.contains("main") && table.contains("Introduced:"),
        "{table}"
    );
    let not_json = work.path().join("x.json");
    std::fs::write(&not_json, "{}").unwrap();
    let bad = run(&["diff", &base, &not_json.to_string_lossy()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("is not a `dagster-footprint scan --format json` report"));
}

#[test]
fn diff_comment_is_truncated_under_the_limit() {
    // Many findings: the comment stays under 65,536 characters and says so.
    let dir = tempfile::tempdir().unwrap();
    let base_tree = tempfile::tempdir().unwrap();
    std::fs::write(base_tree.path().join("a.py"), "x = 1\n").unwrap();
    for i in 0..1500 {
        std::fs::write(
            dir.path()
                .join(format!("module_with_a_rather_long_name_{i:04}_|`@org.py")),
            "import torch\nimport pandas\n",
        )
        .unwrap();
    }
    let work = tempfile::tempdir().unwrap();
    let base = write_report(work.path(), base_tree.path(), "base.json");
    let head = write_report(work.path(), dir.path(), "head.json");
    let md = stdout(&run(&["diff", &base, &head, "--format", "markdown"]));
    assert!(md.chars().count() <= 65_536, "{}", md.len());
    assert!(md.contains("more rows not shown"));
    assert!(md.trim_end().ends_with('_'), "closes cleanly");
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
    assert!(!md.contains("|`@org"));
}

#[test]
fn the_grafana_dashboard_queries_metrics_the_tool_emits() {
    let dashboard = read_json(&repo_root().join("docs/grafana-dashboard.json"));
    assert!(dashboard["title"].is_string() && dashboard["panels"].is_array());
    let emitted = stdout(&run(&[
        "scan",
        "sample_repos",
        "--format",
        "openmetrics",
        "--fail-on",
        "never",
    ]));
    let families: BTreeSet<&str> = emitted
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    let mut queried = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for (i, _) in expr.match_indices("dagster_footprint_") {
                let name: String = expr[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    families.contains(name.as_str()),
                    "panel `{}` queries {name}, not emitted",
                    panel["title"]
                );
                queried += 1;
            }
        }
    }
    assert!(queried >= 8);
}

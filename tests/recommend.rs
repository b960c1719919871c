//! End-to-end tests of the recommendations: lazy-load advice, `fix`,
//! consolidation, sizing, deployment models.

mod common;

use common::*;

fn json(args: &[&str]) -> serde_json::Value {
    let output = run(args);
    serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&output)))
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn address_parsing_fix_round_trip_saves_the_postal_model() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&sample("address_parsing"), dir.path());
    let before = json(&["scan", path_str(dir.path()), "--format", "json"]);
    let advice = &before["recommendations"]["lazy_imports"][0];
    assert_eq!(advice["advice"]["kind"], "move_into_functions");
    assert_eq!(advice["advice"]["functions"][0], "parsed_addresses");
    assert_eq!(advice["fixable"], true);
    let saved = advice["savings"][0]["mib"].as_f64().unwrap();
    assert!(saved >= 2000.0, "libpostal's ~2 GB: {saved}");

    let untouched = std::fs::read(dir.path().join("address_parsing/definitions.py")).unwrap();
    let diff = run(&["fix", path_str(dir.path()), "--diff"]);
    assert_eq!(diff.status.code(), Some(1), "changes pending");
    assert!(stdout(&diff).contains("-from postal.parser import parse_address"));
    // --diff writes nothing.
    let after_diff = json(&["scan", path_str(dir.path()), "--format", "json"]);
    assert_eq!(after_diff["findings"].as_array().unwrap().len(), 1);

    let apply = run(&["fix", path_str(dir.path()), "--apply"]);
    assert_eq!(apply.status.code(), Some(0), "{}", stderr(&apply));
    let after = json(&["scan", path_str(dir.path()), "--format", "json"]);
    assert!(
        after["findings"].as_array().unwrap().is_empty(),
        "{}",
        after["findings"]
    );
    let now = |r: &serde_json::Value| r["summary"]["total_idle_mib"].as_f64().unwrap();
    assert!(
        now(&before) - now(&after) >= 2000.0,
        "{} -> {}",
        now(&before),
        now(&after)
    );
    // Files it did not need to fix are untouched, and a second run changes nothing.
    assert_eq!(
        std::fs::read(dir.path().join("address_parsing/definitions.py")).unwrap(),
        untouched
    );
    let text = std::fs::read_to_string(dir.path().join("address_parsing/assets.py")).unwrap();
    let again = run(&["fix", path_str(dir.path()), "--apply"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("address_parsing/assets.py")).unwrap(),
        text
    );
    let clean = run(&["fix", path_str(dir.path()), "--diff"]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(stdout(&clean).is_empty());
    assert_eq!(
        stderr(&clean).trim(),
        "Nothing to fix: no heavy module-level import (FP001) found."
    );
}

#[test]
fn fix_says_why_when_no_finding_can_be_moved() {
    // Both FP001 imports of the sample are used at import time.
    let output = run(&["fix", "sample_repos/sales_monorepo", "--diff"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).is_empty());
    assert_eq!(
        stderr(&output).trim(),
        "Nothing to fix automatically: none of the 2 FP001 findings is a plain import used \
         only inside function bodies; `dagster-footprint scan` gives the advice for each."
    );
    // One finding, used in a function and in the script block: the advice
    // moves it into both, and `fix` leaves it to a person.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("job.py"),
        "import torch\n\ndef run():\n    return torch.ones(1)\n\nif __name__ == \"__main__\":\n    print(torch)\n",
    )
    .unwrap();
    let one = run(&["fix", path_str(dir.path()), "--diff"]);
    assert_eq!(one.status.code(), Some(0));
    assert!(
        stderr(&one).starts_with("Nothing to fix automatically: the FP001 finding is not"),
        "{}",
        stderr(&one)
    );
    let report = json(&["scan", path_str(dir.path()), "--format", "json"]);
    let advice = &report["recommendations"]["lazy_imports"][0];
    assert_eq!(
        advice["advice"]["functions"],
        serde_json::json!(["run", "if __name__ == \"__main__\""])
    );
    assert_eq!(advice["fixable"], false);
}

#[test]
fn sales_monorepo_consolidates_the_sales_team_only() {
    let report = json(&["scan", "sample_repos/sales_monorepo", "--format", "json"]);
    let groups = report["recommendations"]["consolidation"]
        .as_array()
        .unwrap();
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(g["name"], "sales_team");
    let members: Vec<&str> = g["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        members,
        vec!["sales_team_daily", "sales_team_hourly", "sales_team_weekly"]
    );
    assert_eq!(g["pods_saved"], 2);
    assert!(g["saved_mib"].as_f64().unwrap() > 0.0);
    assert!(g["definitions_module"]
        .as_str()
        .unwrap()
        .contains("dg.Definitions.merge("));
    assert!(g["workspace_yaml"]
        .as_str()
        .unwrap()
        .contains("module_name: sales_team.definitions"));
    let models = report["recommendations"]["deployment_models"]
        .as_array()
        .unwrap();
    let monolith = models.iter().find(|m| m["model"] == "monolith").unwrap();
    assert!(monolith["concerns"][0]
        .as_str()
        .unwrap()
        .contains("pandas==1.5.3 vs pandas==2.2.3"));
    let totals = &report["recommendations"]["totals"];
    assert_eq!(totals["pods_now"], 4);
    assert_eq!(totals["pods_after"], 2);
}

#[test]
fn blast_radius_is_a_concern_only_with_several_locations() {
    let concerns = |report: &serde_json::Value| -> Vec<String> {
        let models = report["recommendations"]["deployment_models"]
            .as_array()
            .unwrap();
        let monolith = models.iter().find(|m| m["model"] == "monolith").unwrap();
        monolith["concerns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect()
    };
    let four = json(&["scan", "sample_repos/sales_monorepo", "--format", "json"]);
    assert!(concerns(&four).iter().any(
        |c| c.starts_with("blast radius: any import error or crash takes all 4 locations down")
    ));
    let one = json(&["scan", "tests/fixtures/namespace_defs", "--format", "json"]);
    assert_eq!(one["summary"]["locations"], 1);
    assert!(concerns(&one).is_empty(), "{:?}", concerns(&one));
}

#[test]
fn max_pod_cap_blocks_a_merge() {
    let report = json(&[
        "scan",
        "sample_repos/sales_monorepo",
        "--format",
        "json",
        "--max-pod-mib",
        "10",
    ]);
    assert!(report["recommendations"]["consolidation"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn sizing_findings_and_helm_patch() {
    let report = json(&["scan", "sample_repos/sales_monorepo", "--format", "json"]);
    let codes: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["subject"].as_str().unwrap()))
        .collect();
    assert!(codes.contains(&("FP202", "marketing_etl")), "{codes:?}");
    let helm = run(&[
        "scan",
        "sample_repos/sales_monorepo",
        "--format",
        "helm-values",
    ]);
    let text = stdout(&helm);
    assert!(text.starts_with("# Suggested by dagster-footprint"));
    assert!(text.contains("    - name: marketing-etl\n"));
    assert!(text.contains("memory: "));
}

#[test]
fn fp201_fires_when_the_limit_is_below_the_estimate() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&sample("sales_monorepo"), dir.path());
    let values = dir.path().join("helm/values.yaml");
    let text = std::fs::read_to_string(&values)
        .unwrap()
        .replace("memory: 320Mi", "memory: 64Mi")
        .replace("memory: 256Mi", "memory: 64Mi");
    std::fs::write(&values, text).unwrap();
    let report = json(&["scan", path_str(dir.path()), "--format", "json"]);
    let fp201: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "FP201")
        .collect();
    assert_eq!(fp201.len(), 1, "{:?}", report["findings"]);
    assert_eq!(fp201[0]["subject"], "sales_team_weekly");
    assert_eq!(fp201[0]["level"], "error");
    assert_eq!(fp201[0]["path"], "helm/values.yaml");
}

#[test]
fn conflicting_pins_and_heavy_outliers_stay_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let loc = |name: &str, deps: &str, body: &str| {
        std::fs::create_dir_all(d.join(name).join(name)).unwrap();
        std::fs::write(d.join(name).join("requirements.txt"), deps).unwrap();
        std::fs::write(d.join(name).join(name).join("__init__.py"), "").unwrap();
        std::fs::write(d.join(name).join(name).join("definitions.py"), body).unwrap();
    };
    loc("team_a", "dagster\npandas==2.2.3\n", "import dagster\n");
    loc("team_b", "dagster\npandas==2.2.3\n", "import dagster\n");
    loc("team_c", "dagster\npandas==1.5.3\n", "import dagster\n");
    loc(
        "team_d",
        "dagster\n",
        "import dagster\nfrom postal.parser import parse_address\n",
    );
    let mut ws = String::from("load_from:\n");
    for n in ["team_a", "team_b", "team_c", "team_d"] {
        ws.push_str(&format!("  - python_module:\n      module_name: {n}.definitions\n      working_directory: {n}\n      location_name: {n}\n"));
    }
    std::fs::write(d.join("workspace.yaml"), ws).unwrap();
    let report = json(&["scan", path_str(d), "--format", "json"]);
    let g = &report["recommendations"]["consolidation"][0];
    let members: Vec<&str> = g["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(members, vec!["team_a", "team_b"]);
    let excluded: Vec<(String, String)> = g["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["location"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        excluded
            .iter()
            .any(|(l, r)| l == "team_c" && r.contains("conflicting pin")),
        "{excluded:?}"
    );
    assert!(
        excluded
            .iter()
            .any(|(l, r)| l == "team_d" && r.contains("postal")),
        "{excluded:?}"
    );
}

//! Code-location discovery over the sample repositories, through the walker,
//! as the CLI runs it. Snapshots are the reviewed, expected output: every
//! path in them is relative to the sample root.

use std::path::{Path, PathBuf};

use dagster_footprint::discover::locations::{discover_locations, Discovery, Entry, ServerMode};
use dagster_footprint::discover::{walk, WalkOptions};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_repos")
        .join(name)
}

fn discover(name: &str) -> Discovery {
    let walked = walk(&sample(name), &WalkOptions::default()).expect("sample exists");
    discover_locations(&walked.root, &walked.declaration_files)
}

fn names(d: &Discovery) -> Vec<&str> {
    d.locations.iter().map(|l| l.name.as_str()).collect()
}

fn kinds(d: &Discovery) -> Vec<(&str, &str, Option<u32>)> {
    d.diagnostics
        .iter()
        .map(|x| (x.kind.as_str(), x.path.as_str(), x.line))
        .collect()
}

#[test]
fn sales_monorepo() {
    let d = discover("sales_monorepo");
    // workspace.yaml and the Helm values declare the same four locations.
    assert_eq!(
        names(&d),
        vec![
            "marketing_etl",
            "sales_team_daily",
            "sales_team_hourly",
            "sales_team_weekly"
        ]
    );
    for location in &d.locations {
        assert_eq!(location.sources.len(), 2, "{}", location.name);
        assert!(location.scannable);
    }
    insta::assert_json_snapshot!(d);
}

#[test]
fn address_parsing() {
    let d = discover("address_parsing");
    assert_eq!(names(&d), vec!["address_parsing", "address_parsing_fixed"]);
    assert_eq!(
        d.locations[1].entry_path.as_deref(),
        Some("fixed/address_parsing/definitions.py")
    );
    insta::assert_json_snapshot!(d);
}

#[test]
fn dg_workspace() {
    let d = discover("dg_workspace");
    assert_eq!(names(&d), vec!["ingest", "reporting"]);
    let ingest = &d.locations[0];
    assert!(matches!(ingest.entry, Entry::AutoloadDefs { .. }));
    assert_eq!(
        ingest.dg.as_ref().and_then(|g| g.defs_directory.as_deref()),
        Some("projects/ingest/src/ingest/defs")
    );
    insta::assert_json_snapshot!(d);
}

#[test]
fn cloud_monorepo() {
    let d = discover("cloud_monorepo");
    let dangling: Vec<_> = d
        .diagnostics
        .iter()
        .filter(|x| x.kind == "dangling-location")
        .map(|x| (x.path.as_str(), x.line))
        .collect();
    assert_eq!(dangling, vec![("dagster_cloud.yaml", Some(28))]);
    assert!(kinds(&d)
        .iter()
        .any(|(k, p, _)| *k == "invalid-yaml" && *p == "deploy/broken-values.yaml"));
    let mode = |name: &str| {
        d.locations
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.server_mode)
    };
    // Helm's codeServerArgs for billing; the Dockerfile's `dagster api grpc` for forecasting.
    assert_eq!(mode("billing"), Some(ServerMode::CodeServer));
    assert_eq!(mode("forecasting"), Some(ServerMode::ApiGrpc));
    insta::assert_json_snapshot!(d);
}

#[test]
fn broken() {
    // No declarations at all: nothing found, nothing reported.
    let d = discover("broken");
    assert!(d.locations.is_empty());
    insta::assert_json_snapshot!(d);
}

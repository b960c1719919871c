use std::collections::BTreeMap;

use super::*;
use crate::discover::locations::{Manifest, ManifestKind, Requirement};
use crate::graph::location::location_graph;
use crate::graph::ModuleIndex;
use crate::scan::extract::extract;

const CATALOG: &str = r#"
[[package]]
name = "dagster"
distribution = "dagster"
own_mib = 60.0
requires = ["pydantic"]
measured = "test"

[[package]]
name = "pydantic"
distribution = "pydantic"
own_mib = 10.0
measured = "test"

[[package]]
name = "numpy"
distribution = "numpy"
heavy = true
own_mib = 20.0
measured = "test"

[[package]]
name = "pyarrow"
distribution = "pyarrow"
heavy = true
own_mib = 40.0
measured = "test"

[[package]]
name = "pandas"
distribution = "pandas"
heavy = true
own_mib = 50.0
requires = ["numpy"]
optional_requires = ["pyarrow"]
measured = "test"

[[package]]
name = "sklearn"
distribution = "scikit-learn"
heavy = true
own_mib = 30.0
requires = ["numpy"]
measured = "test"

[[package]]
name = "transformers"
distribution = "transformers"
heavy = true
own_mib = 15.0
measured = "test"
[[package.attributes]]
name = "pipeline"
mib = 5.0
requires = ["torch"]
measured = "test"

[[package]]
name = "torch"
distribution = "torch"
heavy = true
own_mib = 300.0
requires = ["numpy"]
measured = "test"

[[package]]
name = "requests"
distribution = "requests"
own_mib = 4.0
measured = "test"

[[package]]
name = "httpx"
distribution = "httpx"
own_mib = 6.0
measured = "test"

[[package]]
name = "mystery_measured_later"
distribution = "mystery"
heavy = true
"#;

const RUNTIME: &str = r#"
[baseline.interpreter]
rss_mib = 10.0
measured = "test"
[baseline.import_dagster]
rss_mib = 100.0
measured = "test"
[baseline.api_grpc]
rss_mib = 130.0
measured = "test"
[baseline.code_server_proxy]
rss_mib = 110.0
measured = "test"
[baseline.code_server_child]
rss_mib = 135.0
measured = "test"
"#;

const MODEL: &str = r#"
[model.first_party_mib_per_kib]
value = 0.0
measured = "test"
[model.union_error_pct]
value = 10.0
measured = "test"
"#;

struct Fixture {
    catalog: Catalog,
    calls: CallCatalog,
    runtime: Runtime,
}

fn fixture() -> Fixture {
    Fixture {
        catalog: Catalog::from_toml("t.toml", CATALOG).unwrap(),
        calls: CallCatalog::from_toml("c.toml", "").unwrap(),
        runtime: Runtime::from_toml("r.toml", RUNTIME, "m.toml", MODEL).unwrap(),
    }
}

fn files(sources: &[(&str, &str)]) -> Vec<FileFacts> {
    sources
        .iter()
        .map(|(path, src)| {
            let module = path.trim_end_matches(".py").replace('/', ".");
            let e = extract(path, src, Some(&module), false);
            FileFacts {
                path: (*path).to_string(),
                module: Some(module),
                imports: e.imports,
                calls: e.calls,
                size_bytes: src.len() as u64,
                ..FileFacts::default()
            }
        })
        .collect()
}

fn run(location: &CodeLocation, sources: &[(&str, &str)]) -> PodEstimate {
    let f = fixture();
    let files = files(sources);
    let index = ModuleIndex::new(&files);
    let (graph, _) = location_graph(location, &index, &files, &BTreeMap::new());
    let model = Model::new(
        &f.catalog,
        &f.calls,
        &f.runtime,
        Path::new("/nonexistent"),
        &files,
    );
    estimate(location, &graph, &model)
}

fn package(e: &PodEstimate, name: &str) -> Option<Contribution> {
    e.breakdown.iter().find(|c| c.name == name).cloned()
}

#[test]
fn closure_is_counted_once_and_dagster_is_in_the_baseline() {
    let loc = CodeLocation::for_module("a", "defs");
    let e = run(
        &loc,
        &[
            (
                "defs.py",
                "import dagster\nimport pandas\nimport one\nimport two\n",
            ),
            ("one.py", "import sklearn\nimport numpy\n"),
            (
                "two.py",
                "import pandas\nfrom sklearn import linear_model\n",
            ),
        ],
    );
    // numpy once (20) + pandas 50 + sklearn 30; dagster/pydantic are in the baseline.
    assert_eq!(e.user_code_mib, 100.0);
    assert_eq!(e.mib, 230.0);
    assert!(package(&e, "dagster").is_none());
    assert_eq!(package(&e, "numpy").unwrap().mib, 20.0);
    assert_eq!(e.run_pod_mib, 200.0);
}

#[test]
fn code_server_is_proxy_plus_child() {
    let mut loc = CodeLocation::for_module("a", "defs");
    loc.server_mode = ServerMode::CodeServer;
    let e = run(&loc, &[("defs.py", "import numpy\n")]);
    assert_eq!(e.processes.len(), 2);
    assert_eq!(e.processes[0].role, "code_server_proxy");
    assert_eq!(e.processes[0].mib, 110.0);
    assert_eq!(e.processes[1].mib, 155.0);
    assert_eq!(e.mib, 265.0);
}

#[test]
fn conditional_imports_widen_the_band_only() {
    let loc = CodeLocation::for_module("a", "defs");
    let certain = run(&loc, &[("defs.py", "import numpy\n")]);
    let with_conditional = run(
        &loc,
        &[(
            "defs.py",
            "import numpy\nimport os\nif os.getenv('X'):\n    import torch\n",
        )],
    );
    assert_eq!(with_conditional.mib, certain.mib);
    assert_eq!(
        package(&with_conditional, "torch").unwrap().may_add_mib,
        300.0
    );
    assert!(with_conditional.high_mib >= certain.high_mib + 300.0);
}

#[test]
fn unknown_packages_get_the_measured_light_default() {
    let loc = CodeLocation::for_module("a", "defs");
    let e = run(&loc, &[("defs.py", "import somethingelse.sub\n")]);
    assert_eq!(e.unknown_packages, vec!["somethingelse"]);
    // Light measured packages: pydantic 10, requests 4, httpx 6 → median 6, p90 10.
    let c = package(&e, "somethingelse").unwrap();
    assert_eq!((c.mib, c.may_add_mib), (6.0, 4.0));
    assert!(e.low_mib < e.mib && e.mib < e.high_mib);
}

#[test]
fn optional_backend_follows_the_manifest() {
    let mut loc = CodeLocation::for_module("a", "defs");
    let without = run(&loc, &[("defs.py", "import pandas\n")]);
    let pyarrow = package(&without, "pyarrow").unwrap();
    assert_eq!(pyarrow.may_add_mib, 40.0);
    assert_eq!(pyarrow.optional_backend_of.as_deref(), Some("pandas"));
    assert_eq!(pyarrow.required_by, None);
    assert_eq!(without.user_code_mib, 70.0);
    let mut manifest = Manifest::new("requirements.txt", ManifestKind::Requirements);
    for name in ["pandas", "pyarrow"] {
        manifest.dependencies.push(Requirement {
            name: name.to_string(),
            specifier: String::new(),
            extras: Vec::new(),
            marker: None,
            url: None,
            line: 1,
            path: None,
        });
    }
    loc.manifest = Some(manifest);
    let with = run(&loc, &[("defs.py", "import pandas\n")]);
    assert_eq!(with.user_code_mib, 110.0);
    assert_eq!(
        package(&with, "pyarrow").unwrap().required_by.as_deref(),
        Some("pandas")
    );
    assert_eq!(package(&with, "pyarrow").unwrap().optional_backend_of, None);
}

#[test]
fn lazy_attribute_touched_at_import_charges_torch() {
    let loc = CodeLocation::for_module("a", "defs");
    let import_only = run(&loc, &[("defs.py", "import transformers\n")]);
    assert_eq!(import_only.user_code_mib, 15.0);
    let touched = run(
        &loc,
        &[(
            "defs.py",
            "import transformers\nclf = transformers.pipeline('x')\n",
        )],
    );
    // 15 + attribute 5 + torch 300 + numpy 20
    assert_eq!(touched.user_code_mib, 340.0);
    let deferred = run(
        &loc,
        &[(
            "defs.py",
            "import transformers\ndef f():\n    return transformers.pipeline('x')\n",
        )],
    );
    assert_eq!(deferred.user_code_mib, 15.0);
}

#[test]
fn unmeasured_catalog_entry_is_listed() {
    let loc = CodeLocation::for_module("a", "defs");
    let e = run(&loc, &[("defs.py", "import mystery_measured_later\n")]);
    assert_eq!(e.unmeasured_packages, vec!["mystery_measured_later"]);
}

#[test]
fn band_margin_is_the_measured_model_error() {
    let loc = CodeLocation::for_module("a", "defs");
    let e = run(&loc, &[("defs.py", "import numpy\n")]);
    // 150 point: 130 measured baseline + 20 user code, ±10% of the user code.
    assert_eq!(e.mib, 150.0);
    assert_eq!(e.high_mib, 152.0);
    assert_eq!(e.low_mib, 148.0);
}

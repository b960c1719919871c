//! Discovery over small trees: merging, conflicts, dangling locations,
//! per-project files, and hostile input.

use super::*;
use crate::discover::{walk, WalkOptions};

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    dir
}

fn run(dir: &tempfile::TempDir) -> Discovery {
    let walked = walk(dir.path(), &WalkOptions::default()).unwrap();
    discover_locations(&walked.root, &walked.declaration_files)
}

fn diags(d: &Discovery) -> Vec<(String, String, Option<u32>)> {
    d.diagnostics
        .iter()
        .map(|x| (x.kind.clone(), x.path.clone(), x.line))
        .collect()
}

fn location<'a>(d: &'a Discovery, name: &str) -> &'a CodeLocation {
    d.locations
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no location {name} in {:?}", d.locations))
}

const PKG: &str = "import dagster as dg\n";

#[test]
fn workspace_and_helm_merge_by_module() {
    let dir = tree(&[
        (
            "workspace.yaml",
            "load_from:\n  - python_module:\n      module_name: etl.definitions\n      working_directory: projects/etl\n      location_name: etl\n",
        ),
        (
            "deploy/values.yaml",
            "deployments:\n  - name: etl-prod\n    dagsterApiGrpcArgs: [\"-m\", \"etl.definitions\", \"-d\", \"/opt/dagster/app/projects/etl\"]\n    resources:\n      limits: {memory: 2Gi}\n",
        ),
        ("projects/etl/etl/__init__.py", ""),
        ("projects/etl/etl/definitions.py", PKG),
    ]);
    let d = run(&dir);
    assert_eq!(d.locations.len(), 1, "{:?}", d.locations);
    let etl = &d.locations[0];
    assert_eq!(etl.name, "etl");
    assert_eq!(etl.aliases, vec!["etl-prod"]);
    assert_eq!(etl.sources.len(), 2);
    assert_eq!(etl.working_directory.as_deref(), Some("projects/etl"));
    assert_eq!(
        etl.resources
            .as_ref()
            .unwrap()
            .limits
            .memory
            .as_ref()
            .unwrap()
            .bytes,
        2 << 30
    );
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
}

#[test]
fn helm_only_location_maps_the_image_directory_by_module() {
    let dir = tree(&[
        (
            "helm/values.yaml",
            "dagster-user-deployments:\n  deployments:\n    - name: ml\n      codeServerArgs: [\"--module-name=ml.defs\", \"--working-directory\", \"/srv/app/services/ml\"]\n",
        ),
        ("services/ml/src/ml/__init__.py", ""),
        ("services/ml/src/ml/defs.py", PKG),
        ("services/ml/pyproject.toml", "[project]\nname = \"ml\"\ndependencies = [\"torch\"]\n"),
    ]);
    let d = run(&dir);
    let ml = location(&d, "ml");
    assert_eq!(ml.server_mode, ServerMode::CodeServer);
    assert_eq!(ml.entry_path.as_deref(), Some("services/ml/src/ml/defs.py"));
    assert_eq!(ml.working_directory.as_deref(), Some("services/ml"));
    assert_eq!(ml.search_roots, vec!["services/ml", "services/ml/src"]);
    assert_eq!(
        ml.manifest.as_ref().unwrap().path,
        "services/ml/pyproject.toml"
    );
}

#[test]
fn conflicting_modules_for_one_name_are_reported_with_both_places() {
    let dir = tree(&[
        (
            "workspace.yaml",
            "load_from:\n  - python_module:\n      module_name: a.definitions\n      location_name: shared\n",
        ),
        (
            "dagster_cloud.yaml",
            "locations:\n  - location_name: shared\n    code_source:\n      module_name: b.definitions\n",
        ),
        ("a/definitions.py", PKG),
        ("b/definitions.py", PKG),
    ]);
    let d = run(&dir);
    assert_eq!(d.locations.len(), 1);
    let conflict = d
        .diagnostics
        .iter()
        .find(|x| x.kind == "conflicting-location")
        .expect("a conflict");
    assert_eq!(
        (conflict.path.as_str(), conflict.line),
        ("dagster_cloud.yaml", Some(2))
    );
    assert!(
        conflict.message.contains("workspace.yaml:2"),
        "{}",
        conflict.message
    );
    assert!(
        conflict.message.contains("b.definitions") && conflict.message.contains("a.definitions")
    );
    // The first source (workspace.yaml) wins, and both are listed.
    assert_eq!(
        d.locations[0].entry_path.as_deref(),
        Some("a/definitions.py")
    );
    assert_eq!(d.locations[0].sources.len(), 2);
}

#[test]
fn dangling_locations_name_the_declaring_line() {
    let dir = tree(&[
        (
            "workspace.yaml",
            "load_from:\n  - python_file: jobs.py\n  - python_module: gone.definitions\n  - grpc_server: {host: remote, port: 4266, location_name: remote}\n",
        ),
        ("jobs.py", PKG),
    ]);
    let d = run(&dir);
    assert_eq!(
        diags(&d),
        vec![("dangling-location".into(), "workspace.yaml".into(), Some(3))]
    );
    let remote = location(&d, "remote");
    assert!(!remote.scannable);
    assert!(matches!(
        remote.entry,
        Entry::GrpcServer {
            port: Some(4266),
            ..
        }
    ));
    assert!(location(&d, "jobs.py").scannable);
    assert!(!location(&d, "gone.definitions").scannable);
}

#[test]
fn malformed_files_do_not_hide_the_others() {
    let dir = tree(&[
        (
            "a/pyproject.toml",
            "[tool.dagster]\nmodule_name = \"a.defs\"\n[tool.dagster\n",
        ),
        (
            "b/pyproject.toml",
            "[tool.dagster]\nmodule_name = \"b.defs\"\n",
        ),
        ("b/b/defs.py", PKG),
        (
            "values.yaml",
            "deployments:\n  - name: x\n    dagsterApiGrpcArgs: [\"-m\", \"x\"\n",
        ),
        ("notes.yaml", "this: is: not: yaml: but: mentions nothing\n"),
    ]);
    let d = run(&dir);
    assert_eq!(d.locations.len(), 1);
    assert_eq!(d.locations[0].name, "b.defs");
    let got = diags(&d);
    assert_eq!(
        got[0],
        ("invalid-toml".into(), "a/pyproject.toml".into(), Some(3))
    );
    assert_eq!(got[1].0, "invalid-yaml");
    assert_eq!(got[1].1, "values.yaml");
    assert_eq!(got.len(), 2, "{got:?}");
}

#[test]
fn dg_workspace_missing_project_and_workspace_level_files() {
    let dir = tree(&[
        (
            "dg.toml",
            "directory_type = \"workspace\"\n[workspace]\n[[workspace.projects]]\npath = \"projects/a\"\n[[workspace.projects]]\npath = \"projects/gone\"\n[[workspace.projects]]\npath = \"projects/plain\"\n",
        ),
        (
            "projects/a/pyproject.toml",
            "[tool.dg]\ndirectory_type = \"project\"\n[tool.dg.project]\nroot_module = \"a\"\n",
        ),
        ("projects/a/src/a/definitions.py", PKG),
        ("projects/plain/README.md", "not a project\n"),
        ("container_context.yaml", "k8s:\n  resources:\n    requests: {memory: 512Mi}\n"),
    ]);
    let d = run(&dir);
    let a = location(&d, "a");
    assert_eq!(
        a.entry_path.as_deref(),
        Some("projects/a/src/a/definitions.py")
    );
    // The workspace-level container context is a default for its projects.
    assert_eq!(
        a.resources
            .as_ref()
            .unwrap()
            .requests
            .memory
            .as_ref()
            .unwrap()
            .bytes,
        512 << 20
    );
    assert!(a.sources.iter().any(|s| s.kind == SourceKind::DgWorkspace));
    assert_eq!(
        diags(&d),
        vec![
            ("dangling-location".into(), "dg.toml".into(), Some(5)),
            ("dangling-location".into(), "dg.toml".into(), Some(7)),
        ]
    );
}

#[test]
fn per_project_container_context_overrides_nothing_silently() {
    let dir = tree(&[
        (
            "dagster_cloud.yaml",
            "locations:\n  - location_name: p\n    code_source: {package_name: p}\n    build: {directory: ./p}\n    container_context:\n      k8s:\n        server_k8s_config:\n          container_config:\n            resources:\n              limits: {memory: 1Gi}\n",
        ),
        ("p/p/__init__.py", PKG),
        (
            "p/container_context.yaml",
            "k8s:\n  server_k8s_config:\n    container_config:\n      resources:\n        limits: {memory: 2Gi}\n",
        ),
        ("orphan/container_context.yaml", "k8s: {}\n"),
    ]);
    let d = run(&dir);
    let p = location(&d, "p");
    assert_eq!(
        p.resources
            .as_ref()
            .unwrap()
            .limits
            .memory
            .as_ref()
            .unwrap()
            .declared,
        "1Gi"
    );
    let got = diags(&d);
    assert!(got.contains(&(
        "conflicting-location".into(),
        "p/container_context.yaml".into(),
        Some(4)
    )));
    assert!(got.contains(&(
        "invalid-declaration".into(),
        "orphan/container_context.yaml".into(),
        Some(1)
    )));
}

#[test]
fn dockerfile_and_helm_modes_and_templates() {
    let dir = tree(&[
        (
            "Dockerfile",
            "FROM python:3.12\nCMD [\"dagster\", \"api\", \"grpc\", \"-m\", \"svc.definitions\"]\n",
        ),
        (
            "chart/values.yaml",
            "deployments:\n  - name: svc\n    codeServerArgs: [\"-m\", \"svc.definitions\"]\n",
        ),
        (
            "chart/templates/deploy.yaml",
            "{{- range .Values.deployments }}\nargs: {{ .dagsterApiGrpcArgs }}\n{{- end }}\n",
        ),
        ("svc/__init__.py", ""),
        ("svc/definitions.py", PKG),
    ]);
    let d = run(&dir);
    assert_eq!(d.locations.len(), 1, "{:?}", d.locations);
    // Helm sets the container command: the image's CMD does not conflict.
    assert_eq!(d.locations[0].server_mode, ServerMode::CodeServer);
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
}

#[test]
fn same_module_in_two_trees_is_ambiguous_for_helm() {
    let dir = tree(&[
        (
            "values.yaml",
            "deployments:\n  - name: x\n    dagsterApiGrpcArgs: [\"-m\", \"app.definitions\"]\n",
        ),
        ("one/app/definitions.py", PKG),
        ("two/app/definitions.py", PKG),
    ]);
    let d = run(&dir);
    assert_eq!(
        location(&d, "x").entry_path.as_deref(),
        Some("one/app/definitions.py")
    );
    assert_eq!(
        diags(&d),
        vec![("ambiguous-location".into(), "values.yaml".into(), Some(2))]
    );
}

#[test]
fn yaml_bombs_are_refused_not_expanded() {
    let mut bomb = String::from(
        "a: &a [\"dagsterApiGrpcArgs\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n",
    );
    let mut prev = "a".to_string();
    for i in 0..10 {
        let name = format!("b{i}");
        bomb.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = name;
    }
    bomb.push_str("deployments: [*b9]\n");
    let dir = tree(&[
        ("bomb.yaml", &bomb),
        (
            "deep.yaml",
            &format!("codeServerArgs: {}{}", "[".repeat(5000), "]".repeat(5000)),
        ),
    ]);
    let d = run(&dir);
    assert!(d.locations.is_empty());
    let got = diags(&d);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|(k, _, _)| k == "invalid-yaml"));
}

#[test]
fn garbage_never_panics() {
    let garbage: Vec<String> = vec![
        "\u{0}\u{1}\u{2}".into(),
        "[[[[".into(),
        "load_from: 3".into(),
        "load_from: [1, [2], {python_module: {module_name: [x]}}]".into(),
        "locations: {a: b}".into(),
        "deployments: [null, 3, {name: [x], dagsterApiGrpcArgs: 5, resources: [1]}]".into(),
        "dagster-user-deployments: {deployments: {x: 1}}".into(),
        "- - - -".into(),
        "k8s: {server_k8s_config: {container_config: {resources: {limits: {memory: [1]}}}}}".into(),
        "\"unterminated".into(),
        "*alias".into(),
        "&a [*a]".into(),
    ];
    for text in garbage {
        let dir = tree(&[
            ("workspace.yaml", &text),
            ("dagster_cloud.yaml", &text),
            ("values.yaml", &format!("{text}\n# dagsterApiGrpcArgs\n")),
            ("container_context.yaml", &text),
            ("build.yaml", &text),
            ("pyproject.toml", &text),
            ("dg.toml", &text),
            ("Dockerfile", &text),
            ("requirements.txt", &text),
            ("setup.cfg", &text),
            ("setup.py", &text),
            ("CODEOWNERS", &text),
        ]);
        let _ = run(&dir);
    }
}

#[test]
fn declaration_candidates() {
    for name in [
        "workspace.yaml",
        "workspace.yml",
        "pyproject.toml",
        "dg.toml",
        "dagster_cloud.yaml",
        "dagster-cloud.yaml",
        "container_context.yaml",
        "build.yaml",
        "user-code-values.yml",
        "Dockerfile",
        "Dockerfile.prod",
        "etl.Dockerfile",
        "CODEOWNERS",
        "requirements.txt",
        "requirements-prod.txt",
        "setup.py",
        "setup.cfg",
    ] {
        assert!(is_declaration_candidate(name), "{name}");
    }
    for name in [
        "README.md",
        "definitions.py",
        "values.json",
        "requirements.in",
        "Dockerfile-old",
    ] {
        assert!(!is_declaration_candidate(name), "{name}");
    }
}

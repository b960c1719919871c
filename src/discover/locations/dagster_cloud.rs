//! Dagster+ files: `dagster_cloud.yaml` (also `dagster-cloud.yaml`, or an
//! older-style `build.yaml` with `locations:`), and the per-project
//! `container_context.yaml` / `build.yaml` that `dg plus deploy` writes.
//! Mirrors `dagster_cloud_cli/config/models.py`.

use super::declare::{
    container_context_resources, module_target, work_dir, Attachment, Collected, Declaration,
    NameStrength, SeenNames, Target, WorkDir,
};
use super::model::{Source, SourceKind};
use super::node::{FileCtx, Node};
use super::paths;
use crate::diagnostics::Severity;

const LOCATION_KEYS: [&str; 9] = [
    "location_name",
    "code_source",
    "build",
    "working_directory",
    "image",
    "executable_path",
    "attribute",
    "container_context",
    "agent_queue",
];
const CODE_SOURCE_KEYS: [&str; 4] = [
    "package_name",
    "module_name",
    "python_file",
    "autoload_defs_module_name",
];

/// Reads the `locations` of a dagster_cloud.yaml.
pub(crate) fn read(path: &str, doc: &Node, ctx: &mut FileCtx<'_>, out: &mut Collected) {
    if !ctx.mapping_document(
        doc,
        "dagster_cloud.yaml",
        "a mapping with `locations`",
        "a dagster_cloud.yaml",
        &["locations", "defaults"],
    ) {
        return;
    }
    let base = paths::parent(path);
    let defaults = ctx.map(doc, "defaults", "dagster_cloud.yaml");
    if let Some(defaults) = defaults {
        ctx.unknown_keys(
            "`defaults`",
            defaults,
            &[
                "build",
                "working_directory",
                "image",
                "executable_path",
                "container_context",
                "agent_queue",
            ],
        );
    }
    let Some(locations) = ctx.seq(doc, "locations", "dagster_cloud.yaml") else {
        return;
    };
    let mut seen = SeenNames::default();
    for item in locations {
        if item.as_map().is_none() {
            ctx.wrong_type("locations[]", item, "a mapping");
            continue;
        }
        ctx.unknown_keys("a Dagster+ location", item, &LOCATION_KEYS);
        let Some(name) = ctx.string(item, "location_name", "locations[]") else {
            ctx.report(
                item.line,
                Severity::Error,
                "invalid-declaration",
                "a Dagster+ location needs `location_name`",
            );
            continue;
        };
        seen.record(ctx, &name.text, name.line);
        let source = Source::new(path, item.line, SourceKind::DagsterCloudYaml);
        let mut decl = Declaration::new(source.clone(), &base);
        decl.name = Some((name.text.clone(), NameStrength::Explicit));
        // A location's own setting wins over `defaults`.
        let field = |key: &str| item.get(key).or_else(|| defaults.and_then(|d| d.get(key)));

        if let Some(build) = field("build") {
            if build.as_map().is_some() {
                ctx.unknown_keys("`build`", build, &["directory", "registry"]);
                if let Some(dir) = ctx.string(build, "directory", "build") {
                    match paths::join(&base, &dir.text) {
                        Some(rel) => decl.build_directory = Some(rel),
                        None => ctx.report(
                            dir.line,
                            Severity::Warning,
                            "invalid-declaration",
                            format!(
                                "build directory `{}` is not inside the scanned root",
                                dir.text
                            ),
                        ),
                    }
                }
                if decl.image.is_none() {
                    decl.image = ctx.string(build, "registry", "build").map(|s| s.text);
                }
            } else if !build.is_null() {
                ctx.wrong_type("build", build, "a mapping");
            }
        }
        if let Some(image) = field("image").and_then(|n| ctx.string_value(n, "image")) {
            decl.image = Some(image.text);
        }
        if let Some(wd) =
            field("working_directory").and_then(|n| ctx.string_value(n, "working_directory"))
        {
            // Relative to the build directory when there is one (that is what
            // ends up in the image), else to this file's directory.
            let wd_base = decl.build_directory.clone().unwrap_or_else(|| base.clone());
            decl.working_dir = work_dir(ctx, &wd_base, &wd, "working_directory");
            if let (Some(WorkDir::Repo(_)), Some(build)) =
                (&decl.working_dir, &decl.build_directory)
            {
                if let Some(alt) = paths::join(&base, &wd.text) {
                    if &alt != build {
                        decl.extra_bases.push(alt);
                    }
                }
            }
        }
        if let Some(build) = decl.build_directory.clone() {
            decl.extra_bases.push(build);
        }
        decl.attribute = ctx.string(item, "attribute", "locations[]").map(|s| s.text);
        if let Some(context) = field("container_context") {
            if context.as_map().is_some() {
                let (server, run) =
                    container_context_resources(context, "container_context", &source, ctx);
                decl.resources = server;
                decl.run_resources = run;
            } else if !context.is_null() {
                ctx.wrong_type("container_context", context, "a mapping");
            }
        }
        decl.target = code_source(item, ctx);
        if decl.target.is_none() && item.get("code_source").is_none() {
            ctx.report(
                item.line,
                Severity::Warning,
                "invalid-declaration",
                format!(
                    "location `{}` has no `code_source`; what it loads is unknown",
                    name.text
                ),
            );
        }
        out.declarations.push(decl);
    }
}

fn code_source(item: &Node, ctx: &mut FileCtx<'_>) -> Option<Target> {
    let source = ctx.map(item, "code_source", "locations[]")?;
    ctx.unknown_keys("`code_source`", source, &CODE_SOURCE_KEYS);
    let given: Vec<(&str, super::node::Spanned)> = CODE_SOURCE_KEYS
        .iter()
        .filter_map(|k| ctx.string(source, k, "code_source").map(|v| (*k, v)))
        .collect();
    if given.len() != 1 {
        ctx.report(
            source.line,
            Severity::Error,
            "invalid-declaration",
            format!(
                "`code_source` needs exactly one of {}; found {}",
                CODE_SOURCE_KEYS.join(", "),
                given.len()
            ),
        );
    }
    let (key, value) = given.into_iter().next()?;
    match key {
        "package_name" => module_target(ctx, value.line, key, &value.text, Target::Package),
        "module_name" => module_target(ctx, value.line, key, &value.text, Target::Module),
        "autoload_defs_module_name" => {
            module_target(ctx, value.line, key, &value.text, Target::AutoloadDefs)
        }
        // Relative to the working directory; resolved against the candidate
        // directories later.
        _ => Some(Target::PythonFile(value.text)),
    }
}

/// Reads a per-project `container_context.yaml`.
pub(crate) fn read_container_context(
    path: &str,
    doc: &Node,
    ctx: &mut FileCtx<'_>,
    out: &mut Collected,
) {
    if doc.as_map().is_none() {
        if !doc.is_null() {
            ctx.wrong_type("container_context.yaml", doc, "a mapping");
        }
        return;
    }
    let source = Source::new(path, doc.line, SourceKind::ContainerContext);
    let (resources, run_resources) =
        container_context_resources(doc, "container_context", &source, ctx);
    out.attachments.push(Attachment {
        source,
        dir: paths::parent(path),
        resources,
        run_resources,
        build_directory: None,
        image: None,
    });
}

/// Reads a per-project `build.yaml` (`directory`, `registry`); one with
/// `locations:` is an older dagster_cloud.yaml under another name.
pub(crate) fn read_build_yaml(path: &str, doc: &Node, ctx: &mut FileCtx<'_>, out: &mut Collected) {
    if doc.get("locations").is_some() {
        read(path, doc, ctx, out);
        return;
    }
    if doc.as_map().is_none() || (doc.get("directory").is_none() && doc.get("registry").is_none()) {
        // Some other tool's build.yaml.
        return;
    }
    ctx.unknown_keys("a Dagster+ build.yaml", doc, &["directory", "registry"]);
    let base = paths::parent(path);
    let build_directory = ctx
        .string(doc, "directory", "build.yaml")
        .and_then(|d| paths::join(&base, &d.text));
    out.attachments.push(Attachment {
        source: Source::new(path, doc.line, SourceKind::BuildYaml),
        dir: base,
        resources: None,
        run_resources: None,
        build_directory,
        image: ctx.string(doc, "registry", "build.yaml").map(|s| s.text),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::locations::declare::read_yaml_for_test;
    use crate::discover::locations::yaml;

    fn run(text: &str) -> (Collected, Vec<crate::diagnostics::Diagnostic>) {
        read_yaml_for_test("dagster_cloud.yaml", text, read)
    }

    #[test]
    fn locations_with_code_sources_build_and_container_context() {
        let (c, diags) = run(r#"defaults:
  image: reg/default
locations:
  - location_name: etl
    code_source:
      package_name: etl
    build:
      directory: ./etl_project
      registry: reg/etl
  - location_name: ml
    code_source:
      module_name: ml.definitions
    working_directory: ./ml_project
    attribute: defs
    container_context:
      k8s:
        server_k8s_config:
          container_config:
            resources:
              requests: {memory: 2Gi, cpu: 500m}
              limits: {memory: 4Gi}
        run_k8s_config:
          container_config:
            resources:
              limits: {memory: 8Gi}
  - location_name: scripts
    code_source:
      python_file: jobs/run.py
  - location_name: auto
    code_source:
      autoload_defs_module_name: auto.defs
"#);
        assert!(diags.is_empty(), "{diags:?}");
        let d = &c.declarations;
        assert_eq!(d.len(), 4);
        assert_eq!(d[0].target, Some(Target::Package("etl".into())));
        assert_eq!(d[0].build_directory.as_deref(), Some("etl_project"));
        assert_eq!(d[0].image.as_deref(), Some("reg/default"));
        assert_eq!(d[0].source.line, 4);
        assert_eq!(d[1].working_dir, Some(WorkDir::Repo("ml_project".into())));
        assert_eq!(d[1].attribute.as_deref(), Some("defs"));
        let r = d[1].resources.as_ref().unwrap();
        assert_eq!(r.requests.memory.as_ref().unwrap().bytes, 2 << 30);
        assert_eq!(r.source.line, 19);
        let run = d[1].run_resources.as_ref().unwrap();
        assert_eq!(run.limits.memory.as_ref().unwrap().bytes, 8 << 30);
        assert_eq!(d[2].target, Some(Target::PythonFile("jobs/run.py".into())));
        assert_eq!(d[3].target, Some(Target::AutoloadDefs("auto.defs".into())));
    }

    #[test]
    fn problems() {
        let (c, diags) = run(r#"locations:
  - code_source: {module_name: x}
  - location_name: two
    code_source: {module_name: a, package_name: b}
  - location_name: none
    code_sauce: {module_name: a}
  - location_name: two
    code_source: {python_file: a.py}
"#);
        let got: Vec<_> = diags
            .iter()
            .map(|d| (d.kind.as_str(), d.line.unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("invalid-declaration", 2),
                ("invalid-declaration", 4),
                ("unknown-key", 6),
                ("invalid-declaration", 5),
                ("duplicate-location", 7),
            ]
        );
        assert_eq!(c.declarations.len(), 3);
        assert_eq!(c.declarations[0].target, Some(Target::Package("b".into())));
    }

    #[test]
    fn per_project_files() {
        let mut diags = Vec::new();
        let mut out = Collected::default();
        let mut ctx = FileCtx::new("p/container_context.yaml", &mut diags);
        let doc = yaml::parse("k8s:\n  resources:\n    limits:\n      memory: 3Gi\n")
            .unwrap()
            .remove(0);
        read_container_context("p/container_context.yaml", &doc, &mut ctx, &mut out);
        let doc = yaml::parse("directory: .\nregistry: reg/p\n")
            .unwrap()
            .remove(0);
        read_build_yaml("p/build.yaml", &doc, &mut ctx, &mut out);
        let doc = yaml::parse("steps: [a]\n").unwrap().remove(0);
        read_build_yaml("q/build.yaml", &doc, &mut ctx, &mut out);
        assert!(diags.is_empty());
        assert_eq!(out.attachments.len(), 2);
        let a = &out.attachments[0];
        assert_eq!(a.dir, "p");
        assert_eq!(
            a.resources
                .as_ref()
                .unwrap()
                .limits
                .memory
                .as_ref()
                .unwrap()
                .bytes,
            3 << 30
        );
        assert_eq!(a.run_resources, a.resources);
        assert_eq!(out.attachments[1].build_directory.as_deref(), Some("p"));
        assert_eq!(out.attachments[1].image.as_deref(), Some("reg/p"));
    }
}

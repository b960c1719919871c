//! Values of the `dagster-user-deployments` Helm chart, in a file of any
//! name: `deployments:` at the top level (the subchart's own values) or under
//! `dagster-user-deployments:` (the umbrella `dagster` chart). Each deployment
//! runs `dagster api grpc <dagsterApiGrpcArgs>` or `dagster code-server start
//! <codeServerArgs>` (`templates/deployment-user.yaml`).

use super::command::{parse_pointer_args, pointer_from_env, Pointer};
use super::declare::{
    module_target, resources, Collected, Declaration, NameStrength, Target, WorkDir,
};
use super::model::{ServerMode, Source, SourceKind};
use super::node::{FileCtx, Node};
use super::paths;
use crate::diagnostics::Severity;

/// Whether a YAML document looks like user-deployments values.
pub(crate) fn deployments(doc: &Node) -> Option<&Node> {
    if let Some(sub) = doc.get("dagster-user-deployments") {
        return sub.get("deployments");
    }
    let list = doc.get("deployments")?;
    let looks_like_dagster = list
        .as_seq()?
        .iter()
        .any(|d| d.get("dagsterApiGrpcArgs").is_some() || d.get("codeServerArgs").is_some());
    looks_like_dagster.then_some(list)
}

/// Reads the deployments of a values file.
pub(crate) fn read(path: &str, doc: &Node, ctx: &mut FileCtx<'_>, out: &mut Collected) {
    let Some(list) = deployments(doc) else {
        return;
    };
    if list.is_null() {
        return;
    }
    let Some(items) = list.as_seq() else {
        ctx.wrong_type("deployments", list, "a list");
        return;
    };
    let base = paths::parent(path);
    for item in items {
        if item.as_map().is_none() {
            ctx.wrong_type("deployments[]", item, "a mapping");
            continue;
        }
        let source = Source::new(path, item.line, SourceKind::HelmValues);
        let mut decl = Declaration::new(source.clone(), &base);
        match ctx.string(item, "name", "deployments[]") {
            Some(name) => decl.name = Some((name.text, NameStrength::Deployment)),
            None => ctx.report(
                item.line,
                Severity::Error,
                "invalid-declaration",
                "a user deployment needs `name`",
            ),
        }
        if let Some(image) = ctx.map(item, "image", "deployments[]") {
            let repository = ctx.string(image, "repository", "image").map(|s| s.text);
            let tag = ctx.string(image, "tag", "image").map(|s| s.text);
            decl.image = match (repository, tag) {
                (Some(r), Some(t)) => Some(format!("{r}:{t}")),
                (Some(r), None) => Some(r),
                _ => None,
            };
        }
        let grpc = ctx.strings(item, "dagsterApiGrpcArgs", "deployments[]");
        let code_server = ctx.strings(item, "codeServerArgs", "deployments[]");
        let (mode, args) = match (grpc, code_server) {
            (Some(args), None) => (Some(ServerMode::ApiGrpc), args),
            (None, Some(args)) => (Some(ServerMode::CodeServer), args),
            (Some(args), Some(_)) => {
                ctx.report(
                    item.line,
                    Severity::Error,
                    "invalid-declaration",
                    "both `dagsterApiGrpcArgs` and `codeServerArgs`; the chart accepts only one",
                );
                (Some(ServerMode::ApiGrpc), args)
            }
            (None, None) => (None, Vec::new()),
        };
        decl.server_mode = mode;
        let line_of_args = args.first().map_or(item.line, |a| a.line);
        let args: Vec<String> = args.into_iter().map(|a| a.text).collect();
        let (pointer, problems) = parse_pointer_args(&args);
        for problem in problems {
            ctx.report(
                line_of_args,
                Severity::Error,
                "invalid-declaration",
                problem,
            );
        }
        let mut env_source = None;
        let pointer = pointer.or(match item.get("env") {
            Some(env) => {
                let p = env_pointer(env);
                if p.has_target() {
                    env_source = Some(Source::new(path, env.line, SourceKind::EnvVar));
                }
                p
            }
            None => Pointer::default(),
        });
        if let Some(env) = env_source.filter(|_| !args_have_target(&args)) {
            decl.extra_sources.push(env);
        }
        apply_pointer(&mut decl, &pointer, line_of_args, ctx);
        if decl.target.is_none() {
            ctx.report(
                item.line,
                Severity::Warning,
                "invalid-declaration",
                "user deployment without a code pointer (`-m`, `-f`, `--package-name` or `--autoload-defs-module-name` in its args); what it loads is unknown",
            );
        }
        if let Some((key, res)) = item.get_entry("resources") {
            let at = Source::new(path, key.line, SourceKind::HelmValues);
            decl.resources = resources(res, "resources", &at, ctx);
        }
        out.declarations.push(decl);
    }
}

fn args_have_target(args: &[String]) -> bool {
    parse_pointer_args(args).0.has_target()
}

/// `env` as a list of `{name, value}` or a mapping.
fn env_pointer(env: &Node) -> Pointer {
    let mut vars: Vec<(&str, &str)> = Vec::new();
    if let Some(items) = env.as_seq() {
        for item in items {
            if let (Some(name), Some(value)) = (
                item.get("name").and_then(Node::as_text),
                item.get("value").and_then(Node::as_text),
            ) {
                vars.push((name, value));
            }
        }
    } else if let Some(entries) = env.as_map() {
        for (key, value) in entries {
            if let Some(value) = value.as_text() {
                vars.push((key.name.as_str(), value));
            }
        }
    }
    pointer_from_env(vars)
}

/// Applies a code pointer from a command line to a declaration (shared with Dockerfiles).
pub(crate) fn apply_pointer(
    decl: &mut Declaration,
    pointer: &Pointer,
    line: u32,
    ctx: &mut FileCtx<'_>,
) {
    decl.target = if let Some(m) = &pointer.module {
        module_target(ctx, line, "module", m, Target::Module)
    } else if let Some(p) = &pointer.package {
        module_target(ctx, line, "package", p, Target::Package)
    } else if let Some(a) = &pointer.autoload {
        module_target(ctx, line, "autoload defs module", a, Target::AutoloadDefs)
    } else {
        pointer.python_file.clone().map(Target::PythonFile)
    };
    decl.attribute.clone_from(&pointer.attribute);
    if let Some(name) = &pointer.location_name {
        decl.name = Some((name.clone(), NameStrength::Explicit));
    }
    if let Some(wd) = &pointer.working_directory {
        decl.working_dir = Some(if wd.starts_with('/') {
            WorkDir::Image(wd.trim_end_matches('/').to_string())
        } else {
            // Relative to the container's working directory, which is not known
            // here: treat it like a path in the image.
            WorkDir::Image(format!("/{}", wd.trim_start_matches("./")))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::locations::declare::read_yaml_for_test;

    fn run(text: &str) -> (Collected, Vec<crate::diagnostics::Diagnostic>) {
        read_yaml_for_test("deploy/values.yaml", text, read)
    }

    #[test]
    fn umbrella_chart_values() {
        let (c, diags) = run(r#"
dagster-user-deployments:
  enabled: true
  deployments:
    - name: sales
      image: {repository: reg/sales, tag: "1.0"}
      dagsterApiGrpcArgs: ["--module-name", "sales.definitions", "-d", "/opt/dagster/app/projects/sales"]
      resources:
        requests: {memory: 1Gi}
    - name: ml
      codeServerArgs:
        - "-f"
        - "ml/defs.py"
        - "--attribute=defs"
"#);
        assert!(diags.is_empty(), "{diags:?}");
        let d = &c.declarations;
        assert_eq!(d[0].name, Some(("sales".into(), NameStrength::Deployment)));
        assert_eq!(
            d[0].target,
            Some(Target::Module("sales.definitions".into()))
        );
        assert_eq!(d[0].server_mode, Some(ServerMode::ApiGrpc));
        assert_eq!(
            d[0].working_dir,
            Some(WorkDir::Image("/opt/dagster/app/projects/sales".into()))
        );
        assert_eq!(d[0].image.as_deref(), Some("reg/sales:1.0"));
        assert_eq!(d[0].source.line, 5);
        assert_eq!(
            d[0].resources
                .as_ref()
                .unwrap()
                .requests
                .memory
                .as_ref()
                .unwrap()
                .bytes,
            1 << 30
        );
        assert_eq!(d[1].server_mode, Some(ServerMode::CodeServer));
        assert_eq!(d[1].target, Some(Target::PythonFile("ml/defs.py".into())));
        assert_eq!(d[1].attribute.as_deref(), Some("defs"));
    }

    #[test]
    fn subchart_values_and_env_pointer() {
        let (c, diags) = run(r#"deployments:
  - name: a
    dagsterApiGrpcArgs: []
    env:
      - name: DAGSTER_CLI_API_GRPC_PACKAGE_NAME
        value: a_pkg
  - name: b
    dagsterApiGrpcArgs: ["-m"]
  - dagsterApiGrpcArgs: ["-m", "c.defs", "-f", "c.py"]
"#);
        let d = &c.declarations;
        assert_eq!(d[0].target, Some(Target::Package("a_pkg".into())));
        assert_eq!(d[0].extra_sources[0].kind, SourceKind::EnvVar);
        let got: Vec<_> = diags
            .iter()
            .map(|d| (d.kind.as_str(), d.line.unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("invalid-declaration", 8),
                ("invalid-declaration", 7),
                ("invalid-declaration", 9),
                ("invalid-declaration", 9),
            ]
        );
    }

    #[test]
    fn other_charts_are_not_read() {
        let (c, diags) = run("deployments:\n  - name: web\n    replicas: 2\n");
        assert!(c.declarations.is_empty());
        assert!(diags.is_empty());
    }
}

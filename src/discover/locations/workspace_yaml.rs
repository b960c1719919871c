//! `workspace.yaml` (Dagster OSS): `load_from` items `python_file`,
//! `python_module`, `python_package`, `autoload_defs_module` (bare string or
//! map), `grpc_server`, and the older `python_environment: {executable_path,
//! target: {...}}`. Mirrors `dagster/_core/workspace/config_schema.py` and
//! `load.py`: relative paths start at the workspace file's directory, and
//! unnamed locations get Dagster's default names.

use super::declare::{
    module_target, work_dir, Collected, Declaration, NameStrength, SeenNames, Target,
};
use super::model::{Source, SourceKind};
use super::node::{FileCtx, Node};
use super::paths;
use crate::diagnostics::Severity;

const ITEM_KEYS: [&str; 6] = [
    "python_file",
    "python_module",
    "python_package",
    "autoload_defs_module",
    "grpc_server",
    "python_environment",
];

/// Reads a workspace file's locations into `out`.
pub(crate) fn read(path: &str, doc: &Node, ctx: &mut FileCtx<'_>, out: &mut Collected) {
    if !ctx.mapping_document(
        doc,
        "workspace",
        "a mapping with `load_from`",
        "a workspace file",
        &["load_from"],
    ) {
        return;
    }
    let Some(items) = ctx.seq(doc, "load_from", "workspace") else {
        return;
    };
    let base = paths::parent(path);
    let mut seen = SeenNames::default();
    for item in items {
        let Some(decl) = read_item(path, &base, item, ctx) else {
            continue;
        };
        if let Some((name, _)) = decl.name_or_default() {
            seen.record(ctx, &name, item.line);
        }
        out.declarations.push(decl);
    }
}

fn read_item(path: &str, base: &str, item: &Node, ctx: &mut FileCtx<'_>) -> Option<Declaration> {
    let Some(entries) = item.as_map() else {
        ctx.wrong_type("load_from[]", item, "a mapping");
        return None;
    };
    ctx.unknown_keys("a `load_from` item", item, &ITEM_KEYS);
    let present: Vec<&str> = entries
        .iter()
        .map(|(k, _)| k.name.as_str())
        .filter(|k| ITEM_KEYS.contains(k))
        .collect();
    if present.len() > 1 {
        ctx.report(
            item.line,
            Severity::Error,
            "invalid-declaration",
            format!(
                "a `load_from` item takes exactly one of {}; found {}",
                ITEM_KEYS.join(", "),
                present.join(" and ")
            ),
        );
        return None;
    }
    let (key, value) = entries
        .iter()
        .find(|(k, _)| ITEM_KEYS.contains(&k.name.as_str()))?;
    let mut decl = Declaration::new(Source::new(path, key.line, SourceKind::WorkspaceYaml), base);
    match key.name.as_str() {
        "grpc_server" => grpc_server(value, &mut decl, ctx)?,
        "python_environment" => {
            if value.as_map().is_none() {
                ctx.wrong_type("python_environment", value, "a mapping");
                return None;
            }
            ctx.unknown_keys(
                "`python_environment`",
                value,
                &["executable_path", "target"],
            );
            // The interpreter (`executable_path`) does not change what is imported.
            let target = ctx.map(value, "target", "python_environment")?;
            let mut inner = read_item(path, base, target, ctx)?;
            inner.source = decl.source;
            return Some(inner);
        }
        name => target(name, value, base, &mut decl, ctx)?,
    }
    Some(decl)
}

fn target(
    kind: &str,
    value: &Node,
    base: &str,
    decl: &mut Declaration,
    ctx: &mut FileCtx<'_>,
) -> Option<()> {
    let (required, make): (&str, fn(String) -> Target) = match kind {
        "python_file" => ("relative_path", Target::PythonFile),
        "python_module" => ("module_name", Target::Module),
        "python_package" => ("package_name", Target::Package),
        _ => ("module_name", Target::AutoloadDefs),
    };
    let what = kind.to_string();
    let (pointer, map) = match value.as_text() {
        Some(_) => (ctx.string_value(value, &what), None),
        None if value.as_map().is_some() => {
            let mut known = vec![
                required,
                "working_directory",
                "location_name",
                "executable_path",
            ];
            if kind != "autoload_defs_module" {
                known.push("attribute");
            }
            ctx.unknown_keys(&format!("`{kind}`"), value, &known);
            let pointer = ctx.string(value, required, &what);
            if pointer.is_none() && value.get(required).is_none() {
                ctx.report(
                    value.line,
                    Severity::Error,
                    "invalid-declaration",
                    format!("`{kind}` needs `{required}`"),
                );
            }
            (pointer, Some(value))
        }
        None => {
            ctx.wrong_type(&what, value, "a string or a mapping");
            return None;
        }
    };
    let pointer = pointer?;
    decl.target = Some(if kind == "python_file" {
        // Kept as written: Dagster rebases it on the workspace file's directory
        // (`rebase_file`), which resolution does.
        Target::PythonFile(pointer.text.clone())
    } else {
        module_target(ctx, pointer.line, kind, &pointer.text, make)?
    });
    if let Some(map) = map {
        decl.attribute = ctx.string(map, "attribute", &what).map(|s| s.text);
        if let Some(name) = ctx.string(map, "location_name", &what) {
            decl.name = Some((name.text, NameStrength::Explicit));
        }
        if let Some(wd) = ctx.string(map, "working_directory", &what) {
            decl.working_dir = work_dir(ctx, base, &wd, "working_directory");
        }
    }
    Some(())
}

fn grpc_server(value: &Node, decl: &mut Declaration, ctx: &mut FileCtx<'_>) -> Option<()> {
    if value.as_map().is_none() {
        ctx.wrong_type("grpc_server", value, "a mapping");
        return None;
    }
    ctx.unknown_keys(
        "`grpc_server`",
        value,
        &[
            "host",
            "port",
            "socket",
            "location_name",
            "ssl",
            "additional_metadata",
        ],
    );
    let host = ctx
        .string(value, "host", "grpc_server")
        .map_or_else(|| "localhost".to_string(), |s| s.text);
    let port = match value.get("port") {
        Some(node) => match node.as_text().map(|t| t.parse::<u32>()) {
            Some(Ok(port)) => Some(port),
            _ if node.is_null() => None,
            _ => {
                ctx.wrong_type("grpc_server.port", node, "a port number");
                None
            }
        },
        None => None,
    };
    let socket = ctx.string(value, "socket", "grpc_server").map(|s| s.text);
    if port.is_some() == socket.is_some() {
        ctx.report(
            value.line,
            Severity::Error,
            "invalid-declaration",
            "`grpc_server` needs exactly one of `port` and `socket`",
        );
    }
    if let Some(name) = ctx.string(value, "location_name", "grpc_server") {
        decl.name = Some((name.text, NameStrength::Explicit));
    }
    decl.target = Some(Target::Grpc { host, port, socket });
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::locations::declare::{read_yaml_for_test, WorkDir};

    fn run(text: &str) -> (Collected, Vec<crate::diagnostics::Diagnostic>) {
        read_yaml_for_test("deploy/workspace.yaml", text, read)
    }

    fn names(c: &Collected) -> Vec<String> {
        c.declarations
            .iter()
            .map(|d| d.name_or_default().unwrap().0)
            .collect()
    }

    #[test]
    fn bare_and_map_forms_with_defaults() {
        let (c, diags) = run("load_from:\n\
              - python_file: repo.py\n\
              - python_module: a.definitions\n\
              - python_package: pkg\n\
              - python_file:\n    relative_path: ../jobs/defs.py\n    attribute: defs\n    working_directory: ../jobs\n\
              - python_module:\n    module_name: b.defs\n    location_name: bee\n    executable_path: /venv/bin/python\n\
              - autoload_defs_module: proj.defs\n");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            names(&c),
            vec![
                "repo.py",
                "a.definitions",
                "pkg",
                "defs.py:defs",
                "bee",
                "proj.defs"
            ]
        );
        let d = &c.declarations;
        assert_eq!(d[0].target, Some(Target::PythonFile("repo.py".into())));
        assert_eq!(
            d[3].target,
            Some(Target::PythonFile("../jobs/defs.py".into()))
        );
        assert_eq!(d[3].working_dir, Some(WorkDir::Repo("jobs".into())));
        assert_eq!(d[4].source.line, 9);
        assert_eq!(d[5].target, Some(Target::AutoloadDefs("proj.defs".into())));
    }

    #[test]
    fn grpc_servers_and_python_environment() {
        let (c, diags) = run("load_from:\n\
              - grpc_server:\n    host: user-code\n    port: 4000\n\
              - grpc_server:\n    socket: /tmp/s\n    location_name: sock\n\
              - python_environment:\n    executable_path: venvs/x/bin/python\n    target:\n      python_module: old.defs\n");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(names(&c), vec!["grpc:user-code:4000", "sock", "old.defs"]);
        assert_eq!(c.declarations[2].source.line, 8);
    }

    #[test]
    fn problems_are_reported_with_lines() {
        let (c, diags) = run("load_from:\n\
              - python_module:\n    module_name: a.defs\n    modul: typo\n\
              - python_file: {attribute: x}\n\
              - python_module: [a]\n\
              - python_module: not-a-module\n\
              - python_module: a.defs\n\
              - grpc_server: {host: h}\n\
              - python_file: a.py\n  python_module: b\n\
              - something_else: x\nextra: 1\n");
        let got: Vec<_> = diags
            .iter()
            .map(|d| (d.line.unwrap(), d.kind.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (13, "unknown-key"),
                (4, "unknown-key"),
                (5, "invalid-declaration"),
                (6, "invalid-declaration"),
                (7, "invalid-declaration"),
                (8, "duplicate-location"),
                (9, "invalid-declaration"),
                (10, "invalid-declaration"),
                (12, "unknown-key"),
            ]
        );
        assert_eq!(names(&c), vec!["a.defs", "a.defs", "grpc:h:"]);
    }

    #[test]
    fn env_values_are_reported_not_guessed() {
        let (c, diags) = run("load_from:\n  - python_module:\n      module_name: {env: MODULE}\n");
        assert!(c.declarations.is_empty());
        assert_eq!(diags[0].kind, "unresolved-value");
    }
}

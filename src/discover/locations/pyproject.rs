//! `pyproject.toml` `[tool.dagster]` (`dagster dev` in that directory) and dg
//! projects and workspaces (`[tool.dg]` in `pyproject.toml`, or `dg.toml`).
//!
//! Mirrors `dagster/_core/workspace/load_target.py` (`get_origins_from_toml`)
//! and `dagster_dg_core/context.py`: a dg project's location is named
//! `code_location_name`, else its directory name; it loads
//! `code_location_target_module` (default `<root_module>.definitions`), or
//! with `autoload_defs = true` every module under `defs_module` (default
//! `<root_module>.defs`).

use super::declare::{
    is_module_name, module_target, Collected, Declaration, NameStrength, ProjectRef, Target,
    WorkDir,
};
use super::model::{DgProject, Source, SourceKind};
use super::node::{FileCtx, Node};
use super::paths;
use crate::diagnostics::Severity;

/// Reads `[tool.dagster]` and `[tool.dg]` of a `pyproject.toml`.
pub(crate) fn read_pyproject(
    path: &str,
    doc: &Node,
    root_name: &str,
    ctx: &mut FileCtx<'_>,
    out: &mut Collected,
) {
    let dir = paths::parent(path);
    let Some(tool) = doc.get("tool") else {
        return;
    };
    if let Some(dagster) = tool.get("dagster") {
        tool_dagster(path, &dir, dagster, ctx, out);
    }
    if let Some(dg) = tool.get("dg") {
        if dg.as_map().is_none() {
            ctx.wrong_type("tool.dg", dg, "a table");
            return;
        }
        ctx.unknown_keys(
            "`[tool.dg]`",
            dg,
            &["directory_type", "project", "workspace", "cli"],
        );
        dg_config(path, &dir, dg, "tool.dg", root_name, ctx, out);
    }
}

/// Reads a `dg.toml` (project or workspace; the keys sit at the top level).
pub(crate) fn read_dg_toml(
    path: &str,
    doc: &Node,
    root_name: &str,
    ctx: &mut FileCtx<'_>,
    out: &mut Collected,
) {
    let dir = paths::parent(path);
    ctx.unknown_keys(
        "a `dg.toml`",
        doc,
        &["directory_type", "project", "workspace", "cli"],
    );
    dg_config(path, &dir, doc, "", root_name, ctx, out);
}

fn tool_dagster(path: &str, dir: &str, block: &Node, ctx: &mut FileCtx<'_>, out: &mut Collected) {
    if block.as_map().is_none() {
        ctx.wrong_type("tool.dagster", block, "a table");
        return;
    }
    ctx.unknown_keys(
        "`[tool.dagster]`",
        block,
        &["module_name", "modules", "code_location_name"],
    );
    let name = ctx
        .string(block, "code_location_name", "tool.dagster")
        .map(|s| (s.text, NameStrength::Explicit));
    let module = ctx.string(block, "module_name", "tool.dagster");
    let modules = ctx.seq(block, "modules", "tool.dagster");
    if module.is_some() && modules.is_some_and(|m| !m.is_empty()) {
        ctx.report(
            block.line,
            Severity::Error,
            "invalid-declaration",
            "`[tool.dagster]` sets both `module_name` and `modules`; Dagster refuses that",
        );
    }
    let mut entries = Vec::new();
    if let Some(module) = module {
        entries.push((module, block.line));
    } else if let Some(modules) = modules {
        if modules.is_empty() {
            ctx.report(
                block.line,
                Severity::Error,
                "invalid-declaration",
                "`[tool.dagster] modules` is empty",
            );
        }
        for item in modules {
            if item.as_map().is_none() {
                ctx.wrong_type("tool.dagster.modules[]", item, "a table");
                continue;
            }
            ctx.unknown_keys("a `[tool.dagster] modules` entry", item, &["type", "name"]);
            let kind = ctx.string(item, "type", "tool.dagster.modules[]");
            let Some(name) = ctx.string(item, "name", "tool.dagster.modules[]") else {
                ctx.report(
                    item.line,
                    Severity::Error,
                    "invalid-declaration",
                    "module entry needs `name`",
                );
                continue;
            };
            match kind.as_ref().map(|k| k.text.as_str()) {
                Some("module") => entries.push((name, item.line)),
                Some(other) => ctx.report(
                    item.line,
                    Severity::Warning,
                    "invalid-declaration",
                    format!("module entry of type `{other}` is ignored by Dagster (only `module` is loaded)"),
                ),
                None => ctx.report(item.line, Severity::Error, "invalid-declaration", "module entry needs `type = \"module\"`"),
            }
        }
    }
    for (module, line) in entries {
        let Some(target) = module_target(
            ctx,
            module.line,
            "module_name",
            &module.text,
            Target::Module,
        ) else {
            continue;
        };
        let mut decl = Declaration::new(
            Source::new(path, line, SourceKind::PyprojectToolDagster),
            dir,
        );
        decl.target = Some(target);
        decl.name.clone_from(&name);
        // `dagster dev` runs in the pyproject's directory and loads from there.
        decl.working_dir = Some(WorkDir::Repo(dir.to_string()));
        out.declarations.push(decl);
    }
}

fn dg_config(
    path: &str,
    dir: &str,
    config: &Node,
    prefix: &str,
    root_name: &str,
    ctx: &mut FileCtx<'_>,
    out: &mut Collected,
) {
    let what = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    let directory_type = ctx.string(config, "directory_type", &what(""));
    match directory_type.as_ref().map(|d| d.text.as_str()) {
        Some("project") => {
            let Some(project) = ctx.map(config, "project", prefix) else {
                ctx.report(
                    config.line,
                    Severity::Error,
                    "invalid-declaration",
                    format!("a dg project needs a `[{}]` table", what("project")),
                );
                return;
            };
            dg_project(path, dir, project, &what("project"), root_name, ctx, out);
        }
        Some("workspace") => {
            let Some(workspace) = ctx.map(config, "workspace", prefix) else {
                return;
            };
            ctx.unknown_keys(
                &format!("`[{}]`", what("workspace")),
                workspace,
                &["projects", "scaffold_project_options"],
            );
            let Some(projects) = ctx.seq(workspace, "projects", &what("workspace")) else {
                return;
            };
            for spec in projects {
                if spec.as_map().is_none() {
                    ctx.wrong_type(&what("workspace.projects[]"), spec, "a table");
                    continue;
                }
                ctx.unknown_keys("a workspace project", spec, &["path", "code_location_name"]);
                let Some(project_path) = ctx.string(spec, "path", &what("workspace.projects[]"))
                else {
                    ctx.report(
                        spec.line,
                        Severity::Error,
                        "invalid-declaration",
                        "workspace project needs `path`",
                    );
                    continue;
                };
                out.project_refs.push(ProjectRef {
                    source: Source::new(path, spec.line, SourceKind::DgWorkspace),
                    dir: paths::join(dir, &project_path.text),
                    written: project_path.text.clone(),
                    code_location_name: ctx
                        .string(spec, "code_location_name", "workspace project")
                        .map(|s| s.text),
                });
            }
        }
        Some(other) => ctx.report(
            directory_type.as_ref().map_or(config.line, |d| d.line),
            Severity::Warning,
            "invalid-declaration",
            format!("unknown dg `directory_type = \"{other}\"`; expected `project` or `workspace`"),
        ),
        // A dg config without a directory type (user-level `cli` settings only).
        None => {}
    }
}

fn dg_project(
    path: &str,
    dir: &str,
    project: &Node,
    what: &str,
    root_name: &str,
    ctx: &mut FileCtx<'_>,
    out: &mut Collected,
) {
    ctx.unknown_keys(
        &format!("`[{what}]`"),
        project,
        &[
            "root_module",
            "defs_module",
            "code_location_target_module",
            "code_location_name",
            "autoload_defs",
            "registry_modules",
            "python_environment",
            "agent_queue",
            "image",
        ],
    );
    let Some(root_module) = ctx.string(project, "root_module", what) else {
        ctx.report(
            project.line,
            Severity::Error,
            "invalid-declaration",
            format!("`[{what}]` needs `root_module`"),
        );
        return;
    };
    if !is_module_name(&root_module.text) {
        ctx.report(
            root_module.line,
            Severity::Error,
            "invalid-declaration",
            format!(
                "root_module `{}` is not a Python module name",
                root_module.text
            ),
        );
        return;
    }
    let root = root_module.text;
    let module_or_default =
        |ctx: &mut FileCtx<'_>, key: &str, default: String| match ctx.string(project, key, what) {
            Some(s) if is_module_name(&s.text) => s.text,
            Some(s) => {
                ctx.report(
                    s.line,
                    Severity::Error,
                    "invalid-declaration",
                    format!(
                        "{key} `{}` is not a Python module name; using `{default}`",
                        s.text
                    ),
                );
                default
            }
            None => default,
        };
    let defs_module = module_or_default(ctx, "defs_module", format!("{root}.defs"));
    let target_module = module_or_default(
        ctx,
        "code_location_target_module",
        format!("{root}.definitions"),
    );
    let autoload_defs = ctx.bool(project, "autoload_defs", what).unwrap_or(false);
    let registry_modules = ctx
        .strings(project, "registry_modules", what)
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.text)
        .collect();
    let mut decl = Declaration::new(Source::new(path, project.line, SourceKind::DgProject), dir);
    decl.name = Some(match ctx.string(project, "code_location_name", what) {
        Some(name) => (name.text, NameStrength::Explicit),
        None => (
            if dir.is_empty() {
                root_name.to_string()
            } else {
                paths::file_name(dir).to_string()
            },
            NameStrength::Derived,
        ),
    });
    decl.target = Some(if autoload_defs {
        Target::AutoloadDefs(defs_module.clone())
    } else {
        Target::Module(target_module.clone())
    });
    decl.working_dir = Some(WorkDir::Repo(dir.to_string()));
    decl.image = ctx.string(project, "image", what).map(|s| s.text);
    decl.dg = Some(DgProject {
        directory: dir.to_string(),
        root_module: root,
        defs_module,
        autoload_defs,
        code_location_target_module: (!autoload_defs).then_some(target_module),
        defs_directory: None,
        registry_modules,
        components: Vec::new(),
    });
    out.declarations.push(decl);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::locations::tomlfile;

    fn run(path: &str, text: &str) -> (Collected, Vec<crate::diagnostics::Diagnostic>) {
        let doc = tomlfile::parse(text).unwrap();
        let mut diags = Vec::new();
        let mut out = Collected::default();
        let mut ctx = FileCtx::new(path, &mut diags);
        if path.ends_with("dg.toml") {
            read_dg_toml(path, &doc, "repo", &mut ctx, &mut out);
        } else {
            read_pyproject(path, &doc, "repo", &mut ctx, &mut out);
        }
        (out, diags)
    }

    #[test]
    fn tool_dagster_module_name_and_modules() {
        let (c, diags) = run(
            "p/pyproject.toml",
            "[tool.dagster]\nmodule_name = \"p.definitions\"\ncode_location_name = \"pee\"\n",
        );
        assert!(diags.is_empty());
        let d = &c.declarations[0];
        assert_eq!(d.name_or_default().unwrap().0, "pee");
        assert_eq!(d.working_dir, Some(WorkDir::Repo("p".into())));
        assert_eq!(d.source.line, 1);

        let (c, diags) = run(
            "pyproject.toml",
            "[tool.dagster]\nmodules = [\n  {type = \"module\", name = \"a.defs\"},\n  {type = \"module\", name = \"b.defs\"},\n  {type = \"file\", name = \"c.py\"},\n]\n",
        );
        let names: Vec<_> = c
            .declarations
            .iter()
            .map(|d| (d.name_or_default().unwrap().0, d.source.line))
            .collect();
        assert_eq!(
            names,
            vec![("a.defs".to_string(), 3), ("b.defs".to_string(), 4)]
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, Some(5));
    }

    #[test]
    fn tool_dagster_problems() {
        let (c, diags) = run(
            "pyproject.toml",
            "[tool.dagster]\nmodule_name = 3.5\nmodul = \"x\"\n",
        );
        assert!(c.declarations.is_empty());
        let got: Vec<_> = diags.iter().map(|d| (d.kind.as_str(), d.line)).collect();
        assert_eq!(
            got,
            vec![("unknown-key", Some(3)), ("invalid-declaration", Some(2))]
        );
    }

    #[test]
    fn dg_project_defaults_and_autoload() {
        let (c, diags) = run(
            "projects/etl-jobs/pyproject.toml",
            "[project]\nname = \"etl-jobs\"\n\n[tool.dg]\ndirectory_type = \"project\"\n\n[tool.dg.project]\nroot_module = \"etl_jobs\"\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let d = &c.declarations[0];
        assert_eq!(
            d.name_or_default().unwrap(),
            ("etl-jobs".to_string(), NameStrength::Derived)
        );
        assert_eq!(
            d.target,
            Some(Target::Module("etl_jobs.definitions".into()))
        );
        assert_eq!(d.source.line, 7);
        let dg = d.dg.as_ref().unwrap();
        assert_eq!(dg.defs_module, "etl_jobs.defs");
        assert!(!dg.autoload_defs);

        let (c, _) = run(
            "ml/dg.toml",
            "directory_type = \"project\"\n[project]\nroot_module = \"ml\"\nautoload_defs = true\ndefs_module = \"ml.my_defs\"\ncode_location_name = \"machine-learning\"\n",
        );
        let d = &c.declarations[0];
        assert_eq!(d.name_or_default().unwrap().0, "machine-learning");
        assert_eq!(d.target, Some(Target::AutoloadDefs("ml.my_defs".into())));
        assert_eq!(d.dg.as_ref().unwrap().code_location_target_module, None);
    }

    #[test]
    fn dg_workspace_projects() {
        let (c, diags) = run(
            "dg.toml",
            "directory_type = \"workspace\"\n\n[workspace]\n\n[[workspace.projects]]\npath = \"projects/a\"\n\n[[workspace.projects]]\npath = \"../outside\"\n\n[[workspace.projects]]\npathh = \"x\"\n",
        );
        assert_eq!(c.project_refs.len(), 2);
        assert_eq!(c.project_refs[0].dir.as_deref(), Some("projects/a"));
        assert_eq!(c.project_refs[0].source.line, 5);
        assert_eq!(c.project_refs[1].dir, None);
        let got: Vec<_> = diags.iter().map(|d| (d.kind.as_str(), d.line)).collect();
        assert_eq!(
            got,
            vec![("unknown-key", Some(12)), ("invalid-declaration", Some(11))]
        );
    }

    #[test]
    fn dg_problems() {
        let (c, diags) = run(
            "pyproject.toml",
            "[tool.dg]\ndirectory_type = \"project\"\n[tool.dg.project]\ndefs_module = \"x.defs\"\nautoload_defs = \"yes\"\n",
        );
        assert!(c.declarations.is_empty());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, Some(3));
    }
}

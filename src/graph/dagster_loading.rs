//! What Dagster itself imports when a location loads, beyond import
//! statements: the files of a dg `defs` folder and the modules named by
//! component YAML `type:` keys.

use std::collections::HashMap;

use super::reach::Hop;
use super::resolve::{ModuleIndex, Target};
use crate::scan::module_path::is_identifier;
use crate::scan::FileFacts;

/// Component YAML files found in the tree: directory → `(type, path, line)`.
pub type ComponentTypes = HashMap<String, Vec<(String, String, u32)>>;

/// File names that declare a YAML component in a defs folder.
pub const COMPONENT_YAML: &[&str] = &["defs.yaml", "component.yaml"];

/// The `type:` of each document of a component YAML file, with its line.
/// Only top-level `type:` keys count; the value is a dotted class path.
pub fn component_types(text: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("type:") else {
            continue;
        };
        let value = rest
            .split('#')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        let valid = !value.is_empty()
            && value
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c == '_' || c.is_alphanumeric()));
        if valid {
            out.push((value.to_string(), u32::try_from(i + 1).unwrap_or(u32::MAX)));
        }
    }
    out
}

/// How a folder of definitions is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderMode {
    /// `load_from_defs_folder` / `autoload_defs`: per folder, a component YAML
    /// wins, then `component.py`, then `definitions.py`, else every `.py`
    /// (and the subfolders).
    DefsFolder,
    /// The deprecated `load_defs(module)`: every module, stopping at a folder
    /// that has `definitions.py` or `component.py`.
    LoadDefs,
    /// `load_assets_from_package_module(pkg)` and its siblings: Dagster
    /// imports every module of the package with `pkgutil.walk_packages`, which
    /// descends only into subdirectories that are packages (`__init__.py`, no
    /// `.` in the name) and never reads component YAML.
    PackageWalk,
}

/// The edges Dagster adds when it loads the folder `dir`. `hop` is the
/// statement (or declaration) that triggers the load.
pub fn folder_edges(
    index: &ModuleIndex,
    files: &[FileFacts],
    roots: &[String],
    components: &ComponentTypes,
    dir: &str,
    mode: FolderMode,
    hop: &Hop,
) -> Vec<(Target, Hop)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_string()];
    let mut seen = 0usize;
    while let Some(folder) = stack.pop() {
        seen += 1;
        if seen > 100_000 {
            break;
        }
        let in_folder = index.files_in(&folder);
        let named = |name: &str| {
            in_folder
                .iter()
                .copied()
                .find(|&i| files[i].path.rsplit('/').next() == Some(name))
        };
        if mode == FolderMode::PackageWalk {
            for &file in in_folder {
                let stem = files[file]
                    .path
                    .rsplit('/')
                    .next()
                    .and_then(|n| n.strip_suffix(".py"));
                if stem.is_some_and(is_identifier) {
                    out.push((Target::File(file), hop.clone()));
                }
            }
            let mut subdirs: Vec<&String> = index
                .subdirs_of(&folder)
                .filter(|d| {
                    let name = d.rsplit('/').next().unwrap_or(d);
                    !name.contains('.') && index.file(&format!("{d}/__init__.py")).is_some()
                })
                .collect();
            subdirs.reverse();
            stack.extend(subdirs.into_iter().cloned());
            continue;
        }
        if mode == FolderMode::DefsFolder {
            if let Some(types) = components.get(&folder) {
                for (ty, path, line) in types {
                    let module = ty.rsplit_once('.').map_or(ty.as_str(), |(m, _)| m);
                    let yaml_hop = Hop {
                        path: path.clone(),
                        line: *line,
                        module: module.to_string(),
                        conditional: hop.conditional,
                    };
                    match index.resolve_chain(roots, module) {
                        Some((chain, _)) => out.extend(
                            chain
                                .into_iter()
                                .map(|f| (Target::File(f), yaml_hop.clone())),
                        ),
                        None => out.push((Target::External(module.to_string()), yaml_hop)),
                    }
                }
                continue;
            }
        }
        let single = named("component.py").or_else(|| named("definitions.py"));
        if let Some(file) = single {
            out.push((Target::File(file), hop.clone()));
            continue;
        }
        for &file in in_folder {
            out.push((Target::File(file), hop.clone()));
        }
        let mut subdirs: Vec<&String> = index
            .subdirs_of(&folder)
            .filter(|d| {
                let name = d.rsplit('/').next().unwrap_or(d);
                !name.starts_with('.') && name != "__pycache__"
            })
            .collect();
        subdirs.reverse();
        stack.extend(subdirs.into_iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> Vec<FileFacts> {
        paths
            .iter()
            .map(|p| FileFacts {
                path: (*p).to_string(),
                ..FileFacts::default()
            })
            .collect()
    }

    fn hop() -> Hop {
        Hop {
            path: "pyproject.toml".into(),
            line: 1,
            module: "proj.defs".into(),
            conditional: false,
        }
    }

    fn loaded(mode: FolderMode, components: &ComponentTypes) -> Vec<String> {
        let f = files(&[
            "proj/defs/__init__.py",
            "proj/defs/a.py",
            "proj/defs/sub/b.py",
            "proj/defs/sub/deeper/c.py",
            "proj/defs/agg/definitions.py",
            "proj/defs/agg/skipped.py",
            "proj/defs/comp/component.py",
            "proj/defs/comp/definitions.py",
            "proj/defs/yamlc/ignored.py",
            "proj/defs/.hidden/h.py",
            "proj/lib/widgets.py",
        ]);
        let index = ModuleIndex::new(&f);
        folder_edges(
            &index,
            &f,
            &[String::new()],
            components,
            "proj/defs",
            mode,
            &hop(),
        )
        .into_iter()
        .map(|(t, _)| match t {
            Target::File(i) => f[i].path.clone(),
            Target::External(m) => format!("ext:{m}"),
        })
        .collect()
    }

    #[test]
    fn defs_folder_priority_rules() {
        let mut components = ComponentTypes::new();
        components.insert(
            "proj/defs/yamlc".into(),
            vec![
                (
                    "proj.lib.widgets.Widget".into(),
                    "proj/defs/yamlc/defs.yaml".into(),
                    1,
                ),
                (
                    "dagster_dbt.DbtProjectComponent".into(),
                    "proj/defs/yamlc/defs.yaml".into(),
                    5,
                ),
            ],
        );
        let got = loaded(FolderMode::DefsFolder, &components);
        assert_eq!(
            got,
            vec![
                "proj/defs/__init__.py",
                "proj/defs/a.py",
                "proj/defs/agg/definitions.py",
                "proj/defs/comp/component.py",
                "proj/defs/sub/b.py",
                "proj/defs/sub/deeper/c.py",
                "proj/lib/widgets.py",
                "ext:dagster_dbt",
            ]
        );
    }

    #[test]
    fn load_defs_ignores_yaml() {
        let got = loaded(FolderMode::LoadDefs, &ComponentTypes::new());
        assert!(got.contains(&"proj/defs/yamlc/ignored.py".to_string()));
        assert!(!got.contains(&"proj/defs/agg/skipped.py".to_string()));
        assert!(!got.iter().any(|p| p.contains(".hidden")));
    }

    #[test]
    fn component_yaml_types() {
        let text = "type: my_proj.components.Thing\nattributes:\n  type: nested.Ignored\n---\ntype: 'dagster_sling.SlingReplicationCollectionComponent'  # c\n";
        assert_eq!(
            component_types(text),
            vec![
                ("my_proj.components.Thing".to_string(), 1),
                (
                    "dagster_sling.SlingReplicationCollectionComponent".to_string(),
                    5
                )
            ]
        );
    }
}

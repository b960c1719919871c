//! Lazy-load advice for heavy imports (FP001) and eager loads (FP003): where
//! the import can move, and what that saves in each pod that loads it.

use std::collections::HashMap;

use serde::Serialize;

use super::Context;
use crate::rules::Finding;
use crate::scan::uses::UseScope;
use crate::scan::{ExecContext, FileFacts, ImportSite};

/// Above this, a package used at module level is better run as a separate
/// service than loaded into every pod (the libpostal-rest pattern).
pub const SERVICE_THRESHOLD_MIB: f64 = 1024.0;

/// What to do about one heavy import.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Advice {
    /// Used only inside these functions: move the import into each.
    MoveIntoFunctions { functions: Vec<String> },
    /// Used only in annotations (and maybe function bodies): guard it.
    TypeCheckingGuard { functions: Vec<String> },
    /// Python ≥ 3.15: `lazy import x` defers it until first use.
    LazyImport { statement: String },
    /// Used at module level: build the object on first use instead.
    Factory { uses: Vec<u32> },
    /// Used at module level and above 1 GiB: run it as its own service.
    SeparateService { uses: Vec<u32> },
    /// Re-exported or rebound: cannot move without changing the module's API.
    CannotDefer { reason: String },
    /// Never used in this module.
    Unused,
    /// An eager call: move it into the code that needs its result.
    DeferCall,
}

impl Advice {
    /// The advice defers the import statement itself (move it, guard it,
    /// `lazy import` it, or delete it): what the "after the lazy-load fixes"
    /// totals assume. The rest needs the code around the import changed.
    pub fn defers_import(&self) -> bool {
        matches!(
            self,
            Advice::MoveIntoFunctions { .. }
                | Advice::TypeCheckingGuard { .. }
                | Advice::LazyImport { .. }
                | Advice::Unused
        )
    }
}

/// Savings in one pod.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Saving {
    pub location: String,
    /// Idle MiB the pod would no longer hold.
    pub mib: f64,
    /// MiB each run pod of this location would no longer import.
    pub run_pod_mib: f64,
    /// When the saving is ~0: the import that still loads the package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_loaded_by: Option<String>,
}

/// Advice for one finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LazyAdvice {
    pub code: &'static str,
    pub path: String,
    pub line: u32,
    pub subject: String,
    pub advice: Advice,
    /// `dagster-footprint fix` can apply it.
    pub fixable: bool,
    pub message: String,
    pub savings: Vec<Saving>,
}

fn import_at(file: &FileFacts, line: u32) -> Option<&ImportSite> {
    file.imports
        .iter()
        .find(|i| i.line == line && i.function.is_none() && i.context.runs_at_import())
}

/// Whether `requires-python` guarantees Python ≥ 3.15 (PEP 810 `lazy import`).
pub fn requires_lazy_import_python(requires_python: Option<&str>) -> bool {
    let Some(spec) = requires_python else {
        return false;
    };
    spec.split(',').any(|clause| {
        let clause = clause.trim();
        let Some(version) = clause
            .strip_prefix(">=")
            .or_else(|| clause.strip_prefix("~="))
        else {
            return false;
        };
        let mut parts = version
            .trim()
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let major = parts.next().unwrap_or(0);
        let minor = parts.next().unwrap_or(0);
        (major, minor) >= (3, 15)
    })
}

/// How advice names the `if __name__ == "__main__":` block among the
/// functions an import moves into.
pub const MAIN_BLOCK: &str = "if __name__ == \"__main__\"";

/// Classifies what can be done with `import` from the uses of its names.
pub fn classify(
    file: &FileFacts,
    import: &ImportSite,
    package_mib: f64,
    lazy_syntax: bool,
) -> (Advice, bool) {
    let names: Vec<&str> = import.bound.iter().map(|b| b.local.as_str()).collect();
    let uses: Vec<_> = file
        .uses
        .iter()
        .filter(|u| names.contains(&u.name.as_str()))
        .collect();
    if import.is_star() {
        return (
            Advice::CannotDefer {
                reason: "a star import binds names the tool cannot follow".to_string(),
            },
            false,
        );
    }
    if let Some(u) = uses
        .iter()
        .find(|u| matches!(u.scope, UseScope::Exported | UseScope::Rebound))
    {
        let reason = match u.scope {
            UseScope::Exported => format!("`{}` is re-exported in `__all__`", u.name),
            _ => format!(
                "`{}` is rebound with `global`/`del` (line {})",
                u.name, u.line
            ),
        };
        return (Advice::CannotDefer { reason }, false);
    }
    let module_lines: Vec<u32> = uses
        .iter()
        .filter(|u| {
            matches!(u.scope, UseScope::Module)
                || matches!(
                    u.scope,
                    UseScope::Annotation {
                        dagster_signature: true,
                        ..
                    }
                )
        })
        .map(|u| u.line)
        .collect();
    if !module_lines.is_empty() {
        let advice = if package_mib >= SERVICE_THRESHOLD_MIB {
            Advice::SeparateService { uses: module_lines }
        } else {
            Advice::Factory { uses: module_lines }
        };
        return (advice, false);
    }
    let mut functions: Vec<String> = uses
        .iter()
        .filter_map(|u| match &u.scope {
            UseScope::Function { function } => Some(function.clone()),
            _ => None,
        })
        .collect();
    functions.sort();
    functions.dedup();
    // Used under `if __name__ == "__main__":` too: the import moves there as
    // well (the fix leaves that to a person).
    let script = uses.iter().any(|u| matches!(u.scope, UseScope::Script));
    if script {
        functions.push(MAIN_BLOCK.to_string());
    }
    let annotations = uses
        .iter()
        .any(|u| matches!(u.scope, UseScope::Annotation { .. }));
    if uses.is_empty() {
        return (Advice::Unused, false);
    }
    if lazy_syntax {
        return (
            Advice::LazyImport {
                statement: format!("lazy {}", import_text(import)),
            },
            false,
        );
    }
    if annotations {
        return (Advice::TypeCheckingGuard { functions }, false);
    }
    // Safe to rewrite only a plain module-level import used in function bodies.
    let fixable = import.context == ExecContext::Module && import.level == 0 && !script;
    (Advice::MoveIntoFunctions { functions }, fixable)
}

/// The import statement as it would be written.
pub fn import_text(import: &ImportSite) -> String {
    match import.kind {
        crate::scan::ImportKind::From => {
            let names: Vec<String> = import
                .names
                .iter()
                .map(|n| {
                    match import
                        .bound
                        .iter()
                        .find(|b| b.target.ends_with(&format!(".{n}")))
                    {
                        Some(b) if b.local != *n => format!("{n} as {}", b.local),
                        _ => n.clone(),
                    }
                })
                .collect();
            format!("from {} import {}", import.module, names.join(", "))
        }
        _ => match import.bound.first() {
            Some(b) if b.local != b.target && b.target == import.module => {
                format!("import {} as {}", import.module, b.local)
            }
            _ => format!("import {}", import.module),
        },
    }
}

fn message(
    advice: &Advice,
    import: Option<&ImportSite>,
    subject: &str,
    savings: &[Saving],
) -> String {
    let statement = import
        .map(import_text)
        .unwrap_or_else(|| subject.to_string());
    let saved = savings.iter().map(|s| s.mib).fold(0.0, f64::max);
    let saving_text = if savings.is_empty() {
        "no code location loads it, so no pod saves anything".to_string()
    } else if saved < 0.5 {
        match savings.iter().find_map(|s| s.still_loaded_by.clone()) {
            Some(other) => {
                format!("saves nothing yet: {other} still loads `{subject}` at import time")
            }
            None => "saves little: it is cheap or already loaded elsewhere".to_string(),
        }
    } else {
        let per: Vec<String> = savings
            .iter()
            .filter(|s| s.mib >= 0.5)
            .map(|s| format!("{} {:.0} MiB", s.location, s.mib))
            .collect();
        format!("saves {} per pod and per run pod", per.join(", "))
    };
    match advice {
        Advice::MoveIntoFunctions { functions } => format!(
            "move `{statement}` into {} (its only uses): {saving_text}",
            functions.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        ),
        Advice::TypeCheckingGuard { functions } => {
            let also = if functions.is_empty() {
                String::new()
            } else {
                format!(
                    " and import it inside {} where it is called",
                    functions.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
                )
            };
            format!(
                "used in annotations: put `{statement}` under `if TYPE_CHECKING:` with `from __future__ import annotations`{also} (not for @asset/@op signatures, whose type hints Dagster resolves at load): {saving_text}"
            )
        }
        Advice::LazyImport { statement } => {
            format!("the project requires Python ≥ 3.15: write `{statement}` (PEP 810): {saving_text}")
        }
        Advice::Factory { uses } => format!(
            "used at import time (line{} {}: module-level code, a decorator, a base class, or an @asset/@op signature whose type hints Dagster resolves at load): moving the import cannot defer it; build the object on first use (a cached factory or a Dagster resource) instead: {saving_text}",
            if uses.len() == 1 { "" } else { "s" },
            uses.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
        ),
        Advice::SeparateService { uses } => format!(
            "used at import time (line{} {}) and above 1 GiB: run it as a separate service that every location calls (as libpostal-rest does for libpostal) rather than loading it into each pod: {saving_text}",
            if uses.len() == 1 { "" } else { "s" },
            uses.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
        ),
        Advice::CannotDefer { reason } => format!("cannot be deferred as is: {reason}"),
        Advice::Unused => format!("`{statement}` is not used in this module: remove it (unless it is imported for a side effect): {saving_text}"),
        Advice::DeferCall => format!("move `{subject}(...)` into the asset, op or resource that uses its result (cache it with `functools.cache`): {saving_text}"),
    }
}

/// Per file, the catalogued package of each import-time import statement:
/// `(line, package)`.
fn file_import_sites<'c>(ctx: &Context<'c>, facts: &FileFacts) -> Vec<(u32, &'c str)> {
    facts
        .imports
        .iter()
        .filter(|i| i.context.runs_at_import())
        .filter_map(|import| {
            import
                .find_candidate(|m| ctx.model.catalog.lookup_module(m))
                .map(|entry| (import.line, entry.name.as_str()))
        })
        .collect()
}

/// Per catalogued package, every import-time import statement of it in the
/// files a location loads: `(file index, line)`.
fn import_sites<'c>(
    location: &crate::report::LocationReport,
    per_file: &[Vec<(u32, &'c str)>],
) -> HashMap<&'c str, Vec<(usize, u32)>> {
    let mut sites: HashMap<&str, Vec<(usize, u32)>> = HashMap::new();
    for &file in location.graph.files.keys() {
        for &(line, package) in per_file.get(file).into_iter().flatten() {
            sites.entry(package).or_default().push((file, line));
        }
    }
    sites
}

/// Advice for every FP001/FP003 finding, with per-location savings.
pub fn advise(ctx: &Context<'_>, findings: &[Finding]) -> Vec<LazyAdvice> {
    use rayon::prelude::*;
    // Per file, then per location (same order as `ctx.locations`): the
    // import sites of each package.
    let per_file: Vec<Vec<(u32, &str)>> = ctx
        .files
        .par_iter()
        .map(|facts| file_import_sites(ctx, facts))
        .collect();
    let sites: Vec<HashMap<&str, Vec<(usize, u32)>>> = ctx
        .locations
        .par_iter()
        .map(|l| import_sites(l, &per_file))
        .collect();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, l) in ctx.locations.iter().enumerate() {
        by_name.entry(l.location.name.as_str()).or_default().push(i);
    }
    // Each finding's advice is independent: on every core, in finding order.
    findings
        .par_iter()
        .filter(|f| f.code == "FP001" || f.code == "FP003")
        .filter_map(|finding| advise_one(ctx, &sites, &by_name, finding))
        .collect()
}

fn advise_one(
    ctx: &Context<'_>,
    sites: &[HashMap<&str, Vec<(usize, u32)>>],
    by_name: &HashMap<&str, Vec<usize>>,
    finding: &Finding,
) -> Option<LazyAdvice> {
    let file_index = ctx.index.file(&finding.path)?;
    let file = &ctx.files[file_index];
    // The locations that load it, in `ctx.locations` order.
    let mut positions: Vec<usize> = finding
        .locations
        .iter()
        .flat_map(|name| by_name.get(name.as_str()).into_iter().flatten().copied())
        .collect();
    positions.sort_unstable();
    positions.dedup();
    let locations: Vec<(usize, &crate::report::LocationReport)> = positions
        .into_iter()
        .filter_map(|i| Some((i, ctx.locations.get(i)?)))
        .collect();
    let lazy_syntax = !locations.is_empty()
        && locations
            .iter()
            .all(|(_, l)| requires_lazy_import_python(l.location.requires_python.as_deref()));
    let (advice, fixable, import) = if finding.code == "FP001" {
        let import = import_at(file, finding.line)?;
        let (advice, fixable) = classify(file, import, finding.mib.unwrap_or(0.0), lazy_syntax);
        (advice, fixable, Some(import))
    } else {
        (Advice::DeferCall, false, None)
    };
    let savings: Vec<Saving> = locations
        .iter()
        .filter_map(|&(position, l)| {
            let before = l.estimate.as_ref()?;
            if finding.code == "FP003" {
                let cost = before
                    .breakdown
                    .iter()
                    .find(|c| {
                        c.chain
                            .last()
                            .is_some_and(|h| h.path == finding.path && h.line == finding.line)
                    })
                    .map_or(0.0, |c| c.mib);
                return Some(Saving {
                    location: l.location.name.clone(),
                    mib: cost,
                    run_pod_mib: cost,
                    still_loaded_by: None,
                });
            }
            // Another import-time import of the same package keeps it loaded:
            // deferring this one saves nothing (no need to re-estimate).
            let other = sites
                .get(position)?
                .get(finding.subject.as_str())
                .into_iter()
                .flatten()
                .find(|&&site| site != (file_index, finding.line));
            if let Some(&(other_file, other_line)) = other {
                return Some(Saving {
                    location: l.location.name.clone(),
                    mib: 0.0,
                    run_pod_mib: 0.0,
                    still_loaded_by: Some(format!("{}:{}", ctx.files[other_file].path, other_line)),
                });
            }
            // The only import site: the pod without it is the graph without
            // this statement's third-party imports (it loads no first-party file).
            let after = crate::estimate::estimate_without_import(
                &l.location,
                &l.graph,
                ctx.model,
                (file_index, finding.line),
            );
            let mib = crate::estimate::round1(before.mib - after.mib);
            let still: Option<String> = None;
            Some(Saving {
                location: l.location.name.clone(),
                mib: mib.max(0.0),
                run_pod_mib: crate::estimate::round1(before.run_pod_mib - after.run_pod_mib),
                still_loaded_by: still,
            })
        })
        .collect();
    let message = message(&advice, import, &finding.subject, &savings);
    Some(LazyAdvice {
        code: finding.code,
        path: finding.path.clone(),
        line: finding.line,
        subject: finding.subject.clone(),
        advice,
        fixable,
        message,
        savings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::scan::extract::extract;

    fn advice(source: &str, mib: f64, lazy: bool) -> (Advice, bool) {
        let e = extract("m.py", source, Some("m"), false);
        let file = FileFacts {
            path: "m.py".into(),
            imports: e.imports,
            uses: e.uses,
            ..FileFacts::default()
        };
        let import = file.imports[0].clone();
        classify(&file, &import, mib, lazy)
    }

    #[test]
    fn every_advice_branch() {
        let f = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            advice(
                "import torch\ndef a():\n    return torch\ndef b():\n    return torch\n",
                300.0,
                false
            ),
            (
                Advice::MoveIntoFunctions {
                    functions: f(&["a", "b"])
                },
                true
            )
        );
        assert_eq!(
            advice(
                "import pandas as pd\ndef helper(x: pd.DataFrame) -> int:\n    return 1\n",
                50.0,
                false
            ),
            (Advice::TypeCheckingGuard { functions: vec![] }, false)
        );
        assert!(matches!(
            advice("import pandas as pd\nimport dagster as dg\n@dg.asset\ndef a() -> pd.DataFrame:\n    return 1\n", 50.0, false).0,
            Advice::Factory { .. }
        ));
        assert!(matches!(
            advice(
                "from postal.parser import parse_address\nPARSED = parse_address('x')\n",
                2048.0,
                false
            )
            .0,
            Advice::SeparateService { .. }
        ));
        assert!(matches!(
            advice(
                "import numpy as np\n__all__ = ['np']\ndef f():\n    return np\n",
                20.0,
                false
            )
            .0,
            Advice::CannotDefer { .. }
        ));
        assert_eq!(advice("import torch\n", 300.0, false).0, Advice::Unused);
        assert_eq!(
            advice("import torch\ndef a():\n    return torch\n", 300.0, true).0,
            Advice::LazyImport {
                statement: "lazy import torch".into()
            }
        );
        // Not a plain module-level statement: advice, but no autofix.
        assert!(
            !advice(
                "try:\n    import torch\nexcept ImportError:\n    torch = None\n",
                300.0,
                false
            )
            .1
        );
    }

    #[test]
    fn uses_in_the_main_block_do_not_run_on_import() {
        let f = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Used in a function and in the script block: both get the import;
        // `fix` leaves the script block to a person.
        assert_eq!(
            advice(
                "import torch
def a():
    return torch
if __name__ == \"__main__\":
    print(torch.ones(1))
",
                300.0,
                false
            ),
            (
                Advice::MoveIntoFunctions {
                    functions: f(&["a", MAIN_BLOCK])
                },
                false
            )
        );
        // The `else` side runs on import.
        assert!(matches!(
            advice(
                "import torch
if __name__ == \"__main__\":
    pass
else:
    X = torch.ones(1)
",
                300.0,
                false
            )
            .0,
            Advice::Factory { .. }
        ));
        // In a `__main__.py` the block can run on load: module level.
        let e = extract(
            "pkg/__main__.py",
            "import torch
if __name__ == \"__main__\":
    print(torch)
",
            Some("pkg.__main__"),
            false,
        );
        assert!(e
            .uses
            .iter()
            .all(|u| u.scope == crate::scan::uses::UseScope::Module));
    }

    #[test]
    fn python_315_detection() {
        assert!(requires_lazy_import_python(Some(">=3.15")));
        assert!(requires_lazy_import_python(Some(">=3.16,<4")));
        assert!(!requires_lazy_import_python(Some(">=3.10")));
        assert!(!requires_lazy_import_python(Some("<3.15")));
        assert!(!requires_lazy_import_python(None));
    }
}

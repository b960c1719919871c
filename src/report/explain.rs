//! `dagster-footprint explain LOCATION`: the import tree of one location as
//! the tool sees it — first-party files (each under the file that imports
//! it), then third-party packages with the chain to each.

use std::collections::BTreeMap;

use super::table::chain_text;
use super::{terminal_safe, LocationReport, Report};
use crate::heuristics::Catalog;

pub fn render(report: &Report, location: &LocationReport, catalog: &Catalog) -> String {
    let l = &location.location;
    let mut out = format!("Code location `{}`\n", terminal_safe(&l.name));
    out.push_str(&format!(
        "  entry:        {}\n",
        terminal_safe(&super::locations::entry_text(l))
    ));
    let sources: Vec<String> = l.sources.iter().map(ToString::to_string).collect();
    out.push_str(&format!(
        "  declared in:  {}\n",
        terminal_safe(&sources.join(", "))
    ));
    out.push_str(&format!(
        "  import roots: {}\n",
        terminal_safe(
            &location
                .import_roots
                .iter()
                .map(|r| if r.is_empty() { "." } else { r.as_str() })
                .collect::<Vec<_>>()
                .join(", ")
        )
    ));
    if !l.scannable {
        out.push_str("\nNot scannable: its code is not in this tree (see FP010) or it is an external gRPC server.\n");
        return out;
    }
    if let Some(e) = &location.estimate {
        out.push_str(&format!(
            "\nEstimated idle memory: {:.0} MiB (band {:.0}–{:.0} MiB) in {} process{}; each run pod pays {:.0} MiB to import the same code\n",
            e.mib,
            e.low_mib,
            e.high_mib,
            e.processes.len(),
            if e.processes.len() == 1 { "" } else { "es" },
            e.run_pod_mib
        ));
        // What pulls each package in, to say when a requirement hangs off an
        // optional backend (`cryptography` required by `OpenSSL`, itself an
        // optional backend of `boto3`).
        let pulled_by: std::collections::HashMap<&str, &crate::estimate::Contribution> =
            e.breakdown.iter().map(|c| (c.name.as_str(), c)).collect();
        let optional_root = |c: &crate::estimate::Contribution| -> Option<(String, String)> {
            let mut current = c;
            // Bounded: a cycle of requirements cannot loop forever.
            for _ in 0..pulled_by.len() {
                if let Some(of) = &current.optional_backend_of {
                    return Some((current.name.clone(), of.clone()));
                }
                current = pulled_by.get(current.required_by.as_deref()?)?;
            }
            None
        };
        let unlisted = if l.manifest.is_some() {
            "not in the location's dependency manifest"
        } else {
            "no dependency manifest found for the location"
        };
        for c in &e.breakdown {
            if c.mib < 0.05 && c.may_add_mib < 0.05 {
                continue;
            }
            let may = if c.may_add_mib > 0.0 {
                format!(" (+{:.1} may load)", c.may_add_mib)
            } else {
                String::new()
            };
            let why = if let Some(parent) = &c.optional_backend_of {
                format!(
                    "  optional backend of {} ({unlisted}): loads only if installed",
                    terminal_safe(parent)
                )
            } else if let Some(parent) = &c.required_by {
                match optional_root(c) {
                    Some((backend, of)) if &backend == parent => format!(
                        "  required by {}, an optional backend of {} ({unlisted}): loads only if installed",
                        terminal_safe(&backend),
                        terminal_safe(&of)
                    ),
                    Some((backend, of)) => format!(
                        "  required by {}, through {}, an optional backend of {} ({unlisted}): loads only if installed",
                        terminal_safe(parent),
                        terminal_safe(&backend),
                        terminal_safe(&of)
                    ),
                    None => format!("  required by {}", terminal_safe(parent)),
                }
            } else if c.chain.is_empty() {
                String::new()
            } else {
                format!("  via {}", chain_text(&c.chain))
            };
            out.push_str(&format!(
                "  {:>8.1} MiB{}  {:?} {}{}\n",
                c.mib,
                may,
                c.kind,
                terminal_safe(&c.name),
                why
            ));
        }
        if !e.unknown_packages.is_empty() {
            out.push_str(&format!(
                "  not in the catalog (default figure; add them with --heuristics): {}\n",
                terminal_safe(&e.unknown_packages.join(", "))
            ));
        }
    }
    let graph = &location.graph;

    // Children of each file in the BFS tree, in order of the importing line.
    let mut children: BTreeMap<usize, Vec<(u32, usize)>> = BTreeMap::new();
    let mut roots: Vec<usize> = Vec::new();
    for (&file, reached) in &graph.files {
        match &reached.via {
            Some((parent, hop)) => children.entry(*parent).or_default().push((hop.line, file)),
            None => roots.push(file),
        }
    }
    for list in children.values_mut() {
        list.sort();
    }
    out.push_str(&format!(
        "\nFirst-party files loaded at import ({}):\n",
        graph.files.len()
    ));
    let mut stack: Vec<(usize, usize, Option<u32>)> =
        roots.iter().rev().map(|&f| (f, 0, None)).collect();
    while let Some((file, depth, line)) = stack.pop() {
        let facts = &report.files[file];
        let reached = &graph.files[&file];
        let via = line.map_or_else(String::new, |l| format!("  (line {l})"));
        let may = if reached.conditional {
            "  [may load]"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {}{}{}{}\n",
            "  ".repeat(depth.min(40)),
            terminal_safe(&facts.path),
            via,
            may
        ));
        if let Some(kids) = children.get(&file) {
            for &(line, child) in kids.iter().rev() {
                stack.push((child, depth + 1, Some(line)));
            }
        }
    }

    out.push_str(&format!(
        "\nThird-party modules imported at load ({}):\n",
        graph.externals.len()
    ));
    for (module, external) in &graph.externals {
        if crate::graph::stdlib::is_stdlib(module) {
            continue;
        }
        let entry = std::iter::once(module.clone())
            .chain(external.names.iter().map(|n| format!("{module}.{n}")))
            .find_map(|m| catalog.lookup_module(&m));
        let label = match entry {
            Some(p) if p.heavy => match p.import_mib {
                Some(mib) => format!("heavy, ~{mib:.0} MiB"),
                None => "heavy".to_string(),
            },
            Some(p) => match p.import_mib {
                Some(mib) => format!("~{mib:.0} MiB"),
                None => "catalogued".to_string(),
            },
            None => "not in catalog".to_string(),
        };
        let may = if external.conditional {
            ", may load"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {} ({}{})\n      {}\n",
            terminal_safe(module),
            label,
            may,
            chain_text(&graph.chain_to_external(external))
        ));
    }
    let stdlib = graph
        .externals
        .keys()
        .filter(|m| crate::graph::stdlib::is_stdlib(m))
        .count();
    if stdlib > 0 {
        out.push_str(&format!("  (+ {stdlib} standard-library modules)\n"));
    }
    if !location.findings.is_empty() {
        out.push_str(&format!(
            "\nFindings on this path ({}):\n",
            location.findings.len()
        ));
        for f in &location.findings {
            let may = if f.may_load { " (may load)" } else { "" };
            out.push_str(&format!(
                "  {} {}{}: {}\n",
                f.code,
                terminal_safe(&f.hop.module),
                may,
                chain_text(&location.chain(f))
            ));
        }
    }
    out
}

//! `dagster-footprint locations`: every code location, where it is declared
//! and what its pod runs.

use serde::Serialize;

use super::{terminal_safe, text};
use crate::diagnostics::Diagnostic;
use crate::discover::locations::{CodeLocation, Entry, Resources, ServerMode};

/// The `locations` report.
#[derive(Debug, Clone, Serialize)]
pub struct LocationsReport {
    pub tool: &'static str,
    pub version: &'static str,
    pub schema_version: u32,
    pub root: String,
    pub locations: Vec<CodeLocation>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn entry_text(location: &CodeLocation) -> String {
    let entry = match &location.entry {
        Entry::Module { module } => format!("-m {module}"),
        Entry::Package { package } => format!("--package-name {package}"),
        Entry::PythonFile { path } => format!("-f {path}"),
        Entry::AutoloadDefs { module } => format!("autoload {module}"),
        Entry::GrpcServer { host, port, socket } => match (port, socket) {
            (Some(port), _) => format!("grpc {host}:{port}"),
            (None, Some(socket)) => format!("grpc {host} ({socket})"),
            (None, None) => format!("grpc {host}"),
        },
    };
    match &location.attribute {
        Some(attribute) => format!("{entry} -a {attribute}"),
        None => entry,
    }
}

pub fn resources_text(resources: Option<&Resources>) -> String {
    let Some(r) = resources else {
        return "—".to_string();
    };
    let memory = |a: &crate::discover::locations::Amounts| {
        a.memory
            .as_ref()
            .map_or_else(|| "—".to_string(), |m| m.declared.clone())
    };
    format!("{} / {}", memory(&r.requests), memory(&r.limits))
}

pub fn render_table(report: &LocationsReport, quiet: bool) -> String {
    let mut out = String::new();
    if !report.locations.is_empty() {
        let mut table = super::table::new_table(vec![
            "Location",
            "Entry",
            "Server",
            "Owner",
            "Memory req / limit",
            "Manifest",
            "Declared in",
        ]);
        for l in &report.locations {
            let server = match (l.scannable, l.server_mode) {
                (false, _) => "not scannable",
                (true, ServerMode::ApiGrpc) => "api grpc (1 process)",
                (true, ServerMode::CodeServer) => "code-server (proxy + child)",
            };
            let owner = l
                .owner
                .as_ref()
                .map_or_else(|| "—".to_string(), |o| o.owners.join(" "));
            let manifest = l
                .manifest
                .as_ref()
                .map_or_else(|| "—".to_string(), |m| m.path.clone());
            let sources: Vec<String> = l.sources.iter().map(ToString::to_string).collect();
            table.add_row(vec![
                terminal_safe(&l.name),
                terminal_safe(&entry_text(l)),
                server.to_string(),
                terminal_safe(&owner),
                resources_text(l.resources.as_ref()),
                terminal_safe(&manifest),
                terminal_safe(&sources.join("\n")),
            ]);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    if !report.diagnostics.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("Diagnostics:\n");
        for d in &report.diagnostics {
            out.push_str(&format!("  {}\n", terminal_safe(&d.to_string())));
        }
    }
    if !quiet {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "Found {} ({} scannable); {}.\n",
            text::plural_word(report.locations.len(), "code location", "code locations"),
            report.locations.iter().filter(|l| l.scannable).count(),
            text::plural(report.diagnostics.len(), "diagnostic"),
        ));
    }
    out
}

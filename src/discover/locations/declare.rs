//! What each declaration file says about a location, before merging: the
//! common shape every format parser produces, and helpers they share.

use std::collections::HashMap;

use super::model::{Amounts, Cpu, DgProject, Memory, Resources, ServerMode, Source};
use super::node::{FileCtx, Node};
use super::quantity;
use crate::diagnostics::Severity;

/// The code a declaration points at, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Module(String),
    Package(String),
    /// As written (relative to the working directory, or absolute in an image).
    PythonFile(String),
    AutoloadDefs(String),
    Grpc {
        host: String,
        port: Option<u32>,
        socket: Option<String>,
    },
}

impl Target {
    /// What Dagster names a location that has no explicit name
    /// (`_assign_loadable_target_origin_name`): the package or module name, the
    /// file's base name, with `:attribute` appended; `grpc:host:port` for servers.
    pub fn default_name(&self, attribute: Option<&str>) -> String {
        let base = match self {
            Self::Module(m) | Self::Package(m) | Self::AutoloadDefs(m) => m.clone(),
            Self::PythonFile(f) => super::paths::file_name(f.trim_end_matches('/')).to_string(),
            Self::Grpc { host, port, socket } => {
                let where_ = socket
                    .clone()
                    .or_else(|| port.map(|p| p.to_string()))
                    .unwrap_or_default();
                return format!("grpc:{host}:{where_}");
            }
        };
        match attribute {
            Some(attr) => format!("{base}:{attr}"),
            None => base,
        }
    }
}

/// A working directory as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WorkDir {
    /// Relative to the root (already normalised).
    Repo(String),
    /// An absolute path inside a container image (`/opt/dagster/app/...`):
    /// mapped to the tree by what is found there, never trusted as is.
    Image(String),
}

/// How sure a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NameStrength {
    /// Dagster's default for the target, or a dg project's directory name.
    Derived,
    /// A Helm deployment name (the chart names the location after it, but
    /// workspace files usually give the location another name).
    Deployment,
    /// `location_name`, `code_location_name`, `--location-name`.
    Explicit,
}

/// One declaration of a location in one file.
#[derive(Debug, Clone)]
pub(crate) struct Declaration {
    pub source: Source,
    /// Other declarations folded into this one (a dg workspace entry).
    pub extra_sources: Vec<Source>,
    pub name: Option<(String, NameStrength)>,
    pub target: Option<Target>,
    pub attribute: Option<String>,
    pub working_dir: Option<WorkDir>,
    /// The declaring file's directory: relative paths start there, and the
    /// module is looked for there first.
    pub base_dir: String,
    /// More directories where the code may be (a Dagster+ build directory).
    pub extra_bases: Vec<String>,
    pub server_mode: Option<ServerMode>,
    pub resources: Option<Resources>,
    pub run_resources: Option<Resources>,
    pub image: Option<String>,
    pub build_directory: Option<String>,
    pub dg: Option<DgProject>,
}

impl Declaration {
    pub fn new(source: Source, base_dir: &str) -> Self {
        Self {
            source,
            extra_sources: Vec::new(),
            name: None,
            target: None,
            attribute: None,
            working_dir: None,
            base_dir: base_dir.to_string(),
            extra_bases: Vec::new(),
            server_mode: None,
            resources: None,
            run_resources: None,
            image: None,
            build_directory: None,
            dg: None,
        }
    }

    /// The name this declaration gives, falling back to Dagster's default.
    pub fn name_or_default(&self) -> Option<(String, NameStrength)> {
        self.name.clone().or_else(|| {
            self.target.as_ref().map(|t| {
                (
                    t.default_name(self.attribute.as_deref()),
                    NameStrength::Derived,
                )
            })
        })
    }
}

/// Facts a per-project file adds to the location(s) of its directory
/// (Dagster+ `container_context.yaml` / `build.yaml`).
#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    pub source: Source,
    pub dir: String,
    pub resources: Option<Resources>,
    pub run_resources: Option<Resources>,
    pub build_directory: Option<String>,
    pub image: Option<String>,
}

/// A `[[workspace.projects]]` entry of a dg workspace.
#[derive(Debug, Clone)]
pub(crate) struct ProjectRef {
    pub source: Source,
    /// The project directory (relative to the root), `None` if it leaves the root.
    pub dir: Option<String>,
    pub written: String,
    pub code_location_name: Option<String>,
}

/// Everything read from the declaration files.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub declarations: Vec<Declaration>,
    pub attachments: Vec<Attachment>,
    pub project_refs: Vec<ProjectRef>,
}

/// The location names one file has declared so far, with the line of the
/// latest declaration of each.
#[derive(Debug, Default)]
pub(crate) struct SeenNames(HashMap<String, u32>);

impl SeenNames {
    /// Records `name` as declared at `line`; a name declared before is
    /// reported as a `duplicate-location`.
    pub fn record(&mut self, ctx: &mut FileCtx<'_>, name: &str, line: u32) {
        if let Some(first) = self.0.insert(name.to_string(), line) {
            ctx.report(
                line,
                Severity::Error,
                "duplicate-location",
                format!("location `{name}` is already declared at line {first}; Dagster refuses duplicate names"),
            );
        }
    }
}

/// Parses `text` as one YAML document and reads it with `read` as the file
/// `path` (for the format readers' tests).
#[cfg(test)]
pub(crate) fn read_yaml_for_test(
    path: &str,
    text: &str,
    read: fn(&str, &Node, &mut FileCtx<'_>, &mut Collected),
) -> (Collected, Vec<crate::diagnostics::Diagnostic>) {
    let doc = super::yaml::parse(text).unwrap().remove(0);
    let mut diags = Vec::new();
    let mut out = Collected::default();
    let mut ctx = FileCtx::new(path, &mut diags);
    read(path, &doc, &mut ctx, &mut out);
    (out, diags)
}

/// Whether `name` is a dotted Python module name.
pub(crate) fn is_module_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
        })
}

/// Checks a module name from a declaration; reports and drops a bad one.
pub(crate) fn module_target(
    ctx: &mut FileCtx<'_>,
    line: u32,
    what: &str,
    name: &str,
    make: fn(String) -> Target,
) -> Option<Target> {
    if is_module_name(name) {
        Some(make(name.to_string()))
    } else {
        ctx.report(
            line,
            Severity::Error,
            "invalid-declaration",
            format!("{what} `{name}` is not a Python module name"),
        );
        None
    }
}

/// A declared directory: relative to `base` in the repository, or an
/// absolute path inside an image. One that climbs out of the root is reported.
pub(crate) fn work_dir(
    ctx: &mut FileCtx<'_>,
    base: &str,
    value: &super::node::Spanned,
    what: &str,
) -> Option<WorkDir> {
    let text = value.text.trim();
    if text.starts_with('/') {
        return Some(WorkDir::Image(text.trim_end_matches('/').to_string()));
    }
    match super::paths::join(base, text) {
        Some(rel) => Some(WorkDir::Repo(rel)),
        None => {
            ctx.report(
                value.line,
                Severity::Warning,
                "invalid-declaration",
                format!("{what} `{text}` leaves the scanned root; ignored"),
            );
            None
        }
    }
}

fn amounts(node: Option<&Node>, what: &str, ctx: &mut FileCtx<'_>) -> Amounts {
    let mut out = Amounts::default();
    let Some(node) = node else {
        return out;
    };
    if node.as_map().is_none() {
        if !node.is_null() {
            ctx.wrong_type(what, node, "a mapping");
        }
        return out;
    }
    if let Some(mem) = node.get("memory") {
        match mem.as_text() {
            Some(text) => match quantity::parse(text)
                .and_then(|q| quantity::parse_bytes(text).map(|b| (q, b)))
            {
                Ok((q, bytes)) => {
                    if q.is_milli() {
                        ctx.report(
                            mem.line,
                            Severity::Warning,
                            "invalid-quantity",
                            format!("`{what}.memory: {text}` is in thousandths of a byte ({bytes} bytes); did you mean `Mi`?"),
                        );
                    } else if bytes > 0 && bytes < 1024 * 1024 {
                        ctx.report(
                            mem.line,
                            Severity::Warning,
                            "invalid-quantity",
                            format!("`{what}.memory: {text}` is only {bytes} bytes; no Python process fits in it (missing `Mi`?)"),
                        );
                    }
                    out.memory = Some(Memory {
                        declared: text.trim().to_string(),
                        bytes,
                    });
                }
                Err(e) => ctx.report(
                    mem.line,
                    Severity::Error,
                    "invalid-quantity",
                    format!("{what}.memory: {e}"),
                ),
            },
            None if mem.is_null() => {}
            None => ctx.wrong_type(&format!("{what}.memory"), mem, "a quantity"),
        }
    }
    if let Some(cpu) = node.get("cpu") {
        match cpu.as_text() {
            Some(text) => match quantity::parse_millicores(text) {
                Ok(millicores) => {
                    out.cpu = Some(Cpu {
                        declared: text.trim().to_string(),
                        millicores,
                    });
                }
                Err(e) => ctx.report(
                    cpu.line,
                    Severity::Error,
                    "invalid-quantity",
                    format!("{what}.cpu: {e}"),
                ),
            },
            None if cpu.is_null() => {}
            None => ctx.wrong_type(&format!("{what}.cpu"), cpu, "a quantity"),
        }
    }
    out
}

/// Reads a Kubernetes `resources: {requests, limits}` mapping declared at
/// `source` (the line of its `resources:` key). `None` when it declares
/// nothing usable.
pub(crate) fn resources(
    node: &Node,
    what: &str,
    source: &Source,
    ctx: &mut FileCtx<'_>,
) -> Option<Resources> {
    if node.as_map().is_none() {
        if !node.is_null() {
            ctx.wrong_type(what, node, "a mapping");
        }
        return None;
    }
    let requests = amounts(node.get("requests"), &format!("{what}.requests"), ctx);
    let limits = amounts(node.get("limits"), &format!("{what}.limits"), ctx);
    for (key, _) in node.as_map().unwrap_or_default() {
        if !matches!(key.name.as_str(), "requests" | "limits" | "claims") {
            ctx.report(
                key.line,
                Severity::Warning,
                "unknown-key",
                format!(
                    "unknown key `{}` in {what}; Kubernetes expects `requests` and `limits`",
                    key.name
                ),
            );
        }
    }
    if let (Some(req), Some(lim)) = (&requests.memory, &limits.memory) {
        if lim.bytes < req.bytes {
            ctx.report(
                node.get("limits").map_or(node.line, |n| n.line),
                Severity::Warning,
                "invalid-resources",
                format!(
                    "{what}: memory limit {} is below the request {}; Kubernetes rejects such a pod",
                    lim.declared, req.declared
                ),
            );
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return None;
    }
    Some(Resources {
        requests,
        limits,
        source: source.clone(),
    })
}

/// Server and run resources from a Dagster+ container context
/// (`k8s.server_k8s_config.container_config.resources`,
/// `k8s.run_k8s_config.container_config.resources`, and the older
/// `k8s.resources` that applies to both).
pub(crate) fn container_context_resources(
    context: &Node,
    what: &str,
    source: &Source,
    ctx: &mut FileCtx<'_>,
) -> (Option<Resources>, Option<Resources>) {
    let Some(k8s) = ctx.map(context, "k8s", what) else {
        return (None, None);
    };
    let at = |line: u32| Source::new(&source.path, line, source.kind);
    let both = k8s
        .get_entry("resources")
        .and_then(|(key, r)| resources(r, &format!("{what}.k8s.resources"), &at(key.line), ctx));
    let mut pick = |config: &str| {
        let (key, r) = k8s
            .get(config)
            .and_then(|c| c.get("container_config"))
            .and_then(|c| c.get_entry("resources"))?;
        resources(
            r,
            &format!("{what}.k8s.{config}.container_config.resources"),
            &at(key.line),
            ctx,
        )
    };
    let server = pick("server_k8s_config");
    let run = pick("run_k8s_config");
    (server.or_else(|| both.clone()), run.or(both))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::locations::model::SourceKind;
    use crate::discover::locations::yaml;

    #[test]
    fn module_names() {
        assert!(is_module_name("a.b_c.d1"));
        assert!(is_module_name("_x"));
        assert!(!is_module_name("a..b"));
        assert!(!is_module_name("1a"));
        assert!(!is_module_name("a-b"));
        assert!(!is_module_name("a/b.py"));
        assert!(!is_module_name(""));
    }

    #[test]
    fn default_names_follow_dagster() {
        assert_eq!(Target::Module("a.b".into()).default_name(None), "a.b");
        assert_eq!(
            Target::PythonFile("x/defs.py".into()).default_name(Some("defs")),
            "defs.py:defs"
        );
        let grpc = Target::Grpc {
            host: "localhost".into(),
            port: Some(4000),
            socket: None,
        };
        assert_eq!(grpc.default_name(None), "grpc:localhost:4000");
    }

    #[test]
    fn resources_are_exact_and_checked() {
        let doc = yaml::parse(
            "requests:\n  memory: 1.5Gi\n  cpu: 250m\nlimits:\n  memory: 1G\n  cpu: two\nextra: 1\n",
        )
        .unwrap()
        .remove(0);
        let mut diags = Vec::new();
        let mut ctx = FileCtx::new("v.yaml", &mut diags);
        let source = Source::new("v.yaml", 1, SourceKind::HelmValues);
        let r = resources(&doc, "resources", &source, &mut ctx).unwrap();
        assert_eq!(r.requests.memory.as_ref().unwrap().bytes, 1_610_612_736);
        assert_eq!(r.requests.cpu.as_ref().unwrap().millicores, 250);
        assert_eq!(r.limits.memory.as_ref().unwrap().bytes, 1_000_000_000);
        assert!(r.limits.cpu.is_none());
        let got: Vec<_> = diags.iter().map(|d| (d.kind.as_str(), d.line)).collect();
        assert_eq!(
            got,
            vec![
                ("invalid-quantity", Some(6)),
                ("unknown-key", Some(7)),
                ("invalid-resources", Some(5)),
            ]
        );
    }

    #[test]
    fn garbage_and_milli_memory() {
        let doc = yaml::parse("requests:\n  memory: 512MB\nlimits:\n  memory: 500m\n")
            .unwrap()
            .remove(0);
        let mut diags = Vec::new();
        let mut ctx = FileCtx::new("v.yaml", &mut diags);
        let source = Source::new("v.yaml", 1, SourceKind::HelmValues);
        let r = resources(&doc, "resources", &source, &mut ctx).unwrap();
        assert!(r.requests.memory.is_none());
        assert_eq!(r.limits.memory.as_ref().unwrap().bytes, 1);
        assert_eq!(diags.len(), 2);
        assert!(diags[0].message.contains("unknown suffix `MB`"));
        assert!(diags[1].message.contains("thousandths"));
    }
}

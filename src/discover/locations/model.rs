//! The public result of discovery: plain, serialisable, deterministic data.

use serde::Serialize;

use super::codeowners::Owner;
use super::manifest::Manifest;
use crate::diagnostics::Diagnostic;

/// Every code location found under a root, and the problems met on the way.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Discovery {
    /// Sorted by name.
    pub locations: Vec<CodeLocation>,
    /// Sorted (path, line, ...). `dangling-location` ones name a declared
    /// location whose code is not in the tree.
    pub diagnostics: Vec<Diagnostic>,
}

/// Which kind of declaration mentioned a location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// `workspace.yaml` `load_from` (or any YAML file with `load_from:`).
    WorkspaceYaml,
    /// `dagster_cloud.yaml` / `dagster-cloud.yaml` `locations`.
    DagsterCloudYaml,
    /// A `[[workspace.projects]]` entry of a dg workspace `dg.toml`.
    DgWorkspace,
    /// A dg project: `[tool.dg]` in `pyproject.toml` or a project `dg.toml`.
    DgProject,
    /// `pyproject.toml` `[tool.dagster]`.
    PyprojectToolDagster,
    /// A deployment in the values of the `dagster-user-deployments` Helm chart.
    HelmValues,
    /// `CMD`/`ENTRYPOINT` running `dagster api grpc` / `dagster code-server start`.
    Dockerfile,
    /// `DAGSTER_CLI_API_GRPC_*` environment variables (Dockerfile `ENV`, Helm `env`).
    EnvVar,
    /// A per-project Dagster+ `container_context.yaml`.
    ContainerContext,
    /// A per-project Dagster+ `build.yaml`.
    BuildYaml,
}

/// One declaration that mentions a location.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Source {
    /// Relative to the root, `/`-separated.
    pub path: String,
    /// 1-based line of the declaration (the list item, table or instruction).
    pub line: u32,
    pub kind: SourceKind,
}

impl Source {
    pub fn new(path: &str, line: u32, kind: SourceKind) -> Self {
        Self {
            path: path.to_string(),
            line,
            kind,
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// What the code server loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// `python_module` / `-m` / `module_name`: a dotted module.
    Module { module: String },
    /// `python_package` / `--package-name` / `package_name`.
    Package { package: String },
    /// `python_file` / `-f`: a file, relative to the root when it is in the tree
    /// (else as declared).
    PythonFile { path: String },
    /// dg `autoload_defs` / `--autoload-defs-module-name`: every module under
    /// this package is imported (`load_from_defs_folder`).
    AutoloadDefs { module: String },
    /// `grpc_server`: a server run elsewhere; listed, not scannable.
    GrpcServer {
        host: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        port: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        socket: Option<String>,
    },
}

impl Entry {
    /// The dotted module this entry imports first, when it names one.
    pub fn module(&self) -> Option<&str> {
        match self {
            Self::Module { module } | Self::AutoloadDefs { module } => Some(module),
            Self::Package { package } => Some(package),
            Self::PythonFile { .. } | Self::GrpcServer { .. } => None,
        }
    }
}

/// How many processes a code server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerMode {
    /// `dagster api grpc`: one process that imports the code. The default
    /// wherever the command is not declared (workspace.yaml, pyproject, dg,
    /// dagster_cloud.yaml): that is what `dagster dev` and the Dagster+ agents
    /// start per location.
    ApiGrpc,
    /// `dagster code-server start`: a proxy process (dagster only) plus a
    /// `dagster api grpc` child that imports the code.
    CodeServer,
}

/// Memory as declared, and exactly in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Memory {
    pub declared: String,
    pub bytes: u64,
}

/// CPU as declared, and in millicores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cpu {
    pub declared: String,
    pub millicores: u64,
}

/// Requests or limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Amounts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
}

impl Amounts {
    pub fn is_empty(&self) -> bool {
        self.memory.is_none() && self.cpu.is_none()
    }
}

/// Kubernetes resources of a container, as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resources {
    #[serde(skip_serializing_if = "Amounts::is_empty")]
    pub requests: Amounts,
    #[serde(skip_serializing_if = "Amounts::is_empty")]
    pub limits: Amounts,
    /// Where they are declared.
    pub source: Source,
}

impl Resources {
    /// Same figures, wherever declared.
    pub fn same_amounts(&self, other: &Self) -> bool {
        self.requests == other.requests && self.limits == other.limits
    }
}

/// A component declared in a dg project's defs folder (`defs.yaml` /
/// `component.yaml`): loading it imports the module of its `type`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Component {
    pub path: String,
    pub line: u32,
    /// `some_pkg.components.SomeComponent`.
    #[serde(rename = "type")]
    pub component_type: String,
}

/// dg project settings (`[tool.dg.project]` or a project `dg.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DgProject {
    /// The project directory (relative to the root).
    pub directory: String,
    pub root_module: String,
    /// `defs_module`, default `<root_module>.defs`.
    pub defs_module: String,
    pub autoload_defs: bool,
    /// The module the location loads when `autoload_defs` is off
    /// (`code_location_target_module`, default `<root_module>.definitions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_location_target_module: Option<String>,
    /// The defs folder in the tree, when found: `load_from_defs_folder` imports
    /// every `.py` below it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defs_directory: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registry_modules: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// One Dagster code location: one code-server pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeLocation {
    /// The location name Dagster shows (an explicit `location_name` /
    /// `code_location_name` wins; else a Helm deployment name; else Dagster's
    /// default for the source).
    pub name: String,
    /// Other names the same location goes by (e.g. the Helm deployment name).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub entry: Entry,
    /// `attribute` / `-a`: the one definitions object to load.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// `false` for external gRPC servers and for locations whose code is not in
    /// the tree (see the `dangling-location` diagnostic).
    pub scannable: bool,
    /// The file the entry resolves to (a module's `.py` or `__init__.py`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_path: Option<String>,
    /// The working directory, relative to the root (`""` is the root itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    /// Directories (relative to the root) where Python finds this location's
    /// first-party modules, in lookup order.
    pub search_roots: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dg: Option<DgProject>,
    pub server_mode: ServerMode,
    /// Resources of the code-server container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Resources of the run pods (Dagster+ `run_k8s_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_resources: Option<Resources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Manifest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_directory: Option<String>,
    /// Every declaration that mentions it, sorted.
    pub sources: Vec<Source>,
}

impl CodeLocation {
    /// A location loading `module` with `dagster api grpc` from the root, and
    /// nothing else declared (for tests and programmatic use).
    pub fn for_module(name: &str, module: &str) -> Self {
        Self {
            name: name.to_string(),
            aliases: Vec::new(),
            entry: Entry::Module {
                module: module.to_string(),
            },
            attribute: None,
            scannable: true,
            entry_path: None,
            working_directory: None,
            search_roots: vec![".".to_string()],
            dg: None,
            server_mode: ServerMode::ApiGrpc,
            resources: None,
            run_resources: None,
            owner: None,
            manifest: None,
            requires_python: None,
            image: None,
            build_directory: None,
            sources: Vec::new(),
        }
    }
}

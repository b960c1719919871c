//! Code-location discovery from declaration files (workspace.yaml, pyproject.toml,
//! dg.toml, dagster_cloud.yaml, Helm values, Dockerfiles).

/// Whether a file (by name) may declare a code location or describe one, so the
/// walker keeps it for [`crate::discover::locations`].
pub fn is_declaration_candidate(file_name: &str) -> bool {
    matches!(
        file_name,
        "workspace.yaml" | "workspace.yml" | "pyproject.toml" | "dg.toml"
    )
}

//! Pod sizing: suggested `requests.memory` / `limits.memory` from the
//! estimate, compared with what the deployment declares.

use serde::Serialize;

use crate::discover::locations::quantity::format_bytes;
use crate::discover::locations::{Resources, Source, SourceKind};
use crate::report::LocationReport;

/// Margin over the estimate for the request, and headroom over the band's
/// high end for the limit: 15%, the default `--recommendation-margin-fraction`
/// of the Kubernetes Vertical Pod Autoscaler recommender (kubernetes/autoscaler,
/// vertical-pod-autoscaler/pkg/recommender).
pub const VPA_MARGIN: f64 = 0.15;

/// Suggestions are rounded up to a multiple of this (MiB).
pub const ROUND_TO_MIB: u64 = 32;

/// A request above this multiple of the estimate is idle waste (FP202).
pub const WASTE_FACTOR: f64 = 2.0;

/// Sizing advice for one location's code-server pod.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizingAdvice {
    pub location: String,
    /// The Helm deployment name, when declared in Helm values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helm_name: Option<String>,
    pub estimate_mib: f64,
    pub high_mib: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_request: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_limit: Option<String>,
    /// Where the resources are declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_in: Option<Source>,
    /// estimate + 15%, rounded up.
    pub suggested_request: String,
    /// high end of the band + 15%, rounded up.
    pub suggested_limit: String,
    pub suggested_request_bytes: u64,
    pub suggested_limit_bytes: u64,
}

/// `mib` rounded up to [`ROUND_TO_MIB`], in bytes.
pub fn round_up_bytes(mib: f64) -> u64 {
    let mib = mib.max(1.0).ceil() as u64;
    mib.div_ceil(ROUND_TO_MIB) * ROUND_TO_MIB * 1024 * 1024
}

fn helm_name(location: &LocationReport) -> Option<String> {
    let from_helm = location
        .location
        .sources
        .iter()
        .any(|s| s.kind == SourceKind::HelmValues);
    if !from_helm {
        return None;
    }
    // Discovery keeps the Helm deployment name as an alias when the location
    // is named elsewhere (workspace.yaml, dagster_cloud.yaml); else it is the name.
    location
        .location
        .aliases
        .first()
        .cloned()
        .or_else(|| Some(location.location.name.clone()))
}

/// Sizing advice for every location with an estimate.
pub fn advise(locations: &[LocationReport]) -> Vec<SizingAdvice> {
    let mut out = Vec::new();
    for l in locations {
        let Some(e) = &l.estimate else { continue };
        let request = round_up_bytes(e.mib * (1.0 + VPA_MARGIN));
        let limit = round_up_bytes(e.high_mib * (1.0 + VPA_MARGIN)).max(request);
        let resources: Option<&Resources> = l.location.resources.as_ref();
        out.push(SizingAdvice {
            location: l.location.name.clone(),
            helm_name: helm_name(l),
            estimate_mib: e.mib,
            high_mib: e.high_mib,
            declared_request: resources
                .and_then(|r| r.requests.memory.as_ref())
                .map(|m| m.declared.clone()),
            declared_limit: resources
                .and_then(|r| r.limits.memory.as_ref())
                .map(|m| m.declared.clone()),
            declared_in: resources.map(|r| r.source.clone()),
            suggested_request: format_bytes(request),
            suggested_limit: format_bytes(limit),
            suggested_request_bytes: request,
            suggested_limit_bytes: limit,
        });
    }
    out
}

/// A Helm values patch (YAML) for the locations declared in Helm values.
pub fn helm_values(advice: &[SizingAdvice]) -> String {
    let mut out = String::from(
        "# Suggested by dagster-footprint: requests = idle estimate + 15%, limits = high end of\n\
         # the band + 15% (the VPA recommender's default margin), rounded up to 32Mi.\n\
         # Helm replaces lists as a whole: copy these resources into your values file's entries.\n\
         dagster-user-deployments:\n  deployments:\n",
    );
    let mut any = false;
    for a in advice {
        let Some(name) = &a.helm_name else { continue };
        any = true;
        out.push_str(&format!(
            "    - name: {}\n      # estimate {:.0} MiB (band up to {:.0} MiB); declared request {}, limit {}\n      resources:\n        requests:\n          memory: {}\n        limits:\n          memory: {}\n",
            yaml_scalar(name),
            a.estimate_mib,
            a.high_mib,
            a.declared_request.as_deref().unwrap_or("none"),
            a.declared_limit.as_deref().unwrap_or("none"),
            a.suggested_request,
            a.suggested_limit
        ));
    }
    if !any {
        out.push_str("    [] # no location here is declared in Helm values\n");
    }
    let others: Vec<&SizingAdvice> = advice.iter().filter(|a| a.helm_name.is_none()).collect();
    if !others.is_empty() {
        out.push_str("# Not declared in Helm values (set these where the pod is defined):\n");
        for a in others {
            out.push_str(&format!(
                "#   {}: requests.memory {}, limits.memory {}\n",
                a.location.replace(['\n', '\r'], " "),
                a.suggested_request,
                a.suggested_limit
            ));
        }
    }
    out
}

/// A YAML plain scalar if safe, else double-quoted with escapes.
fn yaml_scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        text.to_string()
    } else {
        let escaped: String = text
            .chars()
            .flat_map(|c| match c {
                '"' => "\\\"".chars().collect::<Vec<_>>(),
                '\\' => "\\\\".chars().collect(),
                c if c.is_control() => format!("\\u{:04x}", c as u32).chars().collect(),
                c => vec![c],
            })
            .collect();
        format!("\"{escaped}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_to_kubernetes_quantities() {
        assert_eq!(format_bytes(round_up_bytes(100.0)), "128Mi");
        assert_eq!(format_bytes(round_up_bytes(1000.0)), "1Gi");
        assert_eq!(format_bytes(round_up_bytes(1025.0)), "1056Mi");
    }

    #[test]
    fn yaml_names_are_quoted_when_needed() {
        assert_eq!(yaml_scalar("sales-team-daily"), "sales-team-daily");
        assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
        assert_eq!(yaml_scalar("x\"\n"), "\"x\\\"\\u000a\"");
    }
}

//! ## What it does
//! Checks code-location pods whose declared memory limit (Helm
//! `resources.limits.memory`, Dagster+ `container_context`) is below the
//! estimated idle memory of the pod, or below the high end of its band.
//!
//! ## Why is this bad?
//! A container above its memory limit is OOM-killed. A limit below the idle
//! estimate kills the code server before it serves anything (the location
//! shows as failing to load, restarts in a loop); a limit inside the band
//! leaves no room for the first request or a conditional import.
//!
//! ## Example
//! ```yaml
//! deployments:
//!   - name: ml-scoring          # estimate 1.8 GiB (torch at module level)
//!     resources:
//!       limits:
//!         memory: 1Gi
//! ```
//!
//! Use instead:
//! ```yaml
//!     resources:
//!       requests:
//!         memory: 2112Mi        # estimate + 15%
//!       limits:
//!         memory: 2400Mi        # high end of the band + 15%
//! ```
//!
//! Or make the heavy import lazy (FP001) so the pod needs far less.
//! `dagster-footprint scan --format helm-values` prints the patch.

use super::{Finding, Level};
use crate::report::LocationReport;
use crate::scan::ExecContext;

pub const CODE: &str = "FP201";
pub const NAME: &str = "memory-limit-below-estimate";
pub const SUMMARY: &str = "Declared memory limit below the pod's estimated idle memory";

pub fn check(locations: &[LocationReport], out: &mut Vec<Finding>) {
    for l in locations {
        let (Some(e), Some(resources)) = (&l.estimate, &l.location.resources) else {
            continue;
        };
        let Some(limit) = &resources.limits.memory else {
            continue;
        };
        let limit_mib = limit.bytes as f64 / 1_048_576.0;
        let level = if limit_mib < e.mib {
            Level::Error
        } else if limit_mib < e.high_mib {
            Level::Warning
        } else {
            continue;
        };
        let what = if level == Level::Error {
            format!("below the estimated idle memory {:.0} MiB: the code server will be OOM-killed at load", e.mib)
        } else {
            format!(
                "inside the estimate's band ({:.0}–{:.0} MiB): little headroom before an OOM kill",
                e.low_mib, e.high_mib
            )
        };
        out.push(Finding {
            code: CODE,
            rule: NAME,
            level,
            path: resources.source.path.clone(),
            line: resources.source.line,
            column: 1,
            message: format!(
                "code location `{}`: memory limit {} ({limit_mib:.0} MiB) is {what}",
                l.location.name, limit.declared
            ),
            subject: l.location.name.clone(),
            context: ExecContext::Module,
            mib: Some(e.mib),
            provenance: None,
            locations: vec![l.location.name.clone()],
        });
    }
}

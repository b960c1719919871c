//! ## What it does
//! Checks code-location pods whose declared memory request is more than twice
//! the estimated idle memory of the pod.
//!
//! ## Why is this bad?
//! The scheduler reserves the whole request on a node for as long as the
//! code server runs, which is always. With dozens of locations, requests far
//! above what the pods use idle waste cluster memory that runs could use.
//!
//! ## Example
//! ```yaml
//! deployments:
//!   - name: marketing-etl       # estimate 180 MiB
//!     resources:
//!       requests:
//!         memory: 4Gi
//! ```
//!
//! Use instead:
//! ```yaml
//!     resources:
//!       requests:
//!         memory: 224Mi         # estimate + 15%, rounded up
//! ```
//!
//! `dagster-footprint scan --format helm-values` prints the patch.

use super::{Finding, Level};
use crate::recommend::sizing::WASTE_FACTOR;
use crate::report::LocationReport;
use crate::scan::ExecContext;

pub const CODE: &str = "FP202";
pub const NAME: &str = "memory-request-far-above-estimate";
pub const SUMMARY: &str = "Declared memory request more than twice the pod's estimated idle memory";

pub fn check(locations: &[LocationReport], out: &mut Vec<Finding>) {
    for l in locations {
        let (Some(e), Some(resources)) = (&l.estimate, &l.location.resources) else {
            continue;
        };
        let Some(request) = &resources.requests.memory else {
            continue;
        };
        let request_mib = request.bytes as f64 / 1_048_576.0;
        if request_mib <= e.mib * WASTE_FACTOR {
            continue;
        }
        out.push(Finding {
            code: CODE,
            rule: NAME,
            level: Level::Warning,
            path: resources.source.path.clone(),
            line: resources.source.line,
            column: 1,
            message: format!(
                "code location `{}`: memory request {} ({request_mib:.0} MiB) is {:.1}× the estimated idle memory {:.0} MiB; {:.0} MiB reserved and never used",
                l.location.name,
                request.declared,
                request_mib / e.mib,
                e.mib,
                request_mib - e.mib
            ),
            subject: l.location.name.clone(),
            context: ExecContext::Module,
            mib: Some(e.mib),
            provenance: None,
            locations: vec![l.location.name.clone()],
        });
    }
}

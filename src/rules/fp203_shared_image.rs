//! ## What it does
//! Reports (as info) code locations that run the same image tag.
//!
//! ## Why is this bad?
//! It is not wrong: it is a trade-off worth seeing. Every change to the shared
//! image redeploys every location that uses it, and they cannot upgrade a
//! dependency independently. When several locations already share an image,
//! consolidating them into one pod costs little isolation and saves the
//! per-pod baseline.
//!
//! ## Example
//! ```yaml
//! deployments:
//!   - name: sales-daily
//!     image: {repository: acme/sales, tag: "2026.11.1"}
//!   - name: sales-weekly
//!     image: {repository: acme/sales, tag: "2026.11.1"}
//! ```
//!
//! Use instead: one image per independently deployed location, or one
//! consolidated location for the group (see the consolidation recommendation).

use std::collections::BTreeMap;

use super::{Finding, Level};
use crate::report::LocationReport;
use crate::scan::ExecContext;

pub const CODE: &str = "FP203";
pub const NAME: &str = "shared-image";
pub const SUMMARY: &str = "Several code locations run the same image tag";

pub fn check(locations: &[LocationReport], out: &mut Vec<Finding>) {
    let mut by_image: BTreeMap<&str, Vec<&LocationReport>> = BTreeMap::new();
    for l in locations {
        if let Some(image) = &l.location.image {
            by_image.entry(image.as_str()).or_default().push(l);
        }
    }
    for (image, group) in by_image {
        if group.len() < 2 {
            continue;
        }
        let Some(source) = group[0].location.sources.first() else {
            continue;
        };
        let names: Vec<String> = group.iter().map(|l| l.location.name.clone()).collect();
        out.push(Finding {
            code: CODE,
            rule: NAME,
            level: Level::Info,
            path: source.path.clone(),
            line: source.line,
            column: 1,
            message: format!(
                "image `{image}` is shared by {}: every change to it redeploys them all",
                names.join(", ")
            ),
            subject: image.to_string(),
            context: ExecContext::Module,
            mib: None,
            provenance: None,
            locations: names,
        });
    }
}

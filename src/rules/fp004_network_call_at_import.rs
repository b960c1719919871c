//! ## What it does
//! Checks for network requests made when the module is imported:
//! `requests.get/post/...`, `httpx.get/...`, `urllib.request.urlopen`,
//! `socket.create_connection`, ... (the list is data: `heuristics/calls.toml`).
//!
//! ## Why is this bad?
//! The code-location server imports the module at start and every run pod
//! imports it again. A request at import time makes loading the location
//! depend on a remote service: a slow or failing endpoint delays or breaks
//! the whole location (the webserver shows it as failed to load), and every
//! run repeats the request.
//!
//! ## Example
//! ```python
//! import dagster as dg
//! import requests
//!
//! TABLES = requests.get("https://config.internal/tables").json()
//!
//!
//! @dg.asset
//! def tables() -> list[str]:
//!     return TABLES
//! ```
//!
//! Use instead:
//! ```python
//! import dagster as dg
//! import requests
//!
//!
//! @dg.asset
//! def tables() -> list[str]:
//!     return requests.get("https://config.internal/tables").json()
//! ```
//!
//! ## Suppression
//! `# noqa: FP004` on the line, or `--ignore FP004`.

use super::{call_site_phrase, check_calls, Finding};
use crate::heuristics::calls::CallCatalog;
use crate::scan::FileFacts;

pub const CODE: &str = "FP004";
pub const NAME: &str = "network-call-at-import";
pub const SUMMARY: &str = "Network request made when the module is imported";

pub fn check(file: &FileFacts, catalog: &CallCatalog, out: &mut Vec<Finding>) {
    check_calls(file, catalog, CODE, out, &|call, pattern| {
        (
            format!(
                "`{}(...)` makes a {} {}: loading the location now depends on that service",
                call.callee,
                pattern.what,
                call_site_phrase(call)
            ),
            None,
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(source: &str) -> Vec<Finding> {
        let file = crate::scan::facts_for_test("app/c.py", "app.c", source);
        let mut out = Vec::new();
        check(&file, &CallCatalog::builtin().unwrap(), &mut out);
        out
    }

    #[test]
    fn requests_at_import_fire_deferred_do_not() {
        let src = "\
import requests, httpx
from urllib.request import urlopen
TABLES = requests.get('https://x').json()
r = httpx.post('https://y')
page = urlopen('https://z')
def later():
    return requests.get('https://x')
";
        let got: Vec<u32> = findings(src).into_iter().map(|f| f.line).collect();
        assert_eq!(got, vec![3, 4, 5]);
        assert_eq!(findings(src)[0].level, crate::rules::Level::Error);
    }
}

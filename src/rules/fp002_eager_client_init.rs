//! ## What it does
//! Checks for catalogued client constructors that run when the module is
//! imported: `boto3.client(...)`, `sqlalchemy.create_engine(...)`,
//! `snowflake.connector.connect(...)`, `redis.Redis(...)`,
//! `databricks.sdk.WorkspaceClient()`, a Spark session's `getOrCreate()`, ...
//! (the list is data: `heuristics/calls.toml`).
//!
//! ## Why is this bad?
//! Module-level code of a code location runs in the long-lived code-location
//! server and again in every run pod. A client built there holds its memory
//! (boto3 loads service models and endpoint data; a Spark session starts a JVM
//! of several hundred MiB), may open connections or threads, and makes loading
//! the location depend on credentials and the network. Dagster resources
//! (`S3Resource`, `SnowflakeResource`, ...) only store configuration and build
//! the client when a run uses it; they are listed as cheap and never reported.
//!
//! ## Example
//! ```python
//! import boto3
//! import dagster as dg
//!
//! s3 = boto3.client("s3")
//!
//!
//! @dg.asset
//! def export() -> None:
//!     s3.put_object(Bucket="b", Key="k", Body=b"")
//! ```
//!
//! Use instead:
//! ```python
//! import dagster as dg
//! from dagster_aws.s3 import S3Resource
//!
//!
//! @dg.asset
//! def export(s3: S3Resource) -> None:
//!     s3.get_client().put_object(Bucket="b", Key="k", Body=b"")
//!
//!
//! defs = dg.Definitions(assets=[export], resources={"s3": S3Resource()})
//! ```
//!
//! ## Suppression
//! `# noqa: FP002` on the line, or `--ignore FP002`.

use super::{call_site_phrase, check_calls, Finding};
use crate::heuristics::calls::CallCatalog;
use crate::scan::FileFacts;

pub const CODE: &str = "FP002";
pub const NAME: &str = "eager-client-init";
pub const SUMMARY: &str = "Client or connection created when the module is imported";

pub fn check(file: &FileFacts, catalog: &CallCatalog, out: &mut Vec<Finding>) {
    check_calls(file, catalog, CODE, out, &|call, pattern| {
        (
            format!(
                "`{}(...)` creates a {} {}; build it in a resource or inside the asset instead",
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

    pub(crate) fn findings(source: &str) -> Vec<Finding> {
        let file = crate::scan::facts_for_test("app/res.py", "app.res", source);
        let mut out = Vec::new();
        check(&file, &CallCatalog::builtin().unwrap(), &mut out);
        out
    }

    #[test]
    fn positives_in_every_import_time_context() {
        let src = "\
import boto3 as b
from sqlalchemy import create_engine
from pyspark.sql import SparkSession
import os
s3 = b.client('s3')
class Cfg:
    engine = create_engine('sqlite://')
if os.getenv('ENV') == 'PROD':
    spark = SparkSession.builder.appName('x').getOrCreate()
try:
    import redis
    cache = redis.Redis()
except ImportError:
    cache = None
def f(session=b.Session().client('sts')):
    pass
";
        let got: Vec<(String, u32)> = findings(src)
            .into_iter()
            .map(|f| (f.subject, f.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("boto3.client".to_string(), 5),
                ("sqlalchemy.create_engine".to_string(), 7),
                (
                    "pyspark.sql.SparkSession.builder.getOrCreate".to_string(),
                    9
                ),
                ("redis.Redis".to_string(), 12),
                ("boto3.Session.client".to_string(), 15),
            ]
        );
    }

    #[test]
    fn cheap_constructors_and_deferred_calls_do_not_fire() {
        let src = "\
import boto3
from dagster_aws.s3 import S3Resource
from dagster_k8s import PipesK8sClient
from dagster_snowflake import SnowflakeResource
s3 = S3Resource(region_name='eu-west-1')
pipes = PipesK8sClient()
sf = SnowflakeResource(account='a')
def get_client():
    return boto3.client('s3')
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    boto3.client('s3')
";
        assert!(findings(src).is_empty(), "{:?}", findings(src));
    }

    #[test]
    fn noqa_suppresses() {
        assert!(findings("import boto3\ns3 = boto3.client('s3')  # noqa: FP002\n").is_empty());
    }
}

"""Ad-hoc SQL reports, loaded as a single file."""

import dagster as dg
import duckdb


@dg.asset
def churn_report() -> int:
    return duckdb.sql("select 42").fetchone()[0]


defs = dg.Definitions(assets=[churn_report])

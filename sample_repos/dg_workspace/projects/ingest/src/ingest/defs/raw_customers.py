"""Customers exported nightly as Parquet."""

import dagster as dg
import pyarrow.parquet as pq


@dg.asset(group_name="raw")
def raw_customers() -> int:
    table = pq.read_table("s3://acme-exports/customers.parquet")
    return table.num_rows

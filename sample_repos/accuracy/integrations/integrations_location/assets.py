"""Integration-heavy: dbt, Snowflake with pandas, AWS."""

import dagster as dg
from dagster_aws.s3 import S3Resource
from dagster_dbt import DbtCliResource
from dagster_snowflake_pandas import SnowflakePandasIOManager


@dg.asset
def raw_orders() -> list[dict]:
    return [{"id": 1}]


@dg.asset
def dbt_version() -> str:
    return DbtCliResource.__name__


resources = {
    "s3": S3Resource(region_name="eu-west-1"),
    "warehouse": SnowflakePandasIOManager(account="acme", user="svc", password="x", database="D"),
}

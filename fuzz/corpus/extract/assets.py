"""Daily sales rollups."""

import dagster as dg
import pandas as pd

from shared_lib import asset_prefix


@dg.asset(key_prefix=asset_prefix("sales"))
def daily_orders() -> pd.DataFrame:
    return pd.DataFrame({"order_id": [1, 2, 3], "amount": [10.0, 20.5, 7.25]})


@dg.asset(key_prefix=asset_prefix("sales"))
def daily_revenue(daily_orders: pd.DataFrame) -> float:
    return float(daily_orders["amount"].sum())

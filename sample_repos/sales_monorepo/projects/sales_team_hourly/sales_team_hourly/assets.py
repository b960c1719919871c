"""Hourly order counts. pandas is only needed for type hints here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from shared_lib import asset_prefix

if TYPE_CHECKING:
    import pandas as pd


def summarize(frame: pd.DataFrame) -> int:
    return len(frame)


@dg.asset(key_prefix=asset_prefix("sales"))
def hourly_order_count() -> int:
    return 42

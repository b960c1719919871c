"""Lazy: the medium location with its imports deferred into the asset bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    import pandas as pd


@dg.asset
def training_frame() -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.1]})


@dg.asset
def slope(training_frame) -> float:
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(training_frame[["x"]], training_frame["y"])
    return float(model.coef_[0])

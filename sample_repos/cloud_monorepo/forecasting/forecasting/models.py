"""Demand forecasts."""

import dagster as dg
import pandas as pd
from sklearn.linear_model import LinearRegression

from common.naming import asset_key


@dg.asset(key=asset_key("demand_forecast"))
def demand_forecast() -> float:
    frame = pd.DataFrame({"week": [1, 2, 3], "units": [100, 120, 135]})
    model = LinearRegression().fit(frame[["week"]], frame["units"])
    return float(model.predict(pd.DataFrame({"week": [4]}))[0])

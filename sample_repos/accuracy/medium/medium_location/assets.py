"""Medium: pandas and scikit-learn at module level."""

import dagster as dg
import pandas as pd
from sklearn.linear_model import LinearRegression


@dg.asset
def training_frame() -> pd.DataFrame:
    return pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.1]})


@dg.asset
def slope(training_frame: pd.DataFrame) -> float:
    model = LinearRegression().fit(training_frame[["x"]], training_frame["y"])
    return float(model.coef_[0])

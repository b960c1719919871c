"""Lazy: the medium location with its imports deferred into the asset bodies.

No pandas annotation on the asset signatures: Dagster resolves the type hints
of asset functions when the location loads, so a `TYPE_CHECKING`-only import
used there fails with "Failed to resolve type annotation" (dagster 1.13).
"""

import dagster as dg


@dg.asset
def training_frame():
    import pandas as pd

    return pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.1]})


@dg.asset
def slope(training_frame) -> float:
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(training_frame[["x"]], training_frame["y"])
    return float(model.coef_[0])

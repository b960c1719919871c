import dagster as dg

from forecasting import models

defs = dg.Definitions(assets=[models.demand_forecast])

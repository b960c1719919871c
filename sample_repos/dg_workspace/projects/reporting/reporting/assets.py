"""Weekly revenue report rendered to HTML."""

import dagster as dg
import pandas as pd
from jinja2 import Template

REPORT = Template("<h1>Revenue</h1><p>{{ total }}</p>")


@dg.asset(deps=["raw_orders"])
def weekly_revenue_report() -> str:
    frame = pd.DataFrame({"amount": [10.0, 20.5]})
    return REPORT.render(total=frame["amount"].sum())

import dagster as dg

from sales_team_daily import assets

defs = dg.Definitions(assets=dg.load_assets_from_modules([assets]))

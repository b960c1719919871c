import dagster as dg

from marketing_etl import assets

defs = dg.Definitions(assets=dg.load_assets_from_modules([assets]))

import dagster as dg

from light_location import assets

defs = dg.Definitions(assets=dg.load_assets_from_modules([assets]))

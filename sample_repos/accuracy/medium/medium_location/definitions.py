import dagster as dg

from medium_location import assets

defs = dg.Definitions(assets=dg.load_assets_from_modules([assets]))

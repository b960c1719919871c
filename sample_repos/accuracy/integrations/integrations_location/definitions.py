import dagster as dg

from integrations_location import assets

defs = dg.Definitions(assets=dg.load_assets_from_modules([assets]), resources=assets.resources)

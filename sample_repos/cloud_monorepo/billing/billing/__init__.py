"""Billing: invoices and payments (loaded as a package: this file holds the definitions)."""

import dagster as dg

from billing import assets

defs = dg.Definitions(assets=dg.load_assets_from_modules([assets]))

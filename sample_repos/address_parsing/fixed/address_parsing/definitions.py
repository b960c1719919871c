import dagster as dg

from address_parsing.assets import customer_addresses, parsed_addresses

defs = dg.Definitions(assets=[customer_addresses, parsed_addresses])

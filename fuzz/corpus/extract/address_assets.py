"""Assets that normalise customer addresses with libpostal."""

import dagster as dg
from postal.parser import parse_address


@dg.asset
def customer_addresses() -> list[str]:
    return ["221B Baker Street, London NW1 6XE", "1600 Amphitheatre Pkwy, Mountain View, CA"]


@dg.asset
def parsed_addresses(customer_addresses: list[str]) -> list[dict[str, str]]:
    parsed = []
    for raw in customer_addresses:
        parsed.append({label: value for value, label in parse_address(raw)})
    return parsed

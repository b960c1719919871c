"""Assets that normalise customer addresses with libpostal.

The libpostal import lives inside the asset body: the code-location server never
loads the ~2 GB model; only the run that materializes `parsed_addresses` does.
"""

import dagster as dg


@dg.asset
def customer_addresses() -> list[str]:
    return ["221B Baker Street, London NW1 6XE", "1600 Amphitheatre Pkwy, Mountain View, CA"]


@dg.asset
def parsed_addresses(customer_addresses: list[str]) -> list[dict[str, str]]:
    from postal.parser import parse_address

    parsed = []
    for raw in customer_addresses:
        parsed.append({label: value for value, label in parse_address(raw)})
    return parsed

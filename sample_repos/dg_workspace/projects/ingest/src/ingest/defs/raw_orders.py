"""Orders pulled from the shop API."""

import dagster as dg
import requests


@dg.asset(group_name="raw")
def raw_orders() -> list[dict]:
    response = requests.get("https://shop.example.com/api/orders", timeout=30)
    response.raise_for_status()
    return response.json()["orders"]

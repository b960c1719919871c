"""Light: dagster only."""

import dagster as dg


@dg.asset
def numbers() -> list[int]:
    return list(range(10))


@dg.asset
def total(numbers: list[int]) -> int:
    return sum(numbers)

"""Heavy: torch at module level."""

import dagster as dg
import torch


@dg.asset
def tensor_sum() -> float:
    return float(torch.arange(10, dtype=torch.float32).sum())

"""Warehouse helpers. Only imported lazily by assets that need them."""

import json
from pathlib import Path


def load_table_config(path: str) -> dict:
    return json.loads(Path(path).read_text())

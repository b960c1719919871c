import dagster as dg


def asset_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["acme", name])

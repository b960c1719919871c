def asset_prefix(team: str) -> list[str]:
    return ["warehouse", team]

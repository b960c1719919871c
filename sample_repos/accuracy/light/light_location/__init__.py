"""light_location code location."""

"""medium_location code location."""

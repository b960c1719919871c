"""heavy_location code location."""

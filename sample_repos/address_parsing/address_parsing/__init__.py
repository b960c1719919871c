"""Address parsing code location."""

"""lazy_location code location."""

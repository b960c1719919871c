"""nlp_location code location."""

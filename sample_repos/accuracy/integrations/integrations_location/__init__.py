"""integrations_location code location."""

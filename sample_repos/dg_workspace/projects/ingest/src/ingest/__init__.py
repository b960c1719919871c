"""The ingest project: raw data landed in the warehouse."""

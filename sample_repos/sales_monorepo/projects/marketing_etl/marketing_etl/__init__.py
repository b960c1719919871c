"""Code location marketing_etl."""

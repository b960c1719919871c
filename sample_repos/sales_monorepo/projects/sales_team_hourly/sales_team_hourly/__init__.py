"""Code location sales_team_hourly."""

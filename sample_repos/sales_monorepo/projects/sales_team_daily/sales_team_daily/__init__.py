"""Code location sales_team_daily."""

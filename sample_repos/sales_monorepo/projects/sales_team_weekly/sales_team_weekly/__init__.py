"""Code location sales_team_weekly."""

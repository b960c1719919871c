"""Component types of this project (none yet)."""

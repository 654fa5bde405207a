"""msgops lab."""

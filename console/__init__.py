"""msgops console."""

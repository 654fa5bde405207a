"""msgops sim."""

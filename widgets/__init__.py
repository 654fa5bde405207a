"""msgops widgets."""

"""msgops probes."""

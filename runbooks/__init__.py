"""msgops runbooks."""

"""MongoDB runbooks: failover (step the primary down)."""

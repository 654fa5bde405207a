"""msgops probes.rabbitmq."""

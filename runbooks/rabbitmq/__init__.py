"""RabbitMQ runbooks (one file per runbook), listed in the tier's SPEC."""

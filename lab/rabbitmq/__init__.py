"""The real RabbitMQ lab: a 3-node 3.x cluster from Debian's rabbitmq-server, each node in its own
network namespace so a link can be cut for a real partition (``msgops lab rabbitmq up``)."""

from msgops.lab.rabbitmq.lab import RabbitLab

__all__ = ["RabbitLab"]

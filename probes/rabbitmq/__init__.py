"""RabbitMQ tier: management API client, collector, canary and assessment."""

from msgops.probes.rabbitmq.assess import assess
from msgops.probes.rabbitmq.collect import RabbitProbe


class RabbitTierProbe(RabbitProbe):
    """The RabbitMQ probe as the poller sees it (collect + assess)."""

    def assess(self, snapshot):  # noqa: ANN001, ANN201
        return assess(snapshot)


__all__ = ["RabbitProbe", "RabbitTierProbe", "assess"]

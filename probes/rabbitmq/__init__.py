"""RabbitMQ tier (3.x and 4.x): management API client, collector, canary, assessment, headless report.

``SPEC`` is what the registry sees; everything heavy (httpx, pika) loads only when a probe is made.
"""

from __future__ import annotations

from msgops.probes.rabbitmq.target import EXAMPLE, parse_target
from msgops.probes.tier import TierSpec, lazy


SPEC = TierSpec(
    name="rabbitmq",
    title="RabbitMQ",
    parse_target=parse_target,
    make_probe=lazy("msgops.probes.rabbitmq.collect:RabbitProbe"),
    assess=lazy("msgops.probes.rabbitmq.assess:assess"),
    report=lazy("msgops.probes.rabbitmq.report:report"),
    runbooks=("msgops.runbooks.rabbitmq.queue_reset:QueueReset",),
    demo="msgops.sim.rabbitmq.demo:demo_targets",
    blocking_workers=8,
    example=EXAMPLE,
)

"""RabbitMQ tier (3.x and 4.x): management API client, collector, canary, assessment, headless report.

``SPEC`` is what the registry sees; everything heavy (httpx, pika) loads only when a probe is made.
"""

from __future__ import annotations

from typing import Any

from msgops.probes.rabbitmq.target import EXAMPLE, parse_target
from msgops.probes.tier import TierSpec


def _make_probe(target: Any) -> Any:
    from msgops.probes.rabbitmq.collect import RabbitProbe

    return RabbitProbe(target)


def _assess(snapshot: Any, previous: Any = None) -> Any:
    from msgops.probes.rabbitmq.assess import assess

    return assess(snapshot, previous)


def _report(target: Any, snapshot: Any, seconds: float | None) -> list[str]:
    from msgops.probes.rabbitmq.report import report

    return report(target, snapshot, seconds)


SPEC = TierSpec(
    name="rabbitmq",
    title="RabbitMQ",
    parse_target=parse_target,
    make_probe=_make_probe,
    assess=_assess,
    report=_report,
    runbooks=("msgops.runbooks.rabbitmq.queue_reset:QueueReset",),
    demo="msgops.sim.rabbitmq.demo:demo_targets",
    blocking_workers=8,
    example=EXAMPLE,
)

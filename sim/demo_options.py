"""What ``msgops demo`` asks of every tier's demo (``TierSpec.demo``): one small, shared set of knobs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoOptions:
    scale: int = 0
    """Extra simulated objects for a big estate (RabbitMQ: queues, e.g. 10000)."""
    incident_after: float = 15.0
    """Seconds of calm before each tier's scripted incidents begin."""
    steady: bool = False
    """No scripted incidents and no drift: a quiet estate (benchmarks of an idle console)."""
    published: dict[str, str] = field(default_factory=dict)
    """What one tier's demo offers the next ones, e.g. the MongoDB demo's replica-set URI, so the
    Zaqar demo can put a pool on it and the cross-tier cause shows. Demos start in registry order
    (``TIER_MODULES``): a tier that publishes comes before the tiers that read it."""

"""The tier registry: the one place a tier is named. Add a tier with one line in ``TIER_MODULES``.

Each module named here exposes ``SPEC`` (a ``TierSpec``) and imports nothing heavy at import time,
so listing tiers (``msgops runbook list``, the inventory parser, the conformance kit) stays cheap.
"""

from __future__ import annotations

import importlib
from functools import cache

from msgops.probes.tier import TierSpec

TIER_MODULES: tuple[str, ...] = (
    "msgops.probes.rabbitmq",
    "msgops.probes.mongodb",
    "msgops.probes.redis",
    "msgops.probes.zaqar",
)


@cache
def tiers() -> dict[str, TierSpec]:
    """Every registered tier by name, in registry order."""
    specs = {}
    for module in TIER_MODULES:
        spec = importlib.import_module(module).SPEC
        specs[spec.name] = spec
    return specs


def spec(name: str) -> TierSpec:
    """The spec of tier ``name`` (KeyError names the known tiers)."""
    try:
        return tiers()[name]
    except KeyError:
        raise KeyError(f"no tier {name!r} (known: {', '.join(tiers())})") from None


def spec_of(target: object) -> TierSpec:
    return spec(getattr(target, "tier"))


def runbooks() -> dict[str, type]:
    """Every runbook of every tier by name (imports the runbook modules, not their client libraries)."""
    found: dict[str, type] = {}
    for tier in tiers().values():
        for cls in tier.runbook_classes():
            found[cls.name] = cls
    return found

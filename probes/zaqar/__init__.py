"""Zaqar tier (v2 API, pooled): pools, flavors, health and placement through python-zaqarclient over a
keystoneauth1 session (or no auth), its findings, headless report, the pool-reweight runbook and the
demo. ``SPEC`` is what the registry sees; zaqarclient, keystoneauth1 and openstacksdk load only when
a probe or runbook client is made (and then on a worker thread).
"""

from __future__ import annotations

from typing import Any

from msgops.probes.tier import Dependency, TierSpec, lazy
from msgops.probes.zaqar.target import EXAMPLE, parse_target


def dependencies(target: Any, snapshot: Any) -> tuple[Dependency, ...]:
    """Each pool's store (a Redis server, a MongoDB replica set...), subject = the pool's name, so a
    pool finding names its store's state as the cause when another tier watches that store."""
    pools = getattr(snapshot, "pools", None) or ()
    return tuple(Dependency(subjects=(p.name,), uri=p.store.reveal() or p.uri, what=f"pool {p.name}'s store")
                 for p in pools)


SPEC = TierSpec(
    name="zaqar",
    title="Zaqar",
    parse_target=parse_target,
    make_probe=lazy("msgops.probes.zaqar.collect:ZaqarProbe"),
    assess=lazy("msgops.probes.zaqar.assess:assess"),
    report=lazy("msgops.probes.zaqar.report:report"),
    runbooks=("msgops.runbooks.zaqar.reweight:PoolReweight",),
    demo="msgops.sim.zaqar.demo:demo_targets",
    blocking_workers=8,
    example=EXAMPLE,
    dependencies=dependencies,
)

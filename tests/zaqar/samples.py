"""ZaqarSnapshots built from the replies a real Zaqar 23.0.1 gave (tests/data/zaqar, copied from
shared/samples/zaqar: Redis pools, no auth and Keystone), one per state the assessment must read."""

from __future__ import annotations

import json
import time
from pathlib import Path

from msgops.probes.zaqar.model import Placement, Problem, ZaqarSnapshot
from msgops.probes.zaqar.parse import parse_flavors, parse_health, parse_pools

DATA = Path(__file__).resolve().parents[1] / "data" / "zaqar"


def body(name: str):
    return json.loads((DATA / f"{name}.json").read_text())["body"]


def status(name: str) -> int:
    return json.loads((DATA / f"{name}.json").read_text())["status"]


def seconds(name: str) -> float:
    return json.loads((DATA / f"{name}.json").read_text())["elapsed_s"]


def snapshot(pools: str | None = "19-pools-list-detailed", health: str | None = "36-health",
             flavors: str | None = "37-flavors-list-empty", ping: str | None = "04-ping", *,
             problem: Problem | None = None, placement: str | None = None, **extra) -> ZaqarSnapshot:
    """A snapshot as if each call answered with its recording (None: not asked)."""
    now = time.time()
    health_doc = parse_health(body(health), seconds(health)) if health and status(health) == 200 else None
    place = None
    if placement:
        catalog = json.loads((DATA / f"{placement}.json").read_text())["catalog"]
        counts: dict[str, int] = {}
        for pool in catalog.values():
            counts[pool] = counts.get(pool, 0) + 1
        place = Placement(now, "catalog.sqlite", tuple(sorted(counts.items())), sum(counts.values()))
    return ZaqarSnapshot(
        target="lab", taken_at=now, endpoint="http://127.0.0.1:8888", auth="none", problem=problem,
        ping=status(ping) if ping else None, ping_seconds=seconds(ping) if ping else None,
        pools=parse_pools(body(pools)["pools"]) if pools else None, pools_taken_at=now if pools else None,
        flavors=parse_flavors(body(flavors)["flavors"]) if flavors else None,
        health=health_doc, placement=place, **extra)


def with_weights(snap: ZaqarSnapshot, **weights: int) -> ZaqarSnapshot:
    from dataclasses import replace

    return replace(snap, pools=tuple(replace(p, weight=weights.get(p.name, p.weight)) for p in snap.pools or ()))

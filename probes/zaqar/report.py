"""The Zaqar lines of ``msgops status`` (above the findings): API, pools with their share of new
queues, flavors, health with its age, placement. Plain strings; the headless writer makes them
terminal-safe and scrubs them."""

from __future__ import annotations

import time

from msgops.probes.zaqar.model import ZaqarSnapshot
from msgops.probes.zaqar.shares import groups, percent, shares
from msgops.probes.zaqar.target import ZaqarTarget


def report(target: ZaqarTarget, snap: ZaqarSnapshot | None, seconds: float | None) -> list[str]:
    if snap is None:
        return []
    took = "" if seconds is None else f"  poll {seconds:.2f}s"
    ping = "ping ?" if snap.ping is None else f"ping {snap.ping}"
    if snap.ping_seconds is not None:
        ping += f" ({snap.ping_seconds * 1000:.0f} ms)"
    serial = "  one request at a time" if snap.serial_api else ""
    lines = [f"Zaqar v2 {snap.endpoint}  auth {snap.auth}  {ping}{took}{serial}"]
    lines += pool_lines(snap)
    for flavor in snap.flavors or ():
        weights = {p.name: p.weight for p in snap.pools or ()}
        members = [p.name for p in snap.pools or () if p.flavor == flavor.name]
        got = shares(weights, members)
        listed = ", ".join(f"{m} {percent(got[m])}" for m in members) or "no pool"
        lines.append(f"flavor {flavor.name:<12} {listed}")
    lines.append(health_line(snap))
    if snap.placement is None:
        lines.append("placement: unknown (no management_store in the inventory: no API says which pool holds a queue)")
    elif snap.placement.problem:
        lines.append(f"placement: not read ({snap.placement.problem})")
    else:
        lines.append(f"placement: {snap.placement.total} queue(s) in {snap.placement.source}")
    return lines


def pool_lines(snap: ZaqarSnapshot) -> list[str]:
    if snap.pools is None:
        return ["pools: not read"]
    weights = {p.name: p.weight for p in snap.pools}
    share = shares(weights, groups({p.name: p.flavor for p in snap.pools})[None])
    lines = []
    for p in snap.pools:
        ph = snap.health.of(p.name) if snap.health else None
        reach = "?" if ph is None or ph.storage_reachable is None else ("reachable" if ph.storage_reachable else "UNREACHABLE")
        placed = "" if snap.placement is None else f"  queues {snap.placement.of(p.name) if snap.placement.of(p.name) is not None else '?'}"
        flavor = f"  flavor {p.flavor}" if p.flavor else ""
        lines.append(f"pool {p.name:<12} weight {p.weight:<5} {percent(share.get(p.name)):>4} of new queues  "
                     f"{reach:<11} {p.uri}{flavor}{placed}")
    return lines or ["pools: none registered"]


def health_line(snap: ZaqarSnapshot) -> str:
    parts = []
    if snap.health is not None:
        age = time.time() - snap.health.taken_at
        catalog = {True: "catalog reachable", False: "CATALOG UNREACHABLE", None: "catalog ?"}[snap.health.catalog_reachable]
        parts.append(f"health {age:.0f}s ago (took {snap.health.seconds:.1f}s): {catalog}")
    else:
        parts.append("health: none yet")
    if snap.health_pending is not None:
        parts.append(f"a health call pending since {snap.health_pending:.0f}s")
    if snap.health_failed is not None:
        parts.append(f"last attempt failed: {snap.health_failed.problem.reason}")
    return "; ".join(parts)

"""Cells of the Zaqar screens, from a snapshot (pure Python; every name made printable by the table)."""

from __future__ import annotations

import time

from msgops.probes.findings import Finding
from msgops.probes.zaqar.model import Pool, ZaqarSnapshot
from msgops.probes.zaqar.shares import groups, percent, shares

POOL_COLUMNS = (("Pool", "pool", 9), ("Flavor", "flavor", 6), ("Weight", "weight", 6), ("Share", "share", 5),
                ("Store", "store", 22), ("Reach", "reach", 5), ("Queues", "queues", 6))
"""The Store column takes what the others leave (at 60 columns: 8)."""
NO_STORE = "unknown (no management_store)"


def age(seconds: float | None) -> str:
    """An age that changes every few seconds, not every second (an idle SSH link stays idle)."""
    if seconds is None:
        return "?"
    seconds = max(0.0, seconds)
    if seconds < 10:
        return "<10s"
    if seconds < 60:
        return f"{int(seconds // 5) * 5}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def reachability(snap: ZaqarSnapshot, pool: str) -> str:
    ph = snap.health.of(pool) if snap.health is not None else None
    if ph is None or ph.storage_reachable is None:
        return "?"
    return "yes" if ph.storage_reachable else "NO"


def placed(snap: ZaqarSnapshot, pool: str) -> str:
    if snap.placement is None:
        return "?"
    count = snap.placement.of(pool)
    return "?" if count is None else f"{count:,}"


def pool_rows(snap: ZaqarSnapshot) -> list[tuple[str, tuple[str, ...]]]:
    pools = snap.pools or ()
    weights = {p.name: p.weight for p in pools}
    share = shares(weights, groups({p.name: p.flavor for p in pools})[None])
    return [(p.name, (p.name, p.flavor or "-", str(p.weight), percent(share.get(p.name)), p.uri,
                      reachability(snap, p.name), placed(snap, p.name))) for p in pools]


def flavor_line(snap: ZaqarSnapshot) -> str:
    if snap.flavors is None:
        return "flavors: not read"
    if not snap.flavors:
        return "flavors: none (every new queue draws from all pools)"
    weights = {p.name: p.weight for p in snap.pools or ()}
    parts = []
    for flavor in snap.flavors:
        members = [p.name for p in snap.pools or () if p.flavor == flavor.name]
        got = shares(weights, members)
        parts.append(f"{flavor.name}: " + (", ".join(f"{m} {percent(got[m])}" for m in members) or "NO POOL"))
    return "flavors: " + "; ".join(parts)


def health_line(snap: ZaqarSnapshot) -> str:
    now = time.time()
    parts = []
    if snap.health is not None:
        catalog = {True: "catalog ok", False: "CATALOG UNREACHABLE", None: "catalog ?"}[snap.health.catalog_reachable]
        parts.append(f"health {age(now - snap.health.taken_at)} ago, took {snap.health.seconds:.1f}s: {catalog}")
    else:
        parts.append("health: none answered yet")
    if snap.health_pending is not None:
        parts.append(f"pending since {age(snap.health_pending)}")
    if snap.health_failed is not None:
        parts.append(f"last try: {snap.health_failed.problem.reason}")
    if snap.waiting_for_health:
        parts.append("pools shown are from before it (the API serves one request at a time)")
    return " · ".join(parts)


def placement_line(snap: ZaqarSnapshot) -> str:
    if snap.placement is None:
        return f"queues per pool: {NO_STORE}: no Zaqar API says which pool holds a queue"
    if snap.placement.problem:
        return f"queues per pool: not read ({snap.placement.problem})"
    return f"queues per pool: read from the management store ({snap.placement.total:,} queues)"


def pool_detail(snap: ZaqarSnapshot, pool: Pool, findings: tuple[Finding, ...]) -> list[str]:
    from msgops.widgets.findings import LABEL

    weights = {p.name: p.weight for p in snap.pools or ()}
    everyone = shares(weights, sorted(weights))
    lines = [
        f"weight      {pool.weight}  ({percent(everyone.get(pool.name))} of new queues without a flavor)",
        f"flavor      {pool.flavor or '-'}",
        f"store       {pool.uri}",
        f"queues      {placed(snap, pool.name) if snap.placement is not None else NO_STORE}",
    ]
    if pool.flavor:
        members = [p.name for p in snap.pools or () if p.flavor == pool.flavor]
        lines.append(f"in flavor   {percent(shares(weights, members).get(pool.name))} of new {pool.flavor} queues "
                     f"({', '.join(members)})")
    ph = snap.health.of(pool.name) if snap.health is not None else None
    if ph is None:
        lines.append("storage     ? (no health answer names this pool yet)")
    else:
        state = {True: "reachable", False: "UNREACHABLE", None: "?"}[ph.storage_reachable]
        when = age(time.time() - snap.health.taken_at) if snap.health else "?"
        lines.append(f"storage     {state} (health {when} ago)")
        if ph.failed_operations:
            lines.append(f"failed ops  {', '.join(ph.failed_operations)}")
        if ph.slowest is not None:
            lines.append(f"slowest op  {ph.slowest:.2f}s")
    lines.append("")
    mine = [f for f in findings if f.subject == pool.name]
    lines += [f"{LABEL[f.severity]} {f.code}: {f.reason}" for f in mine] or ["no findings for this pool"]
    return lines

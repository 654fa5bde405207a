"""The RabbitMQ lines of ``msgops status`` (above the findings): version, nodes, queues and whose
view they are, canaries. Plain strings; the headless writer makes them terminal-safe."""

from __future__ import annotations

from msgops.probes.rabbitmq.model import RabbitSnapshot
from msgops.probes.rabbitmq.target import RabbitTarget


def report(target: RabbitTarget, snap: RabbitSnapshot | None, seconds: float | None) -> list[str]:
    if snap is None:
        return []
    took = "" if seconds is None else f"  poll {seconds:.2f}s"
    lines = [f"RabbitMQ {snap.version or '?'}  cluster {snap.cluster_name or '?'}{took}"]
    for node in snap.nodes:
        state = "running" if node.running else "NOT RUNNING"
        parts = f"  partitions: {', '.join(node.partitions)}" if node.partitions else ""
        lines.append(f"node {node.name:<28} {state:<11} {node.type or '':<4}{parts}")
    for listing in (snap.queues, *snap.other_listings):
        if listing is None:
            continue
        qs = listing.queues
        mirrored = sum(q.is_mirrored for q in qs)
        quorum = sum(q.type == "quorum" for q in qs)
        how = "" if listing.statistics else " without statistics (--stats for message counts)"
        lines.append(f"queues {len(qs):,} ({mirrored:,} mirrored, {quorum:,} quorum), listed in "
                     f"{listing.seconds:.2f}s{how}, {listing.view}")
    for c in snap.canaries:
        rtt = f"{c.rtt_seconds * 1000:.0f} ms" if c.ok and c.rtt_seconds is not None else c.error
        lines.append(f"canary {c.node:<24} {'ok' if c.ok else 'FAILED'} {rtt}")
    return lines

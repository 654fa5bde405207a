"""Who sees whom: the sides of a network partition, from every management API's own view.

While the link is still cut, RabbitMQ 3.x with ``cluster_partition_handling = ignore`` leaves
``partitions`` empty and each side reports the other as not running; the field fills in only after
the link returns. So two APIs that each answer and each call the other's node down are a partition,
not two outages. Used by the collector (to list queues from each side) and by the assessment.
"""

from __future__ import annotations

from msgops.probes.rabbitmq.model import ApiView, NodeView


def partition_sides(views: tuple[ApiView, ...], nodes: tuple[NodeView, ...]) -> list[frozenset[str]]:
    """Groups of nodes that see each other, largest first; more than one group means a partition."""
    all_nodes = {n.name for v in views for n in v.nodes}
    sides: set[frozenset[str]] = set()
    for view in views:
        if not view.reachable or not view.node:
            continue
        own = next((n for n in view.nodes if n.name == view.node), None)
        cut_off = set(own.partitions) if own else set()
        seen = {n.name for n in view.nodes if n.running and n.name not in cut_off}
        sides.add(frozenset(seen | {view.node}))
    for node in nodes:  # partitions reported by nodes whose own API we cannot read
        if node.partitions and not any(node.name in s for s in sides):
            sides.add(frozenset(all_nodes - set(node.partitions)))
    reported = any(n.partitions for n in nodes)
    if len(sides) > 1 or reported:
        return _disjoint(sides, nodes)
    return []


def _disjoint(sides: set[frozenset[str]], nodes: tuple[NodeView, ...]) -> list[frozenset[str]]:
    """Tidy overlapping views into disjoint groups, adding nodes only named in `partitions`."""
    groups: list[set[str]] = []
    for side in sorted(sides, key=lambda s: (-len(s), sorted(s))):
        fresh = set(side) - set().union(*groups) if groups else set(side)
        if fresh:
            groups.append(fresh)
    for node in nodes:
        for other in node.partitions:
            if not any(other in g for g in groups):
                groups.append({other})
    ordered = sorted((frozenset(g) for g in groups if g), key=lambda s: (-len(s), sorted(s)))
    return ordered if len(ordered) > 1 else []


def majority_side(sides: list[frozenset[str]], cluster_size: int) -> frozenset[str] | None:
    """The side holding more than half of the cluster's nodes, if one does."""
    for side in sides:
        if 2 * len(side) > cluster_size:
            return side
    return None


def describe_side(side: frozenset[str] | tuple[str, ...]) -> str:
    return ", ".join(sorted(side))


def short(node: str | None) -> str:
    """``rabbit@host`` → ``rabbit`` (the part an operator says aloud)."""
    return (node or "-").split("@")[0]

"""Table rows for the RabbitMQ screens, built from snapshots in the poll worker (pure Python)."""

from __future__ import annotations

from msgops.probes.findings import Finding, Severity, worst_by_subject
from msgops.probes.rabbitmq.model import NodeView, QueueInfo, RabbitSnapshot
from msgops.probes.rabbitmq.topology import short
from msgops.widgets.table_model import Row

SEVERITY_CLASS = {Severity.OK: "", Severity.WARNING: "-warn", Severity.CRITICAL: "-crit", Severity.UNKNOWN: "-unknown"}


def short_node(name: str | None) -> str:
    return short(name) if name else "-"


def replicas(q: QueueInfo) -> str:
    """Mirrors synced/total (classic mirrored) or members online/total (quorum)."""
    if q.type == "quorum" and q.members:
        return f"{len(q.online or ())}/{len(q.members)}"
    if q.mirrors:
        return f"{len(q.mirrors) - len(q.unsynchronised_mirrors)}/{len(q.mirrors)}"
    return "-"


def queue_rows(snapshot: RabbitSnapshot | None, findings: tuple[Finding, ...]) -> list[Row]:
    if snapshot is None or snapshot.queues is None:
        return []
    flagged = worst_by_subject(findings)
    rows = []
    for q in snapshot.queues.queues:
        severity = flagged.get(q.display_name, Severity.OK)
        rows.append(
            Row(
                key=q.key,
                cells=(q.name, q.vhost, q.type, short_node(q.node), replicas(q), q.messages, q.consumers, q.state or "-"),
                style_class=SEVERITY_CLASS[severity],
            )
        )
    return rows


def percent(used: int | None, limit: int | None) -> str:
    if used is None or not limit:
        return "-"
    return f"{100 * used / limit:.0f}%"


def size(value: int | None) -> str:
    if value is None:
        return "-"
    for unit in ("B", "K", "M", "G", "T"):
        if value < 1024 or unit == "T":
            return f"{value:.0f}{unit}" if value >= 10 or unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return "-"


def node_cells(node: NodeView, cut_off: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Cells of the nodes table; ``cut_off`` = nodes this one cannot see (from the partition sides)."""
    alarms = ",".join(a for a, on in (("mem", node.mem_alarm), ("disk", node.disk_free_alarm)) if on) or "-"
    return (
        node.name,
        "yes" if node.running else "NO",
        node.type or "-",
        percent(node.mem_used, node.mem_limit),
        size(node.disk_free),
        alarms,
        ",".join(short_node(p) for p in sorted(set(node.partitions) | cut_off)) or "-",
    )

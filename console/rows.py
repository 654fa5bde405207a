"""Table rows for the RabbitMQ screens, built from snapshots in the poll worker (pure Python)."""

from __future__ import annotations

from msgops.probes.findings import Finding, Severity
from msgops.probes.rabbitmq.model import NodeView, QueueInfo, RabbitSnapshot
from msgops.widgets.table_model import Row

SEVERITY_CLASS = {Severity.OK: "", Severity.WARNING: "-warn", Severity.CRITICAL: "-crit", Severity.UNKNOWN: "-unknown"}


def short_node(name: str | None) -> str:
    return (name or "-").split("@")[0] if name else "-"


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
    flagged: dict[str, Severity] = {}
    for f in findings:
        if f.severity.rank > flagged.get(f.subject, Severity.OK).rank:
            flagged[f.subject] = f.severity
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


def disk_headroom(node: NodeView) -> str:
    """Free disk as a multiple of the alarm limit (1.0x = alarm)."""
    if node.disk_free is None or not node.disk_free_limit:
        return "-"
    return f"{node.disk_free / node.disk_free_limit:.1f}x"


def node_cells(node: NodeView, findings: tuple[Finding, ...]) -> tuple[str, ...]:
    alarms = ",".join(a for a, on in (("mem", node.mem_alarm), ("disk", node.disk_free_alarm)) if on) or "-"
    return (
        node.name,
        "yes" if node.running else "NO",
        node.type or "-",
        percent(node.mem_used, node.mem_limit),
        disk_headroom(node),
        alarms,
        ",".join(short_node(p) for p in node.partitions) or "-",
    )

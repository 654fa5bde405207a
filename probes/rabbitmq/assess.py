"""From a RabbitSnapshot to findings: node down, partition, alarms, mirrors, quorum, canary, APIs.

Partition detection uses every API's own view, not only the ``partitions`` field: while the link
is still cut, RabbitMQ 3.x with ``cluster_partition_handling = ignore`` leaves ``partitions`` empty
and each side reports the other as not running; the field fills in only after the link returns.
So two APIs that each answer and each call the other's node down are a partition, not two outages.
"""

from __future__ import annotations

from msgops.probes.findings import Finding, Severity
from msgops.probes.rabbitmq.model import NodeView, RabbitSnapshot

MAX_NAMED_QUEUES = 50
"""Per-queue findings beyond this are summed up in one line (a node loss can touch 10k queues)."""

MEM_WARN_FRACTION = 0.9
DISK_WARN_FACTOR = 2.0
CHECK_REASONS = {
    "node-is-quorum-critical": "quorum-critical: stopping it now would cost quorum queues their majority",
    "node-is-mirror-sync-critical": "mirror-sync-critical: it holds the only synchronised copy of mirrored queues",
}


def partition_sides(snapshot: RabbitSnapshot) -> list[frozenset[str]]:
    """Groups of nodes that see each other; more than one group means a partition."""
    all_nodes = {n.name for v in snapshot.views for n in v.nodes}
    sides: set[frozenset[str]] = set()
    for view in snapshot.views:
        if not view.reachable or not view.node:
            continue
        own = next((n for n in view.nodes if n.name == view.node), None)
        cut_off = set(own.partitions) if own else set()
        seen = {n.name for n in view.nodes if n.running and n.name not in cut_off}
        sides.add(frozenset(seen | {view.node}))
    for node in snapshot.nodes:  # partitions reported by nodes whose own API we cannot read
        if node.partitions and not any(node.name in s for s in sides):
            sides.add(frozenset(all_nodes - set(node.partitions)))
    reported = any(n.partitions for n in snapshot.nodes)
    if len(sides) > 1 or reported:
        return _disjoint(sides, all_nodes, snapshot.nodes)
    return []


def _disjoint(sides: set[frozenset[str]], all_nodes: set[str], nodes: tuple[NodeView, ...]) -> list[frozenset[str]]:
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
    return [frozenset(g) for g in groups if g] if len(groups) > 1 else []


def assess(snapshot: RabbitSnapshot) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    reachable = [v for v in snapshot.views if v.reachable]
    canary_ok = any(c.ok for c in snapshot.canaries)
    if not reachable:
        severity = Severity.UNKNOWN if canary_ok else Severity.CRITICAL
        tail = "AMQP canary still answers" if canary_ok else "and no AMQP canary succeeded"
        if not snapshot.canaries:
            tail = "canary not run"
        findings.append(Finding(severity, "api_unreachable", "cluster",
                                f"no management API answered ({len(snapshot.views)} tried), {tail}"))
        findings += _canary_findings(snapshot)
        return tuple(findings)
    for view in snapshot.views:
        if not view.reachable:
            findings.append(Finding(Severity.WARNING, "api_unreachable", view.api,
                                    f"management API unreachable: {_short(view.error)}"))
    sides = partition_sides(snapshot)
    if sides:
        text = " | ".join(", ".join(sorted(s)) for s in sorted(sides, key=lambda s: (-len(s), sorted(s))))
        how = "partitions reported" if any(n.partitions for n in snapshot.nodes) else "each side sees the other as down"
        findings.append(Finding(Severity.CRITICAL, "partition", "cluster", f"network partition: {text} ({how})"))
    findings += _node_findings(snapshot, sides)
    findings += _check_findings(snapshot)
    findings += _queue_findings(snapshot)
    findings += _canary_findings(snapshot)
    if snapshot.queue_error:
        age = "" if snapshot.queues is None else " (showing an older list)"
        findings.append(Finding(Severity.WARNING, "queue_list_failed", "queues",
                                f"queue list not refreshed{age}: {_short(snapshot.queue_error)}"))
    if not findings:
        running = sum(n.running for n in snapshot.nodes)
        queues = "" if snapshot.queues is None else f", {len(snapshot.queues.queues):,} queues"
        findings.append(Finding(Severity.OK, "healthy", "cluster",
                                f"{running}/{len(snapshot.nodes)} nodes up{queues}, v{snapshot.version}"))
    return tuple(findings)


def _node_findings(snapshot: RabbitSnapshot, sides: list[frozenset[str]]) -> list[Finding]:
    out: list[Finding] = []
    answered = {v.node for v in snapshot.views if v.reachable}
    for node in snapshot.nodes:
        partitioned = any(node.name in side for side in sides)  # reported by the partition finding
        if not node.running and node.name not in answered and not partitioned:
            seen_by = next((v.node for v in snapshot.views if v.reachable and v.node), "?")
            out.append(Finding(Severity.CRITICAL, "node_down", node.name, f"not running (seen from {seen_by})"))
            continue
        if node.mem_alarm:
            out.append(Finding(Severity.CRITICAL, "memory_alarm", node.name,
                               f"memory alarm: {_size(node.mem_used)} used of {_size(node.mem_limit)} limit; publishers blocked"))
        elif node.mem_used and node.mem_limit and node.mem_used >= MEM_WARN_FRACTION * node.mem_limit:
            out.append(Finding(Severity.WARNING, "memory_high", node.name,
                               f"memory {_size(node.mem_used)} of {_size(node.mem_limit)} limit"))
        if node.disk_free_alarm:
            out.append(Finding(Severity.CRITICAL, "disk_alarm", node.name,
                               f"disk alarm: {_size(node.disk_free)} free, limit {_size(node.disk_free_limit)}; publishers blocked"))
        elif node.disk_free is not None and node.disk_free_limit and node.disk_free < DISK_WARN_FACTOR * node.disk_free_limit:
            out.append(Finding(Severity.WARNING, "disk_low", node.name,
                               f"disk {_size(node.disk_free)} free, alarm at {_size(node.disk_free_limit)}"))
    return out


def _check_findings(snapshot: RabbitSnapshot) -> list[Finding]:
    out = []
    for view in snapshot.views:
        for check, passed, reason in view.health:
            if passed or check == "local-alarms":  # alarms are reported from /api/nodes with figures
                continue
            explained = CHECK_REASONS.get(check) or f"{check} failed: {_short(reason, 90)}"
            out.append(Finding(Severity.WARNING, check.replace("-", "_"), view.node or view.api, explained))
    return out


def _queue_findings(snapshot: RabbitSnapshot) -> list[Finding]:
    if snapshot.queues is None:
        return []
    unsynced: list[Finding] = []
    quorum: list[Finding] = []
    down: list[Finding] = []
    for q in snapshot.queues.queues:
        if q.state in ("down", "crashed", "stopped", "terminated"):
            down.append(Finding(Severity.CRITICAL, "queue_down", q.display_name, f"queue {q.state} (node {q.node})"))
        missing = q.unsynchronised_mirrors
        if missing:
            unsynced.append(Finding(Severity.WARNING, "mirror_unsynchronised", q.display_name,
                                    f"{len(missing)} of {len(q.mirrors or ())} mirrors unsynchronised: {', '.join(missing)}"))
        if q.type == "quorum" and q.members:
            online = len(q.online or ())
            if online < q.quorum_majority:
                quorum.append(Finding(Severity.CRITICAL, "quorum_below_majority", q.display_name,
                                      f"{online} of {len(q.members)} members online, majority is {q.quorum_majority}: queue unavailable"))
            elif online < len(q.members):
                offline = sorted(set(q.members) - set(q.online or ()))
                quorum.append(Finding(Severity.WARNING, "quorum_member_offline", q.display_name,
                                      f"{online} of {len(q.members)} members online (offline: {', '.join(offline)})"))
    return _capped(down, "queue_down") + _capped(quorum, "quorum") + _capped(unsynced, "mirror_unsynchronised")


def _capped(findings: list[Finding], code: str) -> list[Finding]:
    if len(findings) <= MAX_NAMED_QUEUES:
        return findings
    rest = findings[MAX_NAMED_QUEUES:]
    worst = max((f.severity for f in rest), key=lambda s: s.rank)
    summary = Finding(worst, f"{code}_more", "queues", f"{len(rest):,} more queues with the same problem")
    return findings[:MAX_NAMED_QUEUES] + [summary]


def _canary_findings(snapshot: RabbitSnapshot) -> list[Finding]:
    out = []
    for c in snapshot.canaries:
        if not c.ok:
            out.append(Finding(Severity.CRITICAL, "canary_failed", c.node, f"AMQP canary failed: {_short(c.error)}"))
        elif c.rtt_seconds is not None and c.rtt_seconds > snapshot.canary_slow:
            out.append(Finding(Severity.WARNING, "canary_slow", c.node,
                               f"AMQP canary round trip {c.rtt_seconds * 1000:.0f} ms"))
    return out


def _short(text: str | None, limit: int = 140) -> str:
    text = (text or "unknown error").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(value: int | None) -> str:
    if value is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(value)

"""From a RabbitSnapshot to findings: node down, partition, alarms, mirrors, quorum, canary, APIs.

Findings describe the cluster as its clients see it. During a partition the queue state comes from
the side holding the majority of the nodes (``snapshot.queues``): a quorum queue that still has its
majority there is not "unavailable". What a side without the majority has lost is a finding about
that side, and the partition finding carries RabbitMQ 3.x's documented recovery.
"""

from __future__ import annotations

from msgops.probes.findings import Finding, Severity
from msgops.probes.rabbitmq.model import QueueInfo, QueueListing, RabbitSnapshot
from msgops.probes.rabbitmq.topology import describe_side, majority_side, partition_sides

MAX_NAMED_QUEUES = 50
"""Per-queue findings beyond this are summed up in one line (a node loss can touch 10k queues)."""

MEM_WARN_FRACTION = 0.9
DISK_WARN_FACTOR = 2.0
CHECK_REASONS = {
    "node-is-quorum-critical": "quorum-critical: stopping it now would cost quorum queues their majority",
    "node-is-mirror-sync-critical": "mirror-sync-critical: it holds the only synchronised copy of mirrored queues",
}
DOWN_STATES = ("down", "crashed", "stopped", "terminated")


def assess(snapshot: RabbitSnapshot, previous: RabbitSnapshot | None = None) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    reachable = [v for v in snapshot.views if v.reachable]
    canary_ok = any(c.ok for c in snapshot.canaries)
    if not reachable:
        severity = Severity.UNKNOWN if canary_ok else Severity.CRITICAL
        tail = "AMQP canary still answers" if canary_ok else "and no AMQP canary succeeded"
        if not snapshot.canaries:
            tail = "canary not run"
        first = next((v.error for v in snapshot.views if v.error), None)
        why = f": {_short(first, 120)}" if first else ""
        findings.append(Finding(severity, "api_unreachable", "cluster",
                                f"no management API answered ({len(snapshot.views)} tried), {tail}{why}"))
        findings += _canary_findings(snapshot)
        return tuple(findings)
    for view in snapshot.views:
        if not view.reachable:
            findings.append(Finding(Severity.WARNING, "api_unreachable", view.api,
                                    f"management API unreachable: {_short(view.error)}"))
    sides = partition_sides(snapshot.views, snapshot.nodes)
    if sides:
        findings.append(_partition_finding(snapshot, sides))
    findings += _node_findings(snapshot, sides)
    findings += _check_findings(snapshot)
    findings += _queue_findings(snapshot)
    findings += _side_findings(snapshot)
    findings += _malformed_findings(snapshot)
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


def _partition_finding(snapshot: RabbitSnapshot, sides: list[frozenset[str]]) -> Finding:
    text = " | ".join(describe_side(s) for s in sides)
    how = "partitions reported" if any(n.partitions for n in snapshot.nodes) else "each side sees the other as down"
    majority = majority_side(sides, len(snapshot.nodes) or sum(map(len, sides)))
    if majority is not None:
        others = sorted(set().union(*sides) - majority)
        advice = (f"RabbitMQ 3.x recovery: trust the majority side ({describe_side(majority)}); restart the "
                  f"RabbitMQ nodes outside it ({', '.join(others)}) — whatever was published or changed on "
                  f"them since the split is lost; if the partition warning stays afterwards, restart the "
                  f"trusted nodes one at a time. (cluster_partition_handling = pause_minority avoids this "
                  f"on 3+ nodes.)")
    else:
        advice = ("RabbitMQ 3.x recovery: no side holds a majority; choose the side whose clients matter "
                  "most, restart every node outside it (their changes since the split are lost), then "
                  "restart the chosen nodes one at a time if the warning stays.")
    return Finding(Severity.CRITICAL, "partition", "cluster", f"network partition: {text} ({how})", advice)


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
    listing = snapshot.queues
    if listing is None:
        return []
    running = set(listing.side) or {n.name for n in snapshot.nodes if n.running}
    policies = {(p.get("vhost"), p.get("name")): p for p in snapshot.policies}
    down: list[Finding] = []
    quorum: list[Finding] = []
    unsynced: list[Finding] = []
    unmirrored: list[Finding] = []
    for q in listing.queues:
        if q.state in DOWN_STATES:
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
        wanted = expected_mirrors(q, policies.get((q.vhost, q.policy)), running)
        if wanted and not q.mirrors:
            unmirrored.append(Finding(Severity.WARNING, "mirror_missing", q.display_name,
                                      f"policy {q.policy!r} asks for {wanted} mirror{'s' if wanted > 1 else ''} but "
                                      f"the queue has none: losing {q.node or 'its node'} loses it"))
    return (_capped(down, "queue_down") + _capped(quorum, "quorum") + _capped(unsynced, "mirror_unsynchronised")
            + _capped(unmirrored, "mirror_missing"))


def expected_mirrors(q: QueueInfo, policy: dict | None, running: set[str]) -> int:
    """How many mirrors the queue's ha policy asks for among the running nodes (0: none asked)."""
    if q.type != "classic" or policy is None:
        return 0
    definition = policy.get("definition")
    if not isinstance(definition, dict):
        return 0
    mode, params = definition.get("ha-mode"), definition.get("ha-params")
    if mode == "all":
        return max(0, len(running) - 1)
    if mode == "exactly" and isinstance(params, int) and not isinstance(params, bool):
        return max(0, min(params, len(running)) - 1)
    if mode == "nodes" and isinstance(params, list):
        return max(0, len(set(params) & running) - 1)
    return 0


def _side_findings(snapshot: RabbitSnapshot) -> list[Finding]:
    """What each side without the majority has lost, as its own clients see it."""
    out = []
    for listing in snapshot.other_listings:
        side = describe_side(listing.side)
        lost = sum(1 for q in listing.queues if q.type == "quorum" and q.members
                   and len(q.online or ()) < q.quorum_majority)
        masters = sum(1 for q in listing.queues if q.type == "classic" and q.node in listing.side)
        parts = []
        if lost:
            parts.append(f"{lost:,} quorum queue{'s' if lost > 1 else ''} without a majority there (unusable for its clients)")
        if masters:
            parts.append(f"{masters:,} classic queue{'s' if masters > 1 else ''} with a master there "
                         f"(what its clients publish is lost when it restarts)")
        if parts:
            who = "the side without a majority" if not listing.majority else "an equal side"
            out.append(Finding(Severity.WARNING, "side_losses", f"side {side}", f"on {who}: " + "; ".join(parts)))
    return out


def _malformed_findings(snapshot: RabbitSnapshot) -> list[Finding]:
    out = []
    for view in snapshot.views:
        if view.malformed:
            out.append(Finding(Severity.WARNING, "malformed_record", view.api,
                               "node records skipped: " + _short("; ".join(view.malformed), 200)))
    listings: tuple[QueueListing | None, ...] = (snapshot.queues, *snapshot.other_listings)
    for listing in listings:
        if listing is not None and listing.malformed:
            out.append(Finding(Severity.WARNING, "malformed_record", "queues",
                               "queue records skipped: " + _short("; ".join(listing.malformed), 200)))
    return out


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

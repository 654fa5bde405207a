"""Turn management API JSON into typed records, tolerating fields absent by version or by columns=."""

from __future__ import annotations

from typing import Any

from msgops.probes.errors import BadReply
from msgops.probes.rabbitmq.model import NodeView, QueueInfo

QUEUE_COLUMNS = (
    "name,vhost,type,node,state,policy,messages,consumers,"
    "slave_nodes,synchronised_slave_nodes,leader,members,online"
)
"""What the console needs of each queue: ~60 bytes a queue instead of ~1.4 KB for the full record."""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _names(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return None


def parse_nodes(data: Any, where: str) -> tuple[NodeView, ...]:
    if not isinstance(data, list):
        raise BadReply(f"{where}/api/nodes: expected a list, got {type(data).__name__}")
    nodes = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise BadReply(f"{where}/api/nodes: an entry has no name")
        nodes.append(
            NodeView(
                name=item["name"],
                running=item.get("running") is True,
                type=item.get("type"),
                partitions=_names(item.get("partitions")) or (),
                mem_used=_int(item.get("mem_used")),
                mem_limit=_int(item.get("mem_limit")),
                mem_alarm=item.get("mem_alarm"),
                disk_free=_int(item.get("disk_free")),
                disk_free_limit=_int(item.get("disk_free_limit")),
                disk_free_alarm=item.get("disk_free_alarm"),
                fd_used=_int(item.get("fd_used")),
                fd_total=_int(item.get("fd_total")),
                uptime_ms=_int(item.get("uptime")),
                net_ticktime=_int(item.get("net_ticktime")),
                being_drained=item.get("being_drained"),
            )
        )
    return tuple(nodes)


def parse_queue(item: dict) -> QueueInfo:
    qtype = item.get("type") or "classic"
    node = item.get("node")
    if qtype == "quorum" and not node:
        node = item.get("leader")  # disable_stats drops `node` for quorum queues
    return QueueInfo(
        vhost=item.get("vhost", "/"),
        name=item["name"],
        type=qtype,
        node=node,
        state=item.get("state"),
        policy=item.get("policy"),
        messages=_int(item.get("messages")),
        consumers=_int(item.get("consumers")),
        mirrors=_names(item.get("slave_nodes")),
        synchronised_mirrors=_names(item.get("synchronised_slave_nodes")),
        leader=item.get("leader"),
        members=_names(item.get("members")),
        online=_names(item.get("online")),
    )


def parse_queues(data: Any, where: str) -> tuple[QueueInfo, ...]:
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise BadReply(f"{where}/api/queues: expected a list of queues")
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            out.append(parse_queue(item))
    return tuple(out)

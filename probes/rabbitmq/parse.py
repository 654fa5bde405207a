"""Turn management API JSON into typed records, tolerating fields absent by version or by columns=.

Replies are distrusted: a record with a wrong-typed field is skipped and described (``malformed``),
the rest of the listing stands. Only a reply that is not a list at all is an error (BadReply).
"""

from __future__ import annotations

from typing import Any

from msgops.probes.errors import BadReply
from msgops.probes.rabbitmq.model import NodeView, QueueInfo
from msgops.probes.text import printable

QUEUE_COLUMNS = (
    "name,vhost,type,node,state,policy,messages,consumers,"
    "slave_nodes,synchronised_slave_nodes,leader,members,online"
)
"""What the console needs of each queue: ~60 bytes a queue instead of ~1.4 KB for the full record."""

MAX_DESCRIBED = 5
"""Malformed records described one by one; the rest are counted."""


class Malformed(ValueError):
    """One field of one record has the wrong type; the message names the field and its type."""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt(item: dict, key: str, kind: type | tuple[type, ...]) -> Any:
    value = item.get(key)
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)) or (kind is bool and isinstance(value, bool)):
        return value
    raise Malformed(f"field {key!r} is a {type(value).__name__}")


def _count(item: dict, key: str) -> int | None:
    """A count: an int, or None when absent; a wrong type is malformed (a float is accepted)."""
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Malformed(f"field {key!r} is a {type(value).__name__}")
    return int(value)


def _names(item: dict, key: str) -> tuple[str, ...] | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Malformed(f"field {key!r} is not a list of names")
    return tuple(value)


def _label(item: Any, index: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"record {index}" + (f" ({printable(name)!r})" if isinstance(name, str) else "")


def _described(problems: list[str]) -> tuple[str, ...]:
    if len(problems) <= MAX_DESCRIBED:
        return tuple(problems)
    return tuple(problems[:MAX_DESCRIBED]) + (f"and {len(problems) - MAX_DESCRIBED} more",)


def parse_node(item: Any) -> NodeView:
    if not isinstance(item, dict):
        raise Malformed(f"is a {type(item).__name__}, not an object")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise Malformed("has no name")
    return NodeView(
        name=name,
        running=item.get("running") is True,
        type=_opt(item, "type", str),
        partitions=_names(item, "partitions") or (),
        mem_used=_int(item.get("mem_used")),
        mem_limit=_int(item.get("mem_limit")),
        mem_alarm=_opt(item, "mem_alarm", bool),
        disk_free=_int(item.get("disk_free")),
        disk_free_limit=_int(item.get("disk_free_limit")),
        disk_free_alarm=_opt(item, "disk_free_alarm", bool),
        fd_used=_int(item.get("fd_used")),
        fd_total=_int(item.get("fd_total")),
        uptime_ms=_int(item.get("uptime")),
        net_ticktime=_int(item.get("net_ticktime")),
        being_drained=_opt(item, "being_drained", bool),
    )


def parse_nodes(data: Any, where: str) -> tuple[tuple[NodeView, ...], tuple[str, ...]]:
    """(nodes, malformed) from ``/api/nodes``."""
    if not isinstance(data, list):
        raise BadReply(f"{where}/api/nodes: expected a list, got {type(data).__name__}")
    nodes, problems = [], []
    for i, item in enumerate(data):
        try:
            nodes.append(parse_node(item))
        except Malformed as exc:
            problems.append(f"node {_label(item, i)} {exc}")
    return tuple(nodes), _described(problems)


def parse_queue(item: Any) -> QueueInfo:
    """One queue record; raises Malformed naming the first wrong-typed field."""
    if not isinstance(item, dict):
        raise Malformed(f"is a {type(item).__name__}, not an object")
    name = item.get("name")
    if not isinstance(name, str):
        raise Malformed("has no name")
    vhost = item.get("vhost", "/")
    if not isinstance(vhost, str):
        raise Malformed(f"field 'vhost' is a {type(vhost).__name__}")
    qtype = _opt(item, "type", str) or "classic"
    node = _opt(item, "node", str)
    leader = _opt(item, "leader", str)
    if qtype == "quorum" and not node:
        node = leader  # disable_stats drops `node` for quorum queues
    return QueueInfo(
        vhost=vhost,
        name=name,
        type=qtype,
        node=node,
        state=_opt(item, "state", str),
        policy=_opt(item, "policy", str),
        messages=_count(item, "messages"),
        consumers=_count(item, "consumers"),
        mirrors=_names(item, "slave_nodes"),
        synchronised_mirrors=_names(item, "synchronised_slave_nodes"),
        leader=leader,
        members=_names(item, "members"),
        online=_names(item, "online"),
    )


def parse_queues(data: Any, where: str) -> tuple[tuple[QueueInfo, ...], tuple[str, ...]]:
    """(queues, malformed) from ``/api/queues`` (a list, or a paginated envelope)."""
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise BadReply(f"{where}/api/queues: expected a list of queues")
    out, problems = [], []
    for i, item in enumerate(items):
        try:
            out.append(parse_queue(item))
        except Malformed as exc:
            problems.append(f"queue {_label(item, i)} {exc}")
    return tuple(out), _described(problems)

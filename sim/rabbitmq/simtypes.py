"""Records of the simulated RabbitMQ cluster (nodes, queues, forked copies) and its errors.

Why a separate module: the model state (rabbitmq_model) and its operations (rabbitmq_ops) both
need these, and neither should import the other's internals.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


class SimError(Exception):
    """An operation the real broker would refuse; ``status`` is the HTTP code it maps to."""

    status = 400
    kind = "bad_request"


class NotFound(SimError):
    status = 404
    kind = "not_found"


class PreconditionFailed(SimError):
    pass


def rs(vhost: str, name: str) -> str:
    """rabbit_misc:rs/1 spelling of a queue resource."""
    return f"queue '{name}' in vhost '{vhost}'"


@dataclass
class SimNode:
    name: str
    index: int
    type: str = "disc"
    running: bool = True
    started_at: float = field(default_factory=time.time)
    os_pid: int = 0
    mem_base: int = 140_000_000
    mem_limit: int = 3_297_013_350
    disk_free: int = 84_210_294_784
    disk_free_limit: int = 50_000_000
    mem_alarm: bool = False
    disk_alarm: bool = False
    being_drained: bool = False
    net_ticktime: int = 60


@dataclass
class QueueCopy:
    """What an isolated (minority) node believes about a queue while it is split off."""

    node: str | None
    slaves: list[str]
    synced: list[str]
    messages: int
    leader: str | None = None
    down: bool = False


@dataclass
class SimQueue:
    vhost: str
    name: str
    type: str = "classic"
    node: str = ""
    """Classic: master node. Quorum: the node it was declared on."""
    slaves: list[str] = field(default_factory=list)
    synced: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    leader: str | None = None
    messages: int = 0
    unacked: int = 0
    consumers: int = 0
    durable: bool = True
    auto_delete: bool = False
    exclusive: bool = False
    owner: object = None
    arguments: dict = field(default_factory=dict)
    bodies: deque = field(default_factory=deque)
    forks: dict[str, QueueCopy] = field(default_factory=dict)
    published: int = 0
    waiters: list = field(default_factory=list)
    """Callables poked after a publish (AMQP consumers)."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.vhost, self.name)

"""Plain-Python model of a RabbitMQ cluster: nodes, links, partitions, queues and mirrors.

Why: the simulator's HTTP and AMQP servers answer from this model, each from one node's view, so
the console can be exercised against partitions, unsynchronised mirrors and 10k+ queues without a
real broker. Behaviour follows the 3.10.8 lab samples in ``shared/samples/rabbitmq``. Thread-safe:
every operation and every view holds ``model.lock``. No textual/rich imports here.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from typing import Callable

from msgops.sim.rabbitmq.ops import ClusterOps
from msgops.sim.rabbitmq.queue_ops import QueueOps
from msgops.sim.rabbitmq.simtypes import (  # noqa: F401  (re-exported)
    NotFound, PreconditionFailed, QueueCopy, SimError, SimNode, SimQueue, rs)


class ClusterModel(ClusterOps, QueueOps):
    """The cluster's truth plus per-node divergence during partitions.

    ``isolated``: nodes whose link is down right now (``cut``). ``partitions[n]``: nodes ``n``
    lists in ``/api/nodes`` ``partitions`` after the link came back (``heal``) until ``recover``.
    ``minority``: nodes that were cut and not yet restarted; their API shows their own forked
    copy of classic queues (``SimQueue.forks``), like the real split brain.
    """

    def __init__(self, nodes: int = 3, host: str = "sim", version: str = "3.10.8",
                 cluster_name: str | None = None, vhosts: tuple[str, ...] = ("/",),
                 user: str = "guest", password: str = "guest", ha_policy: bool = True,
                 net_ticktime: int = 60):
        self.lock = threading.RLock()
        self.version = version
        self.user, self.password = user, password
        base_pid = 20_000 + os.getpid() % 1000
        self.nodes: dict[str, SimNode] = {}
        for i in range(1, nodes + 1):
            n = f"rabbit{i}@{host}"
            self.nodes[n] = SimNode(n, i, os_pid=base_pid + 97 * i, net_ticktime=net_ticktime)
        self.cluster_name = cluster_name or next(iter(self.nodes))
        self.vhosts = list(vhosts)
        self.policies: list[dict] = []
        if ha_policy and self.major < 4:
            self.policies.append({"vhost": "/", "name": "ha-all", "pattern": r"^(?!amq\.).*",
                                  "apply-to": "all", "definition": {"ha-mode": "all"},
                                  "priority": 0})
        self.queues: dict[tuple[str, str], SimQueue] = {}
        self.isolated: set[str] = set()
        self.minority: set[str] = set()
        self.partitions: dict[str, set[str]] = {n: set() for n in self.nodes}
        self.listeners: list[Callable[[str, str | None], None]] = []
        self.churn = {"queue_created": 0, "queue_deleted": 0, "queue_declared": 0}
        self.connections: dict[str, int] = {n: 0 for n in self.nodes}
        self.channels: dict[str, int] = {n: 0 for n in self.nodes}
        self.endpoints: dict[str, dict] = {}
        """node -> {"host", "amqp", "http"}; filled in by SimCluster once it listens."""
        self.stale_totals_sync_trap = True
        """Mimic 3.10.8: disable_stats+enable_queue_totals lists 1 synchronised mirror only."""
        self._rr = itertools.cycle(list(self.nodes))
        self._policy_re: dict[str, re.Pattern] = {}

    # --- basic facts -------------------------------------------------------------------
    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def node_names(self) -> list[str]:
        return list(self.nodes)

    def node(self, ref: str | int) -> str:
        """Resolve ``3``, ``"3"``, ``"rabbit3"`` or a full name to the node's full name."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            return list(self.nodes)[int(ref) - 1]
        if ref in self.nodes:
            return ref
        for n in self.nodes:
            if n.split("@")[0] == ref:
                return n
        raise KeyError(ref)

    def link_up(self, a: str, b: str) -> bool:
        if a == b:
            return self.nodes[a].running
        return (self.nodes[a].running and self.nodes[b].running
                and a not in self.isolated and b not in self.isolated)

    def considers_running(self, viewer: str, n: str) -> bool:
        """Whether ``viewer``'s API reports ``n`` as ``running: true``."""
        return self.link_up(viewer, n) and n not in self.partitions[viewer]

    def is_mirrored(self, q: SimQueue) -> bool:
        return self.policy_for(q) is not None and self.major < 4 and q.type == "classic" \
            and not q.exclusive

    def policy_for(self, q: SimQueue) -> dict | None:
        """The applied policy (highest priority match), like the real broker."""
        if q.type != "classic" and self.major < 4:
            return None  # ha-* policies are not applied to quorum queues
        best = None
        for p in self.policies:
            if p["vhost"] != q.vhost or p.get("apply-to", "all") not in ("all", "queues"):
                continue
            rx = self._policy_re.get(p["pattern"]) or re.compile(p["pattern"])
            self._policy_re[p["pattern"]] = rx
            if rx.search(q.name) and (best is None or p["priority"] > best["priority"]):
                best = p
        return best

    def alarms(self, viewer: str | None = None) -> list[dict]:
        """Resource alarms as ``rabbit_alarm:format_as_maps`` (only nodes ``viewer`` can see)."""
        out = []
        with self.lock:
            for n in self.nodes.values():
                if viewer is not None and not self.link_up(viewer, n.name):
                    continue
                if n.mem_alarm:
                    out.append({"node": n.name, "resource": "memory"})
                if n.disk_alarm:
                    out.append({"node": n.name, "resource": "disk space"})
        return out

    def _emit(self, event: str, node: str | None = None) -> None:
        for cb in list(self.listeners):
            cb(event, node)

    def get_queue(self, vhost: str, name: str) -> SimQueue:
        q = self.queues.get((vhost, name))
        if q is None:
            raise NotFound(f"no queue '{name}' in vhost '{vhost}'")
        return q

    # Lifecycle and partitions: rabbitmq_ops.ClusterOps; queues: rabbitmq_queue_ops.QueueOps.

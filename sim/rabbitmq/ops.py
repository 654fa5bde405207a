"""Node operations on the simulated cluster: lifecycle, link cuts, partitions, alarms.

Why: these encode what the lab saw on RabbitMQ 3.10.8 (LAB-NOTES, samples): a cut node sees the
others as down and promotes its own copies of mirrored queues; after the link returns both sides
list ``partitions`` until the minority restarts; a mirror that (re)joins a non-empty queue is
unsynchronised until ``sync``. Mixed into ``ClusterModel``; every method takes ``self.lock``.
"""

from __future__ import annotations

import time

from msgops.sim.rabbitmq.simtypes import QueueCopy, SimQueue


class ClusterOps:
    """Node lifecycle and partitions (queue operations: rabbitmq_queue_ops.QueueOps)."""

    # --- sides -------------------------------------------------------------------------
    def main_side(self) -> list[str]:
        """Running nodes holding the authoritative state (not split off)."""
        return [n for n, s in self.nodes.items() if s.running and n not in self.minority]

    def _quorum_online(self, q: SimQueue) -> list[str]:
        return [m for m in q.members if self.nodes[m].running and m not in self.isolated]

    def _elect(self, q: SimQueue) -> None:
        online = [m for m in self._quorum_online(q) if m not in self.minority]
        if q.leader in online:
            return
        need = len(q.members) // 2 + 1
        q.leader = online[0] if len(self._quorum_online(q)) >= need and online else None

    def _remirror(self, q: SimQueue) -> None:
        """ha-mode all: every main-side node hosts a mirror; a new one is synced only if empty."""
        if not self.is_mirrored(q):
            return
        main = self.main_side()
        if q.node not in main:
            return
        for n in main:
            if n != q.node and n not in q.slaves:
                q.slaves.append(n)
                if q.messages == 0:
                    q.synced.append(n)

    def _node_lost(self, n: str) -> None:
        for q in self.queues.values():
            if q.type == "quorum":
                self._elect(q)
                continue
            if q.node == n and q.slaves:
                promote = [s for s in q.synced if s != n] or [s for s in q.slaves if s != n]
                if promote:
                    q.node = promote[0]
            q.slaves = [s for s in q.slaves if s not in (n, q.node)]
            q.synced = [s for s in q.synced if s not in (n, q.node)]

    def _node_joined(self, n: str) -> None:
        for q in self.queues.values():
            q.forks.pop(n, None)
            if q.type == "quorum":
                self._elect(q)
            else:
                self._remirror(q)

    def _fork(self, n: str) -> None:
        for q in self.queues.values():
            if q.type == "quorum":
                q.forks[n] = QueueCopy(None, [], [], q.messages,
                                       leader=n if q.leader == n else None)
            elif q.node == n or n in q.slaves:
                held = q.messages if (q.node == n or n in q.synced) else 0
                q.forks[n] = QueueCopy(n, [], [], held)
            else:
                q.forks[n] = QueueCopy(q.node, [], [], 0, down=True)

    # --- node lifecycle ----------------------------------------------------------------
    def stop_node(self, ref) -> None:
        with self.lock:
            n = self.node(ref)
            if not self.nodes[n].running:
                return
            self.nodes[n].running = False
            for q in list(self.queues.values()):
                q.forks.pop(n, None)
                if q.exclusive and getattr(q.owner, "node", None) == n:
                    del self.queues[q.key]
            self._node_lost(n)
        self._emit("node_stopped", n)

    def start_node(self, ref) -> None:
        with self.lock:
            n = self.node(ref)
            if self.nodes[n].running:
                return
            node = self.nodes[n]
            node.running, node.started_at = True, time.time()
            node.os_pid += 1
            self.partitions[n] = set()
            for o in self.nodes:
                self.partitions[o].discard(n)
            self.minority.discard(n)
            for m in list(self.minority):  # nodes nobody is partitioned from any more rejoin
                if m not in self.isolated and not self.partitions[m]:
                    self.minority.discard(m)
                    self._node_joined(m)
            if n in self.isolated:
                self.minority.add(n)
                self._fork(n)
            else:
                self._node_joined(n)
        self._emit("node_started", n)

    def cut(self, ref) -> None:
        """Take node's cluster link down: it and the rest each see the other side as down."""
        with self.lock:
            n = self.node(ref)
            if n in self.isolated:
                return
            self.isolated.add(n)
            if self.nodes[n].running:
                self.minority.add(n)
                self._fork(n)
                self._node_lost(n)
        self._emit("cut", n)

    def heal(self, ref) -> None:
        """Bring the link back: both sides now report each other in ``partitions``."""
        with self.lock:
            n = self.node(ref)
            self.isolated.discard(n)
            if self.nodes[n].running:
                for o, s in self.nodes.items():
                    if o != n and s.running and o not in self.isolated:
                        self.partitions[o].add(n)
                        self.partitions[n].add(o)
            for q in self.queues.values():
                if q.type == "quorum":
                    self._elect(q)
        self._emit("heal", n)

    def recover(self, ref) -> None:
        """Restart the (minority) node: its split-brain copies are dropped, partitions clear."""
        n = self.node(ref)
        self.stop_node(n)
        self.start_node(n)

    def set_mem_alarm(self, ref, on: bool = True) -> None:
        with self.lock:
            node = self.nodes[self.node(ref)]
            node.mem_alarm = on
        self._emit("alarm", node.name)

    def set_disk_alarm(self, ref, on: bool = True) -> None:
        with self.lock:
            node = self.nodes[self.node(ref)]
            node.disk_alarm = on
        self._emit("alarm", node.name)

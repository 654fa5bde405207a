"""Queue operations on the simulated cluster: declare, scale fixture, publish/get/ack, purge,
delete (with the broker's preconditions), sync, and the demo's message drift.

Why separate from rabbitmq_ops (nodes and partitions): different concerns, and both stay small.
Mixed into ``ClusterModel``; every method takes ``self.lock``. Publishing through a node that is
split off lands in that node's own copy of the queue (``SimQueue.forks``), as in a split brain.
"""

from __future__ import annotations

import itertools
import random

from msgops.sim.rabbitmq.simtypes import NotFound, PreconditionFailed, QueueCopy, SimError, SimQueue, rs

SYNTHETIC_BODY = b"sim"


class QueueOps:
    # --- queues ------------------------------------------------------------------------
    def declare_queue(self, name: str, vhost: str = "/", type: str = "classic",
                      node: str | None = None, messages: int = 0, **kw) -> SimQueue:
        """Declare (idempotent). ``node``: master/home node, default round-robin over running."""
        with self.lock:
            if vhost not in self.vhosts:
                raise NotFound(f"no vhost '{vhost}'")
            q = self.queues.get((vhost, name))
            self.churn["queue_declared"] += 1
            if q is not None:
                return q
            main = self.main_side() or self.node_names
            if node is None:
                node = next(n for n in self._rr if n in main)
            else:
                node = self.node(node)
            q = SimQueue(vhost, name, type, node=node, messages=messages, published=messages, **kw)
            if type == "quorum":
                q.members = [node] + [n for n in self.nodes if n != node]
                q.leader = node
            self.queues[q.key] = q
            self._remirror(q)
            q.synced = list(q.slaves)
            self.churn["queue_created"] += 1
            return q

    def add_queues(self, count: int, prefix: str = "scale.q", vhost: str = "/",
                   type: str = "classic", messages: int | None = None) -> int:
        """Scale fixture: ``count`` synchronised queues spread over the running nodes."""
        rng = random.Random(count)
        with self.lock:
            start = sum(1 for k in self.queues if k[1].startswith(prefix))
            main = self.main_side() or self.node_names
            for i in range(start, start + count):
                node = main[i % len(main)]
                n = rng.randint(0, 40) if messages is None else messages
                q = SimQueue(vhost, f"{prefix}{i:05d}", type, node=node, messages=n, published=n)
                if type == "quorum":
                    q.members, q.leader = [node] + [x for x in self.nodes if x != node], node
                elif self.is_mirrored(q):
                    q.slaves = [x for x in main if x != node]
                    q.synced = list(q.slaves)
                self.queues[q.key] = q
            self.churn["queue_created"] += count
        return count

    def seed_openstack_queues(self) -> None:
        """The lab's queue set (samples/*/summary.txt): mirrored RPC queues plus quorum ones."""
        names = ["compute.cmp1", "conductor", "conductor.ctl1", "ha.q1", "ha.q2", "ha.q3",
                 "notifications.error", "notifications.info",
                 "reply_5f1c2e0a9b7d4e3f8a6b1c0d2e4f6a8b", "scheduler", "scheduler.ctl2"]
        nodes = itertools.cycle(self.node_names)
        for i, name in enumerate(sorted(names)):
            self.declare_queue(name, node=next(nodes), messages=50 + i)
        for i, name in enumerate(["qq.neutron", "qq.q1", "qq.q2", "qq.q3"]):
            self.declare_queue(name, type="quorum", node=self.node_names[i % len(self.nodes)],
                               messages=50 + 10 * i, arguments={"x-queue-type": "quorum"})

    def _copy_for(self, q: SimQueue, via: str | None) -> QueueCopy | None:
        return q.forks.get(via) if via in self.minority else None

    def publish(self, vhost: str, name: str, count: int = 1, body: bytes | None = None,
                props=None, via: str | None = None) -> bool:
        """Publish ``count`` messages through node ``via`` (default: the main side)."""
        with self.lock:
            q = self.queues.get((vhost, name))
            if q is None:
                return False
            fork = self._copy_for(q, via)
            if fork is not None:
                if fork.down:
                    return False
                fork.messages += count
                return True
            if q.type == "quorum" and q.leader is None:
                return False
            q.messages += count
            q.published += count
            if body is not None:
                q.bodies.append((props, body))
            waiters = list(q.waiters)
        for w in waiters:
            w()
        return True

    def take(self, vhost: str, name: str, ack: bool = True, via: str | None = None):
        """basic.get: ``(props, body, remaining)`` or None; ``ack`` False = auto-ack."""
        with self.lock:
            q = self.get_queue(vhost, name)
            fork = self._copy_for(q, via)
            if fork is not None:
                if fork.messages <= 0:
                    return None
                fork.messages -= 1
                return (None, SYNTHETIC_BODY, fork.messages)
            if q.messages - q.unacked <= 0:
                return None
            props, body = q.bodies.popleft() if q.bodies else (None, SYNTHETIC_BODY)
            if ack:
                q.unacked += 1
            else:
                self._drop(q, 1)
            return (props, body, q.messages - q.unacked)

    def settle(self, vhost: str, name: str, item=None, requeue: bool = False) -> None:
        """Ack (or requeue) one message previously taken with ``ack=True``."""
        with self.lock:
            q = self.queues.get((vhost, name))
            if q is None or q.unacked <= 0:
                return
            q.unacked -= 1
            if requeue:
                if item is not None:
                    q.bodies.appendleft(item)
            else:
                self._drop(q, 1)

    def _drop(self, q: SimQueue, count: int) -> None:
        q.messages = max(0, q.messages - count)
        if q.messages == 0:
            q.synced = list(q.slaves)  # nothing left to synchronise

    def purge(self, vhost: str, name: str) -> int:
        with self.lock:
            q = self.get_queue(vhost, name)
            ready = q.messages - q.unacked
            q.bodies.clear()
            self._drop(q, ready)
            return ready

    def delete(self, vhost: str, name: str, if_empty: bool = False,
               if_unused: bool = False) -> None:
        with self.lock:
            q = self.get_queue(vhost, name)
            if if_empty and q.messages > 0:
                raise PreconditionFailed(f"{rs(vhost, name)} not empty")
            if if_unused and q.consumers > 0:
                raise PreconditionFailed(f"{rs(vhost, name)} in use")
            del self.queues[q.key]
            self.churn["queue_deleted"] += 1

    def delete_owned(self, owner) -> None:
        """Drop the exclusive queues of a closed AMQP connection."""
        with self.lock:
            for q in [q for q in self.queues.values() if q.exclusive and q.owner is owner]:
                del self.queues[q.key]
                self.churn["queue_deleted"] += 1

    def sync(self, vhost: str, name: str) -> None:
        """``POST .../actions {"action":"sync"}``: every current mirror becomes synchronised."""
        with self.lock:
            if self.major >= 4:
                raise SimError("Unknown action: sync")
            q = self.get_queue(vhost, name)
            if self.is_mirrored(q):
                q.synced = list(q.slaves)

    def drift(self, rng: random.Random | None = None, share: float = 0.3) -> None:
        """Small random message-count changes so a demo looks alive."""
        rng = rng or random
        with self.lock:
            qs = [q for q in self.queues.values() if not q.exclusive]
            if not qs:
                return
            if len(qs) > 40:
                picked = rng.sample(qs, max(1, int(len(qs) * share)))
            else:
                picked = [q for q in qs if rng.random() < share]
            for q in picked:
                delta = rng.randint(-4, 5)
                if delta > 0:
                    self.publish(q.vhost, q.name, delta)
                elif q.messages - q.unacked > 0:
                    self._drop(q, min(-delta, q.messages - q.unacked))

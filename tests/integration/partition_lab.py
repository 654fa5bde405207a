"""Real partitions on the session lab, and the recovery RabbitMQ 3.x documents, for the partition
tests (test_partition_views.py, test_runbook_race.py).

Cutting node N's cluster link is a real partition once net_ticktime (10 s in the lab) passes: for
those ~10 s every API's overview and nodes hang, then each side reports the other as not running.
Recovery: heal the link, restart the node outside the majority (its changes since the split are
lost, as the partition finding's advice says), wait until all three nodes run with no partition,
synchronise the mirrors (ha-sync-mode is manual in the lab) and wait for a healthy cluster, so every
later test of the session finds what it expects.

The node is restarted as a whole VM (stop + start). ``restart_app`` (stop_app/start_app) was seen to
hang for minutes on the lab after a partition of node 1: ``start_app`` blocked in
``rabbit_node_monitor:global_sync`` (OTP 25 ``global``, "Global hang workaround" in the log), while
a VM restart came back in ~3 s.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from msgops.probes.findings import Severity, worst

from .conftest import codes, probe_until, sync_all


def whole(findings, snapshot) -> bool:
    """Three nodes running in every view, every API answering, no partition anywhere."""
    return (len(snapshot.nodes) == 3 and all(n.running and not n.partitions for n in snapshot.nodes)
            and all(v.reachable and all(n.running for n in v.nodes) for v in snapshot.views)
            and not {"partition", "node_down", "api_unreachable"} & codes(findings))


def healthy(lab, target, timeout: float = 90) -> None:
    """Mirrors synchronised and every finding OK (the state each lab test starts from)."""
    sync_all(lab)
    probe_until(target, lambda f, s: worst(f) is Severity.OK, timeout, "a healthy 3-node cluster")


def restore(lab, target, node: int) -> float:
    """Heal node's link, restart it (the minority), wait until whole and healthy; seconds taken."""
    started = time.monotonic()
    lab.heal(node)
    lab.stop_node(node, kill=True)  # restarted: whatever it took since the split is discarded
    lab.start_node(node)
    probe_until(target, whole, 120, f"node {node} back: 3 nodes running, no partition")
    healthy(lab, target)
    return time.monotonic() - started


@contextmanager
def cut_off(lab, target, node: int, timings: dict | None = None):
    """Node ``node``'s cluster link cut for the block; the cluster restored afterwards, whatever happens."""
    lab.cut(node)
    try:
        yield
    finally:
        seconds = restore(lab, target, node)
        if timings is not None:
            timings["restore"] = seconds

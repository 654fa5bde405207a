"""Runbooks act on what is true now, on the wire-level simulator: the engine run in-process with a
confirmer that partitions the cluster while the operator "types" the name. The run must be refused
right before the purge ("changed since the plan"), the queue untouched, and the audit log's end
record must list the failed checks. (Real-lab twin: tests/integration/test_runbook_race.py; the
console's side of the race: tests/tui/test_runbook_race.py.)
"""

from __future__ import annotations

import httpx
import pytest

from msgops.sim.rabbitmq.cluster import SimCluster
from tests import race_checks as race
from tests.sim_inventory import sim_inventory

QUEUE = "ha.q1"


@pytest.fixture
def sim(tmp_path):
    cluster = SimCluster(3, user="msgops", password="PLANTED-pw-0815", node_host="sim").start_in_thread()
    try:
        (target,) = sim_inventory(cluster, tmp_path, extra="canary = false\n").of_tier("rabbitmq")
        yield cluster, target
    finally:
        cluster.stop_in_thread()


def messages(cluster, queue: str) -> tuple[int, int]:
    """The queue's messages in the model and as node 1's management API reports them."""
    with cluster.model.lock:
        truth = cluster.model.get_queue("/", queue).messages
    reply = httpx.get(f"{cluster.management_urls[0]}/api/queues/%2F/{queue}",
                      auth=(cluster.model.user, cluster.model.password), timeout=10)
    return truth, reply.json()["messages"]


@pytest.mark.parametrize("cut", [3, 1], ids=["node3-cut", "node1-cut"])
async def test_partition_during_the_confirmation_refuses_the_purge(sim, tmp_path, cut):
    cluster, target = sim
    before = messages(cluster, QUEUE)
    assert before[0] > 0 and before[0] == before[1]
    waited: list[float] = []

    async def partition() -> None:
        cluster.model.cut(cut)
        waited.append(await race.until_partition_seen(target, timeout=10))

    state_dir = tmp_path / "state"
    result, events, asked = await race.purge_racing_a_partition(target, state_dir, QUEUE, partition)
    assert waited, "the confirmer partitioned the cluster"
    race.check_refused_by_the_recheck(result, events, asked, state_dir, "rabbitmq/rpc", QUEUE)
    assert messages(cluster, QUEUE) == before

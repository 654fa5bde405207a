"""Runbooks act on what is true now, in the console, on the wire-level simulator (real-lab twin:
tests/integration/test_runbook_race.py).

The issue: `p` on a queue a few seconds before a partition → preflight passed → the typed
confirmation waited while the cluster partitioned → the name was typed → the purge ran. Now:
- the confirmation box shows the target's live health and is withdrawn (nothing done) when it
  worsens while the box is open;
- if the operator types the name before the console has seen the change, the engine's re-check,
  run right before the purge, refuses it.
"""

from __future__ import annotations

from contextlib import contextmanager

from msgops.console.app import make_app
from msgops.sim.rabbitmq.cluster import SimCluster
from tests import race_checks as race
from tests.sim_inventory import sim_inventory

from . import runbook_driver as drive

KEY = "rabbitmq/rpc"
QUEUE = "ha.q2"


@contextmanager
def estate(tmp_path, poll_interval: float):
    cluster = SimCluster(3, user="msgops", password="PLANTED-pw-4711", node_host="rpc").start_in_thread()
    try:
        extra = f"poll_interval = {poll_interval}\nqueue_interval = {max(2.0, poll_interval)}\ncanary = false\n"
        yield sim_inventory(cluster, tmp_path, extra=extra), cluster
    finally:
        cluster.stop_in_thread()


def messages_of(cluster, name: str) -> int:
    with cluster.model.lock:
        return cluster.model.get_queue("/", name).messages


async def test_confirmation_is_withdrawn_when_the_cluster_partitions(tmp_path):
    with estate(tmp_path, poll_interval=1.0) as (inventory, cluster):
        before = messages_of(cluster, QUEUE)
        messages = drive.hook()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
            mark = await race.confirmation_open(app, pilot, messages, KEY, QUEUE)
            cluster.model.cut(3)
            outcome = await race.check_withdrawn(app, pilot, messages, mark, inventory.settings.state_dir, timeout=15)
            assert "network partition" in outcome["message"], outcome
        assert messages_of(cluster, QUEUE) == before


async def test_name_typed_before_the_console_sees_the_partition_is_refused_by_the_recheck(tmp_path):
    # The console polls every 10 minutes here: it has certainly not seen the cut when the name is typed.
    with estate(tmp_path, poll_interval=600.0) as (inventory, cluster):
        before = messages_of(cluster, QUEUE)
        messages = drive.hook()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
            mark = await race.confirmation_open(app, pilot, messages, KEY, QUEUE)
            cluster.model.cut(1)  # the first endpoint's node: the engine's client prefers it
            await race.type_and_check_refused(app, pilot, messages, mark, KEY, QUEUE,
                                              inventory.settings.state_dir, {"no partition"})
        assert messages_of(cluster, QUEUE) == before

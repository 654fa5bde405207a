"""The truth during a partition, on the wire-level simulator (the real-lab twin of these tests is
tests/integration/test_partition_views.py, with the same checks from tests/partition_checks.py).

A 3-node cluster with one node cut off, once with the FIRST inventory endpoint on the side without
a majority (node 1: the issue's case, where the queue list used to come from that node and every
quorum queue read "1 of 3 members online … unavailable") and once with it on the majority side
(node 3). `msgops status`, `msgops status --json` and the console must agree: queue findings from
the majority's listing, each listing named by side/majority/api, the minority's losses as one
finding, the recovery advice naming the node to restart, the queue detail showing the other side.

Also the collector's edges seen on the real lab: a poll that misses one node's view while that
node's queue list still answers, and a majority side whose list does not come in time.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import contextmanager
from dataclasses import replace

import httpx
import pytest

from msgops.console.app import make_app
from msgops.probes.rabbitmq.assess import assess
from msgops.probes.rabbitmq.collect import RabbitProbe
from msgops.sim.rabbitmq.cluster import SimCluster
from msgops.sim.rabbitmq.http import HttpOptions
from tests import partition_checks as pc
from tests.sim_inventory import sim_inventory
from tests.tui.fixtures import Collected

KEY = "rabbitmq/rpc"


@contextmanager
def cluster_and_inventory(tmp_path, http_options: HttpOptions | None = None, extra: str = ""):
    """A seeded 3-node 3.10.8 simulator and an inventory listing node 1's API first."""
    cluster = SimCluster(3, user="msgops", password="PLANTED-pw-0815", node_host="sim", http_options=http_options)
    cluster.start_in_thread()
    try:
        inventory = sim_inventory(cluster, tmp_path, extra=extra or "poll_interval = 1.0\nqueue_interval = 2.0\n")
        yield cluster, inventory
    finally:
        cluster.stop_in_thread()


def sim_listing(cluster, viewer: int) -> dict[str, dict]:
    """One node's own /api/queues, by name (what the real server of that side answers)."""
    cols = "name,type,node,state,slave_nodes,synchronised_slave_nodes,leader,members,online"
    reply = httpx.get(cluster.management_urls[viewer - 1] + "/api/queues", params={"columns": cols},
                      auth=(cluster.model.user, cluster.model.password), timeout=10)
    reply.raise_for_status()
    return {q["name"]: q for q in reply.json()}


@pytest.mark.parametrize("cut", [1, 3], ids=["first-endpoint-on-minority", "first-endpoint-on-majority"])
async def test_status_json_and_console_agree_on_the_majority_view(tmp_path, cut):
    with cluster_and_inventory(tmp_path) as (cluster, inventory):
        cluster.model.cut(cut)
        s = pc.split(cluster.node_names, cluster.management_urls, cut)
        # Each side's own answer, as the real server gives it (samples netns-link-during-*): the
        # side without a majority sees every quorum queue with 1 member online and has promoted
        # its copy of every mirrored queue; the majority side sees 2 of 3 and keeps one mirror.
        minority = sim_listing(cluster, cut)
        majority = sim_listing(cluster, 2 if cut != 2 else 1)
        for name in pc.QUORUM:
            assert minority[name]["online"] == [s.minority]
            assert sorted(majority[name]["online"]) == list(s.majority)
        for name in pc.MIRRORED:
            assert (minority[name]["node"], minority[name]["slave_nodes"]) == (s.minority, [])
            assert majority[name]["node"] in s.majority and len(majority[name]["slave_nodes"]) == 1

        text, as_json = pc.start_status(inventory.path), pc.start_status(inventory.path, "--json")
        messages = Collected()
        app = make_app(inventory)
        async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
            await pc.check_console(app, pilot, messages, KEY, s, timeout=30)
        pc.check_status_text(await asyncio.to_thread(pc.finish, text), s)
        pc.check_status_json(json.loads(await asyncio.to_thread(pc.finish, as_json)), s)


@pytest.mark.parametrize("cut", [1, 3])
async def test_heal_and_restart_of_the_minority_clear_the_partition(tmp_path, cut):
    """Heal: both sides list ``partitions``; restarting the minority node (the advice) ends it."""
    with cluster_and_inventory(tmp_path, extra="canary = false\n") as (cluster, inventory):
        (target,) = inventory.of_tier("rabbitmq")
        probe = RabbitProbe(target)
        try:
            cluster.model.cut(cut)
            findings = assess(await probe.poll(full=True, light=True))
            assert any(f.code == "partition" and "each side sees the other as down" in f.reason for f in findings)
            cluster.model.heal(cut)
            findings = assess(await probe.poll(full=True, light=True))
            partition = next(f for f in findings if f.code == "partition")
            assert "partitions reported" in partition.reason
            assert f"restart the RabbitMQ nodes outside it ({cluster.node_names[cut - 1]})" in partition.advice
            cluster.model.recover(cut)
            await asyncio.to_thread(cluster.settle_in_thread)
            snapshot = await probe.poll(full=True, light=True)
            codes = {f.code for f in assess(snapshot)}
            assert not codes & {"partition", "side_losses", "quorum_member_offline", "node_down"}, codes
            assert snapshot.other_listings == () and snapshot.queues.side == ()
        finally:
            await probe.aclose()


async def test_a_missed_view_does_not_make_the_cut_node_the_truth(tmp_path):
    """Lab, ~18 s into cutting node 1: node 1's overview/nodes missed the poll's deadline while its
    (slower) queue list answered; the list came from it and every quorum queue read CRITICAL
    "1 of 3 members online … unavailable". The list must come from an API whose view answered."""
    options = HttpOptions()
    with cluster_and_inventory(tmp_path, options, extra="canary = false\nhealth_timeout = 0.5\n") as (cluster, inv):
        (target,) = inv.of_tier("rabbitmq")
        probe = RabbitProbe(target)
        try:
            before = await probe.poll(full=True, light=True)  # node 1's API answered last: preferred
            assert before.queues.api == target.management_urls[0]
            node1 = cluster.node_names[0]
            cluster.model.cut(1)
            options.views_delay[node1] = 2.0
            snapshot = await probe.poll(full=True, light=True)
            assert not snapshot.views[0].reachable and snapshot.views[1].reachable
            assert snapshot.queues.api == target.management_urls[1]
            findings = assess(snapshot)
            codes = {f.code for f in findings}
            assert "quorum_below_majority" not in codes, findings
            assert {"quorum_member_offline", "node_down", "api_unreachable"} <= codes, findings
        finally:
            await probe.aclose()
            await asyncio.sleep(2.0)  # let the simulator's delayed answers finish before it stops


async def test_a_late_majority_list_never_gives_way_to_the_minority_list(tmp_path):
    """The majority side's list not in within queue_timeout (partitioned 3.10 lists take 4-8 s):
    the minority's own list is kept as the other side's, never shown as the cluster's queues."""
    options = HttpOptions(queues_delay_majority=3.0)
    extra = "canary = false\nqueue_timeout = 1.0\nhealth_timeout = 1.0\n"
    with cluster_and_inventory(tmp_path, options, extra=extra) as (cluster, inv):
        (target,) = inv.of_tier("rabbitmq")
        for warm in (False, True):
            probe = RabbitProbe(replace(target))
            try:
                if warm:
                    cluster.model.heal(1)
                    cluster.model.recover(1)
                    await asyncio.to_thread(cluster.settle_in_thread)
                    assert (await probe.poll(full=True, light=True)).queues.side == ()
                cluster.model.cut(1)
                snapshot = await probe.poll(full=True, light=True)
                (other,) = snapshot.other_listings
                assert other.side == (cluster.node_names[0],) and not other.majority
                if warm:  # the list from before the split stays, marked as not refreshed
                    assert snapshot.queues is not None and snapshot.queues.side == ()
                else:
                    assert snapshot.queues is None
                findings = assess(snapshot)
                codes = {f.code for f in findings}
                assert "quorum_below_majority" not in codes and {"queue_list_failed", "side_losses"} <= codes
                assert probe.queues_due_in() == 0  # the majority side is asked again on the next poll
            finally:
                await probe.aclose()
                await asyncio.sleep(2.5)  # let the simulator's delayed answers finish


def test_light_listing_reports_the_record_state_like_3_10(tmp_path):
    """With disable_stats (what `msgops status` lists with) the real 3.10.8 answers the queue
    record's state, "live", where the statistics say "running"; a queue on a stopped node is "down"
    either way (seen on the lab). Each side of a partition answers the same way."""
    with cluster_and_inventory(tmp_path) as (cluster, _):
        cluster.model.cut(1)
        auth = (cluster.model.user, cluster.model.password)
        for url in (cluster.management_urls[0], cluster.management_urls[1]):
            for light, state in ((True, "live"), (False, "running")):
                params = {"columns": "name,type,state", **({"disable_stats": "true"} if light else {})}
                listed = httpx.get(url + "/api/queues", params=params, auth=auth, timeout=10).json()
                states = {q["state"] for q in listed if "state" in q}
                assert states == {state}, (url, light, states)

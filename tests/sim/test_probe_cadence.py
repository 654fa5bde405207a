"""How often the probe asks the (simulated) broker for what: the queue list is the expensive call,
so it is stretched on big clusters, yet it comes at once when the cluster's shape or a health
check's verdict changes. A fake clock steps time; the simulator answers over real HTTP."""

from __future__ import annotations

import asyncio

from msgops.probes.rabbitmq.collect import LISTING_DUTY_FACTOR, RabbitProbe
from msgops.sim.rabbitmq.cluster import SimCluster
from tests.sim_inventory import sim_inventory

LISTING_DELAY = 0.4  # seconds each /api/queues takes here: 40 x 0.4 s = 16 s between listings


def asked(snapshot) -> set[str]:
    """Which kinds of request a poll made."""
    kinds = set()
    for call in snapshot.calls:
        path = call.path.split("?")[0]
        kinds.add("health" if path.startswith("/api/health/") else path)
    return kinds


async def run(tmp_path):
    cluster = SimCluster(3, user="msgops", password="pw")
    await cluster.start()
    try:
        for server in cluster.http.values():
            server.options.queues_delay = LISTING_DELAY
        (target,) = sim_inventory(cluster, tmp_path, extra="poll_interval = 1.0\nqueue_interval = 5.0\n"
                                                            "canary = false\n").of_tier("rabbitmq")
        now = [1000.0]
        probe = RabbitProbe(target, clock=lambda: now[0])

        async def at(t: float):
            now[0] = 1000.0 + t
            return await probe.poll()

        try:
            first = await at(0)
            assert {"/api/queues", "/api/policies", "health"} <= asked(first)
            stretch = LISTING_DUTY_FACTOR * first.queues.seconds
            assert stretch > target.queue_interval  # this listing is "slow": stretched past the floor
            seen = [asked(await at(t)) for t in (1, 6)]
            assert "/api/queues" not in seen[0] | seen[1]
            assert "health" not in seen[0] and "health" in seen[1]  # health keeps queue_interval
            late = asked(await at(stretch + 0.1))
            assert "/api/queues" in late  # due again only after the stretch

            # A node stops: the cluster's shape changed, so the list comes at once.
            base = stretch + 0.1
            cluster.model.stop_node(3)
            changed = await at(base + 1)
            assert "/api/queues" in asked(changed)
            assert any(q.type == "quorum" and len(q.online or ()) == 2 for q in changed.queues.queues)

            # The node returns: shape changes twice (it runs, then its own API answers again).
            cluster.model.start_node(3)
            assert "/api/queues" in asked(await at(base + 2)) & asked(await at(base + 3))
            assert "/api/queues" not in asked(await at(base + 4))  # settled
            # A check flips with no shape change (a memory alarm): the next poll lists the queues.
            cluster.model.set_mem_alarm(1, True)
            flipped = await at(base + 3 + target.queue_interval)  # health due: local-alarms now fails
            assert "health" in asked(flipped) and "/api/queues" not in asked(flipped)
            assert "/api/queues" in asked(await at(base + 4 + target.queue_interval))  # tripped
        finally:
            await probe.aclose()
    finally:
        await cluster.stop()


def test_queue_list_cadence(tmp_path):
    asyncio.run(run(tmp_path))

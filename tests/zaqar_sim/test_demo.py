"""The Zaqar part of ``msgops demo``: its pools on the other demos' stores, a store that dies and the
cross-tier cause in the pane, the follower that mirrors real stores, and the scripted outage when
it runs alone."""

from __future__ import annotations

import asyncio
import time

from msgops.console.app import make_app
from msgops.console.demo import demo_estate
from msgops.console.headless import collect
from msgops.sim.demo_options import DemoOptions
from msgops.sim.redis.server import SimRedis
from msgops.sim.zaqar.common import store_key
from msgops.sim.zaqar.demo import demo_zaqar

from tests.tui.fixtures import Collected, screen_text


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:g}s")


def is_down(sim, pool: str) -> bool:
    with sim.model.lock:
        return store_key(sim.model.pools[pool].uri) in sim.model.down


def test_alone_it_scripts_pool2s_outage():
    with demo_zaqar(DemoOptions(incident_after=0.2), down_delay=0.3, down_for=1.0) as (toml, sim):
        assert "[zaqar.messaging]" in toml and "management_store" in toml
        assert {n: p.weight for n, p in sim.model.pools.items()} == {"catalog": 100, "pool1": 100, "pool2": 50}
        assert sim.model.pools["catalog"].uri.startswith("mongodb://")
        wait_for(lambda: is_down(sim, "pool2"), 5, "pool2's store down")
        wait_for(lambda: not is_down(sim, "pool2"), 5, "pool2's store back")
        placed = len(sim.model.placement())
        wait_for(lambda: len(sim.model.placement()) > placed, 10, "a tenant's new queue")


def test_steady_means_no_outage():
    with demo_zaqar(DemoOptions(incident_after=0.0, steady=True), down_delay=0.1, down_for=1.0) as (_, sim):
        time.sleep(0.6)
        assert not is_down(sim, "pool2")


def test_it_follows_a_published_redis():
    redis = SimRedis(password="pw-demo-1").start_in_thread()
    try:
        options = DemoOptions(incident_after=0.0, published={"redis.pool2": redis.zaqar_uri(2)})
        with demo_zaqar(options, down_delay=0.0) as (_, sim):
            assert sim.model.pools["pool2"].uri == redis.zaqar_uri(2)
            time.sleep(1.5)
            assert not is_down(sim, "pool2")  # followed, not scripted
            redis.down()
            wait_for(lambda: is_down(sim, "pool2"), 5, "pool2 down after its Redis")
            redis.up()
            wait_for(lambda: not is_down(sim, "pool2"), 5, "pool2 back with its Redis")
    finally:
        redis.stop_in_thread()


async def test_the_whole_demo_names_the_cause_in_the_zaqar_pane():
    with demo_estate(DemoOptions(incident_after=1.0)) as inventory:
        keys = [f"{t.tier}/{t.name}" for t in inventory.targets]
        assert "zaqar/messaging" in keys and "mongodb/catalog" in keys and "redis/pool2" in keys
        zaqar = inventory.of_tier("zaqar")[0]
        hook = Collected()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
            await hook.wait_for(lambda m: m.key == "zaqar/messaging" and any(
                f.code == "pool_unreachable" and f.subject == "pool2" for f in m.result.findings), timeout=40)
            state = app.estate.states["zaqar/messaging"]
            deadline = time.monotonic() + 20
            while not any("← redis/pool2" in f.reason for f in state.findings if f.subject == "pool2"):
                assert time.monotonic() < deadline, state.findings
                await pilot.pause(0.5)
            app.open_target("zaqar/messaging")
            await pilot.pause()
            text = screen_text(app)
            assert "catalog" in text and "mongodb://msgops:***@" in text and "NEW QUEUES LAND ON DEAD POOL pool2" in text
            await pilot.press("down", "down", "enter")
            await pilot.pause()
            assert "Pool pool2" in screen_text(app) and "← redis/pool2" in screen_text(app)
        rows = {f"{t.tier}/{t.name}": r for t, r in await asyncio.to_thread(collect, inventory)}
        assert rows["zaqar/messaging"].snapshot.placement.total >= 24
        assert zaqar.poll_interval == 3.0

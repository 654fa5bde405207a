"""The Zaqar pane at 80x24 (Pilot) on the simulator: pools with their share of new queues and storage
reachability, "unknown" placement without a management store, a dead store's banner while the pane
stays live, the pool drill-down, and pool-reweight from the keys (drain, a typed weight, several
pools at once), with a wrong confirmation refused and read-only mode hiding the keys."""

from __future__ import annotations

import pytest

from msgops.console.app import make_app
from msgops.console.messages import SnapshotCollected
from msgops.console.screens.confirm import ConfirmScreen
from msgops.console.screens.runbook import ConfirmationRequested, RunbookEvent, RunbookScreen
from msgops.console.tiers.zaqar.pool_detail import PoolDetailScreen
from msgops.console.tiers.zaqar.prompt import ParamPrompt
from msgops.console.tiers.zaqar.screen import ZaqarScreen
from msgops.sim.zaqar import Timings, ZaqarSim

from tests.tui.fixtures import Collected, screen_text
from tests.tui.runbook_driver import confirm, result

from .helpers import inventory, noauth_toml

KEY = "zaqar/z"


@pytest.fixture
def sim():
    s = ZaqarSim(pools=3, queues=9, timings=Timings.fast(1.0), seed=4).start_in_thread()
    try:
        yield s
    finally:
        s.stop_in_thread()


def app_for(tmp_path, sim, *, read_only: bool = False, **extra):
    _, inv = inventory(tmp_path, noauth_toml(sim, name="z", poll_interval=1.0, health_interval=5.0, **extra),
                       read_only=read_only)
    return make_app(inv)


def hook() -> Collected:
    return Collected(SnapshotCollected, RunbookEvent, ConfirmationRequested)


def polled(predicate=lambda snap: True):
    return lambda m: (isinstance(m, SnapshotCollected) and m.key == KEY and m.result.snapshot is not None
                      and predicate(m.result.snapshot))


async def open_pane(app, pilot, messages) -> None:
    await messages.wait_for(polled(lambda s: s.health is not None), 30)
    app.open_target(KEY)
    await pilot.pause()
    assert isinstance(app.screen, ZaqarScreen)


async def open_pool(pilot, row: int) -> None:
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PoolDetailScreen)


async def test_the_pane_at_80x24(tmp_path, sim):
    app, messages = app_for(tmp_path, sim), hook()
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        await open_pane(app, pilot, messages)
        text = screen_text(app)
        for needle in ("Pool", "Weight", "Share", "Reach", "Queues", "POOL1", "33%", "redis://127.0.0.1:6379",
                       "yes", "flavors: none", "health", "unknown (no management_store)"):
            assert needle in text, needle
        mark = len(messages.messages)
        sim.store_down("POOL2")
        await messages.wait_for(polled(lambda s: s.health is not None and s.health.of("POOL2").storage_reachable
                                       is False), 30, after=mark)
        await pilot.pause()
        text = screen_text(app)
        assert "NEW QUEUES LAND ON DEAD POOL POOL2" in text and "new queues land on a dead pool" in text
        assert "NO" in text
        sim.model.update_pool("POOL3", weight=50)  # the pane stays live: the pool list refreshes
        await messages.wait_for(polled(lambda s: any(p.name == "POOL3" and p.weight == 50 for p in s.pools)), 10)
        await pilot.pause()
        assert "50" in screen_text(app)
        await open_pool(pilot, 1)
        text = screen_text(app)
        assert "Pool POOL2" in text and "UNREACHABLE" in text and "failed ops" in text
        assert "dead_pool_weighted" in text and "d Drain" in text and "w Reweight" in text


async def test_drain_from_the_pool_detail_with_a_wrong_name_first(tmp_path, sim):
    app, messages = app_for(tmp_path, sim), hook()
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        await open_pane(app, pilot, messages)
        await open_pool(pilot, 0)
        mark = len(messages.messages)
        await pilot.press("d")
        await pilot.pause()
        assert any(isinstance(s, RunbookScreen) for s in app.screen_stack)
        await messages.wait_for(lambda m: isinstance(m, ConfirmationRequested), 30, after=mark)
        await pilot.pause()
        await pilot.press(*"POOL2", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "does not match" in screen_text(app)
        assert sim.model.pools["POOL1"].weight == 100
        await pilot.press(*"POOL1", "enter")
        outcome = await result(messages, mark, 60)
        assert outcome["outcome"] == "ok", outcome
        assert sim.model.pools["POOL1"].weight == 0
        await pilot.pause()
        assert "OK: done and verified" in screen_text(app)


async def test_typed_weight_and_several_pools(tmp_path, sim):
    app, messages = app_for(tmp_path, sim), hook()
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        await open_pane(app, pilot, messages)
        await open_pool(pilot, 2)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ParamPrompt) and "New weight of pool POOL3" in screen_text(app)
        await pilot.press("ctrl+a", "ctrl+k", *"-4", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ParamPrompt) and "expected an integer" in screen_text(app)
        mark = len(messages.messages)
        await pilot.press("ctrl+a", "ctrl+k", *"25", "enter")
        await confirm(pilot, messages, mark, "POOL3")
        assert (await result(messages, mark, 60))["outcome"] == "ok"
        assert sim.model.pools["POOL3"].weight == 25
        await pilot.press("escape")  # the run's screen
        await pilot.press("escape")  # the pool
        await pilot.pause()
        assert isinstance(app.screen, ZaqarScreen)
        await pilot.press("W")
        await pilot.pause()
        assert isinstance(app.screen, ParamPrompt) and "POOL1=100,POOL2=100,POOL3=25" in screen_text(app)
        mark = len(messages.messages)
        await pilot.press("ctrl+a", "ctrl+k", *"POOL1=0,POOL2=150", "enter")
        await confirm(pilot, messages, mark, "reweight-2-pools")
        outcome = await result(messages, mark, 60)
        assert outcome["outcome"] == "ok", outcome
        assert {n: p.weight for n, p in sim.model.pools.items()} == {"POOL1": 0, "POOL2": 150, "POOL3": 25}


async def test_read_only_hides_the_runbook_keys(tmp_path, sim):
    app, messages = app_for(tmp_path, sim, read_only=True), hook()
    async with app.run_test(size=(80, 24), message_hook=messages, notifications=True) as pilot:
        await open_pane(app, pilot, messages)
        assert "W Reweight" not in screen_text(app)
        await open_pool(pilot, 0)
        text = screen_text(app)
        assert "READ-ONLY" in text and "d Drain" not in text
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, PoolDetailScreen) and "read-only mode" in screen_text(app)
        assert sim.model.pools["POOL1"].weight == 100


async def test_placement_column_with_a_management_store(tmp_path):
    with ZaqarSim(pools=2, queues=20, timings=Timings.fast(0.5), catalog_db=tmp_path / "c.sqlite", seed=9) as s:
        app, messages = app_for(tmp_path, s, management_store=s.mirror.url), hook()
        counts = {}
        for pool in s.model.placement().values():
            counts[pool] = counts.get(pool, 0) + 1
        async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
            await open_pane(app, pilot, messages)
            text = screen_text(app)
    assert "queues per pool: read from the management store (20 queues)" in text
    for pool, n in counts.items():
        assert any(pool in line and line.rstrip().endswith(str(n)) for line in text.splitlines()), (pool, n)

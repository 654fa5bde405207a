"""The console polling live servers (the wire-level simulator here): workers post messages, the UI
stays responsive while a node is down, and findings reach the screen. Waits on messages, no sleeps.
"""

from __future__ import annotations

import asyncio
import time

from msgops.console.app import make_app
from contextlib import contextmanager
from pathlib import Path
import tempfile

from msgops.console.config import load_inventory
from msgops.sim.demo_options import DemoOptions
from msgops.sim.rabbitmq.demo import demo_clusters
from msgops.console.screens.help import HelpScreen
from msgops.sim.rabbitmq.scenario import DemoTimings

from .fixtures import Collected, screen_text


async def loop_lag_during(seconds: float) -> float:
    """The longest the event loop was late for a 10 ms timer during ``seconds``."""
    worst = 0.0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        worst = max(worst, time.perf_counter() - started - 0.01)
    return worst


QUIET = DemoTimings(steady=3600, cut=3600)  # stays steady until the test acts


@contextmanager
def demo_estate(timings):
    """The RabbitMQ demo clusters and an inventory naming them; yields (inventory, rpc cluster)."""
    with demo_clusters(DemoOptions(), timings) as (toml, rpc), tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inventory.toml"
        path.write_text(f'[settings]\nstate_dir = "{tmp}/state"\n\n{toml}')
        yield load_inventory(path, env={}), rpc


async def test_live_console_shows_a_stopped_node_and_stays_responsive():
    with demo_estate(timings=QUIET) as (inventory, rpc):
        hook = Collected()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
            first = await hook.wait_for(lambda m: m.key == "rabbitmq/rpc")
            assert first.result.findings[0].code == "healthy"
            rpc.model.stop_node(2)
            down = await hook.wait_for(lambda m: any(f.code == "node_down" for f in m.result.findings))
            assert any(f.subject == "rabbit2@rpc" for f in down.result.findings if f.code == "node_down")
            await pilot.pause()
            table = app.screen.query_one("#targets")
            assert str(table.get_cell("rabbitmq/rpc", "health")) == "CRIT"
            # Across two poll cycles with the node down, the event loop never stalls: any
            # blocking call (a synchronous connect, a 5 s timeout) would show up here.
            worst_lag = await loop_lag_during(2 * inventory.of_tier("rabbitmq")[0].poll_interval + 0.5)
            assert worst_lag < 0.5, f"event loop stalled {worst_lag:.2f}s while a node was down"
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            app.open_target("rabbitmq/rpc")
            await pilot.pause()
            assert "rabbit2@rpc" in screen_text(app)


async def test_polls_never_overlap_and_late_results_are_dropped():
    """During a cut the queue list is slow (4-8.5 s in the lab); a second poll is refused while the
    first is in flight, and a result that lands after a pause (a runbook step) is dropped."""
    from dataclasses import replace

    from msgops.probes.poller import Poller
    from msgops.probes.rabbitmq.collect import RabbitProbe

    with demo_estate(timings=QUIET) as (inventory, rpc):
        target = replace(inventory.of_tier("rabbitmq")[0], canary=False)
        for server in rpc.http.values():
            server.options.queues_delay_majority = 1.0
            server.options.queues_delay_minority = 1.0
        rpc.model.cut(3)
        poller = Poller(RabbitProbe(target))
        first = asyncio.ensure_future(poller.poll_once(full=True))
        await asyncio.sleep(0.2)
        assert poller.busy
        assert await poller.poll_once() is None  # refused: one already in flight
        poller.pause("runbook")
        assert await first is None  # finished after the pause: dropped
        assert await poller.poll_once() is None  # paused: no polling at all
        poller.resume("runbook")
        result = await poller.poll_once(full=True)
        assert result is not None and any(f.code == "partition" for f in result.findings)
        await poller.aclose()

"""A target whose API accepts connections and never answers: within its cycle deadline the console
shows a finding naming what did not answer (never "first poll in progress" or "waiting"), the other
targets keep refreshing, and the event loop never stalls."""

from __future__ import annotations

import time
from pathlib import Path

from msgops.console.app import make_app
from msgops.console.config import load_inventory
from msgops.sim.rabbitmq.cluster import SimCluster
from tests.silent_server import SilentServer

from .fixtures import Collected, screen_text
from .test_console_live import loop_lag_during


async def test_hung_target_becomes_a_finding_within_its_deadline(tmp_path: Path):
    cluster = SimCluster(1, user="u", password="pw-hung-1", node_host="ok").start_in_thread()
    try:
        async with SilentServer() as hung:
            path = tmp_path / "inventory.toml"
            path.write_text(f'[settings]\nstate_dir = "{tmp_path / "state"}"\n'
                            f'[rabbitmq.fine]\ntransport_url = "{cluster.transport_url}"\n'
                            f'management_urls = ["{cluster.management_urls[0]}"]\ncanary = false\npoll_interval = 1\n'
                            f'[rabbitmq.hung]\ntransport_url = "rabbit://u:p@127.0.0.1:1/"\n'
                            f'management_urls = ["{hung.url}"]\ncanary = false\npoll_interval = 1\n'
                            f'health_timeout = 30\ncycle_timeout = 2\n')
            inventory = load_inventory(path, env={})
            hook = Collected()
            app = make_app(inventory)
            async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
                started = time.monotonic()
                late = await hook.wait_for(lambda m: m.key == "rabbitmq/hung", timeout=10)
                assert time.monotonic() - started < 4
                assert any(f.code == "cycle_timeout" for f in late.result.findings)
                await pilot.pause()
                text = screen_text(app)
                assert "first poll in progress" not in text and "waiting" not in text.split("Worst")[0]
                assert "passed its 2s deadline" in text  # on the first screen, no keystroke
                app.open_findings("rabbitmq/hung")
                await pilot.pause()
                await pilot.press("down")  # the CRIT (no API answered) comes first, then the deadline
                await pilot.pause()
                assert f"GET /api/overview @ {hung.url}" in screen_text(app).replace("\n", " ")  # wrapped, whole
                await pilot.press("escape")
                # the healthy target keeps refreshing while the other one hangs, and the UI stays live
                count = sum(1 for m in hook.messages if m.key == "rabbitmq/fine")
                assert await loop_lag_during(2.5) < 0.5
                assert sum(1 for m in hook.messages if m.key == "rabbitmq/fine") > count
    finally:
        cluster.stop_in_thread()

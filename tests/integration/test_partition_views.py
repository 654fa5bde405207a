"""The truth during a REAL partition (network namespaces, RabbitMQ 3.10): the issue's case and its mirror.

The lab's inventory lists node 1's management API first. Cutting node 1 puts that first endpoint on
the side without a majority: the issue saw the queue list come from it, every quorum queue reported
"1 of 3 members online … queue unavailable" (CRITICAL), every mirrored queue "not mirrored", and the
queue detail "no findings for this queue", while the majority side held them all with 2 of 3.
Cutting node 3 keeps the first endpoint on the majority side.

For each: `msgops status`, `msgops status --json` (real child processes on the lab's inventory file)
and the console (Pilot) agree — checks shared with the simulator's twin, tests/sim/
test_partition_views.py, in tests/partition_checks.py. The cluster is restored in a `finally`
(heal, restart the minority node as RabbitMQ 3.x requires, sync, healthy).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace

import pytest

from msgops.console.app import make_app
from msgops.console.config import Inventory, Settings
from tests import partition_checks as pc
from tests.tui.fixtures import Collected

from .conftest import probe_until
from .partition_lab import cut_off, healthy

pytestmark = [pytest.mark.lab, pytest.mark.partition]
KEY = "rabbitmq/lab"


@pytest.mark.parametrize("node", [1, 3], ids=["first-endpoint-on-minority", "first-endpoint-on-majority"])
def test_status_json_and_console_agree_on_the_majority_view(rabbit_lab, lab_target, tmp_path, node):
    assert lab_target.management_urls[0] == rabbit_lab.management_url(1)  # node 1's API is listed first
    s = pc.split(rabbit_lab.node_names, rabbit_lab.management_urls, node)
    console_target = replace(lab_target, poll_interval=1.0, queue_interval=2.0, canary=False)
    inventory = Inventory(path="lab", settings=Settings(state_dir=tmp_path / "state"), targets=(console_target,))
    healthy(rabbit_lab, lab_target)
    timings: dict[str, float] = {}
    started = time.monotonic()
    with cut_off(rabbit_lab, lab_target, node, timings):
        probe_until(lab_target, pc.is_split, 90, f"node {node} cut off: the partition and each side's listing")
        timings["partition seen"] = time.monotonic() - started
        text, as_json = pc.start_status(rabbit_lab.inventory_path), pc.start_status(rabbit_lab.inventory_path, "--json")
        try:
            asyncio.run(_console_agrees(inventory, s))
            timings["console"] = time.monotonic() - started
            pc.check_status_text(pc.finish(text), s)
            pc.check_status_json(json.loads(pc.finish(as_json)), s)
            timings["status"] = time.monotonic() - started
        finally:
            for proc in (text, as_json):
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    print(f"\ncut node {node}: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))


async def _console_agrees(inventory: Inventory, s: pc.Split) -> None:
    messages = Collected()
    app = make_app(inventory)
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await pc.check_console(app, pilot, messages, KEY, s, timeout=60)

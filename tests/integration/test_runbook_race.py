"""Runbooks act on what is true now, on the REAL lab: queue-reset purge racing a real partition.

The issue: `p` on a queue a few seconds before a partition → preflight passed → the typed
confirmation waited while the cluster partitioned → the name was typed → the purge ran.
- headless, the engine in-process: a confirmer that cuts node 3 and waits until the probe sees
  the partition, then "types" the name → refused right before acting ("changed since the plan"),
  messages untouched, the audit log's end record listing the failed checks;
- the console: the box open, node 3 cut → the box is withdrawn by itself (not_confirmed,
  "withdrawn: the target's health worsened…"), nothing done;
- the console: the name typed right after the cut, before the console has seen anything → the
  engine's re-check refuses. On RabbitMQ 3.10 every API's overview and nodes hang for the ~10 s
  net_ticktime takes to notice a cut, so the re-check cannot see the cluster and refuses on that
  ("management API"); once the partition is noticed it refuses on "no partition".
The simulator's twins: tests/sim/test_runbook_race.py and tests/tui/test_runbook_race.py (shared
checks in tests/race_checks.py). The cluster is restored in a `finally` every time.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx
import pytest

from msgops.console.app import make_app
from msgops.console.config import Inventory, Settings
from tests import partition_checks as pc
from tests import race_checks as race
from tests.tui import runbook_driver as drive

from .conftest import queue_info, seed_queue, wait_for
from .partition_lab import healthy, restore

pytestmark = [pytest.mark.lab, pytest.mark.partition]
KEY = "rabbitmq/lab"
CUT = 3
"""Node 3 is cut: the queues (declared through node 1) keep their master on the majority side."""


def console_inventory(lab_target, tmp_path) -> Inventory:
    target = replace(lab_target, poll_interval=1.0, queue_interval=2.0, canary=False)
    return Inventory(path="lab", settings=Settings(state_dir=tmp_path / "state"), targets=(target,))


def messages_now(lab, queue: str) -> int | None:
    return (queue_info(lab, queue) or {}).get("messages")


def delete_queue(lab, queue: str) -> None:
    httpx.delete(f"{lab.management_url(1)}/api/queues/%2F/{queue}", auth=(lab.user, lab.password), timeout=30)


def test_partition_during_the_confirmation_refuses_the_purge(rabbit_lab, lab_target, tmp_path):
    queue, count = "race.engine", 7
    healthy(rabbit_lab, lab_target)
    seed_queue(rabbit_lab, queue, count)
    target = replace(lab_target, canary=False)
    state_dir = tmp_path / "state"
    timings: dict[str, float] = {}

    async def partition() -> None:
        started = time.monotonic()
        await asyncio.to_thread(rabbit_lab.cut, CUT)
        await race.until_partition_seen(target, timeout=60)
        timings["partition seen"] = time.monotonic() - started

    try:
        started = time.monotonic()
        result, events, asked = asyncio.run(race.purge_racing_a_partition(target, state_dir, queue, partition))
        timings["run"] = time.monotonic() - started
        race.check_refused_by_the_recheck(result, events, asked, state_dir, KEY, queue)
        assert messages_now(rabbit_lab, queue) == count  # read on the majority side, during the partition
    finally:
        timings["restore"] = restore(rabbit_lab, lab_target, CUT)
    wait_for(lambda: messages_now(rabbit_lab, queue) == count, 30, f"{count} messages still in {queue}")
    delete_queue(rabbit_lab, queue)
    print("\nengine race: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))


def test_confirmation_is_withdrawn_when_the_cluster_partitions(rabbit_lab, lab_target, tmp_path):
    queue, count = "race.withdrawn", 5
    healthy(rabbit_lab, lab_target)
    seed_queue(rabbit_lab, queue, count)
    inventory = console_inventory(lab_target, tmp_path)
    timings: dict[str, float] = {}

    async def console() -> None:
        messages = drive.hook()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
            mark = await race.confirmation_open(app, pilot, messages, KEY, queue)
            started = time.monotonic()
            await asyncio.to_thread(rabbit_lab.cut, CUT)
            await race.check_withdrawn(app, pilot, messages, mark, inventory.settings.state_dir, timeout=60)
            timings["withdrawn"] = time.monotonic() - started
            # What the box gave way to: the partition, as the console goes on to show it.
            await messages.wait_for(pc.split_seen(KEY), 90, after=mark)
            timings["partition in the console"] = time.monotonic() - started

    try:
        asyncio.run(console())
        assert messages_now(rabbit_lab, queue) == count
    finally:
        timings["restore"] = restore(rabbit_lab, lab_target, CUT)
    wait_for(lambda: messages_now(rabbit_lab, queue) == count, 30, f"{count} messages still in {queue}")
    delete_queue(rabbit_lab, queue)
    print("\nwithdrawn: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))


def test_name_typed_right_after_the_cut_is_refused_by_the_recheck(rabbit_lab, lab_target, tmp_path):
    queue, count = "race.typed", 6
    healthy(rabbit_lab, lab_target)
    seed_queue(rabbit_lab, queue, count)
    inventory = console_inventory(lab_target, tmp_path)
    timings: dict[str, float] = {}

    async def console() -> None:
        messages = drive.hook()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
            mark = await race.confirmation_open(app, pilot, messages, KEY, queue)
            started = time.monotonic()
            await asyncio.to_thread(rabbit_lab.cut, CUT)
            await race.type_and_check_refused(app, pilot, messages, mark, KEY, queue, inventory.settings.state_dir,
                                              race.REFUSING_CHECKS)
            timings["refused"] = time.monotonic() - started

    try:
        asyncio.run(console())
    finally:
        timings["restore"] = restore(rabbit_lab, lab_target, CUT)
    wait_for(lambda: messages_now(rabbit_lab, queue) == count, 30, f"{count} messages still in {queue}")
    delete_queue(rabbit_lab, queue)
    print("\ntyped: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))

"""A deterministic console for Pilot and snapshot tests: no polling, a frozen clock, recorded data."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from msgops.console.app import make_app
from msgops.console.config import load_inventory
from msgops.console.messages import SnapshotCollected
from msgops.console.tiers.rabbitmq.rows import queue_rows
from msgops.probes.poller import PollResult
from msgops.probes.rabbitmq.assess import assess

from tests.unit.samples import snapshot

INVENTORY = """
[rabbitmq.lab]
transport_url = "rabbit://msgops:PLANTED-SECRET@rmq1:5672,rmq2:5672,rmq3:5672/"
[rabbitmq.notify]
transport_url = "rabbit://msgops:PLANTED-SECRET@notify1:5672/"
"""


def deterministic_app(tmp_path: Path):
    path = tmp_path / "inventory.toml"
    path.write_text(INVENTORY)
    return make_app(load_inventory(path, env={}), poll=False, clock=lambda: 1000.0)


def feed(app, key: str, *states: str) -> None:
    """Deliver a recorded snapshot to the app the way a poll worker does."""
    snap = snapshot(*states)
    findings = assess(snap)
    result = PollResult(key.split("/")[1], 0, snap, findings, 0.05)
    app.post_message(SnapshotCollected(key, result, queue_rows(snap, findings)))


def screen_text(app) -> str:
    """The visible screen as plain text (from the SVG export: spans joined, entities decoded)."""
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape("".join(re.findall(r">([^<]*)</text>", svg))).replace("\xa0", " ")


class Collected:
    """Message hook that lets a test await the first message of ``kinds`` matching a condition."""

    def __init__(self, *kinds: type) -> None:
        self.kinds = kinds or (SnapshotCollected,)
        self.messages: list = []
        self.event = asyncio.Event()

    def __call__(self, message) -> None:
        if isinstance(message, self.kinds):
            self.messages.append(message)
            self.event.set()

    async def wait_for(self, predicate, timeout: float = 20.0, *, after: int = 0):
        """The first collected message (from index ``after`` on) for which predicate holds."""
        deadline = time.monotonic() + timeout
        while True:
            for m in self.messages[after:]:
                if predicate(m):
                    return m
            self.event.clear()
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no matching message in {timeout}s; saw {len(self.messages)}"
            try:
                await asyncio.wait_for(self.event.wait(), remaining)
            except asyncio.TimeoutError:
                pass

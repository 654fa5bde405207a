"""A deterministic console for Pilot and snapshot tests: no polling, a frozen clock, recorded data."""

from __future__ import annotations

from pathlib import Path

from msgops.console.app import make_app
from msgops.console.config import load_inventory
from msgops.console.messages import SnapshotCollected
from msgops.console.rows import queue_rows
from msgops.probes.poller import PollResult
from msgops.probes.rabbitmq import assess

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

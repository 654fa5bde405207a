"""The MongoDB tier's console half: the replica-set screen, a member's detail (with the failover
runbook's keys its runbook declares) and its help section."""

from __future__ import annotations

from typing import Any

HELP = (
    ("enter", "a member: the set's view and its own, heartbeat message, lag trend, config"),
    ("f", "all findings of this replica set, with advice (resync, split)"),
)


def open(app: Any, key: str) -> None:  # noqa: A001 - the tier UI protocol's verb
    from msgops.console.tiers.mongodb.screen import MongoScreen

    app.push_screen(MongoScreen(key))

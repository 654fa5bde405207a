"""The Zaqar tier's console half: the pools pane (pools with their share of new queues, flavors,
health with its age), a pool's detail, the reweight runbook's keys, and its help section."""

from __future__ import annotations

from typing import Any

HELP = (
    ("enter", "open a pool: its store, health operations, queues placed, findings"),
    ("f", "all findings of this target"),
    ("Share", "of new queues created without a flavor: weight / sum of all weights (0: none land there)"),
)


def open(app: Any, key: str) -> None:  # noqa: A001 - the tier UI protocol's verb
    from msgops.console.tiers.zaqar.screen import ZaqarScreen

    app.push_screen(ZaqarScreen(key))

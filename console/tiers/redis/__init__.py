"""The Redis tier's console half: one screen per server (key facts and findings) and its help
section. No rows to prepare off the UI thread: a Redis target is one server, a handful of facts."""

from __future__ import annotations

from typing import Any

HELP = (
    ("f", "every finding of this server in full (its screen spells out only the worst)"),
)


def open(app: Any, key: str) -> None:  # noqa: A001 - the tier UI protocol's verb
    from msgops.console.tiers.redis.screen import RedisScreen

    app.push_screen(RedisScreen(key))

"""The RabbitMQ tier's console half: its target screen, queue detail (with the runbook keys its
runbooks declare), the queue rows built off the UI thread, and its help section."""

from __future__ import annotations

from typing import Any

HELP = (
    ("/", "filter queues (type; escape clears)"),
    ("s / S", "sort by the next column / reverse"),
    ("f", "all findings of this target"),
    ("enter", "open a queue: its fields, whose view they are, runbook keys"),
)


def open(app: Any, key: str) -> None:  # noqa: A001 - the tier UI protocol's verb
    from msgops.console.tiers.rabbitmq.screen import RabbitScreen

    app.push_screen(RabbitScreen(key))


def prepare(result: Any) -> Any:
    """The queue table's rows for a fresh result (run in a thread: 10k rows take ~50 ms)."""
    from msgops.console.tiers.rabbitmq.rows import queue_rows

    return queue_rows(result.snapshot, result.findings)

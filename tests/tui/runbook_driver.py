"""Drive queue-reset through the console the way an operator does: open the cluster, filter the
queue list, open the queue, press the runbook key, type the confirmation, read the result.

Used by the Pilot tests on the simulator (tests/tui) and on the real lab (tests/integration).
Waits on messages (a message hook), never on sleeps.
"""

from __future__ import annotations

from msgops.console.messages import SnapshotCollected
from msgops.console.screens.confirm import ConfirmScreen
from msgops.console.tiers.rabbitmq.queue_detail import QueueDetailScreen
from msgops.console.screens.runbook import ConfirmationRequested, RunbookEvent, RunbookScreen

from .fixtures import Collected, screen_text

KEYS = {"purge": "p", "delete": "D", "sync": "y"}


def hook() -> Collected:
    return Collected(SnapshotCollected, RunbookEvent, ConfirmationRequested)


def has_queue(key: str, queue: str):
    def match(m) -> bool:
        snap = m.result.snapshot if isinstance(m, SnapshotCollected) and m.key == key else None
        return bool(snap and snap.queues and any(q.name == queue for q in snap.queues.queues))
    return match


async def open_queue(app, pilot, messages: Collected, key: str, queue: str, timeout: float = 60) -> None:
    """From the overview to the queue's detail view, through the queue list's filter."""
    await messages.wait_for(has_queue(key, queue), timeout)
    await pilot.pause()
    app.open_target(key)
    await pilot.pause()
    await pilot.press("slash", *queue, "enter")
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, QueueDetailScreen), f"expected the detail of {queue}, got {app.screen}"
    assert queue in screen_text(app)


async def start_reset(pilot, messages: Collected, mode: str) -> int:
    """Press the mode's key on the detail view; returns the index to wait for this run's events from."""
    mark = len(messages.messages)
    await pilot.press(KEYS[mode])
    await pilot.pause()
    assert any(isinstance(s, RunbookScreen) for s in pilot.app.screen_stack), pilot.app.screen_stack
    return mark


async def confirm(pilot, messages: Collected, mark: int, typed: str, timeout: float = 60) -> None:
    """Wait for the confirmation modal, then type ``typed`` and enter."""
    await messages.wait_for(lambda m: isinstance(m, ConfirmationRequested), timeout, after=mark)
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmScreen)
    await pilot.press(*typed, "enter")
    await pilot.pause()


async def result(messages: Collected, mark: int, timeout: float = 150) -> dict:
    """The run's result event; every event of the run is in ``events(messages, mark)``."""
    found = await messages.wait_for(lambda m: isinstance(m, RunbookEvent) and m.event["event"] == "result",
                                    timeout, after=mark)
    return found.event


def events(messages: Collected, mark: int) -> list[dict]:
    return [m.event for m in messages.messages[mark:] if isinstance(m, RunbookEvent)]


async def reset_from_console(app, pilot, messages: Collected, key: str, queue: str, mode: str,
                             typed: str | None = None) -> dict:
    """The whole flow for one queue and mode, typing the queue's name; returns the result event."""
    await open_queue(app, pilot, messages, key, queue)
    mark = await start_reset(pilot, messages, mode)
    await confirm(pilot, messages, mark, typed if typed is not None else queue)
    outcome = await result(messages, mark)
    await pilot.pause()
    return outcome

"""Past-tense messages from poll workers to the App (workers never touch widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from msgops.probes.poller import PollResult


@dataclass
class SnapshotCollected(Message):
    """A poll of one target finished; ``rows`` are its table rows, prepared off the UI thread."""

    key: str
    result: PollResult
    rows: Any = None


@dataclass
class PollFailed(Message):
    """A poll of one target raised instead of producing a snapshot (a bug or a bad reply)."""

    key: str
    error: str

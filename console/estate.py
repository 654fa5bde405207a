"""Latest state of every target, with ages and a short history. Plain Python, no Textual.

The App owns one Estate; workers never write it (their results arrive as messages first).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from msgops.probes.findings import Finding, Severity, worst
from msgops.probes.poller import PollResult

STALE_AFTER_POLLS = 3
"""Data older than this many poll intervals is shown as stale."""


@dataclass
class TargetState:
    """What the console knows about one target."""

    target: Any
    result: PollResult | None = None
    received_at: float | None = None
    """Clock time of the last accepted result."""
    error: str | None = None
    """Why the last poll produced nothing (the worker failed), if it did."""
    history: deque = field(default_factory=lambda: deque(maxlen=120))
    """(time, worst severity) of recent polls, for the later timeline and sparklines."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        if self.result is None:
            if self.error:
                return (Finding(Severity.UNKNOWN, "probe_failed", self.target.name, self.error),)
            return (Finding(Severity.UNKNOWN, "waiting", self.target.name, "first poll in progress"),)
        return self.result.findings

    @property
    def worst(self) -> Severity:
        return worst(self.findings)

    @property
    def snapshot(self) -> Any:
        return self.result.snapshot if self.result else None


class Estate:
    """Every target's TargetState, keyed by (tier, name)."""

    def __init__(self, targets: list[Any], clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.states: dict[str, TargetState] = {key_of(t): TargetState(t) for t in targets}
        self.rows: dict[str, Any] = {}
        """Per target, the queue-table rows built by the worker with its last snapshot."""

    def accept(self, key: str, result: PollResult, rows: Any = None) -> TargetState:
        state = self.states[key]
        if rows is not None:
            self.rows[key] = rows
        state.result, state.error = result, None
        state.received_at = self.clock()
        state.history.append((state.received_at, state.worst))
        return state

    def failed(self, key: str, error: str) -> TargetState:
        state = self.states[key]
        state.error = error
        return state

    def age(self, key: str) -> float | None:
        state = self.states[key]
        return None if state.received_at is None else self.clock() - state.received_at

    def is_stale(self, key: str) -> bool:
        age = self.age(key)
        interval = getattr(self.states[key].target, "poll_interval", 5.0)
        return age is not None and age > STALE_AFTER_POLLS * interval


def key_of(target: Any) -> str:
    return f"{target.tier}/{target.name}"


def format_age(age: float | None) -> str:
    if age is None:
        return "never"
    if age < 60:
        return f"{age:.0f}s ago"
    if age < 3600:
        return f"{age / 60:.0f}m ago"
    return f"{age / 3600:.1f}h ago"

"""Latest state of every target, with ages and a short history. Plain Python, no Textual.

The App owns one Estate; workers never write it (their results arrive as messages first). A result
older than one already accepted for the same target (a late poll) is dropped here too, so what is
on screen only ever moves forward.
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
LIVE_WITHIN_POLLS = 2
"""Data younger than this many poll intervals is shown as "live" (no ticking age to repaint)."""


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
    explained: tuple[Finding, ...] | None = None
    """The result's findings with their cross-tier causes named (``msgops.probes.relate``)."""
    derived_from: str = ""
    """For a target the inventory does not name: what it was derived from (a Zaqar pool's store)."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        if self.result is None:
            if self.error:
                return (Finding(Severity.UNKNOWN, "probe_failed", self.target.name, self.error),)
            return (Finding(Severity.UNKNOWN, "waiting", self.target.name, "first poll in progress"),)
        return self.explained if self.explained is not None else self.result.findings

    @property
    def worst(self) -> Severity:
        return worst(self.findings)

    @property
    def snapshot(self) -> Any:
        return self.result.snapshot if self.result else None


class Estate:
    """Every target's TargetState, keyed by ``<tier>/<name>``."""

    def __init__(self, targets: list[Any], clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.states: dict[str, TargetState] = {key_of(t): TargetState(t) for t in targets}
        self.rows: dict[str, Any] = {}
        """Per target, the table rows its tier's UI prepared with its last snapshot."""

    def accept(self, key: str, result: PollResult, rows: Any = None) -> TargetState | None:
        """Take a poll result; None (and nothing changed) when it is older than what is shown."""
        state = self.states[key]
        if state.result is not None and result.sequence and result.sequence < state.result.sequence:
            return None
        if rows is not None:
            self.rows[key] = rows
        state.result, state.error, state.explained = result, None, None
        state.received_at = self.clock()
        state.history.append((state.received_at, state.worst))
        return state

    def add(self, target: Any, derived_from: str = "") -> str:
        """Watch one more target (derived at run time); returns its key."""
        key = key_of(target)
        if key not in self.states:
            self.states[key] = TargetState(target, derived_from=derived_from)
        return key

    def relate(self) -> list:
        """Name cross-tier causes in every target's findings; returns dependencies nobody watches."""
        from msgops.probes.relate import explain, links

        targets = {k: s.target for k, s in self.states.items()}
        snapshots = {k: s.snapshot for k, s in self.states.items() if s.snapshot is not None}
        found = links(targets, snapshots)
        raw = {k: s.result.findings for k, s in self.states.items() if s.result is not None}
        for key, findings in explain(raw, found).items():
            self.states[key].explained = findings if findings != raw[key] else None
        return [link for link in found if link.provider is None]

    def failed(self, key: str, error: str) -> TargetState:
        state = self.states[key]
        state.error = error
        return state

    def age(self, key: str) -> float | None:
        state = self.states[key]
        return None if state.received_at is None else self.clock() - state.received_at

    def interval(self, key: str) -> float:
        return float(getattr(self.states[key].target, "poll_interval", 5.0))

    def is_stale(self, key: str) -> bool:
        age = self.age(key)
        return age is not None and age > STALE_AFTER_POLLS * self.interval(key)

    def worst_findings(self, limit: int) -> list[tuple[str, Finding]]:
        """The estate's worst non-OK findings, (target key, finding), worst first, for the overview."""
        every = [(key, f) for key, state in self.states.items() for f in state.findings
                 if f.severity is not Severity.OK]
        every.sort(key=lambda kf: -kf[1].severity.rank)
        return every[:limit]


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


def freshness(estate: Estate, key: str, taken_at: float | None = None) -> str:
    """How fresh a target's data is, in words that change rarely: ``live`` while polls keep coming,
    then the age, then ``STALE``. ``taken_at`` (wall clock) ages a part that refreshes less often."""
    age = estate.age(key)
    if age is None:
        return "waiting"
    if taken_at is not None:
        snap = estate.states[key].snapshot
        age += max(0.0, getattr(snap, "taken_at", taken_at) - taken_at)
    interval = estate.interval(key)
    if taken_at is not None:  # a part listed less often (a queue list): minutes are enough
        return "<1m ago" if age < 60 else f"{_coarse(age)} ago"
    if age <= LIVE_WITHIN_POLLS * interval:
        return "live"
    if age > STALE_AFTER_POLLS * interval:
        return f"STALE {_coarse(age)}"
    return f"{_coarse(age)} ago"


def _coarse(age: float) -> str:
    """An age rounded so it changes every few seconds, not every second (an idle SSH link)."""
    if age < 10:
        return "<10s"
    if age < 60:
        return f"{int(age // 5) * 5}s"
    if age < 3600:
        return f"{age // 60:.0f}m"
    return f"{age / 3600:.1f}h"

"""Runs one target's probe cycles and owns their time: never two in flight, a deadline on every cycle,
late results dropped, pausable by runbooks. Plain asyncio: the console (in a Textual worker),
headless commands and tests share it; it never names a tier (the registry's spec does the rest).

A cycle that passes the target's ``cycle_timeout`` still produces a result: what was gathered (the
probe's ``partial()``), assessed, plus an UNKNOWN finding naming every call that did not answer
within how long. So a hung node is a finding within one deadline, never "first poll in progress".
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any

from msgops.probes.findings import Finding, Severity
from msgops.probes.registry import spec_of
from msgops.probes.secrets import scrub
from msgops.probes.tier import Probe, TierSpec

CANCEL_GRACE = 1.0
"""Seconds a timed-out cycle gets to unwind after cancellation before it is abandoned."""

_sequence = itertools.count(1)


@dataclass(frozen=True, slots=True)
class PollResult:
    """A finished (or timed-out) poll: the snapshot, its findings, and how long the cycle took."""

    target: str
    generation: int
    snapshot: Any
    """The tier's snapshot; after a timeout, what the cycle had gathered (None if nothing)."""
    findings: tuple[Finding, ...]
    seconds: float
    sequence: int = 0
    """Increases with every cycle started in this process: a result older than one already shown is
    dropped (``Estate.accept``)."""
    complete: bool = True
    """False when the cycle passed its deadline (or failed) and the snapshot is partial."""


class Poller:
    """Polls one target on demand; the caller owns the clock (a Textual timer, a loop, a test)."""

    def __init__(self, probe: Probe, spec: TierSpec | None = None) -> None:
        self.probe = probe
        self.spec = spec or spec_of(probe.target)
        self.generation = 0
        """Bumped by pause/resume: a poll that started under an older one is dropped."""
        self.previous: Any = None
        """The last complete snapshot, handed to ``assess`` (elections, changes since last poll)."""
        self._in_flight = False
        self._paused: set[str] = set()

    @property
    def target(self) -> Any:
        return self.probe.target

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def paused(self) -> bool:
        return bool(self._paused)

    @property
    def busy(self) -> bool:
        return self._in_flight

    def pause(self, reason: str) -> None:
        """Stop polling (e.g. a runbook step is changing this target); in-flight results are dropped."""
        self._paused.add(reason)
        self.generation += 1

    def resume(self, reason: str) -> None:
        self._paused.discard(reason)
        self.generation += 1

    async def poll_once(self, *, full: bool = False, light: bool = False) -> PollResult | None:
        """One cycle within the target's deadline, or None when paused, already polling, or
        invalidated while running."""
        if self._paused or self._in_flight:
            return None
        self._in_flight = True
        generation, sequence = self.generation, next(_sequence)
        started = time.perf_counter()
        try:
            snapshot, problem = await self._cycle(full, light)
        finally:
            self._in_flight = False
        if generation != self.generation or self._paused:
            return None
        findings = self._assess(snapshot)
        if problem is not None:
            findings = (problem, *findings)
        else:
            self.previous = snapshot
        return PollResult(self.name, generation, snapshot, findings, time.perf_counter() - started,
                          sequence, complete=problem is None)

    async def _cycle(self, full: bool, light: bool) -> tuple[Any, Finding | None]:
        deadline = self.target.cycle_timeout
        task = asyncio.ensure_future(self.probe.poll(full=full, light=light))
        try:
            done, _ = await asyncio.wait({task}, timeout=deadline)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if done:
            try:
                return task.result(), None
            except Exception as exc:  # noqa: BLE001 - a probe bug is a finding, not a crash
                reason = f"probe failed: {type(exc).__name__}: {scrub(str(exc))[:200]}"
                return self._partial(), Finding(Severity.UNKNOWN, "probe_failed", self.name, reason)
        pending = self.probe.pending()
        snapshot = self._partial()
        task.cancel()
        await asyncio.wait({task}, timeout=CANCEL_GRACE)
        what = "; ".join(pending) if pending else "the cycle as a whole"
        reason = f"poll passed its {deadline:g}s deadline; no answer from: {what}"
        return snapshot, Finding(Severity.UNKNOWN, "cycle_timeout", self.name, scrub(reason))

    def _partial(self) -> Any:
        try:
            return self.probe.partial()
        except Exception:  # noqa: BLE001 - nothing gathered is a valid answer here
            return None

    def _assess(self, snapshot: Any) -> tuple[Finding, ...]:
        if snapshot is None:
            return ()
        try:
            return tuple(self.spec.assess(snapshot, self.previous))
        except Exception as exc:  # noqa: BLE001 - an assessment bug must not hide the target
            return (Finding(Severity.UNKNOWN, "assess_failed", self.name,
                            f"assessment failed: {type(exc).__name__}: {scrub(str(exc))[:200]}"),)

    async def aclose(self) -> None:
        try:
            await asyncio.wait_for(self.probe.aclose(), CANCEL_GRACE * 5)
        except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - closing must never raise
            pass


def make_probe(target: Any) -> Probe:
    """The probe for a target of any tier (through the registry)."""
    return spec_of(target).make_probe(target)


async def poll_all(targets: list[Any], *, full: bool = True, light: bool = False) -> list[PollResult]:
    """Poll every target once, concurrently (headless status/check); each within its own deadline.

    Never raises for one target: a probe that cannot even be built is an UNKNOWN finding."""

    async def one(target: Any) -> PollResult:
        started = time.perf_counter()
        try:
            poller = Poller(make_probe(target))
        except Exception as exc:  # noqa: BLE001
            finding = Finding(Severity.UNKNOWN, "probe_failed", target.name,
                              f"cannot start the probe: {type(exc).__name__}: {scrub(str(exc))[:200]}")
            return PollResult(target.name, 0, None, (finding,), time.perf_counter() - started, complete=False)
        try:
            result = await poller.poll_once(full=full, light=light)
        finally:
            await poller.aclose()
        assert result is not None  # a fresh poller is neither paused nor busy
        return result

    return list(await asyncio.gather(*(one(t) for t in targets)))

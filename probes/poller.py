"""Runs one target's probe cycles: never two in flight, late results dropped, pausable by runbooks.

Plain asyncio so the console (in a Textual worker), headless commands and tests share it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Protocol

from msgops.probes.findings import Finding


class Probe(Protocol):
    """What every tier's probe offers the poller."""

    target: Any

    async def poll(self, *, full: bool = False, light: bool = False) -> Any: ...

    def assess(self, snapshot: Any) -> tuple[Finding, ...]: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PollResult:
    """A finished poll: the snapshot, its findings, and how long the cycle took."""

    target: str
    generation: int
    snapshot: Any
    findings: tuple[Finding, ...]
    seconds: float


class Poller:
    """Polls one target on demand; the caller owns the clock (a Textual timer, a loop, a test)."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe
        self.generation = 0
        """Bumped by pause/resume/invalidate: a poll that started under an older one is dropped."""
        self._in_flight = False
        self._paused: set[str] = set()

    @property
    def name(self) -> str:
        return self.probe.target.name

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
        """One cycle, or None when paused, already polling, or invalidated while running.

        ``light``: the tier's cheaper listing where it has one (RabbitMQ: queues without statistics)."""
        if self._paused or self._in_flight:
            return None
        self._in_flight = True
        generation = self.generation
        started = time.perf_counter()
        try:
            snapshot = await self.probe.poll(full=full, light=light)
            findings = self.probe.assess(snapshot)
        finally:
            self._in_flight = False
        if generation != self.generation or self._paused:
            return None
        return PollResult(self.name, generation, snapshot, findings, time.perf_counter() - started)

    async def aclose(self) -> None:
        await self.probe.aclose()


def make_probe(target: Any) -> Probe:
    """The probe for a target of any tier."""
    if target.tier == "rabbitmq":
        from msgops.probes.rabbitmq import RabbitTierProbe

        return RabbitTierProbe(target)
    raise ValueError(f"no probe for tier {target.tier!r}")


async def poll_all(targets: list[Any], *, full: bool = True, light: bool = False,
                   timeout: float | None = None) -> list[PollResult | BaseException]:
    """Poll every target once, concurrently (headless status/check)."""
    pollers = [Poller(make_probe(t)) for t in targets]

    async def one(p: Poller) -> PollResult | None:
        try:
            return await asyncio.wait_for(p.poll_once(full=full, light=light), timeout)
        finally:
            await p.aclose()

    return list(await asyncio.gather(*(one(p) for p in pollers), return_exceptions=True))

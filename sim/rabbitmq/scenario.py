"""``DemoScenario``: a looping partition story on a clock, for the demo and for tests.

Why: the console should be seen reacting to the lab's most instructive sequence. Steady →
node 3 cut off (each side sees the other down; publishes continue on the majority so a mirrored
queue grows) → link back (``partitions`` listed on both sides) → minority restarted (partitions
clear, its mirrors rejoin unsynchronised) → mirrors synced → again. Message counts drift a
little every tick so the screen looks alive. Times are configurable (tests use fractions of a
second).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Callable

PHASES = ("steady", "cut", "partitioned", "recovered", "synced")


@dataclass
class DemoTimings:
    """Seconds spent in each phase, and between ticks (drift and publishes)."""

    steady: float = 15.0
    cut: float = 30.0
    partitioned: float = 10.0
    recovered: float = 10.0
    """Minority restarted, mirrors unsynchronised; then every mirrored queue is synced."""
    synced: float = 5.0
    tick: float = 1.0


class DemoScenario:
    """Drive ``model`` (a ``ClusterModel``) through the phases; ``await run()`` or
    ``SimCluster.run_scenario(scenario)``.

    node: the node to cut (index or name); publish_queue / publish_per_tick: what keeps being
    published on the majority during the cut; drift: random small count changes each tick;
    loop: start over after ``synced``; on_phase: callback ``(phase_name)`` at each transition.
    """

    def __init__(self, model, timings: DemoTimings | None = None, *, node=3,
                 publish_queue: str = "ha.q1", publish_per_tick: int = 25, drift: bool = True,
                 loop: bool = True, seed: int | None = None,
                 on_phase: Callable[[str], None] | None = None):
        self.model = model
        self.t = timings or DemoTimings()
        self.node = model.node(node)
        self.publish_queue = publish_queue
        self.publish_per_tick = publish_per_tick
        self.drift = drift
        self.loop = loop
        self.rng = random.Random(seed)
        self.on_phase = on_phase
        self.phase = "idle"
        self.cycles = 0
        self.history: list[tuple[float, str]] = []
        self._stop = False

    def stop(self) -> None:
        self._stop = True

    def _enter(self, phase: str) -> None:
        m, n = self.model, self.node
        if phase == "steady":
            q = m.queues.get(("/", self.publish_queue))
            if q is not None and q.messages > 200:  # don't let the demo queue grow forever
                with m.lock:
                    m._drop(q, q.messages - 60)
        elif phase == "cut":
            m.cut(n)
        elif phase == "partitioned":
            m.heal(n)
        elif phase == "recovered":
            m.recover(n)
        elif phase == "synced":
            with m.lock:
                mirrored = [q for q in m.queues.values() if m.is_mirrored(q)]
            for q in mirrored:
                m.sync(q.vhost, q.name)
        self.phase = phase
        self.history.append((time.monotonic(), phase))
        if self.on_phase:
            self.on_phase(phase)

    def _tick(self) -> None:
        if self.drift:
            self.model.drift(self.rng, share=0.2)
        if self.phase == "cut":
            majority = next((x for x in self.model.main_side()), None)
            self.model.publish("/", self.publish_queue, self.publish_per_tick, via=majority)

    async def run(self) -> None:
        """Run the phases (forever when ``loop``); cancel the task or call ``stop()`` to end."""
        while not self._stop:
            for phase in PHASES:
                self._enter(phase)
                deadline = time.monotonic() + getattr(self.t, phase)
                while not self._stop and time.monotonic() < deadline:
                    await asyncio.sleep(min(self.t.tick, max(0.0, deadline - time.monotonic())))
                    self._tick()
                if self._stop:
                    return
            self.cycles += 1
            if not self.loop:
                self.phase = "done"
                return

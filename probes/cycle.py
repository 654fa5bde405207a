"""Bookkeeping of one poll cycle: which calls are still out, and the bounded threads for blocking libraries.

A cycle that passes its deadline must say what did not answer ("GET /api/queues @ http://h2:15672,
4.0 s"), not just that it was slow: every tier client wraps each call in ``Inflight.track()``.
Client libraries that block (pika for the canary, zaqarclient/requests) run in a small thread pool per
tier (``run_blocking``), so one hung library call cannot take every thread of the process.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, Callable, Iterator


class Inflight:
    """The calls a probe has started and not finished, by name."""

    def __init__(self) -> None:
        self._calls: dict[int, tuple[str, float]] = {}
        self._ids = itertools.count()

    @contextmanager
    def track(self, what: str) -> Iterator[None]:
        call = next(self._ids)
        self._calls[call] = (what, time.monotonic())
        try:
            yield
        finally:
            self._calls.pop(call, None)

    def pending(self) -> list[str]:
        """Each outstanding call with how long it has been out, oldest first."""
        now = time.monotonic()
        return [f"{what} ({now - since:.1f}s)" for what, since in sorted(self._calls.values(), key=lambda c: c[1])]

    def clear(self) -> None:
        self._calls.clear()


_pools: dict[str, ThreadPoolExecutor] = {}


def pool(tier: str) -> ThreadPoolExecutor:
    """The tier's bounded thread pool (created on first use, sized by its spec's blocking_workers)."""
    if tier not in _pools:
        from msgops.probes.registry import spec

        workers = spec(tier).blocking_workers
        _pools[tier] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"msgops-{tier}")
    return _pools[tier]


async def run_blocking(tier: str, function: Callable[..., Any], *args: Any, deadline: float) -> Any:
    """``function(*args)`` on the tier's pool; ``asyncio.TimeoutError`` after ``deadline`` seconds
    (the thread finishes on its own, bounded by the library's socket timeouts)."""
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(pool(tier), partial(function, *args))
    return await asyncio.wait_for(future, deadline)

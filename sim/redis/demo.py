"""The Redis part of ``msgops demo``: two simulated Redis servers, the stores of Zaqar pools.

It publishes what the Zaqar demo (later in the registry's order) needs to put pools on them, in
``options.published`` (a dict of strings, so the schedule is published as numbers of seconds):

- ``redis.pool1``, ``redis.pool2``: each store's URI as Zaqar writes it (``redis://:pw@127.0.0.1:PORT?dbid=N``);
- ``redis.pool2.down_after``, ``redis.pool2.down_for``: unless ``options.steady``, pool2's Redis
  dies that many seconds after this demo started (``incident_after`` + 5) and comes back (a restart,
  a few seconds of loading) that many seconds later. The Zaqar demo marks that pool's store down
  at the same time, so its pool finding names this server's state as the cause.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from typing import Iterator

from msgops.sim.demo_options import DemoOptions

DOWN_DELAY = 5.0
"""Seconds after ``incident_after`` that pool2's store dies (the other tiers' incidents come first)."""
DOWN_FOR = 25.0
LOADING_FOR = 6.0
"""Seconds pool2's Redis spends loading its dataset after it comes back."""

INVENTORY = """\
[redis.pool1]
url = "{pool1}"
poll_interval = 2.0
latency_warn = 0.5

[redis.pool2]
url = "{pool2}"
poll_interval = 2.0
latency_warn = 0.5
"""
"""``latency_warn`` is raised: the simulators share the console's process (and its GIL), so a PING can
take tens of milliseconds there without anything being wrong."""


@contextmanager
def demo_servers(options: DemoOptions, *, down_delay: float = DOWN_DELAY, down_for: float = DOWN_FOR,
                 loading_for: float = LOADING_FOR) -> Iterator[tuple[str, dict]]:
    """Start both servers; yield (inventory TOML, {"pool1": SimRedis, "pool2": SimRedis}); stop on exit.
    The keyword arguments shorten the incident for tests."""
    from msgops.sim.redis.server import SimRedis

    password = secrets.token_urlsafe(12)
    servers = {
        "pool1": SimRedis(password=password, keys={1: 240}, maxmemory=256 * 2**20, maxmemory_policy="noeviction"),
        "pool2": SimRedis(password=password, keys={2: 75}, maxmemory=256 * 2**20, maxmemory_policy="noeviction"),
    }
    started = []
    try:
        for sim in servers.values():
            sim.start_in_thread()
            started.append(sim)
        servers["pool1"].memory(0.42)
        servers["pool2"].memory(0.18)
        options.published["redis.pool1"] = servers["pool1"].zaqar_uri(1)
        options.published["redis.pool2"] = servers["pool2"].zaqar_uri(2)
        if not options.steady:
            down_after = options.incident_after + down_delay
            pool2 = servers["pool2"]
            pool2.at(down_after, pool2.down)
            pool2.at(down_after + down_for, lambda: pool2.up(loading=loading_for))
            options.published["redis.pool2.down_after"] = f"{down_after:g}"
            options.published["redis.pool2.down_for"] = f"{down_for:g}"
        yield INVENTORY.format(pool1=servers["pool1"].url(1), pool2=servers["pool2"].url(2)), servers
    finally:
        for sim in started:
            sim.stop_in_thread()


@contextmanager
def demo_targets(options: DemoOptions) -> Iterator[str]:
    """The tier's demo hook (``SPEC.demo``): inventory TOML for its simulated servers."""
    with demo_servers(options) as (toml, _):
        yield toml

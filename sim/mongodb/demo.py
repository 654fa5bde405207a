"""The MongoDB part of ``msgops demo``: the 3-member replica set ``catalog`` (Zaqar's catalogue and
messages, ``w=2``, ``readPreference=secondaryPreferred``), with a user, served on loopback.

Its story (unless ``options.steady``), after ``options.incident_after`` seconds of calm:
a secondary starts lagging (a few seconds behind, then more every few seconds: lag warning, then
critical, then the oplog headroom warning), then falls off the oplog and goes stale (RECOVERING:
it needs a resync); meanwhile the primary steps down once (an election, a new primary). Later the
stale member is resynced (STARTUP2 → SECONDARY) and the set is healthy again. The oplog is kept
tiny (DEMO_OPLOG seconds) so all of this fits in about two minutes.

Everything runs on the simulator's own loop thread (its ``scheduled`` list): nothing here ever
blocks the console's event loop. The set's URI is published as ``options.published["mongodb.catalog"]``
for later tiers' demos (a Zaqar pool on it).
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from msgops.sim.demo_options import DemoOptions
from msgops.sim.mongodb.model import Timing
from msgops.sim.mongodb.replset import SimReplicaSet

DEMO_OPLOG = 150.0
"""Seconds of oplog each demo member keeps: small, so the lagging member goes stale in the demo."""
DEMO_TIMING = Timing(heartbeat_interval=1.0, heartbeat_timeout=4.0, election_timeout=4.0, step_up_delay=0.3,
                     write_interval=1.0, initial_sync=8.0)

INVENTORY = """\
[mongodb.catalog]
uri = "{uri}"
poll_interval = 2.0
connect_timeout = 1.0
call_timeout = 2.0
lag_warn = 10.0
lag_crit = 60.0
headroom_warn = 60.0
"""


@dataclass(frozen=True)
class DemoScript:
    """Seconds after the calm (``incident_after``) at which each part of the story happens."""

    lag_start: float = 0.0
    lag_step: float = 4.0
    """Every this many seconds the lagging member falls further behind..."""
    lag_increment: float = 12.0
    """...by this many seconds, until it passes the oplog window."""
    step_down: float = 40.0
    resync: float = 90.0


def run_story(rs: SimReplicaSet, after: float, script: DemoScript = DemoScript()) -> None:
    """Schedule the story on the simulator's own loop (see the module docstring)."""
    laggard = 2

    def at(delay: float, action: Callable[[], None]) -> None:
        with rs.model.lock:
            rs.scheduled.append((rs.model.clock() + after + delay, action))

    def fall_behind(seconds: float) -> Callable[[], None]:
        def act() -> None:
            if seconds > rs.model.oplog_window:
                rs.make_stale(laggard)
                return
            rs.lag(laggard, seconds)
            with rs.model.lock:
                rs.scheduled.append((rs.model.clock() + script.lag_step, fall_behind(seconds + script.lag_increment)))
        return act

    at(script.lag_start, fall_behind(5.0))
    rs.schedule_step_down(after + script.step_down, seconds=30.0)
    at(script.resync, lambda: rs.resync(laggard))


@contextmanager
def demo_set(options: DemoOptions, script: DemoScript = DemoScript()) -> Iterator[tuple[str, SimReplicaSet]]:
    """Start the set; yield (inventory TOML, the SimReplicaSet); stop it on exit."""
    rs = SimReplicaSet(3, set_name="catalog", user="msgops", password=secrets.token_urlsafe(12),
                       timing=Timing(**vars(DEMO_TIMING)), oplog_window=DEMO_OPLOG)
    rs.start_in_thread()
    try:
        uri = f"{rs.uri}&w=2&readPreference=secondaryPreferred"  # as zaqar.conf writes it
        options.published["mongodb.catalog"] = uri
        if not options.steady:
            rs.loop.call_soon_threadsafe(run_story, rs, options.incident_after, script)
        yield INVENTORY.format(uri=uri), rs
    finally:
        rs.stop_in_thread()


@contextmanager
def demo_targets(options: DemoOptions) -> Iterator[str]:
    """The tier's demo hook (``SPEC.demo``): inventory TOML for its simulated replica set."""
    with demo_set(options) as (toml, _):
        yield toml

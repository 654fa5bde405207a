"""Fixtures for the MongoDB tests: a running ``SimReplicaSet`` with fast timings, pymongo clients with
bounded timeouts, helpers that compare pymongo's topology with the simulator's, and (for the probe,
runbook and console tests) ``backend``: the simulator, then real mongod when one is on PATH.

Why: every test talks to the simulator over real sockets through pymongo, exactly as a probe
talks to a real set; nothing is mocked. Every wait has a deadline.
"""

from __future__ import annotations

import time

import pymongo
import pytest

from msgops.sim.mongodb import SimReplicaSet, Timing
from msgops.sim.mongodb.model import PRIMARY, RECOVERING, SECONDARY, STARTUP2
from tests.mongodb.backends import FAST, LabBackend, SimBackend, require_mongod

# What a probe should pass: heartbeats ≥ 500 ms; connectTimeoutMS bounds a hung member's check
# (pymongo's monitor uses it as the socket timeout); socketTimeoutMS bounds commands.
CLIENT_OPTIONS = dict(heartbeatFrequencyMS=500, connectTimeoutMS=1000, socketTimeoutMS=3000,
                      serverSelectionTimeoutMS=5000)


def fast_set(**kwargs) -> SimReplicaSet:
    kwargs.setdefault("timing", Timing(**vars(FAST)))
    return SimReplicaSet(kwargs.pop("members", 3), **kwargs)


@pytest.fixture
def rs():
    sim = fast_set().start_in_thread()
    yield sim
    sim.stop_in_thread()


@pytest.fixture
def clients():
    """``clients(uri, **opts)`` makes a MongoClient that is closed after the test."""
    made: list[pymongo.MongoClient] = []

    def make(uri: str, **opts) -> pymongo.MongoClient:
        client = pymongo.MongoClient(uri, **{**CLIENT_OPTIONS, **opts})
        made.append(client)
        return client

    yield make
    for c in made:
        c.close()


def wait_until(predicate, timeout: float = 8.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout} s (last: {last!r})")


def address(host: str) -> tuple[str, int]:
    h, _, p = host.rpartition(":")
    return h, int(p)


def expected_types(sim: SimReplicaSet) -> dict[tuple[str, int], str]:
    """The pymongo server type each member should have, from the simulator's own state.

    A primary that is not the highest-term one is what pymongo calls a stale primary
    (lower electionId): Unknown. Down and hung members are Unknown.
    """
    out = {}
    with sim.model.lock:
        top = max((m.term for m in sim.model.primaries() if m.responsive), default=None)
        for m in sim.model.members:
            if not m.responsive:
                kind = "Unknown"
            elif m.state == PRIMARY:
                kind = "RSPrimary" if m.term == top else "Unknown"
            elif m.state == SECONDARY:
                kind = "RSSecondary"
            elif m.state in (RECOVERING, STARTUP2):
                kind = "RSOther"
            else:
                kind = "RSArbiter" if m.arbiter else "RSOther"
            out[address(m.host)] = kind
    return out


def pymongo_types(client) -> dict[tuple[str, int], str]:
    """pymongo's own view: ``{(host, port): server type name}``."""
    return {addr: sd.server_type_name
            for addr, sd in client.topology_description.server_descriptions().items()}


def wait_agree(client, sim: SimReplicaSet, timeout: float = 8.0) -> dict:
    """Wait until pymongo's topology equals the simulator's state; return it."""
    return wait_until(lambda: pymongo_types(client) == expected_types(sim) and expected_types(sim),
                      timeout, what=f"pymongo view == simulator {sim.states()}")


# --- the probe and runbook tests: the same cases on the simulator and on real mongod ------------------


@pytest.fixture(scope="session")
def mongod_lab(tmp_path_factory):
    """Three real mongod for the session (only where mongod is on PATH)."""
    from msgops.lab.mongodb import MongoLab

    require_mongod()
    lab = MongoLab(tmp_path_factory.mktemp("mongod-lab"))
    lab.up()
    try:
        yield lab
    finally:
        lab.down()


@pytest.fixture(params=["sim", pytest.param("mongod", marks=pytest.mark.lab)])
def backend(request):
    """A steady 3-member set with a user: the simulator, then real mongod when there is one."""
    if request.param == "sim":
        sim = SimBackend().start()
        yield sim
        sim.stop()
        return
    real = LabBackend(request.getfixturevalue("mongod_lab"))
    yield real
    real.reset()


@pytest.fixture
def simset():
    """The simulator alone, for states a real set cannot be put in on demand here (lag of N seconds,
    a stale member, a split into two primaries, a standalone or uninitialised server)."""
    sim = SimBackend().start()
    yield sim
    sim.stop()

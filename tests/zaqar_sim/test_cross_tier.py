"""Across tiers, on real sockets: a Zaqar pool on a MongoDB replica set and one on a Redis server.
When the set loses its primary (or the Redis dies) and Zaqar reports the pool unreachable, the pool's
findings name the store's state as the cause ("← mongodb/catalog: ..."), in ``status`` as in the
console; a store the inventory does not name is watched as a derived, read-only target."""

from __future__ import annotations

import time

import pytest

from msgops.console.headless import collect
from msgops.probes.findings import Severity
from msgops.sim.mongodb import SimReplicaSet, Timing
from msgops.sim.redis.server import SimRedis
from msgops.sim.zaqar import Timings, ZaqarSim

from .helpers import inventory

FAST = Timing(heartbeat_interval=0.5, heartbeat_timeout=1.0, election_timeout=1.0, step_up_delay=0.1,
              write_interval=0.5, initial_sync=0.5)


@pytest.fixture
def stores():
    rs = SimReplicaSet(3, set_name="catalog", user="zaqar", password="Mongo-pw-31", timing=Timing(**vars(FAST)))
    redis = SimRedis(password="Redis-pw-32")
    rs.start_in_thread()
    redis.start_in_thread()
    zaqar = ZaqarSim(pools=0, timings=Timings.fast(0.5))
    zaqar.model.upsert_pool("catalog", 100, f"{rs.uri}&w=2&readPreference=secondaryPreferred")
    zaqar.model.upsert_pool("POOL2", 50, redis.zaqar_uri(2))
    zaqar.start_in_thread()
    try:
        yield rs, redis, zaqar
    finally:
        zaqar.stop_in_thread()
        redis.stop_in_thread()
        rs.stop_in_thread()


def rows_by_key(inv):
    return {f"{t.tier}/{t.name}": (t, r) for t, r in collect(inv)}


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout:g}s")


def test_a_pool_finding_names_its_replica_set_and_redis_as_the_cause(tmp_path, stores):
    rs, redis, zaqar = stores
    body = (f'[zaqar.z]\nendpoint = "{zaqar.endpoint}"\nproject_id = "demo"\n\n'
            f'[mongodb.catalog]\nuri = "{rs.uri}"\nconnect_timeout = 1.0\ncall_timeout = 2.0\n')
    _, inv = inventory(tmp_path, body)
    healthy = rows_by_key(inv)
    assert "redis/pool2-store" in healthy  # derived: the inventory names no Redis
    assert healthy["redis/pool2-store"][0].read_only
    assert all(f.severity is Severity.OK for f in healthy["zaqar/z"][1].findings)

    primary = rs.primary
    for member in [m for m in range(3) if m != primary.id][:2]:
        rs.member_down(member, detected=True)
    zaqar.store_down("catalog")  # what Zaqar sees: its store has no primary to write to
    redis.down()
    zaqar.store_down("POOL2")

    def explained():
        rows = rows_by_key(inv)
        findings = rows["zaqar/z"][1].findings
        catalog = next((f for f in findings if f.code == "pool_unreachable" and f.subject == "catalog"), None)
        pool2 = next((f for f in findings if f.code == "pool_unreachable" and f.subject == "POOL2"), None)
        if catalog and "← mongodb/catalog:" in catalog.reason and pool2 and "← redis/pool2-store:" in pool2.reason:
            return catalog, pool2, rows
        return None

    catalog, pool2, rows = wait_for(explained, 30, "both causes named")
    assert "primary" in catalog.reason.split("←")[1]
    assert "Mongo-pw-31" not in catalog.reason and "Redis-pw-32" not in pool2.reason
    untouched = [f for f in rows["zaqar/z"][1].findings if f.subject not in ("catalog", "POOL2")]
    assert not any("←" in f.reason for f in untouched)  # only the pools' findings name a cause

"""Across tiers: a dependency on a Redis URI (a Zaqar pool's store) is matched to the Redis target
watching that server, whatever the database; a target is derived from the URI when the inventory
has none; and a down server is named as the cause in the dependent's finding."""

from __future__ import annotations

from msgops.probes.findings import Finding, Severity
from msgops.probes.inventory import TableContext
from msgops.probes.redis.assess import assess
from msgops.probes.redis.collect import RedisProbe
from msgops.probes.registry import spec
from msgops.probes.relate import Link, derived_targets, describe, explain, identity_of
from msgops.probes.tier import Dependency
from tests.redis.conftest import PASSWORD, target_for

CTX = TableContext("inventory.toml", {}, read_only=True)


def pool_dependency(uri: str) -> Dependency:
    return Dependency(subjects=("POOL2",), uri=uri, what="pool POOL2's store")


def test_a_dependency_on_any_db_of_the_server_is_matched_to_the_target(sim):
    redis = spec("redis")
    target = target_for(sim.port, db=0, name="pool2")
    served = redis.identities(target)
    for uri in (f"redis://127.0.0.1:{sim.port}/2", sim.zaqar_uri(2), f"redis://:{PASSWORD}@127.0.0.1:{sim.port}?dbid=7"):
        assert identity_of(uri) in served, uri
    assert identity_of(f"redis://127.0.0.1:{sim.port + 1}/2") not in served
    assert identity_of("redis://a:26379,b:26379?master=m") is None  # Sentinel: no server to name


async def test_a_target_is_derived_from_the_uri_when_the_inventory_lacks_one(sim):
    dependency = pool_dependency(sim.zaqar_uri(2))
    unwatched = Link("zaqar/lab", dependency, identity_of(dependency.uri), provider=None)
    ((link, target),) = derived_targets([unwatched, unwatched], {}, CTX)  # one target per identity
    assert (target.tier, target.name, target.host, target.port, target.db, target.read_only) == \
        ("redis", "pool2-store", "127.0.0.1", sim.port, 2, True)
    assert PASSWORD not in target.display_url and PASSWORD not in describe(link)
    probe = RedisProbe(target)  # the password came with the URI: the derived target can poll
    try:
        snapshot = await probe.poll()
    finally:
        await probe.aclose()
    assert [f.code for f in assess(snapshot)] == ["healthy"]


async def test_the_servers_state_is_named_as_the_cause_of_the_pool_finding(sim):
    target = target_for(sim.port, name="pool2")
    sim.down()
    probe = RedisProbe(target)
    try:
        redis_findings = assess(await probe.poll())
    finally:
        await probe.aclose()
    pool = Finding(Severity.CRITICAL, "pool_store_down", "POOL2", "pool POOL2 storage unreachable")
    link = Link("zaqar/lab", pool_dependency(f"redis://127.0.0.1:{sim.port}/2"),
                identity_of(f"redis://127.0.0.1:{sim.port}/2"), provider="redis/pool2")
    explained = explain({"zaqar/lab": (pool,), "redis/pool2": redis_findings}, [link])
    (finding,) = explained["zaqar/lab"]
    assert finding.reason == (f"pool POOL2 storage unreachable ← redis/pool2: connection refused at "
                              f"127.0.0.1:{sim.port}: no Redis listens there")

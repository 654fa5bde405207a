"""The Zaqar assessment on snapshots built from real Zaqar 23.0.1 replies (tests/data/zaqar)."""

from __future__ import annotations

import time
from dataclasses import replace

from msgops.probes.findings import Severity
from msgops.probes.zaqar.assess import assess, store_identity
from msgops.probes.zaqar.model import Flavor, Problem
from msgops.probes.zaqar.parse import parse_pools

from tests.zaqar.samples import body, snapshot, with_weights


def by_code(findings):
    return {f.code: f for f in findings}


def test_dead_pool_with_and_without_weight():
    down = snapshot("52-down-pools-list", "51-down-health", ping="50-down-ping", placement="placement-initial")
    found = by_code(assess(down))
    assert found["pool_unreachable"].subject == "POOL2" and "its 6 queue(s) fail" in found["pool_unreachable"].reason
    assert "post_messages" in found["pool_unreachable"].reason
    assert "(50% of new queues)" in found["dead_pool_weighted"].reason
    assert found["catalog_unreachable"].severity is Severity.WARNING  # Zaqar 23 says so with a dead pool
    drained = by_code(assess(with_weights(down, POOL2=0)))
    assert "pool_unreachable" in drained and "dead_pool_weighted" not in drained


def test_catalog_unreachable_alone_is_critical():
    snap = snapshot()
    snap = replace(snap, health=replace(snap.health, catalog_reachable=False))
    assert by_code(assess(snap))["catalog_unreachable"].severity is Severity.CRITICAL


def test_flavor_naming_a_missing_pool_and_stale_health():
    snap = snapshot("87-pools-list-with-flavor", flavors="86-flavors-list")
    snap = replace(snap, flavors=(Flavor("gold", ("POOL2", "POOL9")),),
                   health=replace(snap.health, taken_at=time.time() - 600))
    found = by_code(assess(snap))
    assert "POOL9" in found["flavor_pool_missing"].reason and found["flavor_pool_missing"].subject == "flavor gold"
    assert "health_stale" in found


def test_ping_500_after_a_cold_restart():
    found = by_code(assess(snapshot(health=None, ping="68-cold-down-ping")))
    assert found["ping_failed"].severity is Severity.CRITICAL and "driver" in found["ping_failed"].reason


def test_api_down_stops_at_one_finding_and_auth_severities():
    down = snapshot(problem=Problem("api_down", "refused"))
    assert [f.code for f in assess(down)] == ["api_down"]
    for code, severity in (("auth_bad_credentials", Severity.UNKNOWN), ("auth_token_rejected", Severity.CRITICAL),
                           ("auth_token_expired", Severity.WARNING), ("keystone_unreachable", Severity.CRITICAL)):
        (f, *_) = assess(snapshot(pools=None, health=None, problem=Problem(code, "x")))
        assert (f.code, f.severity, f.subject) == (code, severity, "Zaqar auth")


def test_subjects_that_are_not_pools_cannot_be_pool_names():
    down = snapshot("52-down-pools-list", "51-down-health", ping="50-down-ping")
    for f in assess(with_weights(down, POOL1=0, POOL2=0)):
        assert f.subject in ("POOL1", "POOL2") or " " in f.subject, f


def test_store_identity_ignores_the_database_and_credentials():
    pools = parse_pools(body("19-pools-list-detailed")["pools"])
    assert store_identity(pools[0].store.reveal()) == "redis://127.0.0.1:6379"
    assert store_identity("redis://:pw@127.0.0.1:6379?dbid=3") == "redis://127.0.0.1:6379"
    assert (store_identity("mongodb://u:p@H2:27017,h1/?replicaSet=rs&w=2")
            == "mongodb://h1:27017,h2:27017/?replicaSet=rs")

"""The Zaqar probe against the simulator over real sockets: every page of pools, auth through the
Keystone stand-in and its failures told apart, a dead store within the probe's deadlines while the
pool list keeps refreshing, the one-request-at-a-time server, placement from the management store."""

from __future__ import annotations

import json
import time

import pytest

from msgops.console.headless import jsonable
from msgops.probes.poller import Poller, make_probe
from msgops.probes.secrets import scrub
from msgops.sim.zaqar import Timings, ZaqarSim

from .helpers import clouds_yaml, codes, finding, inventory, noauth_toml, poll_once, poll_until


@pytest.fixture
def sim():
    s = ZaqarSim(pools=3, queues=12, timings=Timings.fast(2.0), seed=5).start_in_thread()
    try:
        yield s
    finally:
        s.stop_in_thread()


@pytest.fixture
def ks_sim():
    s = ZaqarSim(pools=2, keystone=True, timings=Timings.fast(0.5), seed=5).start_in_thread()
    s.add_user("viewer", "viewer-pw", project="demo")
    try:
        yield s
    finally:
        s.stop_in_thread()


def target_of(tmp_path, body: str, env: dict | None = None):
    _, inv = inventory(tmp_path, body, env=env)
    return inv.targets[0]


async def test_every_page_of_pools_no_auth(tmp_path):
    with ZaqarSim(pools=45, timings=Timings.fast(0.5)) as big:
        target = target_of(tmp_path, noauth_toml(big))
        result = await poll_once(target, full=True)
    snap = result.snapshot
    assert len(snap.pools) == 45 and {p.name for p in snap.pools} == {f"POOL{i}" for i in range(1, 46)}
    assert [c.what for c in snap.calls][:3] == ["GET /v2/pools", "GET /v2/pools page 2", "GET /v2/pools page 3"]
    assert snap.health is not None and len(snap.health.pools) == 45 and codes(result) == {"healthy"}
    assert snap.placement is None  # no management_store: the pane says unknown


async def test_pools_through_keystone_cloud_and_password(tmp_path, ks_sim):
    clouds = clouds_yaml(tmp_path / "clouds.yaml", ks_sim.keystone_endpoint, {"sim-admin": ("admin", "admin", "admin")})
    for body in (f'[zaqar.c]\ncloud = "sim-admin"\nclouds_yaml = "{clouds}"\n',
                 f'[zaqar.p]\nauth_url = "{ks_sim.keystone_endpoint}/v3"\nusername = "admin"\npassword = "admin"\n'
                 'project_name = "admin"\n'):
        result = await poll_once(target_of(tmp_path, body), full=True)
        assert codes(result) == {"healthy"}, result.findings
        assert result.snapshot.endpoint == ks_sim.endpoint  # from the catalog's messaging service
        assert [p.name for p in result.snapshot.pools] == ["POOL1", "POOL2"]


async def test_auth_failures_are_told_apart(tmp_path, ks_sim):
    keystone = ks_sim.keystone_endpoint
    wrong = f'[zaqar.w]\nauth_url = "{keystone}/v3"\nusername = "admin"\npassword = "WRONG-pw-1"\nproject_name = "admin"\n'
    member = f'[zaqar.m]\nauth_url = "{keystone}/v3"\nusername = "viewer"\npassword = "viewer-pw"\nproject_name = "demo"\n'
    result = await poll_once(target_of(tmp_path, wrong))
    f = finding(result, "auth_bad_credentials")
    assert f is not None and f.subject == "Zaqar auth" and "WRONG-pw-1" not in f.reason
    result = await poll_once(target_of(tmp_path, member))
    f = finding(result, "auth_role_missing")
    assert f is not None and "member, reader" in f.reason and "admin role" in f.reason
    result = await poll_once(target_of(tmp_path, noauth_toml(ks_sim)))
    assert finding(result, "auth_no_token") is not None
    with ZaqarSim(pools=1, timings=Timings.fast(0.5), auth="keystone") as other:  # knows none of its tokens
        body = (f'[zaqar.r]\nendpoint = "{other.endpoint}"\nauth_url = "{keystone}/v3"\nusername = "admin"\n'
                'password = "admin"\nproject_name = "admin"\n')
        assert finding(await poll_once(target_of(tmp_path, body)), "auth_token_rejected") is not None


async def test_a_revoked_token_is_expired_then_renewed(tmp_path, ks_sim):
    body = f'[zaqar.p]\nauth_url = "{ks_sim.keystone_endpoint}/v3"\nusername = "admin"\npassword = "admin"\nproject_name = "admin"\n'
    poller = Poller(make_probe(target_of(tmp_path, body)))
    try:
        first = await poller.poll_once()
        assert codes(first) == {"healthy"}
        assert codes(await poller.poll_once()) == {"healthy"}
        with ks_sim.tokens.lock:
            used = [t for t, ident in ks_sim.tokens.tokens.items() if ident.user == "admin"]
        assert len(used) == 1  # one token for both polls: reused for its lifetime
        for token in used:
            ks_sim.tokens.revoke(token)
            assert token not in scrub(f"token {token}")  # every token msgops held is a secret
        second = await poller.poll_once()
        assert finding(second, "auth_token_expired") is not None
        third = await poller.poll_once()  # the session re-authenticated: a fresh token works
        assert codes(third) == {"healthy"}, third.findings
    finally:
        await poller.aclose()


async def test_api_down_and_hung(tmp_path, sim):
    target = target_of(tmp_path, noauth_toml(sim, call_timeout=1.0))
    sim.api_down()
    result = await poll_once(target)
    assert finding(result, "api_down") is not None and len(result.snapshot.calls) == 1
    sim.api_up()
    sim.hang()
    try:
        started = time.monotonic()
        result = await poll_once(target)
        assert time.monotonic() - started < 3.0  # the first silent call ends the poll
        assert "within 1s" in finding(result, "api_unresponsive").reason
    finally:
        sim.unhang()


async def test_a_dead_store_never_blocks_the_pool_list(tmp_path, sim):
    """Health takes 2 s on this simulator while a store is down (12-18 s on the lab): polls return at
    once with the pools refreshed and health pending, then the finding arrives."""
    target = target_of(tmp_path, noauth_toml(sim, poll_interval=1.0, health_interval=60.0))
    poller = Poller(make_probe(target))
    try:
        assert codes(await poller.poll_once()) == {"healthy"}
        sim.store_down("POOL2")
        started = time.monotonic()
        result = await poller.poll_once()  # ping 503 (0.8 s): health starts, the poll does not wait for it
        assert time.monotonic() - started < 2.5 and result.snapshot.ping == 503
        assert result.snapshot.health_pending is not None and result.snapshot.pools_taken_at >= started - 1
        sim.model.update_pool("POOL3", weight=7)  # the pool list is live while health is out
        result = await poller.poll_once()
        assert dict((p.name, p.weight) for p in result.snapshot.pools)["POOL3"] == 7
        result = await poll_until(poller, lambda r: finding(r, "dead_pool_weighted", "POOL2") is not None,
                                  timeout=target.health_timeout, what="POOL2's dead store")
        assert finding(result, "pool_unreachable", "POOL2").severity.label == "crit"
        assert "msgops runbook run pool-reweight" in finding(result, "dead_pool_weighted").advice
        assert time.monotonic() - started < 8.0
        sim.store_up("POOL2")
        await poll_until(poller, lambda r: codes(r) == {"healthy"}, timeout=15, what="recovery")
    finally:
        await poller.aclose()


async def test_one_request_at_a_time_server_is_not_queued_behind_health(tmp_path):
    with ZaqarSim(pools=2, timings=Timings.fast(3.0), serial=True) as serial:
        target = target_of(tmp_path, noauth_toml(serial, poll_interval=1.0, call_timeout=2.0))
        poller = Poller(make_probe(target))
        try:
            first = await poller.poll_once()
            assert first.snapshot.serial_api is True  # its Server header says wsgiref
            serial.store_down("POOL1")
            await poller.poll_once()  # ping changes: health starts (3 s)
            started = time.monotonic()
            waiting = await poller.poll_once()
            assert time.monotonic() - started < 1.0 and waiting.snapshot.waiting_for_health
            assert not waiting.snapshot.calls and finding(waiting, "api_unresponsive") is None
            done = await poll_until(poller, lambda r: finding(r, "pool_unreachable", "POOL1") is not None,
                                    timeout=15, what="POOL1 unreachable")
            assert not done.snapshot.waiting_for_health
        finally:
            await poller.aclose()


async def test_full_poll_waits_for_health(tmp_path, sim):
    sim.store_down("POOL1")
    result = await poll_once(target_of(tmp_path, noauth_toml(sim)), full=True)
    assert result.complete and result.seconds >= 2.0
    assert {"pool_unreachable", "dead_pool_weighted", "ping_failed", "catalog_unreachable"} <= codes(result)


async def test_placement_from_the_management_store(tmp_path):
    db = tmp_path / "catalog.sqlite"
    with ZaqarSim(pools=2, queues=30, timings=Timings.fast(0.5), catalog_db=db, seed=2) as s:
        target = target_of(tmp_path, noauth_toml(s, management_store=s.mirror.url))
        result = await poll_once(target)
        expected: dict[str, int] = {}
        for pool in s.model.placement().values():
            expected[pool] = expected.get(pool, 0) + 1
    placement = result.snapshot.placement
    assert dict(placement.counts) == expected and placement.total == 30 and placement.problem is None
    missing = target_of(tmp_path, noauth_toml(s, management_store=f"sqlite:///{tmp_path}/absent.sqlite"))
    with ZaqarSim(pools=1, timings=Timings.fast(0.5)) as s:
        missing = target_of(tmp_path, noauth_toml(s, management_store=f"sqlite:///{tmp_path}/absent.sqlite"))
        result = await poll_once(missing)
    assert "does not exist" in finding(result, "placement_unreadable").reason


async def test_pool_passwords_never_leave_the_process(tmp_path):
    with ZaqarSim(pools=0, timings=Timings.fast(0.5)) as s:
        s.model.upsert_pool("SECRETIVE", 100, "redis://:RedisPW-777@127.0.0.1:6390?dbid=2")
        s.model.upsert_pool("MONGO", 50, "mongodb://zaqar:MongoPW-888@h1:27017,h2:27017/?replicaSet=rs0")
        s.model.upsert_pool("QUERY", 10, "redis://127.0.0.1:6391?password=QueryPW-999")
        result = await poll_once(target_of(tmp_path, noauth_toml(s)), full=True)
    text = json.dumps(jsonable(result.snapshot)) + repr(result.snapshot)
    for secret in ("RedisPW-777", "MongoPW-888", "QueryPW-999"):
        assert secret not in text and secret not in scrub(f"oops {secret}")
    assert {p.uri for p in result.snapshot.pools} == {
        "redis://:***@127.0.0.1:6390?dbid=2", "mongodb://zaqar:***@h1:27017,h2:27017/?replicaSet=rs0",
        "redis://127.0.0.1:6391?password=***"}


async def test_two_pools_on_one_store_and_all_weights_zero(tmp_path):
    with ZaqarSim(pools=0, timings=Timings.fast(0.5)) as s:
        s.model.upsert_pool("A", 0, "redis://127.0.0.1:6390?dbid=1")
        s.model.upsert_pool("B", 0, "redis://127.0.0.1:6390?dbid=2")
        result = await poll_once(target_of(tmp_path, noauth_toml(s)), full=True)
    assert "pools A, B are on one store" in finding(result, "shared_store").reason
    assert finding(result, "all_weights_zero").subject == "all pools"

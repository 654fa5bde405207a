"""The probe against the simulator, over real sockets: each fault an operator meets becomes the
finding it should, within the target's timeouts, and the probe keeps one connection across polls."""

from __future__ import annotations

import asyncio
import time

import pytest

from msgops.probes.poller import Poller
from msgops.probes.redis.assess import assess
from msgops.probes.redis.collect import RedisProbe
from msgops.sim.redis import SimRedis
from tests.redis.conftest import PASSWORD, target_for


async def poll(probe: RedisProbe, previous=None):
    snapshot = await probe.poll()
    return snapshot, assess(snapshot, previous)


def codes(findings) -> set[str]:
    return {f.code for f in findings}


async def test_a_healthy_server_and_one_connection_across_polls(sim, sim_target):
    probe = RedisProbe(sim_target)
    try:
        for _ in range(3):
            snap, findings = await poll(probe)
            assert codes(findings) == {"healthy"}, findings
        assert sim.state.total_connections == 1 and sim.clients == 1
        assert snap.info.version == "7.0.15" and snap.keys_in_db().keys == 5
        assert "db2 5 keys" in findings[0].reason and [c.what for c in snap.calls] == ["PING", "INFO"]
    finally:
        await probe.aclose()


async def test_down_is_refused_and_says_for_how_long(sim, sim_target):
    probe = RedisProbe(sim_target)
    try:
        await poll(probe)
        sim.down()
        first, findings = await poll(probe)
        assert codes(findings) == {"refused"} and f"127.0.0.1:{sim.port}" in findings[0].reason
        await asyncio.sleep(1.1)
        _, findings = await poll(probe)
        assert "failing for 1s" in findings[0].reason
        sim.up()
        _, findings = await poll(probe)
        assert codes(findings) == {"healthy"}
    finally:
        await probe.aclose()


async def test_a_restart_between_polls_is_not_an_outage(sim, sim_target):
    """The kept connection died with the old process: the probe connects anew in the same poll."""
    probe = RedisProbe(sim_target)
    try:
        await poll(probe)
        sim.down()
        sim.up()
        snap, findings = await poll(probe)
        assert codes(findings) == {"healthy"}
        assert [c.what.split(" ")[0] for c in snap.calls] == ["PING", "connect", "PING", "INFO"]
        assert snap.calls[0].error and snap.calls[1].error is None
    finally:
        await probe.aclose()


async def test_hung_server_is_a_timeout_named_within_call_timeout(sim, sim_target):
    sim.hang()
    probe = RedisProbe(sim_target)
    started = time.monotonic()
    try:
        _, findings = await poll(probe)
    finally:
        await probe.aclose()
    assert time.monotonic() - started < sim_target.call_timeout + 1.0
    assert codes(findings) == {"timeout"}
    assert "gave no answer to the connection handshake" in findings[0].reason and "0.5s (call_timeout)" in findings[0].reason


async def test_a_hang_after_connecting_names_the_call(sim, sim_target):
    probe = RedisProbe(sim_target)
    try:
        await poll(probe)
        sim.hang()
        _, findings = await poll(probe)
        assert codes(findings) == {"timeout"} and "no answer to PING within 0.5s" in findings[0].reason
    finally:
        await probe.aclose()


async def test_the_cycle_deadline_names_what_did_not_answer(sim):
    """A server slower than the whole cycle's deadline: the poller's finding names the call out."""
    target = target_for(sim.port, call_timeout=5.0, cycle_timeout=0.6)
    sim.slow(3.0)
    poller = Poller(RedisProbe(target))
    try:
        result = await poller.poll_once()
    finally:
        await poller.aclose()
    (finding,) = [f for f in result.findings if f.code == "cycle_timeout"]
    assert not result.complete and f"connect (TCP, AUTH, SELECT 2) @ 127.0.0.1:{sim.port}" in finding.reason


async def test_loading_answers_info_only(sim, sim_target):
    sim.loading(30)
    probe = RedisProbe(sim_target)
    try:
        snap, findings = await poll(probe)
    finally:
        await probe.aclose()
    assert snap.ping_error == "LOADING Redis is loading the dataset in memory"
    assert codes(findings) == {"loading"} and "% done" in findings[0].reason and "s left" in findings[0].reason


async def test_memory_near_maxmemory_and_evictions_since_the_last_poll(sim, sim_target):
    probe = RedisProbe(sim_target)
    try:
        sim.memory(0.95, policy="allkeys-lru")
        before, findings = await poll(probe)
        assert codes(findings) == {"memory_high"} and "(95%)" in findings[0].reason
        sim.evict(1200)
        after, findings = await poll(probe)
        assert codes(assess(after, before)) == {"memory_high", "evicting"}
        assert "1,200 keys evicted in the last" in next(f.reason for f in assess(after, before) if f.code == "evicting")
        sim.memory(1.0, policy="noeviction")
        _, findings = await poll(probe)
        assert codes(findings) == {"memory_full"} and "writes are refused (OOM)" in findings[0].reason
    finally:
        await probe.aclose()


async def test_counters_from_an_earlier_run_are_not_compared(sim, sim_target):
    probe = RedisProbe(sim_target)
    try:
        sim.evict(50)
        before, _ = await poll(probe)
        sim.down()
        sim.up()  # a new run: evicted_keys starts from 0 again
        sim.evict(10)
        after, _ = await poll(probe)
        assert "evicting" not in codes(assess(after, before))
    finally:
        await probe.aclose()


async def test_rejected_connections_and_the_client_limit():
    server = SimRedis(password=PASSWORD, maxclients=2).start_in_thread()
    probe = RedisProbe(target_for(server.port))
    other = RedisProbe(target_for(server.port, name="other"))
    try:
        before, _ = await poll(probe)
        _, findings = await poll(other)  # the second connection: the limit is reached
        now, findings = await poll(probe)
        assert "maxclients" in codes(assess(now, before)) and "2/2 clients" in findings[0].reason
        third = RedisProbe(target_for(server.port, name="third"))
        _, refused = await poll(third)
        await third.aclose()
        assert codes(refused) == {"maxclients"} and "max number of clients reached" in refused[0].reason
        later, _ = await poll(probe)
        assert "1 connections rejected" in next(f.reason for f in assess(later, now) if f.code == "rejected_connections")
    finally:
        await probe.aclose()
        await other.aclose()
        server.stop_in_thread()


async def test_replica_with_its_master_link_down(sim, sim_target):
    sim.replica_of("10.0.0.5", 6379, link_up=True)
    probe = RedisProbe(sim_target)
    try:
        _, findings = await poll(probe)
        assert codes(findings) == {"healthy"} and "slave" in findings[0].reason
        sim.master_link(False)
        await asyncio.sleep(1.05)
        _, findings = await poll(probe)
        assert codes(findings) == {"master_link_down"}
        assert "replica of 10.0.0.5:6379: link down for 1s" in findings[0].reason
    finally:
        await probe.aclose()


async def test_slow_answers_and_a_failed_rdb_save(sim):
    sim.slow(0.15)
    sim.rdb_failed()
    probe = RedisProbe(target_for(sim.port, call_timeout=2.0, latency_warn=0.1))
    try:
        _, findings = await poll(probe)
    finally:
        await probe.aclose()
    assert codes(findings) == {"slow", "rdb_save_failed"}
    assert "latency_warn 100 ms" in next(f.reason for f in findings if f.code == "slow")


@pytest.mark.parametrize("password, username, words", [
    (None, None, "NOAUTH: 127.0.0.1:{port} requires a password and none is configured"),
    ("wrong-pw", None, "WRONGPASS: 127.0.0.1:{port} refused user 'default'"),
    ("zq-wrong", "zaqar", "WRONGPASS: 127.0.0.1:{port} refused user 'zaqar'"),
])
async def test_authentication_failures_are_named(password, username, words):
    server = SimRedis(password=PASSWORD, users={"zaqar": "zq-pass"}).start_in_thread()
    probe = RedisProbe(target_for(server.port, password=password, username=username))
    try:
        _, findings = await poll(probe)
    finally:
        await probe.aclose()
        server.stop_in_thread()
    assert codes(findings) == {"auth_failed"} and words.format(port=server.port) in findings[0].reason
    assert "wrong-pw" not in findings[0].reason


async def test_an_acl_user_and_a_password_the_server_does_not_want():
    server = SimRedis(password=PASSWORD, users={"zaqar": "zq-pass"}).start_in_thread()
    open_server = SimRedis().start_in_thread()
    acl = RedisProbe(target_for(server.port, password="zq-pass", username="zaqar"))
    extra = RedisProbe(target_for(open_server.port, password="needless-pw"))
    try:
        _, ok = await poll(acl)
        _, refused = await poll(extra)
    finally:
        for probe in (acl, extra):
            await probe.aclose()
        server.stop_in_thread()
        open_server.stop_in_thread()
    assert codes(ok) == {"healthy"}
    assert codes(refused) == {"auth_failed"} and "has no password for the default user" in refused[0].reason

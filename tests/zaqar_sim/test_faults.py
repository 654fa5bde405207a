"""Faults: a pool's store down, the API down or hung, one request at a time (wsgiref)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from msgops.sim.zaqar import Timings, ZaqarSim

from .conftest import ADMIN, USER

FAST = Timings.fast(0.5)


def timed(fn, *args, **kw):
    t = time.monotonic()
    out = fn(*args, **kw)
    return out, time.monotonic() - t


@pytest.fixture
def sim():
    s = ZaqarSim(pools=2, timings=FAST, seed=3).start_in_thread()
    s.model.seed_queue("demo", "on1", "POOL1")
    s.model.seed_queue("demo", "on2", "POOL2")
    try:
        yield s
    finally:
        s.stop_in_thread()


def test_store_down_then_up(sim, http):
    url = sim.endpoint
    sim.store_down("POOL2")
    r, took = timed(http.get, url + "/v2/ping", headers=USER)
    assert r.status_code == 503 and took >= FAST.ping_down * 0.9
    r, took = timed(http.get, url + "/v2/health", headers=ADMIN)
    assert r.status_code == 200 and took >= FAST.health_down * 0.9
    doc = r.json()
    assert doc["catalog_reachable"] is False
    assert doc["POOL1"]["storage_reachable"] is True
    assert doc["POOL2"]["storage_reachable"] is False
    assert doc["POOL2"]["operation_status"]["post_messages"]["succeeded"] is False
    post = {"messages": [{"ttl": 60, "body": 1}]}
    r = http.post(url + "/v2/queues/on2/messages", headers=USER, json=post)
    assert r.status_code == 503
    assert r.json()["description"].startswith("Messages could not be enqueued.")
    assert http.get(url + "/v2/queues/on2", headers=USER).status_code == 200   # metadata only
    assert http.post(url + "/v2/queues/on1/messages", headers=USER, json=post).status_code == 201
    sim.model.update_pool("POOL1", weight=0)
    assert http.put(url + "/v2/queues/lands-on-dead", headers=USER, json={}).status_code == 201
    assert sim.model.pool_of("demo", "lands-on-dead") == "POOL2"
    sim.store_up("POOL2")
    assert http.get(url + "/v2/ping", headers=USER).status_code == 204
    assert http.post(url + "/v2/queues/on2/messages", headers=USER, json=post).status_code == 201


def test_health_is_slow_but_the_rest_still_answers(sim, http):
    """Not serialised (a WSGI container): a slow health does not hold other calls."""
    sim.store_down("POOL2")
    done = {}
    t = threading.Thread(target=lambda: done.update(r=httpx.get(
        sim.endpoint + "/v2/health", headers=ADMIN, timeout=10)))
    t.start()
    time.sleep(0.1)
    r, took = timed(http.get, sim.endpoint + "/v2/pools", headers=ADMIN)
    assert r.status_code == 200 and took < 0.2
    t.join(5)
    assert done["r"].status_code == 200


def test_one_request_at_a_time_serialises_behind_a_slow_health(sim, http):
    """zaqar-server's wsgiref: the pools list waits until the slow health call is answered."""
    sim.set_serial(True)
    sim.store_down("POOL2")
    finished = {}

    def health():
        httpx.get(sim.endpoint + "/v2/health", headers=ADMIN, timeout=10)
        finished["health"] = time.monotonic()
    t = threading.Thread(target=health)
    start = time.monotonic()
    t.start()
    time.sleep(0.1)
    r = http.get(sim.endpoint + "/v2/pools", headers=ADMIN)
    finished["pools"] = time.monotonic()
    t.join(5)
    assert r.status_code == 200
    assert r.headers["connection"] == "close"       # HTTP/1.0-like: one request a connection
    assert finished["pools"] - start >= FAST.health_down * 0.9
    assert finished["health"] <= finished["pools"] + 0.05    # (client threads wake in any order)
    sim.set_serial(False)
    sim.store_up("POOL2")
    assert "connection" not in http.get(sim.endpoint + "/v2/ping", headers=USER).headers


def test_api_down_refuses_then_comes_back_on_the_same_port(sim, http):
    port = sim.port
    sim.api_down()
    assert not sim.listening
    with pytest.raises(httpx.ConnectError):
        httpx.get(sim.endpoint + "/v2/ping", headers=USER, timeout=2)
    sim.api_up()
    assert sim.port == port
    assert http.get(sim.endpoint + "/v2/ping", headers=USER).status_code == 204


def test_hung_api_accepts_but_never_answers(sim):
    sim.hang()
    with pytest.raises(httpx.ReadTimeout):     # the connection was accepted: a read timeout
        httpx.get(sim.endpoint + "/v2/ping", headers=USER, timeout=httpx.Timeout(0.3))
    result = {}
    t = threading.Thread(target=lambda: result.update(r=httpx.get(
        sim.endpoint + "/v2/ping", headers=USER, timeout=5)))
    t.start()
    time.sleep(0.2)
    assert "r" not in result
    sim.unhang()
    t.join(5)
    assert result["r"].status_code == 204


def test_restart_while_a_store_is_down_makes_drivers_cold(sim, http):
    sim.store_down("POOL2")
    sim.restart_api()
    r = http.get(sim.endpoint + "/v2/ping", headers=USER)
    assert r.status_code == 500
    assert r.json()["description"] == "Error 111 connecting to 127.0.0.1:6380. Connection refused."
    assert http.get(sim.endpoint + "/v2/health", headers=ADMIN).status_code == 503
    sim.store_up("POOL2")
    assert http.get(sim.endpoint + "/v2/ping", headers=USER).status_code == 204


def test_patched_uri_is_ignored_by_the_running_server_until_restart(sim, http):
    """LAB-NOTES: a running Zaqar keeps its connection to a pool's old URI after a PATCH."""
    assert http.patch(sim.endpoint + "/v2/pools/POOL2", headers=ADMIN,
                      json={"uri": "redis://127.0.0.1:6399"}).status_code == 200
    sim.store_down("redis://127.0.0.1:6380")      # the old Redis
    assert http.get(sim.endpoint + "/v2/ping", headers=USER).status_code == 503
    sim.restart_api()
    assert http.get(sim.endpoint + "/v2/ping", headers=USER).status_code == 204


async def test_faults_from_async_code():
    async with ZaqarSim(pools=1, timings=FAST) as sim:
        async with httpx.AsyncClient(base_url=sim.endpoint, timeout=5) as client:
            assert (await client.get("/v2/ping", headers=USER)).status_code == 204
            await sim.api_down()
            with pytest.raises(httpx.ConnectError):
                await client.get("/v2/ping", headers=USER)
            await sim.api_up()
            sim.store_down("POOL1")
            assert (await client.get("/v2/ping", headers=USER)).status_code == 503
            sim.store_up("POOL1")
            assert (await client.get("/v2/ping", headers=USER)).status_code == 204

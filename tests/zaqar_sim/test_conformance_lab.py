"""Conformance: replay the lab's whole Zaqar 23 session (samples 01-97) against the simulator.

The samples were captured in order by one script against one real zaqar-server with two Redis
pools; some steps of that script left no sample (placing q01-q11, weights put back, Redis stopped
and started, zaqar restarted). ``HIDDEN`` redoes those steps (through the API where the lab did,
through the fault methods where the lab stopped a process), then every sample's own request is
sent and its reply compared with the captured one. The placement-*.json snapshots of the lab's
``Catalogue`` table are compared with the simulator's, read back from its SQLite mirror.
"""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from msgops.sim.zaqar import Timings, ZaqarSim, read_placement

from .conftest import ADMIN, DATA, USER, assert_conforms, replay, sample

FAST = Timings.fast(0.75)    # slow answers >= 0.3 s; every other answer well under 0.25 s
INITIAL = sample("placement-initial")["catalog"]
FLAVOR = sample("placement-flavor")["catalog"]


def _put_queues(c: httpx.Client, sim: ZaqarSim, names, body=None, pins=None) -> None:
    for name in names:
        if pins:
            sim.model.pin("demo", name, pins[f"demo/{name}"])
        r = c.put(f"/v2/queues/{name}", headers=USER, json=body or {})
        assert r.status_code == 201, r.text


def _weights(c: httpx.Client, **weights) -> None:
    for pool, weight in weights.items():
        assert c.patch(f"/v2/pools/{pool}", headers=ADMIN, json={"weight": weight}).is_success


def _snap(sim: ZaqarSim, name: str, snaps: dict) -> None:
    snaps[name] = read_placement(sim.mirror.path)
    assert snaps[name] == sim.model.placement()


def _pools_table(sim: ZaqarSim) -> list[dict]:
    db = sqlite3.connect(sim.mirror.path)
    try:
        rows = db.execute('SELECT flavor, name, options, uri, weight FROM "Pools" ORDER BY name')
        return [dict(zip(("flavor", "name", "options", "uri", "weight"), r)) for r in rows]
    finally:
        db.close()


def _q01_message(c, sim):
    r = c.post("/v2/queues/q01/messages", headers=USER,
               json={"messages": [{"ttl": 300, "body": "q01"}]})
    assert r.status_code == 201


HIDDEN = {  # sample number -> steps of the lab script run just before that sample
    38: lambda c, sim, s: sim.model.pin("demo", "q00", INITIAL["demo/q00"]),
    45: lambda c, sim, s: (
        _put_queues(c, sim, [f"q{i:02d}" for i in range(1, 12)], {"description": "lab"}, INITIAL),
        _q01_message(c, sim), _snap(sim, "placement-initial", s),
        s.__setitem__("pools-initial", _pools_table(sim))),
    48: lambda c, sim, s: (_put_queues(c, sim, [f"w0-{i}" for i in range(6)]),
                           _snap(sim, "placement-after-weight0", s)),
    50: lambda c, sim, s: (_weights(c, POOL1=100, POOL2=100), sim.store_down("POOL2")),
    61: lambda c, sim, s: _weights(c, POOL1=0),
    63: lambda c, sim, s: _snap(sim, "placement-orphan-create-on-dead-pool", s),
    64: lambda c, sim, s: (_weights(c, POOL1=100), sim.store_up("POOL2", empty=True)),
    68: lambda c, sim, s: (sim.store_down("POOL2"), sim.restart_api()),
    72: lambda c, sim, s: sim.store_up("POOL2"),
    76: lambda c, sim, s: _snap(sim, "placement-after-pool-delete", s),
    82: lambda c, sim, s: sim.model.pin("demo", "orphan", "POOL1"),
    83: lambda c, sim, s: _snap(sim, "placement-after-pool-recreate", s),
    90: lambda c, sim, s: (
        _put_queues(c, sim, [f"plain-{i}" for i in range(4)], pins=FLAVOR),
        _snap(sim, "placement-flavor", s), s.__setitem__("pools-flavor", _pools_table(sim))),
}
NUMBERED = sorted(p.name for p in DATA.glob("[0-9][0-9]-*.json"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Run the whole session once; yields ``{sample name: (reply, seconds)}`` plus snapshots."""
    db = tmp_path_factory.mktemp("zaqar") / "catalog.sqlite"
    sim = ZaqarSim(pools=0, timings=FAST, seed=7, catalog_db=db).start_in_thread()
    sim.store_down("redis://127.0.0.1:6390")       # nothing listened there in the lab
    sim.store_down("mongodb://127.0.0.1:27017")    # no mongod either
    results: dict = {}
    try:
        with httpx.Client(base_url=sim.endpoint, timeout=10) as client:
            for name in NUMBERED:
                step = HIDDEN.get(int(name[:2]))
                if step:
                    step(client, sim, results)
                results[name] = replay(client, sample(name))
        yield results
    finally:
        sim.stop_in_thread()


@pytest.mark.parametrize("name", NUMBERED)
def test_reply_matches_the_real_server(lab, name):
    resp, _ = lab[name]
    assert_conforms(resp, sample(name))


SLOW = {  # sample -> the Timings field the simulator waits (lab: several seconds)
    "14": "probe_down", "33": "probe_down", "50": "ping_down", "51": "health_down",
    "55": "store_down", "56": "store_down", "57": "store_down", "58": "store_down",
    "63": "probe_down", "68": "store_down", "69": "store_down", "71": "store_down",
    "73": "mongo_probe"}


@pytest.mark.parametrize("name", NUMBERED)
def test_slow_where_the_real_server_was_slow(lab, name):
    _, took = lab[name]
    field = SLOW.get(name[:2])
    if name.startswith("74"):       # serverSelectionTimeoutMS=1000 in the URI
        assert 0.95 <= took < 2.0
    elif field:
        assert took >= getattr(FAST, field) * 0.9
    else:
        assert took < 0.25, f"{name} took {took:.2f}s"


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("placement-*.json")))
def test_placement_matches_the_catalogue_table(lab, name):
    want = sample(name)
    got = lab[name[:-5]]
    if "catalog" in want:
        if name in ("placement-initial.json", "placement-after-pool-delete.json"):
            assert got == want["catalog"]                      # the whole table
        else:
            assert {k: got.get(k) for k in want["catalog"]} == want["catalog"]
    if "orphan" in want:
        assert got["demo/orphan"] == want["orphan"]
    if "queue" in want:
        assert got[f"demo/{want['queue']}"] == want["pool"]
    if "pools" in want:
        key = "pools-initial" if name == "placement-initial.json" else "pools-flavor"
        assert lab[key] == want["pools"]


def test_home_document_is_identical(lab):
    resp, _ = lab["02-home-document.json"]
    assert resp.json() == sample("02-home-document")["body"]      # exact, values included

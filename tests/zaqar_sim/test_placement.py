"""Placement by weight (through the API), flavors, and the SQLite mirror of the Catalogue table."""

from __future__ import annotations

import sqlite3
from collections import Counter

import httpx
import pytest

from msgops.sim.zaqar import ZaqarSim, read_placement

from .conftest import ADMIN, USER


@pytest.fixture
def sim(tmp_path):
    s = ZaqarSim(pools=2, catalog_db=tmp_path / "catalog.sqlite").start_in_thread()
    try:
        yield s
    finally:
        s.stop_in_thread()


def create(client: httpx.Client, names, body=None) -> None:
    for name in names:
        r = client.put(f"/v2/queues/{name}", headers=USER, json=body or {})
        assert r.status_code == 201, r.text


def test_drained_pool_gets_no_new_queue_and_equal_weights_share(sim):
    with httpx.Client(base_url=sim.endpoint, timeout=10) as c:
        create(c, [f"even-{i}" for i in range(200)])
        even = Counter(sim.model.pool_of("demo", f"even-{i}") for i in range(200))
        assert set(even) == {"POOL1", "POOL2"} and min(even.values()) > 50
        assert c.patch("/v2/pools/POOL1", headers=ADMIN, json={"weight": 0}).status_code == 200
        create(c, [f"drained-{i}" for i in range(200)])
        drained = {sim.model.pool_of("demo", f"drained-{i}") for i in range(200)}
        assert drained == {"POOL2"}
        # reweighting moves nothing that was already placed
        assert Counter(sim.model.pool_of("demo", f"even-{i}") for i in range(200)) == even
        assert c.patch("/v2/pools/POOL2", headers=ADMIN, json={"weight": 0}).status_code == 200
        r = c.put("/v2/queues/nowhere", headers=USER, json={})
        assert r.status_code == 503
        assert sim.model.pool_of("demo", "nowhere") is None


def test_flavored_queues_stay_in_their_flavor_unflavored_go_anywhere(sim):
    with httpx.Client(base_url=sim.endpoint, timeout=10) as c:
        assert c.put("/v2/flavors/gold", headers=ADMIN,
                     json={"pool_list": ["POOL2"]}).status_code == 201
        create(c, [f"g{i}" for i in range(40)], {"_flavor": "gold"})
        assert {sim.model.pool_of("demo", f"g{i}") for i in range(40)} == {"POOL2"}
        create(c, [f"p{i}" for i in range(60)])
        assert {sim.model.pool_of("demo", f"p{i}") for i in range(60)} == {"POOL1", "POOL2"}
        r = c.put("/v2/queues/bad", headers=USER, json={"_flavor": "nope"})
        assert (r.status_code, r.json()["description"]) == (400, "Flavor nope does not exist")


def test_mirror_has_zaqars_tables_and_follows_every_change(sim, tmp_path):
    db = sim.mirror.path
    conn = sqlite3.connect(db)
    cols = {t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')]
            for t in ("Catalogue", "Pools", "Flavors", "Queues")}
    assert cols == {"Catalogue": ["pool", "project", "queue"],
                    "Pools": ["name", "uri", "weight", "options", "flavor"],
                    "Flavors": ["name", "project", "capabilities"],
                    "Queues": ["id", "project", "name", "metadata"]}
    fk = conn.execute('PRAGMA foreign_key_list("Catalogue")').fetchone()
    assert (fk[2], fk[3], fk[4], fk[6]) == ("Pools", "pool", "name", "CASCADE")
    conn.close()
    with httpx.Client(base_url=sim.endpoint, timeout=10) as c:
        create(c, [f"m{i}" for i in range(30)])
        assert read_placement(db) == sim.model.placement() and len(read_placement(db)) == 30
        on2 = {k for k, v in read_placement(db).items() if v == "POOL2"}
        assert c.delete("/v2/pools/POOL2", headers=ADMIN).status_code == 204
        assert set(read_placement(db)) == set(sim.model.placement()) == \
            {f"demo/m{i}" for i in range(30)} - on2
        assert c.delete("/v2/queues/m0", headers=USER).status_code == 204
        assert "demo/m0" not in read_placement(db)
        assert c.put("/v2/pools/POOL9", headers=ADMIN,
                     json={"weight": 5, "uri": "redis://127.0.0.1:7000",
                           "options": {"a": 1}}).status_code == 201
    conn = sqlite3.connect(db)
    assert conn.execute('SELECT weight, options FROM "Pools" WHERE name = ?',
                        ("POOL9",)).fetchone() == (5, '{"a": 1}')
    assert conn.execute('SELECT COUNT(*) FROM "Queues"').fetchone()[0] == 29
    conn.close()


def test_mirror_attached_later_starts_from_the_current_state(tmp_path):
    with ZaqarSim(pools=3, queues=12, seed=5) as sim:
        mirror = sim.mirror_to(tmp_path / "late.sqlite")
        assert read_placement(mirror.path) == sim.model.placement()
        assert mirror.url == f"sqlite:///{tmp_path / 'late.sqlite'}"
        sim.model.seed_queue("demo", "late", "POOL3")
        assert read_placement(mirror.path)["demo/late"] == "POOL3"

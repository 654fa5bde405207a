"""The model without HTTP: pool upserts, flavor quirks, stranded queues, messages, schema text."""

from __future__ import annotations

import pytest

from msgops.sim.zaqar import ApiError, ZaqarModel
from msgops.sim.zaqar.common import NoPoolFound, StoreUnavailable
from msgops.sim.zaqar.schema import check_create, check_patch

from .conftest import sample


def model(pools: int = 2) -> ZaqarModel:
    m = ZaqarModel(seed=1)
    m.add_pools(pools)
    return m


def test_put_is_an_upsert_and_uris_are_unique():
    m = model()
    m.upsert_pool("POOL1", 7, "redis://127.0.0.1:6379")          # same name: update
    assert m.get_pool("POOL1")["weight"] == 7
    with pytest.raises(ApiError) as e:                            # URI of POOL1, new name
        m.upsert_pool("POOL3", 1, "redis://127.0.0.1:6379")
    assert (e.value.status, e.value.description) == (500, "Pool POOL3 does not exist")
    with pytest.raises(ApiError) as e:
        m.update_pool("POOL2", uri="redis://127.0.0.1:6379")
    assert e.value.status == 500
    m.delete_pool("NOPE")                                         # no error


def test_flavor_quirks_of_zaqar_23():
    m = model()
    m.put_flavor("demo", "gold", ["POOL2"])
    assert m.get_flavor("demo", "gold") == {
        "name": "gold", "capabilities": ["FIFO", "CLAIMS", "AOD", "HIGH_THROUGHPUT"],
        "pool_list": ["POOL2"]}
    m.delete_flavor("demo", "gold")
    assert m.pools["POOL2"].flavor == ""                           # not None (sample 91)
    m.put_flavor("demo", "gold", ["POOL2"])
    m.delete_pool("POOL2")                                        # allowed (sample 93)
    assert m.get_flavor("demo", "gold") == {"name": "gold", "capabilities": [], "pool_list": []}
    with pytest.raises(ApiError) as e:
        m.put_flavor("demo", "silver", ["NOPE"])
    assert e.value.description == \
        "Flavor silver could not be created, error:Pool NOPE does not exist"


def test_a_queue_whose_flavor_changes_is_placed_again():
    m = model()
    m.put_flavor("demo", "gold", ["POOL2"])
    m.seed_queue("demo", "q", "POOL2")                            # no _flavor, on a gold pool
    m.pin("demo", "q", "POOL1")
    assert m.create_queue("demo", "q", {}) is False               # 204, but re-placed
    assert m.pool_of("demo", "q") == "POOL1"


def test_stranded_queue_after_pool_delete():
    m = model()
    m.seed_queue("demo", "orphan", "POOL2")
    m.delete_pool("POOL2")
    assert m.pool_of("demo", "orphan") is None
    assert m.queue_stats("demo", "orphan") == {"messages": {"claimed": 0, "free": 0, "total": 0}}
    with pytest.raises(ApiError) as e:
        m.post_messages("demo", "orphan", [{"body": 1}], "c")
    assert e.value.description == "Queue orphan does not exist for project demo"
    assert m.create_queue("demo", "orphan", {}) is False          # PUT places it again
    assert m.post_messages("demo", "orphan", [{"body": 1}], "c")


def test_no_pool_and_lazy_create_on_post():
    m = ZaqarModel()
    with pytest.raises(NoPoolFound):
        m.create_queue("demo", "early")
    with pytest.raises(ApiError) as e:
        m.post_messages("demo", "early", [{"body": 1}], "c")
    assert (e.value.status, e.value.description) == (500, "No pools registered")
    m.add_pools(1)
    assert len(m.post_messages("demo", "lazy", [{"body": 1}], "c")) == 1
    assert "demo/lazy" in m.placement()


def test_dead_store_raises_and_cold_driver_after_restart():
    m = model()
    m.seed_queue("demo", "q", "POOL2")
    m.set_store("POOL2", up=False)
    with pytest.raises(StoreUnavailable) as e:
        m.queue_stats("demo", "q")
    assert e.value.cold is False
    assert m.ping() is False and m.health() == {"POOL1": True, "POOL2": False}
    m.restart()
    with pytest.raises(StoreUnavailable) as e:
        m.ping()
    assert e.value.cold is True


def test_messages_claims_and_stats():
    now = [1000.0]
    m = ZaqarModel(clock=lambda: now[0])
    m.add_pools(1)
    ids = m.post_messages("demo", "q", [{"ttl": 60, "body": "a"}, {"ttl": 300, "body": "b"}], "me")
    assert m.list_messages("demo", "q", "me")[0] == []              # echo off: own messages hidden
    assert [x["id"] for x in m.list_messages("demo", "q", "me", echo=True)[0]] == ids
    cid, got = m.claim_messages("demo", "q", ttl=60, grace=60, limit=1)
    assert [x["id"] for x in got] == ids[:1] and cid
    stats = m.queue_stats("demo", "q")["messages"]
    assert (stats["claimed"], stats["free"], stats["total"]) == (1, 1, 2)
    assert stats["oldest"]["claim_id"] == cid and stats["newest"]["body"] == "b"
    now[0] += 200                                                  # claim and first ttl over
    assert m.queue_stats("demo", "q")["messages"]["total"] == 1


@pytest.mark.parametrize("name, doc, check", [
    ("15-pool-create-missing-weight", {"uri": "redis://127.0.0.1:6380"}, check_create),
    ("17-pool-create-group-field", {"weight": 1, "uri": "redis://127.0.0.1:6380", "group": "g1"},
     check_create),
    ("32-pool-patch-negative-weight", {"weight": -3}, check_patch),
    ("30-pool-patch-empty", {}, check_patch),
])
def test_validation_text_is_zaqars(name, doc, check):
    with pytest.raises(ApiError) as e:
        check(doc)
    assert e.value.body() == sample(name)["body"]

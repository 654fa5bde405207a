"""python-zaqarclient (the project's `tiers` extra) against the simulator, as in the lab's
transcripts zaqarclient-noauth.txt and zaqarclient-keystone.txt. Skipped when not installed."""

from __future__ import annotations

import pytest

from msgops.sim.zaqar import Timings, ZaqarSim

zclient = pytest.importorskip("zaqarclient.queues.client")
errors = pytest.importorskip("zaqarclient.transport.errors")


def test_the_transcripts_calls_behave_the_same():
    with ZaqarSim(2, keystone=True, timings=Timings.fast(0.3)) as sim:
        sim.store_down("redis://127.0.0.1:6390")

        def client(user):
            return zclient.Client(None, version=2, conf={"auth_opts": {
                "backend": "keystone", "options": {
                    "os_auth_url": sim.keystone_endpoint + "/v3", "os_username": user,
                    "os_password": user, "os_project_name": user,
                    "os_user_domain_id": "default", "os_project_domain_id": "default"}}})
        plain, admin = client("demo"), client("admin")
        assert plain.ping() is True
        with pytest.raises(errors.ForbiddenError):
            plain.health()
        with pytest.raises(errors.ForbiddenError):
            plain.pools()
        assert sorted(admin.health()) == ["POOL1", "POOL2", "catalog_reachable"]
        assert [(p.name, p.weight, p.uri, p.flavor) for p in admin.pools(detailed=True)] == [
            ("POOL1", 100, "redis://127.0.0.1:6379", None),
            ("POOL2", 100, "redis://127.0.0.1:6380", None)]
        admin.pool("POOLC", weight=5, uri="redis://127.0.0.1:6380?dbid=3")
        assert admin.pool("POOLC", auto_create=False).get() == {
            "name": "POOLC", "uri": "redis://127.0.0.1:6380?dbid=3", "weight": 5,
            "flavor": None, "href": "/v2/pools/POOLC"}
        admin.pool("POOLC", auto_create=False).update({"weight": 0})
        assert admin.pool("POOLC", auto_create=False).get()["weight"] == 0
        with pytest.raises(errors.ResourceNotFound):
            admin.pool("NOPE", auto_create=False).get()
        with pytest.raises(errors.MalformedRequest):
            admin.pool("BAD", weight=1, uri="redis://127.0.0.1:6390")
        admin.pool("POOLC", auto_create=False).delete()
        assert list(admin.flavors()) == []
        q = plain.queue("client-demo-q")
        assert len(q.post([{"body": {"n": 1}, "ttl": 120}, {"body": "two", "ttl": 120}])[
            "resources"]) == 2
        assert [m.body for m in q.messages(echo=True)] == [{"n": 1}, "two"]
        assert [m.body for m in q.claim(ttl=60, grace=60, limit=1)] == [{"n": 1}]
        stats = q.stats["messages"]
        assert (stats["claimed"], stats["free"], stats["total"]) == (1, 1, 2)
        assert q.metadata()["_default_message_ttl"] == 3600
        assert [x.name for x in plain.queues()[0]] == ["client-demo-q"]
        q.delete()
        assert [x.name for x in plain.queues()[0]] == []

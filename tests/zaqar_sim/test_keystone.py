"""Token auth: the ks-*.json samples (Zaqar 23 behind Keystone 30) replayed in token mode, and the
Keystone stand-in's password login whose catalog leads to the simulator."""

from __future__ import annotations

import httpx
import pytest

from msgops.sim.zaqar import ZaqarSim
from msgops.sim.zaqar.keystone import LAB_PROJECTS

from .conftest import CLIENT_ID, assert_conforms, replay, sample

ORDER = [  # (sample, which token replaces "<token>")
    ("ks-root-no-token", None), ("ks-ping-no-token", None), ("ks-ping-bad-token", "bogus"),
    ("ks-ping-demo-first", "demo"), ("ks-ping-demo-again", "demo"), ("ks-health-demo", "demo"),
    ("ks-pools-demo", "demo"), ("ks-health-admin", "admin"), ("ks-pools-admin", "admin"),
    ("ks-queue-create-demo", "demo"), ("ks-post-demo", "demo"), ("ks-queues-admin", "admin"),
    ("ks-queues-demo-spoofed-project", "demo"), ("ks-queue-delete-demo", "demo"),
]


@pytest.fixture(scope="module")
def ks():
    sim = ZaqarSim(pools=2, keystone=True).start_in_thread()
    tokens = {"admin": sim.add_token(project=LAB_PROJECTS["admin"], admin=True),
              "demo": sim.add_token(project=LAB_PROJECTS["demo"]), "bogus": "not-a-token"}
    results = {}
    try:
        with httpx.Client(base_url=sim.endpoint, timeout=10) as client:
            for name, who in ORDER:
                s = sample(name)
                headers = {"X-Auth-Token": tokens[who]} if who else {}
                results[name] = replay(client, s, headers)[0]
        yield sim, results
    finally:
        sim.stop_in_thread()


@pytest.mark.parametrize("name", [n for n, _ in ORDER])
def test_reply_matches_zaqar_behind_keystone(ks, name):
    sim, results = ks
    s = sample(name)
    if "www-authenticate" in s["headers"]:
        assert results[name].headers["www-authenticate"] == \
            f'Keystone uri="{sim.keystone_endpoint}"'
    assert_conforms(results[name], s)


def test_member_is_refused_every_admin_call(ks):
    sim, _ = ks
    member = {"X-Auth-Token": sim.add_token(), "Client-ID": CLIENT_ID}
    for method, path in [("GET", "/v2/pools"), ("GET", "/v2/health"), ("GET", "/v2/flavors"),
                         ("PUT", "/v2/pools/X"), ("PATCH", "/v2/pools/POOL1"),
                         ("DELETE", "/v2/pools/POOL1"), ("PUT", "/v2/flavors/gold")]:
        r = httpx.request(method, sim.endpoint + path, headers=member, json={"weight": 1})
        assert r.status_code == 403, (method, path)
        assert r.json() == sample("ks-pools-demo")["body"]
    assert sim.model.pools["POOL1"].weight == 100


def test_password_login_catalog_points_at_the_simulator(ks):
    sim, _ = ks
    auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": "admin", "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
    r = httpx.post(sim.keystone_endpoint + "/v3/auth/tokens", json=auth)
    assert r.status_code == 201
    token = r.headers["X-Subject-Token"]
    doc = r.json()["token"]
    assert doc["project"]["id"] == LAB_PROJECTS["admin"]
    assert "admin" in [role["name"] for role in doc["roles"]]
    (messaging,) = [s for s in doc["catalog"] if s["type"] == "messaging"]
    url = [e["url"] for e in messaging["endpoints"] if e["interface"] == "public"][0]
    assert url == sim.endpoint
    r = httpx.get(url + "/v2/pools", headers={"X-Auth-Token": token, "Client-ID": CLIENT_ID})
    assert [p["name"] for p in r.json()["pools"]] == ["POOL1", "POOL2"]
    bad = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": "nope"}}}}}
    r = httpx.post(sim.keystone_endpoint + "/v3/auth/tokens", json=bad)
    assert r.status_code == 401 and r.json()["error"]["code"] == 401
    v = httpx.get(sim.keystone_endpoint + "/v3/auth/tokens",
                  headers={"X-Auth-Token": token, "X-Subject-Token": token})
    assert v.status_code == 200 and v.json()["token"]["user"]["name"] == "admin"


def test_keystoneauth1_session_finds_the_messaging_endpoint(ks):
    """With keystoneauth1 installed (the project's `tiers` extra), a real password session
    authenticates against the stand-in and resolves the messaging endpoint."""
    identity = pytest.importorskip("keystoneauth1.identity")
    session = pytest.importorskip("keystoneauth1.session")
    sim, _ = ks
    auth = identity.v3.Password(auth_url=sim.keystone_endpoint + "/v3", username="demo",
                                password="demo", project_name="demo",
                                user_domain_id="default", project_domain_id="default")
    sess = session.Session(auth=auth)
    assert sess.get_endpoint(service_type="messaging", interface="public") == sim.endpoint
    r = sess.get(sim.endpoint + "/v2/queues", headers={"Client-ID": CLIENT_ID},
                 authenticated=True)
    assert r.status_code == 200

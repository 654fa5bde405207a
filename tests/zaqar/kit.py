"""The Zaqar tier's conformance kit (tests/conformance runs it with every other tier's).

- ``sample_snapshots()``: snapshots built from replies recorded on a real Zaqar 23.0.1 (Redis pools,
  no auth and Keystone), with the finding codes each must produce;
- ``running()``: the wire-level simulator (fast timings) and inventory TOML for one target;
- ``live_replies(sim)``: (what, recorded reply, the simulator's reply) pairs to compare in shape.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Iterator

import httpx

from msgops.probes.zaqar.model import HealthAttempt, Problem
from msgops.probes.zaqar.parse import parse_flavors
from tests.zaqar.samples import body, snapshot, with_weights

TIER = "zaqar"
ADMIN = {"Client-ID": str(uuid.uuid4()), "X-Project-ID": "demo", "X-Roles": "admin"}


def sample_snapshots() -> list[tuple[str, Any, set[str]]]:
    down = snapshot("52-down-pools-list", "51-down-health", ping="50-down-ping", placement="placement-initial")
    cold = replace(snapshot(health=None, ping="68-cold-down-ping"),
                   health_failed=HealthAttempt(0.0, 2.958, Problem("http_error", "HTTP 503", 503)))
    role = snapshot(pools=None, health=None, flavors=None, ping="ks-ping-demo-first",
                    problem=Problem("auth_role_missing", "Zaqar refused an admin call (403)", 403))
    base = snapshot("87-pools-list-with-flavor", flavors="86-flavors-list")
    orphan_flavor = replace(base, pools=tuple(p for p in base.pools if p.name != "POOL2"),
                            flavors=parse_flavors([body("94-flavor-get-after-pool-delete")]))
    return [
        ("steady, two Redis pools", snapshot(), {"healthy"}),
        ("POOL2's Redis stopped", down, {"pool_unreachable", "dead_pool_weighted", "ping_failed",
                                         "catalog_unreachable"}),
        ("every pool at weight 0", with_weights(snapshot(), POOL1=0, POOL2=0), {"all_weights_zero"}),
        ("flavor gold on POOL2", snapshot("87-pools-list-with-flavor", flavors="86-flavors-list"), {"healthy"}),
        ("flavor gold, its only pool at 0", with_weights(snapshot("87-pools-list-with-flavor",
                                                                  flavors="86-flavors-list"), POOL2=0),
         {"flavor_weights_zero"}),
        ("flavor gold after its only pool was deleted", orphan_flavor, {"flavor_without_pools"}),
        ("zaqar restarted while a store was down", cold, {"ping_failed", "health_unavailable"}),
        ("Keystone member token", role, {"auth_role_missing"}),
    ]


@contextmanager
def running() -> Iterator[tuple[str, Any]]:
    """A steady simulator with two Redis pools and a few queues; (TOML, simulator)."""
    from msgops.sim.zaqar import Timings, ZaqarSim

    from msgops.sim.zaqar.model import ZaqarModel

    # Swift stores: no tier watches swift://, so `status` shows this one target only (a redis:// pool
    # would make it derive a Redis target per pool, and the generic kit expects exactly one).
    model = ZaqarModel(seed=11)
    for i in (1, 2):
        model.upsert_pool(f"POOL{i}", 100, f"swift://127.0.0.1:{8079 + i}/v1/AUTH_zaqar")
    model.add_queues(6, "demo")
    sim = ZaqarSim(model=model, timings=Timings.fast(0.5)).start_in_thread()
    try:
        yield (f'[zaqar.kit]\nendpoint = "{sim.endpoint}"\nproject_id = "demo"\npoll_interval = 2.0\n'), sim
    finally:
        sim.stop_in_thread()


def live_replies(sim: Any) -> list[tuple[str, Any, Any]]:
    def get(path: str, **params: str) -> Any:
        reply = httpx.get(sim.endpoint + path, params=params, headers=ADMIN, timeout=10)
        reply.raise_for_status()
        return reply.json()

    sim.model.put_flavor("demo", "gold", ["POOL2"])
    try:
        return [
            ("/v2/pools?detailed=true", body("87-pools-list-with-flavor"), get("/v2/pools", detailed="true")),
            ("/v2/flavors?detailed=true", body("86-flavors-list"), get("/v2/flavors", detailed="true")),
            ("/v2/health", body("36-health"), get("/v2/health")),
            ("/v2/pools/POOL1?detailed=true", body("24-pool-get-detailed"), get("/v2/pools/POOL1", detailed="true")),
        ]
    finally:
        sim.model.delete_flavor("demo", "gold")

"""The MongoDB tier's conformance kit (tests/conformance runs it with every other tier's).

- ``sample_snapshots()``: snapshots built from real servers' ``replSetGetStatus`` outputs
  (tests/data/mongodb, see its README), as if the member that printed each had been asked directly,
  with the finding codes each must produce;
- ``running()``: the wire-level simulator, steady, with a user, and inventory TOML for one target;
- ``live_replies(sim)``: (what, recorded reply, the simulator's reply) pairs compared in shape.
"""

from __future__ import annotations

import datetime
import json
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pymongo
from bson import json_util
from bson.binary import Binary
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from msgops.probes.mongodb.merge import merge
from msgops.probes.mongodb.model import MemberProbe
from msgops.probes.mongodb.parse import set_status
from msgops.sim.mongodb import SimReplicaSet, Timing
from tests.mongodb.backends import FAST

TIER = "mongodb"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "mongodb"
SHAPE_IGNORE = frozenset({"writtenOpTime", "lastWrittenWallTime", "optimeWritten", "optimeWrittenDate",
                          "lastSeenWrittenOpTimeAtElection"})
"""8.0-only fields: the simulator imitates 6.0/7.0."""


def _unnumber(value: Any) -> Any:
    """mongosh's bare numbers (``{"$number": n}`` in the samples) back to plain JSON numbers."""
    if isinstance(value, dict):
        if set(value) == {"$number"}:
            return value["$number"]
        return {k: _unnumber(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unnumber(v) for v in value]
    return value


def recorded(name: str) -> dict:
    """A sample's reply as pymongo would hand it over (datetime, Timestamp, Int64)."""
    doc = json.loads((SAMPLES / name).read_text())["reply"]
    return json_util.loads(json.dumps(_unnumber(doc)))


def sample_snapshot(name: str) -> Any:
    """The snapshot msgops builds when the member that printed ``name`` is the only one asked."""
    status = set_status(recorded(name), "asked")
    reporter = next((m.name for m in status.members if m.is_self), "asked")
    probe = MemberProbe(reporter, True, seconds=0.001, set_name=status.set_name or None,
                        is_primary=status.my_state == 1, status=status)
    seen = [t for m in status.members for t in (m.last_heartbeat, m.optime_date) if t is not None]
    now = status.date or max(seen, default=time.time())  # a members-only printout has no date
    return merge("sample", status.set_name or None, [probe], taken_at=now)


def sample_snapshots() -> list[tuple[str, Any, set[str]]]:
    return [
        ("6.0 primary, healthy", sample_snapshot("rs_status_6.0_primary_healthy.json"), {"healthy"}),
        ("8.0.3 primary, healthy", sample_snapshot("rs_status_8.0.3_primary_healthy.json"), {"healthy"}),
        ("5.0 primary, two members refused", sample_snapshot("rs_status_5.0_primary_members_down.json"),
         {"member_down"}),
        ("secondary's view, old primary down", sample_snapshot("rs_status_members_secondary_view_old_primary_down.json"),
         {"member_down"}),
    ]


KIT_PASSWORD = "kit-Mongo-pw-5521"


@contextmanager
def running() -> Iterator[tuple[str, Any]]:
    """A steady 3-member simulated set with a user; (TOML, simulator)."""
    sim = SimReplicaSet(3, user="kit", password=KIT_PASSWORD, timing=Timing(**vars(FAST))).start_in_thread()
    try:
        yield (f'[mongodb.kit]\nuri = "{sim.uri}&w=2&readPreference=secondaryPreferred"\n'
               f'connect_timeout = 1.0\ncall_timeout = 2.0\npoll_interval = 1.0\n'), sim
    finally:
        sim.stop_in_thread()


def shape(value: Any) -> Any:
    """BSON (live) or Extended JSON (recorded) → plain JSON kinds, so both compare alike."""
    if isinstance(value, dict):
        tags = set(value)
        if tags in ({"$numberLong"}, {"$numberInt"}, {"$numberDouble"}, {"$number"}):
            return 0
        if tags == {"$date"} or tags == {"$oid"} or tags == {"$binary"}:
            return "scalar"
        if tags == {"$timestamp"}:
            return {"t": 0, "i": 0}
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    if isinstance(value, Timestamp):
        return {"t": 0, "i": 0}
    if isinstance(value, (datetime.datetime, ObjectId, Binary, bytes)):
        return "scalar"
    return value


def _by_role(members: list, role: tuple[bool, int]) -> Any:
    return next(m for m in members if (bool(m.get("self")), int(_unnumber(m["state"]))) == role)


def live_replies(sim: Any) -> list[tuple[str, Any, Any]]:
    primary, secondary = sim.primary, next(m for m in sim.model.members if m is not sim.primary)
    with pymongo.MongoClient(sim.direct_uri(primary.id), serverSelectionTimeoutMS=5000, timeoutMS=5000) as client:
        live = client.admin.command("replSetGetStatus")
    pairs = []
    for name in ("rs_status_6.0_primary_healthy.json", "rs_status_8.0.3_primary_healthy.json"):
        sample = json.loads((SAMPLES / name).read_text())["reply"]
        top = {k: v for k, v in sample.items() if k != "members"}
        pairs.append((f"replSetGetStatus ({name})", shape(top), shape({k: v for k, v in live.items() if k != "members"})))
        for role, what in (((True, 1), "self, PRIMARY"), ((False, 2), "SECONDARY")):
            pairs.append((f"members[{what}] ({name})", shape(_by_role(sample["members"], role)),
                          shape(_by_role(live["members"], role))))
    assert secondary is not None
    return pairs

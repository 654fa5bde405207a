"""The simulator's replies have the field names and BSON types of real servers' replies
(tests/data/mongodb, see its README), at every level; fields a sample lacks are allowed.
Also the shapes of ``replSetGetConfig`` and of the oplog's first/last entries."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from bson.binary import Binary
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from tests.mongodb.conftest import wait_until

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "mongodb"
EIGHT_ONLY = {"writtenOpTime", "lastWrittenWallTime", "optimeWritten", "optimeWrittenDate",
              "lastSeenWrittenOpTimeAtElection"}


def sample_kind(v) -> str:
    if isinstance(v, dict):
        for tag, kind in (("$number", "number"), ("$numberLong", "int64"), ("$date", "date"),
                          ("$timestamp", "timestamp"), ("$binary", "binary"), ("$oid", "objectid")):
            if tag in v:
                return kind
        return "object"
    return {str: "string", bool: "bool", list: "array"}.get(type(v), type(v).__name__)


def sim_kind(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, Int64):
        return "int64"
    for cls, kind in ((int, "number"), (float, "number"), (str, "string"), (dict, "object"),
                      (list, "array"), (datetime.datetime, "date"), (Timestamp, "timestamp"),
                      ((bytes, Binary), "binary"), (ObjectId, "objectid")):
        if isinstance(v, cls):
            return kind
    return type(v).__name__


def compare(sample: dict, sim: dict, path: str = "") -> list[str]:
    """Problems: sample fields missing in ``sim`` or of another type (recursively)."""
    problems = []
    for key, value in sample.items():
        where = f"{path}.{key}" if path else key
        if key in EIGHT_ONLY:
            continue
        if key not in sim:
            problems.append(f"{where}: missing")
            continue
        want, got = sample_kind(value), sim_kind(sim[key])
        if want != got:
            problems.append(f"{where}: sample {want}, simulator {got}")
        elif want == "object":
            problems += compare(value, sim[key], where)
        elif key == "members":
            problems += compare_members(value, sim[key], where)
    return problems


def _role(member: dict, number) -> tuple:
    state = member["state"]
    return bool(member.get("self")), number(state)


def compare_members(sample: list, sim: list, path: str) -> list[str]:
    problems = []
    for entry in sample:
        role = _role(entry, lambda s: s["$number"])
        match = [m for m in sim if _role(m, int) == role]
        if not match:
            problems.append(f"{path}: no simulator member like self={role[0]} state={role[1]}")
            continue
        problems += compare(entry, match[0], f"{path}[{entry['_id']['$number']}]")
    return problems


def load(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())["reply"]


def status(clients, sim, member) -> dict:
    return clients(sim.direct_uri(member)).admin.command("replSetGetStatus")


def test_samples_are_documented():
    readme = (SAMPLES / "README.md").read_text()
    files = sorted(p.name for p in SAMPLES.glob("*.json"))
    assert len(files) >= 4
    for name in files:
        assert name in readme
        source = json.loads((SAMPLES / name).read_text())["_source"]
        assert source["url"] and source["server"]


@pytest.mark.parametrize("name", ["rs_status_6.0_primary_healthy.json",
                                  "rs_status_8.0.3_primary_healthy.json"])
def test_primary_view_of_a_healthy_set(rs, clients, name):
    problems = compare(load(name), status(clients, rs, rs.primary.id))
    assert problems == []


def test_primary_view_with_a_member_down(rs, clients):
    victim = next(m.id for m in rs.model.members if m is not rs.primary)
    rs.member_down(victim, detected=True)
    reply = status(clients, rs, rs.primary.id)
    assert compare(load("rs_status_5.0_primary_members_down.json"), reply) == []


def test_secondary_view_after_the_primary_went_down(rs, clients):
    old = rs.primary
    rs.member_down(old.id, detected=True)
    new = wait_until(lambda: rs.primary if rs.primary not in (None, old) else None,
                     what="new primary")
    me = next(m for m in rs.model.members if m not in (old, new))
    reply = status(clients, rs, me.id)
    sample = load("rs_status_members_secondary_view_old_primary_down.json")
    assert compare(sample, reply) == []
    assert reply["electionParticipantMetrics"]["electionTerm"] == new.term


def test_replset_get_config_shape(rs, clients):
    config = clients(rs.uri).admin.command("replSetGetConfig")["config"]
    assert config["_id"] == "catalog" and config["version"] == 1
    assert isinstance(config["term"], int) and isinstance(config["protocolVersion"], Int64)
    for member in config["members"]:
        assert set(member) == {"_id", "host", "arbiterOnly", "buildIndexes", "hidden", "priority",
                               "tags", "secondaryDelaySecs", "votes"}
        assert isinstance(member["priority"], float)
    assert {"heartbeatIntervalMillis", "electionTimeoutMillis", "catchUpTimeoutMillis",
            "heartbeatTimeoutSecs", "replicaSetId"} <= set(config["settings"])


def test_oplog_first_and_last_entries(rs, clients):
    rs.set_oplog_window(3600)
    oplog = clients(rs.uri).local["oplog.rs"]
    first = next(iter(oplog.find().sort("$natural", 1).limit(1)))
    last = next(iter(oplog.find().sort("$natural", -1).limit(1)))
    for entry in (first, last):
        assert {"ts", "t", "wall", "op", "ns", "o"} <= set(entry)
        assert isinstance(entry["ts"], Timestamp) and isinstance(entry["wall"], datetime.datetime)
    window = last["ts"].time - first["ts"].time
    assert 3590 <= window <= 3610

"""Reply documents built from the model for one member's point of view: ``hello``,
``replSetGetStatus``, ``replSetGetConfig``, plus the shared time and optime helpers.

Why: these are what probes read. Field names, order and BSON types follow real 6.0/7.0 outputs
(see tests/data/mongodb): ``health`` is a double, ``term``/``pingMs`` are Int64, a member
another member cannot reach is ``state 8 "(not reachable/healthy)"`` with a zero optime and a
``lastHeartbeatMessage`` saying why. Callers hold ``model.lock`` and have called ``tick``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from bson.binary import Binary
from bson.int64 import Int64
from bson.timestamp import Timestamp

from msgops.sim.mongodb.model import (ARBITER, DOWN, PRIMARY, SECONDARY, STATE_STR, ZERO, Member,
                                      OpTime, ReplicaSetModel)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
LIMITS = {"maxBsonObjectSize": 16777216, "maxMessageSizeBytes": 48000000,
          "maxWriteBatchSize": 100000}


def dt(when: float) -> datetime:
    """A BSON datetime (millisecond precision, UTC)."""
    return datetime.fromtimestamp(int(when * 1000) / 1000, timezone.utc)


def optime_doc(op: OpTime) -> dict:
    return {"ts": Timestamp(op.secs, op.inc), "t": Int64(op.term)}


def wire_version(version: str) -> int:
    """maxWireVersion of a server version: 6.0 → 17, 7.0 → 21, 8.0 → 25."""
    major = int(version.split(".")[0])
    return {6: 17, 7: 21, 8: 25}.get(major, 21)


def commit_point(model: ReplicaSetModel, viewer: Member, now: float) -> OpTime:
    """The majority-committed optime as ``viewer`` knows it (never moves backwards)."""
    seen = sorted((m.optime for m in model.members if m.votes and m.data_bearing
                   and (m is viewer or (m.responsive and model.sees(viewer, m, now)))),
                  key=lambda o: (o.secs, o.inc), reverse=True)
    need = write_majority(model)
    points = model.commit_points
    if len(seen) >= need:
        cand = seen[need - 1]
        old = points.get(viewer.id, ZERO)
        points[viewer.id] = cand if (cand.secs, cand.inc) >= (old.secs, old.inc) else old
    return points.get(viewer.id, viewer.optime if len(seen) >= need else ZERO)


def write_majority(model: ReplicaSetModel) -> int:
    writable = [m for m in model.voters if m.data_bearing]
    return min(model.majority, len(writable))


def cluster_time(model: ReplicaSetModel, viewer: Member) -> dict:
    op = viewer.optime
    return {"$clusterTime": {"clusterTime": Timestamp(op.secs, op.inc),
                             "signature": {"hash": Binary(b"\x00" * 20), "keyId": Int64(0)}},
            "operationTime": Timestamp(op.secs, op.inc)}


def hello(model: ReplicaSetModel, m: Member, now: float, connection_id: int,
          legacy: bool, hello_ok: bool) -> dict:
    key = "ismaster" if legacy else "isWritablePrimary"
    doc: dict = {}
    if model.mode == "standalone":
        doc[key] = True
    elif model.mode == "uninitialised":
        doc.update({key: False, "secondary": False,
                    "info": "Does not have a valid replica set config", "isreplicaset": True})
    else:
        listed = [x for x in model.members if not x.hidden]
        doc["hosts"] = [x.host for x in listed if not x.arbiter and x.priority > 0]
        passives = [x.host for x in listed if not x.arbiter and x.priority == 0]
        arbiters = [x.host for x in listed if x.arbiter]
        if passives:
            doc["passives"] = passives
        if arbiters:
            doc["arbiters"] = arbiters
        doc.update({"setName": model.name, "setVersion": model.config_version,
                    key: m.state == PRIMARY, "secondary": m.state == SECONDARY})
        primary = model.visible_primary(m, now)
        if primary is not None:
            doc["primary"] = primary.host
        if m.priority == 0 and not m.arbiter:
            doc["passive"] = True
        if m.hidden:
            doc["hidden"] = True
        if m.arbiter:
            doc["arbiterOnly"] = True
        if m.tags:
            doc["tags"] = dict(m.tags)
        doc["me"] = m.host
        if m.state == PRIMARY:
            doc["electionId"] = model.election_id(m.term)
        if m.data_bearing:
            commit = commit_point(model, m, now)
            doc["lastWrite"] = {"opTime": optime_doc(m.optime), "lastWriteDate": dt(m.optime.secs),
                                "majorityOpTime": optime_doc(commit),
                                "majorityWriteDate": dt(commit.secs)}
    if hello_ok:
        doc["helloOk"] = True
    doc.update(LIMITS)
    doc.update({"localTime": dt(now), "logicalSessionTimeoutMinutes": 30,
                "connectionId": connection_id, "minWireVersion": 0,
                "maxWireVersion": wire_version(model.version), "readOnly": False, "ok": 1.0})
    if model.mode == "replset":
        doc.update(cluster_time(model, m))
    return doc


def heartbeat_message(model: ReplicaSetModel, viewer: Member, other: Member, now: float) -> str:
    cause = model.unreachable_cause(viewer, other)
    if cause is None:
        return ""
    if cause[0] == "refused":
        return f"Error connecting to {other.host} :: caused by :: Connection refused"
    rid = 1000 + int(now) % 100000
    deadline = dt(now).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return (f"Request {rid} timed out, deadline was {deadline}, op was RemoteCommand {rid} -- "
            f"target:[{other.host}] db:admin expDate:{deadline} cmd:{{ replSetHeartbeat: "
            f"\"{model.name}\", configVersion: {model.config_version}, configTerm: "
            f"{model.config_term}, hbv: 1, from: \"{viewer.host}\", fromId: {viewer.id}, "
            f"term: {viewer.term} }}")


def sync_source(model: ReplicaSetModel, m: Member, now: float) -> Member | None:
    if m.state == PRIMARY or m.arbiter or m.stale or not m.responsive:
        return None
    src = model.visible_primary(m, now)
    return src if src is not None and src is not m else None


def member_entry(model: ReplicaSetModel, viewer: Member, x: Member, now: float) -> dict:
    """One element of ``members[]`` as ``viewer`` reports it."""
    hb_phase = now - (now % model.timing.heartbeat_interval)
    doc: dict = {"_id": x.id, "name": x.host}
    if x is not viewer and not model.sees(viewer, x, now):
        since = model.unreachable_cause(viewer, x)[1]
        doc.update({"health": 0.0, "state": DOWN, "stateStr": STATE_STR[DOWN], "uptime": 0,
                    "optime": optime_doc(ZERO), "optimeDurable": optime_doc(ZERO),
                    "optimeDate": EPOCH, "optimeDurableDate": EPOCH,
                    "lastAppliedWallTime": dt(x.optime.wall),
                    "lastDurableWallTime": dt(x.optime.wall),
                    "lastHeartbeat": dt(hb_phase), "lastHeartbeatRecv": dt(since),
                    "pingMs": Int64(0),
                    "lastHeartbeatMessage": heartbeat_message(model, viewer, x, now),
                    "syncSourceHost": "", "syncSourceId": -1, "infoMessage": "",
                    "configVersion": model.config_version, "configTerm": model.config_term})
        return doc
    src = sync_source(model, x, now)
    doc.update({"health": 1.0, "state": x.state, "stateStr": STATE_STR[x.state],
                "uptime": int(now - x.started_at)})
    if x.state != ARBITER:
        doc["optime"] = optime_doc(x.optime)
        if x is not viewer:
            doc["optimeDurable"] = optime_doc(x.optime)
        doc["optimeDate"] = dt(x.optime.secs)
        if x is not viewer:
            doc["optimeDurableDate"] = dt(x.optime.secs)
        doc["lastAppliedWallTime"] = dt(x.optime.wall)
        doc["lastDurableWallTime"] = dt(x.optime.wall)
    if x is not viewer:
        doc.update({"lastHeartbeat": dt(hb_phase), "lastHeartbeatRecv": dt(hb_phase + 0.3),
                    "pingMs": Int64(0), "lastHeartbeatMessage": ""})
    info = "Could not find member to sync from" if x is viewer and x.stale else ""
    doc.update({"syncSourceHost": src.host if src else "", "syncSourceId": src.id if src else -1,
                "infoMessage": info})
    if x.state == PRIMARY and x.election:
        doc["electionTime"] = Timestamp(int(x.election["date"]), 1)
        doc["electionDate"] = dt(int(x.election["date"]))
    doc.update({"configVersion": model.config_version, "configTerm": model.config_term})
    if x is viewer:
        doc.update({"self": True, "lastHeartbeatMessage": ""})
    return doc

"""``replSetGetStatus``, ``replSetGetConfig``, ``serverStatus`` and ``buildInfo`` documents.

Why: the console's probes read lag, health, terms and electability from these; their shapes
follow real 6.0/7.0 servers (tests/data/mongodb has the public outputs they are checked
against). ``electionCandidateMetrics`` appears on a primary, ``electionParticipantMetrics`` on
a member that voted, as on a real server. Callers hold ``model.lock`` and have called ``tick``.
"""

from __future__ import annotations

import os

from bson.int64 import Int64
from bson.timestamp import Timestamp

from msgops.sim.mongodb.model import PRIMARY, ZERO, Member, ReplicaSetModel
from msgops.sim.mongodb.views import (LIMITS, commit_point, dt, hello, member_entry, optime_doc,
                                      sync_source, write_majority)


def repl_status(model: ReplicaSetModel, me: Member, now: float) -> dict:
    commit = commit_point(model, me, now)
    src = sync_source(model, me, now)
    voters = model.voters
    doc = {"set": model.name, "date": dt(now), "myState": me.state, "term": Int64(me.term),
           "syncSourceHost": src.host if src else "", "syncSourceId": src.id if src else -1,
           "heartbeatIntervalMillis": Int64(int(model.timing.heartbeat_interval * 1000)),
           "majorityVoteCount": model.majority, "writeMajorityCount": write_majority(model),
           "votingMembersCount": len(voters),
           "writableVotingMembersCount": len([m for m in voters if m.data_bearing]),
           "optimes": {"lastCommittedOpTime": optime_doc(commit),
                       "lastCommittedWallTime": dt(commit.wall),
                       "readConcernMajorityOpTime": optime_doc(commit),
                       "appliedOpTime": optime_doc(me.optime),
                       "durableOpTime": optime_doc(me.optime),
                       "lastAppliedWallTime": dt(me.optime.wall),
                       "lastDurableWallTime": dt(me.optime.wall)},
           "lastStableRecoveryTimestamp": Timestamp(max(commit.secs - 10, 0), 1)}
    if me.state == PRIMARY and me.election:
        doc["electionCandidateMetrics"] = candidate_metrics(model, me)
    if me.vote and me.state != PRIMARY:
        v = me.vote
        doc["electionParticipantMetrics"] = {
            "votedForCandidate": True, "electionTerm": Int64(v["term"]),
            "lastVoteDate": dt(v["date"]), "electionCandidateMemberId": v["candidate"],
            "voteReason": "", "lastAppliedOpTimeAtElection": optime_doc(v["applied"]),
            "maxAppliedOpTimeInSet": optime_doc(v["applied"]),
            "priorityAtElection": float(v["priority"]), "newTermStartDate": dt(v["date"]),
            "newTermAppliedDate": dt(v["date"] + 0.01)}
    doc["members"] = [member_entry(model, me, x, now) for x in model.members]
    doc["ok"] = 1.0
    return doc


def candidate_metrics(model: ReplicaSetModel, me: Member) -> dict:
    e = me.election
    first = len(model.elections) <= 1
    seen = e["seen_optime"]
    return {"lastElectionReason": e["reason"], "lastElectionDate": dt(e["date"]),
            "electionTerm": Int64(e["term"]),
            "lastCommittedOpTimeAtElection": optime_doc(ZERO if first else seen),
            "lastSeenOpTimeAtElection": optime_doc(seen),
            "numVotesNeeded": e["votes_needed"], "priorityAtElection": float(e["priority"]),
            "electionTimeoutMillis": Int64(int(model.timing.election_timeout * 1000)),
            "numCatchUpOps": Int64(0), "newTermStartDate": dt(e["date"] + 0.01),
            "wMajorityWriteAvailabilityDate": dt(e["date"] + 0.5)}


def repl_config(model: ReplicaSetModel) -> dict:
    t = model.timing
    members = [{"_id": m.id, "host": m.host, "arbiterOnly": m.arbiter, "buildIndexes": True,
                "hidden": m.hidden, "priority": float(m.priority), "tags": dict(m.tags),
                "secondaryDelaySecs": Int64(m.secondary_delay), "votes": m.votes}
               for m in model.members]
    settings = {"chainingAllowed": True,
                "heartbeatIntervalMillis": int(t.heartbeat_interval * 1000),
                "heartbeatTimeoutSecs": max(int(t.heartbeat_timeout), 1),
                "electionTimeoutMillis": int(t.election_timeout * 1000),
                "catchUpTimeoutMillis": -1, "catchUpTakeoverDelayMillis": 30000,
                "getLastErrorModes": {}, "getLastErrorDefaults": {"w": 1, "wtimeout": 0},
                "replicaSetId": model.replica_set_id}
    return {"config": {"_id": model.name, "version": model.config_version,
                       "term": model.config_term, "members": members,
                       "protocolVersion": Int64(1), "writeConcernMajorityJournalDefault": True,
                       "settings": settings}, "ok": 1.0}


def server_status(model: ReplicaSetModel, me: Member, now: float, conns: dict) -> dict:
    up = now - me.started_at
    doc = {"host": me.host, "version": model.version, "process": "mongod",
           "pid": Int64(os.getpid()),
           "uptime": float(int(up)), "uptimeMillis": Int64(int(up * 1000)),
           "uptimeEstimate": Int64(int(up)), "localTime": dt(now),
           "connections": {"current": conns.get("current", 0),
                           "available": 838860 - conns.get("current", 0),
                           "totalCreated": conns.get("total", 0), "rejected": 0,
                           "active": conns.get("active", 0), "threaded": conns.get("current", 0),
                           "exhaustIsMaster": 0, "exhaustHello": 0,
                           "awaitingTopologyChanges": 0}}
    if model.mode == "replset":
        repl = hello(model, me, now, 0, legacy=False, hello_ok=False)
        doc["repl"] = {k: repl[k] for k in ("hosts", "passives", "arbiters", "setName",
                                             "setVersion", "isWritablePrimary", "secondary",
                                             "primary", "me", "electionId", "lastWrite")
                       if k in repl}
        doc["repl"]["rbid"] = 1
    doc["ok"] = 1.0
    return doc


def build_info(model: ReplicaSetModel) -> dict:
    parts = [int(p) for p in model.version.split(".")[:3]] + [0]
    return {"version": model.version, "gitVersion": "0" * 40, "modules": [],
            "allocator": "tcmalloc", "javascriptEngine": "mozjs", "sysInfo": "deprecated",
            "versionArray": parts[:4],
            "openssl": {"running": "OpenSSL 3.0.2 15 Mar 2022",
                        "compiled": "OpenSSL 3.0.2 15 Mar 2022"},
            "buildEnvironment": {"distmod": "ubuntu2204", "distarch": "x86_64",
                                 "target_os": "linux", "target_arch": "x86_64"},
            "bits": 64, "debug": False, "maxBsonObjectSize": LIMITS["maxBsonObjectSize"],
            "storageEngines": ["devnull", "wiredTiger"], "ok": 1.0}

"""Turn server replies (BSON-decoded dicts) into typed records, tolerating fields absent by version.

Replies are distrusted: a field of the wrong type reads as unknown (None), never as a crash. Works on
what pymongo returns (``datetime``, ``Timestamp``, ``Int64``) and on recorded samples converted the
same way (tests/data/mongodb).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from msgops.probes.mongodb.model import MemberConfig, MemberStatus, SetStatus

EPOCH_ZERO = 86400.0
"""A date before this is an unset optime (an unreachable member reports 1970-01-01)."""


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def when(value: Any) -> float | None:
    """A BSON datetime → epoch seconds (None when absent, not a date, or the 1970 "never")."""
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    seconds = value.timestamp()
    return seconds if seconds >= EPOCH_ZERO else None


def _optime(value: Any) -> tuple[tuple[int, int] | None, int | None]:
    """``{ts: Timestamp, t: Int64}`` (or a bare Timestamp, as 3.x printed) → ((secs, inc), term)."""
    ts, term = (value.get("ts"), _int(value.get("t"))) if isinstance(value, dict) else (value, None)
    time, inc = getattr(ts, "time", None), getattr(ts, "inc", None)
    if not isinstance(time, int) or not isinstance(inc, int) or time == 0:
        return None, term
    return (time, inc), term


def member_status(entry: dict) -> MemberStatus | None:
    """One ``members[]`` entry; None when it has no usable ``_id``/``name``."""
    member_id, name = _int(entry.get("_id")), entry.get("name")
    if member_id is None or not isinstance(name, str):
        return None
    optime, term = _optime(entry.get("optime"))
    state = _int(entry.get("state"))
    return MemberStatus(
        id=member_id, name=name.lower(), health=_float(entry.get("health")),
        state=state if state is not None else 6, state_str=_str(entry.get("stateStr")) or "UNKNOWN",
        uptime=_int(entry.get("uptime")), optime=optime, optime_term=term,
        optime_date=when(entry.get("optimeDate")), last_heartbeat=when(entry.get("lastHeartbeat")),
        last_heartbeat_recv=when(entry.get("lastHeartbeatRecv")),
        heartbeat_message=_str(entry.get("lastHeartbeatMessage")), ping_ms=_int(entry.get("pingMs")),
        sync_source=_str(entry.get("syncSourceHost") or entry.get("syncingTo")).lower(),
        info_message=_str(entry.get("infoMessage")), election_date=when(entry.get("electionDate")),
        config_version=_int(entry.get("configVersion")), is_self=entry.get("self") is True,
    )


def set_status(doc: dict, asked: str) -> SetStatus:
    """A ``replSetGetStatus`` reply; ``asked`` names the member when its self entry is missing."""
    members = tuple(m for m in (member_status(e) for e in doc.get("members") or () if isinstance(e, dict))
                    if m is not None)
    me = next((m for m in members if m.is_self), None)
    metrics = doc.get("electionCandidateMetrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    my_state = _int(doc.get("myState"))
    return SetStatus(
        reporter=me.name if me else asked, set_name=_str(doc.get("set")),
        date=when(doc.get("date")), my_state=my_state if my_state is not None else (me.state if me else 6),
        term=_int(doc.get("term")), majority=_int(doc.get("majorityVoteCount")),
        voting_members=_int(doc.get("votingMembersCount")), members=members,
        election_reason=_str(metrics.get("lastElectionReason")) or None,
        election_date=when(metrics.get("lastElectionDate")), election_term=_int(metrics.get("electionTerm")),
    )


def member_configs(doc: dict) -> tuple[tuple[MemberConfig, ...], int | None, float | None]:
    """``replSetGetConfig`` → (members, config version, election timeout in seconds)."""
    config = doc.get("config") if isinstance(doc.get("config"), dict) else doc
    found = []
    for entry in config.get("members") or ():
        if not isinstance(entry, dict) or _int(entry.get("_id")) is None or not isinstance(entry.get("host"), str):
            continue
        delay = entry.get("secondaryDelaySecs", entry.get("slaveDelay"))
        found.append(MemberConfig(
            id=_int(entry["_id"]), host=entry["host"].lower(),  # type: ignore[arg-type]
            priority=_float(entry.get("priority")) if _float(entry.get("priority")) is not None else 1.0,
            votes=_int(entry.get("votes")) if _int(entry.get("votes")) is not None else 1,
            hidden=entry.get("hidden") is True, arbiter=entry.get("arbiterOnly") is True, delay=_int(delay) or 0,
        ))
    settings = config.get("settings") if isinstance(config.get("settings"), dict) else {}
    timeout = _float(settings.get("electionTimeoutMillis"))
    return tuple(found), _int(config.get("version")), timeout / 1000 if timeout is not None else None


def oplog_seconds(entry: Any) -> float | None:
    """An oplog entry's ``ts`` seconds (its ``wall`` date when ``ts`` is missing)."""
    if not isinstance(entry, dict):
        return None
    ts, _ = _optime(entry.get("ts"))
    return float(ts[0]) if ts is not None else when(entry.get("wall"))


def election_id(value: Any) -> str | None:
    return str(value) if value is not None else None


def server_basics(doc: dict) -> tuple[str | None, int | None, float | None]:
    """``serverStatus`` → (version, current connections, uptime seconds)."""
    connections = doc.get("connections")
    current = _int(connections.get("current")) if isinstance(connections, dict) else None
    version = doc.get("version")
    return version if isinstance(version, str) else None, current, _float(doc.get("uptime"))

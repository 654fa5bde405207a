"""Data commands on a member: ``insert``, ``find`` (user collections and ``local.oplog.rs``),
``getMore`` and ``killCursors``.

Why: a failover test must prove pymongo writes to the new primary (a secondary answers
NotWritablePrimary 10107 ``"not primary"``, which pymongo retries), and the oplog-window probe
reads the first and last oplog entries with ``sort: {$natural: ±1}, limit: 1``. Every result
fits one batch, so cursors come back with id 0 and ``getMore`` finds no cursor, like a server
whose cursor was exhausted.
"""

from __future__ import annotations

from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from msgops.sim.mongodb import errors
from msgops.sim.mongodb.errors import CommandError
from msgops.sim.mongodb.model import PRIMARY, SECONDARY, Member, OpTime, ReplicaSetModel
from msgops.sim.mongodb.views import dt, optime_doc
from msgops.sim.mongodb.wire import Request

OPLOG_NS = "local.oplog.rs"


def insert(model: ReplicaSetModel, me: Member, req: Request, now: float) -> dict:
    cmd = req.command
    ns = f"{req.database}.{cmd['insert']}"
    with model.lock:
        if model.mode == "replset" and me.state != PRIMARY:
            raise CommandError(errors.NOT_WRITABLE_PRIMARY, "not primary")
        docs = list(cmd.get("documents") or [])
        inserted, write_errors = 0, []
        for index, doc in enumerate(docs):
            doc.setdefault("_id", ObjectId())
            try:
                model.insert(me, ns, [doc], now)
                inserted += 1
            except KeyError:
                write_errors.append({"index": index, "code": errors.DUPLICATE_KEY,
                                     "errmsg": f"E11000 duplicate key error collection: {ns} "
                                               f"index: _id_ dup key: {{ _id: {doc['_id']!r} }}"})
                if cmd.get("ordered", True):
                    break
        reply: dict = {"n": inserted}
        if write_errors:
            reply["writeErrors"] = write_errors
        if model.mode == "replset":
            reply["electionId"] = model.election_id(me.term)
            reply["opTime"] = optime_doc(me.optime)
        reply["ok"] = 1.0
        return reply


def _check_readable(model: ReplicaSetModel, me: Member, req: Request, ns: str) -> None:
    if model.mode != "replset" or me.state == PRIMARY or ns.startswith("local."):
        return
    pref = req.command.get("$readPreference") or {}
    secondary_ok = req.secondary_ok or (isinstance(pref, dict) and pref.get("mode", "primary")
                                        != "primary")
    if me.state == SECONDARY:
        if not secondary_ok:
            raise CommandError(errors.NOT_PRIMARY_NO_SECONDARY_OK,
                               "not primary and secondaryOk=false")
        return
    raise CommandError(errors.NOT_PRIMARY_OR_SECONDARY,
                       "node is not in primary or recovering state")


def _matches(doc: dict, flt: dict) -> bool:
    return all(doc.get(k) == v for k, v in (flt or {}).items() if not k.startswith("$"))


def _oplog_entry(model: ReplicaSetModel, op: OpTime, first: bool) -> dict:
    doc = None
    for ns, rows in model.data.items():
        for at, d in rows:
            if (at.secs, at.inc) == (op.secs, op.inc):
                doc = {"op": "i", "ns": ns, "o": d}
    if doc is None:
        msg = "initiating set" if first and op.secs <= int(model.created) else "periodic noop"
        doc = {"op": "n", "ns": "", "o": {"msg": msg}}
    doc.update({"ts": Timestamp(op.secs, op.inc), "t": Int64(op.term), "v": Int64(2),
                "wall": dt(op.wall)})
    return doc


def _oplog(model: ReplicaSetModel, me: Member, now: float) -> list[dict]:
    """This member's oplog, reduced to its first and last entries (the window ends)."""
    start = max(model.created, now - model.oplog_window)
    if me.optime.secs and start > me.optime.wall:
        start = me.optime.wall  # a member never truncates past its own last entry
    first = OpTime(int(start), 1, model.term_at(start), float(int(start)))
    return [_oplog_entry(model, first, True), _oplog_entry(model, me.optime, False)]


def find(model: ReplicaSetModel, me: Member, req: Request, now: float) -> dict:
    cmd = req.command
    ns = f"{req.database}.{cmd['find']}"
    with model.lock:
        _check_readable(model, me, req, ns)
        if ns == OPLOG_NS:
            rows = _oplog(model, me, now) if model.mode == "replset" and me.optime.secs else []
        else:
            rows = [dict(d) for d in model.visible_docs(me, ns)]
    rows = [d for d in rows if _matches(d, cmd.get("filter") or {})]
    sort = cmd.get("sort") or {}
    for key, direction in reversed(list(sort.items())):
        if key == "$natural":
            rows = rows if direction >= 0 else rows[::-1]
        else:
            rows.sort(key=lambda d: (d.get(key) is None, repr(type(d.get(key))), d.get(key)),
                      reverse=direction < 0)
    skip, limit = int(cmd.get("skip") or 0), abs(int(cmd.get("limit") or 0))
    rows = rows[skip:skip + limit] if limit else rows[skip:]
    return {"cursor": {"firstBatch": rows, "id": Int64(0), "ns": ns}, "ok": 1.0}


def get_more(model: ReplicaSetModel, me: Member, req: Request, now: float) -> dict:
    cursor_id = req.command.get("getMore")
    raise CommandError(errors.CURSOR_NOT_FOUND, f"cursor id {cursor_id} not found")


def kill_cursors(model: ReplicaSetModel, me: Member, req: Request, now: float) -> dict:
    ids = list(req.command.get("cursors") or [])
    return {"cursorsKilled": [], "cursorsNotFound": ids, "cursorsAlive": [],
            "cursorsUnknown": [], "ok": 1.0}


HANDLERS = {"insert": insert, "find": find, "getMore": get_more, "killCursors": kill_cursors}

"""Fixed documents and small formatting rules of Zaqar's v2 API.

Why: the versions document (``GET /``), the JSON-home document (``GET /v2/``) and the
``/v2/health`` operation report have exact shapes in the samples (01, 02, 36, 51); paging links
are built with falcon's ``to_query_str`` from the parameters the request carried, in Zaqar's order
(``/v2/pools?limit=1&marker=POOL1`` but ``/v2/pools?marker=POOL2&limit=1``, samples 21-22).
"""

from __future__ import annotations

import random
import uuid

VERSIONS = {"versions": [{
    "id": "2", "status": "CURRENT", "updated": "2014-9-24T04:06:47Z",
    "media-types": [{"base": "application/json",
                     "type": "application/vnd.openstack.messaging-v2+json"}],
    "links": [{"href": "/v2/", "rel": "self"}]}]}

_Q = "/v2/queues/{queue_name}"
_HOME = [  # rel, href-template, href-vars (name -> param), allow, accepts POST bodies
    ("queues", "/v2/queues{?marker,limit,detailed}",
     {"marker": "marker", "limit": "queue_limit", "detailed": "detailed"}, ["GET"], False),
    ("queue", _Q, {"queue_name": "queue_name"}, ["GET", "PUT", "DELETE", "PATCH"], False),
    ("queue_stats", _Q + "/stats", {"queue_name": "queue_name"}, ["GET"], False),
    ("queue_share", _Q + "/share", {"queue_name": "queue_name"}, ["POST"], True),
    ("queue_purge", _Q + "/purge", {"queue_name": "queue_name"}, ["POST"], True),
    ("messages", _Q + "/messages{?marker,limit,echo,include_claimed}",
     {"queue_name": "queue_name", "marker": "marker", "limit": "messages_limit", "echo": "echo",
      "include_claimed": "include_claimed"}, ["GET"], False),
    ("post_messages", _Q + "/messages", {"queue_name": "queue_name"}, ["POST"], True),
    ("messages_delete", _Q + "/messages{?ids,pop}",
     {"queue_name": "queue_name", "ids": "ids", "pop": "pop"}, ["DELETE"], False),
    ("message_delete", _Q + "/messages/{message_id}{?claim}",
     {"queue_name": "queue_name", "message_id": "message_id", "claim": "claim_id"},
     ["DELETE"], False),
    ("message_get", _Q + "/messages/{message_id}",
     {"queue_name": "queue_name", "message_id": "message_id"}, ["GET"], False),
    ("claim", _Q + "/claims/{claim_id}", {"queue_name": "queue_name", "claim_id": "claim_id"},
     ["GET"], False),
    ("post_claim", _Q + "/claims{?limit}", {"queue_name": "queue_name", "limit": "claim_limit"},
     ["POST"], True),
    ("patch_claim", _Q + "/claims/{claim_id}",
     {"queue_name": "queue_name", "claim_id": "claim_id"}, ["PATCH"], True),
    ("delete_claim", _Q + "/claims/{claim_id}",
     {"queue_name": "queue_name", "claim_id": "claim_id"}, ["DELETE"], False),
    ("subscriptions_get", _Q + "/subscriptions{?marker,limit}",
     {"queue_name": "queue_name", "marker": "marker", "limit": "subscription_limit"},
     ["GET"], False),
    ("subscriptions_post", _Q + "/subscriptions",
     {"queue_name": "queue_name", "limit": "subscription_limit"}, ["POST"], True),
    ("subscription", _Q + "/subscriptions/{subscriptions_id}",
     {"queue_name": "queue_name", "subscriptions_id": "subscriptions_id"},
     ["GET", "DELETE"], False),
    ("subscription_patch", _Q + "/subscriptions/{subscriptions_id}",
     {"queue_name": "queue_name", "subscriptions_id": "subscriptions_id"}, ["PATCH"], True),
    ("ping", "/v2/ping", None, ["GET"], False),
    ("pools", "/v2/pools{?detailed,limit,marker}",
     {"detailed": "detailed", "limit": "pool_limit", "marker": "marker"}, ["GET"], False),
    ("pool", "/v2/pools/{pool_name}", {"pool_name": "pool_name"},
     ["GET", "PUT", "PATCH", "DELETE"], False),
    ("flavors", "/v2/flavors{?detailed,limit,marker}",
     {"detailed": "detailed", "limit": "flavor_limit", "marker": "marker"}, ["GET"], False),
    ("flavor", "/v2/flavors/{flavor_name}", {"flavor_name": "flavor_name"},
     ["GET", "PUT", "PATCH", "DELETE"], False),
]


def home_document() -> dict:
    """``GET /v2/`` (content type ``application/json-home``)."""
    resources = {}
    for rel, template, hvars, allow, post in _HOME:
        doc = {"href-template": template}
        if hvars is not None:
            doc["href-vars"] = {k: f"param/{v}" for k, v in hvars.items()}
        hints = {"allow": allow, "formats": {"application/json": {}}}
        if post:
            hints["accept-post"] = ["application/json"]
        doc["hints"] = hints
        resources[f"rel/{rel}"] = doc
    resources["rel/health"] = {"href": "/v2/health", "hints": {
        "allow": ["GET"], "formats": {"application/json": {}}}}
    return {"resources": resources}


def to_query_str(params: dict) -> str:
    """falcon.to_query_str: ``?k=v&...`` in dict order, booleans as ``true``/``false``."""
    if not params:
        return ""
    parts = []
    for key, value in params.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        parts.append(f"{key}={value}")
    return "?" + "&".join(parts)


_OPS = (  # operation, typical seconds on a healthy Redis pool (samples 36, 65, 97)
    ("create_queue", 0.0025), ("post_messages", 0.006), ("claim_messages", 0.003),
    ("list_messages", 0.000015), ("delete_messages", 0.0009), ("delete_claim", 0.0011),
    ("bulk_delete_messages", 0.015), ("delete_queue", 0.0025))
_rng = random.Random()


def _op(ok: bool, seconds: float) -> dict:
    return {"succeeded": ok, "seconds": seconds, "ref": None if ok else str(uuid.uuid4())}


def operation_status(reachable: bool, stall: float) -> dict:
    """A pool's ``operation_status``. On a dead store Zaqar's probe creates the queue (no store
    I/O), fails posting (after the Redis retries: ``stall`` s), skips claim/list/delete, fails the
    bulk delete and deletes the queue (sample 51)."""
    def jitter(s: float) -> float:
        return s * _rng.uniform(0.5, 1.6)
    if reachable:
        return {name: _op(True, jitter(s)) for name, s in _OPS}
    return {"create_queue": _op(True, jitter(0.0025)), "post_messages": _op(False, stall),
            "bulk_delete_messages": _op(False, jitter(0.0015)),
            "delete_queue": _op(True, jitter(0.0017))}


def health_document(reachable: dict[str, bool], stall: float) -> dict:
    """``/v2/health``: ``catalog_reachable`` (every pool alive) then one entry per pool."""
    doc = {"catalog_reachable": all(reachable.values())}
    for pool, ok in reachable.items():
        doc[pool] = {"storage_reachable": ok, "operation_status": operation_status(ok, stall)}
    return doc

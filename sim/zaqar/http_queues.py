"""Handlers of Zaqar's queue endpoints: queues, messages, claims and stats.

Why: the console's canary posts and claims messages and reads stats per queue; what those calls
answer when a queue's pool is dead, deleted or re-registered is the diagnosis (samples 38-46,
53-62, 76-83). Calls that need a dead store wait like the Redis client did, then 503 with the
operation's own sentence.
"""

from __future__ import annotations

from aiohttp import web

from msgops.sim.zaqar import views
from msgops.sim.zaqar.common import (
    DEFAULT_PAGE, MAX_PER_PAGE, MAX_TTL, MIN_TTL, ApiError, bad_api, bad_body)
from msgops.sim.zaqar.wire import (
    body, ctx, empty, listing_params, model, param_int, reply, stalled, timings)


def _delay(request: web.Request) -> float:
    return timings(request).store_down


def _queue(request: web.Request) -> str:
    return request.match_info["queue"]


async def queues_list(request: web.Request) -> web.Response:
    c = ctx(request)
    kwargs = listing_params(request, "marker", "limit", "detailed", "name", "with_count")
    items, last = model(request).list_queues(c.project, kwargs.get("marker"),
                                             kwargs.get("limit", DEFAULT_PAGE),
                                             bool(kwargs.get("detailed")))
    for item in items:
        item["href"] = f"{request.path}/{item['name']}"
    kwargs["marker"] = last or kwargs.get("marker", "")
    links = [{"rel": "next", "href": request.path + views.to_query_str(kwargs)}] if items else []
    doc = {"queues": items, "links": links}
    if kwargs.get("with_count"):
        doc["count"] = True   # Zaqar 23's sqlalchemy count returns `res is not None`
    return reply(doc)


async def queue_put(request: web.Request) -> web.Response:
    c = ctx(request)
    meta = await body(request, "Request body could not be parsed.")
    if meta is not None and not isinstance(meta, dict):
        raise bad_body("Request body could not be parsed.")
    created = await stalled(request, _delay(request), "Queue could not be created.",
                            model(request).create_queue, c.project, _queue(request), meta)
    return empty(201 if created else 204, location=request.path, typed=created)


async def queue_get(request: web.Request) -> web.Response:
    return reply(model(request).queue_get(ctx(request).project, _queue(request)))


async def queue_delete(request: web.Request) -> web.Response:
    await stalled(request, _delay(request), "Queue could not be deleted.",
                  model(request).delete_queue, ctx(request).project, _queue(request))
    return empty(204)


async def queue_stats(request: web.Request) -> web.Response:
    doc = await stalled(request, _delay(request), "Queue stats could not be read.",
                        model(request).queue_stats, ctx(request).project, _queue(request))
    base = request.path[:request.path.rindex("/")] + "/messages/"
    for end in ("newest", "oldest"):
        if end in doc["messages"]:
            doc["messages"][end]["href"] = base + doc["messages"][end].pop("id")
    return reply(doc)


def _format(msg: dict, base: str, claim_id: str | None = None) -> dict:
    href = f"{base}/messages/{msg['id']}"
    if claim_id:
        href += f"?claim_id={claim_id}"
    return {"id": msg["id"], "href": href, "ttl": msg["ttl"], "age": msg["age"],
            "body": msg["body"]}


def _messages(doc) -> list[dict]:
    """Zaqar's checks of a POST body, with its wording."""
    if not isinstance(doc, dict) or "messages" not in doc:
        raise bad_api("No messages were found in the request body.")
    msgs = doc["messages"]
    if not isinstance(msgs, list):
        raise ApiError(400, "Invalid request body", "Request body can not be empty")
    if not msgs:
        raise bad_api("No messages to enqueu.")
    for m in msgs:
        if not isinstance(m, dict) or "body" not in m:
            raise bad_body('Missing "body" field.')
        ttl = m.get("ttl", MIN_TTL)
        if not isinstance(ttl, int) or isinstance(ttl, bool):
            raise bad_body('"ttl" is not of type int.')
        if not MIN_TTL <= ttl <= MAX_TTL:
            raise bad_api(f"The TTL for a message may not exceed {MAX_TTL} seconds, and must be "
                          f"at least {MIN_TTL} seconds long.")
    return msgs


async def messages_post(request: web.Request) -> web.Response:
    c = ctx(request)
    msgs = _messages(await body(request, "Request body could not be parsed."))
    ids = await stalled(request, _delay(request), "Messages could not be enqueued.",
                        model(request).post_messages, c.project, _queue(request), msgs, c.client)
    return reply({"resources": [f"{request.path}/{i}" for i in ids]}, 201,
                 headers={"Location": request.path + "?ids=" + ",".join(ids)})


async def messages_list(request: web.Request) -> web.Response:
    c = ctx(request)
    kwargs = listing_params(request, "marker", "limit", "echo", "include_claimed",
                            "include_delayed", wording="may not be greater than")
    m = model(request)
    if not m.queue_get(c.project, _queue(request)).get("_default_message_delay"):
        kwargs["include_delayed"] = True
    msgs, last = await stalled(
        request, _delay(request), "Messages could not be listed.", m.list_messages, c.project,
        _queue(request), c.client, kwargs.get("marker"), kwargs.get("limit", DEFAULT_PAGE),
        bool(kwargs.get("echo")), bool(kwargs.get("include_claimed")))
    links = []
    if msgs:
        kwargs["marker"] = last
        links = [{"rel": "next", "href": request.path + views.to_query_str(kwargs)}]
    base = request.path.rsplit("/", 1)[0]
    return reply({"messages": [_format(x, base, x["claim_id"]) for x in msgs], "links": links})


async def claims_post(request: web.Request) -> web.Response:
    limit = param_int(request, "limit")
    if limit is not None and not 0 < limit <= MAX_PER_PAGE:
        raise bad_api(f"Limit must be at least 1 and may not be greater than {MAX_PER_PAGE}.")
    doc = await body(request, "Request body could not be parsed.") or {}
    ttl, grace = doc.get("ttl", 300), doc.get("grace", 60)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (ttl, grace)):
        raise bad_body('"ttl" is not of type int.')
    if not 60 <= ttl <= 43200:
        raise bad_api("The TTL for a claim may not exceed 43200 seconds, and must be at least "
                      "60 seconds long.")
    c = ctx(request)
    cid, msgs = await stalled(request, _delay(request), "Claim could not be created.",
                              model(request).claim_messages, c.project, _queue(request), ttl,
                              grace, limit or DEFAULT_PAGE)
    if not msgs:
        return empty(204)
    base = request.path.rpartition("/")[0]
    return reply({"messages": [_format(x, base, cid) for x in msgs]}, 201,
                 headers={"Location": f"{request.path}/{cid}"})


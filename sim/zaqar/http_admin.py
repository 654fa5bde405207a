"""Handlers of Zaqar's operator endpoints: ping, health, pools and flavors.

Why: these are what the msgops probe and the pool runbooks call. Each follows the Zaqar 23 source
and samples: ping 204/503 (500 when a driver cannot even be built), health slow while a store is
down, pool ``PUT`` an upsert answering 201 with an empty body, ``PATCH`` 400 on ``{}`` and on a
negative weight, ``DELETE`` always 204, and a pool URI probed before it is accepted.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from msgops.sim.zaqar import schema, views
from msgops.sim.zaqar.common import (
    DEFAULT_PAGE, SCHEME_CAPABILITIES, StoreUnavailable, bad_body, internal, unavailable)
from msgops.sim.zaqar.wire import (
    body, empty, listing_params, model, param_bool, reply, require_admin, timings)


async def ping(request: web.Request) -> web.Response:
    try:
        alive = model(request).ping()
    except StoreUnavailable as e:
        await asyncio.sleep(timings(request).store_down)
        raise internal(e.connect_error) from None
    if alive:
        return empty(204)
    await asyncio.sleep(timings(request).ping_down)
    return empty(503, typed=True)


async def ping_head(_request: web.Request) -> web.Response:
    return empty(204)   # HEAD never looks at the stores


async def health(request: web.Request) -> web.Response:
    require_admin(request)
    t = timings(request)
    try:
        reachable = model(request).health()
    except StoreUnavailable:
        await asyncio.sleep(t.store_down)
        raise unavailable("Health status could not be read.") from None
    stall = 0.0
    if not all(reachable.values()):
        stall = t.health_down * 0.29
        await asyncio.sleep(t.health_down)
    return reply(views.health_document(reachable, stall))


# --- pools -------------------------------------------------------------------------------------
async def pools_list(request: web.Request) -> web.Response:
    require_admin(request)
    store = listing_params(request, "marker", "limit", "detailed")
    items, last = model(request).list_pools(store.get("marker"), store.get("limit", DEFAULT_PAGE),
                                            bool(store.get("detailed")))
    links = []
    if items:
        for item in items:
            item["href"] = f"{request.path}/{item['name']}"
        store["marker"] = last
        links = [{"rel": "next", "href": request.path + views.to_query_str(store)}]
    return reply({"links": links, "pools": items},
                 headers={"Content-Location": request.raw_path})


async def pool_get(request: web.Request) -> web.Response:
    require_admin(request)
    doc = model(request).get_pool(request.match_info["name"],
                                  bool(param_bool(request, "detailed")))
    doc["href"] = request.path
    return reply(doc)


async def _probe(request: web.Request, uri: str) -> None:
    """Zaqar's ``can_connect``: an unknown scheme fails at once; a dead store after the client's
    timeout (mongodb: ``serverSelectionTimeoutMS`` from the URI, else 30 s in the lab)."""
    if model(request).uri_reachable(uri):
        return
    parts = urlsplit(uri)
    if parts.scheme in SCHEME_CAPABILITIES:
        t = timings(request)
        delay = t.probe_down
        if parts.scheme == "mongodb":
            ms = parse_qs(parts.query).get("serverSelectionTimeoutMS")
            delay = int(ms[0]) / 1000 if ms and ms[0].isdigit() else t.mongo_probe
        await asyncio.sleep(delay)
    raise bad_body(f"cannot connect to {uri}")


async def pool_put(request: web.Request) -> web.Response:
    require_admin(request)
    doc = await body(request)
    schema.check_create(doc)
    await _probe(request, doc["uri"])
    model(request).upsert_pool(request.match_info["name"], doc["weight"], doc["uri"],
                               doc.get("flavor"), doc.get("options", {}))
    return empty(201, location=request.path, typed=True)


async def pool_patch(request: web.Request) -> web.Response:
    require_admin(request)
    doc = await body(request)
    schema.check_patch(doc)
    if "uri" in doc:
        await _probe(request, doc["uri"])
    fields = {k: doc[k] for k in schema.PATCH_FIELDS if k in doc}
    view = model(request).update_pool(request.match_info["name"], **fields)
    view["href"] = request.path
    return reply(view)


async def pool_delete(request: web.Request) -> web.Response:
    require_admin(request)
    model(request).delete_pool(request.match_info["name"])
    return empty(204)


# --- flavors -----------------------------------------------------------------------------------
async def flavors_list(request: web.Request) -> web.Response:
    c = require_admin(request)
    store = listing_params(request, "marker", "limit")
    detailed = param_bool(request, "detailed")
    items, last = model(request).list_flavors(c.project, store.get("marker"),
                                              store.get("limit", DEFAULT_PAGE), bool(detailed))
    items = [{"name": i["name"], "href": f"{request.path}/{i['name']}",
              **{k: v for k, v in i.items() if k != "name"}} for i in items]
    if items:
        store["marker"] = last
    if detailed is not None:
        store["detailed"] = detailed
    links = [{"rel": "next", "href": request.path + views.to_query_str(store)}] if items else []
    return reply({"links": links, "flavors": items})


async def flavor_get(request: web.Request) -> web.Response:
    c = require_admin(request)
    doc = model(request).get_flavor(c.project, request.match_info["name"])
    doc["href"] = request.path
    return reply(doc)


def _pool_list(doc) -> list:
    if not isinstance(doc, dict) or not isinstance(doc.get("pool_list"), list):
        raise bad_body("`pool_list` needs to be specified")
    return doc["pool_list"]


async def flavor_put(request: web.Request) -> web.Response:
    c = require_admin(request)
    pools = _pool_list(await body(request))
    model(request).put_flavor(c.project, request.match_info["name"], pools)
    return empty(201, location=request.path, typed=True)


async def flavor_patch(request: web.Request) -> web.Response:
    c = require_admin(request)
    pools = _pool_list(await body(request))
    doc = model(request).patch_flavor(c.project, request.match_info["name"], pools)
    doc["href"] = request.path
    return reply(doc)


async def flavor_delete(request: web.Request) -> web.Response:
    c = require_admin(request)
    model(request).delete_flavor(c.project, request.match_info["name"])
    return empty(204)


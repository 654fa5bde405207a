"""HTTP helpers shared by the simulator's handlers: replies, query parameters, request context.

Why: Zaqar (falcon on wsgiref) has its own wire habits the samples show: JSON bodies with
``Content-Type: application/json`` even on an empty 201 or a bodiless 503, *no* content type on a
204, booleans parsed falcon's way, integer parameters refused with falcon's wording, and slow
answers when a store is down. Handlers use these helpers so every route behaves the same.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from aiohttp import web

from msgops.sim.zaqar.common import (
    MAX_PER_PAGE, NOT_AUTHORIZED, ApiError, StoreUnavailable, bad_api, bad_body, unavailable)

JSON = "application/json"
STATE = web.AppKey("zaqar.state", object)
_TRUE = {"true", "True", "TRUE", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "False", "FALSE", "f", "no", "n", "0", "off"}


@dataclass
class Ctx:
    """Who is calling: from the headers (no auth) or from the token (keystone)."""

    project: str
    client: str
    admin: bool


CTX = web.RequestKey("zaqar.ctx", Ctx) if hasattr(web, "RequestKey") else "zaqar.ctx"


def ctx(request: web.Request) -> Ctx:
    return request[CTX]


def require_admin(request: web.Request) -> Ctx:
    c = ctx(request)
    if not c.admin:
        raise NOT_AUTHORIZED
    return c


def reply(data, status: int = 200, headers: dict | None = None,
          content_type: str = JSON) -> web.Response:
    """A JSON answer typed exactly as falcon types it (no ``charset`` parameter)."""
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": content_type, **(headers or {})})


def empty(status: int, location: str | None = None, typed: bool = False) -> web.Response:
    """A bodiless answer; ``typed`` keeps ``Content-Type: application/json`` (201, 503)."""
    headers = {"Location": location} if location else {}
    if typed:
        headers["Content-Type"] = JSON
    return web.Response(status=status, headers=headers)


def error(err: ApiError, headers: dict | None = None) -> web.Response:
    return reply(err.body(), err.status, headers)


async def body(request: web.Request, message: str = "JSON could not be parsed."):
    """The request's JSON document (None when there is no body)."""
    raw = await request.read()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_body(message) from None


def param_bool(request: web.Request, name: str) -> bool | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ApiError(400, "Invalid parameter",
                   f'The "{name}" parameter is invalid. The value of the parameter must be '
                   '"true" or "false".')


def param_int(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, "Invalid parameter", f'The "{name}" parameter is invalid. '
                       "The value must be an integer.") from None


def listing_params(request: web.Request, *names: str, wording: str = "no greater than") -> dict:
    """The listing parameters present, in Zaqar's order (it rebuilds paging links from them).
    ``wording``: messages and claims say "may not be greater than"."""
    store = {}
    for name in names:
        if name in ("limit",):
            value = param_int(request, name)
        elif name in ("detailed", "with_count", "echo", "include_claimed", "include_delayed"):
            value = param_bool(request, name)
        else:
            value = request.query.get(name) or None
        if value is not None:
            store[name] = value
    limit = store.get("limit")
    if limit is not None and not 0 < limit <= MAX_PER_PAGE:
        raise bad_api(f"Limit must be at least 1 and {wording} {MAX_PER_PAGE}.")
    return store


async def stalled(request: web.Request, delay: float, what: str, fn, *args):
    """Run a model call; if it needs a dead store, wait ``delay`` (the Redis client's retries)
    and answer Zaqar's 503 "``what`` Please try again in a few seconds."."""
    try:
        return fn(*args)
    except StoreUnavailable:
        await asyncio.sleep(delay)
        raise unavailable(what) from None


def timings(request: web.Request):
    return request.app[STATE].timings


def model(request: web.Request):
    return request.app[STATE].model

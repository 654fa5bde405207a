"""The aiohttp application of the simulated Zaqar v2 API: routes, auth and fault gates.

Why: one place reproduces what sits in front of Zaqar's resources: the ``hang`` and one-at-a-time
(wsgiref) gates, Keystone token checks (or the no-auth headers), falcon's ``before`` hooks
(``Client-ID`` required and a UUID, ``X-Project-ID`` required, queue names checked) and Zaqar's
error bodies. Handlers live in ``http_admin`` and ``http_queues``.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass, field

from aiohttp import web

from msgops.sim.zaqar import http_admin as admin
from msgops.sim.zaqar import http_queues as queues
from msgops.sim.zaqar import views
from msgops.sim.zaqar.common import ApiError, StoreUnavailable, Timings, internal, unavailable
from msgops.sim.zaqar.keystone import UNAUTHORIZED, TokenRegistry
from msgops.sim.zaqar.model import ZaqarModel
from msgops.sim.zaqar.wire import CTX, STATE, Ctx, error, reply

QUEUE_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
WSGIREF_SERVER = "WSGIServer/0.2 CPython/3.11.7"
"""The ``Server`` header of zaqar-server 23 on the lab (wsgiref's simple_server: one request at a
time); sent in ``serial`` mode, so clients can tell as they can with the real one."""


@dataclass
class SimState:
    """What the handlers read. ``serial``/``hung`` may be flipped at any time from the loop;
    ``served`` counts the requests that got past the gates."""

    model: ZaqarModel
    timings: Timings
    tokens: TokenRegistry
    auth: str = "noauth"                      # or "keystone"
    keystone_uri: str = "http://127.0.0.1:5000"
    serial: bool = False
    hung: bool = False
    serial_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    unhung: asyncio.Event = field(default_factory=asyncio.Event)
    served: int = 0


def _context(request: web.Request, state: SimState) -> Ctx | web.Response:
    """The caller's context, or the answer that refuses it (401 before 400 before routing)."""
    admin_role = False
    if state.auth == "keystone":
        ident = state.tokens.check(request.headers.get("X-Auth-Token"))
        if ident is None:
            return reply(UNAUTHORIZED, 401, headers={
                "WWW-Authenticate": f'Keystone uri="{state.keystone_uri}"'})
        project, admin_role = ident.project, ident.admin
    else:
        project = request.headers.get("X-Project-ID")
        roles = request.headers.get("X-Roles", "")
        admin_role = "admin" in [r.strip() for r in roles.split(",")]
    client = request.headers.get("Client-ID")
    if client is None:
        raise ApiError(400, "Missing header value", 'The "Client-Id" header is required.')
    try:
        uuid.UUID(client)
    except ValueError:
        raise ApiError(400, "Wrong UUID value", "Malformed hexadecimal UUID.") from None
    if project == "":
        raise ApiError(400, "Empty project header not allowed",
                       "X-PROJECT-ID cannot be an empty string. Specify the right header "
                       "X-PROJECT-ID and retry.")
    if not project:
        raise ApiError(400, "Project-Id Missing", "The header X-PROJECT-ID was missing")
    queue = request.match_info.get("queue")
    if queue is not None and (not QUEUE_NAME.match(queue) or len(project) > 256):
        raise ApiError(400, "Invalid queue identification",
                       "The format of the submitted queue name or project id is not valid.")
    return Ctx(project, client, admin_role)


def make_app(state: SimState) -> web.Application:

    @web.middleware
    async def gate(request: web.Request, handler):
        """Faults in front of everything: ``hang`` holds requests unanswered; ``serial`` lets
        one request at a time through, like zaqar-server's wsgiref (HTTP/1.0, one thread)."""
        deadline = state.timings.max_wait
        if state.hung:
            try:
                await asyncio.wait_for(state.unhung.wait(), deadline)
            except asyncio.TimeoutError:
                request.transport.close()        # give up on it, still unanswered
                return web.Response(status=504)
        if not state.serial:
            return await handler(request)
        await asyncio.wait_for(state.serial_lock.acquire(), deadline)
        try:
            resp = await handler(request)
            resp.force_close()
            resp.headers["Server"] = WSGIREF_SERVER  # what zaqar-server's wsgiref says of itself
            return resp
        finally:
            state.serial_lock.release()

    @web.middleware
    async def zaqar(request: web.Request, handler):
        state.served += 1
        try:
            if request.path != "/":
                got = _context(request, state)
                if isinstance(got, web.Response):
                    return got
                request[CTX] = got
            return await handler(request)
        except ApiError as e:
            return error(e)
        except web.HTTPNotFound:
            return reply({"title": "404 Not Found"}, 404)
        except web.HTTPMethodNotAllowed as e:
            return reply({"title": "405 Method Not Allowed"}, 405,
                         headers={"Allow": ", ".join(sorted(e.allowed_methods))})
        except StoreUnavailable:
            return error(unavailable("Service could not complete the request."))
        except (asyncio.CancelledError, web.HTTPException):
            raise
        except Exception as e:  # noqa: BLE001 - Zaqar's generic handler
            return error(internal(str(e)))

    async def versions(_r):
        return reply(views.VERSIONS, 300)

    async def home(_r):
        return reply(views.home_document(), content_type="application/json-home")

    app = web.Application(middlewares=[gate, zaqar])
    app[STATE] = state
    r = app.router
    r.add_route("GET", "/", versions)
    r.add_route("GET", "/v2", home)
    r.add_route("GET", "/v2/", home)
    r.add_route("GET", "/v2/ping", admin.ping)
    r.add_route("HEAD", "/v2/ping", admin.ping_head)
    r.add_route("GET", "/v2/health", admin.health)
    r.add_route("GET", "/v2/pools", admin.pools_list)
    pool = "/v2/pools/{name}"
    for method, fn in (("GET", admin.pool_get), ("PUT", admin.pool_put),
                       ("PATCH", admin.pool_patch), ("DELETE", admin.pool_delete)):
        r.add_route(method, pool, fn)
    r.add_route("GET", "/v2/flavors", admin.flavors_list)
    flavor = "/v2/flavors/{name}"
    for method, fn in (("GET", admin.flavor_get), ("PUT", admin.flavor_put),
                       ("PATCH", admin.flavor_patch), ("DELETE", admin.flavor_delete)):
        r.add_route(method, flavor, fn)
    r.add_route("GET", "/v2/queues", queues.queues_list)
    q = "/v2/queues/{queue}"
    for method, fn in (("GET", queues.queue_get), ("PUT", queues.queue_put),
                       ("DELETE", queues.queue_delete)):
        r.add_route(method, q, fn)
    r.add_route("GET", q + "/stats", queues.queue_stats)
    r.add_route("POST", q + "/messages", queues.messages_post)
    r.add_route("GET", q + "/messages", queues.messages_list)
    r.add_route("POST", q + "/claims", queues.claims_post)
    return app

"""One node's management HTTP API (aiohttp), answering from that node's view of the model.

Why: the console talks to every node's API separately (each tells its own story in a
partition). ``NodeHttpServer`` listens on its own loopback port; the cluster closes it when the
node stops (connection refused) and reopens it on the same port when the node starts.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field

from aiohttp import web

from msgops.sim.rabbitmq import views
from msgops.sim.rabbitmq.query import QueryError, list_reply
from msgops.sim.rabbitmq.simtypes import SimError

NOT_FOUND = {"error": "Object Not Found", "reason": "Not Found"}
BASIC_SORT = {"vhost", "name"}


@dataclass
class HttpOptions:
    """Knobs of the simulated API. Delays apply to ``/api/queues`` while some node is cut
    (LAB-NOTES: 4 s majority side, 8.5 s minority side in the lab); default 0."""

    queues_delay_majority: float = 0.0
    queues_delay_minority: float = 0.0
    queues_delay: float = 0.0
    """Always added to ``/api/queues`` (a big cluster's listing: 5-9 s at 10k queues in the lab)."""
    views_delay: dict[str, float] = field(default_factory=dict)
    """node name -> seconds added to that node's ``/api/overview`` and ``/api/nodes``. In the lab,
    for the ~10 s a cut takes to be noticed (net_ticktime) every API's overview and nodes hang while
    the queue list still answers: a poll can then miss one node's view and get its queue list."""


def _json(data, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(data), status=status, content_type="application/json",
                        headers={"cache-control": "no-cache"})


def _err(status: int, kind: str, reason: str) -> web.Response:
    return _json({"error": kind, "reason": reason}, status)


def make_app(model, node: str, options: HttpOptions | None = None) -> web.Application:
    """The aiohttp application of ``node``'s management API."""
    opts = options or HttpOptions()
    m = model

    @web.middleware
    async def guard(request: web.Request, handler):
        auth = request.headers.get("Authorization", "")
        ok = False
        if auth.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                ok = (user, pw) == (m.user, m.password)
            except (ValueError, UnicodeDecodeError):
                ok = False
        if not ok:
            resp = _err(401, "not_authorized",
                        "Login failed" if auth else "Not_Authorized")
            resp.headers["WWW-Authenticate"] = 'Basic realm="RabbitMQ Management"'
            return resp
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return _json(NOT_FOUND, 404)
        except web.HTTPMethodNotAllowed:
            return _err(405, "method_not_allowed", "Method Not Allowed")
        except QueryError as e:
            return _err(400, e.kind, e.reason)
        except SimError as e:
            if e.status == 404:
                return _json(NOT_FOUND, 404)
            return _err(e.status, e.kind, str(e))

    def vhost_ok(vhost: str) -> None:
        if vhost not in m.vhosts:
            raise web.HTTPNotFound()

    async def view_delay() -> None:
        if opts.views_delay.get(node):
            await asyncio.sleep(opts.views_delay[node])

    async def overview(_r):
        await view_delay()
        return _json(views.overview(m, node))

    async def cluster_name(_r):
        return _json({"name": m.cluster_name})

    async def nodes(r):
        await view_delay()
        return _json(list_reply(views.node_items(m, node), r.query, lambda d: d, set()))

    async def one_node(r):
        for d in views.node_items(m, node):
            if d["name"] == r.match_info["name"]:
                return _json(d)
        raise web.HTTPNotFound()

    async def queues(r):
        vhost = r.match_info.get("vhost")
        if vhost is not None:
            vhost_ok(vhost)
        delay = opts.queues_delay
        if m.isolated:
            delay += opts.queues_delay_minority if node in m.minority else opts.queues_delay_majority
        if delay:
            await asyncio.sleep(delay)
        qs = r.query
        stats = qs.get("disable_stats") != "true"
        totals = qs.get("enable_queue_totals") == "true"

        cols = qs.get("columns")
        want = {c.split(".")[0] for c in cols.split(",")} if cols is not None else None

        def build():
            with m.lock:
                objs = views.visible_queues(m, node, vhost)
                ctx = views.ViewCtx(m, node)
                return list_reply(objs, qs, lambda q: views.queue_item(m, node, q, stats, totals,
                                                                       want, ctx),
                                  BASIC_SORT, get_name=lambda q: q.name,
                                  get_basic=lambda q, k: getattr(q, k, 0))
        return _json(await asyncio.get_running_loop().run_in_executor(None, build))

    def lookup(r):
        vhost, name = r.match_info["vhost"], r.match_info["name"]
        vhost_ok(vhost)
        return m.get_queue(vhost, name)

    async def queue(r):
        with m.lock:
            q = lookup(r)
            d = views.queue_item(m, node, q)
        d.update(consumer_details=[], deliveries=[], incoming=[])
        return _json(list_reply([d], r.query, lambda x: x, set())[0] if "columns" in r.query
                     else d)

    async def delete_queue(r):
        with m.lock:
            q = lookup(r)
            m.delete(q.vhost, q.name, if_empty=r.query.get("if-empty") == "true",
                     if_unused=r.query.get("if-unused") == "true")
        return web.Response(status=204)

    def json_only(r) -> bool:
        """RabbitMQ 3.10 answers 406 to purge and queue actions when the client accepts only JSON
        (seen on the real lab: `Accept: application/json` → 406, `*/*` or none → 204)."""
        accept = [a.split(";")[0].strip() for a in r.headers.get("Accept", "").split(",") if a.strip()]
        return bool(accept) and all(a == "application/json" for a in accept)

    async def purge(r):
        if json_only(r):
            return web.Response(status=406)
        with m.lock:
            q = lookup(r)
            m.purge(q.vhost, q.name)
        return web.Response(status=204)

    async def actions(r):
        if json_only(r):
            return web.Response(status=406)
        try:
            body = await r.json()
        except (ValueError, UnicodeDecodeError):
            return _err(400, "bad_request", "not_json")
        action = body.get("action") if isinstance(body, dict) else None
        with m.lock:
            q = lookup(r)
            if action not in ("sync", "cancel_sync") or m.major >= 4:
                return _err(400, "bad_request", f"Unknown action: {action}")
            if action == "sync":
                m.sync(q.vhost, q.name)
        return web.Response(status=204)

    async def policies(r):
        vhost = r.match_info.get("vhost")
        if vhost is not None:
            vhost_ok(vhost)
        return _json([p for p in m.policies if vhost is None or p["vhost"] == vhost])

    async def vhosts(r):
        out = []
        for v in m.vhosts:
            msgs = sum(q.messages for q in views.visible_queues(m, node, v))
            out.append({"name": v, "description": "Default virtual host" if v == "/" else "",
                        "tags": [], "metadata": {"description": "", "tags": []},
                        "default_queue_type": "undefined", "tracing": False,
                        "cluster_state": {n: "running" for n in m.nodes if m.link_up(node, n)},
                        "messages": msgs, "messages_details": views.R0})
        return _json(list_reply(out, r.query, lambda d: d, set(), get_basic=None))

    async def whoami(_r):
        return _json({"name": m.user, "tags": ["administrator"]})

    async def health(r):
        check = r.match_info["check"]
        if check in ("alarms", "local-alarms"):
            alarms = m.alarms(node)
            if check == "local-alarms":
                alarms = [a for a in alarms if a["node"] == node]
                reason = "There are alarms in effect on the node"
            else:
                reason = "There are alarms in effect in the cluster"
            if alarms:
                return _json({"status": "failed", "reason": reason, "alarms": alarms}, 503)
            return _json({"status": "ok"})
        if check == "virtual-hosts":
            return _json({"status": "ok"})
        if check == "node-is-quorum-critical":
            return _critical(quorum=True)
        if check == "node-is-mirror-sync-critical" and m.major < 4:
            return _critical(quorum=False)
        raise web.HTTPNotFound()

    def _critical(quorum: bool) -> web.Response:
        if len(m.nodes) == 1:
            return _json({"status": "ok", "reason": "single node cluster"})
        bad = []
        with m.lock:
            ctx = views.ViewCtx(m, node)
            for q in m.queues.values():
                st = views.queue_state(ctx, q)
                if quorum and q.type == "quorum":
                    # 3.10's filter_quorum_critical: a local member, and online members =< majority
                    # (so a partitioned minority node reports itself critical too, as the lab does).
                    hit = node in q.members and len(st["online"]) <= len(q.members) // 2 + 1
                elif not quorum and q.type == "classic" and m.is_mirrored(q):
                    hit = st["node"] == node and not st["down"] and not st["synced"]
                else:
                    hit = False
                if hit:
                    bad.append({"name": q.name, "readable_name": f"queue '{q.name}' in vhost "
                                f"'{q.vhost}'", "virtual_host": q.vhost, "type": q.type})
        if not bad:
            return _json({"status": "ok"})
        reason = ("There are quorum queues that would lose their quorum if the target node is "
                  "shut down" if quorum else
                  "There are classic mirrored queues without online synchronised mirrors")
        return _json({"status": "failed", "reason": reason, "queues": bad}, 503)

    async def port_listener(r):
        port = int(r.match_info["port"])
        ports = [p for k, p in m.endpoints.get(node, {}).items() if k in ("amqp", "http")]
        if port in ports:
            return _json({"status": "ok", "port": port})
        return _json({"status": "failed", "reason": "No active listener", "missing": port,
                      "ports": ports}, 503)

    async def fallback(_r):
        return _json(NOT_FOUND, 404)

    app = web.Application(middlewares=[guard])
    g, a = app.router.add_get, app.router.add_route
    g("/api/overview", overview)
    g("/api/cluster-name", cluster_name)
    g("/api/nodes", nodes)
    g("/api/nodes/{name}", one_node)
    g("/api/queues", queues)
    g("/api/queues/{vhost}", queues)
    g("/api/queues/{vhost}/{name}", queue)
    a("DELETE", "/api/queues/{vhost}/{name}", delete_queue)
    a("DELETE", "/api/queues/{vhost}/{name}/contents", purge)
    a("POST", "/api/queues/{vhost}/{name}/actions", actions)
    g("/api/policies", policies)
    g("/api/policies/{vhost}", policies)
    g("/api/vhosts", vhosts)
    g("/api/whoami", whoami)
    g("/api/health/checks/port-listener/{port}", port_listener)
    g("/api/health/checks/{check}", health)
    a("*", "/{tail:.*}", fallback)
    return app


class NodeHttpServer:
    """Start/stop one node's API on ``host:port`` (port 0 = ephemeral, then kept on restart)."""

    def __init__(self, model, node: str, host: str = "127.0.0.1", port: int = 0,
                 options: HttpOptions | None = None):
        self.model, self.node, self.host, self.port = model, node, host, port
        self.options = options or HttpOptions()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def listening(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        if self._runner is not None:
            return
        runner = web.AppRunner(make_app(self.model, self.node, self.options), access_log=None,
                               shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        self.port = runner.addresses[0][1]
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

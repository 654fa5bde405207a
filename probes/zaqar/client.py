"""The one place that speaks to a Zaqar API (through python-zaqarclient); probes and runbooks share it.

Every call runs on the tier's bounded worker threads (``run_blocking``) inside a ``budget`` of the
same length, so neither the event loop nor a worker thread waits past the call's deadline. Failures
come back as ``CallFailed`` carrying a ``Problem``: the API down or silent, Keystone refusing the
password, Zaqar refusing a token that worked before (expired or revoked: the session re-authenticates
on the next call) or a token it never accepted, a token without the admin role, a 5xx...
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Callable

from msgops.probes.cycle import Inflight, run_blocking
from msgops.probes.errors import ProbeError
from msgops.probes.secrets import scrub
from msgops.probes.zaqar.model import Call, Problem
from msgops.probes.zaqar.target import ZaqarTarget

PAGE = 20
"""Pools and flavors per page (Zaqar's default max_pools_per_page / max_flavors_per_page)."""
MAX_PAGES = 500
AUTH_CODES = ("auth_no_token", "auth_token_expired", "auth_token_rejected", "auth_bad_credentials",
              "auth_role_missing", "keystone_unreachable", "auth_config")


class CallFailed(ProbeError):
    """A call gave nothing usable; ``problem`` says why in a stable code and one line."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason)
        self.problem = problem

    @property
    def status(self) -> int | None:
        return self.problem.status


class ZaqarClient:
    """Async calls to one target's Zaqar API; the zaqarclient client is built on first use (off the
    event loop: loading openstacksdk's config and plugins takes ~0.5 s)."""

    def __init__(self, target: ZaqarTarget, inflight: Inflight | None = None) -> None:
        self.target = target
        self.inflight = inflight or Inflight()
        self.calls: list[Call] = []
        self.server: str | None = None
        """The API's ``Server`` header, as last seen."""
        self.endpoint_seen: str | None = None
        """The API endpoint the last call went to (from the catalog when not configured)."""
        self.roles_seen: tuple[str, ...] = ()
        """The token's roles, read (on a worker thread) when Zaqar refused an admin call."""
        self._connection: Any = None
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        return self.target.endpoint or "catalog endpoint"

    def take_calls(self) -> tuple[Call, ...]:
        calls, self.calls = tuple(self.calls), []
        return calls

    async def aclose(self) -> None:
        if self._connection is not None:
            self._connection.close()

    # -- calls ------------------------------------------------------------------------------------
    async def ping(self, *, timeout: float | None = None) -> tuple[int, float]:
        """(status, seconds) of ``GET /v2/ping``: 204 ok, 503 (a pool's store unreachable) and 500
        (a pool's driver cannot be built) come back as statuses, not errors."""
        def op(trans: Any, req: Any) -> None:
            req.operation = "ping"
            trans.send(req)
        started = time.perf_counter()
        try:
            await self.call("GET /v2/ping", op, timeout=timeout, admin=False)
            return 204, time.perf_counter() - started
        except CallFailed as exc:
            if exc.problem.code == "http_error" and exc.status in (500, 503):
                return exc.status, time.perf_counter() - started
            raise

    async def pools(self) -> list[dict]:
        """Every pool, detailed, every page."""
        return await self._pages("pools", "pool_list")

    async def flavors(self) -> list[dict]:
        """Every flavor of the caller's project, detailed, every page."""
        return await self._pages("flavors", "flavor_list")

    async def health(self, *, timeout: float | None = None, inflight: Inflight | None = None) -> dict:
        doc = await self.call("GET /v2/health", lambda trans, req: _core().health(trans, req), timeout=timeout or self.target.health_timeout,
                              inflight=inflight)
        if not isinstance(doc, dict):
            raise CallFailed(Problem("bad_reply", "GET /v2/health: the reply is not a JSON object"))
        return doc

    async def pool(self, name: str, *, timeout: float | None = None) -> dict | None:
        """One pool, detailed; None when Zaqar says it does not exist (404)."""
        def op(trans: Any, req: Any) -> Any:
            req.params["detailed"] = True
            return _core().pool_get(trans, req, name)
        try:
            doc = await self.call(f"GET /v2/pools/{name}", op, timeout=timeout)
        except CallFailed as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(doc, dict):
            raise CallFailed(Problem("bad_reply", f"GET /v2/pools/{name}: the reply is not a JSON object"))
        return doc

    async def set_weight(self, name: str, weight: int, *, timeout: float | None = None) -> dict | None:
        """``PATCH /v2/pools/NAME {"weight": N}``: the pool as Zaqar returns it."""
        return await self.call(f"PATCH /v2/pools/{name} weight={weight}",
                               lambda trans, req: _core().pool_update(trans, req, name, {"weight": weight}),
                               timeout=timeout)

    async def _pages(self, kind: str, operation: str) -> list[dict]:
        items: list[dict] = []
        marker: str | None = None
        limit: int | None = PAGE
        for page in range(MAX_PAGES):
            params = {"detailed": True, **({"limit": limit} if limit else {}), **({"marker": marker} if marker else {})}
            try:
                doc = await self.call(f"GET /v2/{kind}" + (f" page {page + 1}" if page else ""),
                                      lambda trans, req, p=params: getattr(_core(), operation)(trans, req, **p))
            except CallFailed as exc:
                if exc.status == 400 and limit and page == 0:  # a server whose max per page is lower
                    limit = None
                    continue
                raise
            batch = doc.get(kind) if isinstance(doc, dict) else None
            if not isinstance(batch, list):
                raise CallFailed(Problem("bad_reply", f"GET /v2/{kind}: no '{kind}' list in the reply"))
            batch = [b for b in batch if isinstance(b, dict) and isinstance(b.get("name"), str)]
            items += batch
            last = batch[-1]["name"] if batch else None
            has_next = any(isinstance(link, dict) and link.get("rel") == "next" for link in doc.get("links") or ())
            if not batch or not has_next or (limit and len(batch) < limit) or (marker is not None and last <= marker):
                return items
            marker = last
        raise CallFailed(Problem("bad_reply", f"GET /v2/{kind}: more than {MAX_PAGES} pages"))

    # -- the one way a call is made ----------------------------------------------------------------
    async def call(self, what: str, op: Callable[[Any, Any], Any], *, timeout: float | None = None,
                   admin: bool = True, inflight: Inflight | None = None) -> Any:
        """Run ``op(transport, request)`` (a zaqarclient ``core`` function) on a worker thread within
        ``timeout`` seconds (default ``call_timeout``); CallFailed on any failure."""
        seconds = timeout or self.target.call_timeout
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            with (inflight or self.inflight).track(f"{what} @ {self.where}"):
                result, status = await run_blocking("zaqar", self._blocking, op, seconds, admin,
                                                    deadline=seconds + 0.25)
            return result
        except asyncio.TimeoutError:
            problem = Problem("api_timeout", f"{what}: no answer from {self.where} within {seconds:g}s")
            error = problem.reason
            raise CallFailed(problem) from None
        except CallFailed as exc:
            status, error = exc.status, exc.problem.reason
            raise
        finally:
            self.calls.append(Call(what, time.perf_counter() - started, status, error))

    def _blocking(self, op: Callable[[Any, Any], Any], seconds: float, admin: bool) -> tuple[Any, int | None]:
        from msgops.probes.zaqar.errors import classify
        from msgops.probes.zaqar.transport import budget

        with budget(seconds, self.target.max_reply_bytes) as b:
            try:
                connection = self._connect()
                client = connection.client
                client.admin_call.on, client.admin_call.token = admin, None
                req, trans = client._request_and_transport()  # noqa: SLF001 - zaqarclient's own pairing
                self.endpoint_seen = req.endpoint or self.endpoint_seen
                result = op(trans, req)
            except Exception as exc:  # noqa: BLE001 - every failure becomes a Problem
                raise CallFailed(classify(exc, self, b.expired, seconds)) from None
            if b.server:
                self.server = b.server
            token = getattr(client.admin_call, "token", None)
            if token:
                connection.good_token = token
            return result, b.status

    def _connect(self) -> Any:
        with self._lock:
            if self._connection is None:
                from msgops.probes.zaqar.session import connect

                self._connection = connect(self.target)
            return self._connection

    def roles(self) -> tuple[str, ...]:
        """The token's roles (blocking when the token must be renewed: worker threads only)."""
        self.roles_seen = self._connection.roles() if self._connection is not None else ()
        return self.roles_seen


def _core() -> Any:
    """zaqarclient's v2 calls, imported on a worker thread (the import takes ~0.3 s)."""
    from zaqarclient.queues.v2 import core

    return core


def describe(exc: BaseException) -> str:
    return scrub(str(exc)) or type(exc).__name__

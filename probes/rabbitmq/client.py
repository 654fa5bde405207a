"""The one place that speaks RabbitMQ's management HTTP API; shared by probes and runbook steps.

Failover: a request without an explicit ``api`` goes to the last API that answered, then to the
others in inventory order. Node-local requests (health checks, each node's own view) name their
``api`` and never fail over, because another node's answer would be about another node.
"""

from __future__ import annotations

import json
import ssl
import time
from typing import Any

import httpx

from msgops.probes.cycle import Inflight
from msgops.probes.errors import BadReply, ProbeError, Unreachable
from msgops.probes.http import Reply, bounded_request
from msgops.probes.rabbitmq.model import ApiCall
from msgops.probes.rabbitmq.target import RabbitTarget, quote_vhost
from msgops.probes.secrets import scrub


class ManagementClient:
    """Async client of every management API of one cluster (one connection pool for all)."""

    def __init__(self, target: RabbitTarget, transport: httpx.AsyncBaseTransport | None = None,
                 inflight: Inflight | None = None) -> None:
        self.target = target
        self.inflight = inflight or Inflight()
        self._preferred = 0
        verify: Any = target.verify_tls
        if target.verify_tls and target.ca_file:
            verify = ssl.create_default_context(cafile=target.ca_file)
        self._http = httpx.AsyncClient(
            auth=(target.management_user, target.management_password.reveal()),
            verify=verify,
            transport=transport,
            # Not a bare application/json: RabbitMQ 3.10 answers 406 to purge (DELETE .../contents)
            # and queue actions (POST .../actions) when that is the only acceptable type.
            headers={"Accept": "application/json, */*;q=0.5", "User-Agent": "msgops"},
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        )
        self.calls: list[ApiCall] = []
        """Every request made since the last ``take_calls()`` (durations for the snapshot)."""

    @property
    def apis(self) -> tuple[str, ...]:
        return self.target.management_urls

    def take_calls(self) -> tuple[ApiCall, ...]:
        calls, self.calls = tuple(self.calls), []
        return calls

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        api: str | None = None,
        timeout: float | None = None,
        params: dict | None = None,
        body: Any = None,
        accept_status: tuple[int, ...] = (),
    ) -> tuple[int, Any, str]:
        """Send one request; return (status, decoded JSON or None, api that answered).

        Raises Unreachable when no API answered, BadReply on a 4xx/5xx not in ``accept_status``.
        """
        timeout = timeout or self.target.health_timeout
        order = [api] if api else self._failover_order()
        failures = []
        for base in order:
            started = time.perf_counter()
            try:
                with self.inflight.track(f"{method} {path} @ {base}"):
                    reply = await bounded_request(self._http, method, base + path, deadline=timeout,
                                                  max_bytes=self.target.max_reply_bytes, params=params, json=body)
            except ProbeError as exc:
                error = scrub(str(exc))
            else:
                seconds = time.perf_counter() - started
                if reply.status >= 500 and reply.status not in accept_status and not api:
                    self._record(path, base, seconds, reply.status, f"HTTP {reply.status}")
                    failures.append(f"{base}: HTTP {reply.status}")
                    continue
                self._record(path, base, seconds, reply.status, None)
                if not api:
                    self._preferred = self.apis.index(base)
                return reply.status, self._decode(reply, base, path, accept_status), base
            self._record(path, base, time.perf_counter() - started, None, error)
            failures.append(error if error.startswith(method) else f"{base}: {error}")
        raise Unreachable(f"{method} {path}: " + "; ".join(failures))

    async def get(self, path: str, **kwargs: Any) -> tuple[Any, str]:
        """GET JSON (2xx only); returns (data, api)."""
        _, data, api = await self.request("GET", path, **kwargs)
        return data, api

    def _decode(self, reply: Reply, base: str, path: str, accept: tuple[int, ...]) -> Any:
        ok = 200 <= reply.status < 300 or reply.status in accept
        data = None
        if reply.content:
            try:
                data = json.loads(reply.content)
            except (json.JSONDecodeError, UnicodeDecodeError):
                if ok:
                    raise BadReply(f"{base}{path}: reply is not JSON ({reply.content[:60]!r})", reply.status) from None
        if not ok:
            reason = (data.get("reason") or data.get("error")) if isinstance(data, dict) else reply.reason
            hint = " (check management_user/password)" if reply.status == 401 else ""
            raise BadReply(f"{base}{path}: HTTP {reply.status} {str(reason)[:200]}{hint}", reply.status)
        return data

    def _failover_order(self) -> list[str]:
        apis = list(self.apis)
        return apis[self._preferred:] + apis[: self._preferred]

    def _record(self, path: str, api: str, seconds: float, status: int | None, error: str | None) -> None:
        self.calls.append(ApiCall(path=path.split("?")[0], api=api, seconds=seconds, status=status, error=error))

    # -- queue actions (used by runbooks) -------------------------------------------------------
    @staticmethod
    def queue_path(vhost: str, name: str) -> str:
        return f"/api/queues/{quote_vhost(vhost)}/{quote_vhost(name)}"


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

from msgops.probes.errors import BadReply, Unreachable
from msgops.probes.rabbitmq.model import ApiCall
from msgops.probes.targets import RabbitTarget, quote_vhost


class ManagementClient:
    """Async client of every management API of one cluster (one connection pool for all)."""

    def __init__(self, target: RabbitTarget, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.target = target
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
                resp = await self._http.request(
                    method, base + path, params=params, json=body, timeout=timeout
                )
            except httpx.TimeoutException:
                error = f"no answer within {timeout:g}s"
            except httpx.HTTPError as exc:
                error = _describe(exc)
            else:
                seconds = time.perf_counter() - started
                if resp.status_code >= 500 and resp.status_code not in accept_status and not api:
                    self._record(path, base, seconds, resp.status_code, f"HTTP {resp.status_code}")
                    failures.append(f"{base}: HTTP {resp.status_code}")
                    continue
                self._record(path, base, seconds, resp.status_code, None)
                if not api:
                    self._preferred = self.apis.index(base)
                return resp.status_code, self._decode(resp, base, path, accept_status), base
            self._record(path, base, time.perf_counter() - started, None, error)
            failures.append(f"{base}: {error}")
        raise Unreachable(f"{method} {path}: " + "; ".join(failures))

    async def get(self, path: str, **kwargs: Any) -> tuple[Any, str]:
        """GET JSON (2xx only); returns (data, api)."""
        _, data, api = await self.request("GET", path, **kwargs)
        return data, api

    def _decode(self, resp: httpx.Response, base: str, path: str, accept: tuple[int, ...]) -> Any:
        ok = 200 <= resp.status_code < 300 or resp.status_code in accept
        data = None
        if resp.content:
            try:
                data = resp.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                if ok:
                    raise BadReply(f"{base}{path}: reply is not JSON ({resp.content[:60]!r})", resp.status_code) from None
        if not ok:
            reason = data.get("reason") or data.get("error") if isinstance(data, dict) else resp.reason_phrase
            hint = " (check management_user/password)" if resp.status_code == 401 else ""
            raise BadReply(f"{base}{path}: HTTP {resp.status_code} {reason}{hint}", resp.status_code)
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


def _describe(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return f"TLS certificate not trusted ({text.split(':')[-1].strip()}); set ca_file"
        return f"connection failed: {text}"
    return text

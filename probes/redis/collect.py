"""One poll of one Redis server through redis-py's asyncio client: connect (kept across polls), PING
(its round trip), INFO (every default section, one call of a few KB). Each call is tracked (so a
cycle past its deadline names what did not answer) and bounded by the target's timeouts.

The client speaks RESP2 (``protocol=2``: AUTH, no HELLO), which every Redis version answers; RESP3
needs 6.0+, and a Zaqar pool may run an older server. It never retries on its own: a failed call is
this poll's finding, and the next poll reconnects. A server that is loading its dataset refuses
PING with ``LOADING`` but answers INFO, so a PING error reply does not stop the cycle.
"""

from __future__ import annotations

import asyncio
import errno
import time
from typing import Any

from msgops.probes.cycle import Inflight
from msgops.probes.redis.model import Call, RedisSnapshot
from msgops.probes.redis.parse import parse_info
from msgops.probes.redis.target import RedisTarget
from msgops.probes.secrets import scrub

CLIENT_NAME = "msgops"
"""CLIENT SETNAME on connect: the probe's connection is recognisable in CLIENT LIST."""
SLACK = 0.5
"""Seconds our own deadline on a call waits past redis-py's socket timeout (which names it better)."""


class Failed(Exception):
    """A call failed in a way that ends the cycle: ``kind`` (see RedisSnapshot.error_kind) and words."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(text)
        self.kind, self.text = kind, text


class RedisProbe:
    """Collects RedisSnapshots of one target over one kept connection."""

    def __init__(self, target: RedisTarget) -> None:
        self.target = target
        self.inflight = Inflight()
        self._client: Any = None
        self._failing_since: float | None = None
        self._dirty = False
        self._cycle: dict[str, Any] = {}

    def pending(self) -> list[str]:
        return self.inflight.pending()

    def partial(self) -> RedisSnapshot | None:
        """What the running cycle gathered so far (its calls, PING if it answered)."""
        return self._snapshot(self._cycle, complete=False) if self._cycle else None

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def poll(self, *, full: bool = False, light: bool = False) -> RedisSnapshot:
        """One cycle (``full``/``light`` change nothing: every poll is the same two cheap calls)."""
        cycle: dict[str, Any] = {"started": time.time(), "calls": [], "connected": False}
        self._cycle = cycle
        if self._dirty:  # the last cycle was cancelled mid-call: its connection may hold a late reply
            await self._disconnect()
        self._dirty = True
        for attempt in (1, 2):
            try:
                await self._connect(cycle)
                await self._ping(cycle)
                await self._info(cycle)
                break
            except Failed as failure:
                await self._disconnect()
                if attempt == 1 and not cycle.get("fresh") and failure.kind == "unreachable":
                    continue  # the kept connection had died (a restart, an idle timeout): connect anew once
                cycle["error"], cycle["kind"] = failure.text, failure.kind
                break
        self._dirty = False
        if "error" in cycle:
            self._failing_since = self._failing_since or cycle["started"]
        else:
            self._failing_since = None
        snapshot = self._snapshot(cycle, complete=True)
        self._cycle = {}
        return snapshot

    # -- the calls -----------------------------------------------------------------------------
    def _make_client(self) -> Any:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        t = self.target
        tls = {}
        if t.tls:
            tls = dict(ssl=True, ssl_cert_reqs="required" if t.verify_tls else "none",
                       ssl_check_hostname=t.verify_tls, ssl_ca_certs=t.ca_file)
        client = Redis(host=t.host, port=t.port, db=t.db, username=t.username,
                       password=t.password.reveal() or None, socket_connect_timeout=t.connect_timeout,
                       socket_timeout=t.call_timeout, single_connection_client=True, client_name=CLIENT_NAME,
                       protocol=2, retry=Retry(NoBackoff(), 0), health_check_interval=0, **tls)
        client.set_response_callback("INFO", lambda response, **_: response)  # the raw text: parse.py reads it
        return client

    async def _connect(self, cycle: dict) -> None:
        if self._client is None:
            self._client = self._make_client()
        conn = self._client.connection
        if conn is not None and conn.is_connected:
            cycle["connected"] = True
            return
        t = self.target
        what = f"connect (TCP{', TLS' if t.tls else ''}, AUTH, SELECT {t.db}) @ {t.address}"
        step = conn.connect() if conn is not None else self._client.initialize()
        await self._call(cycle, what, step, t.connect_timeout + t.call_timeout, stage="connect")
        cycle["connected"] = cycle["fresh"] = True

    async def _ping(self, cycle: dict) -> None:
        from redis.exceptions import BusyLoadingError, ResponseError

        started = time.perf_counter()
        try:
            await self._call(cycle, f"PING @ {self.target.address}", self._client.ping(), self.target.call_timeout,
                             stage="PING", answers=(ResponseError, BusyLoadingError))
        except (ResponseError, BusyLoadingError) as exc:  # LOADING (or another refusal): INFO may tell why
            cycle["ping_error"] = _error_reply(exc)
            return
        cycle["ping_seconds"] = time.perf_counter() - started

    async def _info(self, cycle: dict) -> None:
        await self._connect(cycle)  # redis-py drops the connection after a LOADING reply
        raw = await self._call(cycle, f"INFO @ {self.target.address}", self._client.execute_command("INFO"),
                               self.target.call_timeout, stage="INFO")
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        cycle["info"] = parse_info(text)

    async def _call(self, cycle: dict, what: str, step: Any, timeout: float, *, stage: str,
                    answers: tuple[type, ...] = ()) -> Any:
        """Run one call: tracked, bounded, recorded; errors other than ``answers`` become Failed."""
        started = time.perf_counter()
        error: str | None = None
        try:
            with self.inflight.track(what):
                return await asyncio.wait_for(step, timeout + SLACK)
        except answers as exc:
            error = _error_reply(exc)
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is classified into a finding
            failure = classify(exc, stage, self.target)
            error = failure.text
            raise failure from None
        finally:
            cycle["calls"].append(Call(what.split(" @ ")[0], time.perf_counter() - started, error))

    async def _disconnect(self) -> None:
        conn = self._client.connection if self._client is not None else None
        if conn is not None:
            try:
                await conn.disconnect(nowait=True)
            except Exception:  # noqa: BLE001 - a connection that will not close is dropped anyway
                pass

    def _snapshot(self, cycle: dict, *, complete: bool) -> RedisSnapshot:
        t = self.target
        error = cycle.get("error")
        return RedisSnapshot(
            target=t.name, address=t.address, db=t.db, taken_at=time.time(),
            reachable=bool(cycle.get("connected")) and error is None,
            error=error, error_kind=cycle.get("kind"),
            failing_since=(self._failing_since or cycle.get("started")) if error else None,
            ping_seconds=cycle.get("ping_seconds"), ping_error=cycle.get("ping_error"), info=cycle.get("info"),
            calls=tuple(cycle.get("calls", ())), memory_warn=t.memory_warn, latency_warn=t.latency_warn,
            complete=complete,
        )


def _error_reply(exc: BaseException) -> str:
    """A server's error reply as it sent it: ``LOADING Redis is loading the dataset in memory``."""
    code = getattr(exc, "status_code", None)
    text = scrub(str(exc))
    return f"{code} {text}" if code else text


def classify(exc: BaseException, stage: str, target: RedisTarget) -> Failed:
    """A redis-py (or asyncio) error → the finding's kind and a line naming what, where, and why."""
    from redis.exceptions import AuthenticationError, ConnectionError, ResponseError, TimeoutError

    where = target.address
    text = scrub(str(exc))
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        if "Timeout connecting" in text:
            return Failed("timeout", f"TCP connect to {where} timed out after {target.connect_timeout:g}s "
                                     "(connect_timeout): nothing answers at that address")
        during = "the connection handshake (CLIENT SETNAME, AUTH, SELECT)" if stage == "connect" else stage
        return Failed("timeout", f"{where} accepted the connection but gave no answer to {during} within "
                                 f"{target.call_timeout:g}s (call_timeout)")
    if isinstance(exc, AuthenticationError):
        return Failed("auth", _auth_words(exc, text, target))
    if isinstance(exc, ConnectionError):
        if "max number of clients reached" in text:
            return Failed("maxclients", f"{where} refuses new connections: max number of clients reached "
                                        "(maxclients)")
        if _refused(exc):
            return Failed("refused", f"connection refused at {where}: no Redis listens there")
        tls = _tls_error(exc)
        if tls is not None:
            return Failed("tls", f"TLS with {where} failed: {tls} (ca_file names the CA that signed the "
                                 "server's certificate; verify_tls = false skips the check)")
        return Failed("unreachable", f"cannot reach {where}: {text}")
    if isinstance(exc, ResponseError):
        during = "the connection handshake" if stage == "connect" else stage
        return Failed("error", f"{where} answered {during} with an error: {_error_reply(exc)}")
    if isinstance(exc, OSError):
        return Failed("refused" if _refused(exc) else "unreachable", f"cannot reach {where}: {text}")
    return Failed("error", f"{stage} @ {where} failed: {type(exc).__name__}: {text[:200]}")


def _auth_words(exc: BaseException, text: str, target: RedisTarget) -> str:
    code = getattr(exc, "status_code", None)
    user = target.username or "default"
    if code == "NOAUTH":
        return (f"NOAUTH: {target.address} requires a password and none is configured "
                "(url ':PASSWORD@', password or password_env)")
    if code == "WRONGPASS":
        return f"WRONGPASS: {target.address} refused user '{user}' with the configured password"
    if "without any password configured" in text:
        return (f"{target.address} has no password for the default user, but one is configured: "
                "remove it (or set requirepass on the server)")
    return f"authentication at {target.address} failed: {text}"


def _tls_error(exc: BaseException) -> str | None:
    """The TLS failure's own words (``certificate verify failed: self-signed certificate``), if it is one."""
    import ssl

    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLError):
            return scrub(getattr(seen, "verify_message", None) and f"certificate verify failed: {seen.verify_message}"
                         or seen.reason or str(seen))
        seen = seen.__cause__ or seen.__context__
    return None


def _refused(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            break
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == errno.ECONNREFUSED:
            return True
        seen = seen.__cause__ or seen.__context__
    return "Connection refused" in str(exc) or "Error 111 " in str(exc)

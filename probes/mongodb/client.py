"""The one place that speaks to MongoDB (pymongo's async API); shared by the probe and the runbook.

One direct client per member (``directConnection=true``), so each member answers for itself — a
member the primary cannot see, or one that still thinks it is primary on the far side of a split,
is seen as it sees itself — and one set-level client (``replicaSet=``) for what clients of the set
see (the runbook's checks after a failover). Clients are kept across polls. Every call is tracked
(``Inflight``: a cycle past its deadline names what did not answer) and bounded twice: pymongo's
``timeoutMS`` (``call_timeout``) and an asyncio deadline just past it.

Failures become ``MemberError`` with a kind an operator can act on: authentication and TLS are
named as such; codes 76/94 ("not a replica set" / "not initialised") are kinds of their own.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pymongo import AsyncMongoClient, timeout as pymongo_timeout
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from msgops.probes.cycle import Inflight
from msgops.probes.errors import ProbeError
from msgops.probes.mongodb.model import Call
from msgops.probes.mongodb.target import MongoTarget
from msgops.probes.secrets import scrub

GRACE = 1.0
"""Seconds past pymongo's own deadline before asyncio gives up on a call (it should never be needed)."""
NOT_REPLSET, NOT_INITIALISED, UNAUTHORIZED, AUTH_FAILED = 76, 94, 13, 18
SET = "the set"
"""The host name calls through the set-level client are tracked under."""


class MemberError(ProbeError):
    """One call to one member failed; ``kind`` says how (see ``MemberProbe.error_kind``)."""

    def __init__(self, message: str, kind: str, code: int | None = None) -> None:
        super().__init__(message)
        self.kind, self.code = kind, code


class MongoClients:
    """Every client of one target, created on first use and closed by ``aclose``."""

    def __init__(self, target: MongoTarget, inflight: Inflight | None = None) -> None:
        self.target = target
        self.inflight = inflight or Inflight()
        self.members: tuple[str, ...] = target.seeds
        """The members to ask: the URI's hosts until the set's config names its members."""
        self._direct: dict[str, AsyncMongoClient] = {}
        self._set: AsyncMongoClient | None = None
        self._retired: list[AsyncMongoClient] = []
        self.calls: list[Call] = []
        """Every call since the last ``take_calls()`` (durations for the snapshot)."""

    def take_calls(self) -> tuple[Call, ...]:
        calls, self.calls = tuple(self.calls), []
        return calls

    def adopt(self, hosts: tuple[str, ...]) -> None:
        """The set's config names its members: ask those from now on (a removed member's client
        is closed at the next ``aclose`` or ``adopt``)."""
        if not hosts or hosts == self.members:
            return
        self.members = hosts
        for host in [h for h in self._direct if h not in hosts]:
            self._retired.append(self._direct.pop(host))

    def direct(self, host: str) -> AsyncMongoClient:
        client = self._direct.get(host)
        if client is None:
            client = AsyncMongoClient(host, directConnection=True, **self.target.client_options())
            self._direct[host] = client
        return client

    def set_client(self) -> AsyncMongoClient:
        """The set as its clients see it (the URI's hosts and replicaSet)."""
        if self._set is None:
            extra = {"replicaSet": self.target.set_name} if self.target.set_name else {}
            self._set = AsyncMongoClient(list(self.target.seeds), **extra, **self.target.client_options())
        return self._set

    async def command(self, host: str, command: Any, *, what: str | None = None,
                      seconds: float | None = None) -> dict:
        """``admin.command(command)`` on ``host`` alone; raises MemberError."""
        name = what or (command if isinstance(command, str) else next(iter(command)))
        return await self._call(name, host, lambda: self.direct(host).admin.command(command), seconds)

    async def oplog_ends(self, host: str) -> tuple[dict | None, dict | None]:
        """The first and last entries of ``host``'s ``local.oplog.rs`` (natural order: cheap)."""
        oplog = self.direct(host).local["oplog.rs"]

        async def end(direction: int) -> dict | None:
            found = await oplog.find({}, {"ts": 1, "wall": 1}).sort("$natural", direction).limit(1).to_list(1)
            return found[0] if found else None

        first, last = await asyncio.gather(self._call("oplog first", host, lambda: end(1)),
                                           self._call("oplog last", host, lambda: end(-1)))
        return first, last

    async def step_down(self, host: str, step_down_secs: int, catch_up_secs: int, force: bool = False) -> str:
        """``replSetStepDown`` on ``host``; returns what happened in words.

        Since 4.2 a primary keeps its connections open when it steps down; older servers (and
        connections with a write in flight) are dropped: that drop is the expected outcome, not a
        failure, and the caller verifies the election instead. Raises MemberError when the server
        refused (262: no electable secondary caught up; nothing changed)."""
        from pymongo.errors import AutoReconnect, NetworkTimeout, NotPrimaryError, ServerSelectionTimeoutError

        command = {"replSetStepDown": step_down_secs, "secondaryCatchUpPeriodSecs": catch_up_secs}
        if force:
            command["force"] = True
        client = self.direct(host)
        seconds = catch_up_secs + self.target.call_timeout
        started = time.perf_counter()
        with self.inflight.track(f"replSetStepDown @ {host}"):
            try:
                with pymongo_timeout(seconds):
                    await asyncio.wait_for(client.admin.command(command), seconds + GRACE)
                outcome = "stepped down"
            except NotPrimaryError:
                outcome = "it answered 'not primary': it had already stepped down"
            except NetworkTimeout:
                outcome = f"no answer within {seconds:g}s: the election decides whether it stepped down"
            except AutoReconnect as exc:
                if isinstance(exc, ServerSelectionTimeoutError):  # never reached it: nothing was sent
                    error = classify(exc, host, self.target, seconds, client)
                    self.calls.append(Call("replSetStepDown", host, time.perf_counter() - started, str(error)))
                    raise error from None
                outcome = "the connection dropped as it stepped down (expected)"
            except (PyMongoError, OSError, asyncio.TimeoutError) as exc:
                error = classify(exc, host, self.target, seconds, client)
                if error.code == 262:
                    error = MemberError(f"{host} refused: no electable secondary caught up within {catch_up_secs}s "
                                        "(code 262 ExceededTimeLimit); nothing changed, it is still primary",
                                        "refused_step_down", 262)
                self.calls.append(Call("replSetStepDown", host, time.perf_counter() - started, str(error)))
                raise error from None
        self.calls.append(Call("replSetStepDown", host, time.perf_counter() - started))
        return outcome

    async def clients_primary(self) -> str | None:
        """The primary the set's clients select now (pymongo through the URI, as Zaqar connects):
        ``host:port``, or None when they find none within call_timeout."""
        client = self.set_client()

        async def select() -> str | None:
            await client.admin.command("ping")  # primary read preference: selects the primary
            address = await client.primary
            return None if address is None else f"{address[0]}:{address[1]}"
        try:
            return await self._call("primary (as clients see it)", SET, select)
        except MemberError:
            return None

    async def _call(self, what: str, host: str, run: Any, seconds: float | None = None) -> Any:
        seconds = self._bounded(host, seconds or self.target.call_timeout)
        started = time.perf_counter()
        with self.inflight.track(f"{what} @ {host}"):
            try:
                with pymongo_timeout(seconds):
                    result = await asyncio.wait_for(run(), seconds + GRACE)
            except (PyMongoError, OSError, asyncio.TimeoutError) as exc:
                error = classify(exc, host, self.target, seconds, self._direct.get(host))
                self.calls.append(Call(what, host, time.perf_counter() - started, str(error)))
                raise error from None
        self.calls.append(Call(what, host, time.perf_counter() - started))
        return result

    def _bounded(self, host: str, seconds: float) -> float:
        """A member not known to be up (not reached yet, or down, or hung at its last check) is given
        ``connect_timeout`` to be reached, not a whole ``call_timeout``: with timeoutMS pymongo
        waits for a server as long as the operation may last, so a member that is down would
        otherwise cost every poll a full call_timeout."""
        if host == SET:
            return seconds  # server selection among the members is the point of that call
        client = self._direct.get(host)
        if client is None:
            return min(seconds, self.target.connect_timeout)
        try:
            described = list(client.topology_description.server_descriptions().values())
        except Exception:  # noqa: BLE001 - when in doubt, the whole call timeout
            return seconds
        if described and described[0].server_type_name == "Unknown":
            return min(seconds, self.target.connect_timeout)
        return seconds

    async def aclose(self) -> None:
        clients = [*self._direct.values(), *([self._set] if self._set else []), *self._retired]
        self._direct, self._set, self._retired = {}, None, []
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def classify(exc: BaseException, host: str, target: MongoTarget, seconds: float,
             client: AsyncMongoClient | None = None) -> MemberError:
    """A failed call → MemberError naming what failed, where, and what to check."""
    if isinstance(exc, OperationFailure):
        code = exc.code
        details = exc.details if isinstance(exc.details, dict) else {}
        errmsg = scrub(str(details.get("errmsg") or exc))[:200]
        name = details.get("codeName") or "error"
        if code == AUTH_FAILED:
            who = f"user {target.username!r}" if target.username else "no user given"
            return MemberError(f"authentication failed on {host} ({who}, code 18 AuthenticationFailed): "
                               "check the user and its password (password_env, or the URI)", "auth", code)
        if code == UNAUTHORIZED:
            return MemberError(f"not authorised on {host}: {errmsg} (the user needs the clusterMonitor "
                               "role; failover also needs clusterManager)", "not_authorized", code)
        if code == NOT_REPLSET:
            return MemberError(f"{host} is not running with --replSet (code 76 NoReplicationEnabled)",
                               "not_replset", code)
        if code == NOT_INITIALISED:
            return MemberError(f"{host} has no replica set config yet (code 94 NotYetInitialized: "
                               "rs.initiate() not run)", "not_initialised", code)
        return MemberError(f"{host}: {errmsg} (code {code} {name})", "error", code)
    text = _server_error(client, host) or str(exc)
    first = scrub(text.split(" (configured timeouts")[0].split(", Timeout:")[0])[:240]
    lowered = text.lower()
    if any(word in lowered for word in ("ssl", "certificate", "tls")):
        return MemberError(f"TLS failed with {host}: {first}: check tlsCAFile (the CA that signed the "
                           "server's certificate) and the server's name in it", "tls")
    if any(word in lowered for word in ("refused", "connect call failed", "errno 111")):
        return MemberError(f"{host}: connection refused (mongod not running, or not listening there)", "refused")
    if any(word in lowered for word in ("name or service not known", "nodename nor servname", "name resolution",
                                        "getaddrinfo")):
        return MemberError(f"{host}: the host name does not resolve", "refused")
    if isinstance(exc, (asyncio.TimeoutError, ConnectionFailure)) or "timed out" in lowered or "cancelled" in lowered:
        hint = " (tls=true: does the server speak TLS?)" if target.tls else ""
        return MemberError(f"{host}: no answer within {seconds:g}s{hint}", "timeout")
    return MemberError(f"{host}: {type(exc).__name__}: {first}", "error")


def _server_error(client: AsyncMongoClient | None, host: str) -> str | None:
    """The monitor's last error for ``host`` (pymongo puts the real cause there: TLS, refused)."""
    if client is None:
        return None
    try:
        for address, description in client.topology_description.server_descriptions().items():
            name = f"[{address[0]}]" if ":" in address[0] else address[0]
            if description.error is not None and f"{name}:{address[1]}" == host:
                return str(description.error)
    except Exception:  # noqa: BLE001 - best effort: the exception's own text is the fallback
        return None
    return None

"""One poll of one replica set: every member asked directly and at once, then config and oplog.

Per member (concurrently): ``hello`` (reachable? its round trip, setName, electionId), then its own
``replSetGetStatus`` (its view of the set), and ``serverStatus`` basics (version, connections,
uptime) every BASICS_EVERY seconds. A member's failure is data (``MemberProbe.error``), never an
exception: the first failed call ends that member's turn, so a hung member costs one call_timeout.
Then, side by side: ``replSetGetConfig`` (priorities, votes, hidden, delays) when the config version
moved or on a full poll, and the first and last oplog entries on the primary (the window).

Kept across polls: the config, the members to ask (the config's hosts), each member's lag history
(the pane's sparkline, also in JSON) and when each member entered its current state.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import replace
from typing import Any, Awaitable

from msgops.probes.cycle import Inflight
from msgops.probes.mongodb.client import MemberError, MongoClients
from msgops.probes.mongodb.merge import choose_reporter, merge
from msgops.probes.mongodb.model import (ARBITER, PRIMARY, Claim, MemberConfig, MemberProbe, MongoSnapshot,
                                         OplogWindow, Thresholds)
from msgops.probes.mongodb.parse import election_id, member_configs, oplog_seconds, server_basics, set_status
from msgops.probes.mongodb.target import MongoTarget

LAG_HISTORY = 30
"""Polls of lag kept per member (a minute at a 2-s cadence)."""
BASICS_EVERY = 30.0
"""Seconds between serverStatus reads of one member (version, connections and uptime move slowly)."""
SERVER_STATUS = {"serverStatus": 1, "repl": 0, "metrics": 0, "locks": 0, "wiredTiger": 0, "tcmalloc": 0,
                 "opLatencies": 0, "opcounters": 0, "opcountersRepl": 0, "network": 0, "transactions": 0,
                 "storageEngine": 0, "globalLock": 0, "logicalSessionRecordCache": 0, "mirroredReads": 0}
"""serverStatus without its big sections: a real 7.0 server sends ~60 KB otherwise."""


class MongoProbe:
    """Collects MongoSnapshots of one target; keeps config, lag history and state ages between polls."""

    def __init__(self, target: MongoTarget, client: MongoClients | None = None) -> None:
        self.target = target
        self.client = client or MongoClients(target, Inflight())
        self.inflight = self.client.inflight
        self.thresholds = Thresholds(target.lag_warn, target.lag_crit, target.headroom_warn)
        self._configs: tuple[MemberConfig, ...] = ()
        self._config_version: int | None = None
        self._election_timeout: float | None = None
        self._basics: dict[str, tuple[str | None, int | None, float | None, float]] = {}
        self._lags: dict[str, deque] = {}
        self._since: dict[str, tuple[str, float]] = {}
        self._cycle: dict[str, Any] = {}
        self._first_poll: float | None = None
        self._primary: Claim | None = None
        self._former: Claim | None = None
        self.last: MongoSnapshot | None = None

    async def aclose(self) -> None:
        await self.client.aclose()

    def pending(self) -> list[str]:
        return self.inflight.pending()

    def partial(self) -> MongoSnapshot | None:
        """What the running cycle gathered: members that had not answered are marked so."""
        cycle = self._cycle
        if not cycle:
            return None
        late = f"no answer within the {self.target.cycle_timeout:g}s poll deadline"
        probes = dict(cycle["probes"])
        for host in cycle["asked"]:
            probes.setdefault(host, MemberProbe(host, False, f"{host}: {late}", "timeout"))
        return self._snapshot(cycle, probes, complete=False)

    async def poll(self, *, full: bool = False, light: bool = False) -> MongoSnapshot:
        """One cycle. ``full`` also reads config and serverStatus now (``msgops status``, ``r``)."""
        cycle: dict[str, Any] = {"started": time.time(), "probes": {}, "asked": [], "results": {}}
        self._cycle = cycle
        if self._first_poll is None:
            self._first_poll = cycle["started"]
        await self._ask_all(self.client.members, cycle, full)
        reporter = choose_reporter(cycle["probes"].values())
        tasks: dict[str, Awaitable[Any]] = {}
        if reporter is not None and (full or not self._configs or self._config_version != _config_version(reporter)):
            tasks["config"] = self.client.command(reporter.host, {"replSetGetConfig": 1})
        source = _oplog_source(reporter, cycle["probes"].values())
        if source is not None:
            tasks["oplog"] = self.client.oplog_ends(source)
            cycle["oplog_source"] = source
        await asyncio.gather(*(_keep(cycle["results"], key, task) for key, task in tasks.items()))
        self._absorb_config(cycle["results"].get("config"))
        missing = [h for h in self.client.members if h not in cycle["probes"]]
        if missing:  # the config names members the URI did not (or a member was added)
            await self._ask_all(tuple(missing), cycle, full)
        snapshot = self._snapshot(cycle, cycle["probes"], complete=True)
        self._cycle = {}
        self.last = snapshot
        return snapshot

    async def _ask_all(self, hosts: tuple[str, ...], cycle: dict, full: bool) -> None:
        cycle["asked"] += [h for h in hosts if h not in cycle["asked"]]
        await asyncio.gather(*(self._ask(host, cycle, full) for host in hosts))

    async def _ask(self, host: str, cycle: dict, full: bool) -> None:
        """This member's own answers; its first failure ends its turn (it is then data, not an error)."""
        started = time.perf_counter()
        try:
            hello = await self.client.command(host, "hello")
            rtt = time.perf_counter() - started
            status, error, kind = None, None, None
            try:
                status = set_status(await self.client.command(host, "replSetGetStatus"), host)
            except MemberError as exc:
                if exc.kind not in ("not_replset", "not_initialised", "not_authorized"):
                    raise
                error, kind = str(exc), exc.kind
            basics = self._basics.get(host)
            if full or basics is None or time.time() - basics[3] >= BASICS_EVERY:
                try:
                    version, connections, uptime = server_basics(
                        await self.client.command(host, SERVER_STATUS, what="serverStatus"))
                    self._basics[host] = basics = (version, connections, uptime, time.time())
                except MemberError:
                    pass  # the basics are nice to have; the member's state stands without them
            version, connections, uptime = basics[:3] if basics else (None, None, None)
            probe = MemberProbe(
                host, True, error, kind, rtt, set_name=hello.get("setName"),
                is_primary=bool(hello.get("isWritablePrimary") or hello.get("ismaster")) and "setName" in hello,
                election_id=election_id(hello.get("electionId")), status=status, version=version,
                connections=connections, uptime=uptime)
        except MemberError as exc:
            probe = MemberProbe(host, False, str(exc), exc.kind)
        cycle["probes"][host] = probe

    def _absorb_config(self, reply: Any) -> None:
        if not isinstance(reply, dict):
            return
        configs, version, timeout = member_configs(reply)
        if configs:
            self._configs, self._config_version, self._election_timeout = configs, version, timeout
            self.client.adopt(tuple(c.host for c in configs))

    def _snapshot(self, cycle: dict, probes: dict[str, MemberProbe], *, complete: bool) -> MongoSnapshot:
        oplog, oplog_error = _window(cycle)
        snap = merge(self.target.name, self.target.set_name, list(probes.values()), configs=self._configs,
                     config_version=self._config_version, election_timeout=self._election_timeout,
                     oplog=oplog, oplog_error=oplog_error, thresholds=self.thresholds, taken_at=time.time(),
                     complete=complete, asked=cycle["asked"])
        since = cycle["started"]
        current = snap.claims[0] if len(snap.claims) == 1 else None
        if complete and current is not None:
            if self._primary is not None and (current.host, current.term) != (self._primary.host, self._primary.term):
                self._former = self._primary
            self._primary = current
        return replace(snap, members=tuple(self._remember(m, since, complete) for m in snap.members),
                       calls=self.client.take_calls(), watching_since=self._first_poll, former=self._former)

    def _remember(self, member: Any, now: float, complete: bool) -> Any:
        """Add the member's lag history and since when it is in its state (kept across polls; ``now``
        is when this cycle started, so a state seen at the first poll dates from the first poll)."""
        state, since = self._since.get(member.host, (None, now))
        if state != member.state_str:
            since = now
            if complete:
                self._since[member.host] = (member.state_str, now)
        history = self._lags.setdefault(member.host, deque(maxlen=LAG_HISTORY))
        lags = tuple(history)
        if member.lag is not None:
            lags += (member.lag,)
            if complete:
                history.append(member.lag)
        return replace(member, state_since=since, lag_history=lags[-LAG_HISTORY:])


async def _keep(into: dict, key: str, task: Awaitable[Any]) -> None:
    try:
        into[key] = await task
    except MemberError as exc:  # config or oplog unread: said in the snapshot, the rest stands
        into[key] = exc


def _config_version(probe: MemberProbe) -> int | None:
    me = next((m for m in probe.status.members if m.is_self), None) if probe.status else None
    return me.config_version if me else None


def _oplog_source(reporter: MemberProbe | None, probes: Any) -> str | None:
    """The primary clients follow (the reporter, when it is primary); without one, the reachable
    member with the newest optime."""
    if reporter is None:
        return None
    own = [(m.optime, p.host) for p in probes if p.reachable and p.status
           for m in p.status.members if m.is_self and m.optime is not None and m.state != ARBITER]
    if reporter.status.my_state == PRIMARY or not own:
        return reporter.host
    return max(own)[1]


def _window(cycle: dict) -> tuple[OplogWindow | None, str | None]:
    result = cycle["results"].get("oplog")
    source = cycle.get("oplog_source")
    if isinstance(result, MemberError):
        return None, str(result)
    if not isinstance(result, tuple):
        return None, None
    first, last = (oplog_seconds(e) for e in result)
    if first is None or last is None:
        return None, f"{source}: local.oplog.rs is empty or unreadable"
    return OplogWindow(source, first, last), None

"""One poll of one RabbitMQ cluster: every API's own view, the queue list when due, canaries when due.

Cadences are kind to the broker:
- overview + nodes of every API each poll (milliseconds);
- node-local health checks and the policy list every ``queue_interval`` (milliseconds too);
- the queue list no sooner than ``queue_interval``, and never more often than once every
  LISTING_DUTY_FACTOR times the last listing's duration: a 10k-queue list costs the broker
  seconds of CPU (4-5 CPU-s in the lab), so on a big cluster it is stretched to minutes.
The queue list and the health checks come at once when the cluster's shape changes (a node stops or
returns, a partition appears), and the queue list when a health check changes its verdict: that is
when mirrors lose sync and quorum queues lose members, so the cheap signals trip the costly list.

During a partition each side is its own cluster to its clients, so the queues are listed from one
API on each side: the majority side's listing is the state clients see (``snapshot.queues``); the
other sides' listings are kept (``other_listings``) and assessed as that side's losses.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable

from msgops.probes.cycle import Inflight
from msgops.probes.errors import BadReply, ProbeError, Unreachable
from msgops.probes.rabbitmq.canary import run_canaries
from msgops.probes.rabbitmq.client import ManagementClient
from msgops.probes.rabbitmq.model import ApiView, NodeView, QueueListing, RabbitSnapshot
from msgops.probes.rabbitmq.parse import QUEUE_COLUMNS, parse_nodes, parse_queues
from msgops.probes.rabbitmq.target import RabbitTarget
from msgops.probes.rabbitmq.topology import majority_side, partition_sides
from msgops.probes.secrets import scrub

LISTING_DUTY_FACTOR = 40
"""Wait at least this many times the last listing's duration before the next one (≤ 2.5 % duty).
``queue_interval`` is a floor under that wait, never a cap over it."""


def node_local_checks(version: str | None) -> tuple[str, ...]:
    """Health checks that speak about the node serving the API; mirror sync only exists in 3.x."""
    checks = ["local-alarms", "node-is-quorum-critical"]
    if (version or "3").split(".")[0] in ("3", "2"):
        checks.append("node-is-mirror-sync-critical")
    return tuple(checks)


class RabbitProbe:
    """Collects RabbitSnapshots of one target; keeps the slower parts between polls."""

    def __init__(
        self,
        target: RabbitTarget,
        client: ManagementClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.inflight = Inflight()
        self.client = client or ManagementClient(target, inflight=self.inflight)
        if client is not None:
            self.inflight = client.inflight
        self._clock = clock
        self._queues: QueueListing | None = None
        self._others: tuple[QueueListing, ...] = ()
        self._queues_due = 0.0
        self._health_due = 0.0
        self._policies: tuple[dict, ...] = ()
        self._health: dict[str, tuple[tuple[str, bool, str], ...]] = {}
        self._canaries: tuple = ()
        self._canary_due = 0.0
        self._shape: Any = None
        self._cycle: dict[str, Any] = {}
        self.last: RabbitSnapshot | None = None

    async def aclose(self) -> None:
        await self.client.aclose()

    def queues_due_in(self) -> float:
        return max(0.0, self._queues_due - self._clock())

    def pending(self) -> list[str]:
        return self.inflight.pending()

    def partial(self) -> RabbitSnapshot | None:
        """What the running cycle gathered so far: APIs that had not answered are marked so."""
        cycle = self._cycle
        if not cycle:
            return None
        answered = cycle.get("views", {})
        late = f"no answer within the {self.target.cycle_timeout:g}s poll deadline"
        pairs = [_view_of(answered.get(api, (ApiView(api, None, False, late), {})), api) for api in self.client.apis]
        views = tuple(v for v, _ in pairs)
        overview = next((o for v, o in pairs if v.reachable), {})
        self._absorb(dict(cycle.get("results", {})), cycle["now"], cycle.get("sides", []),
                     cycle.get("majority_expected", False))
        return self._snapshot(views, overview, cycle.get("results", {}), complete=False)

    async def poll(self, *, full: bool = False, light: bool = False) -> RabbitSnapshot:
        """One cycle. ``full`` forces queue list, health checks and canary (``msgops status``);
        ``light`` lists the queues without statistics (``disable_stats``: no message counts)."""
        now = self._clock()
        cycle: dict[str, Any] = {"now": now, "views": {}, "results": {}}
        self._cycle = cycle
        await asyncio.gather(*(self._keep(cycle["views"], api, self._view(api)) for api in self.client.apis))
        pairs = [_view_of(cycle["views"][api], api) for api in self.client.apis]
        views = tuple(v for v, _ in pairs)
        primary, overview = next(((v, o) for v, o in pairs if v.reachable), (None, {}))
        sides = partition_sides(views, merge_nodes(views))
        cycle["sides"] = sides
        shape = _shape(views)
        changed = self._shape is not None and shape != self._shape
        self._shape = shape
        tasks: dict[str, Awaitable[Any]] = {}
        if primary and (full or changed or now >= self._queues_due):
            tasks.update(self._listings(views, sides, light))
        if primary and (full or changed or now >= self._health_due):
            tasks["policies"] = self.client.get("/api/policies", api=primary.api)
            for view in views:
                if view.reachable:
                    tasks[f"health {view.api}"] = self._checks(view.api, overview.get("rabbitmq_version"))
        if self.target.canary and (full or changed or now >= self._canary_due):
            tasks["canary"] = run_canaries(self.target, self.inflight)
        results = cycle["results"]
        cycle["majority_expected"] = "queues majority" in tasks
        await asyncio.gather(*(self._keep(results, key, task) for key, task in tasks.items()))
        self._absorb(results, now, sides, cycle["majority_expected"])
        snapshot = self._snapshot(views, overview, results, complete=True)
        self._cycle = {}
        self.last = snapshot
        return snapshot

    @staticmethod
    async def _keep(into: dict, key: str, task: Awaitable[Any]) -> None:
        """Run ``task``; its result (or exception) lands in ``into[key]`` the moment it is known."""
        try:
            into[key] = await task
        except Exception as exc:  # noqa: BLE001 - one failed call is a finding, never the whole cycle
            into[key] = exc

    def _listings(self, views: tuple[ApiView, ...], sides: list[frozenset[str]], light: bool) -> dict:
        """The queue list from the API that sees the most of the cluster, or during a partition from
        one API on each side (the majority side's under the key ``queues majority``)."""
        if not sides:
            return {"queues": self._list_queues(light, api=_widest_view(views), failover=True)}
        cluster = len({n.name for v in views for n in v.nodes}) or 1
        majority = majority_side(sides, cluster)
        tasks = {}
        for i, side in enumerate(sides):
            api = next((v.api for v in views if v.reachable and v.node in side), None)
            if api is not None:
                key = "queues majority" if side == majority else f"queues {i}"
                tasks[key] = self._list_queues(light, api=api, side=side, majority=side == majority)
        return tasks

    def _snapshot(self, views: tuple[ApiView, ...], overview: dict, results: dict, *, complete: bool) -> RabbitSnapshot:
        views = tuple(_with_health(v, self._health.get(v.api, ())) for v in views)
        reachable = any(v.reachable for v in views)
        return RabbitSnapshot(
            target=self.target.name,
            taken_at=time.time(),
            version=overview.get("rabbitmq_version"),
            cluster_name=overview.get("cluster_name"),
            views=views,
            nodes=merge_nodes(views),
            queues=self._queues,
            policies=self._policies,
            canaries=self._canaries,
            calls=self.client.take_calls(),
            queue_totals=_dict(overview.get("queue_totals")),
            object_totals=_dict(overview.get("object_totals")),
            error=None if reachable else "no management API answered: " + "; ".join(v.error or "" for v in views),
            queue_error=next((_error_of(r) for k, r in results.items() if k.startswith("queues") and _error_of(r)), None),
            canary_slow=self.target.canary_slow,
            other_listings=self._others,
            complete=complete,
        )

    def _absorb(self, results: dict[str, Any], now: float, sides: list[frozenset[str]],
                majority_expected: bool = False) -> None:
        listings = [r for k, r in results.items() if k.startswith("queues") and isinstance(r, QueueListing)]
        # Failed, or (in a partial snapshot) not in yet.
        majority_failed = majority_expected and not isinstance(results.get("queues majority"), QueueListing)
        if listings and majority_failed:
            # The majority side's list did not come: a minority's own list is never shown as the
            # cluster's state (every quorum queue "unavailable"); the older list stays, and the
            # majority side is asked again on the next poll.
            self._others = tuple(listings)
            self._queues_due = now
        elif listings:
            chosen = next((ls for ls in listings if ls.majority), listings[0])
            self._queues = chosen
            self._others = tuple(ls for ls in listings if ls is not chosen)
            slowest = max(ls.seconds for ls in listings)
            self._queues_due = now + max(self.target.queue_interval, self.target.poll_interval,
                                         LISTING_DUTY_FACTOR * slowest)
        elif any(k.startswith("queues") for k in results):  # failed: try again next poll, keep the old list
            self._queues_due = now
        if not sides:
            self._others = ()
        if "policies" in results:
            self._health_due = now + max(self.target.queue_interval, self.target.poll_interval)
        policies = results.get("policies")
        if isinstance(policies, list) and all(isinstance(p, dict) for p in policies):
            self._policies = tuple(policies)
        for key, value in results.items():
            if key.startswith("health ") and isinstance(value, tuple):
                api = key[len("health "):]
                listed = any(k.startswith("queues") for k in results)
                if _verdicts(value) != _verdicts(self._health.get(api, value)) and not listed:
                    self._queues_due = now  # a check changed its verdict: see which queues, next poll
                self._health[api] = value
        if isinstance(results.get("canary"), tuple):
            self._canaries = results["canary"]
            self._canary_due = now + self.target.canary_interval

    async def _view(self, api: str) -> tuple[ApiView, dict]:
        """That API's own view of the cluster, and its overview (version, totals)."""
        try:
            (overview, _), (nodes, _) = await asyncio.gather(
                self.client.get("/api/overview", api=api), self.client.get("/api/nodes", api=api)
            )
            if not isinstance(overview, dict):
                raise BadReply(f"{api}/api/overview: expected an object")
            parsed, malformed = parse_nodes(nodes, api)
            node = overview.get("node")
            return ApiView(api, node if isinstance(node, str) else None, True, None, parsed, (), malformed), overview
        except ProbeError as exc:
            return ApiView(api, None, False, scrub(str(exc))), {}

    async def _list_queues(self, light: bool = False, *, api: str | None = None, side: frozenset[str] = frozenset(),
                           majority: bool = True, failover: bool = False) -> QueueListing:
        """The queue list from ``api`` (with ``failover``, from the others when that one fails)."""
        # Never with enable_queue_totals: 3.10.8 then reports stale synchronised_slave_nodes.
        params = {"columns": QUEUE_COLUMNS, **({"disable_stats": "true"} if light else {})}
        started = time.perf_counter()
        try:
            data, answered = await self.client.get("/api/queues", params=params, api=api,
                                                   timeout=self.target.queue_timeout)
        except ProbeError:
            if not (failover and api):
                raise
            data, answered = await self.client.get("/api/queues", params=params, timeout=self.target.queue_timeout)
        seconds = time.perf_counter() - started
        queues, malformed = parse_queues(data, answered)
        return QueueListing(queues, time.time(), seconds, answered, statistics=not light,
                            side=tuple(sorted(side)), majority=majority, malformed=malformed)

    async def _checks(self, api: str, version: str | None) -> tuple[tuple[str, bool, str], ...]:
        async def one(check: str) -> tuple[str, bool, str] | None:
            try:
                status, data, _ = await self.client.request(
                    "GET", f"/api/health/checks/{check}", api=api, accept_status=(503, 404)
                )
            except ProbeError:
                return None  # the API itself failing is reported by the view, not as a check
            if status == 404:
                return None  # not applicable on this version
            reason = data.get("reason", "") if isinstance(data, dict) else ""
            return (check, status == 200, str(reason))

        results = await asyncio.gather(*(one(c) for c in node_local_checks(version)))
        return tuple(r for r in results if r is not None)


def _view_of(value: Any, api: str) -> tuple[ApiView, dict]:
    """A view and its overview; an exception where a view should be (a bug or an odd reply that
    escaped the client) becomes that API's unreachable view, never the whole cycle's failure."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], ApiView):
        return value
    return ApiView(api, None, False, _error_of(value) or "no view"), {}


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _verdicts(health: tuple) -> dict[str, bool]:
    """check name → passed, from ``(check, ok, reason)`` triples."""
    return {check: ok for check, ok, _ in health}


def _with_health(view: ApiView, health: tuple) -> ApiView:
    return ApiView(view.api, view.node, view.reachable, view.error, view.nodes,
                   health if view.reachable else (), view.malformed)


def _widest_view(views: tuple[ApiView, ...]) -> str | None:
    """The API whose own view has the most running nodes (inventory order breaks ties), or None.

    Outside a recognised partition the queue list comes from there, not from whichever API answered
    last: while a cut is being detected (net_ticktime) one node's API can miss the poll's view
    deadline and still answer the slower queue list, from its own side without a majority."""
    best, most = None, -1
    for view in views:
        if view.reachable:
            running = sum(1 for n in view.nodes if n.running)
            if running > most:
                best, most = view.api, running
    return best


def _error_of(result: Any) -> str | None:
    if isinstance(result, BaseException):
        text = str(result) if isinstance(result, ProbeError) else f"{type(result).__name__}: {result}"
        return scrub(text)
    return None


def _shape(views: tuple[ApiView, ...]) -> tuple:
    """What, if it changes, makes the queue list and health checks due at once."""
    return tuple(
        (v.api, v.reachable, tuple((n.name, n.running, n.partitions) for n in v.nodes)) for v in views
    )


def merge_nodes(views: tuple[ApiView, ...]) -> tuple[NodeView, ...]:
    """Each node as it reports itself when its own API answered, else as the first API saw it."""
    own = {v.node: n for v in views if v.reachable for n in v.nodes if n.name == v.node}
    merged: dict[str, NodeView] = {}
    for view in views:
        for node in view.nodes:
            if node.name not in merged:
                merged[node.name] = own.get(node.name, node)
    return tuple(merged[name] for name in sorted(merged))


__all__ = ["RabbitProbe", "merge_nodes", "node_local_checks", "Unreachable"]

"""One poll of one Zaqar: pools, flavors and ping each poll; health in a task of its own.

Cadence (all per target; the poller never runs two polls of one target at once):
- **every poll** (``poll_interval``): the pool list (every page), the flavors, then ``/v2/ping``,
  one after the other, each within ``call_timeout``; the management store's placement counts
  (SQLite, read-only) alongside. The first failure that means "the API is not there" (refused,
  silent, auth) ends the sequence: the rest would only fail the same way.
- **health** (``GET /v2/health``, admin): slow while a pool's store is down (12-18 s in the lab,
  minutes with upstream Redis retries), so it runs in its own task with its own deadline
  (``health_timeout``) and polls never wait for it. It starts every ``health_interval``, and at once
  when ping's verdict or the pool list changes. At most one is out; a poll while it is out reports
  it as pending (with its age) and keeps the last health that answered (with its age). The poll
  that starts it waits up to ``HEALTH_GRACE`` (2 s) for it: a healthy Zaqar answers in ~0.1 s.
- zaqar-server serves **one request at a time** (wsgiref: its ``Server`` header says
  ``WSGIServer``): while a health call occupies it, anything else would queue behind it and time
  out, so a poll skips the API while health is out and shows the lists from before it
  (``waiting_for_health``). Behind a WSGI container (several workers) pools and ping go on.
- ``full`` polls (``msgops status``, ``r`` in the console, after a runbook step) start health now
  and wait for it (within the cycle deadline), so one-shot commands report storage reachability.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from msgops.probes.cycle import Inflight, run_blocking
from msgops.probes.secrets import mask_url
from msgops.probes.zaqar.client import AUTH_CODES, CallFailed, ZaqarClient
from msgops.probes.zaqar.model import HealthAttempt, Placement, Problem, ZaqarSnapshot
from msgops.probes.zaqar.parse import parse_flavors, parse_health, parse_pools
from msgops.probes.zaqar.placement import count_queues, store_path
from msgops.probes.zaqar.target import ZaqarTarget

HEALTH_GRACE = 2.0
"""A poll that has just started a health call waits this long for it (a healthy Zaqar answers in
~0.1 s, so its health shows in the same poll); a slow one is left running and shown as pending."""
STOPPING = ("api_down", "api_timeout", *AUTH_CODES)
"""Problems after which the rest of a poll's calls would fail the same way."""


class ZaqarProbe:
    """Collects ZaqarSnapshots of one target; keeps pools, health and placement between polls."""

    def __init__(self, target: ZaqarTarget, client: ZaqarClient | None = None) -> None:
        self.target = target
        self.inflight = Inflight()
        self.client = client or ZaqarClient(target, self.inflight)
        if client is not None:
            self.inflight = client.inflight
        self.health_inflight = Inflight()
        self._pools: Any = None
        self._pools_taken_at: float | None = None
        self._flavors: Any = None
        self._health: Any = None
        self._health_failed: HealthAttempt | None = None
        self._health_task: asyncio.Task | None = None
        self._health_started = 0.0
        self._health_due = 0.0
        self._health_done_at = 0.0
        self._health_shape: tuple | None = None
        self._placement: Placement | None = None
        self._last_ping: int | None = None
        self._serial: bool | None = None
        self._cycle: dict[str, Any] = {}
        self.last: ZaqarSnapshot | None = None

    # -- the poller's protocol ---------------------------------------------------------------------
    def pending(self) -> list[str]:
        return self.inflight.pending()

    def partial(self) -> ZaqarSnapshot | None:
        return self._snapshot(self._cycle, complete=False) if self._cycle else None

    async def aclose(self) -> None:
        task, self._health_task = self._health_task, None
        if task is not None and not task.done():
            task.cancel()
        await self.client.aclose()

    async def poll(self, *, full: bool = False, light: bool = False) -> ZaqarSnapshot:
        now = time.monotonic()
        cycle: dict[str, Any] = {"problem": None, "ping": None, "busy": False}
        self._cycle = cycle
        placement = asyncio.ensure_future(self._read_placement()) if self.target.management_store else None
        if full and self.health_running and self._serial:
            await self._wait_health()  # asked for everything now: the lists after the health call
        if self.health_running and self._serial:
            cycle["busy"] = True  # one request at a time, and health holds it: do not queue behind it
        else:
            await self._api_calls(cycle)
        if placement is not None:
            await placement
        fresh = self._health_done_at >= now
        if self._health_wanted(cycle, now, full and not fresh):
            self._start_health()
        if full and self.health_running:
            await self._wait_health()
        elif self.health_running and time.monotonic() - self._health_started < HEALTH_GRACE:
            await asyncio.wait({self._health_task}, timeout=min(HEALTH_GRACE, self.target.poll_interval / 2))
        snapshot = self._snapshot(cycle, complete=True)
        self._cycle = {}
        self.last = snapshot
        return snapshot

    # -- the API calls of a poll ---------------------------------------------------------------------
    async def _api_calls(self, cycle: dict) -> None:
        steps = (("pools", self.client.pools), ("flavors", self.client.flavors), ("ping", self.client.ping))
        for name, call in steps:
            try:
                result = await call()
            except CallFailed as exc:
                cycle[f"{name}_problem"] = exc.problem
                if exc.problem.code in STOPPING:
                    if exc.problem.code == "api_timeout" and self.health_running:
                        self._serial = True  # it queued behind the health call: one request at a time
                        cycle["busy"] = True
                    else:
                        cycle["problem"] = exc.problem
                    return
                continue
            if name == "pools":
                self._pools, self._pools_taken_at = parse_pools(result), time.time()
            elif name == "flavors":
                self._flavors = parse_flavors(result)
            else:
                cycle["ping"] = result
        if self.client.server is not None and self._serial is None:
            self._serial = self.client.server.startswith("WSGIServer/")

    def _pool_shape(self) -> tuple:
        return tuple((p.name, p.uri) for p in self._pools or ())

    # -- health, in its own task -------------------------------------------------------------------
    @property
    def health_running(self) -> bool:
        return self._health_task is not None and not self._health_task.done()

    def _health_wanted(self, cycle: dict, now: float, full: bool) -> bool:
        if self.health_running or cycle["problem"] is not None or cycle["busy"]:
            return False
        if cycle.get("pools_problem") and cycle["pools_problem"].status == 403:
            return False  # health needs the same admin role
        ping = cycle["ping"][0] if cycle["ping"] else None
        changed = ping is not None and ping != self._last_ping
        if ping is not None:
            self._last_ping = ping
        if self._health is not None and self._pool_shape() != self._health_shape:
            changed = True  # a pool added, removed or moved to another store since the last health
        return full or changed or self._health is None or now >= self._health_due

    def _start_health(self) -> None:
        self._health_started = time.monotonic()
        self._health_shape = self._pool_shape()
        self._health_task = asyncio.ensure_future(self._run_health())

    async def _run_health(self) -> None:
        started = time.monotonic()
        try:
            doc = await self.client.health(inflight=self.health_inflight)
        except CallFailed as exc:
            self._health_failed = HealthAttempt(time.time(), time.monotonic() - started, exc.problem)
        except Exception as exc:  # noqa: BLE001 - a health bug must not kill later polls
            self._health_failed = HealthAttempt(time.time(), time.monotonic() - started,
                                                Problem("bad_reply", f"health: {type(exc).__name__}"))
        else:
            self._health = parse_health(doc, time.monotonic() - started)
            self._health_failed = None
        finally:
            self._health_done_at = time.monotonic()
            self._health_due = self._health_done_at + self.target.health_interval

    async def _wait_health(self) -> None:
        task = self._health_task
        if task is not None:
            left = self.target.health_timeout + 1.0 - (time.monotonic() - self._health_started)
            await asyncio.wait({task}, timeout=max(0.0, left))

    # -- placement from the management store ---------------------------------------------------------
    async def _read_placement(self) -> None:
        source = self.target.management_store or ""
        try:
            path = store_path(source, Path("."))
        except ValueError as exc:
            self._placement = Placement(time.time(), source, problem=str(exc))
            return
        timeout = self.target.call_timeout
        with self.inflight.track(f"Catalogue counts @ {path}"):
            try:
                counts, total = await run_blocking("zaqar", count_queues, path, timeout, deadline=timeout + 0.5)
            except asyncio.TimeoutError:
                self._placement = Placement(time.time(), str(path), problem=f"no answer within {timeout:g}s")
                return
            except Exception as exc:  # noqa: BLE001 - sqlite3.Error, OSError: a finding
                self._placement = Placement(time.time(), str(path), problem=f"{type(exc).__name__}: {exc}"[:200])
                return
        self._placement = Placement(time.time(), str(path), tuple(sorted(counts.items())), total)

    # -- the snapshot --------------------------------------------------------------------------------
    def _snapshot(self, cycle: dict, *, complete: bool) -> ZaqarSnapshot:
        ping = cycle.get("ping")
        pending = time.monotonic() - self._health_started if self.health_running else None
        problem = cycle.get("problem")
        roles = self.client.roles_seen if problem is not None and problem.code == "auth_role_missing" else ()
        endpoint = self.target.display_url
        if not self.target.endpoint and self.client.endpoint_seen:
            endpoint = mask_url(self.client.endpoint_seen)
        return ZaqarSnapshot(
            target=self.target.name, taken_at=time.time(), endpoint=endpoint, auth=self.target.auth,
            problem=problem,
            ping=ping[0] if ping else None, ping_seconds=ping[1] if ping else None,
            pools=self._pools, pools_taken_at=self._pools_taken_at,
            pools_problem=cycle.get("pools_problem") if problem is None else None,
            flavors=self._flavors, flavors_problem=cycle.get("flavors_problem") if problem is None else None,
            health=self._health, health_failed=self._health_failed, health_pending=pending,
            waiting_for_health=bool(cycle.get("busy")), serial_api=self._serial,
            placement=self._placement, roles=roles, calls=self.client.take_calls(), complete=complete,
            health_interval=self.target.health_interval, health_timeout=self.target.health_timeout)


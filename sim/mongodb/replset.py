"""``SimReplicaSet``: N simulated mongod members on 127.0.0.1, one shared model, fault controls.

Why: tests, the demo and ``python -m msgops.sim.mongodb`` need a replica set pymongo discovers
and monitors exactly as a real one. Start it from async code (``await rs.start()``) or from
sync code on a private loop thread (``rs.start_in_thread()``). Fault methods are safe from any
thread: off the loop they block until applied (ports included); on the loop thread they apply
to the model at once and return a task to ``await`` for the ports to follow.
"""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import quote

from msgops.sim.mongodb.election import tick
from msgops.sim.mongodb.faults import FaultsMixin
from msgops.sim.mongodb.model import ReplicaSetModel, Timing
from msgops.sim.mongodb.scram import Credentials
from msgops.sim.mongodb.server import MemberServer
from msgops.sim.threaded import LoopThread


class SimReplicaSet(FaultsMixin, LoopThread):
    """A simulated replica set (see the module docstring).

    members: member count; set_name: replica set name; host: listen address; ports: fixed
    ports (None/0 = ephemeral, kept across down/up); user/password: enable SCRAM auth for that
    user (in ``admin``); version: e.g. "7.0.14" (maxWireVersion 21) or "6.0.16" (17); timing:
    delays of heartbeats, elections, writes; oplog_window: seconds of oplog each member keeps;
    mode: "replset", "standalone" (replSetGetStatus → 76) or "uninitialised" (→ 94);
    priorities/hidden/arbiters: member options by ``_id``; close_on_step_down: hang up every
    client on step-down, as servers before 4.2 did (6.0/7.0 keep connections open).
    """

    def __init__(self, members: int = 3, *, set_name: str = "catalog", host: str = "127.0.0.1",
                 ports: list[int] | None = None, user: str | None = None,
                 password: str | None = None, version: str = "7.0.14",
                 timing: Timing | None = None, oplog_window: float = 24 * 3600.0,
                 mode: str = "replset", priorities: list[float] | None = None,
                 hidden: set[int] | None = None, arbiters: set[int] | None = None,
                 close_on_step_down: bool = False, tick_interval: float = 0.1,
                 call_timeout: float = 10.0):
        self.host, self.set_name = host, set_name
        self.user, self.password = user, password
        self.credentials = Credentials(user, password) if user and password else None
        self.tick_interval, self.call_timeout = tick_interval, call_timeout
        wanted = list(ports or [0] * members)
        self._pending_ports = wanted
        self.model: ReplicaSetModel | None = None
        self._model_args = dict(version=version, timing=timing, oplog_window=oplog_window,
                                mode=mode, priorities=priorities, hidden=hidden,
                                arbiters=arbiters)
        self._close_on_step_down = close_on_step_down
        self.servers: list[MemberServer] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ticker: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self.scheduled: list[tuple[float, object]] = []

    # --- addresses ---------------------------------------------------------------------
    @property
    def hosts(self) -> list[str]:
        """``["127.0.0.1:port", …]`` in ``_id`` order (valid once started)."""
        return [f"{self.host}:{s.port}" for s in self.servers]

    @property
    def ports(self) -> list[int]:
        return [s.port for s in self.servers]

    def _auth_prefix(self) -> str:
        if not self.credentials:
            return ""
        return f"{quote(self.user, safe='')}:{quote(self.password, safe='')}@"

    @property
    def uri(self) -> str:
        """``mongodb://[user:pass@]h1,h2,h3/?replicaSet=NAME`` (no options beyond the set)."""
        query = f"?replicaSet={self.set_name}" if self.model.mode == "replset" else ""
        return f"mongodb://{self._auth_prefix()}{','.join(self.hosts)}/{query}"

    def direct_uri(self, member) -> str:
        """A URI for one member alone (``directConnection=true``)."""
        host = self.servers[self.model.member(member).id].member.host
        return f"mongodb://{self._auth_prefix()}{host}/?directConnection=true"

    # --- async lifecycle -----------------------------------------------------------------
    async def start(self) -> "SimReplicaSet":
        self.loop = asyncio.get_running_loop()
        self.servers = []
        for port in self._pending_ports:  # bind first: member names need the real ports
            srv = MemberServer(None, None, self.host, port, self.credentials,
                               self._close_on_step_down)
            await srv.start()
            self.servers.append(srv)
        self.model = ReplicaSetModel(self.set_name, self.hosts, **self._model_args)
        for srv, member in zip(self.servers, self.model.members, strict=True):
            srv.model, srv.member = self.model, member
        self._ticker = asyncio.ensure_future(self._tick_forever())
        return self

    async def stop(self) -> None:
        if self._ticker:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for srv in self.servers:
            await srv.stop()

    async def settle(self) -> None:
        """Open or close each member's port to match the model (running or not)."""
        for srv in self.servers:
            if srv.member.running and not srv.listening:
                await srv.start()
            elif not srv.member.running and srv.listening:
                srv.close_now()

    async def _tick_forever(self) -> None:
        while True:
            now = self.model.clock()
            tick(self.model, now)
            self._run_scheduled(now)
            await asyncio.sleep(self.tick_interval)

    def _run_scheduled(self, now: float) -> None:
        with self.model.lock:
            due = [(at, fn) for at, fn in self.scheduled if at <= now]
            self.scheduled = [(at, fn) for at, fn in self.scheduled if at > now]
        for _at, fn in due:
            fn()

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def _mutate(self, fn):
        """Apply ``fn(model, now)`` and make the ports follow (see the module docstring)."""
        if self.loop is None or self._on_loop_thread():
            with self.model.lock:
                fn(self.model, self.model.clock())
                tick(self.model, self.model.clock())
            for srv in self.servers:
                if not srv.member.running and srv.listening:
                    srv.close_now()
            return self._spawn(self.settle()) if self.loop else None

        async def apply():
            with self.model.lock:
                fn(self.model, self.model.clock())
                tick(self.model, self.model.clock())
            await self.settle()

        asyncio.run_coroutine_threadsafe(apply(), self.loop).result(self.call_timeout)
        return None


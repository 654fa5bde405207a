"""``ZaqarSim``: a simulated Zaqar v2 API (and optionally a Keystone stand-in) on 127.0.0.1.

Why: the console's demo estate and its tests need a Zaqar with Redis pools that behaves like the
lab's zaqar-server 23 (samples in ``shared/samples/zaqar``), including its failures: a pool's store
down, the API down or hung, and the one-request-at-a-time wsgiref server. Works from async code
(``await sim.start()``) or from sync code on a private event-loop thread (``start_in_thread()``).

Fault methods may be called from any thread; they run on the server's loop. Called from a
coroutine *on that loop*, the port faults (``api_down``, ``api_up``, ``restart_api``) return a
task to ``await``; the others take effect at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading

from aiohttp import web

from msgops.sim.zaqar.app import SimState, make_app
from msgops.sim.zaqar.common import Timings
from msgops.sim.zaqar.keystone import TokenRegistry, make_keystone_app
from msgops.sim.zaqar.mirror import CatalogMirror
from msgops.sim.zaqar.model import ZaqarModel
from msgops.sim.threaded import LoopThread


class _Listener:
    """One aiohttp app on ``host:port`` (0 = ephemeral, then kept across stop/start)."""

    def __init__(self, make, host: str, port: int):
        self.make, self.host, self.port = make, host, port
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        if self.runner is None:
            runner = web.AppRunner(self.make(), access_log=None, shutdown_timeout=0.1)
            await runner.setup()
            await web.TCPSite(runner, self.host, self.port, reuse_address=True).start()
            self.port = runner.addresses[0][1]
            self.runner = runner

    async def stop(self) -> None:
        runner, self.runner = self.runner, None
        if runner is not None:
            await runner.cleanup()


class ZaqarSim(LoopThread):
    """A simulated Zaqar.

    pools: POOL1..POOLn registered at start (``redis://127.0.0.1:6379``...; weight 100).
    queues: demo queues ``q00``... created in ``project`` and placed by weight.
    auth: ``"noauth"`` (headers ``Client-ID``, ``X-Project-ID``; admin calls need
    ``X-Roles: admin``) or ``"keystone"`` (``X-Auth-Token`` from ``add_token`` or the stand-in).
    keystone: also serve the Keystone v3 stand-in (its own port, ``keystone_port``); implies
    ``auth="keystone"`` and adds users admin/admin and demo/demo.
    serial: answer one request at a time (zaqar-server's wsgiref).
    timings: slow answers (``Timings()`` = the lab's; ``Timings.fast()`` for tests and demos).
    catalog_db: mirror Pools/Flavors/Queues/Catalogue into this SQLite file.
    seed: makes placement reproducible. model: bring your own ``ZaqarModel``.
    """

    def __init__(self, pools: int = 2, *, queues: int = 0, project: str = "demo",
                 host: str = "127.0.0.1", port: int = 0, auth: str = "noauth",
                 keystone: bool = False, keystone_port: int = 0, serial: bool = False,
                 timings: Timings | None = None, catalog_db: str | os.PathLike | None = None,
                 seed: int | None = None, model: ZaqarModel | None = None):
        self.model = model or ZaqarModel(seed=seed)
        if model is None:
            self.model.add_pools(pools)
            if queues:
                self.model.add_queues(queues, project)
        self.tokens = TokenRegistry()
        self.host = host
        self.state = SimState(self.model, timings or Timings(), self.tokens,
                              auth="keystone" if keystone else auth, serial=serial)
        self.api = _Listener(lambda: make_app(self.state), host, port)
        self.keystone = _Listener(lambda: make_keystone_app(
            self.tokens, lambda: self.keystone_endpoint, lambda: self.endpoint),
            host, keystone_port) if keystone else None
        if keystone:
            self.tokens.add_lab_users()
        self.mirror = CatalogMirror(catalog_db).attach(self.model) if catalog_db else None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # --- addresses ---------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """The messaging endpoint, e.g. ``http://127.0.0.1:41234`` (no version suffix)."""
        return f"http://{self.host}:{self.api.port}"

    @property
    def port(self) -> int:
        return self.api.port

    @property
    def keystone_endpoint(self) -> str | None:
        """``http://127.0.0.1:N`` of the Keystone stand-in (auth URL: this + ``/v3``)."""
        return f"http://{self.host}:{self.keystone.port}" if self.keystone else None

    @property
    def timings(self) -> Timings:
        return self.state.timings

    @property
    def listening(self) -> bool:
        return self.api.runner is not None

    # --- async lifecycle ---------------------------------------------------------------
    async def start(self) -> "ZaqarSim":
        self.loop = asyncio.get_running_loop()
        self.state.serial_lock, self.state.unhung = asyncio.Lock(), asyncio.Event()
        if not self.state.hung:
            self.state.unhung.set()
        if self.keystone:
            await self.keystone.start()
            self.state.keystone_uri = self.keystone_endpoint
        await self.api.start()
        return self

    async def stop(self) -> None:
        self.state.unhung.set()
        await self.api.stop()
        if self.keystone:
            await self.keystone.stop()
        if self.mirror:
            self.mirror.close()

    # --- running things on the loop ----------------------------------------------------
    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def _apply(self, fn, *args, timeout: float = 10.0):
        """Run ``fn`` on the server's loop (directly if already there or not started)."""
        if self.loop is None or not self.loop.is_running() or self._on_loop_thread():
            return fn(*args)
        fut: concurrent.futures.Future = concurrent.futures.Future()

        def run() -> None:
            try:
                fut.set_result(fn(*args))
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                fut.set_exception(e)
        self.loop.call_soon_threadsafe(run)
        return fut.result(timeout)

    def _run(self, make_coro, timeout: float = 10.0):
        """A coroutine on the loop: awaited here from another thread, a task on the loop."""
        if self.loop is None:
            raise RuntimeError("the simulator is not started")
        if self._on_loop_thread():
            return asyncio.ensure_future(make_coro())
        return asyncio.run_coroutine_threadsafe(make_coro(), self.loop).result(timeout)

    # --- faults --------------------------------------------------------------------------
    def store_down(self, target: str) -> str:
        """Stop the store of pool ``target`` (a pool name or a URI). Returns the store key."""
        return self._apply(self.model.set_store, target, False)

    def store_up(self, target: str, empty: bool = False) -> str:
        """Bring it back (``empty``: restarted without its data)."""
        return self._apply(self.model.set_store, target, True, empty)

    def hang(self) -> None:
        """Keep accepting connections but answer nothing (until ``unhang`` or ``max_wait``)."""
        def go():
            self.state.hung = True
            self.state.unhung.clear()
        self._apply(go)

    def unhang(self) -> None:
        def go():
            self.state.hung = False
            self.state.unhung.set()
        self._apply(go)

    def set_serial(self, on: bool = True) -> None:
        """One request at a time (zaqar-server's wsgiref) or concurrent (a WSGI container)."""
        self._apply(setattr, self.state, "serial", on)

    def api_down(self):
        """Close the API port (connection refused), dropping open connections."""
        return self._run(self.api.stop)

    def api_up(self):
        """Reopen the API on the same port."""
        return self._run(self.api.start)

    def restart_api(self):
        """Restart zaqar-server: port closed and reopened, every pool driver built anew (a pool
        whose store is down now fails: ping 500, health 503, as samples 68-69)."""
        async def go():
            await self.api.stop()
            self.model.restart()
            await self.api.start()
        return self._run(go)

    # --- auth ------------------------------------------------------------------------------
    def add_token(self, token: str | None = None, *, project: str = "demo",
                  admin: bool = False) -> str:
        """Accept ``X-Auth-Token: token`` for ``project`` (admin or member role)."""
        return self.tokens.add_token(token, project=project, admin=admin)

    def add_user(self, name: str, password: str, *, project: str = "demo",
                 admin: bool = False) -> None:
        """A user the Keystone stand-in logs in with password auth."""
        self.tokens.add_user(name, password, project=project, admin=admin)

    # --- placement mirror ------------------------------------------------------------------
    def mirror_to(self, path: str | os.PathLike) -> CatalogMirror:
        """Start mirroring the management store into SQLite file ``path``."""
        self.mirror = self._apply(lambda: CatalogMirror(path).attach(self.model))
        return self.mirror

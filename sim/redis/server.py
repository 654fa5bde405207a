"""``SimRedis``: one simulated Redis server on 127.0.0.1, speaking RESP2/RESP3 over real TCP, with
the faults an operator meets (down, hung, slow, loading, memory near full, evicting, rejecting
connections, a replica whose master link is down, a failed RDB save, a restart).

Async code awaits ``start()``/``stop()``; sync code (tests, the demo) uses ``start_in_thread()``,
which runs it on a private event loop in a daemon thread. Fault methods are safe from any thread:
off the loop they block until applied (the port included); on the loop they apply at once and
return a task to await for the port to follow. The port is chosen once and kept across down/up, so
a URL stays valid.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
from typing import Any, Callable
from urllib.parse import quote

from msgops.sim.redis.commands import MAXCLIENTS, Context, Session, run
from msgops.sim.redis.model import RedisState
from msgops.sim.redis.resp import Error, ProtocolError, encode, read_command
from msgops.sim.threaded import LoopThread

log = logging.getLogger(__name__)
DRAIN_TIMEOUT = 10.0
"""Seconds a reply may wait for a client that does not read; then the connection is dropped."""


class SimRedis(LoopThread):
    """A simulated Redis server (see the module docstring).

    password: the default user's password (``requirepass``); users: ACL users (name → password);
    version: INFO's redis_version (7.2+ also answers CLIENT SETINFO); keys: {db: key count}.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, password: str | None = None,
                 users: dict[str, str] | None = None, version: str = "7.0.15", maxmemory: int = 0,
                 maxmemory_policy: str = "noeviction", maxclients: int = 10000,
                 keys: dict[int, int] | None = None) -> None:
        self.host, self.port = host, port
        self.state = RedisState(version=version, requirepass=password, users=dict(users or {}),
                                maxmemory=maxmemory, maxmemory_policy=maxmemory_policy, maxclients=maxclients,
                                keyspace=dict(keys or {}))
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._sessions: dict[asyncio.StreamWriter, Session] = {}
        self._tasks: set[asyncio.Task] = set()
        self._ids = itertools.count(3)
        self._thread: threading.Thread | None = None
        self._timers: list[asyncio.TimerHandle] = []

    # -- addresses ------------------------------------------------------------------------------
    def url(self, db: int = 0, *, password: bool = True) -> str:
        """``redis://:PASSWORD@127.0.0.1:PORT/db`` (redis-py's form)."""
        return f"redis://{self._userinfo(password)}{self.host}:{self.port}/{db}"

    def zaqar_uri(self, db: int = 0) -> str:
        """The form Zaqar writes a pool's store: ``redis://:PASSWORD@127.0.0.1:PORT?dbid=N``."""
        return f"redis://{self._userinfo(True)}{self.host}:{self.port}?dbid={db}"

    def _userinfo(self, with_password: bool) -> str:
        pw = self.state.requirepass
        return f":{quote(pw, safe='')}@" if pw and with_password else ""

    @property
    def listening(self) -> bool:
        return self._server is not None

    @property
    def clients(self) -> int:
        return len(self._sessions)

    # -- life cycle -------------------------------------------------------------------------------
    async def start(self) -> "SimRedis":
        self.loop = asyncio.get_running_loop()
        await self._listen()
        return self

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
            self.port = self._server.sockets[0].getsockname()[1]
            self.state.port = self.port

    def _close_now(self) -> None:
        """Stop listening and drop every client connection (as a killed process does)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._sessions):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._sessions.clear()

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._close_now()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)

    def _apply(self, fn: Callable[[RedisState, float], Any]) -> Any:
        """Run ``fn(state, now)`` on the loop; it may return a coroutine (ports) that is awaited."""
        async def step() -> None:
            result = fn(self.state, time.time())
            if asyncio.iscoroutine(result):
                await result

        if self.loop is None:
            raise RuntimeError("the simulated Redis is not started")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            return asyncio.ensure_future(step())
        return asyncio.run_coroutine_threadsafe(step(), self.loop).result(10.0)

    def down(self) -> Any:
        """Kill it: the port closes (connection refused) and every connection drops."""
        return self._apply(lambda s, now: self._close_now())

    def up(self, *, loading: float = 0.0) -> Any:
        """Start it again on the same port: a new run (uptime and counters from 0); ``loading``
        seconds of loading its dataset first."""
        def fn(s: RedisState, now: float) -> Any:
            if self._server is not None:
                return None
            s.started_at, s.run_id = now, _run_id()
            s.evicted_keys = s.rejected_connections = s.total_connections = s.total_commands = 0
            s.error_counts.clear()
            s.hung = False
            if loading > 0:
                s.loading_started, s.loading_until = now, now + loading
            return self._listen()
        return self._apply(fn)

    def hang(self, hung: bool = True) -> Any:
        """Accept connections and read commands, never answer (``hung=False`` to release)."""
        return self._apply(lambda s, now: setattr(s, "hung", hung))

    def slow(self, seconds: float) -> Any:
        """Answer every command ``seconds`` late (0 = normal)."""
        return self._apply(lambda s, now: setattr(s, "reply_delay", float(seconds)))

    def loading(self, seconds: float) -> Any:
        """Load the dataset for ``seconds`` from now: LOADING to every command but INFO & co."""
        def fn(s: RedisState, now: float) -> None:
            s.loading_started, s.loading_until = (now, now + seconds) if seconds > 0 else (None, None)
        return self._apply(fn)

    def memory(self, fraction: float, *, maxmemory: int | None = None, policy: str | None = None) -> Any:
        """Use ``fraction`` of maxmemory (set to ``maxmemory`` bytes, or 100 MiB when there was none)."""
        def fn(s: RedisState, now: float) -> None:
            s.maxmemory = maxmemory or s.maxmemory or 100 * 2**20
            s.maxmemory_policy = policy or s.maxmemory_policy
            s.dataset_memory = max(0, int(fraction * s.maxmemory) - s.baseline_memory)
        return self._apply(fn)

    def evict(self, keys: int) -> Any:
        """``keys`` more evicted keys (INFO stats evicted_keys)."""
        return self._apply(lambda s, now: setattr(s, "evicted_keys", s.evicted_keys + keys))

    def reject(self, connections: int) -> Any:
        """``connections`` more rejected connections (INFO stats rejected_connections)."""
        return self._apply(lambda s, now: setattr(s, "rejected_connections", s.rejected_connections + connections))

    def replica_of(self, host: str | None, port: int = 6379, *, link_up: bool = True) -> Any:
        """Make it a replica of ``host:port`` (None: a master again); ``link_up=False``: one that has
        not reached its master since it started (INFO: master_link_down_since_seconds -1)."""
        def fn(s: RedisState, now: float) -> None:
            s.master = (host, port) if host else None
            s.master_link_up, s.master_link_down_since = link_up, None
        return self._apply(fn)

    def master_link(self, up: bool) -> Any:
        """The replica's link to its master goes down (or comes back)."""
        def fn(s: RedisState, now: float) -> None:
            if s.master_link_up != up:
                s.master_link_up, s.master_link_down_since = up, (None if up else now)
        return self._apply(fn)

    def rdb_failed(self, failed: bool = True) -> Any:
        return self._apply(lambda s, now: setattr(s, "rdb_last_bgsave_status", "err" if failed else "ok"))

    def at(self, delay: float, action: Callable[[], Any]) -> Any:
        """Run ``action()`` (a fault method) ``delay`` seconds from now, on the loop."""
        def fn(s: RedisState, now: float) -> None:
            assert self.loop is not None
            self._timers.append(self.loop.call_later(delay, action))
        return self._apply(fn)

    # -- serving -----------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        state = self.state
        state.total_connections += 1
        try:
            if len(self._sessions) >= state.maxclients:  # as Redis: the error, then the close
                state.rejected_connections += 1
                writer.write(encode(MAXCLIENTS))
                await asyncio.wait_for(writer.drain(), DRAIN_TIMEOUT)
                return
            session = Session(next(self._ids), user=None if state.auth_required else "default")
            self._sessions[writer] = session
            await self._loop(reader, writer, session)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError) as exc:
            log.debug("redis sim connection ends: %s", exc)
        except asyncio.CancelledError:
            pass
        finally:
            self._sessions.pop(writer, None)
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.transport.abort()

    async def _loop(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, session: Session) -> None:
        state = self.state
        while True:
            try:
                args = await read_command(reader)
            except ProtocolError as exc:
                writer.write(encode(Error(str(exc))))
                await asyncio.wait_for(writer.drain(), DRAIN_TIMEOUT)
                return
            if args is None:
                return
            if not args or state.hung:
                continue  # an empty line; or hung: read and ignore, the client waits for its timeout
            if state.reply_delay > 0:
                await asyncio.sleep(state.reply_delay)
            if state.hung or self._sessions.get(writer) is not session:
                continue
            state.total_commands += 1
            reply = run(Context(state, session, clients=len(self._sessions)), args)
            if isinstance(reply, Error):
                state.count_error(reply)
            writer.write(encode(reply, session.proto))
            await asyncio.wait_for(writer.drain(), DRAIN_TIMEOUT)
            if session.closing:
                return


def _run_id() -> str:
    import secrets

    return secrets.token_hex(20)

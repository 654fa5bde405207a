"""``SimCluster``: N simulated RabbitMQ nodes on 127.0.0.1, each with its own management API and
AMQP port, driven by one shared ``ClusterModel``.

Why: tests, the Textual demo and ``python -m msgops.sim rabbitmq`` need a whole cluster that
behaves like the lab's 3-node 3.10.8 one. Works from async code (``await start()``) or from sync
code on a private event-loop thread (``start_in_thread()``). Model changes made anywhere (e.g.
``cluster.model.stop_node(3)``) are followed by the servers: a stopped node's ports close.
"""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import quote

from msgops.sim.rabbitmq.amqp091 import AmqpServer
from msgops.sim.rabbitmq.http import HttpOptions, NodeHttpServer
from msgops.sim.rabbitmq.model import ClusterModel
from msgops.sim.threaded import LoopThread


class SimCluster(LoopThread):
    """A simulated cluster.

    nodes: node count (names ``rabbit1@<node_host>`` …); host: listen address; http_ports /
    amqp_ports: per-node ports (None or 0 = ephemeral, kept across node restarts); version:
    ``"3.10.8"`` or e.g. ``"4.0.5"`` (no mirrored queues); seed: create the lab's OpenStack-like
    queue set; queues: extra scale queues (``scale.q00000`` …); http_options: API delays;
    heartbeat: AMQP heartbeat the server proposes (0 = off); model: bring your own model.
    """

    def __init__(self, nodes: int = 3, *, host: str = "127.0.0.1",
                 http_ports: list[int] | None = None, amqp_ports: list[int] | None = None,
                 version: str = "3.10.8", user: str = "guest", password: str = "guest",
                 node_host: str = "sim", seed: bool = True, queues: int = 0,
                 http_options: HttpOptions | None = None, heartbeat: int = 0,
                 model: ClusterModel | None = None):
        self.model = model or ClusterModel(nodes, host=node_host, version=version, user=user,
                                           password=password)
        if model is None and seed:
            self.model.seed_openstack_queues()
        if queues:
            self.model.add_queues(queues)
        self.host = host
        self.http_options = http_options or HttpOptions()
        names = self.model.node_names
        hp, ap = http_ports or [0] * len(names), amqp_ports or [0] * len(names)
        self.http = {n: NodeHttpServer(self.model, n, host, hp[i], self.http_options)
                     for i, n in enumerate(names)}
        self.amqp = {n: AmqpServer(self.model, n, host, ap[i], heartbeat)
                     for i, n in enumerate(names)}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._settle_lock: asyncio.Lock | None = None
        self._tasks: set[asyncio.Task] = set()
        self.model.listeners.append(self._on_model_event)

    # --- addresses ---------------------------------------------------------------------
    @property
    def management_urls(self) -> list[str]:
        return [self.http[n].url for n in self.model.node_names]

    @property
    def amqp_ports(self) -> list[int]:
        return [self.amqp[n].port for n in self.model.node_names]

    @property
    def node_names(self) -> list[str]:
        return self.model.node_names

    def management_url(self, node) -> str:
        return self.http[self.model.node(node)].url

    @property
    def transport_url(self) -> str:
        """oslo.messaging style: ``rabbit://user:pass@host:p1,user:pass@host:p2/``."""
        cred = f"{quote(self.model.user, safe='')}:{quote(self.model.password, safe='')}"
        hosts = ",".join(f"{cred}@{self.host}:{p}" for p in self.amqp_ports)
        return f"rabbit://{hosts}/"

    # --- async lifecycle ---------------------------------------------------------------
    async def start(self) -> "SimCluster":
        self.loop = asyncio.get_running_loop()
        self._settle_lock = asyncio.Lock()
        await self.settle()
        self._publish_endpoints()
        return self

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for n in self.model.node_names:
            await self.http[n].stop()
            await self.amqp[n].stop()

    async def settle(self) -> None:
        """Open/close each node's ports to match ``model.nodes[n].running``."""
        async with self._settle_lock:
            for n, node in self.model.nodes.items():
                if node.running:
                    await self.http[n].start()
                    await self.amqp[n].start()
                else:
                    await self.http[n].stop()
                    await self.amqp[n].stop()
        self._publish_endpoints()

    def _publish_endpoints(self) -> None:
        for n in self.model.node_names:
            self.model.endpoints[n] = {"host": self.host, "amqp": self.amqp[n].port,
                                       "http": self.http[n].port}

    def _on_model_event(self, event: str, node: str | None) -> None:
        if event in ("node_stopped", "node_started") and self.loop and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._spawn, self.settle())

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def run_scenario(self, scenario) -> None:
        """Run ``scenario.run()`` (e.g. ``DemoScenario``) on the cluster's loop until stop."""
        self.loop.call_soon_threadsafe(self._spawn, scenario.run())

    # --- from synchronous code ---------------------------------------------------------
    def call(self, coro, timeout: float = 10.0):
        """Run a coroutine on the cluster's loop from another thread and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def settle_in_thread(self, timeout: float = 10.0) -> None:
        self.call(self.settle(), timeout)


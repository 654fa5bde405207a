"""Replies are distrusted: one malformed record is skipped with a finding naming it and the rest of
the snapshot stands (the console shows the target as usual); an endpoint that trickles one byte a
second cannot hold `runbook plan` (it used to take 150 s and hold the lock) or `status` past their
deadlines.

A small reverse proxy in front of the simulator corrupts one queue record on the wire, so the
probe reads it over real HTTP exactly as it would from a misbehaving server.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from aiohttp import web

from msgops.console.app import make_app
from msgops.console.config import load_inventory
from msgops.probes.poller import Poller, make_probe
from msgops.sim.rabbitmq.cluster import SimCluster
from tests.tui.fixtures import Collected, screen_text

MSGOPS = str(Path(sys.executable).with_name("msgops"))
PASSWORD = "pw-distrust-5"


class CorruptingProxy:
    """Forwards to one management API; in ``/api/queues`` replies, queue ``victim`` gets a
    wrong-typed ``node`` field (a list, not a node name)."""

    def __init__(self, upstream: str, victim: str) -> None:
        self.upstream, self.victim = upstream, victim
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        async with httpx.AsyncClient(timeout=10) as client:
            reply = await client.request(request.method, self.upstream + request.path_qs,
                                         headers={"Authorization": request.headers.get("Authorization", "")})
        body = reply.content
        if request.path == "/api/queues":
            data = reply.json()
            items = data["items"] if isinstance(data, dict) else data
            for item in items:
                if item.get("name") == self.victim:
                    item["node"] = ["rabbit1@rpc"]  # a list where a name belongs: crashed the row builder
            body = json.dumps(data).encode()
        return web.Response(body=body, status=reply.status_code, content_type="application/json")

    def __enter__(self) -> CorruptingProxy:
        self._thread.start()

        async def start() -> None:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]

        asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def write_inventory(tmp_path: Path, transport_url: str, apis: list[str], extra: str = "") -> Path:
    path = tmp_path / "inventory.toml"
    urls = ", ".join(f'"{u}"' for u in apis)
    path.write_text(f'[settings]\nstate_dir = "{tmp_path / "state"}"\n[rabbitmq.rpc]\n'
                    f'transport_url = "{transport_url}"\nmanagement_urls = [{urls}]\ncanary = false\n{extra}')
    return path


async def test_one_malformed_queue_record_is_skipped_and_named(tmp_path):
    cluster = SimCluster(3, user="msgops", password=PASSWORD, node_host="rpc").start_in_thread()
    try:
        with CorruptingProxy(cluster.management_urls[0], "qq.q1") as proxy:
            path = write_inventory(tmp_path, cluster.transport_url, [proxy.url])
            (target,) = load_inventory(path, env={}).targets
            poller = Poller(make_probe(target))
            result = await poller.poll_once(full=True)
            await poller.aclose()
            names = {q.name for q in result.snapshot.queues.queues}
            assert "qq.q1" not in names and {"qq.q2", "ha.q1"} <= names  # the rest stands
            (bad,) = [f for f in result.findings if f.code == "malformed_record"]
            assert "qq.q1" in bad.reason and "'node'" in bad.reason
            assert result.complete
            hook = Collected()
            app = make_app(load_inventory(path, env={}))
            async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
                await hook.wait_for(lambda m: m.key == "rabbitmq/rpc", timeout=30)
                app.open_target("rabbitmq/rpc")
                await pilot.pause()
                text = screen_text(app)
                assert "refreshed never" not in text and "??" not in text.split("\n")[0]
                assert "ha.q1" in text and "queue records skipped" in text
    finally:
        cluster.stop_in_thread()


class Trickler:
    """Answers every request with headers and then one body byte a second, forever."""

    def __init__(self) -> None:
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
            while True:
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(1.0)
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.close()

    def __enter__(self) -> Trickler:
        self._thread.start()

        async def start() -> None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]

        asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def test_a_trickling_endpoint_cannot_hold_plan_or_status(tmp_path):
    with Trickler() as trickle:
        path = write_inventory(tmp_path, "rabbit://u:p@127.0.0.1:1/", [trickle.url],
                               "health_timeout = 2\nqueue_timeout = 3\n")
        started = time.monotonic()
        plan = subprocess.run([MSGOPS, "--inventory", str(path), "runbook", "plan", "queue-reset", "--param",
                               "target=rpc", "--param", "queue=q", "--param", "mode=purge", "--json"],
                              capture_output=True, text=True, timeout=60)
        plan_took = time.monotonic() - started
        started = time.monotonic()
        status = subprocess.run([MSGOPS, "--inventory", str(path), "status", "--json"], capture_output=True,
                                text=True, timeout=60)
        status_took = time.monotonic() - started
    assert plan.returncode == 2 and plan_took < 15, (plan.returncode, plan_took, plan.stderr)
    events = [json.loads(line) for line in plan.stdout.splitlines()]
    refused = [e for e in events if e["event"] == "preflight" and not e["ok"]]
    assert refused and "no complete reply within 2s" in refused[0]["reason"]
    assert status.returncode == 0 and status_took < 15, status_took
    (entry,) = json.loads(status.stdout)["targets"]
    assert any("no complete reply" in f["reason"] for f in entry["findings"])

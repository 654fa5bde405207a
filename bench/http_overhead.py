"""Benchmark: what `msgops.probes.http.bounded_request` costs over a plain `httpx.AsyncClient.get`.

Run:  .venv/bin/python bench/http_overhead.py [--requests 1000] [--rounds 5] [--size 300]

A local aiohttp server (127.0.0.1, ephemeral port) answers GET /api/overview with a small JSON
document (--size bytes, identity encoding, keep-alive). One `httpx.AsyncClient` sends --requests
sequential requests per batch, decoding the JSON each time, in two ways:

- *plain*: `await client.get(url)` then `resp.json()` (httpx's own reading, per-read timeouts);
- *bounded*: `await bounded_request(client, "GET", url, deadline=5, max_bytes=8 MiB)` then
  `reply.json()` (total deadline, trace hook, raw read with the cap).

Batches alternate (plain, bounded, plain, ...) for --rounds rounds after one warm-up batch of
each, so drift hits both alike. Figures: the median batch wall time of each and their ratio.
Target: bounded / plain <= 1.25. Exit status 0 either way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

import httpx
from aiohttp import web


from msgops.probes.http import bounded_request

TARGET = 1.25


async def start_server(size: int) -> tuple[web.AppRunner, str]:
    payload = json.dumps({"cluster_name": "rabbit@bench", "pad": "x" * max(0, size - 40)}).encode()

    async def overview(request: web.Request) -> web.Response:
        return web.Response(body=payload, content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/overview", overview)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/api/overview"


async def plain_batch(client: httpx.AsyncClient, url: str, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        resp = await client.get(url, timeout=5)
        resp.json()
    return time.perf_counter() - started


async def bounded_batch(client: httpx.AsyncClient, url: str, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        reply = await bounded_request(client, "GET", url, deadline=5, max_bytes=8 << 20)
        reply.json()
    return time.perf_counter() - started


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=300, help="JSON reply bytes")
    args = parser.parse_args(argv)
    runner, url = await start_server(args.size)
    try:
        async with httpx.AsyncClient() as client:
            await plain_batch(client, url, 50)
            await bounded_batch(client, url, 50)
            plain, bounded = [], []
            for _ in range(args.rounds):
                plain.append(await plain_batch(client, url, args.requests))
                bounded.append(await bounded_batch(client, url, args.requests))
    finally:
        await runner.cleanup()
    p, b = statistics.median(plain), statistics.median(bounded)
    ratio = b / p
    n = args.requests
    print(f"{n} sequential GETs of {args.size} B JSON, median of {args.rounds} batches")
    print(f"  plain   client.get + .json():        {p:.3f} s  ({p / n * 1e6:.0f} us/request)")
    print(f"  bounded bounded_request + .json():   {b:.3f} s  ({b / n * 1e6:.0f} us/request)")
    print(f"  bounded / plain = {ratio:.2f}  (target <= {TARGET}: {'PASS' if ratio <= TARGET else 'MISS'})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

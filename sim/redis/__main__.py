"""``python -m msgops.sim redis [--port 6390] [--password P] [--version 7.0.15] [--maxmemory BYTES]``:
run a simulated Redis in the foreground, print its URL, stop on Ctrl-C.

stdout is data (the URL, or one JSON line with ``--json``); stderr is diagnostics.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from msgops.sim.redis.server import SimRedis


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m msgops.sim redis", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = ephemeral")
    p.add_argument("--password", help="requirepass (the default user's password)")
    p.add_argument("--version", default="7.0.15", help="INFO's redis_version (7.2+ answers CLIENT SETINFO)")
    p.add_argument("--maxmemory", type=int, default=0, help="bytes (0 = no limit)")
    p.add_argument("--policy", default="noeviction", help="maxmemory-policy")
    p.add_argument("--json", action="store_true", help="print the URL as one JSON line")
    return p.parse_args(argv)


async def main(args: argparse.Namespace) -> None:
    sim = SimRedis(host=args.host, port=args.port, password=args.password, version=args.version,
                   maxmemory=args.maxmemory, maxmemory_policy=args.policy)
    await sim.start()
    if args.json:
        print(json.dumps({"url": sim.url(), "port": sim.port, "version": args.version}), flush=True)
    else:
        print(sim.url(), flush=True)
        print(f"simulated Redis {args.version} on {args.host}:{sim.port} — Ctrl-C to stop", file=sys.stderr,
              flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def run(argv: list[str]) -> int:
    try:
        asyncio.run(main(parse(argv)))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

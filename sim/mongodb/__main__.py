"""``python -m msgops.sim.mongodb [--members 3] [--set catalog] [--user U --password P] [--demo]``:
run a simulated replica set in the foreground, print its URI, stop on Ctrl-C.

Why: manual poking with mongosh/pymongo and a live demo for the console. With ``--demo`` the
primary steps down every ``--demo-interval`` seconds (stdout says when). stdout is data (the
URI, or one JSON line with ``--json``); stderr is diagnostics.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from msgops.sim.mongodb.model import Timing
from msgops.sim.mongodb.replset import SimReplicaSet


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m msgops.sim.mongodb", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--members", type=int, default=3)
    p.add_argument("--set", dest="set_name", default="catalog", help="replica set name")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="first member's port (0 = ephemeral)")
    p.add_argument("--user", help="enable SCRAM auth for this user (in admin)")
    p.add_argument("--password")
    p.add_argument("--version", default="7.0.14", help='"7.0.x" (wire 21) or "6.0.x" (wire 17)')
    p.add_argument("--mode", default="replset", choices=["replset", "standalone", "uninitialised"])
    p.add_argument("--oplog-window", type=float, default=24 * 3600.0, help="seconds")
    p.add_argument("--demo", action="store_true", help="step the primary down periodically")
    p.add_argument("--demo-interval", type=float, default=30.0)
    p.add_argument("--election-timeout", type=float, default=10.0)
    p.add_argument("--json", action="store_true", help="print the endpoints as one JSON line")
    args = p.parse_args(argv)
    if bool(args.user) != bool(args.password):
        p.error("--user and --password go together")
    return args


async def main(args: argparse.Namespace) -> None:
    ports = [args.port + i for i in range(args.members)] if args.port else None
    rs = SimReplicaSet(args.members, set_name=args.set_name, host=args.host, ports=ports,
                       user=args.user, password=args.password, version=args.version,
                       mode=args.mode, oplog_window=args.oplog_window,
                       timing=Timing(election_timeout=args.election_timeout))
    await rs.start()
    if args.json:
        print(json.dumps({"uri": rs.uri, "hosts": rs.hosts, "set": args.set_name,
                          "version": args.version}), flush=True)
    else:
        print(rs.uri, flush=True)
        print(f"simulated MongoDB {args.version} replica set {args.set_name!r}: "
              f"{', '.join(rs.hosts)} — Ctrl-C to stop", file=sys.stderr, flush=True)
    if args.demo:
        def announce(event: str, member) -> None:
            if event in ("elected", "stepped_down"):
                print(f"[demo] {event} {member.host} term {member.term}", flush=True)
        rs.model.listeners.append(announce)
        rs.schedule_step_down(args.demo_interval, seconds=args.demo_interval / 2,
                              every=args.demo_interval)
    try:
        await asyncio.Event().wait()
    finally:
        await rs.stop()


def run(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        asyncio.run(main(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(run())

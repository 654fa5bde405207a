"""``python -m msgops.sim.zaqar [--pools 3] [--port N] ...`` (or ``python -m msgops.sim zaqar``):
run a simulated Zaqar v2 API in the foreground, print its endpoint, stop on Ctrl-C or SIGTERM.

Why: manual poking with curl/openstack-client and a live target for the console. stdout is data
(the endpoint, or one JSON line with ``--json``); stderr is diagnostics.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from msgops.sim.zaqar.common import Timings
from msgops.sim.zaqar.server import ZaqarSim


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m msgops.sim.zaqar", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pools", type=int, default=2, help="pools POOL1..N (default 2)")
    p.add_argument("--queues", type=int, default=0, help="demo queues placed by weight")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = any free port")
    p.add_argument("--serial", action="store_true", help="one request at a time (wsgiref)")
    p.add_argument("--keystone", action="store_true", help="token auth + Keystone stand-in")
    p.add_argument("--catalog-db", help="mirror the management store into this SQLite file")
    p.add_argument("--fast", type=float, metavar="S",
                   help="health takes S seconds while a store is down (default: lab timings)")
    p.add_argument("--json", action="store_true", help="print the endpoints as one JSON line")
    return p.parse_args(argv)


def run(argv: list[str] | None = None) -> int:
    a = parse(sys.argv[1:] if argv is None else argv)
    sim = ZaqarSim(a.pools, queues=a.queues, host=a.host, port=a.port, serial=a.serial,
                   keystone=a.keystone, catalog_db=a.catalog_db,
                   timings=Timings.fast(a.fast) if a.fast else None)
    sim.start_in_thread()
    auth_url = f"{sim.keystone_endpoint}/v3" if sim.keystone_endpoint else None
    if a.json:
        print(json.dumps({"endpoint": sim.endpoint, "keystone_auth_url": auth_url,
                          "catalog_db": sim.mirror.url if sim.mirror else None}), flush=True)
    else:
        print(sim.endpoint, flush=True)
        print(f"simulated Zaqar v2 with {a.pools} pools at {sim.endpoint}"
              + (f"; Keystone {auth_url} (admin/admin, demo/demo)" if auth_url else "")
              + " — Ctrl-C to stop", file=sys.stderr, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    sim.stop_in_thread()
    return 0


if __name__ == "__main__":
    sys.exit(run())

"""CLI: ``python -m msgops.lab.zaqar up|down|status|stop-pool N|start-pool N [--dir DIR]``.

Also reached as ``msgops lab zaqar ...`` / ``scripts/lab zaqar ...`` (msgops.lab.cli dispatches
to `main`).

``--dir`` defaults to ``./.lab/zaqar``; ``--base-port`` / ``--redis-base-port`` move the
ports (only `up` uses them: later commands read the ports `up` recorded).  Expected
failures print one line on stderr and exit 1; no tracebacks.  Passwords are never printed:
they are in the lab dir's clouds.yaml (mode 0600).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from .._util import LabError
from .lab import DEFAULT_BASE_PORT, DEFAULT_REDIS_BASE_PORT, ZaqarLab


def _print_status(st: dict) -> None:
    print(f"zaqar lab {'UP' if st['up'] else 'down'}  dir={st['dir']}")
    for name, p in st["processes"].items():
        state = "running" if p["running"] else "stopped"
        print(f"  {name:<15} {state:<8} pid={p['pid']} 127.0.0.1:{p['port']} "
              f"listening={'yes' if p['listening'] else 'no'} rss={p['rss_mb']} MB")
    print(f"  memory total    {st['rss_mb_total']} MB")
    for key, url in st["endpoints"].items():
        print(f"  {key:<15} {url}")
    print(f"  clouds.yaml     {st['clouds_yaml']}")
    print(f"  inventory       {st['inventory']}")
    v = st["venv"]
    print(f"  venv            {v['path']} (zaqar {v.get('zaqar', '?')}, keystone {v.get('keystone', '?')})")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m msgops.lab.zaqar",
                                description="Real Zaqar lab: 3 Redis pools, Keystone, two zaqar-servers")
    p.add_argument("--dir", default="./.lab/zaqar", help="lab directory (default ./.lab/zaqar)")
    p.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT,
                   help=f"Keystone on BASE, Zaqar on BASE+8 / BASE+9 (default {DEFAULT_BASE_PORT})")
    p.add_argument("--redis-base-port", type=int, default=DEFAULT_REDIS_BASE_PORT,
                   help=f"Redis pools on BASE+1..3 (default {DEFAULT_REDIS_BASE_PORT})")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="build the venv if needed, start everything from fresh data")
    sub.add_parser("down", help="stop everything `up` started")
    s = sub.add_parser("status", help="processes, ports, memory, endpoints")
    s.add_argument("--json", action="store_true")
    sub.add_parser("stop-pool", help="stop pool N's Redis (1..3)").add_argument("n", type=int)
    sub.add_parser("start-pool", help="start pool N's Redis again").add_argument("n", type=int)
    a = p.parse_args(argv)

    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731 - diagnostics go to stderr
    lab = ZaqarLab(a.dir, base_port=a.base_port, redis_base_port=a.redis_base_port, log=log)
    t0 = time.monotonic()
    try:
        if a.cmd == "up":
            t = lab.up()
            if t.phases:
                print(f"zaqar lab up in {t.total:.1f} s ({lab.dir})")
                print("\n".join(t.lines()))
                print(f"zaqar (no auth):  {lab.endpoint}  project {lab.project_id}")
                print(f"zaqar (keystone): {lab.keystone_endpoint}  keystone {lab.auth_url}")
                print(f"clouds.yaml: {lab.clouds_yaml}  inventory: {lab.inventory_path}")
        elif a.cmd == "down":
            t = lab.down()
            if t.phases:
                print(f"zaqar lab down in {t.total:.1f} s")
        elif a.cmd == "status":
            st = lab.status()
            print(json.dumps(st, indent=2)) if a.json else _print_status(st)
        else:
            (lab.stop_pool if a.cmd == "stop-pool" else lab.start_pool)(a.n)
            print(f"{a.cmd} {a.n} ({lab.pool(a.n).uri}): done in {time.monotonic() - t0:.2f} s")
    except LabError as exc:
        print(f"zaqar lab: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("zaqar lab: interrupted (run `down` to clean up)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CLI: ``python -m msgops.lab.mongodb up|down|status|stop N|start N|pause N|resume N [--dir DIR]``.

Also reached as ``msgops lab mongodb ...``. Expected failures (no mongod on PATH, ports in use) print
one line on stderr and exit 1; the password is in the lab's inventory.toml (mode 0600), never printed.
"""

from __future__ import annotations

import argparse
import json
import sys

from msgops.lab._util import LabError
from msgops.lab.mongodb.lab import DEFAULT_BASE_PORT, MongoLab


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m msgops.lab.mongodb",
                                description="Real MongoDB lab: a 3-member replica set 'catalog' on loopback")
    p.add_argument("--dir", default="./.lab/mongodb", help="lab directory (default ./.lab/mongodb)")
    p.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT,
                   help=f"members on BASE..BASE+2 (default {DEFAULT_BASE_PORT})")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="start three mongod, initiate the set, create the user, write inventory.toml")
    sub.add_parser("down", help="stop exactly what `up` started and remove its data")
    sub.add_parser("status", help="members, pids, ports").add_argument("--json", action="store_true")
    for verb, what in (("stop", "stop member N (SIGTERM)"), ("start", "start member N again"),
                       ("pause", "hang member N (SIGSTOP)"), ("resume", "resume member N (SIGCONT)")):
        sub.add_parser(verb, help=what).add_argument("n", type=int)
    a = p.parse_args(argv)
    lab = MongoLab(a.dir, base_port=a.base_port, log=lambda msg: print(msg, file=sys.stderr))
    try:
        if a.cmd == "up":
            t = lab.up()
            print(f"mongodb lab up in {t.total:.1f} s ({lab.dir})")
            print("\n".join(t.lines()))
            print(f"inventory: {lab.inventory_path}")
        elif a.cmd == "down":
            t = lab.down()
            print(f"mongodb lab down in {t.total:.1f} s")
        elif a.cmd == "status":
            st = lab.status()
            if a.json:
                print(json.dumps(st, indent=2))
            else:
                print(f"mongodb lab {'UP' if st['up'] else 'down'}  dir={st['dir']}  mongod={st['mongod'] or 'not on PATH'}")
                for host, m in st["members"].items():
                    print(f"  {host:<18} {'running' if m['running'] else 'stopped':<8} pid={m['pid']} "
                          f"listening={'yes' if m['listening'] else 'no'}")
        else:
            getattr(lab, a.cmd)(a.n)
            print(f"{a.cmd} {a.n} ({lab.host(a.n)}): done")
    except LabError as exc:
        print(f"mongodb lab: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mongodb lab: interrupted (run `down` to clean up)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

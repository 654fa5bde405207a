"""CLI: ``msgops lab rabbitmq up|down|status|cut N|heal N|stop N|start N|restart-app N|ctl N ARGS``.

``--dir`` defaults to ``./.lab/rabbitmq`` (relative to the current directory).  Expected
failures print one line on stderr and exit 1; no tracebacks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import httpx

from msgops.lab._util import LabError
from msgops.lab.rabbitmq.lab import RabbitLab


def _cluster_view(lab: RabbitLab, i: int) -> str:
    """One line: which nodes node i's management API reports running / partitioned."""
    try:
        r = httpx.get(f"{lab.management_url(i)}/api/nodes", auth=(lab.user, lab.password),
                      params={"columns": "name,running,partitions"}, timeout=3)
        r.raise_for_status()
    except httpx.HTTPError as exc:
        return f"api: unreachable ({type(exc).__name__})"
    parts = []
    for n in r.json():
        short = n["name"].split("@")[0]
        flag = "up" if n.get("running") else "DOWN"
        if n.get("partitions"):
            flag += " partitioned-from:" + ",".join(p.split("@")[0] for p in n["partitions"])
        parts.append(f"{short}={flag}")
    return "api sees: " + " ".join(parts)


def cmd_status(lab: RabbitLab, as_json: bool) -> int:
    st = lab.status()
    if as_json:
        print(json.dumps(st, indent=2))
        return 0
    print(f"lab {'UP' if st['up'] else 'down'}  dir={st['dir']}")
    for n in st["nodes"]:
        state = "running" if n["running"] else "stopped"
        print(f"  node{n['index']} {n['name']:<14} {state:<8} beam={n['beam_pid']} epmd={n['epmd_pids']} "
              f"socat={n['forwarder_pids']} amqp=127.0.0.1:{n['amqp_port']} "
              f"mgmt=127.0.0.1:{n['management_port']} link={n['link']}")
        if n["running"]:
            print(f"        {_cluster_view(lab, n['index'])}")
    if st["up"]:
        print(f"  inventory: {st['inventory']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="msgops lab rabbitmq", description="Real 3-node RabbitMQ lab")
    p.add_argument("--dir", default="./.lab/rabbitmq", help="lab directory (default ./.lab/rabbitmq)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="start a fresh 3-node cluster")
    d = sub.add_parser("down", help="stop everything up started and remove the namespaces")
    d.add_argument("--fast", action="store_true", help="SIGKILL the nodes instead of a graceful stop")
    s = sub.add_parser("status", help="per node state, pids, ports")
    s.add_argument("--json", action="store_true")
    for name, hlp in [("cut", "take node N's cluster link down"), ("heal", "bring node N's link back"),
                      ("start", "start node N"), ("restart-app", "stop_app + start_app on node N")]:
        sub.add_parser(name, help=hlp).add_argument("n", type=int)
    st = sub.add_parser("stop", help="stop node N")
    st.add_argument("n", type=int)
    st.add_argument("--kill", action="store_true", help="SIGKILL instead of graceful")
    c = sub.add_parser("ctl", help="rabbitmqctl on node N: ctl N ARGS...")
    c.add_argument("n", type=int)
    c.add_argument("args", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)

    lab = RabbitLab(Path(a.dir))
    t0 = time.monotonic()
    try:
        if a.cmd == "up":
            t = lab.up()
            if t.phases:
                print(f"lab up in {t.total:.1f} s ({lab.base})")
                print("\n".join(t.lines()))
                print(f"inventory: {lab.inventory_path}")
                print(f"management: {' '.join(lab.management_urls)}  user {lab.user}")
        elif a.cmd == "down":
            t = lab.down(fast=a.fast)
            if t.phases:
                print(f"lab down in {t.total:.1f} s")
                print("\n".join(t.lines()))
        elif a.cmd == "status":
            rc = cmd_status(lab, a.json)
            sys.stdout.flush()
            return rc
        elif a.cmd == "ctl":
            cp = lab.rabbitmqctl(a.n, *a.args, check=False)
            sys.stdout.write(cp.stdout)
            sys.stderr.write(cp.stderr)
            return cp.returncode
        else:
            if not lab.is_up():
                raise LabError(f"lab is not up in {lab.base}: run `up` first")
            action = {"cut": lab.cut, "heal": lab.heal, "start": lab.start_node,
                      "restart-app": lab.restart_app,
                      "stop": lambda n: lab.stop_node(n, kill=a.kill)}[a.cmd]
            action(a.n)
            print(f"{a.cmd} {lab.node_name(a.n)}: done in {time.monotonic() - t0:.2f} s")
    except LabError as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `status | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("lab: interrupted (run `down` to clean up)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

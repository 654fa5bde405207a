"""``python -m msgops.sim rabbitmq [--queues N] [--demo] …``: run a simulated cluster in the
foreground, print its URLs, stop on Ctrl-C. Why: manual poking with curl/the console."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from msgops.sim.rabbitmq.cluster import SimCluster
from msgops.sim.rabbitmq.http import HttpOptions
from msgops.sim.rabbitmq.scenario import DemoScenario, DemoTimings


def _ports(base: int | None, n: int) -> list[int] | None:
    return None if not base else [base + i for i in range(n)]


def parse(argv: list[str]) -> argparse.Namespace:
    r = argparse.ArgumentParser(prog="python -m msgops.sim rabbitmq", description=__doc__)
    r.add_argument("--nodes", type=int, default=3)
    r.add_argument("--queues", type=int, default=0, help="extra scale queues (10000-50000)")
    r.add_argument("--version", default="3.10.8", help='"3.10.8" or e.g. "4.0.5"')
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--http-port", type=int, default=0, help="first management port (0=any)")
    r.add_argument("--amqp-port", type=int, default=0, help="first AMQP port (0=any)")
    r.add_argument("--user", default="guest")
    r.add_argument("--password", default="guest")
    r.add_argument("--demo", action="store_true", help="loop the partition demo scenario")
    r.add_argument("--steady", type=float, default=15.0)
    r.add_argument("--cut", type=float, default=30.0)
    r.add_argument("--cut-delay-majority", type=float, default=0.0,
                   help="/api/queues delay on the majority during a cut (lab: 4 s)")
    r.add_argument("--cut-delay-minority", type=float, default=0.0,
                   help="/api/queues delay on the minority during a cut (lab: 8.5 s)")
    r.add_argument("--json", action="store_true", help="print the endpoints as one JSON line")
    return r.parse_args(argv)


async def main(args: argparse.Namespace) -> None:
    cluster = SimCluster(args.nodes, host=args.host, version=args.version, user=args.user,
                         password=args.password, queues=args.queues,
                         http_ports=_ports(args.http_port, args.nodes),
                         amqp_ports=_ports(args.amqp_port, args.nodes),
                         http_options=HttpOptions(args.cut_delay_majority,
                                                  args.cut_delay_minority))
    await cluster.start()
    info = {"nodes": cluster.node_names, "management_urls": cluster.management_urls,
            "amqp_ports": cluster.amqp_ports, "transport_url": cluster.transport_url,
            "user": args.user, "version": args.version}
    if args.json:
        print(json.dumps(info), flush=True)
    else:
        print(f"simulated RabbitMQ {args.version}, {len(cluster.model.queues)} queues")
        for n, url, port in zip(cluster.node_names, cluster.management_urls, cluster.amqp_ports):
            print(f"  {n:16} management {url}   amqp {args.host}:{port}")
        print(f"  transport_url {cluster.transport_url}")
        print("Ctrl-C to stop", flush=True)
    if args.demo:
        def say(phase: str) -> None:
            print(f"[demo] {phase}", flush=True)
        cluster.run_scenario(DemoScenario(cluster.model, DemoTimings(args.steady, args.cut),
                                          on_phase=say))
    try:
        await asyncio.Event().wait()
    finally:
        await cluster.stop()


def run(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        asyncio.run(main(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(run())

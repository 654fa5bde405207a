"""The RabbitMQ part of ``msgops demo``: two simulated clusters served on loopback.

As in the dual-backend deployments (RPC and notifications on separate clusters): a 3-node "rpc"
cluster running the scripted partition story, and a quiet 1-node "notifications" one. The probes
talk to the simulators over real HTTP and AMQP, exactly as to RabbitMQ.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from typing import Iterator

from msgops.sim.demo_options import DemoOptions

INVENTORY = """\
[rabbitmq.rpc]
transport_url = "{rpc_url}"
management_urls = {rpc_mgmt}
poll_interval = 2.0
queue_interval = 10.0
canary_interval = 10.0

[rabbitmq.notifications]
transport_url = "{notify_url}"
management_urls = {notify_mgmt}
poll_interval = 5.0
"""


@contextmanager
def demo_clusters(options: DemoOptions, timings=None) -> Iterator[tuple[str, object]]:  # noqa: ANN001
    """Start the two clusters; yield (inventory TOML, the rpc SimCluster); stop both on exit."""
    from msgops.sim.rabbitmq.cluster import SimCluster
    from msgops.sim.rabbitmq.scenario import DemoScenario, DemoTimings

    password = secrets.token_urlsafe(12)
    rpc = SimCluster(3, queues=options.scale, user="msgops", password=password, node_host="rpc")
    notify = SimCluster(1, user="msgops", password=password, node_host="notify")
    started = []
    try:
        for cluster in (rpc, notify):
            cluster.start_in_thread()
            started.append(cluster)
        if not options.steady:
            rpc.run_scenario(DemoScenario(rpc.model, timings or DemoTimings(steady=options.incident_after)))
        yield INVENTORY.format(
            rpc_url=rpc.transport_url, rpc_mgmt=_toml_list(rpc.management_urls),
            notify_url=notify.transport_url, notify_mgmt=_toml_list(notify.management_urls),
        ), rpc
    finally:
        for cluster in started:
            cluster.stop_in_thread()


@contextmanager
def demo_targets(options: DemoOptions) -> Iterator[str]:
    """The tier's demo hook (``SPEC.demo``): inventory TOML for its simulated targets."""
    with demo_clusters(options) as (toml, _):
        yield toml


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"

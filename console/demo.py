"""`msgops demo`: the console on simulated clusters served on loopback (no root, no network).

Two targets, as in the dual-backend deployments (RPC and notifications on separate clusters): a
3-node "rpc" cluster running the scripted partition incident, and a quiet 1-node "notifications"
one. The probes talk to the simulators over real HTTP and AMQP, exactly as to RabbitMQ.
"""

from __future__ import annotations

import secrets
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from msgops.console.config import Inventory, load_inventory, with_read_only

DEMO_INVENTORY = """\
[settings]
state_dir = "{state}"

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
def demo_estate(*, queues: int = 0, incident_after: float = 15.0, timings=None) -> Iterator[tuple[Inventory, object]]:  # noqa: ANN001
    """Start the simulated estate; yield (inventory, rpc cluster); stop everything on exit."""
    from msgops.sim.rabbitmq_cluster import SimCluster
    from msgops.sim.scenario import DemoScenario, DemoTimings

    password = secrets.token_urlsafe(12)
    rpc = SimCluster(3, queues=queues, user="msgops", password=password, node_host="rpc")
    notify = SimCluster(1, user="msgops", password=password, node_host="notify")
    started = []
    try:
        for cluster in (rpc, notify):
            cluster.start_in_thread()
            started.append(cluster)
        rpc.run_scenario(DemoScenario(rpc.model, timings or DemoTimings(steady=incident_after)))
        with tempfile.TemporaryDirectory(prefix="msgops-demo-") as tmp:
            path = Path(tmp) / "inventory.toml"
            path.write_text(DEMO_INVENTORY.format(
                state=Path(tmp) / "state",
                rpc_url=rpc.transport_url, rpc_mgmt=_toml_list(rpc.management_urls),
                notify_url=notify.transport_url, notify_mgmt=_toml_list(notify.management_urls),
            ))
            yield load_inventory(path), rpc
    finally:
        for cluster in started:
            cluster.stop_in_thread()


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def run_demo(*, queues: int = 0, incident_after: float = 15.0, read_only: bool = False) -> int:
    from msgops.console.app import run_console

    with demo_estate(queues=queues, incident_after=incident_after) as (inventory, _):
        return run_console(with_read_only(inventory) if read_only else inventory)

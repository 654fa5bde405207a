"""The RabbitMQ tier's conformance kit (tests/conformance runs it with every other tier's).

- ``sample_snapshots()``: snapshots built from replies recorded on the real 3.10.8 lab, with the
  finding codes each must produce;
- ``running()``: the wire-level simulator in a steady state and inventory TOML for one target;
- ``live_replies(sim)``: (what, recorded reply, the simulator's reply) pairs to compare in shape.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterator

import httpx

from msgops.sim.rabbitmq.cluster import SimCluster
from msgops.probes.rabbitmq.parse import QUEUE_COLUMNS
from tests.unit.samples import DATA, snapshot

TIER = "rabbitmq"


def sample_snapshots() -> list[tuple[str, Any, set[str]]]:
    return [
        ("steady", snapshot("netns-steady"), {"healthy"}),
        ("unsynchronised mirrors", snapshot("netns-unsync"), {"mirror_unsynchronised"}),
        ("partition, both views", snapshot("netns-link-during-majority", "netns-link-during-minority"),
         {"partition", "quorum_member_offline"}),
        ("partition reported after the link returned", snapshot("netns-link-partitioned"), {"partition"}),
    ]


@contextmanager
def running() -> Iterator[tuple[str, Any]]:
    """A steady 3-node simulator (no canary: AMQP is exercised elsewhere); (TOML, simulator)."""
    cluster = SimCluster(3, user="kit", password="kit-pw-9931", node_host="kit").start_in_thread()
    try:
        urls = ", ".join(f'"{u}"' for u in cluster.management_urls)
        yield (f'[rabbitmq.kit]\ntransport_url = "{cluster.transport_url}"\nmanagement_urls = [{urls}]\n'
               f'canary = false\n'), cluster
    finally:
        cluster.stop_in_thread()


def live_replies(cluster: Any) -> list[tuple[str, Any, Any]]:
    def get(path: str, **params: str) -> Any:
        reply = httpx.get(cluster.management_urls[0] + path, params=params, auth=("kit", "kit-pw-9931"), timeout=10)
        reply.raise_for_status()
        return reply.json()

    def recorded(name: str) -> Any:
        return json.loads((DATA / "netns-steady" / name).read_text())

    def read(doc: Any, fields: tuple[str, ...]) -> Any:
        """Only what msgops reads: the simulator leaves out Erlang internals nobody looks at."""
        if isinstance(doc, list):
            return [read(d, fields) for d in doc]
        return {k: v for k, v in doc.items() if k in fields}

    queue_fields = tuple(QUEUE_COLUMNS.split(","))
    return [
        ("/api/overview", read(recorded("api_overview.json"), OVERVIEW_FIELDS), get("/api/overview")),
        ("/api/nodes", read(recorded("api_nodes.json"), NODE_FIELDS), get("/api/nodes")),
        ("/api/queues?columns=", read(recorded("api_queues_columns.json"), queue_fields),
         get("/api/queues", columns=QUEUE_COLUMNS)),
        ("/api/policies", recorded_policies(), get("/api/policies")),
    ]


OVERVIEW_FIELDS = ("rabbitmq_version", "management_version", "node", "cluster_name", "queue_totals", "object_totals")
NODE_FIELDS = ("name", "running", "type", "partitions", "mem_used", "mem_limit", "mem_alarm", "disk_free",
               "disk_free_limit", "disk_free_alarm", "fd_used", "fd_total", "uptime", "net_ticktime", "being_drained")


def recorded_policies() -> Any:
    """/api/policies as the real lab answered it (its ha-all policy)."""
    return json.loads((DATA / "netns-steady" / "api_policies.json").read_text())




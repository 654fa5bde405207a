"""Build RabbitSnapshots from recorded real responses (tests/data/rabbitmq), one view per API."""

from __future__ import annotations

import json
import time
from pathlib import Path

from msgops.probes.rabbitmq.model import ApiView, QueueListing, RabbitSnapshot
from msgops.probes.rabbitmq.collect import merge_nodes
from msgops.probes.rabbitmq.parse import parse_nodes, parse_queues

DATA = Path(__file__).resolve().parents[1] / "data" / "rabbitmq"


def load(state: str, name: str):
    return json.loads((DATA / state / name).read_text())


def view(state: str) -> ApiView:
    overview = load(state, "api_overview.json")
    nodes, _ = parse_nodes(load(state, "api_nodes.json"), state)
    return ApiView(f"http://{state}", overview["node"], True, None, nodes)


def snapshot(*states: str, unreachable: int = 0, queues_from: str | None = None) -> RabbitSnapshot:
    """A snapshot as if each state's API answered with its recording (first = primary)."""
    views = tuple(view(s) for s in states) + tuple(
        ApiView(f"http://down{i}", None, False, "connection refused") for i in range(unreachable)
    )
    source = queues_from or states[0]
    queues, _ = parse_queues(load(source, "api_queues_columns.json"), source)
    listing = QueueListing(queues, time.time(), 0.01, "x")
    overview = load(states[0], "api_overview.json")
    return RabbitSnapshot(
        target="lab", taken_at=time.time(), version=overview["rabbitmq_version"],
        cluster_name=overview.get("cluster_name"), views=views, nodes=merge_nodes(views), queues=listing,
    )

"""Fixtures for the simulator tests: a running SimCluster (on its own loop thread) and samples."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from msgops.sim.rabbitmq.cluster import SimCluster

AUTH = ("guest", "guest")
SAMPLE_DIRS = [Path(__file__).resolve().parents[1] / "data" / "rabbitmq",
               Path("/work/shared/samples/rabbitmq")]


def sample(state: str, name: str):
    """A real 3.10.8 answer (tests/data copy first, then the shared samples)."""
    for d in SAMPLE_DIRS:
        p = d / state / name
        if p.exists():
            return json.loads(p.read_text())
    pytest.skip(f"sample {state}/{name} not available")


_client: httpx.Client | None = None


def client() -> httpx.Client:
    """One shared client: building an httpx.Client costs ~0.15 s (TLS context)."""
    global _client
    if _client is None:
        _client = httpx.Client(auth=AUTH, timeout=10)
    return _client


def get(cluster: SimCluster, node: int, path: str, **params) -> httpx.Response:
    """GET ``path`` from node ``node``'s (1-based) management API."""
    return client().get(cluster.management_urls[node - 1] + path, params=params)


@pytest.fixture
def cluster():
    c = SimCluster().start_in_thread()
    try:
        yield c
    finally:
        c.stop_in_thread()

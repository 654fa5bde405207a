"""A real 3-node RabbitMQ lab for the whole test session, and helpers to watch it through the probe.

The lab needs root (network namespaces) and Debian's rabbitmq-server (scripts/install-lab-deps).
Where they are missing the lab tests skip with that reason, except when MSGOPS_LAB_REQUIRED=1
(set by scripts/test, hence CI): then they fail.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Callable

import httpx
import pika
import pytest

from msgops.console.config import load_inventory
from msgops.lab.rabbitmq import RabbitLab
from msgops.lab.rabbitmq.node import RABBIT_BIN
from msgops.probes.findings import Finding
from msgops.probes.rabbitmq.assess import assess
from msgops.probes.rabbitmq.collect import RabbitProbe


def require_lab_host() -> None:
    reason = None
    if os.geteuid() != 0:
        reason = "the RabbitMQ lab needs root for network namespaces"
    elif not (RABBIT_BIN / "rabbitmq-server").exists():
        reason = "rabbitmq-server is not installed: run scripts/install-lab-deps"
    if reason:
        if os.environ.get("MSGOPS_LAB_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def rabbit_lab(tmp_path_factory: pytest.TempPathFactory):
    """One real cluster shared by the probe, console and runbook tests (its own ports and subnet)."""
    require_lab_host()
    lab = RabbitLab(tmp_path_factory.mktemp("session-lab"), prefix="msgs", net="10.233",
                    amqp_base=5720, mgmt_base=15720)
    try:
        lab.up(log=lambda *_: None)
        yield lab
    finally:
        lab.down(fast=True, log=lambda *_: None)


@pytest.fixture(scope="session")
def lab_target(rabbit_lab):
    """The lab's inventory as the console reads it, with quick cadences for tests."""
    from dataclasses import replace

    (target,) = load_inventory(rabbit_lab.inventory_path).of_tier("rabbitmq")
    return replace(target, poll_interval=1.0, queue_interval=1.0, canary_interval=1.0, health_timeout=5.0)


def probe_until(target, predicate: Callable[[tuple[Finding, ...], object], bool], timeout: float, what: str):
    """Poll the real cluster through a fresh probe until predicate(findings, snapshot) holds."""

    async def run():
        probe = RabbitProbe(target)
        deadline = time.monotonic() + timeout
        last = None
        try:
            while True:
                snapshot = await probe.poll(full=True)
                findings = assess(snapshot)
                last = findings
                if predicate(findings, snapshot):
                    return findings, snapshot
                if time.monotonic() > deadline:
                    pytest.fail(f"{what}: not seen within {timeout:g}s; last findings: "
                                + "; ".join(f"{f.severity.label} {f.code} {f.subject}: {f.reason}" for f in last))
                await asyncio.sleep(1.0)
        finally:
            await probe.aclose()

    return asyncio.run(run())


def codes(findings) -> set[str]:
    return {f.code for f in findings}


def publish(lab, queue: str, count: int, *, node: int = 1, declare_args: dict | None = None) -> None:
    """Declare ``queue`` (durable) through node ``node``'s AMQP port and publish ``count`` messages."""
    params = pika.ConnectionParameters("127.0.0.1", lab.amqp_port(node),
                                       credentials=pika.PlainCredentials(lab.user, lab.password))
    with pika.BlockingConnection(params) as conn:
        ch = conn.channel()
        ch.queue_declare(queue, durable=True, arguments=declare_args)
        for i in range(count):
            ch.basic_publish("", queue, f"m{i}".encode())


def queue_info(lab, queue: str) -> dict | None:
    """The management API's record of ``queue`` on vhost /, or None when it does not exist."""
    r = httpx.get(f"{lab.management_url(1)}/api/queues/%2F/{queue}", auth=(lab.user, lab.password), timeout=30)
    return None if r.status_code == 404 else r.json()


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what}: not seen within {timeout:g}s"
        time.sleep(0.5)


def seed_queue(lab, queue: str, count: int) -> None:
    """``count`` messages published to ``queue`` and visible in the management API (stats lag)."""
    publish(lab, queue, count)
    wait_for(lambda: (queue_info(lab, queue) or {}).get("messages") == count, 30, f"{count} messages in {queue}")


def unsynchronised_mirrors(lab, queue: str) -> set[str]:
    q = queue_info(lab, queue) or {}
    return set(q.get("slave_nodes") or []) - set(q.get("synchronised_slave_nodes") or [])


def unsynchronise(lab, queue: str, count: int, *, node: int = 3) -> None:
    """A real unsynchronised mirror: publish while mirror node ``node`` is stopped, then start it."""
    lab.stop_node(node)
    try:
        publish(lab, queue, count)
    finally:
        lab.start_node(node)


def sync_all(lab) -> None:
    """Synchronise every mirrored queue (ha-sync-mode is manual in the lab, as in many clouds)."""
    auth = (lab.user, lab.password)
    url = lab.management_url(1)
    for q in httpx.get(f"{url}/api/queues", params={"columns": "name,vhost,slave_nodes,synchronised_slave_nodes"},
                       auth=auth, timeout=30).json():
        if set(q.get("slave_nodes") or []) - set(q.get("synchronised_slave_nodes") or []):
            httpx.post(f"{url}/api/queues/%2F/{q['name']}/actions", json={"action": "sync"}, auth=auth, timeout=30)

"""The simulator and the REAL lab put in the same state give the probe the same findings.

Keeps the demo estate and the simulator-based tests honest: for a steady cluster, a stopped node,
unsynchronised mirrors after a node's restart, and a real network partition, the findings the
probe draws from RabbitMQ 3.10 itself (severity, code, subject) must equal those it draws from the
simulator. Node names, API addresses and ports are mapped to node1..3 on both sides; queues other
tests left in the lab are ignored. The simulator's answer is taken first (it is immediate); the
lab is then polled until it agrees, within a deadline (management data lags by seconds).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from msgops.lab.rabbitmq.seed import DEFAULT_QUEUES
from msgops.probes.rabbitmq.assess import assess
from msgops.probes.rabbitmq.collect import RabbitProbe
from msgops.sim.rabbitmq.cluster import SimCluster
from tests.sim_inventory import sim_inventory

from .conftest import probe_until, sync_all, unsynchronise

pytestmark = [pytest.mark.lab]
TEST_QUEUE = "simlab.unsync"
KNOWN_QUEUES = {name for name, _, _ in DEFAULT_QUEUES} | {TEST_QUEUE}


def aliases(node_names: list[str], management_urls: list[str], amqp_ports: list[int]) -> dict[str, str]:
    """Each node's name, API address (host:port, and the whole URL) and AMQP address → node<i>."""
    out: dict[str, str] = {}
    for i, (name, url, port) in enumerate(zip(node_names, management_urls, amqp_ports), 1):
        out[url.rstrip("/")] = out[urlsplit(url).netloc] = out[name] = out[f"127.0.0.1:{port}"] = f"node{i}"
    return out


def normalise(findings, names: dict[str, str]) -> set[tuple[str, str, str]]:
    """(severity, code, subject) with node names and addresses replaced; only known queues kept."""
    out = set()
    for f in findings:
        subject = names.get(f.subject, f.subject)
        for literal in sorted(names, key=len, reverse=True):
            subject = subject.replace(literal, names[literal])
        if f.code in ("mirror_unsynchronised", "quorum_below_majority", "quorum_member_offline",
                      "queue_down") and subject not in KNOWN_QUEUES:
            continue
        out.add((f.severity.name, f.code, subject))
    return out


def sides(findings, names: dict[str, str]) -> str | None:
    """The partition's sides as 'node1, node2 | node3' (None without a partition finding)."""
    partition = next((f for f in findings if f.code == "partition"), None)
    if partition is None:
        return None
    text = partition.reason
    for literal in sorted(names, key=len, reverse=True):
        text = text.replace(literal, names[literal])
    return text.split(": ", 1)[1].split(" (", 1)[0]


@pytest.fixture
def sim(rabbit_lab, tmp_path):
    """A simulated 3.10.8 cluster seeded like the lab, reached through an inventory like the lab's."""
    cluster = SimCluster(3, user=rabbit_lab.user, password=rabbit_lab.password, node_host="sim")
    cluster.start_in_thread()
    try:
        (target,) = sim_inventory(cluster, tmp_path).of_tier("rabbitmq")
        yield cluster, target, aliases(cluster.node_names, cluster.management_urls, cluster.amqp_ports)
    finally:
        cluster.stop_in_thread()


def sim_findings(target):
    async def once():
        probe = RabbitProbe(target)
        try:
            snapshot = await probe.poll(full=True)
            return assess(snapshot)
        finally:
            await probe.aclose()
    return asyncio.run(once())


def lab_agrees(rabbit_lab, lab_target, expected: set, what: str, timeout: float = 90):
    names = aliases(rabbit_lab.node_names, rabbit_lab.management_urls,
                    [rabbit_lab.amqp_port(i) for i in rabbit_lab.indices])
    findings, _ = probe_until(lab_target, lambda f, s: normalise(f, names) == expected, timeout,
                              f"{what}: lab findings equal to the simulator's {sorted(expected)}")
    return findings, names


def test_steady_state_agrees(rabbit_lab, lab_target, sim):
    cluster, target, names = sim
    sync_all(rabbit_lab)
    expected = normalise(sim_findings(target), names)
    assert expected == {("OK", "healthy", "cluster")}
    lab_agrees(rabbit_lab, lab_target, expected, "steady")


def test_stopped_node_agrees(rabbit_lab, lab_target, sim):
    cluster, target, names = sim
    cluster.model.stop_node(2)
    expected = normalise(sim_findings(target), names)
    assert ("CRITICAL", "node_down", "node2") in expected
    rabbit_lab.stop_node(2)
    try:
        lab_agrees(rabbit_lab, lab_target, expected, "node 2 stopped")
    finally:
        rabbit_lab.start_node(2)
    sync_all(rabbit_lab)


def test_unsynchronised_mirrors_after_a_restart_agree(rabbit_lab, lab_target, sim):
    cluster, target, names = sim
    sync_all(rabbit_lab)
    cluster.model.stop_node(3)
    cluster.model.declare_queue(TEST_QUEUE, node=cluster.node_names[0])
    cluster.model.publish("/", TEST_QUEUE, 20)
    cluster.model.start_node(3)
    expected = normalise(sim_findings(target), names)
    assert ("WARNING", "mirror_unsynchronised", TEST_QUEUE) in expected

    unsynchronise(rabbit_lab, TEST_QUEUE, 20)
    try:
        lab_agrees(rabbit_lab, lab_target, expected, "node 3 restarted after publishes")
    finally:
        sync_all(rabbit_lab)


@pytest.mark.partition
def test_partition_agrees(rabbit_lab, lab_target, sim):
    cluster, target, names = sim
    sync_all(rabbit_lab)
    cluster.model.cut(3)
    sim_result = sim_findings(target)
    expected = normalise(sim_result, names)
    assert sides(sim_result, names) == "node1, node2 | node3"
    rabbit_lab.cut(3)
    try:
        findings, lab_names = lab_agrees(rabbit_lab, lab_target, expected, "node 3 cut off", timeout=60)
        assert sides(findings, lab_names) == "node1, node2 | node3"
    finally:
        rabbit_lab.heal(3)
    probe_until(lab_target, lambda f, s: any("partitions reported" in x.reason for x in f if x.code == "partition")
                or "partition" not in {x.code for x in f}, 60, "link back")
    rabbit_lab.restart_node(3)
    probe_until(lab_target, lambda f, s: not {"partition", "node_down"} & {x.code for x in f}, 90, "recovered")
    sync_all(rabbit_lab)

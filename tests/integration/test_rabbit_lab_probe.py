"""The RabbitMQ probe against the REAL 3-node lab cluster: steady, node down, unsynchronised mirror,
a real network partition (network namespaces), and 10,000 queues. Ordered: each test leaves the
cluster healthy for the next (states are reached with deadlines, never asserted once).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from msgops.probes.findings import Severity, worst

from .conftest import codes, probe_until, sync_all, unsynchronise

pytestmark = [pytest.mark.lab]


def test_steady_cluster_is_all_ok(lab_target):
    findings, snap = probe_until(lab_target, lambda f, s: worst(f) is Severity.OK, 60, "steady state OK")
    assert len(snap.nodes) == 3 and all(n.running for n in snap.nodes)
    assert snap.version.startswith("3.")
    assert len(snap.canaries) == 3 and all(c.ok for c in snap.canaries)
    assert any(q.is_mirrored for q in snap.queues.queues) and any(q.type == "quorum" for q in snap.queues.queues)


def test_status_json_shows_the_real_cluster(rabbit_lab):
    out = subprocess.run([sys.executable, "-m", "msgops.console.cli", "--inventory", str(rabbit_lab.inventory_path),
                          "status", "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    (target,) = doc["targets"]
    names = sorted(n["name"] for n in target["snapshot"]["nodes"])
    assert names == sorted(rabbit_lab.node_names)
    assert rabbit_lab.password not in out.stdout and rabbit_lab.password not in out.stderr


def test_stopped_node_is_critical_then_recovers(rabbit_lab, lab_target):
    name = rabbit_lab.node_name(2)
    rabbit_lab.stop_node(2)
    try:
        findings, _ = probe_until(
            lab_target, lambda f, s: any(x.code == "node_down" and x.subject == name for x in f), 60, "node_down")
        down = next(f for f in findings if f.code == "node_down")
        assert down.severity is Severity.CRITICAL
        assert any(f.code == "api_unreachable" and ":15722" in f.subject for f in findings)
        assert any(f.code == "canary_failed" for f in findings)
    finally:
        rabbit_lab.start_node(2)
    sync_all(rabbit_lab)
    probe_until(lab_target, lambda f, s: worst(f) is Severity.OK, 90, "recovery after restart")


def test_unsynchronised_mirror_is_named(rabbit_lab, lab_target):
    unsynchronise(rabbit_lab, "unsync.canary", 20)
    node3 = rabbit_lab.node_name(3)
    findings, _ = probe_until(
        lab_target,
        lambda f, s: any(x.code == "mirror_unsynchronised" and x.subject == "unsync.canary" for x in f),
        60, "unsynchronised mirror of unsync.canary")
    finding = next(f for f in findings if f.subject == "unsync.canary")
    assert finding.severity is Severity.WARNING and node3 in finding.reason
    # The headless commands list without statistics (disable_stats): on the real 3.10 its mirror
    # fields must name the same queue (lab notes: with enable_queue_totals they would be stale).
    out = subprocess.run([sys.executable, "-m", "msgops.console.cli", "--inventory", str(rabbit_lab.inventory_path),
                          "status", "--json"], capture_output=True, text=True, timeout=120)
    (target,) = json.loads(out.stdout)["targets"]
    assert target["snapshot"]["queues"]["statistics"] is False
    light = {(f["code"], f["subject"]) for f in target["findings"] if f["code"] == "mirror_unsynchronised"}
    assert ("mirror_unsynchronised", "unsync.canary") in light
    sync_all(rabbit_lab)
    probe_until(lab_target, lambda f, s: "mirror_unsynchronised" not in codes(f), 60, "mirrors synced again")


@pytest.mark.partition
def test_real_network_partition_names_both_sides_and_clears(rabbit_lab, lab_target):
    one, two, three = (rabbit_lab.node_name(i) for i in (1, 2, 3))
    rabbit_lab.cut(3)
    try:
        findings, _ = probe_until(lab_target, lambda f, s: "partition" in codes(f), 60, "partition during the cut")
        partition = next(f for f in findings if f.code == "partition")
        assert partition.severity is Severity.CRITICAL
        assert f"{one}, {two} | {three}" in partition.reason
        assert "node_down" not in codes(findings)  # node 3 answers on its own side: not an outage
        time.sleep(3)  # hold the cut a little past net_ticktime (10 s) so both sides record it
    finally:
        rabbit_lab.heal(3)
    findings, _ = probe_until(
        lab_target, lambda f, s: any(x.code == "partition" and "partitions reported" in x.reason for x in f),
        60, "partitions reported after the link returned")
    rabbit_lab.restart_node(3)  # recovery: restart the minority side
    probe_until(lab_target, lambda f, s: "partition" not in codes(f) and "node_down" not in codes(f),
                90, "partition cleared after recovery")
    sync_all(rabbit_lab)
    probe_until(lab_target, lambda f, s: worst(f) is Severity.OK, 90, "healthy after partition recovery")


def test_ten_thousand_queues_are_listed(rabbit_lab, lab_target):
    """9,000 unmirrored + 1,000 mirrored queues (mirroring makes declaring ~8x slower: ~34 queues/s)."""
    from msgops.lab.rabbitmq.seed import declare_queues, delete_queues

    ports = [rabbit_lab.amqp_port(i) for i in rabbit_lab.indices]
    common = dict(amqp_ports=ports, mgmt_url=rabbit_lab.management_url(1), password=rabbit_lab.password,
                  method="amqp")
    plain, _ = declare_queues(9_000, prefix="scale", mirrored=False, **common)
    mirrored, _ = declare_queues(1_000, prefix="scaleha", **common)
    try:
        def all_listed(findings, snap) -> bool:
            listed = {q.name: q for q in snap.queues.queues} if snap.queues else {}
            return set(plain + mirrored) <= set(listed) and all(listed[n].is_mirrored for n in mirrored)

        findings, snap = probe_until(lab_target, all_listed, 120, "10k queues listed, 1,000 of them mirrored")
        assert worst(findings) in (Severity.OK, Severity.WARNING)
        unmirrored = set(plain)
        assert not any(q.is_mirrored for q in snap.queues.queues if q.name in unmirrored)
    finally:
        delete_queues(plain + mirrored, amqp_ports=ports, password=rabbit_lab.password)

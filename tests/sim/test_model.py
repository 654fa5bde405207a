"""Model rules without servers: promotion, re-mirroring, forks, quorum leaders, CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from msgops.sim.rabbitmq.model import ClusterModel, NotFound, PreconditionFailed


@pytest.fixture
def m():
    model = ClusterModel()
    model.seed_openstack_queues()
    return model


def test_master_loss_promotes_a_synchronised_mirror(m):
    q = m.queues[("/", "compute.cmp1")]
    old = q.node
    m.stop_node(old)
    assert q.node != old and old not in q.slaves and q.node not in q.slaves
    m.start_node(old)
    assert old in q.slaves and old not in q.synced  # rejoined a non-empty queue
    m.sync("/", "compute.cmp1")
    assert q.synced == q.slaves


def test_empty_queue_mirror_rejoins_synchronised(m):
    m.declare_queue("empty", node=1)
    m.stop_node(3)
    m.start_node(3)
    q = m.queues[("/", "empty")]
    assert "rabbit3@sim" in q.synced


def test_quorum_leader_moves_and_needs_a_majority(m):
    q = m.queues[("/", "qq.neutron")]
    assert q.leader == "rabbit1@sim"
    m.stop_node(1)
    assert q.leader in ("rabbit2@sim", "rabbit3@sim")
    m.stop_node(2)
    m.stop_node(3)
    assert q.leader is None
    assert m.publish("/", "qq.neutron") is False


def test_cut_forks_and_recover_discards_the_minority_copy(m):
    m.cut(3)
    m.publish("/", "ha.q1", 100)                       # majority
    m.publish("/", "ha.q1", 7, via="rabbit3@sim")      # minority's own copy
    q = m.queues[("/", "ha.q1")]
    fork = q.forks["rabbit3@sim"]
    assert fork.node == "rabbit3@sim" and fork.slaves == []
    m.heal(3)
    assert m.partitions["rabbit1@sim"] == {"rabbit3@sim"}
    assert m.partitions["rabbit3@sim"] == {"rabbit1@sim", "rabbit2@sim"}
    m.recover(3)
    assert not q.forks and not any(m.partitions.values()) and not m.minority
    assert "rabbit3@sim" in q.slaves and "rabbit3@sim" not in q.synced


def test_delete_preconditions_and_missing(m):
    with pytest.raises(PreconditionFailed, match="not empty"):
        m.delete("/", "ha.q1", if_empty=True)
    with pytest.raises(NotFound):
        m.purge("/", "nope")
    assert m.purge("/", "ha.q1") > 0
    m.delete("/", "ha.q1", if_empty=True, if_unused=True)
    assert ("/", "ha.q1") not in m.queues


def test_version_4_model_has_no_mirrors():
    m4 = ClusterModel(version="4.0.5")
    m4.seed_openstack_queues()
    assert not m4.policies and all(not q.slaves for q in m4.queues.values())


def test_cli_prints_endpoints_and_serves():
    proc = subprocess.Popen([sys.executable, "-m", "msgops.sim", "rabbitmq", "--queues", "100",
                             "--json"], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert len(info["management_urls"]) == 3 and info["transport_url"].startswith("rabbit://")
        r = httpx.get(info["management_urls"][0] + "/api/overview", auth=("guest", "guest"))
        assert r.json()["object_totals"]["queues"] == 115
    finally:
        proc.terminate()
        proc.wait(10)

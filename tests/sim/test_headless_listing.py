"""`msgops status` / `check` list queues without statistics unless asked (`--stats`): the findings
must not change, only the message counts go. Against the simulator over HTTP, as subprocesses
(the real-lab twin is in tests/integration/test_rabbit_lab_probe.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from msgops.sim.rabbitmq.cluster import SimCluster
from tests.sim_inventory import sim_inventory


def msgops(inventory_path, *args):
    return subprocess.run([sys.executable, "-m", "msgops.console.cli", "--inventory", str(inventory_path), *args],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)


def test_status_without_statistics_finds_the_same(tmp_path):
    with SimCluster(3, user="msgops", password="pw") as cluster:
        cluster.model.stop_node(3)
        cluster.model.publish("/", "ha.q2", 5)
        cluster.model.start_node(3)
        cluster.settle_in_thread()  # node 3's ports follow the model
        path = tmp_path / "inventory.toml"
        sim_inventory(cluster, tmp_path)
        light, full = msgops(path, "status", "--json"), msgops(path, "status", "--json", "--stats")
        assert light.returncode == 0 and full.returncode == 0, light.stderr + full.stderr
        (light_target,), (full_target,) = json.loads(light.stdout)["targets"], json.loads(full.stdout)["targets"]
        assert light_target["findings"] == full_target["findings"]
        assert any(f["code"] == "mirror_unsynchronised" and f["subject"] == "ha.q2" for f in light_target["findings"])
        light_q, full_q = light_target["snapshot"]["queues"], full_target["snapshot"]["queues"]
        assert light_q["statistics"] is False and full_q["statistics"] is True
        assert all(q["messages"] is None for q in light_q["queues"])
        assert any(q["messages"] for q in full_q["queues"])
        check = msgops(path, "check")
        assert check.returncode == 1 and "mirrors unsynchronised" in check.stdout
        text = msgops(path, "status")
        assert "without statistics (--stats for message counts)" in text.stdout

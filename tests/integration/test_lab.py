"""The real RabbitMQ lab: cluster up, node stop/start, a real partition and its recovery, down.

Needs root (network namespaces) and the Debian ``rabbitmq-server`` package
(``scripts/install-lab-deps``).  Without them the module is skipped, unless
``MSGOPS_LAB_REQUIRED=1`` (CI), which turns the skip into a failure.

The lab here uses its own namespace prefix, subnet and ports, so it can run next to a lab
started with ``scripts/lab up``.  Management data lags the truth (stats interval 1 s here),
so every observation polls with a deadline; nothing is asserted once.
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from msgops.lab.rabbitmq import RabbitLab
from msgops.lab.rabbitmq.node import RABBIT_BIN

pytestmark = [pytest.mark.lab, pytest.mark.partition]

TIMINGS: dict[str, float] = {}


def _require_lab_host() -> None:
    reason = None
    if os.geteuid() != 0:
        reason = "lab needs root for network namespaces"
    elif not (RABBIT_BIN / "rabbitmq-server").exists():
        reason = "rabbitmq-server not installed: run scripts/install-lab-deps"
    if reason:
        if os.environ.get("MSGOPS_LAB_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    _require_lab_host()
    lab = RabbitLab(tmp_path_factory.mktemp("rabbitlab"), prefix="msgt", net="10.232",
                    amqp_base=5710, mgmt_base=15710)
    t0 = time.monotonic()
    try:
        lab.up(log=lambda *_: None)
        TIMINGS["up"] = time.monotonic() - t0
        yield lab
    finally:
        lab.down(fast=True, log=lambda *_: None)  # idempotent; test_down_* checks it properly
        print("\nlab timings: " + ", ".join(f"{k}={v:.1f}s" for k, v in TIMINGS.items()))


def poll(probe: Callable[[], object], timeout: float, what: str, interval: float = 0.5):
    """Return probe()'s first truthy result; fail with the last observation at the deadline."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            last = probe()
            if last:
                return last
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")
        time.sleep(interval)


def api_nodes(lab: RabbitLab, i: int) -> dict[str, dict]:
    """Node rows from node i's management API, keyed by node name."""
    r = httpx.get(f"{lab.management_url(i)}/api/nodes", auth=(lab.user, lab.password),
                  params={"columns": "name,running,partitions"}, timeout=10)
    r.raise_for_status()
    return {n["name"]: n for n in r.json()}


def running_as_seen_by(lab: RabbitLab, i: int) -> set[str]:
    return {name for name, n in api_nodes(lab, i).items() if n.get("running")}


def test_cluster_up_and_inventory(lab: RabbitLab) -> None:
    names = set(lab.node_names)
    assert names == {"rabbit1@rmq1", "rabbit2@rmq2", "rabbit3@rmq3"}
    for i in (1, 2, 3):
        poll(lambda: running_as_seen_by(lab, i) == names, 60, f"3 running nodes via node{i}'s API")

    inv = tomllib.loads(Path(lab.inventory_path).read_text())["rabbitmq"]["lab"]
    assert inv["transport_url"] == (
        f"rabbit://msgops:{lab.password}@127.0.0.1:5711,127.0.0.1:5712,127.0.0.1:5713/"
    )
    assert inv["management_urls"] == [f"http://127.0.0.1:{p}" for p in (15711, 15712, 15713)]

    def queues_ready():
        r = httpx.get(f"{lab.management_url(1)}/api/queues/%2F", auth=(lab.user, lab.password),
                      params={"columns": "name,type,messages,slave_nodes,members"}, timeout=15)
        q = {row["name"]: row for row in r.json()}
        ha, qq = q.get("ha.q1", {}), q.get("qq.q1", {})
        return (ha.get("type") == "classic" and len(ha.get("slave_nodes", [])) == 2
                and ha.get("messages") == 58 and qq.get("type") == "quorum"
                and len(qq.get("members", [])) == 3)

    poll(queues_ready, 30, "mirrored ha.q1 (58 messages) and 3-member qq.q1")


def test_stop_and_start_node(lab: RabbitLab) -> None:
    t0 = time.monotonic()
    lab.stop_node(2, kill=True)
    poll(lambda: "rabbit2@rmq2" not in running_as_seen_by(lab, 1), 30, "node1 to see rabbit2 down")
    TIMINGS["killed node seen down"] = time.monotonic() - t0
    assert not lab.status()["nodes"][1]["running"]
    t0 = time.monotonic()
    lab.start_node(2)
    TIMINGS["start_node"] = time.monotonic() - t0
    poll(lambda: running_as_seen_by(lab, 1) == set(lab.node_names), 60, "rabbit2 back in node1's view")


def test_partition_and_recovery(lab: RabbitLab) -> None:
    n1, n2, n3 = lab.node_names
    t_cut = time.monotonic()
    lab.cut(3)
    try:
        assert lab.status()["nodes"][2]["link"] == "CUT"
        poll(lambda: n3 not in running_as_seen_by(lab, 1), 45, "majority (node1) to see rabbit3 down")
        TIMINGS["majority sees cut node down"] = time.monotonic() - t_cut
        poll(lambda: not ({n1, n2} & running_as_seen_by(lab, 3)), 45,
             "minority (node3) to see rabbit1 and rabbit2 down")
        TIMINGS["minority sees others down"] = time.monotonic() - t_cut
        # Hold the cut well past net_ticktime (10 s) so both sides have given up on each other.
        while time.monotonic() - t_cut < 25:
            time.sleep(0.5)
    finally:
        lab.heal(3)
    t_heal = time.monotonic()
    TIMINGS["link held down"] = t_heal - t_cut

    poll(lambda: api_nodes(lab, 1)[n1].get("partitions"), 60, "partitions in node1's /api/nodes")
    TIMINGS["partitions visible after heal"] = time.monotonic() - t_heal

    t_rec = time.monotonic()
    lab.restart_node(3)
    TIMINGS["restart_node(3)"] = time.monotonic() - t_rec

    def all_clear() -> bool:
        for i in (1, 2, 3):
            rows = api_nodes(lab, i)
            if any(r.get("partitions") or not r.get("running") for r in rows.values()) or len(rows) != 3:
                return False
        return True

    poll(all_clear, 90, "partitions to clear on every node's view")
    TIMINGS["partitions cleared after recovery began"] = time.monotonic() - t_rec


def test_down_leaves_nothing(lab: RabbitLab) -> None:
    st = lab.state.load()
    from msgops.lab._util import PidRef

    refs = [PidRef.from_json(d) for d in st["beams"].values() if d]
    refs += [PidRef.from_json(d) for lst in st["epmd"].values() for d in lst]
    refs += [PidRef.from_json(d) for d in st["forwarders"]]
    assert len(refs) >= 3 + 3 + 6 and all(r.alive() for r in refs)

    t0 = time.monotonic()
    lab.down(log=lambda *_: None)
    TIMINGS["down (graceful)"] = time.monotonic() - t0

    assert [r for r in refs if r.alive()] == []
    assert lab.topo.existing() == []
    assert not any(Path("/etc/netns", ns).exists() for ns in lab.topo.all_namespaces())
    assert not any(Path("/sys/class/net", lab.topo.root_link(i)).exists() for i in (1, 2, 3))
    assert not lab.is_up() and lab.state.load() == {}

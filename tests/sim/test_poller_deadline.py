"""The poller owns time: a cycle that passes the target's deadline becomes an UNKNOWN finding naming
what did not answer and for how long, what was gathered is kept, and headless status/check end
within the deadline with every target reported (a hung node is a finding, not a hang)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from msgops.console.config import load_inventory
from msgops.probes.poller import Poller, make_probe
from msgops.probes.findings import Severity
from msgops.sim.rabbitmq.cluster import SimCluster
from tests.silent_server import SilentServer

MSGOPS = str(Path(sys.executable).with_name("msgops"))


def inventory(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "inventory.toml"
    path.write_text(f'[settings]\nstate_dir = "{tmp_path / "state"}"\n{body}')
    return path


async def test_a_hung_api_is_named_within_the_cycle_deadline(tmp_path):
    """health_timeout (10 s) is longer than the cycle (2 s): the cycle deadline must end it."""
    with SilentServer() as hung:
        path = inventory(tmp_path, f'[rabbitmq.hung]\ntransport_url = "rabbit://u:p@127.0.0.1:1/"\n'
                                   f'management_urls = ["{hung.url}"]\ncanary = false\n'
                                   f'health_timeout = 10\ncycle_timeout = 2\n')
        (target,) = load_inventory(path, env={}).targets
        poller = Poller(make_probe(target))
        started = time.monotonic()
        result = await poller.poll_once()
        took = time.monotonic() - started
        await poller.aclose()
    assert 1.9 < took < 4.0, took
    assert not result.complete
    (timeout,) = [f for f in result.findings if f.code == "cycle_timeout"]
    assert timeout.severity is Severity.UNKNOWN
    assert "2s deadline" in timeout.reason and f"GET /api/overview @ {hung.url}" in timeout.reason


async def test_what_answered_is_kept_when_one_api_hangs(tmp_path):
    cluster = SimCluster(1, user="u", password="pw-77", node_host="live").start_in_thread()
    try:
        with SilentServer() as hung:
            path = inventory(tmp_path, f'[rabbitmq.half]\ntransport_url = "{cluster.transport_url}"\n'
                                       f'management_urls = ["{cluster.management_urls[0]}", "{hung.url}"]\n'
                                       f'canary = false\nhealth_timeout = 10\ncycle_timeout = 2\n')
            (target,) = load_inventory(path, env={}).targets
            poller = Poller(make_probe(target))
            result = await poller.poll_once(full=True)
            await poller.aclose()
    finally:
        cluster.stop_in_thread()
    snapshot = result.snapshot
    assert snapshot is not None and not snapshot.complete
    answered = [v for v in snapshot.views if v.reachable]
    assert [v.node for v in answered] == ["rabbit1@live"]  # the live API's view is kept
    unanswered = [v for v in snapshot.views if not v.reachable]
    assert "poll deadline" in unanswered[0].error
    assert any(f.code == "cycle_timeout" and hung.url in f.reason for f in result.findings)


def test_status_and_check_end_within_the_deadline_and_report_everyone(tmp_path):
    cluster = SimCluster(1, user="u", password="pw-78", node_host="fine").start_in_thread()
    try:
        with SilentServer() as hung:
            path = inventory(tmp_path, f'[rabbitmq.fine]\ntransport_url = "{cluster.transport_url}"\n'
                                       f'management_urls = ["{cluster.management_urls[0]}"]\ncanary = false\n'
                                       f'[rabbitmq.hung]\ntransport_url = "rabbit://u:p@127.0.0.1:1/"\n'
                                       f'management_urls = ["{hung.url}"]\ncanary = false\n'
                                       f'health_timeout = 30\ncycle_timeout = 3\n')
            started = time.monotonic()
            out = subprocess.run([MSGOPS, "--inventory", str(path), "status", "--json"], capture_output=True,
                                 text=True, timeout=60)
            took = time.monotonic() - started
            check = subprocess.run([MSGOPS, "--inventory", str(path), "check"], capture_output=True, text=True,
                                   timeout=60)
    finally:
        cluster.stop_in_thread()
    assert took < 10, took
    doc = json.loads(out.stdout)
    by_name = {t["name"]: t for t in doc["targets"]}
    assert by_name["fine"]["worst"] == "ok" and by_name["fine"]["complete"]
    assert not by_name["hung"]["complete"]
    assert any(f["code"] == "cycle_timeout" for f in by_name["hung"]["findings"])
    # An API that does not answer within the deadline is as good as down (CRITICAL), and the line
    # says which target hung and for how long.
    assert check.returncode == 2 and len(check.stdout.splitlines()) == 1, check.stdout
    assert check.stdout.startswith("CRITICAL - ") and "3s deadline" in check.stdout

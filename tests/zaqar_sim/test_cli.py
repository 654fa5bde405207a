"""``python -m msgops.sim.zaqar`` / ``python -m msgops.sim zaqar``: prints the endpoint, serves,
stops on SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from .conftest import ADMIN


def launch(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()


def test_cli_prints_the_endpoint_and_serves():
    proc = launch("msgops.sim.zaqar", "--pools", "3", "--port", "0", "--queues", "5")
    try:
        endpoint = proc.stdout.readline().strip()     # printed once the port listens
        assert endpoint.startswith("http://127.0.0.1:"), endpoint
        pools = httpx.get(endpoint + "/v2/pools", headers=ADMIN, timeout=5).json()["pools"]
        assert [p["name"] for p in pools] == ["POOL1", "POOL2", "POOL3"]
        queues = httpx.get(endpoint + "/v2/queues", headers=ADMIN, timeout=5).json()["queues"]
        assert len(queues) == 5
    finally:
        stop(proc)


def test_sim_dispatcher_json_with_keystone(tmp_path):
    import msgops.sim.__main__ as dispatcher
    if not hasattr(dispatcher, "main"):
        pytest.skip("no `python -m msgops.sim TIER` dispatcher in this tree")
    proc = launch("msgops.sim", "zaqar", "--keystone", "--json",
                  "--catalog-db", str(tmp_path / "c.sqlite"))
    try:
        info = json.loads(proc.stdout.readline())
        assert info["keystone_auth_url"].endswith("/v3")
        assert info["catalog_db"] == f"sqlite:///{tmp_path / 'c.sqlite'}"
        r = httpx.get(info["endpoint"] + "/v2/ping", timeout=5)
        assert r.status_code == 401
    finally:
        stop(proc)

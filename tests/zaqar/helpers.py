"""Helpers for the Zaqar tier's tests on the real lab: inventories for its two Zaqars, the weights put
back after each test, the management store's placement, msgops in a subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from msgops.console.config import load_inventory

LAB_WEIGHTS = {"POOL1": 100, "POOL2": 100, "POOL3": 50}


def lab_inventory(lab, tmp_path: Path, *, extra: str = "", read_only: bool = False, **overrides) -> Path:
    """``[zaqar.lab]`` (no auth) and ``[zaqar.ks]`` (Keystone, the lab's admin cloud), polled briskly."""
    timing = {"poll_interval": 1.0, "call_timeout": 10.0, "health_timeout": 45.0, "health_interval": 30.0,
              **overrides}
    timing_toml = "".join(f"{k} = {v}\n" for k, v in timing.items())
    text = (f'[settings]\nstate_dir = "{tmp_path / "state"}"\nread_only = {str(read_only).lower()}\n\n'
            f'[zaqar.lab]\nendpoint = "{lab.endpoint}"\nproject_id = "{lab.project_id}"\n'
            f'management_store = "sqlite:///{lab.catalog_path}"\n{timing_toml}\n'
            f'[zaqar.ks]\ncloud = "msgops-lab-admin"\nclouds_yaml = "{lab.clouds_yaml}"\n'
            f'management_store = "sqlite:///{lab.keystone_catalog_path}"\n{timing_toml}\n{extra}')
    path = tmp_path / "inventory.toml"
    path.write_text(text)
    return path


def targets(path: Path) -> dict:
    return {t.name: t for t in load_inventory(path, env={}).targets}


def set_weights(lab, weights: dict[str, int], *, keystone_token: str | None = None) -> None:
    """PATCH the weights straight to the API (test setup and teardown, not under test)."""
    base = lab.keystone_endpoint if keystone_token else lab.endpoint
    headers = {"Client-ID": str(uuid.uuid4()), "X-Auth-Token": keystone_token} if keystone_token else lab.noauth_headers()
    with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
        for pool, weight in weights.items():
            r = c.patch(f"/v2/pools/{pool}", json={"weight": weight})
            assert r.status_code == 200, r.text


def weights(lab, *, keystone_token: str | None = None) -> dict[str, int]:
    base = lab.keystone_endpoint if keystone_token else lab.endpoint
    headers = {"Client-ID": str(uuid.uuid4()), "X-Auth-Token": keystone_token} if keystone_token else lab.noauth_headers()
    r = httpx.get(f"{base}/v2/pools", params={"detailed": "true"}, headers=headers, timeout=120)
    assert r.status_code == 200, r.text
    return {p["name"]: p["weight"] for p in r.json()["pools"]}


def restore(lab) -> None:
    """Every pool's Redis running and the registered weights back (on both Zaqars)."""
    for i in (1, 2, 3):
        lab.start_pool(i)
    from tests.zaqar.conftest import token

    set_weights(lab, LAB_WEIGHTS)
    set_weights(lab, LAB_WEIGHTS, keystone_token=token(lab.admin_credentials))


def create_queues(lab, names: list[str]) -> None:
    with httpx.Client(base_url=lab.endpoint, headers=lab.noauth_headers(admin=False), timeout=60) as c:
        for name in names:
            r = c.put(f"/v2/queues/{name}", json={})
            assert r.status_code == 201, (name, r.status_code, r.text)


def placement(lab, prefix: str) -> dict[str, str]:
    """queue → pool for the lab project's queues named ``prefix...``, read from the management store."""
    db = sqlite3.connect(f"file:{lab.catalog_path}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute('SELECT queue, pool FROM "Catalogue" WHERE project = ? AND queue LIKE ?',
                          (lab.project_id, prefix + "%")).fetchall()
    finally:
        db.close()
    return dict(rows)


def msgops(inventory: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MSGOPS_RUNBOOK_STEP_PAUSE"}
    return subprocess.run([sys.executable, "-m", "msgops.console.cli", "--inventory", str(inventory), *args],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout, env=env)

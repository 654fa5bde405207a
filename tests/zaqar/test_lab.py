"""The Zaqar lab itself: real Redis pools, Keystone and zaqar-servers answer as the samples say.

Everything goes over plain HTTP (httpx) or SQLite; nothing from the OpenStack venv is
imported.  Health with a dead pool takes 12-17 s per call (wsgiref, Redis retries), so
those observations poll with generous deadlines.  The up/down cycle tests run their own
lab through the CLI on yet other ports, so they never disturb the session lab.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from msgops.lab._util import PidRef
from msgops.lab.zaqar.procs import listening

from .conftest import client_id, free_ports, poll, require_zaqar_lab_host, token

pytestmark = pytest.mark.lab

POOL_NAMES = {"POOL1", "POOL2", "POOL3"}


def test_ping_is_204(zaqar_lab):
    r = httpx.get(f"{zaqar_lab.endpoint}/v2/ping", headers=zaqar_lab.noauth_headers(admin=False), timeout=30)
    assert r.status_code == 204


def test_pools_are_registered_with_their_weights(zaqar_lab):
    r = httpx.get(f"{zaqar_lab.endpoint}/v2/pools", params={"detailed": "true"},
                  headers=zaqar_lab.noauth_headers(), timeout=30)
    assert r.status_code == 200, r.text
    got = {p["name"]: (p["uri"], p["weight"]) for p in r.json()["pools"]}
    assert got == {name: (uri, weight) for name, uri, weight in zaqar_lab.pools}
    assert [w for _, _, w in zaqar_lab.pools] == [100, 100, 50]


def test_keystone_zaqar_refuses_a_request_without_token(zaqar_lab):
    r = httpx.get(f"{zaqar_lab.keystone_endpoint}/v2/pools", headers=client_id(), timeout=30)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == 401  # keystonemiddleware's error shape


def test_keystone_zaqar_accepts_an_admin_token(zaqar_lab):
    headers = {**client_id(), "X-Auth-Token": token(zaqar_lab.admin_credentials)}
    r = httpx.get(f"{zaqar_lab.keystone_endpoint}/v2/pools", headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    assert {p["name"]: p["weight"] for p in r.json()["pools"]} == {"POOL1": 100, "POOL2": 100, "POOL3": 50}


def test_member_only_token_gets_403_on_pools(zaqar_lab):
    headers = {**client_id(), "X-Auth-Token": token(zaqar_lab.member_credentials)}
    assert httpx.get(f"{zaqar_lab.keystone_endpoint}/v2/ping", headers=headers, timeout=30).status_code == 204
    assert httpx.get(f"{zaqar_lab.keystone_endpoint}/v2/pools", headers=headers, timeout=30).status_code == 403


def test_keystone_catalog_points_at_the_keystone_zaqar(zaqar_lab):
    creds = zaqar_lab.member_credentials
    r = httpx.post(f"{creds['auth_url']}/auth/tokens", timeout=30, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": creds["username"], "password": creds["password"], "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": creds["project_name"], "domain": {"name": "Default"}}}}})
    body = r.json()["token"]
    assert [role["name"] for role in body["roles"] if role["name"] == "admin"] == []
    (messaging,) = [s for s in body["catalog"] if s["type"] == "messaging"]
    assert {e["interface"]: e["url"] for e in messaging["endpoints"]} == {
        i: zaqar_lab.keystone_endpoint for i in ("public", "internal", "admin")}


def test_clouds_yaml_and_inventory(zaqar_lab):
    for path in (zaqar_lab.clouds_yaml, zaqar_lab.inventory_path, zaqar_lab.dir / "state.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    clouds = zaqar_lab.clouds_yaml.read_text()
    for needle in ("msgops-lab-admin:", "msgops-lab-member:", f'auth_url: "{zaqar_lab.auth_url}"',
                   "interface: public", "identity_api_version: 3", 'user_domain_name: "Default"',
                   'region_name: "RegionOne"', f'password: "{zaqar_lab.member_credentials["password"]}"'):
        assert needle in clouds, needle
    inventory = tomllib.loads(zaqar_lab.inventory_path.read_text())
    assert inventory == {
        "settings": {"state_dir": str(zaqar_lab.dir / "state")},
        "zaqar": {
            "lab": {"endpoint": zaqar_lab.endpoint, "project_id": "msgops-lab",
                    "management_store": f"sqlite:///{zaqar_lab.catalog_path}"},
            "lab-keystone": {"cloud": "msgops-lab-admin", "clouds_yaml": str(zaqar_lab.clouds_yaml),
                             "management_store": f"sqlite:///{zaqar_lab.keystone_catalog_path}"},
        },
    }
    assert (zaqar_lab.dir / "state").is_dir()


def test_queues_are_placed_in_the_sqlite_catalogue(zaqar_lab):
    """Placement is only in the management store: table Catalogue(pool, project, queue)."""
    names = [f"placed-{i}" for i in range(8)]
    with httpx.Client(base_url=zaqar_lab.endpoint, headers=zaqar_lab.noauth_headers(admin=False), timeout=30) as c:
        for name in names:
            assert c.put(f"/v2/queues/{name}", json={}).status_code == 201
    with sqlite3.connect(zaqar_lab.catalog_path) as db:
        rows = db.execute("SELECT queue, pool FROM Catalogue WHERE project = ? AND queue LIKE 'placed-%'",
                          (zaqar_lab.project_id,)).fetchall()
        weights = dict(db.execute("SELECT name, weight FROM Pools").fetchall())
    assert sorted(q for q, _ in rows) == names
    assert {p for _, p in rows} <= POOL_NAMES
    assert weights == {"POOL1": 100, "POOL2": 100, "POOL3": 50}

    headers = {**client_id(), "X-Auth-Token": token(zaqar_lab.member_credentials)}
    assert httpx.put(f"{zaqar_lab.keystone_endpoint}/v2/queues/member-q", json={},
                     headers=headers, timeout=30).status_code == 201
    with sqlite3.connect(zaqar_lab.keystone_catalog_path) as db:
        (row,) = db.execute("SELECT pool, project FROM Catalogue WHERE queue = 'member-q'").fetchall()
    assert row[0] in POOL_NAMES and row[1] != zaqar_lab.project_id  # a keystone project id


def _health(lab) -> dict:
    r = httpx.get(f"{lab.endpoint}/v2/health", headers=lab.noauth_headers(), timeout=120)
    return {"status": r.status_code, **(r.json() if r.status_code == 200 else {})}


def _reachable(health: dict, pool: str):
    return (health.get(pool) or {}).get("storage_reachable")


def test_a_stopped_pool_is_reported_unreachable_and_recovers(zaqar_lab):
    t0 = time.monotonic()
    zaqar_lab.stop_pool(1)
    try:
        assert not zaqar_lab.status()["processes"]["redis1"]["running"]
        down = poll(lambda: _health(zaqar_lab), lambda h: _reachable(h, "POOL1") is False,
                    timeout=120, what="POOL1 storage_reachable false in /v2/health")
        print(f"POOL1 reported unreachable after {time.monotonic() - t0:.1f} s")
        assert _reachable(down, "POOL2") is True and _reachable(down, "POOL3") is True
        assert down["catalog_reachable"] is False
    finally:
        zaqar_lab.start_pool(1)
    up = poll(lambda: _health(zaqar_lab), lambda h: _reachable(h, "POOL1") is True,
              timeout=120, what="POOL1 storage_reachable true again")
    assert up["catalog_reachable"] is True
    r = httpx.get(f"{zaqar_lab.endpoint}/v2/ping", headers=zaqar_lab.noauth_headers(admin=False), timeout=60)
    assert r.status_code == 204


def test_status_reports_every_process(zaqar_lab):
    st = zaqar_lab.status()
    assert st["up"] is True
    for name, p in st["processes"].items():
        assert p["running"] and p["listening"] and p["rss_mb"] > 0, (name, p)
    assert {pool["name"] for pool in st["pools"]} == POOL_NAMES
    assert st["venv"]["zaqar"] == "23.0.1" and st["venv"]["keystone"] == "30.0.0"


# -- the CLI and `down`, on a lab of their own ---------------------------------------------
_CLI_BASE: list[tuple[int, int]] = []


def cli_ports() -> tuple[int, int]:
    """The CLI labs' (base, redis base): 38880 / 6400, or the next free set (chosen once)."""
    if not _CLI_BASE:
        _CLI_BASE.append(free_ports(38880, 6400))
    return _CLI_BASE[0]


def cli_args() -> list[str]:
    base, redis_base = cli_ports()
    return ["--base-port", str(base), "--redis-base-port", str(redis_base)]


def _cli(lab_dir: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "msgops.lab.zaqar", "--dir", str(lab_dir), *cli_args(), *args],
                          capture_output=True, text=True, timeout=timeout)


def _lab_processes(lab_dir: Path) -> list[str]:
    """Live processes working in the lab dir or naming it in their argv (Redis hides its argv)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if (str(lab_dir) in cmdline or cwd.startswith(str(lab_dir))) and PidRef.of(int(entry)).alive():
            found.append(f"{entry}: {cmdline}")
    return found


def _assert_nothing_left(lab_dir: Path, refs: list[PidRef]) -> None:
    assert [r.pid for r in refs if r.alive()] == [], "recorded processes still alive"
    assert _lab_processes(lab_dir) == []
    base, redis_base = cli_ports()
    for port in (base, base + 8, base + 9, redis_base + 1, redis_base + 2, redis_base + 3):
        assert not listening(port), f"port {port} still listening"
    assert not (lab_dir / "state.json").exists()


def test_cli_up_status_down_leaves_nothing_behind(tmp_path):
    require_zaqar_lab_host()
    lab_dir = tmp_path / "cli-lab"
    try:
        up = _cli(lab_dir, "up")
        assert up.returncode == 0, up.stderr
        st = json.loads(_cli(lab_dir, "status", "--json").stdout)
        assert st["up"] is True and all(p["listening"] for p in st["processes"].values())
        recorded = json.loads((lab_dir / "state.json").read_text())
        refs = [PidRef.from_json(d) for d in recorded["procs"].values()]
        password = recorded["secrets"]["admin"]
        assert password not in up.stdout + up.stderr  # secrets only in the 0600 files
        bad = _cli(lab_dir, "stop-pool", "7")
        assert bad.returncode == 1 and "Traceback" not in bad.stderr
        assert bad.stderr.strip().count("\n") == 0 and "no pool 7" in bad.stderr
    finally:
        down = _cli(lab_dir, "down")
    assert down.returncode == 0, down.stderr
    _assert_nothing_left(lab_dir, refs)
    assert json.loads(_cli(lab_dir, "status", "--json").stdout)["up"] is False


def test_down_after_an_interrupted_up_stops_what_it_started(tmp_path):
    """`up` killed (SIGKILL) half-way: the pids it recorded are enough for `down`."""
    require_zaqar_lab_host()
    lab_dir = tmp_path / "killed-lab"
    state = lab_dir / "state.json"
    proc = subprocess.Popen([sys.executable, "-m", "msgops.lab.zaqar", "--dir", str(lab_dir), *cli_args(), "up"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def recorded() -> dict:
            try:
                return json.loads(state.read_text()).get("procs", {})
            except (OSError, ValueError):
                return {}
        procs = poll(recorded, lambda p: "keystone" in p, timeout=600, interval=0.05,
                     what="up recording keystone's pid")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    refs = [PidRef.from_json(d) for d in procs.values() if d]
    assert any(r.alive() for r in refs), "the killed up left nothing running: the test proves nothing"
    down = _cli(lab_dir, "down")
    assert down.returncode == 0, down.stderr
    _assert_nothing_left(lab_dir, refs)

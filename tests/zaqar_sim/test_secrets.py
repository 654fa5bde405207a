"""Zaqar secrets never leave msgops: a Keystone password (inline, from the environment, in clouds.yaml),
a wrong one, the tokens Keystone issued, and passwords inside pool URIs (userinfo and ``password=``),
swept from status, status --json, check, runbook plan/run, every state file, and the console screens."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import quote

import pytest

from msgops.console.app import make_app
from msgops.console.config import load_inventory
from msgops.console.messages import SnapshotCollected
from msgops.console.screens.findings import FindingsScreen
from msgops.sim.zaqar import Timings, ZaqarSim

from tests.tui.fixtures import Collected, screen_text

from .helpers import clouds_yaml

KS_PASSWORD = "Ks#pl@nt/S3cr,t%1"
ENV_PASSWORD = "Env-pl4nt-Secr3t"
WRONG = "Wr0ng-ks-Pl4nt"
CLOUD_PASSWORD = "Cl0ud-yaml-Pl4nt"
POOL_SECRETS = ("RedisPl4nt-77", "MongoPl4nt-88", "QueryPl4nt-99")
PLANTS = (KS_PASSWORD, ENV_PASSWORD, WRONG, CLOUD_PASSWORD, *POOL_SECRETS)


@pytest.fixture
def estate(tmp_path):
    sim = ZaqarSim(pools=0, keystone=True, timings=Timings.fast(0.5))
    sim.model.upsert_pool("POOL1", 100, f"redis://:{POOL_SECRETS[0]}@127.0.0.1:6390?dbid=1")
    sim.model.upsert_pool("POOL2", 50, f"mongodb://zaqar:{POOL_SECRETS[1]}@h1:27017,h2:27017/?replicaSet=rs0")
    sim.model.upsert_pool("POOL3", 10, f"redis://127.0.0.1:6391?password={POOL_SECRETS[2]}")
    sim.start_in_thread()
    for user, password in (("ops", KS_PASSWORD), ("envops", ENV_PASSWORD), ("cloudops", CLOUD_PASSWORD)):
        sim.add_user(user, password, project="admin", admin=True)
    keystone = f"{sim.keystone_endpoint}/v3"
    clouds = clouds_yaml(tmp_path / "clouds.yaml", sim.keystone_endpoint, {"c": ("cloudops", CLOUD_PASSWORD, "admin")})
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(
        f'[settings]\nstate_dir = "{tmp_path / "state"}"\n\n'
        f'[zaqar.inline]\nauth_url = "{keystone}"\nusername = "ops"\npassword = "{KS_PASSWORD}"\nproject_name = "admin"\n\n'
        f'[zaqar.env]\nauth_url = "{keystone}"\nusername = "envops"\npassword_env = "ZQ_PW"\nproject_name = "admin"\n\n'
        f'[zaqar.wrong]\nauth_url = "{keystone}"\nusername = "ops"\npassword = "{WRONG}"\nproject_name = "admin"\n\n'
        f'[zaqar.cloud]\ncloud = "c"\nclouds_yaml = "{clouds}"\n')
    try:
        yield sim, inventory, tmp_path
    finally:
        sim.stop_in_thread()


def leaks(text: str, tokens: list[str]) -> list[str]:
    found = []
    for secret in (*PLANTS, *tokens):
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            if form.lower() in text.lower():
                found.append(secret)
    return found


def issued(sim) -> list[str]:
    with sim.tokens.lock:
        return list(sim.tokens.tokens)


def test_headless_output_and_state_files(estate):
    sim, inventory, tmp_path = estate
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ZQ_PW": ENV_PASSWORD}

    def msgops(*args):
        out = subprocess.run([sys.executable, "-m", "msgops.console.cli", "--inventory", str(inventory), *args],
                             capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, env=env)
        return out.stdout + out.stderr

    texts = [msgops("status"), msgops("status", "--json"), msgops("check"),
             msgops("runbook", "plan", "pool-reweight", "--param", "target=inline", "--param", "pool=POOL1",
                    "--param", "weight=5"),
             msgops("runbook", "run", "pool-reweight", "--param", "target=env", "--param", "weights=POOL1=5,POOL3=20",
                    "--yes", "--confirm", "reweight-2-pools", "--json"),
             msgops("runbook", "run", "pool-reweight", "--param", "target=wrong", "--param", "pool=POOL1",
                    "--param", "weight=5", "--yes", "--confirm", "POOL1")]
    assert "auth_bad_credentials" in texts[0] and "redis://:***@127.0.0.1:6390" in texts[0]
    assert '"outcome": "ok"' in texts[4] and sim.model.pools["POOL3"].weight == 20
    tokens = issued(sim)
    assert tokens, "Keystone issued tokens: they must be checked too"
    for text in texts:
        assert not leaks(text, tokens), leaks(text, tokens)
    for path in (tmp_path / "state").rglob("*"):
        if path.is_file():
            assert not leaks(path.read_text(errors="replace"), tokens), path


async def test_console_screens(estate):
    sim, inventory, _ = estate
    os.environ["ZQ_PW"] = ENV_PASSWORD
    try:
        inv = load_inventory(inventory)
    finally:
        del os.environ["ZQ_PW"]
    hook = Collected(SnapshotCollected)
    app = make_app(inv)
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        for key in ("zaqar/inline", "zaqar/wrong", "zaqar/cloud"):
            await hook.wait_for(lambda m, key=key: m.key == key, 30)
        await pilot.pause()
        screens = [screen_text(app)]
        for key in ("zaqar/inline", "zaqar/wrong", "zaqar/cloud"):
            app.open_target(key)
            await pilot.pause()
            screens.append(screen_text(app))
            await pilot.press("enter")
            await pilot.pause()
            screens.append(screen_text(app))
            app.push_screen(FindingsScreen(key))
            await pilot.pause()
            screens.append(screen_text(app))
            for _ in range(3):
                await pilot.press("escape")
            await pilot.pause()
    tokens = issued(sim)
    assert any("redis://:***@" in s for s in screens)
    for text in screens:
        assert not leaks(text, tokens), leaks(text, tokens)

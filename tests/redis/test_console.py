"""The Redis screen at 80x24 over live polls of the simulator (Pilot, waits on messages), and the
headless ``status`` / ``status --json`` / ``check`` of a Redis target, healthy and down."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from msgops.console.app import make_app
from msgops.console.config import load_inventory
from msgops.console.screens.findings import FindingsScreen
from msgops.console.tiers.redis.screen import RedisScreen
from tests.redis.conftest import PASSWORD
from tests.tui.fixtures import Collected, screen_text

MSGOPS = str(Path(sys.executable).with_name("msgops"))


def write_inventory(tmp_path: Path, sim, **extra: str) -> Path:
    options = "".join(f"{k} = {v}\n" for k, v in {"poll_interval": "0.5", "call_timeout": "0.5", **extra}.items())
    path = tmp_path / "inventory.toml"
    path.write_text(f'[settings]\nstate_dir = "{tmp_path / "state"}"\n\n'
                    f'[redis.pool2]\nurl = "{sim.url(2)}"\n{options}')
    return path


async def test_the_redis_screen_follows_the_server_at_80x24(sim, tmp_path):
    hook = Collected()
    app = make_app(load_inventory(write_inventory(tmp_path, sim), env={}))
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await hook.wait_for(lambda m: m.key == "redis/pool2", timeout=10)
        app.open_target("redis/pool2")
        await pilot.pause()
        assert isinstance(app.screen, RedisScreen)
        text = screen_text(app)
        assert "pool2 Redis 7.0.15 · OK" in text and f"127.0.0.1:{sim.port} db2" in text
        assert "db2 5 (0 with TTL)" in text and PASSWORD not in text
        seen = len(hook.messages)
        sim.loading(30)
        await hook.wait_for(lambda m: any(f.code == "loading" for f in m.result.findings), after=seen, timeout=10)
        await pilot.pause()
        text = screen_text(app)
        assert "CRIT" in text and "LOADING" in text and "every command but INFO" in text
        seen = len(hook.messages)
        sim.down()
        await hook.wait_for(lambda m: any(f.code == "refused" for f in m.result.findings), after=seen, timeout=10)
        await pilot.pause()
        assert "connection refused at" in screen_text(app)
        await pilot.press("f")
        assert isinstance(app.screen, FindingsScreen) and "refused" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, RedisScreen)
        seen = len(hook.messages)
        await pilot.press("escape")
        assert not isinstance(app.screen, RedisScreen)
        await hook.wait_for(lambda m: m.key == "redis/pool2", after=seen, timeout=10)  # the overview's next refresh
        await pilot.pause()
        table = app.screen.query_one("#targets")
        assert str(table.get_cell("redis/pool2", "health")).strip() == "CRIT"


def run(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([MSGOPS, "--inventory", str(path), *args], capture_output=True, text=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(path.parent)})


def test_headless_status_and_check(sim, tmp_path):
    path = write_inventory(tmp_path, sim)
    status = run(path, "status")
    assert status.returncode == 0 and f"== redis pool2  redis://:***@127.0.0.1:{sim.port}/2  [OK]" in status.stdout
    assert "db2: 5 keys" in status.stdout and PASSWORD not in status.stdout + status.stderr
    check = run(path, "check")
    assert check.returncode == 0 and check.stdout.startswith("OK - 1 target(s) healthy")
    sim.down()
    down = run(path, "check")
    assert down.returncode == 2, down.stdout
    assert down.stdout == f"CRITICAL - pool2: connection refused at 127.0.0.1:{sim.port}: no Redis listens there\n"
    doc = json.loads(run(path, "status", "--json").stdout)
    (entry,) = doc["targets"]
    assert (entry["tier"], entry["worst"], entry["findings"][0]["code"]) == ("redis", "crit", "refused")
    assert entry["snapshot"]["error_kind"] == "refused" and PASSWORD not in json.dumps(doc)


def test_check_of_a_hung_server_ends_within_its_deadline(sim, tmp_path):
    sim.hang()
    check = run(write_inventory(tmp_path, sim), "check")
    assert check.returncode == 2 and "accepted the connection but gave no answer" in check.stdout

"""The conformance kit, run for every registered tier (``tests/<tier>/kit.py``):

recorded samples → assess; the simulator's replies shaped like the samples; a live snapshot is
JSON-serialisable; the headless report (status, status --json, check); the tier's screen at 80x24
and 60x20. Import hygiene is discovered on disk (tests/test_import_hygiene.py). A tier without a
kit fails here: adding a tier means adding its kit.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from msgops.console.config import load_inventory
from msgops.console.headless import jsonable
from msgops.probes.findings import Finding, Severity
from msgops.probes.poller import Poller, make_probe
from msgops.probes.registry import tiers

from tests.conformance.shapes import differences
from tests.tui.fixtures import screen_text

TIERS = list(tiers())
MSGOPS = str(Path(sys.executable).with_name("msgops"))


def kit(tier: str):
    return importlib.import_module(f"tests.{tier}.kit")


def inventory_for(toml: str, tmp_path: Path):
    path = tmp_path / "inventory.toml"
    path.write_text(f'[settings]\nstate_dir = "{tmp_path / "state"}"\n\n{toml}')
    return path, load_inventory(path, env={})


@pytest.mark.parametrize("tier", TIERS)
def test_every_tier_has_a_kit(tier):
    k = kit(tier)
    assert k.TIER == tier
    for name in ("sample_snapshots", "running", "live_replies"):
        assert callable(getattr(k, name)), f"tests/{tier}/kit.py lacks {name}()"


@pytest.mark.parametrize("tier", TIERS)
def test_recorded_samples_assess(tier):
    spec = tiers()[tier]
    samples = kit(tier).sample_snapshots()
    assert samples, f"{tier}: no recorded samples"
    for label, snapshot, expected in samples:
        findings = spec.assess(snapshot, None)
        assert findings and all(isinstance(f, Finding) for f in findings), label
        assert all(isinstance(f.severity, Severity) and "\n" not in f.reason for f in findings), label
        codes = {f.code for f in findings}
        assert expected <= codes, f"{tier} {label}: expected {expected}, got {codes}"
        json.dumps(jsonable(snapshot))


@pytest.mark.parametrize("tier", TIERS)
def test_simulator_replies_are_shaped_like_the_samples(tier):
    k = kit(tier)
    ignore = getattr(k, "SHAPE_IGNORE", frozenset())
    with k.running() as (_, sim):
        pairs = k.live_replies(sim)
    assert pairs, f"{tier}: nothing compared"
    problems = [f"{what}: {d}" for what, sample, live in pairs for d in differences(sample, live, ignore=ignore)]
    assert not problems, "\n".join(problems[:30])


@pytest.mark.parametrize("tier", TIERS)
def test_live_snapshot_is_json_and_reported(tier, tmp_path):
    spec = tiers()[tier]
    with kit(tier).running() as (toml, _):
        path, inventory = inventory_for(toml, tmp_path)
        (target,) = inventory.of_tier(tier)

        async def poll():
            poller = Poller(make_probe(target))
            try:
                return await poller.poll_once(full=True)
            finally:
                await poller.aclose()

        result = asyncio.run(poll())
        assert result is not None and result.complete and result.snapshot is not None
        doc = json.loads(json.dumps(jsonable(result.snapshot)))
        assert isinstance(doc, dict)
        assert spec.report(target, result.snapshot, result.seconds), "the headless report has lines"
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        text = subprocess.run([MSGOPS, "--inventory", str(path), "status"], capture_output=True, text=True,
                              timeout=120, env=env)
        assert text.returncode == 0 and f"== {tier} {target.name}" in text.stdout, text.stderr
        js = subprocess.run([MSGOPS, "--inventory", str(path), "status", "--json"], capture_output=True,
                            text=True, timeout=120, env=env)
        # derived targets (a pool's store the inventory does not name) may come along: pick ours
        (entry,) = [t for t in json.loads(js.stdout)["targets"] if (t["tier"], t["name"]) == (tier, target.name)]
        assert entry["snapshot"] is not None and entry["complete"]
        check = subprocess.run([MSGOPS, "--inventory", str(path), "check"], capture_output=True, text=True,
                               timeout=120, env=env)
        assert check.returncode in (0, 1, 2) and len(check.stdout.splitlines()) == 1, check.stdout


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_tier_screen_renders(tier, size, tmp_path):
    from msgops.console.app import make_app
    from tests.tui.fixtures import Collected

    with kit(tier).running() as (toml, _):
        _, inventory = inventory_for(toml, tmp_path)
        (target,) = inventory.of_tier(tier)
        hook = Collected()
        app = make_app(inventory)
        async with app.run_test(size=size, message_hook=hook) as pilot:
            await hook.wait_for(lambda m: m.key == f"{tier}/{target.name}", timeout=60)
            app.open_target(f"{tier}/{target.name}")
            await pilot.pause()
            text = screen_text(app)
            assert target.name in text
            assert "Traceback" not in text

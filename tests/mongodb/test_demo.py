"""The demo replica set ``catalog``: its story (a member lags, goes stale, the primary steps down once,
the member is resynced) seen through the probe as the console sees it, on a shortened script; its URI
published for later tiers' demos; nothing scripted when steady."""

from __future__ import annotations

import asyncio
import time
import tomllib

from msgops.console.config import load_inventory
from msgops.probes.poller import Poller, make_probe
from msgops.sim.demo_options import DemoOptions
from msgops.sim.mongodb.demo import DemoScript, demo_set, demo_targets

SHORT = DemoScript(lag_start=0.0, lag_step=0.3, lag_increment=40.0, step_down=2.0, resync=3.0)


def target_of(toml: str, tmp_path):  # noqa: ANN001, ANN201
    path = tmp_path / "inventory.toml"
    path.write_text(f'[settings]\nstate_dir = "{tmp_path}/state"\n\n{toml}')
    (target,) = load_inventory(path, env={}).of_tier("mongodb")
    return target


async def test_the_demo_story(tmp_path):
    options = DemoOptions(incident_after=0.5)
    with demo_set(options, SHORT) as (toml, rs):
        assert options.published["mongodb.catalog"] == tomllib.loads(toml)["mongodb"]["catalog"]["uri"]
        assert "replicaSet=catalog&w=2&readPreference=secondaryPreferred" in options.published["mongodb.catalog"]
        poller = Poller(make_probe(target_of(toml, tmp_path)))
        seen: list[str] = []
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not {"lag", "member_stale", "election", "member_state"} <= set(seen):
                result = await poller.poll_once()
                for f in result.findings if result else ():
                    if f.code not in seen:
                        seen.append(f.code)
                await asyncio.sleep(0.2)
        finally:
            await poller.aclose()
        assert {"lag", "member_stale", "election", "member_state"} <= set(seen), seen
        assert seen.index("lag") < seen.index("member_stale")
        assert len(rs.model.elections) == 2  # the initial one and the scripted step-down, once


async def test_a_steady_demo_runs_no_story(tmp_path):
    with demo_targets(DemoOptions(steady=True, incident_after=0.0)) as toml:
        poller = Poller(make_probe(target_of(toml, tmp_path)))
        try:
            await asyncio.sleep(1.0)
            result = await poller.poll_once()
        finally:
            await poller.aclose()
        assert [f.code for f in result.findings] == ["healthy"]

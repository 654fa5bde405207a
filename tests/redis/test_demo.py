"""The Redis part of ``msgops demo``: two stores published for the Zaqar demo, and pool2's store
dying and coming back on the published schedule (observed through the probe, real sockets)."""

from __future__ import annotations

import asyncio
import time
import tomllib

from msgops.probes.inventory import TableContext, TableReader
from msgops.probes.redis.assess import assess
from msgops.probes.redis.collect import RedisProbe
from msgops.probes.redis.target import identity_of_uri, parse_target
from msgops.sim.demo_options import DemoOptions
from msgops.sim.redis.demo import demo_servers, demo_targets


def targets_of(toml: str) -> dict:
    ctx = TableContext("demo.toml", {})
    return {name: parse_target(name, TableReader(body, f"redis.{name}", "demo.toml"), ctx)
            for name, body in tomllib.loads(toml)["redis"].items()}


def test_a_steady_demo_publishes_both_stores_and_no_schedule():
    options = DemoOptions(steady=True)
    with demo_targets(options) as toml:
        targets = targets_of(toml)
    assert set(targets) == {"pool1", "pool2"}
    assert {k for k in options.published if k.startswith("redis.")} == {"redis.pool1", "redis.pool2"}
    for name, target in targets.items():
        uri = options.published[f"redis.{name}"]
        assert "?dbid=" in uri and identity_of_uri(uri) == target.identity


async def wait_for_code(probe: RedisProbe, code: str, deadline: float) -> float:
    while True:
        findings = assess(await probe.poll())
        if any(f.code == code for f in findings):
            return time.monotonic()
        assert time.monotonic() < deadline, f"no {code} finding in time; last: {findings}"
        await asyncio.sleep(0.1)


async def test_pool2s_store_dies_and_comes_back_on_the_published_schedule():
    options = DemoOptions(incident_after=0.3)
    started = time.monotonic()
    with demo_servers(options, down_delay=0.2, down_for=1.0, loading_for=0.6) as (toml, _):
        assert options.published["redis.pool2.down_after"] == "0.5"
        assert options.published["redis.pool2.down_for"] == "1"
        target = targets_of(toml)["pool2"]
        probe = RedisProbe(target)
        try:
            down = await wait_for_code(probe, "refused", started + 5)
            loading = await wait_for_code(probe, "loading", started + 5)
            healthy = await wait_for_code(probe, "healthy", started + 8)
        finally:
            await probe.aclose()
    assert 0.4 <= down - started < 1.5 and loading - started >= 1.4 and healthy > loading

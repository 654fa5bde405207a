"""The Zaqar probe against the REAL lab: pools through no auth and through Keystone (clouds.yaml), the
auth failures told apart, and a stopped Redis pool reported within the probe's deadlines while
every poll keeps returning (zaqar-server answers one request at a time)."""

from __future__ import annotations

import asyncio
import time

import pytest

from msgops.probes.poller import Poller, make_probe
from msgops.probes.secrets import scrub

from tests.zaqar_sim.helpers import codes, finding, poll_once

from .helpers import lab_inventory, restore, targets

pytestmark = pytest.mark.lab


@pytest.fixture
def lab(zaqar_lab):
    yield zaqar_lab
    restore(zaqar_lab)


async def test_pools_through_no_auth_and_through_keystone(lab, tmp_path):
    found = targets(lab_inventory(lab, tmp_path))
    for name in ("lab", "ks"):
        result = await poll_once(found[name], full=True)
        snap = result.snapshot
        assert codes(result) == {"healthy"}, result.findings
        assert {p.name: (p.weight, p.uri) for p in snap.pools} == {n: (w, u) for n, u, w in lab.pools}
        assert {p.name for p in snap.health.pools if p.storage_reachable} == {"POOL1", "POOL2", "POOL3"}
        assert snap.placement is not None and snap.placement.problem is None
        assert snap.serial_api is True  # wsgiref: one request at a time
    assert result.snapshot.endpoint == lab.keystone_endpoint  # found in the Keystone catalog


async def test_auth_failures_are_clear(lab, tmp_path):
    extra = (f'[zaqar.wrong]\nauth_url = "{lab.auth_url}"\nusername = "{lab.admin_credentials["username"]}"\n'
             f'password = "NOT-the-password-42"\nproject_name = "{lab.admin_credentials["project_name"]}"\n\n'
             f'[zaqar.member]\ncloud = "msgops-lab-member"\nclouds_yaml = "{lab.clouds_yaml}"\n\n'
             f'[zaqar.tokenless]\nendpoint = "{lab.keystone_endpoint}"\nproject_id = "{lab.project_id}"\n')
    found = targets(lab_inventory(lab, tmp_path, extra=extra))
    wrong = await poll_once(found["wrong"])
    f = finding(wrong, "auth_bad_credentials")
    assert f is not None and f.severity.label == "unknown" and "NOT-the-password-42" not in f.reason, wrong.findings
    member = await poll_once(found["member"])
    f = finding(member, "auth_role_missing")
    assert f is not None and "403" in f.reason and "member" in f.reason, member.findings
    assert member.snapshot.ping is None  # the admin calls come first and stop the poll
    tokenless = await poll_once(found["tokenless"])
    assert finding(tokenless, "auth_no_token") is not None, tokenless.findings
    secret = lab.admin_credentials["password"]
    for result in (wrong, member, tokenless):
        assert all(secret not in f.reason for f in result.findings)
    assert secret not in scrub(f"x {secret} y")  # read from clouds.yaml, registered as a secret


async def test_a_stopped_pool_within_the_probes_deadline_while_polls_stay_live(lab, tmp_path):
    target = targets(lab_inventory(lab, tmp_path))["lab"]
    poller = Poller(make_probe(target))
    durations: list[float] = []

    async def poll():
        started = time.monotonic()
        result = await poller.poll_once()
        durations.append(time.monotonic() - started)
        assert result is not None and result.complete, result and result.findings
        return result

    try:
        first = await poll()
        assert codes(first) == {"healthy"}
        lab.stop_pool(3)
        stopped = time.monotonic()
        seen_pending = False
        while True:
            result = await poll()
            seen_pending |= result.snapshot.health_pending is not None
            if finding(result, "pool_unreachable", "POOL3") is not None:
                break
            assert time.monotonic() - stopped < target.health_timeout + target.call_timeout + 10, result.findings
            await asyncio.sleep(target.poll_interval)
        took = time.monotonic() - stopped
        print(f"POOL3 reported unreachable {took:.1f}s after its Redis stopped; polls took up to {max(durations):.1f}s")
        assert seen_pending  # health ran in its own task; polls reported it pending meanwhile
        assert finding(result, "dead_pool_weighted", "POOL3") is not None
        assert max(durations) <= target.call_timeout + 2.5  # no poll waited for the slow health call
        assert result.snapshot.health.seconds > 5  # the real server really was slow
        lab.start_pool(3)
        deadline = time.monotonic() + 60
        while finding(result, "pool_unreachable", "POOL3") is not None:
            assert time.monotonic() < deadline, result.findings
            await asyncio.sleep(target.poll_interval)
            result = await poll()
    finally:
        await poller.aclose()

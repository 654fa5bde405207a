"""A real Zaqar lab for the whole test session (3 Redis pools, Keystone, two zaqar-servers).

Ports differ from the manual lab's (``python -m msgops.lab.zaqar up``: Redis 6391-6393,
APIs 18880/18888/18889), so both can run at once.  Without root or a Debian package the
lab needs (``redis-server``) the tests skip with that reason, except when
``MSGOPS_LAB_REQUIRED=1`` (scripts/test, hence CI): then they fail.  The first session on
a machine also builds the OpenStack venv (~30 s, cached under .lab/cache).

Helpers here talk to the servers with plain httpx: tokens come from a raw
``POST /v3/auth/tokens`` (no keystoneauth1 in the project's venv).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

import httpx
import pytest

from msgops.lab.zaqar import ZaqarLab, missing_debian_packages

T = TypeVar("T")

#: The session lab: Keystone 28880, Zaqar 28888 (no auth) / 28889 (keystone), Redis 6396-6398
#: (or the next free set above them: ``free_ports``).
TEST_BASE_PORT = 28880
TEST_REDIS_BASE_PORT = 6395


def free_ports(start: int = TEST_BASE_PORT, redis_start: int = TEST_REDIS_BASE_PORT, tries: int = 20) -> tuple[int, int]:
    """(base_port, redis_base_port) where every port the lab uses is free, starting from ``start`` /
    ``redis_start`` and moving up in steps (a manual lab, another session or a service may hold some)."""
    from msgops.lab._util import port_in_use

    for i in range(tries):
        base, redis_base = start + 100 * i, redis_start + 20 * i
        ports = [base, base + 8, base + 9, *(redis_base + k for k in (1, 2, 3))]
        if not any(port_in_use(p) for p in ports):
            return base, redis_base
    pytest.fail(f"no free ports for the Zaqar lab near {start}/{redis_start}")


def require_zaqar_lab_host() -> None:
    """Skip (or fail, when MSGOPS_LAB_REQUIRED=1) where the Zaqar lab cannot run."""
    reason = None
    missing = missing_debian_packages()
    if os.geteuid() != 0:
        reason = "the Zaqar lab tests run as root (as CI does)"
    elif missing:
        reason = f"Debian package(s) {', '.join(missing)} not installed: apt-get install {' '.join(missing)}"
    if reason:
        if os.environ.get("MSGOPS_LAB_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def zaqar_lab(tmp_path_factory: pytest.TempPathFactory):
    """One lab shared by the session; torn down (every recorded pid stopped) at the end."""
    require_zaqar_lab_host()
    base, redis_base = free_ports()
    lab = ZaqarLab(tmp_path_factory.mktemp("zaqar-lab"), base_port=base,
                   redis_base_port=redis_base, log=lambda *_: None)
    try:
        lab.up()
        yield lab
    finally:
        lab.down()


def token(credentials: dict[str, str]) -> str:
    """A project-scoped Keystone token for `credentials` (the lab's admin/member dicts)."""
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": credentials["username"], "password": credentials["password"],
            "domain": {"name": credentials["user_domain_name"]}}}},
        "scope": {"project": {"name": credentials["project_name"],
                              "domain": {"name": credentials["project_domain_name"]}}},
    }}
    r = httpx.post(f"{credentials['auth_url']}/auth/tokens", json=body, timeout=30)
    assert r.status_code == 201, r.text
    return r.headers["X-Subject-Token"]


def client_id() -> dict[str, str]:
    return {"Client-ID": str(uuid.uuid4())}


def poll(fetch: Callable[[], T], done: Callable[[T], bool], *, timeout: float, what: str,
         interval: float = 1.0) -> T:
    """Call `fetch` until `done(result)`; fail with the last result at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        last = fetch()
        if done(last):
            return last
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not seen within {timeout:g} s; last: {last!r}"[:2000])
        time.sleep(interval)

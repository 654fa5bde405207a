"""The lab's zaqar-server processes: config, management-store schema, pool registration.

Two servers run from the OpenStack venv, each serving the API itself (wsgiref: one request
at a time, so a slow call blocks every other call, as in the samples):

- ``zaqar`` with an empty ``auth_strategy`` (no auth: callers send ``X-Project-ID`` and,
  for pools/flavors/health, ``X-Roles: admin``);
- ``zaqar-keystone`` with ``auth_strategy = keystone`` (keystonemiddleware, service user
  ``zaqar``).

Both use the same three Redis servers as pools, but each has its own SQLite management
store (pools, flavors, queue catalogue): two independent targets, so a reweight or a
deleted pool on one never shows up on the other, and SQLite never sees two writers.
The schema comes from Zaqar's own table definitions (`zaqar.storage.sqlalchemy.tables`),
created with ``metadata.create_all``: ``zaqar-sql-db-manage`` fails on SQLite and without
tables listing pools is a 500.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from .._util import LabError, PidRef, run
from .._util import write_private
from .procs import clean_env, spawn, wait_ready
from .venv import OpenStackVenv

#: Run in the OpenStack venv: create Zaqar's management tables in each SQLite URI given.
_SCHEMA_SCRIPT = """
import sys
import sqlalchemy as sa
from zaqar.storage.sqlalchemy import tables
for uri in sys.argv[1:]:
    engine = sa.create_engine(uri)
    tables.metadata.create_all(engine)
    engine.dispose()
"""


def create_catalogs(venv: OpenStackVenv, paths: list[Path]) -> None:
    """Fresh SQLite files with Zaqar's tables (Queues, Pools, Flavors, Catalogue)."""
    for p in paths:
        p.unlink(missing_ok=True)
    run([str(venv.python), "-c", _SCHEMA_SCRIPT, *(f"sqlite:///{p}" for p in paths)],
        env=clean_env(), timeout=120, what="creating Zaqar's SQLite management store")


class ZaqarServer:
    """One zaqar-server: `name` is ``zaqar`` (no auth) or ``zaqar-keystone``."""

    def __init__(self, lab_dir: Path, name: str, port: int, catalog: Path, venv: OpenStackVenv) -> None:
        self.dir = lab_dir / name
        self.name, self.port, self.catalog, self.venv = name, port, catalog, venv

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def conf(self) -> Path:
        return self.dir / "zaqar.conf"

    @property
    def log_path(self) -> Path:
        return self.dir / "zaqar.log"

    @property
    def management_store(self) -> str:
        return f"sqlite:///{self.catalog}"

    def write_config(self, first_pool_uri: str, keystone: dict[str, str] | None = None) -> None:
        """zaqar.conf; `keystone` (auth_url, password) switches on keystonemiddleware."""
        self.dir.mkdir(parents=True, exist_ok=True)
        lines = [
            f"# msgops Zaqar lab ({self.name}): written by `python -m msgops.lab.zaqar up`",
            "[DEFAULT]", "pooling = True", "admin_mode = True",
            f"auth_strategy = {'keystone' if keystone else ''}",
            "use_stderr = True", "debug = False",
            "[drivers]", "transport = wsgi", "message_store = redis", "management_store = sqlalchemy",
            "[drivers:transport:wsgi]", "bind = 127.0.0.1", f"port = {self.port}",
            "[drivers:management_store:sqlalchemy]", f"uri = {self.management_store}",
            # Pools carry their own URIs; this one only keeps the default (6379, maybe the
            # distro's Redis) out of reach.  Few retries: with upstream defaults a dead pool
            # hangs every API call for minutes.
            "[drivers:message_store:redis]", f"uri = {first_pool_uri}",
            "max_reconnect_attempts = 2", "reconnect_sleep = 0.1",
            "[pooling:catalog]", "enable_virtual_pool = False",
        ]
        if keystone:
            lines += [
                "[keystone_authtoken]",
                f"www_authenticate_uri = {keystone['auth_url']}", f"auth_url = {keystone['auth_url']}",
                "auth_type = password", f"username = {keystone['username']}",
                f"password = {keystone['password']}", f"project_name = {keystone['project']}",
                "user_domain_name = Default", "project_domain_name = Default",
                f"region_name = {keystone['region']}",
            ]
        write_private(self.conf, "\n".join(lines) + "\n")  # 0600: may hold the service password

    def start(self) -> PidRef:
        return spawn([str(self.venv.bin("zaqar-server")), "--config-file", str(self.conf)],
                     log_path=self.log_path, what=f"zaqar-server {self.name} :{self.port}", cwd=self.dir)

    def wait(self, ref: PidRef, timeout: float = 60.0) -> None:
        """Ready when ``GET /`` (no auth on either server) lists the API versions."""
        wait_ready(ref, lambda: httpx.get(f"{self.url}/", timeout=5).status_code == 300,
                   timeout=timeout, what=f"zaqar-server {self.name} (:{self.port})",
                   log_path=self.log_path, interval=0.1)

    def register_pools(self, pools: list[tuple[str, str, int]], headers: dict[str, str]) -> None:
        """``PUT /v2/pools/NAME`` for each (name, uri, weight); 201 expected (PUT is an upsert)."""
        with httpx.Client(base_url=self.url, timeout=60,
                          headers={"Client-ID": str(uuid.uuid4()), **headers}) as c:
            for name, uri, weight in pools:
                r = c.put(f"/v2/pools/{name}", json={"weight": weight, "uri": uri})
                if r.status_code != 201:
                    raise LabError(f"{self.name}: registering pool {name} ({uri}): HTTP {r.status_code} "
                                   f"{r.text[:200]}")

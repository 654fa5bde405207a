"""A real Keystone 30 for the lab: SQLite, fernet tokens, served by gunicorn on 127.0.0.1.

Setup is the documented one (``keystone-manage db_sync``, ``fernet_setup``,
``credential_setup``, ``bootstrap``, run in one interpreter to pay Keystone's import once),
with bcrypt rounds lowered to the minimum so hashing passwords does not dominate a lab
start.  gunicorn imports Keystone through a shim that empties ``sys.argv`` first: Keystone
parses the process's argv with oslo.config and chokes on gunicorn's flags.

`seed` then creates, through the REST API with an admin token, what the Zaqar tier needs:
the ``service`` project and the ``zaqar`` service user (keystonemiddleware validates tokens
with it), the ``messaging`` service with public/internal/admin endpoints at the
keystone-auth Zaqar, and a project ``msgops-lab`` whose user ``msgops-member`` has only
the ``member`` role (for the "member-only token gets 403 on pools" case).
"""

from __future__ import annotations

import grp
import json
import os
import pwd
from pathlib import Path

import httpx

from .._util import LabError, PidRef, run
from .._util import write_private
from .procs import clean_env, spawn, wait_ready
from .venv import OpenStackVenv

REGION = "RegionOne"
ADMIN_USER = ADMIN_PROJECT = "admin"
MEMBER_USER, MEMBER_PROJECT = "msgops-member", "msgops-lab"
SERVICE_USER, SERVICE_PROJECT = "zaqar", "service"

_SHIM = '''"""gunicorn entry for the msgops lab's Keystone: hide gunicorn's argv from oslo.config."""
import sys

sys.argv = sys.argv[:1]
from keystone.wsgi.api import application  # noqa: E402,F401
'''


#: keystone-manage's entry point run once per step in one interpreter; oslo.config's global
#: CONF is cleared between steps (it refuses to register the command option twice otherwise).
_MANAGE_SCRIPT = """
import json, sys
from keystone.cmd import cli
conf, steps = sys.argv[1], json.loads(sys.argv[2])
for step in steps:
    cli.CONF.clear()
    try:
        cli.main(argv=["keystone-manage", "--config-file", conf, *step])
    except SystemExit as exc:
        if exc.code not in (None, 0):
            sys.exit(f"keystone-manage {step[0]} exited with {exc.code}")
"""


def password_auth(user: str, password: str, project: str) -> dict:
    """Body of ``POST /v3/auth/tokens`` for a project-scoped password token (Default domain)."""
    return {"auth": {
        "identity": {"methods": ["password"], "password": {
            "user": {"name": user, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}},
    }}


def issue_token(base_url: str, user: str, password: str, project: str, timeout: float = 30.0) -> str:
    """A project-scoped token from Keystone at `base_url` (``http://host:port``)."""
    r = httpx.post(f"{base_url}/v3/auth/tokens", json=password_auth(user, password, project), timeout=timeout)
    if r.status_code != 201:
        raise LabError(f"keystone refused a token for {user}: HTTP {r.status_code} {r.text[:200]}")
    return r.headers["X-Subject-Token"]


class Keystone:
    """Keystone rooted at ``<lab>/keystone`` listening on 127.0.0.1:`port`."""

    def __init__(self, lab_dir: Path, port: int, venv: OpenStackVenv) -> None:
        self.dir = lab_dir / "keystone"
        self.port, self.venv = port, venv

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/v3"

    @property
    def conf(self) -> Path:
        return self.dir / "keystone.conf"

    @property
    def log_path(self) -> Path:
        return self.dir / "keystone.log"

    def write_config(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        keys = self.dir / "fernet-keys"
        write_private(self.conf, "\n".join([
            "# msgops Zaqar lab: written by `python -m msgops.lab.zaqar up`",
            "[DEFAULT]", "use_stderr = True", "debug = False",
            "[database]", f"connection = sqlite:///{self.dir / 'keystone.sqlite'}",
            "[token]", "provider = fernet",
            "[fernet_tokens]", f"key_repository = {keys}",
            "[fernet_receipts]", f"key_repository = {keys}",
            "[credential]", f"key_repository = {self.dir / 'credential-keys'}",
            "[identity]", "password_hash_rounds = 4",  # bcrypt's minimum: labs need speed, not strength
            "max_password_length = 72",  # bcrypt's own limit (the default 4096 logs a warning per hash)
            "",
        ]))
        (self.dir / "ks_wsgi.py").write_text(_SHIM)

    def setup(self, admin_password: str) -> None:
        """db_sync, fernet_setup, credential_setup, bootstrap: keystone-manage's own code, one process.

        Four ``keystone-manage`` runs cost ~6 s, nearly all of it importing Keystone four
        times; `_MANAGE_SCRIPT` imports it once (~2 s).  The admin password goes through
        ``OS_BOOTSTRAP_PASSWORD``, never on a command line.
        """
        user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
        owner = ["--keystone-user", user, "--keystone-group", group]
        steps = [["db_sync"], ["fernet_setup", *owner], ["credential_setup", *owner],
                 ["bootstrap", "--bootstrap-username", ADMIN_USER, "--bootstrap-project-name", ADMIN_PROJECT,
                  "--bootstrap-role-name", "admin", "--bootstrap-service-name", "keystone",
                  "--bootstrap-region-id", REGION, "--bootstrap-admin-url", self.auth_url,
                  "--bootstrap-internal-url", self.auth_url, "--bootstrap-public-url", self.auth_url]]
        run([str(self.venv.python), "-W", "ignore", "-c", _MANAGE_SCRIPT, str(self.conf), json.dumps(steps)],
            env=clean_env({"OS_BOOTSTRAP_PASSWORD": admin_password}), timeout=180,
            what="keystone-manage db_sync/fernet_setup/credential_setup/bootstrap")

    def start(self) -> PidRef:
        args = [str(self.venv.bin("gunicorn")), "--chdir", str(self.dir), "--bind", f"127.0.0.1:{self.port}",
                "--workers", "1", "--threads", "4", "--timeout", "120", "--graceful-timeout", "5",
                "--pid", str(self.dir / "gunicorn.pid"), "--access-logfile", "-", "ks_wsgi:application"]
        env = clean_env({"OS_KEYSTONE_CONFIG_FILES": str(self.conf)})
        return spawn(args, log_path=self.log_path, what=f"keystone (gunicorn :{self.port})", env=env)

    def wait(self, ref: PidRef, timeout: float = 60.0) -> None:
        wait_ready(ref, lambda: httpx.get(self.auth_url, timeout=5).status_code == 200,
                   timeout=timeout, what=f"keystone (:{self.port})", log_path=self.log_path, interval=0.2)

    def seed(self, secrets: dict[str, str], messaging_url: str) -> dict[str, str]:
        """Projects, users, roles and the messaging catalog entry; returns the ids made."""
        token = issue_token(self.url, ADMIN_USER, secrets["admin"], ADMIN_PROJECT)
        with httpx.Client(base_url=f"{self.auth_url}/", headers={"X-Auth-Token": token}, timeout=30) as c:
            def post(path: str, key: str, body: dict) -> str:
                r = c.post(path, json={key: body})
                if r.status_code != 201:
                    raise LabError(f"keystone POST /v3/{path}: HTTP {r.status_code} {r.text[:200]}")
                return r.json()[key]["id"]

            def grant(project: str, user: str, role: str) -> None:
                r = c.put(f"projects/{project}/users/{user}/roles/{role}")
                if r.status_code != 204:
                    raise LabError(f"keystone role grant {role}: HTTP {r.status_code} {r.text[:200]}")

            roles = {r["name"]: r["id"] for r in c.get("roles").json()["roles"]}
            missing = {"admin", "member"} - roles.keys()
            if missing:
                raise LabError(f"keystone bootstrap made no role(s) {sorted(missing)}")
            ids = {"service_project": post("projects", "project", {"name": SERVICE_PROJECT, "domain_id": "default"}),
                   "member_project": post("projects", "project", {"name": MEMBER_PROJECT, "domain_id": "default"})}
            ids["service_user"] = post("users", "user", {"name": SERVICE_USER, "domain_id": "default",
                                                         "password": secrets["zaqar"]})
            ids["member_user"] = post("users", "user", {"name": MEMBER_USER, "domain_id": "default",
                                                        "password": secrets["member"]})
            grant(ids["service_project"], ids["service_user"], roles["admin"])
            if "service" in roles:  # the modern role keystonemiddleware users are meant to hold
                grant(ids["service_project"], ids["service_user"], roles["service"])
            grant(ids["member_project"], ids["member_user"], roles["member"])
            ids["messaging_service"] = post("services", "service", {
                "name": "zaqar", "type": "messaging", "description": "Messaging (msgops lab)"})
            for interface in ("public", "internal", "admin"):
                post("endpoints", "endpoint", {"service_id": ids["messaging_service"], "interface": interface,
                                               "url": messaging_url, "region_id": REGION})
        return ids

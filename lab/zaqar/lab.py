"""ZaqarLab: real Redis pools, Keystone and two zaqar-servers on 127.0.0.1 for the Zaqar tier.

`up` starts three Redis servers (pools POOL1..POOL3), a Keystone (gunicorn), a no-auth
zaqar-server and a keystone-auth zaqar-server, registers the pools on both Zaqars, and
writes ``clouds.yaml`` and ``inventory.toml`` into the lab dir.  Every pid is written to
``state.json`` as soon as the process exists; `down` stops exactly those (TERM, then KILL
after a grace period) and a failed `up` tears itself down.  `up` always starts from fresh
data; on a lab that is already up it does nothing.

Ports (defaults; ``base_port`` / ``redis_base_port`` move them so a manual lab and the
tests' lab coexist): Redis ``redis_base_port + 1..3`` (6391-6393), Keystone ``base_port``
(18880), no-auth Zaqar ``base_port + 8`` (18888), keystone Zaqar ``base_port + 9`` (18889).
"""

from __future__ import annotations

import fcntl
import secrets
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from .._util import LabError, PidRef, Timings, parallel, port_in_use
from . import files, keystone as ks
from .procs import State, group_rss_kb, listening, stop, strays
from .redis_pools import RedisPool, redis_binary
from .venv import OpenStackVenv
from .zaqar_server import ZaqarServer, create_catalogs

DEFAULT_BASE_PORT = 18880
DEFAULT_REDIS_BASE_PORT = 6390
POOL_WEIGHTS = (100, 100, 50)
CORE = ("keystone", "zaqar", "zaqar-keystone")


def missing_debian_packages() -> list[str]:
    """Debian packages the lab needs that are not installed (apt names)."""
    return [] if redis_binary() else ["redis-server"]


class ZaqarLab:
    """Drive the lab rooted at `directory`; methods raise `LabError` for expected failures."""

    def __init__(self, directory: Path | str, *, base_port: int = DEFAULT_BASE_PORT,
                 redis_base_port: int = DEFAULT_REDIS_BASE_PORT, venv: OpenStackVenv | None = None,
                 log=print) -> None:
        self.dir = Path(directory).absolute()
        self.base_port, self.redis_base_port = base_port, redis_base_port
        self.venv = venv or OpenStackVenv()
        self.log = log
        self.state = State(self.dir / "state.json")

    # -- ports, endpoints, paths, credentials ---------------------------------------
    @property
    def ports(self) -> dict:
        """What `up` recorded, else what it would use."""
        return self.state.load().get("ports") or {
            "keystone": self.base_port, "zaqar": self.base_port + 8, "zaqar-keystone": self.base_port + 9,
            "redis": [self.redis_base_port + i for i in (1, 2, 3)]}

    def _pools(self) -> list[RedisPool]:
        return [RedisPool(self.dir, i, port) for i, port in enumerate(self.ports["redis"], 1)]

    def pool(self, i: int) -> RedisPool:
        if i not in (1, 2, 3):
            raise LabError(f"no pool {i}: the lab has pools 1..3")
        return self._pools()[i - 1]

    @property
    def pools(self) -> list[tuple[str, str, int]]:
        """(name, uri, weight) of POOL1..POOL3 as registered on both Zaqars."""
        return [(p.name, p.uri, w) for p, w in zip(self._pools(), POOL_WEIGHTS, strict=True)]

    @property
    def keystone(self) -> ks.Keystone:
        return ks.Keystone(self.dir, self.ports["keystone"], self.venv)

    @property
    def zaqar(self) -> ZaqarServer:
        return ZaqarServer(self.dir, "zaqar", self.ports["zaqar"], self.catalog_path, self.venv)

    @property
    def zaqar_keystone(self) -> ZaqarServer:
        return ZaqarServer(self.dir, "zaqar-keystone", self.ports["zaqar-keystone"],
                           self.keystone_catalog_path, self.venv)

    endpoint = property(lambda self: self.zaqar.url, doc="The no-auth Zaqar API (http://127.0.0.1:port).")
    keystone_endpoint = property(lambda self: self.zaqar_keystone.url, doc="The keystone-auth Zaqar API.")
    auth_url = property(lambda self: self.keystone.auth_url, doc="Keystone v3 (http://127.0.0.1:port/v3).")
    catalog_path = property(lambda self: self.dir / "catalog.sqlite", doc="No-auth Zaqar's SQLite store.")
    keystone_catalog_path = property(lambda self: self.dir / "catalog-keystone.sqlite",
                                     doc="Keystone Zaqar's SQLite management store.")
    clouds_yaml = property(lambda self: self.dir / "clouds.yaml")
    inventory_path = property(lambda self: self.dir / "inventory.toml")
    project_id = files.NOAUTH_PROJECT

    def _credentials(self, user: str, secret: str, project: str) -> dict[str, str]:
        return {"auth_url": self.auth_url, "username": user, "project_name": project,
                "password": self.state.load().get("secrets", {}).get(secret, ""),
                "user_domain_name": "Default", "project_domain_name": "Default"}

    @property
    def admin_credentials(self) -> dict[str, str]:
        return self._credentials(ks.ADMIN_USER, "admin", ks.ADMIN_PROJECT)

    @property
    def member_credentials(self) -> dict[str, str]:
        return self._credentials(ks.MEMBER_USER, "member", ks.MEMBER_PROJECT)

    def noauth_headers(self, *, admin: bool = True) -> dict[str, str]:
        """Headers for the no-auth Zaqar (``X-Roles: admin`` for pools, flavors, health)."""
        h = {"Client-ID": str(uuid.uuid4()), "X-Project-ID": self.project_id}
        return {**h, "X-Roles": "admin"} if admin else h

    # -- locking and liveness ---------------------------------------------------------
    @contextmanager
    def _locked(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LabError(f"another lab command is running on {self.dir}") from None
            yield

    def is_up(self) -> bool:
        """True when Keystone and both Zaqars run (a stopped pool still counts as up)."""
        refs = self.state.refs()
        return all(name in refs and refs[name].alive() for name in CORE)

    # -- up / down --------------------------------------------------------------------
    def up(self) -> Timings:
        """Start the whole lab from fresh data; returns phase timings (empty when already up)."""
        missing = missing_debian_packages()
        if missing:
            raise LabError(f"{', '.join(missing)} not installed: apt-get install {' '.join(missing)}")
        t = Timings()
        with self._locked():
            if self.is_up():
                self.log(f"lab already up in {self.dir} (use `down` first)")
                return t
            if self.state.load():
                self.log("stopping what a previous run left behind")
                self._teardown(self.state.load())
            self.state.clear()  # forget recorded ports: this object's are used
            ports = self.ports
            busy = [p for p in (ports["keystone"], ports["zaqar"], ports["zaqar-keystone"], *ports["redis"])
                    if port_in_use(p)]
            if busy:
                raise LabError(f"ports already in use on 127.0.0.1: {busy} (another lab? try --base-port)")
            built = self.venv.ensure(self.log)
            t.mark("openstack venv " + ("(built)" if built else "(reused)"))
            for sub in ("redis", "keystone", "zaqar", "zaqar-keystone"):
                shutil.rmtree(self.dir / sub, ignore_errors=True)
            (self.dir / "state").mkdir(parents=True, exist_ok=True)
            st = {"ports": ports, "procs": {},
                  "secrets": {k: secrets.token_urlsafe(18) for k in ("admin", "member", "zaqar")}}
            self.state.save(st)  # from here on `down` can clean up a half-built lab
            try:
                self._build(st, t)
            except BaseException:
                self._teardown(self.state.load())
                raise
        return t

    def _start(self, st: dict, name: str, server) -> PidRef:
        ref = server.start()
        self.state.record(st, name, ref)
        return ref

    def _build(self, st: dict, t: Timings) -> None:
        pools, keystone, zaqar, zaqar_ks = self._pools(), self.keystone, self.zaqar, self.zaqar_keystone
        for p in pools:
            p.write_config()
        refs = {p.proc_name: self._start(st, p.proc_name, p) for p in pools}
        parallel(lambda p: p.wait(refs[p.proc_name]), pools)
        t.mark("redis x3")

        def catalogs_then_zaqar() -> None:  # zaqar (no auth) boots while keystone is set up
            create_catalogs(self.venv, [self.catalog_path, self.keystone_catalog_path])
            zaqar.write_config(pools[0].uri)
            refs["zaqar"] = self._start(st, "zaqar", zaqar)

        keystone.write_config()
        parallel(lambda step: step(), [catalogs_then_zaqar, lambda: keystone.setup(st["secrets"]["admin"])])
        t.mark("schema & keystone-manage")
        refs["keystone"] = self._start(st, "keystone", keystone)
        zaqar_ks.write_config(pools[0].uri, keystone={
            "auth_url": keystone.url, "username": ks.SERVICE_USER, "password": st["secrets"]["zaqar"],
            "project": ks.SERVICE_PROJECT, "region": ks.REGION})
        refs["zaqar-keystone"] = self._start(st, "zaqar-keystone", zaqar_ks)
        zaqar.wait(refs["zaqar"])
        zaqar.register_pools(self.pools, self.noauth_headers())
        t.mark("zaqar (no auth) + pools")
        keystone.wait(refs["keystone"])
        t.mark("keystone (gunicorn) ready")
        keystone.seed(st["secrets"], zaqar_ks.url)
        t.mark("keystone users + catalog")
        zaqar_ks.wait(refs["zaqar-keystone"])
        token = ks.issue_token(keystone.url, ks.ADMIN_USER, st["secrets"]["admin"], ks.ADMIN_PROJECT)
        zaqar_ks.register_pools(self.pools, {"X-Auth-Token": token})
        t.mark("zaqar (keystone) + pools")
        files.write_clouds_yaml(self.clouds_yaml, keystone.auth_url, ks.REGION, {
            files.ADMIN_CLOUD: {"username": ks.ADMIN_USER, "password": st["secrets"]["admin"],
                                "project_name": ks.ADMIN_PROJECT},
            files.MEMBER_CLOUD: {"username": ks.MEMBER_USER, "password": st["secrets"]["member"],
                                 "project_name": ks.MEMBER_PROJECT}})
        files.write_inventory(self.inventory_path, files.inventory_toml(
            lab_dir=self.dir, endpoint=zaqar.url, management_store=zaqar.management_store,
            clouds_yaml_path=self.clouds_yaml, keystone_management_store=zaqar_ks.management_store))
        t.mark("clouds.yaml + inventory.toml")

    def down(self) -> Timings:
        """Stop everything `up` recorded (also after a failed or interrupted `up`)."""
        t = Timings()
        if not self.state.path.exists():
            self.log(f"lab is not up in {self.dir}")
            return t
        with self._locked():
            st = self.state.load()
            if not st:
                self.log(f"lab is not up in {self.dir}")
                return t
            killed = self._teardown(st)
            t.mark("stop processes" + (f" ({len(killed)} needed SIGKILL)" if killed else ""))
        return t

    def _teardown(self, st: dict) -> list[PidRef]:
        killed = stop(list(self.state.refs(st).values()), grace=8)
        # an `up` killed between a fork and its state.json write leaves an unrecorded server
        programs = (str(self.venv.root) + "/", redis_binary() or "/usr/bin/redis-server")
        killed += stop(strays(self.dir, programs), grace=3)
        self.state.clear()
        return killed

    # -- one pool -----------------------------------------------------------------------
    def _require_up(self) -> None:
        if not self.state.load().get("procs"):
            raise LabError(f"lab is not up in {self.dir}: run `up` first")

    def stop_pool(self, i: int) -> None:
        """Stop pool i's Redis (TERM, KILL after 5 s): its queues' store is gone."""
        pool = self.pool(i)
        self._require_up()
        with self._locked():
            st = self.state.load()
            ref = self.state.refs(st).get(pool.proc_name)
            if ref:
                stop([ref], grace=5)
            self.state.record(st, pool.proc_name, None)

    def start_pool(self, i: int, timeout: float = 15.0) -> None:
        """Start pool i's Redis again (empty: no persistence); Zaqar reconnects by itself."""
        pool = self.pool(i)
        self._require_up()
        with self._locked():
            st = self.state.load()
            ref = self.state.refs(st).get(pool.proc_name)
            if ref and ref.alive():
                return
            if port_in_use(pool.port):
                raise LabError(f"port {pool.port} of {pool.name} is taken by something else")
            ref = self._start(st, pool.proc_name, pool)
            pool.wait(ref, timeout=timeout)

    # -- status -------------------------------------------------------------------------
    def status(self) -> dict:
        """A JSON-able snapshot: per process pid, liveness, port, memory; endpoints and files."""
        st = self.state.load()
        refs, ports = self.state.refs(st), self.ports
        port_of = {"keystone": ports["keystone"], "zaqar": ports["zaqar"], "zaqar-keystone": ports["zaqar-keystone"],
                   **{f"redis{i}": p for i, p in enumerate(ports["redis"], 1)}}
        procs = {}
        for name, port in port_of.items():
            ref = refs.get(name)
            alive = bool(ref and ref.alive())
            procs[name] = {"pid": ref.pid if ref else None, "running": alive, "port": port,
                           "listening": listening(port) if alive else False,
                           "rss_mb": round(group_rss_kb(ref.pid) / 1024, 1) if alive else 0.0}
        return {
            "dir": str(self.dir), "up": self.is_up(), "processes": procs,
            "rss_mb_total": round(sum(p["rss_mb"] for p in procs.values()), 1),
            "pools": [{"name": n, "uri": u, "weight": w, "running": procs[f"redis{i}"]["running"]}
                      for i, (n, u, w) in enumerate(self.pools, 1)],
            "endpoints": {"zaqar": self.endpoint, "zaqar_keystone": self.keystone_endpoint,
                          "keystone": self.auth_url},
            "catalogs": {"zaqar": str(self.catalog_path), "zaqar_keystone": str(self.keystone_catalog_path)},
            "clouds_yaml": str(self.clouds_yaml), "inventory": str(self.inventory_path),
            "venv": {"path": str(self.venv.root), **{k: v for k, v in self.venv.versions().items() if k != "build"}},
        }

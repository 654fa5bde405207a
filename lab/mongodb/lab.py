"""The real MongoDB lab: three ``mongod`` on loopback as the replica set ``catalog``, with a keyfile,
a user, and an inventory for msgops — when a ``mongod`` binary is on PATH (Debian ships none; see
LAB-NOTES "MongoDB": mongodb-org from repo.mongodb.org, or any tarball's bin/ on PATH).

``up`` starts each member in its own dbPath under the lab directory (its own session, so ``down``
can stop exactly what ``up`` started: pids are pinned by their start time), runs
``replSetInitiate`` on the first member through the localhost exception, waits for a primary, then
creates the user (also through the localhost exception) and writes ``inventory.toml`` (mode 0600:
it holds the password). ``stop``/``start``/``pause``/``resume`` act on one member (SIGTERM, a new
process, SIGSTOP, SIGCONT): a member down, and a hung member, for real.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

from msgops.lab._util import LabError, PidRef, Timings, port_in_use, stop_refs, wait_for

DEFAULT_BASE_PORT = 27401
SET_NAME = "catalog"
USER = "msgops"


def mongod_binary() -> str | None:
    """Path of ``mongod``, or None when it is not on PATH."""
    return shutil.which("mongod")


class MongoLab:
    """Three mongod on 127.0.0.1:BASE..BASE+2 in ``directory``."""

    def __init__(self, directory: str | Path = "./.lab/mongodb", *, base_port: int = DEFAULT_BASE_PORT,
                 members: int = 3, log: Callable[[str], None] = lambda _: None) -> None:
        self.dir = Path(directory).resolve()
        self.base_port, self.count, self.log = base_port, members, log
        self.state_path = self.dir / "state.json"
        self.inventory_path = self.dir / "inventory.toml"

    # --- where things are -------------------------------------------------------------------
    def port(self, n: int) -> int:
        return self.base_port + n

    def host(self, n: int) -> str:
        return f"127.0.0.1:{self.port(n)}"

    @property
    def hosts(self) -> list[str]:
        return [self.host(n) for n in range(self.count)]

    def _state(self) -> dict:
        try:
            return json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {"members": {}}

    def _save(self, state: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state_path.write_text(json.dumps(state, indent=2))

    @property
    def password(self) -> str:
        return self._state().get("password", "")

    def uri(self, password: str | None = None) -> str:
        secret = self.password if password is None else password
        return f"mongodb://{USER}:{secret}@{','.join(self.hosts)}/?replicaSet={SET_NAME}"

    def direct_uri(self, n: int, password: str | None = None) -> str:
        secret = self.password if password is None else password
        return f"mongodb://{USER}:{secret}@{self.host(n)}/?directConnection=true"

    # --- lifecycle --------------------------------------------------------------------------------
    def up(self) -> Timings:
        t = Timings()
        binary = mongod_binary()
        if binary is None:
            raise LabError("mongod is not on PATH: MongoDB is not packaged for Debian; install mongodb-org "
                           "(repo.mongodb.org) or put a MongoDB tarball's bin/ on PATH")
        if any(ref.alive() for ref in self._refs()):
            raise LabError(f"the lab in {self.dir} is already up (run `down` first)")
        busy = [p for p in map(self.port, range(self.count)) if port_in_use(p)]
        if busy:
            raise LabError(f"ports {busy} are in use: pass another --base-port")
        self.dir.mkdir(parents=True, exist_ok=True)
        keyfile = self.dir / "keyfile"
        keyfile.write_text(secrets.token_urlsafe(64))
        keyfile.chmod(0o400)
        state = {"members": {}, "password": secrets.token_urlsafe(16), "binary": binary}
        self._save(state)
        t.mark("prepare")
        try:
            for n in range(self.count):
                state["members"][str(n)] = self._spawn(n, binary, keyfile).to_json()
                self._save(state)
            for n in range(self.count):
                wait_for(lambda n=n: self._hello(n), timeout=60, what=f"mongod {self.host(n)}")
            t.mark("start mongod x3")
            self._initiate()
            t.mark("replSetInitiate + primary")
            self._create_user(state["password"])
            self._write_inventory(state["password"])
            t.mark("user + inventory")
        except BaseException:
            self.down()
            raise
        return t

    def _spawn(self, n: int, binary: str, keyfile: Path) -> PidRef:
        data = self.dir / f"member{n}"
        data.mkdir(parents=True, exist_ok=True)
        log = open(self.dir / f"member{n}.log", "ab")  # noqa: SIM115 - handed to the child
        try:
            proc = subprocess.Popen(
                [binary, "--replSet", SET_NAME, "--port", str(self.port(n)), "--bind_ip", "127.0.0.1",
                 "--dbpath", str(data), "--keyFile", str(keyfile), "--oplogSize", "64",
                 "--setParameter", "enableLocalhostAuthBypass=true"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        return PidRef.of(proc.pid, f"mongod {self.host(n)}")

    def _client(self, n: int, auth: bool = False):  # noqa: ANN202
        import pymongo

        uri = self.direct_uri(n) if auth else f"mongodb://{self.host(n)}/?directConnection=true"
        return pymongo.MongoClient(uri, serverSelectionTimeoutMS=2000, timeoutMS=10000)

    def _hello(self, n: int) -> bool:
        with self._client(n) as client:
            return bool(client.admin.command("hello").get("maxWireVersion"))

    def _initiate(self) -> None:
        config = {"_id": SET_NAME, "members": [{"_id": n, "host": self.host(n)} for n in range(self.count)]}
        with self._client(0) as client:
            client.admin.command("replSetInitiate", config)

        def primary() -> bool:
            with self._client(0) as client:
                return bool(client.admin.command("hello").get("isWritablePrimary"))
        wait_for(primary, timeout=60, what="a primary after replSetInitiate")

    def _create_user(self, password: str) -> None:
        with self._client(0) as client:
            client.admin.command("createUser", USER, pwd=password, roles=["root"])

    def _write_inventory(self, password: str) -> None:
        self.inventory_path.write_text(
            f'[settings]\nstate_dir = "{self.dir / "state"}"\n\n[mongodb.{SET_NAME}]\nuri = "{self.uri(password)}"\n'
            "poll_interval = 2.0\nconnect_timeout = 2.0\ncall_timeout = 5.0\n")
        self.inventory_path.chmod(0o600)

    def _refs(self) -> list[PidRef]:
        return [PidRef.from_json(r) for r in self._state().get("members", {}).values()]

    def down(self) -> Timings:
        """Stop every mongod ``up`` (or ``start``) started; remove their data."""
        t = Timings()
        for ref in self._refs():  # a paused member cannot act on SIGTERM
            if ref.alive():
                os.kill(ref.pid, signal.SIGCONT)
        stop_refs(self._refs(), grace=20.0, group=True)
        t.mark("stop mongod")
        for n in range(self.count):
            shutil.rmtree(self.dir / f"member{n}", ignore_errors=True)
        for name in ("state.json", "keyfile", "inventory.toml"):
            path = self.dir / name
            if path.exists():
                path.chmod(0o600)
                path.unlink()
        t.mark("remove data")
        return t

    # --- one member ---------------------------------------------------------------------------
    def _ref(self, n: int) -> PidRef:
        found = self._state().get("members", {}).get(str(n))
        if found is None:
            raise LabError(f"member {n} is not part of the lab in {self.dir}")
        return PidRef.from_json(found)

    def stop(self, n: int) -> None:
        """Member ``n`` down (SIGTERM; its port closes)."""
        ref = self._ref(n)
        if ref.alive():
            os.kill(ref.pid, signal.SIGCONT)  # a paused member cannot act on SIGTERM
        stop_refs([ref], grace=20.0, group=True)

    def start(self, n: int) -> None:
        """Member ``n`` up again on its port and dbPath."""
        state = self._state()
        if self._ref(n).alive():
            return
        ref = self._spawn(n, state["binary"], self.dir / "keyfile")
        state["members"][str(n)] = ref.to_json()
        self._save(state)
        wait_for(lambda: self._hello(n), timeout=60, what=f"mongod {self.host(n)}")

    def pause(self, n: int) -> None:
        """Member ``n`` hung: SIGSTOP (connections open, nothing answers)."""
        os.kill(self._ref(n).pid, signal.SIGSTOP)

    def resume(self, n: int) -> None:
        os.kill(self._ref(n).pid, signal.SIGCONT)

    def maintenance(self, n: int, on: bool) -> None:
        """replSetMaintenance: RECOVERING while on (a secondary only)."""
        with self._client(n, auth=True) as client:
            client.admin.command("replSetMaintenance", on)

    def status(self) -> dict:
        members = {}
        for n in range(self.count):
            found = self._state().get("members", {}).get(str(n))
            ref = PidRef.from_json(found) if found else None
            members[self.host(n)] = {"pid": ref.pid if ref else None, "running": bool(ref and ref.alive()),
                                     "listening": port_in_use(self.port(n))}
        return {"dir": str(self.dir), "up": any(m["running"] for m in members.values()), "members": members,
                "inventory": str(self.inventory_path), "mongod": mongod_binary()}

    def wait_primary(self, timeout: float = 60.0) -> str:
        """The host of the primary, once there is one."""
        def find() -> str | None:
            for n in range(self.count):
                try:
                    with self._client(n, auth=True) as client:
                        hello = client.admin.command("hello")
                except Exception:  # noqa: BLE001 - a member may be down or paused
                    continue
                if hello.get("primary"):
                    return hello["primary"]
            return None
        started = time.monotonic()
        found = wait_for(find, timeout=timeout, what="a primary")
        self.log(f"primary {found} after {time.monotonic() - started:.1f} s")
        return found

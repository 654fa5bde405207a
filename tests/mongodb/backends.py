"""One replica set to test against: the wire-level simulator, or real ``mongod`` (the lab) when one is
on PATH. The same probe and runbook tests run on both; faults only the simulator can make (lag on
demand, a stale member, a split) use the simulator alone (the ``simset`` fixture).

Real mongod: ``MSGOPS_MONGOD_REQUIRED=1`` turns "mongod not on PATH" from a skip into a failure
(for a CI machine that installs mongodb-org; none is packaged for Debian, see LAB-NOTES).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from msgops.console.config import load_inventory
from msgops.lab.mongodb import MongoLab, mongod_binary
from msgops.sim.mongodb import SimReplicaSet, Timing

FAST = Timing(heartbeat_interval=0.5, heartbeat_timeout=1.0, election_timeout=1.0, step_up_delay=0.1,
              write_interval=0.5, initial_sync=0.5)
PASSWORD = "Pl4nted-Mongo-S3cret"


class SimBackend:
    """The simulator with fast timings and a user."""

    name = "sim"
    patience = 10.0
    """Seconds a test waits for the set to notice a fault (heartbeats, elections)."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        kwargs.setdefault("timing", Timing(**vars(FAST)))
        kwargs.setdefault("user", "ops")
        kwargs.setdefault("password", PASSWORD)
        self.sim = SimReplicaSet(kwargs.pop("members", 3), **kwargs)

    def start(self) -> "SimBackend":
        self.sim.start_in_thread()
        return self

    def stop(self) -> None:
        self.sim.stop_in_thread()

    def uri(self, password: str | None = None) -> str:
        uri = self.sim.uri
        return uri.replace(f":{PASSWORD}@", f":{password}@") if password is not None else uri

    @property
    def hosts(self) -> list[str]:
        return self.sim.hosts

    def primary(self) -> str:
        deadline = time.monotonic() + self.patience
        while time.monotonic() < deadline:
            if self.sim.primary is not None:
                return self.sim.primary.host
            time.sleep(0.05)
        raise AssertionError("no primary in the simulated set")

    def secondaries(self) -> list[str]:
        primary = self.primary()
        return [h for h in self.hosts if h != primary]

    def down(self, host: str) -> None:
        self.sim.member_down(host)

    def up(self, host: str) -> None:
        self.sim.member_up(host)

    def hang(self, host: str) -> None:
        self.sim.hang(host)

    def release(self, host: str) -> None:
        self.sim.hang(host, hung=False)

    def maintenance(self, host: str, on: bool) -> None:
        self.sim.set_recovering(host, on)


class LabBackend:
    """The real lab (three mongod), shared by the session; ``reset`` after each test."""

    name = "mongod"
    patience = 60.0

    def __init__(self, lab: MongoLab) -> None:
        self.lab = lab

    def uri(self, password: str | None = None) -> str:
        return self.lab.uri(password)

    @property
    def hosts(self) -> list[str]:
        return self.lab.hosts

    def _n(self, host: str) -> int:
        return self.lab.hosts.index(host)

    def primary(self) -> str:
        return self.lab.wait_primary(self.patience)

    def secondaries(self) -> list[str]:
        primary = self.primary()
        return [h for h in self.hosts if h != primary]

    def down(self, host: str) -> None:
        self.lab.stop(self._n(host))

    def up(self, host: str) -> None:
        self.lab.start(self._n(host))

    def hang(self, host: str) -> None:
        self.lab.pause(self._n(host))

    def release(self, host: str) -> None:
        self.lab.resume(self._n(host))

    def maintenance(self, host: str, on: bool) -> None:
        self.lab.maintenance(self._n(host), on)

    def reset(self) -> None:
        """Every member running and answering, a primary elected (the next test starts steady)."""
        for n in range(self.lab.count):
            try:
                self.lab.resume(n)
            except Exception:  # noqa: BLE001 - not paused, or not running
                pass
            self.lab.start(n)
        self.primary()


def require_mongod() -> None:
    if mongod_binary() is None:
        reason = ("mongod is not on PATH (MongoDB is not packaged for Debian): these cases ran on the "
                  "simulator only")
        if os.environ.get("MSGOPS_MONGOD_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def inventory(backend, directory: Path, name: str = "catalog", uri: str | None = None, **settings):  # noqa: ANN001, ANN003
    """``[mongodb.<name>]`` for the backend (quick timeouts; ``settings`` add or override keys), through
    the real inventory parser."""
    keys = {"connect_timeout": 1.0, "call_timeout": 2.0, "poll_interval": 1.0, **settings}
    lines = "".join(f"{k} = {v!r}\n" if not isinstance(v, bool) else f"{k} = {str(v).lower()}\n" for k, v in keys.items())
    path = Path(directory) / "inventory.toml"
    path.write_text(f'[settings]\nstate_dir = "{Path(directory) / "state"}"\n\n[mongodb.{name}]\n'
                    f'uri = "{uri or backend.uri()}"\n{lines}')
    return path, load_inventory(path, env={})

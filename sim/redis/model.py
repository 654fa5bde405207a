"""The simulated server's state: what INFO reports and what the commands check, plus its faults.

Mutable and owned by the simulator's event loop (``SimRedis`` changes it there). Times are
``time.time()`` so INFO's ages (uptime, link down since, loading ETA) move on their own.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

DATABASES = 16


@dataclass
class RedisState:
    version: str = "7.0.15"
    """INFO's redis_version; from 7.2 CLIENT SETINFO is answered (7.0 does not know it)."""
    port: int = 0
    requirepass: str | None = None
    """The default user's password (None: the default user needs none)."""
    users: dict[str, str] = field(default_factory=dict)
    """ACL users other than ``default``: name → password."""
    started_at: float = field(default_factory=time.time)
    run_id: str = field(default_factory=lambda: secrets.token_hex(20))
    maxclients: int = 10000
    maxmemory: int = 0
    maxmemory_policy: str = "noeviction"
    baseline_memory: int = 876_144
    """used_memory of an empty 7.0 server (used_memory_startup in the recorded INFO)."""
    dataset_memory: int = 239_000
    keyspace: dict[int, int] = field(default_factory=dict)
    """db → keys (those given at start plus those SET since)."""
    values: dict[int, dict[bytes, bytes]] = field(default_factory=dict)
    """db → key → value, of the keys SET through the simulator."""
    evicted_keys: int = 0
    rejected_connections: int = 0
    total_connections: int = 0
    total_commands: int = 0
    error_counts: dict[str, int] = field(default_factory=dict)
    """errorstat_<CODE>:count=N of INFO errorstats."""
    loading_until: float | None = None
    """While set and in the future, the server is loading its dataset (LOADING replies)."""
    loading_started: float | None = None
    loading_bytes: int = 4_088_988
    rdb_last_bgsave_status: str = "ok"
    aof_enabled: bool = False
    aof_last_write_status: str = "ok"
    master: tuple[str, int] | None = None
    """``(host, port)`` when the server is a replica."""
    master_link_up: bool = True
    master_link_down_since: float | None = None
    """When the link went down (None with the link down: never connected since start → -1)."""
    connected_replicas: int = 0
    hung: bool = False
    """Accept connections, read commands, never answer."""
    reply_delay: float = 0.0
    """Seconds before every reply (a slow server)."""
    client_ids: int = 2

    @property
    def used_memory(self) -> int:
        return self.baseline_memory + self.dataset_memory

    @property
    def loading(self) -> bool:
        return self.loading_until is not None and time.time() < self.loading_until

    def loading_progress(self) -> tuple[float, int]:
        """(percent loaded, seconds left)."""
        if not self.loading or self.loading_started is None or self.loading_until is None:
            return 100.0, 0
        total = max(1e-6, self.loading_until - self.loading_started)
        done = min(1.0, max(0.0, (time.time() - self.loading_started) / total))
        return 100.0 * done, max(0, int(round(self.loading_until - time.time())))

    def check_password(self, user: str, password: str) -> bool:
        if user == "default":
            return self.requirepass is None or password == self.requirepass
        return self.users.get(user) == password

    @property
    def auth_required(self) -> bool:
        return self.requirepass is not None

    def count_error(self, error: str) -> None:
        code = error.split(" ", 1)[0]
        self.error_counts[code] = self.error_counts.get(code, 0) + 1

    def version_at_least(self, major: int, minor: int) -> bool:
        parts = [int(p) for p in self.version.split(".")[:2] if p.isdigit()]
        return tuple(parts + [0] * (2 - len(parts))) >= (major, minor)

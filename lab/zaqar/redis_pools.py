"""The lab's Redis servers, one per Zaqar pool (POOL1..POOL3), run by hand from Debian's redis-server.

Each server gets its own directory and config under ``<lab>/redis/poolN``: loopback only,
no persistence (no RDB, no AOF: a restarted pool comes back empty, as after losing a
cache node), ``daemonize no`` so the pid we record is the server itself, and a pidfile for
humans.  The distro's own Redis (6379, maybe started by the package's postinst) is never
touched.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from .._util import LabError, PidRef
from .procs import spawn, wait_ready

REDIS_BIN = "redis-server"


def redis_binary() -> str | None:
    """Path of redis-server, or None (Debian package ``redis-server`` missing)."""
    found = shutil.which(REDIS_BIN)
    if found:
        return found
    return "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None


def ping(port: int, timeout: float = 0.5) -> bool:
    """True when a Redis answers PING on 127.0.0.1:port (raw RESP: no client library needed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(b"PING\r\n")
        return s.recv(64).startswith(b"+PONG")


class RedisPool:
    """Redis server number `index` (1-based) serving pool ``POOL<index>`` on `port`."""

    def __init__(self, lab_dir: Path, index: int, port: int) -> None:
        self.index, self.port = index, port
        self.dir = lab_dir / "redis" / f"pool{index}"

    @property
    def name(self) -> str:
        return f"POOL{self.index}"

    @property
    def uri(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    @property
    def proc_name(self) -> str:
        return f"redis{self.index}"

    @property
    def log_path(self) -> Path:
        return self.dir / "redis.log"

    def write_config(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        (self.dir / "redis.conf").write_text("\n".join([
            f"# {self.name} of the msgops Zaqar lab: written by `python -m msgops.lab.zaqar up`",
            "bind 127.0.0.1",
            f"port {self.port}",
            "protected-mode yes",
            "daemonize no",
            f"pidfile {self.dir / 'redis.pid'}",
            f"dir {self.dir}",
            'logfile ""',  # stdout, which spawn() sends to redis.log
            'save ""',
            "appendonly no",
            "databases 16",
            "",
        ]))

    def start(self) -> PidRef:
        binary = redis_binary()
        if binary is None:
            raise LabError("redis-server not found: apt-get install redis-server")
        return spawn([binary, str(self.dir / "redis.conf")], log_path=self.log_path,
                     what=f"redis-server {self.name} :{self.port}")

    def wait(self, ref: PidRef, timeout: float = 15.0) -> None:
        wait_ready(ref, lambda: ping(self.port), timeout=timeout,
                   what=f"redis-server {self.name} (:{self.port})", log_path=self.log_path, interval=0.05)

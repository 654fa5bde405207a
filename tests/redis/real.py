"""A real ``redis-server`` on a loopback port, for tests and for recording conformance samples.

Debian's redis-server (``/usr/bin/redis-server``) is started by hand with its own directory and a
config written here: loopback only, no persistence unless asked, ``daemonize no`` so the process we
hold is the server. Where it is not installed the tests skip with that reason, unless
``MSGOPS_LAB_REQUIRED=1`` (scripts/test, CI): then they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

REDIS_SERVER = "/usr/bin/redis-server"


def redis_server_binary() -> str | None:
    found = shutil.which("redis-server")
    return found or (REDIS_SERVER if Path(REDIS_SERVER).exists() else None)


def require_redis_server() -> str:
    """The binary's path; skips (or fails when MSGOPS_LAB_REQUIRED=1) when it is absent."""
    import pytest

    binary = redis_server_binary()
    if binary is None:
        reason = "redis-server is not installed (apt-get install redis-server; scripts/install-lab-deps)"
        if os.environ.get("MSGOPS_LAB_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_ping(port: int, timeout: float = 0.5) -> bytes:
    """The first reply line to an inline PING (b'' when nothing answered)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"PING\r\n")
            return s.recv(256)
    except OSError:
        return b""


class RealRedis:
    """One redis-server: ``with RealRedis(dir, ["requirepass x"]) as r: r.port``."""

    def __init__(self, directory: Path, config: list[str] = (), *, port: int = 0, binary: str | None = None) -> None:
        self.dir = Path(directory)
        self.config = list(config)
        self.port = port or free_port()
        self.binary = binary or redis_server_binary() or REDIS_SERVER
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self, ready: bytes | tuple[bytes, ...] = (b"+PONG", b"-NOAUTH"), timeout: float = 10.0) -> "RealRedis":
        self.dir.mkdir(parents=True, exist_ok=True)
        conf = self.dir / "redis.conf"
        conf.write_text("\n".join(["bind 127.0.0.1", f"port {self.port}", "daemonize no", f"dir {self.dir}",
                                   'logfile ""', 'save ""', "appendonly no", *self.config, ""]))
        log = open(self.dir / "redis.log", "ab")
        self.proc = subprocess.Popen([self.binary, str(conf)], stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        log.close()
        deadline = time.monotonic() + timeout
        while not raw_ping(self.port).startswith(ready if isinstance(ready, tuple) else (ready,)):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = (self.dir / "redis.log").read_text(errors="replace")[-600:]
                self.stop()
                raise RuntimeError(f"redis-server on :{self.port} did not become ready in {timeout}s: {tail}")
            time.sleep(0.05)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)

    def __enter__(self) -> "RealRedis":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Fixtures for the Redis tier's tests: simulated servers (in a thread, real sockets) and real
``redis-server`` processes on loopback ports, plus targets with short timeouts. Nothing is patched:
every test talks to a server over TCP through redis-py, exactly as the probe does in production.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from msgops.probes.redis.target import RedisTarget
from msgops.probes.secrets import Secret
from msgops.sim.redis import SimRedis
from tests.redis.real import RealRedis, require_redis_server

PASSWORD = "sim-redis-pw-5521"
QUICK = dict(connect_timeout=0.5, call_timeout=0.5, poll_interval=0.5)


def target_for(port: int, *, password: str | None = PASSWORD, db: int = 2, name: str = "pool", **kw) -> RedisTarget:
    """A target on 127.0.0.1:port with short timeouts (as the inventory would give)."""
    values = {**QUICK, **kw}
    return RedisTarget(name=name, host="127.0.0.1", port=port, db=db, password=Secret(password or ""),
                       display_url=f"redis://:***@127.0.0.1:{port}/{db}", **values)


@pytest.fixture
def sim():
    server = SimRedis(password=PASSWORD, keys={2: 5}, maxmemory=64 * 2**20).start_in_thread()
    yield server
    server.stop_in_thread()


@pytest.fixture
def sim_target(sim) -> RedisTarget:
    return target_for(sim.port)


@pytest.fixture
def real_redis(tmp_path: Path):
    """``real_redis(config_lines)`` starts a real redis-server (stopped after the test)."""
    binary = require_redis_server()
    started: list[RealRedis] = []

    def start(config: list[str] = (), *, port: int = 0, ready: tuple[bytes, ...] = (b"+PONG", b"-NOAUTH"),
              directory: Path | None = None) -> RealRedis:
        server = RealRedis(directory or tmp_path / f"redis{len(started)}", list(config), binary=binary, port=port)
        started.append(server)
        return server.start(ready=ready)

    yield start
    for server in started:
        server.stop()


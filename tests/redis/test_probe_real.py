"""The probe against a real redis-server (Debian's, started per test on a loopback port), and the
simulator put in the same state giving the same findings, word for word.

Skipped with the reason when redis-server is not installed; failed instead with
MSGOPS_LAB_REQUIRED=1 (scripts/test, CI).
"""

from __future__ import annotations

import os
import signal

import pytest

from msgops.probes.redis.assess import assess
from msgops.probes.redis.collect import RedisProbe
from msgops.sim.redis import SimRedis
from tests.redis.conftest import PASSWORD, target_for
from tests.redis.raw import RawConn, command
from tests.redis.real import free_port


CLOSED_PORT = free_port()
"""A port nothing listens on: the master of the replica scenarios (the same for both servers)."""


class Server:
    """One simulated or real Redis in a given set-up, with the same few controls."""

    def __init__(self, kind: str, real_redis, *, password: str | None = PASSWORD, users: dict | None = None,
                 maxclients: int | None = None, replica_of_closed_port: bool = False) -> None:
        self.kind = kind
        if kind == "sim":
            self.sim = SimRedis(password=password, users=users, maxclients=maxclients or 10000).start_in_thread()
            if replica_of_closed_port:
                self.sim.replica_of("127.0.0.1", CLOSED_PORT, link_up=False)
            self.port = self.sim.port
        else:
            config = [f"requirepass {password}"] if password else []
            config += [f"user {u} on >{p} ~* &* +@all" for u, p in (users or {}).items()]
            config += [f"maxclients {maxclients}"] if maxclients else []
            config += [f"replicaof 127.0.0.1 {CLOSED_PORT}"] if replica_of_closed_port else []
            self.real = real_redis(config)
            self.port = self.real.port

    def down(self) -> None:
        self.sim.down() if self.kind == "sim" else self.real.stop()

    def hang(self, hung: bool = True) -> None:
        if self.kind == "sim":
            self.sim.hang(hung)
        else:  # a stopped process: the kernel still accepts connections, nothing answers
            os.kill(self.real.proc.pid, signal.SIGSTOP if hung else signal.SIGCONT)

    def close(self) -> None:
        if self.kind == "sim":
            self.sim.stop_in_thread()
        elif self.real.proc is not None:
            self.hang(False)


async def findings_of(server: Server, *, polls: int = 1, before=None, **target) -> list[tuple[str, str]]:
    probe = RedisProbe(target_for(server.port, **target))
    try:
        if before:
            await probe.poll()
            before(server)
        for _ in range(polls):
            snapshot = await probe.poll()
    finally:
        await probe.aclose()
    return [(f.code, f.reason.replace(str(server.port), "PORT")) for f in assess(snapshot)]


SCENARIOS = {
    "no password configured": (dict(), dict(password=None), "auth_failed"),
    "wrong password": (dict(), dict(password="not-it"), "auth_failed"),
    "ACL user, wrong password": (dict(users={"zaqar": "zq-pw"}), dict(password="nope", username="zaqar"), "auth_failed"),
    "password the server does not want": (dict(password=None), dict(password="needless"), "auth_failed"),
    "stopped after the first poll": (dict(), dict(before=Server.down), "refused"),
    "hung (SIGSTOP) before connecting": (dict(), dict(before=Server.hang, polls=1), "timeout"),
    "client limit reached": (dict(maxclients=1), dict(), "maxclients"),
    "replica of a master that never answered": (dict(replica_of_closed_port=True), dict(), "master_link_down"),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_the_simulator_and_a_real_server_give_the_same_findings(scenario, real_redis):
    setup, probe_options, code = SCENARIOS[scenario]
    seen = {}
    for kind in ("real", "sim"):
        server = Server(kind, real_redis, **setup)
        holder = None
        try:
            if scenario == "client limit reached":  # someone else holds the only connection
                holder = RawConn(server.port)
                holder.call("AUTH", PASSWORD)
            options = dict(probe_options)
            if scenario.startswith("hung"):
                options["before"] = None
                server.hang()
            seen[kind] = await findings_of(server, **options)
        finally:
            if holder is not None:
                holder.close()
            server.close()
    assert seen["sim"] == seen["real"], scenario
    assert [c for c, _ in seen["real"]] == [code], seen["real"]


async def test_a_healthy_real_server(real_redis):
    real = real_redis([f"requirepass {PASSWORD}", "maxmemory 64mb"])
    with RawConn(real.port) as conn:
        conn.call("AUTH", PASSWORD)
        conn.call("SELECT", "2")
        for i in range(7):
            conn.call("SET", f"k{i}", "v")
    probe = RedisProbe(target_for(real.port))
    try:
        first = await probe.poll()
        second = await probe.poll()
    finally:
        await probe.aclose()
    assert [f.code for f in assess(second, first)] == ["healthy"]
    assert second.info.version.startswith("7.") and second.keys_in_db().keys == 7
    assert second.info.maxmemory == 64 * 2**20 and second.info.connected_clients == 1


async def test_a_real_server_at_maxmemory_with_noeviction(real_redis):
    real = real_redis(["maxmemory 3mb", "maxmemory-policy noeviction"], )
    with RawConn(real.port) as conn:
        conn.sock.sendall(b"".join(command("SET", f"key:{i}", "v" * 1024) for i in range(4000)))
        for _ in range(4000):
            conn.reply()
    probe = RedisProbe(target_for(real.port, password=None))
    try:
        snapshot = await probe.poll()
    finally:
        await probe.aclose()
    assert [f.code for f in assess(snapshot)] == ["memory_full"]


async def test_a_real_server_loading_its_dataset(real_redis, tmp_path):
    """A real RDB loaded slowly (key-load-delay): PING answers LOADING, INFO tells the progress."""
    directory = tmp_path / "loading"
    first = real_redis(["dbfilename dump.rdb"], directory=directory)
    with RawConn(first.port) as conn:
        for start in range(0, 150_000, 5000):
            conn.sock.sendall(b"".join(command("SET", f"k{i}", "v") for i in range(start, start + 5000)))
            for _ in range(5000):
                conn.reply()
        conn.call("SAVE")
    first.stop()
    slow = real_redis(["dbfilename dump.rdb", "key-load-delay 50", "loading-process-events-interval-bytes 1024"],
                      port=first.port, directory=directory, ready=(b"-LOADING",))
    probe = RedisProbe(target_for(slow.port, password=None))
    try:
        snapshot = await probe.poll()
    finally:
        await probe.aclose()
    findings = assess(snapshot)
    assert snapshot.ping_error == "LOADING Redis is loading the dataset in memory"
    assert [f.code for f in findings] == ["loading"] and "% done" in findings[0].reason

"""The Redis tier's conformance kit (tests/conformance runs it with every other tier's).

- ``sample_snapshots()``: snapshots built from INFO recorded on a real redis-server 7.0.15
  (tests/data/redis, see its README), with the finding codes each must produce;
- ``running()``: the wire-level simulator, steady, with a password, and inventory TOML for it;
- ``live_replies(sim)``: (what, recorded reply, the simulator's reply) pairs compared in shape: INFO
  section by section (every field the real server wrote, typed), HELLO 3's map, error replies.
  The strict comparisons (field order, exact error texts, a live real server) are in
  tests/redis/test_conformance.py.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from msgops.probes.redis.model import RedisSnapshot
from msgops.probes.redis.parse import parse_info, sections
from msgops.sim.redis import SimRedis
from tests.redis.raw import RawConn, decode

TIER = "redis"
DATA = Path(__file__).resolve().parents[1] / "data" / "redis"
PASSWORD = "kit-redis-pw-4471"
DYNAMIC_SECTIONS = ("errorstats", "keyspace")
"""Sections whose field *names* depend on history (which errors, which dbs): compared by format."""


def recorded_info(name: str) -> str:
    return (DATA / f"info_{name}.txt").read_text()


def sample_snapshot(name: str, *, db: int = 0, ping: float | None = 0.0003, ping_error: str | None = None,
                    taken_at: float = 1_796_200_200.0) -> RedisSnapshot:
    """A snapshot as the probe builds it, around a recorded INFO."""
    return RedisSnapshot(target="sample", address="127.0.0.1:6379", db=db, taken_at=taken_at, reachable=True,
                         ping_seconds=ping, ping_error=ping_error, info=parse_info(recorded_info(name)))


def sample_snapshots() -> list[tuple[str, Any, set[str]]]:
    loading = "LOADING Redis is loading the dataset in memory"
    return [
        ("7.0.15 master, 100M maxmemory", sample_snapshot("plain", db=2), {"healthy"}),
        ("loading its dataset", sample_snapshot("loading", ping=None, ping_error=loading), {"loading"}),
        ("replica that never reached its master", sample_snapshot("replica_link_down"), {"master_link_down"}),
        ("replica whose master went away", sample_snapshot("replica_master_gone"), {"master_link_down"}),
        ("replica in sync", sample_snapshot("replica_up"), {"healthy"}),
        ("noeviction at maxmemory", sample_snapshot("oom"), {"memory_full"}),
        ("allkeys-lru at maxmemory", sample_snapshot("evicting"), {"memory_high"}),
        ("maxclients reached", sample_snapshot("rejected"), {"maxclients"}),
    ]


@contextmanager
def running() -> Iterator[tuple[str, Any]]:
    """A steady simulator with a password and a few keys in db 2; (TOML, simulator)."""
    sim = SimRedis(password=PASSWORD, keys={2: 12}, maxmemory=100 * 2**20, maxmemory_policy="allkeys-lru")
    sim.start_in_thread()
    try:
        yield f'[redis.kit]\nurl = "{sim.url(2)}"\n', sim
    finally:
        sim.stop_in_thread()


def typed(value: str) -> Any:
    """An INFO value as a number when it reads as one (so kinds compare), else the string."""
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def info_shape(text: str) -> dict[str, dict[str, Any]]:
    return {name: {k: typed(v) for k, v in body.items()}
            for name, body in sections(text).items() if name not in DYNAMIC_SECTIONS}


def live_replies(sim: Any) -> list[tuple[str, Any, Any]]:
    recorded = json.loads((DATA / "replies.json").read_text())["replies"]

    def reply_to(scenario: str, *command: str) -> Any:
        return decode(next(r["reply"] for r in recorded if r["scenario"] == scenario
                           and r["command"] == list(command)).encode("latin-1"))

    with RawConn(sim.port) as conn:
        noauth = decode(conn.call("PING"))
        wrongpass = decode(conn.call("AUTH", "not-the-password"))
        conn.call("AUTH", PASSWORD)
        info = conn.call("INFO").partition(b"\r\n")[2].decode()
        hello = decode(conn.call("HELLO", "3"))
        unknown = decode(conn.call("NOSUCH", "a", "b"))
    return [
        ("INFO (RESP2), every section but errorstats/keyspace", info_shape(recorded_info("plain")), info_shape(info)),
        ("HELLO 3", reply_to("plain", "HELLO", "3"), hello),
        ("NOAUTH", reply_to("auth", "PING"), noauth),
        ("WRONGPASS", reply_to("auth", "AUTH", "wrong"), wrongpass),
        ("unknown command", reply_to("plain", "NOSUCH", "a", "b"), unknown),
    ]

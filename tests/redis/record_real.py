"""Record a real redis-server's replies into tests/data/redis/ (run once by hand; see its README).

    .venv/bin/python -m tests.redis.record_real [OUT_DIR]

Starts Debian's redis-server on loopback ports in six set-ups (plain; requirepass + an ACL user;
a replica whose master is gone; maxmemory with eviction and with noeviction; maxclients reached;
loading a dataset slowly) and writes, byte for byte, what it answered to each command the probe,
redis-py or the simulator's tests send. Nothing here runs in the test suite.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from tests.redis.raw import RawConn, command
from tests.redis.real import RealRedis, free_port

OUT = Path(__file__).resolve().parents[1] / "data" / "redis"


def record(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    replies: list[dict] = []

    def keep(scenario: str, conn: RawConn, *args: str | int) -> bytes:
        reply = conn.call(*args)
        replies.append({"scenario": scenario, "command": [str(a) for a in args], "reply": reply.decode("latin-1")})
        return reply

    with tempfile.TemporaryDirectory(prefix="msgops-redis-rec-") as tmp:
        root = Path(tmp)
        with RealRedis(root / "plain", ["maxmemory 100mb", "maxmemory-policy allkeys-lru"]) as r:
            with RawConn(r.port) as c:
                for args in (["HELLO", "3"], ["PING"], ["ECHO", "hi"], ["INFO", "server"], ["HELLO", "2"],
                             ["HELLO", "4"], ["CLIENT", "SETNAME", "msgops"], ["CLIENT", "SETNAME", "has space"],
                             ["CLIENT", "SETINFO", "LIB-NAME", "redis-py"], ["SELECT", "2"], ["SELECT", "99"],
                             ["SELECT", "x"], ["SET", "k", "v"], ["SELECT", "0"], ["NOSUCH", "a", "b"],
                             ["PING", "a", "b"], ["AUTH", "secret"], ["AUTH", "user", "secret"], ["CLIENT", "NOPE"],
                             ["PING", "hello"]):
                    keep("plain", c, *args)
                (out / "info_plain.txt").write_bytes(_bulk(c.call("INFO")))
                keep("plain", c, "QUIT")
            with RawConn(r.port) as c:
                keep("plain", c, "HELLO", "3")
                (out / "info_plain_resp3.resp").write_bytes(c.call("INFO"))
                keep("plain", c, "INFO", "clients", "memory")
        with RealRedis(root / "auth", ["requirepass s3cret-Pw", "user zaqar on >zq-pass ~* &* +@all"]) as r:
            with RawConn(r.port) as c:
                for args in (["PING"], ["INFO"], ["HELLO", "3"], ["CLIENT", "SETNAME", "msgops"],
                             ["CLIENT", "SETINFO", "LIB-NAME", "redis-py"], ["SELECT", "2"], ["ECHO", "x"],
                             ["AUTH", "wrong"], ["AUTH", "default", "wrong"], ["AUTH", "zaqar", "wrong"],
                             ["AUTH", "nobody", "zq-pass"], ["HELLO", "3", "AUTH", "default", "wrong"],
                             ["HELLO", "3", "AUTH", "zaqar", "zq-pass"], ["PING"], ["AUTH", "s3cret-Pw"],
                             ["HELLO", "2", "AUTH", "default", "s3cret-Pw"], ["QUIT"]):
                    keep("auth", c, *args)
        with RealRedis(root / "replica", [f"replicaof 127.0.0.1 {free_port()}"]) as r:
            time.sleep(2.2)  # a few reconnect attempts: master_link_down_since_seconds counts
            with RawConn(r.port) as c:
                (out / "info_replica_link_down.txt").write_bytes(_bulk(c.call("INFO")))
        with RealRedis(root / "master") as master:
            with RealRedis(root / "replica-up", [f"replicaof 127.0.0.1 {master.port}"]) as r:
                with RawConn(r.port) as c:
                    deadline = time.monotonic() + 10
                    while b"master_link_status:up" not in (info := _bulk(c.call("INFO"))):
                        assert time.monotonic() < deadline, "the replica did not sync within 10 s"
                        time.sleep(0.1)
                    (out / "info_replica_up.txt").write_bytes(info)
                    master.stop()
                    time.sleep(2.5)
                    (out / "info_replica_master_gone.txt").write_bytes(_bulk(c.call("INFO")))
        with RealRedis(root / "evict", ["maxmemory 3mb", "maxmemory-policy allkeys-lru"]) as r:
            with RawConn(r.port) as c:
                _fill(c, 4000, 1024)
                (out / "info_evicting.txt").write_bytes(_bulk(c.call("INFO")))
        with RealRedis(root / "oom", ["maxmemory 3mb", "maxmemory-policy noeviction"]) as r:
            with RawConn(r.port) as c:
                _fill(c, 4000, 1024)
                keep("oom", c, "SET", "one-more", "x" * 1024)  # a 1 KiB write: refused whatever the rounding
                (out / "info_oom.txt").write_bytes(_bulk(c.call("INFO")))
        with RealRedis(root / "maxclients", ["maxclients 1"]) as r:
            with RawConn(r.port) as first, RawConn(r.port) as second:
                first.call("PING")
                replies.append({"scenario": "maxclients", "command": ["PING"],
                                "reply": second.call("PING").decode("latin-1")})
                (out / "info_rejected.txt").write_bytes(_bulk(first.call("INFO")))
        loading = RealRedis(root / "loading", ["save 3600 1", "dbfilename dump.rdb"])
        with loading as r:
            with RawConn(r.port) as c:
                _fill(c, 200_000, 8, batch=5000)
                c.call("SAVE")
        slow = RealRedis(root / "loading", ["dbfilename dump.rdb", "key-load-delay 40",
                                            "loading-process-events-interval-bytes 1024"], port=loading.port)
        slow.start(ready=(b"-LOADING", b"+PONG"))
        try:
            with RawConn(slow.port) as c:
                time.sleep(1.0)
                info = _bulk(c.call("INFO"))
                assert b"loading:1" in info, "the dataset loaded too fast to record"
                (out / "info_loading.txt").write_bytes(info)
                for args in (["PING"], ["CLIENT", "SETNAME", "msgops"], ["SELECT", "2"], ["ECHO", "x"],
                             ["AUTH", "x"], ["HELLO", "3"], ["PING"]):
                    keep("loading", c, *args)
        finally:
            slow.stop()
    version = next(line for line in (out / "info_plain.txt").read_text().splitlines() if line.startswith("redis_version"))
    (out / "replies.json").write_text(json.dumps({"server": version.split(":")[1], "recorded": time.strftime("%Y-%m-%d"),
                                                  "replies": replies}, indent=1) + "\n")


def _bulk(reply: bytes) -> bytes:
    """The payload of a RESP2 bulk string reply."""
    head, _, rest = reply.partition(b"\r\n")
    assert head.startswith(b"$"), head[:80]
    return rest[: int(head[1:])]


def _fill(c: RawConn, keys: int, size: int, batch: int = 500) -> None:
    value = "v" * size
    for start in range(0, keys, batch):
        c.sock.sendall(b"".join(command("SET", f"key:{i}", value) for i in range(start, min(keys, start + batch))))
        for _ in range(start, min(keys, start + batch)):
            c.reply()


if __name__ == "__main__":
    record(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)


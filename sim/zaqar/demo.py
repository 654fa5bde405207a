"""The Zaqar part of ``msgops demo``: a simulated Zaqar (replies shaped like the real samples, held to
them by the conformance tests) with three pools, queues arriving, and a management store to read.

- pool ``catalog`` sits on the MongoDB demo's replica set (``options.published["mongodb.catalog"]``);
- pools ``pool1`` and ``pool2`` sit on the Redis demo's servers (``redis.pool1``, ``redis.pool2``).
Where those demos run, a follower thread asks the real (simulated) stores every second whether they
serve — the replica set a primary, each Redis a PING — and marks the pool's store down or up in the
simulated Zaqar: when the Redis demo's pool2 dies, Zaqar's pool2 goes unreachable at that moment and
the console names the Redis target as the cause ("pool2 storage unreachable ← redis/pool2: ...").
Without them (a demo of Zaqar alone, or a tier not yet there) plain URIs are used and pool2's store
dies on a script instead: ``incident_after`` + 5 s, for 25 s (unless ``options.steady``).

A tenant creates a queue every few seconds, placed by weight, so "queues placed" moves and a drain
(``d`` on a pool) visibly stops a pool's growth. Health is fast (seconds, not the lab's 12-18 s).
"""

from __future__ import annotations

import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

from msgops.sim.demo_options import DemoOptions

FALLBACK = {"catalog": "mongodb://127.0.0.1:27017/?replicaSet=catalog",
            "pool1": "redis://127.0.0.1:6379", "pool2": "redis://127.0.0.1:6380"}
PUBLISHED = {"catalog": "mongodb.catalog", "pool1": "redis.pool1", "pool2": "redis.pool2"}
WEIGHTS = {"catalog": 100, "pool1": 100, "pool2": 50}
DOWN_DELAY, DOWN_FOR = 5.0, 25.0
"""The scripted pool2 outage (when no Redis demo drives it): seconds after incident_after, and long."""
TENANT_EVERY = 4.0
FOLLOW_EVERY = 1.0

INVENTORY = """\
[zaqar.messaging]
endpoint = "{endpoint}"
project_id = "demo"
management_store = "{store}"
poll_interval = 3.0
health_interval = 10.0
call_timeout = 5.0
health_timeout = 15.0
"""


@contextmanager
def demo_zaqar(options: DemoOptions, *, health_seconds: float = 2.0, down_delay: float = DOWN_DELAY,
               down_for: float = DOWN_FOR) -> Iterator[tuple[str, object]]:
    """Start the simulated Zaqar and its helpers; yield (inventory TOML, the ZaqarSim); stop on exit."""
    from msgops.sim.zaqar import Timings, ZaqarSim
    from msgops.sim.zaqar.model import ZaqarModel

    with tempfile.TemporaryDirectory(prefix="msgops-zaqar-demo-") as tmp:
        model = ZaqarModel(seed=7)
        uris = {name: options.published.get(key) or FALLBACK[name] for name, key in PUBLISHED.items()}
        for name, uri in uris.items():
            model.upsert_pool(name, WEIGHTS[name], uri)
        model.add_queues(24, "demo")
        sim = ZaqarSim(model=model, project="demo", timings=Timings.fast(health_seconds),
                       catalog_db=Path(tmp) / "catalog.sqlite")
        stop = threading.Event()
        sim.start_in_thread()
        threads = []
        try:
            followed = {name: checker for name, key in PUBLISHED.items()
                        if key in options.published and (checker := store_checker(uris[name])) is not None}
            if followed:
                threads.append(_thread(lambda: follow(sim, followed, stop), "follow"))
            if "pool2" not in followed and not options.steady:
                threads.append(_thread(lambda: script_outage(sim, "pool2", options.incident_after + down_delay,
                                                             down_for, stop), "outage"))
            threads.append(_thread(lambda: tenant(sim, stop), "tenant"))
            yield INVENTORY.format(endpoint=sim.endpoint, store=sim.mirror.url), sim
        finally:
            stop.set()
            for thread in threads:
                thread.join(5)
            sim.stop_in_thread()


@contextmanager
def demo_targets(options: DemoOptions) -> Iterator[str]:
    """The tier's demo hook (``SPEC.demo``): inventory TOML for its simulated Zaqar."""
    with demo_zaqar(options) as (toml, _):
        yield toml


def _thread(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=f"msgops-zaqar-demo-{name}", daemon=True)
    thread.start()
    return thread


def store_checker(uri: str) -> Callable[[], bool] | None:
    """A function saying whether the store at ``uri`` serves now (MongoDB: a primary answers; Redis:
    PING answers, not LOADING), or None for a scheme it cannot ask."""
    scheme = uri.split("://", 1)[0].lower()
    if scheme == "mongodb":
        return _mongo_checker(uri)
    if scheme in ("redis", "rediss"):
        return _redis_checker(uri)
    return None


class _Checker:
    """``checker()`` → does the store serve now; ``close()`` lets go of its client."""

    def __init__(self, check: Callable[[], bool], close: Callable[[], None]) -> None:
        self._check, self.close = check, close

    def __call__(self) -> bool:
        try:
            return bool(self._check())
        except Exception:  # noqa: BLE001 - refused, no primary, LOADING, timeout: it does not serve
            return False


def _mongo_checker(uri: str) -> Callable[[], bool]:
    import pymongo
    from pymongo.read_preferences import Primary

    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=800, connectTimeoutMS=800, socketTimeoutMS=800)
    return _Checker(lambda: client.admin.command("ping", read_preference=Primary()), client.close)


def _redis_checker(uri: str) -> Callable[[], bool]:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    parts = urlsplit(uri)
    client = redis.Redis(host=parts.hostname or "127.0.0.1", port=parts.port or 6379,
                         password=unquote(parts.password) if parts.password else None,
                         socket_timeout=0.8, socket_connect_timeout=0.8, retry=Retry(NoBackoff(), 0))
    return _Checker(client.ping, client.close)


def follow(sim, checkers: dict[str, Callable[[], bool]], stop: threading.Event) -> None:  # noqa: ANN001
    """Mirror each followed store's liveness into the simulated Zaqar, every FOLLOW_EVERY seconds."""
    state: dict[str, bool] = {}
    try:
        while not stop.is_set():
            for pool, check in checkers.items():
                alive = check()
                if state.get(pool, True) != alive:
                    (sim.store_up if alive else sim.store_down)(pool)
                state[pool] = alive
            stop.wait(FOLLOW_EVERY)
    finally:
        for check in checkers.values():
            getattr(check, "close", lambda: None)()


def script_outage(sim, pool: str, after: float, lasting: float, stop: threading.Event) -> None:  # noqa: ANN001
    if stop.wait(after):
        return
    sim.store_down(pool)
    stop.wait(lasting)
    sim.store_up(pool)


def tenant(sim, stop: threading.Event) -> None:  # noqa: ANN001
    """A project creating queues now and then (placed by weight; all weights 0: it gets a 503)."""
    n = 0
    while not stop.wait(TENANT_EVERY):
        n += 1
        try:
            sim.model.create_queue("demo", f"tenant-{n:04d}-{int(time.time()) % 10000}")
        except Exception:  # noqa: BLE001 - NoPoolFound or a dead pool's driver: what a tenant would see
            pass

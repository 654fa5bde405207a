"""Plain-Python model of a pooled Zaqar: pools, flavors, queues, their placement, store health.

Why: the simulator's HTTP layer answers from this model, so the console's Zaqar tier can be
exercised (reweighting, dead pools, stranded queues) without a real zaqar-server. Behaviour follows
Zaqar 23 with a sqlalchemy management store, as captured in ``shared/samples/zaqar``:

* the management store holds ``Pools``, ``Flavors``, ``Queues`` (queue metadata) and
  ``Catalogue`` (queue -> pool placement, which no API shows);
* a new queue picks a pool at random by weight among pools with weight > 0 (the flavor's pools when
  ``_flavor`` is given; *all* pools otherwise, flavored ones included); none -> 503;
* reweighting never moves a queue; deleting a pool drops its Catalogue rows and strands its queues;
* each pool's store (Redis) can be down; the running server keeps one driver per pool, created on
  first use with the URI of that time (a later PATCH of the URI is ignored until ``restart``).

Thread-safe: every public method holds ``model.lock``. ``listeners`` get change events (used by the
SQLite mirror). No I/O here.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from msgops.sim.zaqar.common import (
    CAPABILITIES, RESERVED_METADATA, SCHEME_CAPABILITIES, NoPoolFound, StoreUnavailable, bad_api,
    internal, not_found, store_key)
from msgops.sim.zaqar.flavors import FlavorOps
from msgops.sim.zaqar.messages import MessageStore
from msgops.sim.zaqar.queues import QueueOps


@dataclass
class Pool:
    name: str
    uri: str
    weight: int
    flavor: str | None = None
    options: dict = field(default_factory=dict)

    def view(self, detailed: bool = False) -> dict:
        doc = {"name": self.name, "uri": self.uri, "weight": self.weight, "flavor": self.flavor}
        if detailed:
            doc["options"] = dict(self.options)
        return doc


class ZaqarModel(FlavorOps, QueueOps):
    """The truth behind one simulated Zaqar API. ``seed`` makes placement reproducible."""

    def __init__(self, seed: int | None = None, clock: Callable[[], float] = time.time):
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.pools: dict[str, Pool] = {}          # insertion order = the table's row order
        self.flavors: dict[tuple[str, str], list[int]] = {}   # (project, name) -> capabilities
        self.queues: dict[tuple[str, str], dict] = {}         # (project, name) -> metadata
        self.catalogue: dict[tuple[str, str], str] = {}       # (project, queue) -> pool
        self.down: set[str] = set()               # store keys (scheme://host:port) that are down
        self.drivers: dict[str, str] = {}         # pool -> URI its live driver connected to
        self.pins: dict[tuple[str, str], str] = {}
        self.data = MessageStore(clock)
        self.listeners: list[Callable[..., None]] = []

    def _emit(self, event: str, *args) -> None:
        for listener in list(self.listeners):
            listener(event, *args)

    # --- pools ---------------------------------------------------------------------------
    def add_pools(self, count: int, weight: int = 100, first_port: int = 6379) -> list[str]:
        """Register POOL1..POOLn on ``redis://127.0.0.1:6379``, 6380, ... (the lab's layout),
        skipping names and URIs already in use."""
        names, i = [], 0
        with self.lock:
            while len(names) < count:
                i += 1
                name, uri = f"POOL{i}", f"redis://127.0.0.1:{first_port + i - 1}"
                if name in self.pools or self._uri_owner(uri):
                    continue
                self.upsert_pool(name, weight, uri)
                names.append(name)
        return names

    def list_pools(self, marker: str | None = None, limit: int = 10,
                   detailed: bool = False) -> tuple[list[dict], str | None]:
        with self.lock:
            rows = [p for n, p in sorted(self.pools.items()) if n > (marker or "")]
            rows = rows[:limit] if limit > 0 else rows
            return [p.view(detailed) for p in rows], (rows[-1].name if rows else None)

    def get_pool(self, name: str, detailed: bool = False) -> dict:
        with self.lock:
            if name not in self.pools:
                raise not_found(f"Pool {name} does not exist")
            return self.pools[name].view(detailed)

    def uri_reachable(self, uri: str) -> bool:
        """What Zaqar's ``can_connect`` would say: a known driver scheme and a store that is up."""
        with self.lock:
            return urlsplit(uri).scheme in SCHEME_CAPABILITIES and store_key(uri) not in self.down

    def _uri_owner(self, uri: str) -> str | None:
        return next((p.name for p in self.pools.values() if p.uri == uri), None)

    def upsert_pool(self, name: str, weight: int, uri: str, flavor: str | None = None,
                    options: dict | None = None) -> None:
        """``PUT /v2/pools/{name}`` after validation: insert, or update when the insert collides
        (Zaqar's upsert). A URI owned by another pool -> 500 (sample 13)."""
        with self.lock:
            owner = self._uri_owner(uri)
            if name not in self.pools and owner is None:
                self.pools[name] = Pool(name, uri, weight, flavor, dict(options or {}))
                # A registered pool counts as served; a name registered again keeps the driver it
                # had (Zaqar caches drivers by pool name until it restarts).
                self.drivers.setdefault(name, uri)
                self._emit("pool", self.pools[name])
                return
            if name not in self.pools:
                raise internal(f"Pool {name} does not exist")
            self.update_pool(name, weight=weight, uri=uri, flavor=flavor, options=options or {})

    def update_pool(self, name: str, **fields) -> dict:
        """``PATCH``: None-valued fields are ignored; missing pool -> 404."""
        with self.lock:
            pool = self.pools.get(name)
            if pool is None:
                raise not_found(f"Pool {name} does not exist")
            fields = {k: v for k, v in fields.items() if v is not None}
            if "uri" in fields and self._uri_owner(fields["uri"]) not in (None, name):
                raise internal("(sqlite3.IntegrityError) UNIQUE constraint failed: Pools.uri")
            for key, value in fields.items():
                setattr(pool, key, dict(value) if key == "options" else value)
            self._emit("pool", pool)
            return pool.view(False)

    def delete_pool(self, name: str) -> None:
        """Always succeeds; the pool's Catalogue rows go with it (ON DELETE CASCADE), stranding
        its queues (their metadata stays in ``Queues``)."""
        with self.lock:
            if self.pools.pop(name, None) is None:
                return
            for key in [k for k, p in self.catalogue.items() if p == name]:
                del self.catalogue[key]
            self._emit("pool_deleted", name)

    def capabilities(self, uri: str) -> list[int]:
        return [CAPABILITIES[c] for c in SCHEME_CAPABILITIES.get(urlsplit(uri).scheme, ())]

    # --- stores and drivers ----------------------------------------------------------------
    def _resolve(self, target: str) -> str:
        """A pool name or a URI -> the store key."""
        pool = self.pools.get(target)
        return store_key(pool.uri if pool else target)

    def set_store(self, target: str, up: bool, empty: bool = False) -> str:
        """Mark the store of pool ``target`` (or of URI ``target``) up or down; ``empty`` wipes its
        messages (a Redis restarted without data). Returns the store key."""
        with self.lock:
            key = self._resolve(target)
            (self.down.discard if up else self.down.add)(key)
            if empty:
                self.data.wipe(key)
            self._emit("store", key, up)
            return key

    def store_up(self, uri: str) -> bool:
        with self.lock:
            return store_key(uri) not in self.down

    def restart(self) -> None:
        """zaqar-server restarted: every pool driver is built again on first use."""
        with self.lock:
            self.drivers.clear()

    def _driver(self, pool: str) -> str:
        """The URI of ``pool``'s live driver; building it fails while its store is down."""
        uri = self.drivers.get(pool)
        if uri is None:
            uri = self.pools[pool].uri
            if not self.store_up(uri):
                raise StoreUnavailable(pool, uri, cold=True)
            self.drivers[pool] = uri
        return uri

    def _alive(self, pool: str) -> str:
        uri = self._driver(pool)
        if not self.store_up(uri):
            raise StoreUnavailable(pool, uri, cold=False)
        return uri

    def ping(self) -> bool:
        """``GET /v2/ping``: every pool's store answers (no pools: True)."""
        with self.lock:
            uris = [self._driver(p) for p in sorted(self.pools)]
            return all(self.store_up(u) for u in uris)

    def health(self) -> dict:
        """The facts behind ``/v2/health``: pool -> storage reachable, in listing order."""
        with self.lock:
            uris = {p: self._driver(p) for p in sorted(self.pools)}
            return {p: self.store_up(u) for p, u in uris.items()}

    # --- placement ---------------------------------------------------------------------------
    def pin(self, project: str, queue: str, pool: str) -> None:
        """Demo/test aid: the next time ``queue`` is placed, pick ``pool`` if it is a candidate
        (weight > 0, right flavor) instead of drawing by weight."""
        with self.lock:
            self.pins[(project, queue)] = pool

    def _choose(self, key: tuple[str, str], candidates: list[Pool]) -> str | None:
        live = [p for p in candidates if p.weight > 0]
        pinned = self.pins.pop(key, None)
        if pinned in {p.name for p in live}:
            return pinned
        total = sum(p.weight for p in live)
        if not total:
            return None
        point = self.rng.uniform(0, total)
        for p in live:
            point -= p.weight
            if point <= 0:
                return p.name
        return live[-1].name

    def _register(self, project: str, queue: str, flavor: str | None) -> None:
        """Zaqar's ``Catalog.register``: keep the mapping unless the pool's flavor differs."""
        key = (project, queue)
        pool = self.catalogue.get(key)
        if pool is not None and self.pools[pool].flavor != flavor:
            del self.catalogue[key]
            self._emit("catalogue_deleted", project, queue)
        if key in self.catalogue:
            return
        if flavor is not None:
            if (project, flavor) not in self.flavors:
                raise bad_api(f"Flavor {flavor} does not exist")
            chosen = self._choose(key, [p for p in self.pools.values() if p.flavor == flavor])
        else:
            chosen = self._choose(key, list(self.pools.values()))
        if chosen is None:
            raise NoPoolFound()
        self.catalogue[key] = chosen
        self._emit("catalogue", project, queue, chosen)

    def placement(self, project: str | None = None) -> dict[str, str]:
        """``{"project/queue": pool}`` as the Catalogue table holds it."""
        with self.lock:
            return {f"{p}/{q}": pool for (p, q), pool in sorted(self.catalogue.items())
                    if project is None or p == project}

    def pool_of(self, project: str, queue: str) -> str | None:
        with self.lock:
            return self.catalogue.get((project, queue))

    @staticmethod
    def with_defaults(metadata: dict) -> dict:
        doc = dict(metadata)
        for name, value in RESERVED_METADATA:
            if not doc.get(name):
                doc[name] = value
        return doc


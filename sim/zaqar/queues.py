"""Queue and message operations of the Zaqar model (a mixin of ``ZaqarModel``).

Why: with pooling, Zaqar keeps queue *metadata* in the management store (``Queues``) and the queue's
*messages* in its pool's store, joined only by ``Catalogue``. The samples show what follows and the
console must diagnose: a queue on a dead pool still answers ``GET`` (200) but 503s on messages and
stats; a new queue may land on a dead pool (201); a queue stranded by a pool delete answers
``GET`` 200, stats all zero, and 404 on post until a ``PUT`` places it again (204).
"""

from __future__ import annotations

from msgops.sim.zaqar.common import (
    DEFAULT_MESSAGE_TTL, NoPoolFound, StoreUnavailable, internal, not_found, store_key)


class QueueOps:
    """Needs the ``ZaqarModel`` state and helpers (``_register``, ``_driver``, ``_alive``...)."""

    # --- queues (management store) --------------------------------------------------------------
    def create_queue(self, project: str, name: str, metadata: dict | None = None) -> bool:
        """``PUT /v2/queues/{name}``: place it (or keep its place), then record the metadata.
        True if created (201), False if it existed (204; its metadata is left alone)."""
        with self.lock:
            flavor = metadata.get("_flavor") if isinstance(metadata, dict) else None
            self._register(project, name, flavor)
            self._driver(self.catalogue[(project, name)])   # a cold dead pool fails here
            if (project, name) in self.queues:
                return False
            self.queues[(project, name)] = dict(metadata or {})
            self._emit("queue", project, name, self.queues[(project, name)])
            return True

    def seed_queue(self, project: str, name: str, pool: str | None = None,
                   metadata: dict | None = None) -> str:
        """Demo/test aid: create a queue on ``pool`` (None: by weight). Returns its pool."""
        with self.lock:
            if pool is not None:
                self.pin(project, name, pool)
            self.create_queue(project, name, metadata)
            return self.catalogue[(project, name)]

    def add_queues(self, count: int, project: str = "demo", prefix: str = "q") -> list[str]:
        """Demo aid: ``count`` queues ``q00``... placed by weight (pools with weight 0 get none)."""
        width = max(2, len(str(count - 1)))
        names = [f"{prefix}{i:0{width}d}" for i in range(count)]
        with self.lock:
            for name in names:
                self.create_queue(project, name, {"description": "demo"})
        return names

    def queue_get(self, project: str, name: str) -> dict:
        """``GET /v2/queues/{name}``: metadata with defaults; never looks at the pool; a queue
        that does not exist answers the defaults alone."""
        with self.lock:
            return self.with_defaults(self.queues.get((project, name), {}))

    def list_queues(self, project: str, marker: str | None = None, limit: int = 10,
                    detailed: bool = False) -> tuple[list[dict], str | None]:
        with self.lock:
            names = sorted(n for (p, n) in self.queues if p == project and n > (marker or ""))
            names = names[:limit]
            items = [{"name": n, "metadata": self.with_defaults(self.queues[(project, n)])}
                     if detailed else {"name": n} for n in names]
            return items, (names[-1] if names else None)

    def delete_queue(self, project: str, name: str) -> None:
        """Deregister first, then drop the messages (a dead store: 503, the queue is left
        unmapped), then the metadata."""
        with self.lock:
            key = (project, name)
            pool = self.catalogue.get(key)
            if pool is not None:
                uri = self._driver(pool)
                del self.catalogue[key]
                self._emit("catalogue_deleted", project, name)
                if not self.store_up(uri):
                    raise StoreUnavailable(pool, uri, cold=False)
                self.data.drop((store_key(uri), project, name))
            if self.queues.pop(key, None) is not None:
                self._emit("queue_deleted", project, name)

    # --- messages (the pool's store) ------------------------------------------------------------
    def _store_of(self, project: str, queue: str) -> tuple[str, str, str] | None:
        """The message-store key of a mapped queue (raises if its store is down); None if
        the queue is not in the catalogue."""
        pool = self.catalogue.get((project, queue))
        if pool is None:
            return None
        return (store_key(self._alive(pool)), project, queue)

    def post_messages(self, project: str, queue: str, messages: list[dict],
                      client: str) -> list[str]:
        """``POST .../messages`` (already validated; ``ttl`` may be missing). A queue unknown to
        ``Queues`` is created first (Zaqar's lazy create)."""
        with self.lock:
            meta = self.queues.get((project, queue))
            if meta is None:
                try:
                    self.create_queue(project, queue, None)
                except NoPoolFound:
                    raise internal("No pools registered") from None
                meta = {}
            ttl = meta.get("_default_message_ttl") or DEFAULT_MESSAGE_TTL
            key = self._store_of(project, queue)
            if key is None:
                raise not_found(f"Queue {queue} does not exist for project {project}")
            docs = [{"ttl": m.get("ttl", ttl), "body": m.get("body")} for m in messages]
            return self.data.post(key, docs, client)

    def list_messages(self, project: str, queue: str, client: str, marker: str | None = None,
                      limit: int = 10, echo: bool = False,
                      include_claimed: bool = False) -> tuple[list[dict], str | None]:
        with self.lock:
            if (project, queue) not in self.queues:
                return [], None
            key = self._store_of(project, queue)
            if key is None:
                return [], None
            return self.data.list(key, client, marker, limit, echo, include_claimed)

    def claim_messages(self, project: str, queue: str, ttl: int = 300, grace: int = 60,
                       limit: int = 10) -> tuple[str | None, list[dict]]:
        with self.lock:
            key = self._store_of(project, queue)
            return (None, []) if key is None else self.data.claim(key, ttl, grace, limit)

    def queue_stats(self, project: str, queue: str) -> dict:
        """Stats from the store; an unmapped queue reads as empty (sample 77)."""
        with self.lock:
            key = self._store_of(project, queue)
            if key is None:
                return {"messages": {"claimed": 0, "free": 0, "total": 0}}
            return self.data.stats(key)

"""Messages and claims kept by each simulated message store (one Redis per pool URI).

Why: the console posts canary messages, reads queue stats and claims, and the samples show what
comes back (ids, hrefs, ``age``, ``claim_id``, ``newest``/``oldest``). Messages live in the store a
queue's pool points at, keyed by the store (``scheme://host:port``), so a pool deleted and
re-registered on the same URI finds its messages again, and wiping a store (a Redis restarted
empty) loses them. Plain Python, no I/O; the caller (``ZaqarModel``) holds the lock.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Callable

Key = tuple[str, str, str]  # (store key, project, queue)


@dataclass
class Message:
    id: str
    ttl: int
    body: object
    created: float
    client: str
    claim_id: str | None = None
    claim_until: float = 0.0
    claim_count: int = 0


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class MessageStore:
    """Every store's messages. ``clock`` gives epoch seconds (tests may pass a fake)."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.queues: dict[Key, list[Message]] = {}

    def _live(self, key: Key) -> list[Message]:
        """The queue's unexpired messages, oldest first; expired claims are released."""
        now = self.clock()
        msgs = [m for m in self.queues.get(key, []) if m.created + m.ttl > now]
        for m in msgs:
            if m.claim_id and m.claim_until <= now:
                m.claim_id = None
        if msgs:
            self.queues[key] = msgs
        else:
            self.queues.pop(key, None)
        return msgs

    def _claimed(self, m: Message) -> bool:
        return m.claim_id is not None and m.claim_until > self.clock()

    def post(self, key: Key, messages: list[dict], client: str) -> list[str]:
        now = self.clock()
        new = [Message(str(uuid.uuid4()), int(m["ttl"]), m.get("body"), now, client)
               for m in messages]
        self.queues.setdefault(key, []).extend(new)
        return [m.id for m in new]

    def view(self, m: Message) -> dict:
        """A message as listings and claims show it (``href`` added by the caller)."""
        return {"id": m.id, "ttl": m.ttl, "age": int(self.clock() - m.created), "body": m.body,
                "claim_id": m.claim_id if self._claimed(m) else None}

    def list(self, key: Key, client: str, marker: str | None, limit: int, echo: bool,
             include_claimed: bool) -> tuple[list[dict], str | None]:
        msgs = self._live(key)
        if marker:
            ids = [m.id for m in msgs]
            msgs = msgs[ids.index(marker) + 1:] if marker in ids else []
        picked = [m for m in msgs if (echo or m.client != client)
                  and (include_claimed or not self._claimed(m))][:limit]
        return [self.view(m) for m in picked], (picked[-1].id if picked else None)

    def claim(self, key: Key, ttl: int, grace: int, limit: int) -> tuple[str | None, list[dict]]:
        now = self.clock()
        free = [m for m in self._live(key) if not self._claimed(m)][:limit]
        if not free:
            return None, []
        cid = str(uuid.uuid4())
        for m in free:
            m.claim_id, m.claim_until = cid, now + ttl
            # A claimed message lives at least as long as its claim plus the grace period.
            m.ttl = max(m.ttl, int(now + ttl + grace - m.created))
        return cid, [self.view(m) for m in free]

    def stats(self, key: Key) -> dict:
        msgs = self._live(key)
        claimed = sum(1 for m in msgs if self._claimed(m))
        out = {"claimed": claimed, "free": len(msgs) - claimed, "total": len(msgs)}
        if msgs:
            out["newest"], out["oldest"] = self._stat(msgs[-1]), self._stat(msgs[0])
        return {"messages": out}

    def _stat(self, m: Message) -> dict:
        return {"age": int(self.clock() - m.created), "ttl": m.ttl, "body": m.body,
                "claim_id": m.claim_id if self._claimed(m) else None,
                "claim_count": m.claim_count, "created": iso(m.created), "id": m.id}

    def drop(self, key: Key) -> None:
        self.queues.pop(key, None)

    def wipe(self, store: str) -> None:
        """The store restarted empty."""
        for key in [k for k in self.queues if k[0] == store]:
            del self.queues[key]

    def count(self, store: str | None = None) -> int:
        return sum(len(v) for k, v in self.queues.items() if store is None or k[0] == store)

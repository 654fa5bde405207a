"""Shared pieces of the Zaqar v2 simulator: API errors, timings and fixed vocabularies.

Why: the model (plain Python, no I/O) tells the HTTP layer what a real zaqar-server 23 would answer
by raising ``ApiError`` (status + Zaqar's ``{"title", "description"}`` body) or
``StoreUnavailable`` (the pool's Redis is down: the HTTP layer first waits as long as the Redis
client's retries took in the lab, then answers). Every literal here was read off the samples in
``shared/samples/zaqar`` (real Zaqar 23.0.1 with Redis pools) or Zaqar's source.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

CAPABILITIES = {"FIFO": 1, "CLAIMS": 2, "DURABILITY": 3, "AOD": 4, "HIGH_THROUGHPUT": 5}
"""zaqar.storage.Capabilities (an IntEnum): flavors store the numbers, the API shows names."""

SCHEME_CAPABILITIES = {
    "redis": ("FIFO", "CLAIMS", "AOD", "HIGH_THROUGHPUT"),
    "mongodb": ("FIFO", "CLAIMS", "DURABILITY", "AOD", "HIGH_THROUGHPUT"),
    "swift": ("DURABILITY", "CLAIMS", "AOD", "HIGH_THROUGHPUT"),
}
"""Message-store drivers a pool URI can name (anything else: ``cannot connect to ...``)."""

RESERVED_METADATA = (
    ("_max_messages_post_size", 262144), ("_default_message_ttl", 3600),
    ("_default_message_delay", 0), ("_dead_letter_queue", None),
    ("_dead_letter_queue_messages_ttl", None), ("_max_claim_count", None),
    ("_enable_encrypt_messages", False),
)
"""Defaults merged into queue metadata on GET (a falsy stored value is replaced, as Zaqar does)."""

DEFAULT_MESSAGE_TTL = 3600
MAX_PER_PAGE = 20          # max_pools/flavors/queues/messages_per_page
DEFAULT_PAGE = 10          # default limit of every listing
MIN_TTL, MAX_TTL = 60, 1209600


class ApiError(Exception):
    """An answer Zaqar gives as an error document."""

    def __init__(self, status: int, title: str, description: str | None = None):
        super().__init__(f"{status} {title}: {description}")
        self.status, self.title, self.description = status, title, description

    def body(self) -> dict:
        doc = {"title": self.title}
        if self.description is not None:
            doc["description"] = self.description
        return doc


def unavailable(what: str) -> ApiError:
    """Zaqar's HTTPServiceUnavailable: 503 with the retry sentence appended."""
    return ApiError(503, "Service temporarily unavailable",
                    f"{what} Please try again in a few seconds.")


def not_found(description: str) -> ApiError:
    return ApiError(404, "Not found", description)


def bad_body(description: str) -> ApiError:
    return ApiError(400, "Invalid request body", description)


def bad_api(description: str) -> ApiError:
    return ApiError(400, "Invalid API request", description)


def internal(description: str) -> ApiError:
    return ApiError(500, "Internal server error", description)


NOT_AUTHORIZED = ApiError(403, "Not authorized", "You are not authorized to complete this action.")
NO_POOL = unavailable("Queue could not be created.")


class NoPoolFound(ApiError):
    """Every candidate pool has weight 0, or there is no pool (sample 09, 49)."""

    def __init__(self):
        super().__init__(NO_POOL.status, NO_POOL.title, NO_POOL.description)


class StoreUnavailable(Exception):
    """A call needs ``pool`` whose store (``uri``) is down.

    ``cold``: the running server has no driver for that pool yet and cannot build one (Zaqar
    restarted while the store was down, samples 68-71): ping then fails with a 500 carrying the
    Redis client's message instead of a 503.
    """

    def __init__(self, pool: str, uri: str, cold: bool):
        super().__init__(f"store of {pool} ({uri}) is down")
        self.pool, self.uri, self.cold = pool, uri, cold

    @property
    def connect_error(self) -> str:
        parts = urlsplit(self.uri)
        return (f"Error 111 connecting to {parts.hostname or '127.0.0.1'}:{parts.port or 6379}. "
                "Connection refused.")


def store_key(uri: str) -> str:
    """The server a pool URI points at: pools on ``redis://h:p?dbid=3`` and ``redis://h:p`` share
    one Redis, so they go down together."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Timings:
    """How long the simulated server takes where the real one is slow (seconds; lab values).

    health_down: ``/v2/health`` while some pool's store is down (lab 12-17 s).
    ping_down: ``GET /v2/ping`` answering 503 while a store is down (lab ~4.9 s).
    store_down: any call that needs a dead store before its 503 (lab 3.5-4.7 s).
    probe_down: ``PUT``/``PATCH`` of a pool whose URI cannot be reached, before its 400 (lab ~4 s).
    mongo_probe: the same for a ``mongodb://`` URI without ``serverSelectionTimeoutMS`` (lab 30 s).
    max_wait: deadline of a request held by the ``hang`` fault or queued behind the one-at-a-time
    server; past it the connection is dropped unanswered.
    """

    health_down: float = 12.0
    ping_down: float = 4.5
    store_down: float = 4.0
    probe_down: float = 4.0
    mongo_probe: float = 30.0
    max_wait: float = 600.0

    @classmethod
    def fast(cls, health: float = 0.5) -> "Timings":
        """Delays for tests and demos: health takes ``health`` s, other slow calls 40 % of it."""
        short = round(health * 0.4, 3)
        return cls(health_down=health, ping_down=short, store_down=short, probe_down=short,
                    mongo_probe=health)

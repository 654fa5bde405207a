"""Typed, frozen snapshots of one Zaqar API: pools, flavors, health, placement, and how each call went.

Server-supplied names (pools, flavors, operations) are kept as sent; screens and reports pass them
through ``printable``. A pool's URI is kept twice: ``uri`` with every password masked (screens,
JSON) and ``store`` (a ``Secret``: never printed, JSON shows ``***``) for cross-tier matching.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from msgops.probes.secrets import Secret


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a call gave nothing usable: a stable ``code`` and a line an operator can act on."""

    code: str
    """``api_down``, ``api_timeout``, ``http_error``, ``bad_reply`` or one of the ``auth_*`` codes."""
    reason: str
    status: int | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """One request: what, how long, how it ended."""

    what: str
    seconds: float
    status: int | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Pool:
    name: str
    weight: int
    uri: str
    """The store URI with passwords masked."""
    flavor: str | None = None
    """None, or a flavor name ("" after its flavor was deleted: Zaqar 23 leaves that)."""
    store: Secret = field(default=Secret(""), repr=False, compare=False)
    """The URI as Zaqar has it (credentials and all), for ``dependencies``; never shown."""


@dataclass(frozen=True, slots=True)
class Flavor:
    name: str
    pools: tuple[str, ...]
    """``pool_list`` as Zaqar computes it from the pools' flavor field (may be empty)."""
    capabilities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PoolHealth:
    name: str
    storage_reachable: bool | None
    failed_operations: tuple[str, ...] = ()
    """Operations of Zaqar's health probe that failed on this pool (``post_messages``...)."""
    slowest: float | None = None
    """Seconds of its slowest probe operation."""


@dataclass(frozen=True, slots=True)
class Health:
    """One ``GET /v2/health`` that answered 200."""

    taken_at: float
    """Wall-clock time it answered."""
    seconds: float
    catalog_reachable: bool | None
    pools: tuple[PoolHealth, ...]

    def of(self, pool: str) -> PoolHealth | None:
        return next((p for p in self.pools if p.name == pool), None)


@dataclass(frozen=True, slots=True)
class HealthAttempt:
    """The latest health call that failed (timeout, 503, 403...), kept beside the last good one."""

    taken_at: float
    seconds: float
    problem: Problem


@dataclass(frozen=True, slots=True)
class Placement:
    """Queues per pool, from the management store's Catalogue table."""

    taken_at: float
    source: str
    """The store's path (for people)."""
    counts: tuple[tuple[str, int], ...] = ()
    total: int = 0
    problem: str | None = None

    def of(self, pool: str) -> int | None:
        if self.problem is not None:
            return None
        return dict(self.counts).get(pool, 0)


@dataclass(frozen=True, slots=True)
class ZaqarSnapshot:
    target: str
    taken_at: float
    endpoint: str
    """Where the API is (masked), or how it is found (the catalog)."""
    auth: str
    problem: Problem | None = None
    """What stopped this poll reaching the API at all (down, timeout, auth)."""
    ping: int | None = None
    """HTTP status of ``GET /v2/ping`` this poll (None: not asked or no answer)."""
    ping_seconds: float | None = None
    ping_detail: str | None = None
    pools: tuple[Pool, ...] | None = None
    pools_taken_at: float | None = None
    """When the pool list shown was read (older than ``taken_at`` when this poll could not)."""
    pools_problem: Problem | None = None
    flavors: tuple[Flavor, ...] | None = None
    flavors_problem: Problem | None = None
    health: Health | None = None
    """The last health call that answered (possibly from an earlier poll: see its ``taken_at``)."""
    health_failed: HealthAttempt | None = None
    """The latest health call, when it failed after ``health``."""
    health_pending: float | None = None
    """Seconds the running health call has been out (None: none running)."""
    waiting_for_health: bool = False
    """This poll skipped pools/flavors/ping: the API answers one request at a time and is busy
    with the health call (the lists shown are from before it)."""
    serial_api: bool | None = None
    """True when the API serves one request at a time (zaqar-server's own wsgiref server)."""
    placement: Placement | None = None
    """None when the inventory names no management store."""
    roles: tuple[str, ...] = ()
    """The token's roles (Keystone), for the role-missing finding."""
    calls: tuple[Call, ...] = ()
    complete: bool = True
    health_interval: float = 30.0
    health_timeout: float = 45.0

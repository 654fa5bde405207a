"""Typed, frozen snapshots of a RabbitMQ cluster as the management API and the canary saw it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One HTTP request the probe made: where, how long, and how it ended."""

    path: str
    api: str
    """The management base URL that answered (or the last one tried)."""
    seconds: float
    status: int | None
    """HTTP status, or None when nothing answered."""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class NodeView:
    """One node as some node's management API reported it."""

    name: str
    running: bool
    type: str | None = None
    partitions: tuple[str, ...] = ()
    mem_used: int | None = None
    mem_limit: int | None = None
    mem_alarm: bool | None = None
    disk_free: int | None = None
    disk_free_limit: int | None = None
    disk_free_alarm: bool | None = None
    fd_used: int | None = None
    fd_total: int | None = None
    uptime_ms: int | None = None
    net_ticktime: int | None = None
    being_drained: bool | None = None


@dataclass(frozen=True, slots=True)
class ApiView:
    """What one node's management API said about the cluster (its own view in a partition)."""

    api: str
    """Base URL of that node's management API."""
    node: str | None
    """Name of the node serving that API (from /api/overview), when it answered."""
    reachable: bool
    error: str | None = None
    nodes: tuple[NodeView, ...] = ()
    health: tuple[tuple[str, bool, str], ...] = ()
    """(check name, passed, reason) for the node-local health checks of that API's node."""
    malformed: tuple[str, ...] = ()
    """Node records this API sent that could not be read (skipped), each described in a line."""


@dataclass(frozen=True, slots=True)
class QueueInfo:
    """One queue, from the queue listing (fields absent in the listing are None)."""

    vhost: str
    name: str
    type: str = "classic"
    node: str | None = None
    state: str | None = None
    policy: str | None = None
    messages: int | None = None
    consumers: int | None = None
    mirrors: tuple[str, ...] | None = None
    """slave_nodes (3.x classic mirrored queues only)."""
    synchronised_mirrors: tuple[str, ...] | None = None
    leader: str | None = None
    members: tuple[str, ...] | None = None
    online: tuple[str, ...] | None = None

    @property
    def key(self) -> str:
        """Stable identity across refreshes: ``vhost/name`` (vhost ``/`` kept as is)."""
        return f"{self.vhost}\x00{self.name}"

    @property
    def display_name(self) -> str:
        return self.name if self.vhost == "/" else f"{self.vhost}/{self.name}"

    @property
    def is_mirrored(self) -> bool:
        return self.type == "classic" and bool(self.mirrors)

    @property
    def unsynchronised_mirrors(self) -> tuple[str, ...]:
        if not self.mirrors:
            return ()
        synced = set(self.synchronised_mirrors or ())
        return tuple(m for m in self.mirrors if m not in synced)

    @property
    def quorum_majority(self) -> int:
        return len(self.members or ()) // 2 + 1


@dataclass(frozen=True, slots=True)
class CanaryResult:
    """Publish and consume one message over AMQP 0-9-1 on one node."""

    node: str
    """host:port the canary connected to."""
    ok: bool
    rtt_seconds: float | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class QueueListing:
    """The queue list and when it was taken: it refreshes less often than node health."""

    queues: tuple[QueueInfo, ...]
    taken_at: float
    seconds: float
    api: str
    statistics: bool = True
    """False: listed with ``disable_stats`` (no message or consumer counts; mirror and quorum
    membership exact). ~1 s instead of ~9 s at 10,000 queues in the lab: one-shot commands use it."""
    side: tuple[str, ...] = ()
    """During a partition: the nodes of the side whose API gave this listing (empty otherwise)."""
    majority: bool = True
    """Whether that side holds a majority of the cluster's nodes (clients there see this state)."""
    malformed: tuple[str, ...] = ()
    """Queue records that could not be read (skipped), each described in a line."""

    @property
    def view(self) -> str:
        """Whose view this is, in words (for the pane, the report and JSON)."""
        if not self.side:
            return f"via {self.api}"
        who = "majority side" if self.majority else "side without a majority"
        return f"{who} ({', '.join(sorted(self.side))}) via {self.api}"


@dataclass(frozen=True, slots=True)
class RabbitSnapshot:
    """Everything one poll of one RabbitMQ target gathered."""

    target: str
    taken_at: float
    """time.time() when the poll finished."""
    version: str | None
    cluster_name: str | None
    views: tuple[ApiView, ...]
    """One per configured management API, in inventory order."""
    nodes: tuple[NodeView, ...]
    """Merged: each node as it reported itself when its API answered, else as others saw it."""
    queues: QueueListing | None
    """The queue state clients see: during a partition, the majority side's listing."""
    policies: tuple[dict, ...] = ()
    canaries: tuple[CanaryResult, ...] = ()
    calls: tuple[ApiCall, ...] = ()
    queue_totals: dict = field(default_factory=dict)
    object_totals: dict = field(default_factory=dict)
    error: str | None = None
    """Set when nothing at all answered."""
    canary_slow: float = 1.0
    """The target's threshold for a slow canary round trip, seconds."""
    queue_error: str | None = None
    """Set when this poll tried to list queues and failed (the older listing, if any, is kept)."""
    other_listings: tuple[QueueListing, ...] = ()
    """During a partition: each other side's own listing (a minority's losses are about that side)."""
    complete: bool = True
    """False when the cycle passed its deadline and this holds only what had answered by then."""

    @property
    def major_version(self) -> int | None:
        try:
            return int((self.version or "").split(".")[0])
        except ValueError:
            return None

"""Typed, frozen snapshots of a MongoDB replica set: each member as the set reports it, each member as
it reports itself (asked directly), the config's electability fields, the oplog window, elections.

Times are seconds since the epoch (floats), taken from the servers' own clocks where they say when
(``date``, ``optimeDate``, ``electionDate``), so lag and ages never mix msgops's clock with theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

PRIMARY, SECONDARY, RECOVERING, STARTUP, STARTUP2, UNKNOWN, ARBITER, DOWN, ROLLBACK, REMOVED = \
    1, 2, 3, 0, 5, 6, 7, 8, 9, 10
TROUBLED_STATES = {RECOVERING: "RECOVERING", ROLLBACK: "ROLLBACK", STARTUP2: "STARTUP2",
                   STARTUP: "STARTUP", UNKNOWN: "UNKNOWN", REMOVED: "REMOVED"}
"""States a member is in when it does not serve as a secondary (named in findings)."""


@dataclass(frozen=True, slots=True)
class MemberConfig:
    """One ``replSetGetConfig`` member: what decides whether it votes and can be elected."""

    id: int
    host: str
    priority: float = 1.0
    votes: int = 1
    hidden: bool = False
    arbiter: bool = False
    delay: int = 0
    """``secondaryDelaySecs`` (``slaveDelay`` before 5.0)."""


@dataclass(frozen=True, slots=True)
class MemberStatus:
    """One ``replSetGetStatus`` ``members[]`` entry, as the member that answered reported it."""

    id: int
    name: str
    health: float | None
    state: int
    state_str: str
    uptime: int | None = None
    optime: tuple[int, int] | None = None
    """``optime.ts`` as (seconds, increment); None when unknown (an unreachable member's zero optime)."""
    optime_term: int | None = None
    optime_date: float | None = None
    last_heartbeat: float | None = None
    last_heartbeat_recv: float | None = None
    heartbeat_message: str = ""
    ping_ms: int | None = None
    sync_source: str = ""
    info_message: str = ""
    election_date: float | None = None
    config_version: int | None = None
    is_self: bool = False


@dataclass(frozen=True, slots=True)
class SetStatus:
    """One member's ``replSetGetStatus``: its view of the whole set."""

    reporter: str
    """The member that answered (its own ``members[]`` name)."""
    set_name: str
    date: float | None
    """The reporter's clock when it answered (None when the reply has no ``date``)."""
    my_state: int
    term: int | None
    majority: int | None
    """``majorityVoteCount``."""
    voting_members: int | None
    members: tuple[MemberStatus, ...]
    election_reason: str | None = None
    """``electionCandidateMetrics.lastElectionReason`` (on a primary)."""
    election_date: float | None = None
    election_term: int | None = None


@dataclass(frozen=True, slots=True)
class MemberProbe:
    """What asking one member directly (``directConnection``) gave: how it sees itself."""

    host: str
    reachable: bool
    error: str | None = None
    error_kind: str | None = None
    """``refused``, ``timeout``, ``auth``, ``tls``, ``not_authorized``, ``not_replset`` (code 76),
    ``not_initialised`` (94) or ``error``."""
    seconds: float | None = None
    """Round trip of its ``hello``."""
    set_name: str | None = None
    is_primary: bool = False
    election_id: str | None = None
    status: SetStatus | None = None
    version: str | None = None
    connections: int | None = None
    uptime: float | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """A member that says it is PRIMARY (asked directly, or as its own view reports itself)."""

    host: str
    term: int | None
    election_date: float | None


@dataclass(frozen=True, slots=True)
class Member:
    """One member as the pane shows it: the set's view, its own view, its config, its lag."""

    id: int
    host: str
    state: int
    state_str: str
    """As the set sees it (the reporter's ``members[]``)."""
    health: float | None
    own_state: str | None = None
    """As the member says itself when asked directly (None: not reached)."""
    reachable: bool | None = None
    """Whether msgops reached it directly (None: not asked, e.g. recorded samples)."""
    error: str | None = None
    error_kind: str | None = None
    uptime: int | None = None
    optime_date: float | None = None
    optime_age: float | None = None
    """Reporter's clock minus the member's optimeDate."""
    lag: float | None = None
    """Seconds behind the primary's optime (behind the newest member's when there is no primary)."""
    ping_ms: int | None = None
    sync_source: str = ""
    last_heartbeat: float | None = None
    last_heartbeat_recv: float | None = None
    heartbeat_message: str = ""
    info_message: str = ""
    election_date: float | None = None
    priority: float | None = None
    votes: int | None = None
    hidden: bool = False
    arbiter: bool = False
    delay: int = 0
    version: str | None = None
    connections: int | None = None
    state_since: float | None = None
    """When msgops first saw it in its current state (its first poll at the latest)."""
    lag_history: tuple[float, ...] = ()
    """Its lag at each recent poll, oldest first (for the sparkline)."""

    @property
    def healthy(self) -> bool:
        return self.health == 1 and self.state not in (DOWN, REMOVED)

    @property
    def voting(self) -> bool:
        return (self.votes or 0) > 0


@dataclass(frozen=True, slots=True)
class OplogWindow:
    """First and last entries of ``local.oplog.rs`` on one member (their ``ts`` seconds)."""

    host: str
    first: float
    last: float

    @property
    def seconds(self) -> float:
        return max(0.0, self.last - self.first)


@dataclass(frozen=True, slots=True)
class Election:
    """The current primary's election, as its own replSetGetStatus says."""

    term: int | None
    primary: str
    date: float | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """One command msgops sent: to whom, how long, how it ended."""

    what: str
    host: str
    seconds: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The target's thresholds, carried with the snapshot so assessment stays a pure function."""

    lag_warn: float = 10.0
    lag_crit: float = 60.0
    headroom_warn: float = 3600.0
    catch_up: float = 10.0
    """replSetStepDown's default secondaryCatchUpPeriodSecs: how far behind a secondary may be and
    still take over in a failover."""


@dataclass(frozen=True, slots=True)
class MongoSnapshot:
    """Everything one poll of one MongoDB target gathered."""

    target: str
    taken_at: float
    expected_set: str | None
    """The URI's ``replicaSet``."""
    set_name: str | None
    mode: str
    """``replset``; ``standalone`` (code 76); ``uninitialised`` (94); ``unknown`` (nothing answered)."""
    members: tuple[Member, ...] = ()
    reporter: str | None = None
    """Whose replSetGetStatus the members' states come from (the primary with the highest term)."""
    claims: tuple[Claim, ...] = ()
    """Every member claiming PRIMARY; two or more is a split."""
    primary: str | None = None
    """The primary clients follow (the highest term among the claims)."""
    term: int | None = None
    majority: int | None = None
    election: Election | None = None
    oplog: OplogWindow | None = None
    oplog_error: str | None = None
    config_version: int | None = None
    election_timeout: float | None = None
    """``settings.electionTimeoutMillis`` of the config, in seconds."""
    version: str | None = None
    probes: tuple[MemberProbe, ...] = ()
    calls: tuple[Call, ...] = ()
    error: str | None = None
    """Set when no member answered."""
    error_kind: str | None = None
    thresholds: Thresholds = Thresholds()
    former: Claim | None = None
    """The primary this probe saw before the current one (host and term), when it saw one."""
    watching_since: float | None = None
    """When this probe first polled the set: a state first seen then may be older."""
    complete: bool = True
    """False when the cycle passed its deadline and this holds only what had answered by then."""

    @property
    def date(self) -> float:
        """The reporter's clock (else msgops's) at this poll."""
        probe = next((p for p in self.probes if p.status and p.status.reporter == self.reporter), None)
        return probe.status.date if probe and probe.status and probe.status.date else self.taken_at

    def member(self, host: str) -> Member | None:
        return next((m for m in self.members if m.host == host), None)

    @property
    def worst_lag(self) -> float | None:
        lags = [m.lag for m in self.members if m.lag is not None and m.state == SECONDARY and m.healthy]
        return max(lags) if lags else None

    @property
    def headroom(self) -> float | None:
        """Oplog window minus the worst lag of a healthy secondary (seconds)."""
        if self.oplog is None:
            return None
        return self.oplog.seconds - (self.worst_lag or 0.0)

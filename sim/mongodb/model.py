"""``ReplicaSetModel``: the shared, I/O-free state of a simulated replica set.

Why: every member's server answers from one model, so ``hello``, ``replSetGetStatus`` and the
faults a test injects always agree. Time comes from an injectable clock; ``tick(now)`` (see
``election.py``) moves optimes and runs elections. All methods take ``lock`` so a test thread and
the event loop can both call them. Members are addressed by ``_id`` (0, 1, …) or ``"host:port"``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from bson.objectid import ObjectId

STARTUP, PRIMARY, SECONDARY, RECOVERING, STARTUP2, UNKNOWN, ARBITER, DOWN, ROLLBACK = \
    0, 1, 2, 3, 5, 6, 7, 8, 9
STATE_STR = {STARTUP: "STARTUP", PRIMARY: "PRIMARY", SECONDARY: "SECONDARY",
             RECOVERING: "RECOVERING", STARTUP2: "STARTUP2", UNKNOWN: "UNKNOWN",
             ARBITER: "ARBITER", DOWN: "(not reachable/healthy)", ROLLBACK: "ROLLBACK"}
MODES = ("replset", "standalone", "uninitialised")


@dataclass(frozen=True, order=True)
class OpTime:
    """An oplog position: ``ts`` = Timestamp(secs, inc), ``t`` = term, plus the wall time."""

    secs: int
    inc: int
    term: int
    wall: float = field(compare=False)


ZERO = OpTime(0, 0, -1, 0.0)


@dataclass
class Timing:
    """Seconds the model waits before things happen. Real defaults; tests shrink them."""

    heartbeat_interval: float = 2.0
    """A down member (connection refused) is seen as down after this long."""
    heartbeat_timeout: float = 10.0
    """A hung or cut-off member is seen as down after this long (heartbeatTimeoutSecs)."""
    election_timeout: float = 10.0
    """Without a visible primary, an electable member stands for election after this long."""
    step_up_delay: float = 0.2
    """After a step-down, the caught-up secondary becomes primary after this long."""
    write_interval: float = 1.0
    """The primary's optime advances this often (the "writes clock")."""
    initial_sync: float = 2.0
    """A resynced member stays STARTUP2 this long."""


@dataclass
class Member:
    """One member's configuration and its simulated process state."""

    id: int
    host: str
    priority: float = 1.0
    votes: int = 1
    hidden: bool = False
    arbiter: bool = False
    secondary_delay: int = 0
    tags: dict = field(default_factory=dict)
    state: int = SECONDARY
    term: int = 0
    optime: OpTime = ZERO
    running: bool = True
    hung: bool = False
    reply_delay: float = 0.0
    lag: float = 0.0
    maintenance: bool = False
    stale: bool = False
    started_at: float = 0.0
    down_since: float | None = None
    hung_since: float | None = None
    last_heard: float = 0.0
    frozen_until: float = 0.0
    step_down_until: float = 0.0
    startup2_until: float = 0.0
    no_primary_since: float | None = None
    election: dict | None = None
    vote: dict | None = None

    @property
    def data_bearing(self) -> bool:
        return not self.arbiter

    @property
    def responsive(self) -> bool:
        return self.running and not self.hung


class ReplicaSetModel:
    """The set: members, term, config, elections, oplog window, user data and faults."""

    def __init__(self, name: str, hosts: list[str], *, clock=time.time, version: str = "7.0.14",
                 timing: Timing | None = None, oplog_window: float = 24 * 3600.0,
                 mode: str = "replset", priorities: list[float] | None = None,
                 hidden: set[int] | None = None, arbiters: set[int] | None = None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.name, self.version, self.mode = name, version, mode
        self.clock = clock
        self.timing = timing or Timing()
        self.oplog_window = oplog_window
        self.lock = threading.RLock()
        self.members = [Member(i, h) for i, h in enumerate(hosts)]
        for i, p in enumerate(priorities or []):
            self.members[i].priority = float(p)
        for i in hidden or ():
            self.members[i].hidden, self.members[i].priority = True, 0.0
        for i in arbiters or ():
            self.members[i].arbiter, self.members[i].state = True, ARBITER
            self.members[i].priority = 0.0
        self.config_version, self.config_term = 1, 1
        self.replica_set_id = ObjectId()
        self.cuts: dict[frozenset, float] = {}
        self.hold_split = False
        self.elections: list[dict] = []
        self.terms: list[tuple[float, int]] = []
        self.data: dict[str, list[tuple[OpTime, dict]]] = {}
        self.pending_step_up: tuple[int, float, str] | None = None
        self.commit_points: dict[int, OpTime] = {}
        self.listeners: list = []
        now = clock()
        self.created = now - oplog_window - 60.0
        self.term = 0
        for m in self.members:
            m.started_at, m.last_heard = self.created, now
        if mode == "replset":
            first = next((m for m in self.members if m.priority > 0 and not m.arbiter), None)
            if first is not None:
                from msgops.sim.mongodb.election import elect  # late: election imports model
                elect(self, first, self.created + 5.0, "electionTimeout", initial=True)
                for m in self.members:
                    if m.data_bearing:
                        m.optime = OpTime(int(now), 1, self.term, now)

    # --- lookup ------------------------------------------------------------------------
    def member(self, ref) -> Member:
        """A member by ``_id`` (int), ``"host:port"`` or the Member itself."""
        if isinstance(ref, Member):
            return ref
        for m in self.members:
            if ref == m.id or ref == m.host:
                return m
        raise KeyError(f"no member {ref!r} in set {self.name}")

    @property
    def voters(self) -> list[Member]:
        return [m for m in self.members if m.votes > 0]

    @property
    def majority(self) -> int:
        return len(self.voters) // 2 + 1

    def primaries(self) -> list[Member]:
        return [m for m in self.members if m.state == PRIMARY and m.running]

    def election_id(self, term: int) -> ObjectId:
        """What a real primary reports: 0x7fffffff followed by the term as 8 bytes."""
        return ObjectId(f"7fffffff{term:016x}")

    def term_at(self, when: float) -> int:
        term = self.terms[0][1] if self.terms else 1
        for start, t in self.terms:
            if start <= when:
                term = t
        return term

    # --- who sees whom ------------------------------------------------------------------
    def unreachable_cause(self, viewer: Member, other: Member) -> tuple[str, float] | None:
        """Why ``viewer`` cannot reach ``other`` and since when: refused, timeout or None."""
        if not other.running:
            return "refused", other.down_since or 0.0
        if other.hung:
            return "timeout", other.hung_since or 0.0
        since = self.cuts.get(frozenset((viewer.id, other.id)))
        if since is not None:
            return "timeout", since
        return None

    def sees(self, viewer: Member, other: Member, now: float) -> bool:
        """True while ``viewer`` still believes ``other`` is up (heartbeats lag reality)."""
        if viewer is other:
            return viewer.responsive
        cause = self.unreachable_cause(viewer, other)
        if cause is None:
            return True
        delay = (self.timing.heartbeat_interval if cause[0] == "refused"
                 else self.timing.heartbeat_timeout)
        return now < cause[1] + delay

    def visible_primary(self, viewer: Member, now: float) -> Member | None:
        """The primary ``viewer`` follows: itself, else the highest-term primary it sees."""
        if viewer.state == PRIMARY:
            return viewer
        seen = [m for m in self.members if m.state == PRIMARY and m is not viewer
                and m.running and self.sees(viewer, m, now)]
        return max(seen, key=lambda m: m.term, default=None)

    # --- data ----------------------------------------------------------------------------
    def insert(self, primary: Member, ns: str, docs: list[dict], now: float) -> OpTime:
        """Apply an insert on ``primary``; returns the new optime (raises KeyError on dup _id)."""
        coll = self.data.setdefault(ns, [])
        ids = {repr(d.get("_id")) for _, d in coll}
        for d in docs:
            if repr(d.get("_id")) in ids:
                raise KeyError(d.get("_id"))
        last = primary.optime
        for d in docs:
            secs = int(now)
            inc = last.inc + 1 if last.secs == secs else 1
            last = OpTime(secs, inc, primary.term, now)
            coll.append((last, d))
        primary.optime = last
        return last

    def visible_docs(self, member: Member, ns: str) -> list[dict]:
        return [d for op, d in self.data.get(ns, []) if op <= member.optime or
                member.state == PRIMARY]

    def notify(self, event: str, member: Member | None = None) -> None:
        for fn in list(self.listeners):
            fn(event, member)

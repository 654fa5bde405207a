"""The plain model with a fake clock (no sockets): the writes clock, lag and staleness,
elections after the election timeout, the heartbeat delay before a member is seen down."""

from __future__ import annotations

from msgops.sim.mongodb import PRIMARY, RECOVERING, SECONDARY, ReplicaSetModel, Timing
from msgops.sim.mongodb.election import tick


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def make(clock: Clock, **kw) -> ReplicaSetModel:
    return ReplicaSetModel("rs", ["h:1", "h:2", "h:3"], clock=clock, **kw)


def test_primary_optime_advances_and_secondaries_follow_unless_lagging():
    clock = Clock()
    model = make(clock)
    p, s1, s2 = model.members
    assert p.state == PRIMARY and p.term == 1
    s2.lag = 5
    for _ in range(10):
        clock.now += 1
        tick(model, clock.now)
    assert p.optime.secs == int(clock.now)
    assert s1.optime.secs == p.optime.secs
    assert p.optime.secs - s2.optime.secs == 5


def test_member_seen_down_only_after_a_heartbeat():
    clock = Clock()
    model = make(clock, timing=Timing(heartbeat_interval=2.0))
    p, s1, _ = model.members
    s1.running, s1.down_since = False, clock.now
    assert model.sees(p, s1, clock.now + 1.9)
    assert not model.sees(p, s1, clock.now + 2.1)


def test_election_after_the_timeout_with_a_higher_term():
    clock = Clock()
    model = make(clock, timing=Timing(heartbeat_interval=1.0, election_timeout=5.0))
    p, s1, s2 = model.members
    p.running, p.down_since = False, clock.now
    for _ in range(50):
        clock.now += 0.25
        tick(model, clock.now)
        if model.primaries():
            break
    winner = model.primaries()[0]
    assert winner in (s1, s2) and winner.term == 2
    assert 5.0 <= clock.now - p.down_since <= 7.0  # detection + election timeout
    assert [e["term"] for e in model.elections] == [1, 2]
    assert model.election_id(2) > model.election_id(1)


def test_lag_past_the_oplog_window_makes_a_member_stale():
    clock = Clock()
    model = make(clock, oplog_window=60.0)
    _p, s1, _s2 = model.members
    s1.lag = 61.0
    clock.now += 1
    tick(model, clock.now)
    assert s1.stale and s1.state == RECOVERING
    s1.lag, s1.stale = 0.0, False
    tick(model, clock.now)
    assert s1.state == SECONDARY


def test_minority_primary_steps_down():
    clock = Clock()
    model = make(clock, timing=Timing(heartbeat_interval=1.0))
    p, s1, s2 = model.members
    for s in (s1, s2):
        s.running, s.down_since = False, clock.now
    clock.now += 1.5
    tick(model, clock.now)
    assert p.state == SECONDARY and not model.primaries()

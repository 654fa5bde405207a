"""Time steps of the model: the writes clock, replication (lag, staleness) and elections.

Why: a real set changes on its own (the primary's optime moves every write, secondaries follow,
a lost primary is replaced after the election timeout, a minority primary steps down). ``tick``
reproduces that in one pass so every reply computed after it is consistent.
"""

from __future__ import annotations

from msgops.sim.mongodb.model import (PRIMARY, RECOVERING, SECONDARY, STARTUP2, Member, OpTime,
                                      ReplicaSetModel)


def electable(model: ReplicaSetModel, m: Member, now: float) -> bool:
    """Could ``m`` become primary now (ignoring who can see it)?"""
    return (m.responsive and m.state == SECONDARY and m.priority > 0 and m.votes > 0
            and not m.hidden and not m.arbiter and m.secondary_delay == 0 and not m.stale
            and not m.maintenance and now >= m.frozen_until and now >= m.step_down_until)


def caught_up_electable(model: ReplicaSetModel, primary: Member, now: float) -> Member | None:
    """A secondary the primary sees that is electable and has the primary's last optime."""
    found = [m for m in model.members if m is not primary and electable(model, m, now)
             and model.sees(primary, m, now) and (m.optime.secs, m.optime.inc)
             >= (primary.optime.secs, primary.optime.inc)]
    return max(found, key=lambda m: (m.priority, -m.id), default=None)


def optime_at(model: ReplicaSetModel, source: Member, when: float) -> OpTime:
    """The source's oplog position at wall time ``when`` (one write a second)."""
    if when >= source.optime.wall:
        return source.optime
    return OpTime(int(when), 1, model.term_at(when), float(int(when)))


def elect(model: ReplicaSetModel, m: Member, now: float, reason: str, initial: bool = False):
    """``m`` wins an election: a new term, a new electionId, votes recorded on its voters."""
    voters = [v for v in model.members if v.votes > 0 and (v is m or initial or
              (v.responsive and model.sees(m, v, now) and model.sees(v, m, now)))]
    term = max([model.term] + [v.term for v in voters]) + 1
    seen_op = m.optime
    model.term = max(model.term, term)
    model.terms.append((now, term))
    m.state, m.term, m.no_primary_since = PRIMARY, term, None
    m.election = {"term": term, "date": now, "reason": reason, "seen_optime": seen_op,
                  "priority": m.priority, "votes_needed": model.majority}
    m.optime = OpTime(int(now), 1, term, now)
    for v in voters:
        v.term = max(v.term, term)
        if v is not m:
            v.vote = {"term": term, "date": now, "candidate": m.id, "priority": v.priority,
                      "applied": v.optime}
            if v.state == PRIMARY:
                v.state = SECONDARY
                v.election = None
    model.elections.append({"term": term, "member": m.id, "host": m.host, "date": now,
                            "reason": reason, "electionId": model.election_id(term)})
    model.notify("elected", m)


def step_down(model: ReplicaSetModel, p: Member, now: float, seconds: float,
              successor: Member | None) -> None:
    """``p`` becomes SECONDARY, unelectable for ``seconds``; ``successor`` is asked to step up."""
    p.state, p.election = SECONDARY, None
    p.step_down_until = now + seconds
    p.no_primary_since = now
    if successor is not None:
        model.pending_step_up = (successor.id, now + model.timing.step_up_delay,
                                 "stepUpRequestSkipDryRun")
    model.notify("stepped_down", p)


def tick(model: ReplicaSetModel, now: float) -> None:
    """Advance the set to ``now``."""
    with model.lock:
        if model.mode != "replset":
            return
        _writes(model, now)
        _replicate(model, now)
        _step_ups(model, now)
        _step_downs(model, now)
        _elections(model, now)


def _writes(model, now):
    for p in model.members:
        due = now - p.optime.wall >= model.timing.write_interval
        if p.state == PRIMARY and p.responsive and due:
            p.optime = OpTime(int(now), 1, p.term, now)


def _replicate(model, now):
    for m in model.members:
        if m.arbiter or not m.responsive or m.state == PRIMARY:
            continue
        if m.state == STARTUP2 and now >= m.startup2_until:
            m.state = SECONDARY
        src = model.visible_primary(m, now)
        if src is not None and src.responsive and model.sees(src, m, now):
            m.term = max(m.term, src.term)
            behind = m.lag + m.secondary_delay
            if m.lag > model.oplog_window:
                m.stale = True
            if not m.stale and m.state != STARTUP2:
                target = optime_at(model, src, now - behind)
                if (target.secs, target.inc) > (m.optime.secs, m.optime.inc):
                    m.optime = target
        if m.state != STARTUP2:
            m.state = RECOVERING if (m.stale or m.maintenance) else SECONDARY
        m.last_heard = now


def _step_ups(model, now):
    if model.pending_step_up is None or now < model.pending_step_up[1]:
        return
    member_id, _at, reason = model.pending_step_up
    model.pending_step_up = None
    m = model.member(member_id)
    if electable(model, m, now) and _has_majority(model, m, now):
        elect(model, m, now, reason)


def _has_majority(model, m, now) -> bool:
    reach = [v for v in model.voters if v is m or (v.responsive and model.sees(m, v, now))]
    return sum(v.votes for v in reach) >= model.majority


def _step_downs(model, now):
    for p in model.primaries():
        if not p.responsive:
            continue
        newer = [q for q in model.primaries() if q is not p and q.term > p.term
                 and model.sees(p, q, now)]
        if newer or (not model.hold_split and not _has_majority(model, p, now)):
            p.state, p.election = SECONDARY, None
            p.no_primary_since = now
            model.notify("stepped_down", p)


def _elections(model, now):
    candidates = []
    for m in model.members:
        if not m.responsive or m.arbiter:
            continue
        if model.visible_primary(m, now) is not None:
            m.no_primary_since = None
            continue
        if m.no_primary_since is None:
            m.no_primary_since = now
        if (electable(model, m, now) and now - m.no_primary_since >= model.timing.election_timeout
                and _has_majority(model, m, now)):
            candidates.append(m)
    if candidates:
        best = max(candidates, key=lambda m: (m.priority, m.optime.secs, m.optime.inc, -m.id))
        elect(model, best, now, "electionTimeout")

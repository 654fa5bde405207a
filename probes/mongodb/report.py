"""The MongoDB lines of ``msgops status`` (above the findings): set, primary, members, oplog, election.
Plain strings; the headless writer makes them terminal-safe and scrubs them."""

from __future__ import annotations

from msgops.probes.mongodb.fmt import ago, span, stamp
from msgops.probes.mongodb.model import MongoSnapshot
from msgops.probes.mongodb.target import MongoTarget


def report(target: MongoTarget, snap: MongoSnapshot | None, seconds: float | None) -> list[str]:
    if snap is None:
        return []
    took = "" if seconds is None else f"  poll {seconds:.2f}s"
    if snap.mode != "replset":
        return [f"MongoDB {snap.version or '?'}  {snap.mode}{took}"]
    primary = f"primary {snap.primary} (term {snap.term})" if snap.primary else "NO PRIMARY"
    lines = [f"MongoDB {snap.version or '?'}  replica set {snap.set_name or '?'}  {primary}  "
             f"view of {snap.reporter or '?'}{took}"]
    for m in snap.members:
        lag = "-" if m.lag is None else span(m.lag)
        own = f"  (itself: {m.own_state})" if m.own_state and m.own_state != m.state_str else ""
        reach = "" if m.reachable is not False else f"  msgops: {m.error}"
        votes = "" if m.votes is None else f"  prio {m.priority:g} votes {m.votes}" + (" hidden" if m.hidden else "")
        lines.append(f"member {m.host:<24} {m.state_str:<10} lag {lag:<7} sync {m.sync_source or '-'}{votes}{own}{reach}")
    if snap.oplog is not None:
        head = snap.headroom
        lines.append(f"oplog window {span(snap.oplog.seconds)} on {snap.oplog.host}, "
                     f"headroom {span(head) if head is not None else '?'}")
    if snap.election is not None:
        e = snap.election
        reason = f", reason {e.reason}" if e.reason else ""
        lines.append(f"election term {e.term} {stamp(e.date)} ({ago(snap.date, e.date)}), {e.primary}{reason}")
    return lines

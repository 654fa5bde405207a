"""From what each member said (asked directly) to one picture of the set: a pure function.

Whose view counts: the states and lags come from the ``replSetGetStatus`` of the primary with the
highest term (the one clients follow); without a primary, from the member that sees the most healthy
members. Each member's own answer is kept beside it: during a split the old primary is DOWN in the
set's view and PRIMARY in its own, and both are shown. Used by the probe and by the tests' recorded
samples alike.
"""

from __future__ import annotations

from typing import Iterable

from msgops.probes.mongodb.model import (ARBITER, DOWN, PRIMARY, UNKNOWN, Claim, Election, Member,
                                         MemberConfig, MemberProbe, MemberStatus, MongoSnapshot,
                                         OplogWindow, SetStatus, Thresholds)


def choose_reporter(probes: Iterable[MemberProbe]) -> MemberProbe | None:
    """The member whose view of the set to show (see the module docstring)."""
    viewed = [p for p in probes if p.reachable and p.status is not None]
    primaries = [p for p in viewed if p.status.my_state == PRIMARY]
    if primaries:
        return max(primaries, key=lambda p: p.status.term or -1)
    return max(viewed, key=lambda p: (sum(m.health == 1 for m in p.status.members), p.status.term or -1),
               default=None)


def claims(probes: Iterable[MemberProbe]) -> tuple[Claim, ...]:
    """Every member claiming PRIMARY: in its own words when it answered, else as a view reports it."""
    found: dict[str, Claim] = {}
    answered = {p.host for p in probes if p.reachable}
    for p in probes:
        if p.status is not None and p.status.my_state == PRIMARY:
            me = _self(p.status)
            host = me.name if me else p.host
            found[host] = Claim(host, p.status.term, me.election_date if me else None)
    for p in probes:
        for entry in p.status.members if p.status else ():
            if entry.state == PRIMARY and entry.health == 1 and entry.name not in answered | set(found):
                found[entry.name] = Claim(entry.name, None, entry.election_date)
    return tuple(sorted(found.values(), key=lambda c: (c.term or -1, c.host), reverse=True))


def _self(status: SetStatus) -> MemberStatus | None:
    return next((m for m in status.members if m.is_self), None)


def merge(target: str, expected_set: str | None, probes: list[MemberProbe], *, configs: tuple[MemberConfig, ...] = (),
          config_version: int | None = None, election_timeout: float | None = None,
          oplog: OplogWindow | None = None, oplog_error: str | None = None, thresholds: Thresholds = Thresholds(),
          taken_at: float, complete: bool = True, asked: Iterable[str] | None = None) -> MongoSnapshot:
    """One snapshot from every member's own answer (``probes``; hosts not asked are simply absent)."""
    by_host = {p.host: p for p in probes}
    reporter = choose_reporter(probes)
    view = reporter.status if reporter else None
    claimed = claims(probes)
    primary = claimed[0].host if claimed else None
    members = _members(by_host, view, configs, primary, asked)
    primary_probe = next((p for p in probes if p.status and _self(p.status) and _self(p.status).name == primary), None)
    election = None
    if primary_probe is not None:
        status, me = primary_probe.status, _self(primary_probe.status)
        election = Election(status.election_term or status.term, primary,
                            status.election_date or (me.election_date if me else None), status.election_reason)
    elif primary is not None:  # only seen in another member's view
        election = Election(claimed[0].term, primary, claimed[0].election_date)
    kinds = {p.error_kind for p in probes}
    mode = ("replset" if any(p.status for p in probes) else "standalone" if "not_replset" in kinds
            else "uninitialised" if "not_initialised" in kinds else "unknown")
    reachable = [p for p in probes if p.reachable]
    error = kind = None
    if not reachable and probes:
        error = "no member answered: " + "; ".join(p.error or p.host for p in probes)
        # Named when any member says so: a wrong password or an untrusted certificate is the cause to fix.
        kind = next((k for k in ("auth", "tls") if k in kinds), next(iter(kinds)) if len(kinds) == 1 else "unreachable")
    version = next((p.version for p in sorted(probes, key=lambda p: p.host != primary) if p.version), None)
    return MongoSnapshot(
        target=target, taken_at=taken_at, expected_set=expected_set,
        set_name=(view.set_name if view else None) or next((p.set_name for p in probes if p.set_name), None),
        mode=mode, members=members, reporter=view.reporter if view else None, claims=claimed, primary=primary,
        term=max((p.status.term for p in probes if p.status and p.status.term is not None), default=None),
        majority=view.majority if view else None, election=election, oplog=oplog, oplog_error=oplog_error,
        config_version=config_version, election_timeout=election_timeout, version=version,
        probes=tuple(probes), error=error, error_kind=kind, thresholds=thresholds, complete=complete,
    )


def _members(by_host: dict[str, MemberProbe], view: SetStatus | None, configs: tuple[MemberConfig, ...],
             primary: str | None, asked: Iterable[str] | None) -> tuple[Member, ...]:
    seen = {m.name: m for m in view.members} if view else {}
    config = {c.host: c for c in configs}
    ids: dict[str, int] = {c.host: c.id for c in configs}
    for m in seen.values():
        ids.setdefault(m.name, m.id)
    hosts = sorted(ids, key=lambda h: ids[h]) + [h for h in (asked or by_host) if h not in ids]
    own = {h: _self(p.status) for h, p in by_host.items() if p.status is not None}
    reference = _reference_optime(seen, own, primary)
    date = view.date if view else None
    out = []
    for host in dict.fromkeys(hosts):
        entry, mine, probe, cfg = seen.get(host), own.get(host), by_host.get(host), config.get(host)
        if entry is not None:
            state, state_str, health = entry.state, entry.state_str, entry.health
        elif mine is not None:
            state, state_str, health = mine.state, mine.state_str, 1.0
        elif probe is not None and not probe.reachable:
            state, state_str, health = DOWN, "(not reachable/healthy)", 0.0
        else:
            state, state_str, health = UNKNOWN, "UNKNOWN", None
        known = entry if entry is not None and entry.optime is not None else mine
        arbiter = (cfg.arbiter if cfg else False) or state == ARBITER
        lag = None
        if known is not None and known.optime is not None and reference is not None and not arbiter:
            lag = float(max(0, reference[0] - known.optime[0]))
        optime_date = known.optime_date if known else None
        out.append(Member(
            id=ids.get(host, -1), host=host, state=state, state_str=state_str, health=health,
            own_state=mine.state_str if mine else None,
            reachable=probe.reachable if probe else None,
            error=probe.error if probe else None, error_kind=probe.error_kind if probe else None,
            uptime=entry.uptime if entry else mine.uptime if mine else None, optime_date=optime_date,
            optime_age=(max(0.0, date - optime_date) if date and optime_date else None), lag=lag,
            ping_ms=entry.ping_ms if entry else None,
            sync_source=(entry.sync_source if entry else "") or (mine.sync_source if mine else ""),
            last_heartbeat=entry.last_heartbeat if entry else None,
            last_heartbeat_recv=entry.last_heartbeat_recv if entry else None,
            heartbeat_message=entry.heartbeat_message if entry else "",
            info_message=(mine.info_message if mine else "") or (entry.info_message if entry else ""),
            election_date=(entry.election_date if entry else None) or (mine.election_date if mine else None),
            priority=cfg.priority if cfg else None, votes=cfg.votes if cfg else None,
            hidden=cfg.hidden if cfg else False, arbiter=arbiter, delay=cfg.delay if cfg else 0,
            version=probe.version if probe else None, connections=probe.connections if probe else None,
        ))
    return tuple(out)


def _reference_optime(seen: dict[str, MemberStatus], own: dict[str, MemberStatus | None],
                      primary: str | None) -> tuple[int, int] | None:
    """The optime lag is measured against: the primary's (its own word first), else the newest."""
    for source in (own.get(primary) if primary else None, seen.get(primary) if primary else None):
        if source is not None and source.optime is not None:
            return source.optime
    known = [m.optime for m in [*seen.values(), *(o for o in own.values() if o)] if m.optime is not None]
    return max(known) if known else None

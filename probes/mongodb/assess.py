"""From a MongoSnapshot to findings: primaries, majority, members, lag, staleness, oplog, elections.

Each finding is one line naming the member and what an operator can act on; ``advice`` carries the
documented procedure where there is one (a stale member's resync, a split). "Not a replica set"
(code 76) and "not initialised" (94) are states, not failures; authentication and TLS failures are
named as such.
"""

from __future__ import annotations

from msgops.probes.findings import Finding, Severity
from msgops.probes.mongodb.fmt import ago, clock, since, span
from msgops.probes.mongodb.model import SECONDARY, TROUBLED_STATES, Member, MongoSnapshot

RECENT_ELECTION = 120.0
"""An election this recent (seconds, by the primary's clock) is a finding even on a first poll."""
KIND_CODES = {"auth": "auth_failed", "tls": "tls_failed", "not_authorized": "not_authorized"}
STALE_WORDS = ("too stale", "could not find member to sync from")


def assess(snap: MongoSnapshot, previous: MongoSnapshot | None = None) -> tuple[Finding, ...]:
    if snap.error:
        code = KIND_CODES.get(snap.error_kind or "", "unreachable")
        return (Finding(Severity.CRITICAL, code, "set", _short(snap.error)),)
    early = _mode_findings(snap)
    if early is not None:
        return early
    findings: list[Finding] = []
    if snap.expected_set and snap.set_name and snap.expected_set != snap.set_name:
        findings.append(Finding(Severity.WARNING, "set_name_mismatch", "set",
                                f"the URI says replicaSet={snap.expected_set} but the members are set {snap.set_name}"))
    findings += _primary_findings(snap)
    findings += _majority_findings(snap)
    for member in snap.members:
        findings += _member_findings(snap, member)
    findings += _electable_findings(snap)
    findings += _oplog_findings(snap)
    findings += _election_findings(snap, previous)
    if not findings:
        healthy = sum(m.healthy for m in snap.members)
        window = f", oplog window {span(snap.oplog.seconds)}" if snap.oplog else ""
        findings.append(Finding(Severity.OK, "healthy", "set",
                                f"{healthy}/{len(snap.members)} members healthy, primary {snap.primary} "
                                f"(term {snap.term}), worst lag {span(snap.worst_lag or 0)}{window}"))
    return tuple(findings)


def _mode_findings(snap: MongoSnapshot) -> tuple[Finding, ...] | None:
    """Findings for a target that is not (yet) a replica set, or whose set cannot be read."""
    if snap.mode == "standalone":
        if snap.expected_set:
            return (Finding(Severity.WARNING, "not_replset", "set",
                            f"the URI names replica set {snap.expected_set} but the server is not running with "
                            "--replSet (code 76 NoReplicationEnabled)"),)
        return (Finding(Severity.OK, "not_replset", "set", "a standalone mongod (code 76 NoReplicationEnabled): "
                        "replica-set checks do not apply"),)
    if snap.mode == "uninitialised":
        return (Finding(Severity.WARNING, "not_initialised", "set",
                        "replica set not initialised yet (code 94 NotYetInitialized): no primary until "
                        "rs.initiate() runs on one member"),)
    if snap.mode == "unknown":
        probe = next((p for p in snap.probes if p.error), None)
        code = KIND_CODES.get(probe.error_kind or "", "unreachable") if probe else "unreachable"
        return (Finding(Severity.UNKNOWN, code, "set", _short(probe.error if probe else "no replica-set status")),)
    return None


def _primary_findings(snap: MongoSnapshot) -> list[Finding]:
    if not snap.claims:
        states = ", ".join(f"{m.host} {m.state_str}" for m in snap.members)
        return [Finding(Severity.CRITICAL, "no_primary", "set",
                        f"no member is PRIMARY ({states}): writes fail until one is elected")]
    if len(snap.claims) > 1:
        sides = " and ".join(f"{c.host} (term {c.term if c.term is not None else '?'})" for c in snap.claims)
        top = snap.claims[0]
        others = ", ".join(c.host for c in snap.claims[1:])
        return [Finding(Severity.CRITICAL, "two_primaries", "set",
                        f"{sides} both claim PRIMARY: a network split; clients follow term {top.term} ({top.host})",
                        advice=f"Find the network cut between {others} and the rest of the set. {others} steps "
                               f"down once it sees {top.host} again or loses its majority; writes it took since "
                               "the split are rolled back when it rejoins (they land in its rollback directory). "
                               "Do not step down or force anything on either side while split.")]
    return []


def _voters(snap: MongoSnapshot) -> list[Member]:
    """Voting members (every member when the config is unknown, as in a recorded sample)."""
    return [m for m in snap.members if (m.votes if m.votes is not None else 1) > 0]


def majority_of(snap: MongoSnapshot) -> int:
    return snap.majority or len(_voters(snap)) // 2 + 1


def _majority_findings(snap: MongoSnapshot) -> list[Finding]:
    voters = _voters(snap)
    healthy = [m for m in voters if m.healthy]
    need = majority_of(snap)
    if len(healthy) >= need:
        return []
    return [Finding(Severity.CRITICAL, "majority_lost", "set",
                    f"{len(healthy)} of {len(voters)} voting members healthy, a majority is {need}: no primary can "
                    "be elected and w:majority writes wait")]


def is_stale(snap: MongoSnapshot, member: Member) -> bool:
    """Fell off the oplog: lag past the window, or RECOVERING saying it cannot find a sync source."""
    if member.host == snap.primary or member.arbiter or member.state_str not in ("SECONDARY", "RECOVERING"):
        return False  # STARTUP2 is the resync itself: its old optime is not staleness
    if snap.oplog is not None and member.lag is not None and member.lag > snap.oplog.seconds:
        return True
    return member.state_str == "RECOVERING" and any(w in member.info_message.lower() for w in STALE_WORDS)


def _member_findings(snap: MongoSnapshot, m: Member) -> list[Finding]:
    out = []
    if not m.healthy and m.health is not None:
        heard = f", last heard {clock(m.last_heartbeat_recv)}" if m.last_heartbeat_recv else ""
        why = f": {_short(m.heartbeat_message, 120)}" if m.heartbeat_message else ""
        own = f" (msgops reaches it: it says {m.own_state})" if m.own_state else ""
        out.append(Finding(Severity.WARNING, "member_down", m.host,
                           f"not reachable/healthy per {snap.reporter}{why}{heard}{own}"))
    elif m.reachable is False:
        seen = f" (the set sees it {m.state_str})" if m.health == 1 else ""
        code = KIND_CODES.get(m.error_kind or "", "member_unreachable")
        out.append(Finding(Severity.WARNING, code, m.host, f"{_short(m.error)}{seen}"))
    stale = is_stale(snap, m)
    if stale:
        window = f"past the {span(snap.oplog.seconds)} oplog window of {snap.oplog.host}" if snap.oplog else \
            "it cannot find a member to sync from"
        out.append(Finding(Severity.CRITICAL, "member_stale", m.host,
                           f"{m.state_str}, {span(m.lag)} behind: {window}; it cannot catch up and needs a full "
                           "resync", advice=_resync_advice(snap, m)))
    elif m.state in TROUBLED_STATES and m.healthy:
        info = f": {_short(m.info_message, 100)}" if m.info_message else ""
        out.append(Finding(Severity.WARNING, "member_state", m.host,
                           f"{m.state_str} {since(m.state_since, snap.watching_since, snap.taken_at)}{info}"))
    if not stale and m.lag is not None and m.state == SECONDARY and m.healthy and m.lag >= snap.thresholds.lag_warn:
        t = snap.thresholds
        severity = Severity.CRITICAL if m.lag >= t.lag_crit else Severity.WARNING
        out.append(Finding(severity, "lag", m.host, f"{span(m.lag)} behind the primary {snap.primary or '(none)'} "
                                                   f"(warn {span(t.lag_warn)}, crit {span(t.lag_crit)})"))
    return out


def _resync_advice(snap: MongoSnapshot, m: Member) -> str:
    voters = _voters(snap)
    left = sum(v.healthy for v in voters if v.host != m.host)
    holds = f"the set keeps {left} of {len(voters)} voters without it (majority {majority_of(snap)})"
    window = f"the sync source's oplog window ({span(snap.oplog.seconds)})" if snap.oplog else "the sync source's oplog window"
    return (f"Resync {m.host} (initial sync): stop its mongod, empty its dbPath, start it again; it copies the data "
            f"from a sync source, STARTUP2 → SECONDARY. Only if it is not the primary, one member at a time, {holds}, "
            f"and {window} outlasts the initial sync.")


def electable(snap: MongoSnapshot, m: Member, catch_up: float | None = None) -> tuple[bool, str]:
    """Could ``m`` take over from the primary in a failover now? (and if not, why)."""
    limit = snap.thresholds.catch_up if catch_up is None else catch_up
    if m.host == snap.primary:
        return False, "the primary"
    for bad, why in ((not m.healthy, "not healthy"), (m.state != SECONDARY, m.state_str),
                     (m.arbiter, "an arbiter"), ((m.priority if m.priority is not None else 1) <= 0, "priority 0"),
                     ((m.votes if m.votes is not None else 1) <= 0, "no vote"), (m.hidden, "hidden"),
                     (m.delay > 0, f"delayed {span(m.delay)}"), (m.lag is None, "lag unknown"),
                     (m.lag is not None and m.lag > limit, f"{span(m.lag)} behind (> {span(limit)} catch-up)")):
        if bad:
            return False, why
    return True, f"{span(m.lag)} behind, priority {m.priority if m.priority is not None else 1:g}"


def successor(snap: MongoSnapshot, catch_up: float | None = None, exclude: str | None = None) -> Member | None:
    """The member most likely to win a failover: electable, highest priority, then least behind."""
    able = [m for m in snap.members if m.host != exclude and electable(snap, m, catch_up)[0]]
    return max(able, key=lambda m: (m.priority if m.priority is not None else 1, -(m.lag or 0), -m.id), default=None)


def _electable_findings(snap: MongoSnapshot) -> list[Finding]:
    if len(snap.claims) != 1 or len(snap.members) < 2 or successor(snap) is not None:
        return []
    why = "; ".join(f"{m.host} {electable(snap, m)[1]}" for m in snap.members if m.host != snap.primary)
    return [Finding(Severity.WARNING, "no_electable_secondary", "set",
                    f"no electable secondary: a failover would fail now ({why})")]


def _oplog_findings(snap: MongoSnapshot) -> list[Finding]:
    if snap.oplog_error:
        return [Finding(Severity.WARNING, "oplog_unknown", "set", f"oplog window not read: {_short(snap.oplog_error)}")]
    if snap.oplog is None:
        return []
    window = snap.oplog.seconds
    behind = [m for m in snap.members if m.lag is not None and m.healthy and m.state == SECONDARY and not is_stale(snap, m)]
    worst = max(behind, key=lambda m: m.lag or 0, default=None)
    lag = worst.lag if worst else 0.0
    headroom = window - (lag or 0.0)
    if headroom >= snap.thresholds.headroom_warn:
        return []
    who = f", worst lag {span(lag)} ({worst.host})" if worst and lag else ""
    return [Finding(Severity.WARNING, "oplog_headroom", "set",
                    f"oplog window {span(window)} on {snap.oplog.host}{who}: {span(headroom)} of headroom "
                    f"(warn below {span(snap.thresholds.headroom_warn)})")]


def _election_findings(snap: MongoSnapshot, previous: MongoSnapshot | None) -> list[Finding]:
    e = snap.election
    if e is None or len(snap.claims) != 1:
        return []
    since_last = (previous is not None and previous.term is not None and e.term is not None
                  and e.term > previous.term and previous.mode == "replset")
    recent = e.date is not None and snap.date - e.date <= RECENT_ELECTION
    if not (since_last or recent):
        return []
    was = ""
    if snap.former is not None:
        was = f"; was {snap.former.host}, term {snap.former.term if snap.former.term is not None else '?'}"
    reason = f", reason {e.reason}" if e.reason else ""
    return [Finding(Severity.WARNING, "election", e.primary,
                    f"elected primary at {clock(e.date)} ({ago(snap.date, e.date)}), term {e.term if e.term is not None else '?'}"
                    f"{was}{reason}")]


def _short(text: str | None, limit: int = 200) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"

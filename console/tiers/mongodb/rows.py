"""Cells and lines for the MongoDB screens, built from a snapshot (pure Python, no widgets)."""

from __future__ import annotations

from msgops.probes.mongodb.fmt import ago, clock, since, span
from msgops.probes.mongodb.model import DOWN, Member, MongoSnapshot

BARS = "▁▂▃▄▅▆▇█"
SHORT_STATES = {"PRIMARY": "PRI", "SECONDARY": "SEC", "RECOVERING": "REC", "STARTUP2": "ST2", "ARBITER": "ARB",
                "ROLLBACK": "RBK", "(not reachable/healthy)": "DOWN"}
COLUMNS = (("Member", 15), ("State", 10), ("Hlth", 4), ("Lag", 5), ("OpAge", 5), ("Ping", 4), ("Sync", 6),
           ("P/V", 4), ("Trend", 7))
"""Label and width of each members-table column: 78 columns with the cell padding (80x24)."""


def sparkline(values: tuple[float, ...], width: int) -> str:
    """The last ``width`` values as bars, scaled to the largest (all-zero: a flat line)."""
    shown = values[-width:]
    if not shown:
        return ""
    top = max(shown)
    if top <= 0:
        return BARS[0] * len(shown)
    return "".join(BARS[min(len(BARS) - 1, int(v / top * (len(BARS) - 1) + 0.5))] for v in shown)


def short_hosts(hosts: list[str]) -> dict[str, str]:
    """Each member's name as short as still tells the members apart: ``db0`` when every member
    listens on the same port (``db0.example.net:27017``), ``:27018`` when every member has the same
    name (a loopback lab), else ``db0:27018``; the full ``host:port`` when those collide."""
    split = {h: h.rpartition(":") for h in hosts}
    names = {h: name for h, (name, _, _) in split.items()}
    ports = {h: port for h, (_, _, port) in split.items()}

    def label(name: str) -> str:
        return name if name.startswith("[") or name.replace(".", "").isdigit() else name.split(".")[0]
    if len(set(ports.values())) == 1:
        shorts = {h: label(names[h]) for h in hosts}
    elif len(set(names.values())) == 1:
        shorts = {h: f":{ports[h]}" for h in hosts}
    else:
        shorts = {h: f"{label(names[h])}:{ports[h]}" for h in hosts}
    return shorts if len(set(shorts.values())) == len(shorts) else {h: h for h in hosts}


def state_text(m: Member) -> str:
    state = "DOWN" if m.state == DOWN else m.state_str
    if m.own_state and m.own_state != m.state_str and m.reachable:
        return f"{SHORT_STATES.get(state, state)}({SHORT_STATES.get(m.own_state, m.own_state)})"
    return state


def member_cells(m: Member, names: dict[str, str]) -> tuple[str, ...]:
    """Every column but Hlth (styled by the table): see COLUMNS. ``names``: ``short_hosts`` (Sync, and
    Member when the full name does not fit)."""
    flags = ("h" if m.hidden else "") + ("a" if m.arbiter else "") + ("d" if m.delay else "")
    votes = "-" if m.votes is None else f"{m.priority if m.priority is not None else 1:g}/{m.votes}{flags}"
    return (
        m.host if len(m.host) <= COLUMNS[0][1] else names.get(m.host, m.host), state_text(m), "-" if m.lag is None else span(m.lag),
        "-" if m.optime_age is None else span(m.optime_age), "-" if m.ping_ms is None else f"{m.ping_ms}ms",
        names.get(m.sync_source, m.sync_source) or "-", votes, sparkline(m.lag_history, 7),
    )


def set_lines(snap: MongoSnapshot, names: dict[str, str]) -> str:
    """The oplog/headroom line and the election line under the members table (``names``: short_hosts)."""
    if snap.oplog is not None:
        worst = snap.worst_lag
        oplog = (f"oplog {span(snap.oplog.seconds)} on {names.get(snap.oplog.host, snap.oplog.host)} · headroom "
                 f"{span(snap.headroom) if snap.headroom is not None else '?'} · worst lag {span(worst or 0)}")
    else:
        oplog = f"oplog window unknown{': ' + snap.oplog_error if snap.oplog_error else ''}"
    e = snap.election
    if e is not None:
        why = f" · {e.reason}" if e.reason else ""
        election = (f"election term {e.term} · {clock(e.date)} ({ago(snap.date, e.date)}) · "
                    f"{names.get(e.primary, e.primary)}{why}")
    else:
        election = "election: no primary to ask"
    return f"{oplog}\n{election}"


def member_lines(snap: MongoSnapshot, m: Member) -> list[str]:
    """One member's details, for its screen."""
    def when(value: float | None) -> str:
        return "-" if value is None else f"{clock(value)} ({ago(snap.date, value)})"
    own = m.own_state or ("not reached: " + (m.error or "?") if m.reachable is False else "not asked")
    return [
        f"state (set)   {m.state_str}, health {'-' if m.health is None else f'{m.health:g}'} per {snap.reporter or '?'}",
        f"state (own)   {own}",
        f"in this state {since(m.state_since, snap.watching_since, snap.taken_at)}",
        f"lag           {'-' if m.lag is None else span(m.lag)} behind the primary "
        f"(warn {span(snap.thresholds.lag_warn)}, crit {span(snap.thresholds.lag_crit)})",
        f"optime        {when(m.optime_date)}",
        f"sync source   {m.sync_source or '-'}",
        f"heartbeat     last {when(m.last_heartbeat)}, received {when(m.last_heartbeat_recv)}, "
        f"ping {'-' if m.ping_ms is None else f'{m.ping_ms} ms'}",
        f"hb message    {m.heartbeat_message or '-'}",
        f"info          {m.info_message or '-'}",
        f"config        priority {'-' if m.priority is None else f'{m.priority:g}'}, votes "
        f"{'-' if m.votes is None else m.votes}, hidden {'yes' if m.hidden else 'no'}, "
        f"delay {span(m.delay)}, arbiter {'yes' if m.arbiter else 'no'}",
        f"server        {m.version or '?'}, {'-' if m.connections is None else m.connections} connections, "
        f"up {span(m.uptime) if m.uptime is not None else '?'}",
    ]

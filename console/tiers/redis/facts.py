"""The key facts of one Redis server as (label, value) rows, built from a snapshot (pure Python)."""

from __future__ import annotations

from msgops.probes.redis.assess import duration, memory_words
from msgops.probes.redis.model import RedisSnapshot

LABELS = ("Server", "Answers", "Memory", "Clients", "Persistence", "Replication", "Keys")


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


def fact_rows(snap: RedisSnapshot | None, address: str, db: int, derived_from: str = "") -> list[tuple[str, str]]:
    """Rows in a fixed order (``Watched for`` first when the target was derived from a dependency)."""
    rows = [("Watched for", derived_from)] if derived_from else []
    info = snap.info if snap else None
    if info is None:
        answer = snap.error if snap and snap.error else "waiting for the first poll"
        rows += [("Server", f"{address} db{db}"), ("Answers", answer or "-")]
        rows += [(label, "-") for label in LABELS[2:]]
        return rows
    assert snap is not None
    answers = f"PING {_ms(snap.ping_seconds)}" if snap.ping_seconds is not None else f"PING → {snap.ping_error}"
    info_call = next((c for c in snap.calls if c.what == "INFO" and c.error is None), None)
    limit = f"/{info.maxclients}" if info.maxclients else ""
    persistence = f"RDB last save {info.rdb_last_bgsave_status or '?'}, AOF " + (
        f"last write {info.aof_last_write_status}" if info.aof_enabled else "off")
    if info.loading:
        eta = f", ~{duration(info.loading_eta_seconds)} left" if info.loading_eta_seconds is not None else ""
        persistence = f"LOADING {info.loading_perc or 0:.0f}%{eta}; " + persistence
    if info.role == "slave":
        down = info.master_link_down_since_seconds
        since = f" for {duration(down)}" if down is not None and down >= 0 and info.master_link_status != "up" else ""
        replication = f"replica of {info.master_host}:{info.master_port}, link {info.master_link_status}{since}"
    else:
        replication = f"master, {info.connected_slaves or 0} replica(s)"
    keys = snap.keys_in_db()
    rows += [
        ("Server", f"{address} db{db} · Redis {info.version or '?'} {info.mode or ''} · up "
                   f"{duration(info.uptime_seconds or 0)}"),
        ("Answers", f"{answers} · INFO {_ms(info_call.seconds)}" if info_call else answers),
        ("Memory", f"{memory_words(info).removeprefix('memory ')} · {info.maxmemory_policy or '?'} · "
                   f"{info.evicted_keys or 0:,} evicted"),
        ("Clients", f"{info.connected_clients}{limit} · {info.blocked_clients or 0} blocked · "
                    f"{info.rejected_connections or 0:,} rejected"),
        ("Persistence", persistence),
        ("Replication", replication),
        ("Keys", f"db{db} {keys.keys if keys else 0:,} ({keys.expires if keys else 0:,} with TTL) · all dbs "
                 f"{sum(k.keys for k in info.keyspace):,}"),
    ]
    return rows

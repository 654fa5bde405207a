"""The Redis lines of ``msgops status`` (above the findings): server, memory, clients, replication,
persistence, the selected database. Plain strings; the headless writer makes them terminal-safe."""

from __future__ import annotations

from msgops.probes.redis.assess import duration, memory_words
from msgops.probes.redis.model import RedisSnapshot
from msgops.probes.redis.target import RedisTarget


def report(target: RedisTarget, snap: RedisSnapshot | None, seconds: float | None) -> list[str]:
    if snap is None:
        return []
    took = "" if seconds is None else f"  poll {seconds:.2f}s"
    info = snap.info
    if info is None:
        return [f"Redis at {snap.address}: no INFO ({snap.error or 'cycle cut short'}){took}"]
    ping = f"PING {snap.ping_seconds * 1000:.1f} ms" if snap.ping_seconds is not None else f"PING {snap.ping_error}"
    lines = [f"Redis {info.version or '?'} {info.mode or ''} {info.role or ''} at {snap.address}, up "
             f"{duration(info.uptime_seconds or 0)}, {ping}{took}"]
    lines.append(f"{memory_words(info)}, policy {info.maxmemory_policy or '?'}, "
                 f"{info.evicted_keys or 0:,} keys evicted since start")
    limit = f"/{info.maxclients}" if info.maxclients else ""
    lines.append(f"clients {info.connected_clients}{limit} ({info.blocked_clients or 0} blocked), "
                 f"{info.rejected_connections or 0:,} connections rejected since start")
    if info.role == "slave":
        down = info.master_link_down_since_seconds
        since = f" for {duration(down)}" if down is not None and down >= 0 and info.master_link_status != "up" else ""
        lines.append(f"replica of {info.master_host}:{info.master_port}, link {info.master_link_status}{since}")
    elif info.connected_slaves:
        lines.append(f"master with {info.connected_slaves} replica(s)")
    aof = f", AOF last write {info.aof_last_write_status}" if info.aof_enabled else ", AOF off"
    lines.append(f"RDB last save {info.rdb_last_bgsave_status or '?'}{aof}"
                 + (f", loading {info.loading_perc or 0:.0f}%" if info.loading else ""))
    keys = snap.keys_in_db()
    lines.append(f"db{snap.db}: {keys.keys if keys else 0:,} keys ({keys.expires if keys else 0:,} with a TTL)"
                 + (f"; all dbs {sum(k.keys for k in info.keyspace):,} keys" if len(info.keyspace) > 1 else ""))
    return lines

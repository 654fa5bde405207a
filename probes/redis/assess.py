"""From a RedisSnapshot to findings: down, hung, auth, loading, memory, evictions, rejected
connections, replication, persistence, latency — or one OK summary.

Every finding's subject is the target's name, so a Zaqar pool finding explained by this server
reads "pool POOL2 ... ← redis/pool2: connection refused at 10.0.0.7:6379 ...". Counters (evicted
keys, rejected connections) are cumulative since the server started, so they are judged by their
increase since the previous poll of the same run of the server; without one (``msgops check``) only
the current state counts (memory, clients), never an eviction weeks ago.
"""

from __future__ import annotations

from msgops.probes.findings import Finding, Severity
from msgops.probes.redis.model import RedisInfo, RedisSnapshot

FAILURES = {
    "refused": ("refused", Severity.CRITICAL),
    "timeout": ("timeout", Severity.CRITICAL),
    "unreachable": ("unreachable", Severity.CRITICAL),
    "tls": ("tls_failed", Severity.CRITICAL),
    "auth": ("auth_failed", Severity.CRITICAL),
    "maxclients": ("maxclients", Severity.CRITICAL),
    "error": ("probe_error", Severity.UNKNOWN),
}
"""error_kind → (finding code, severity)."""


def assess(snapshot: RedisSnapshot, previous: RedisSnapshot | None = None) -> tuple[Finding, ...]:
    subject = snapshot.target
    if snapshot.error:
        code, severity = FAILURES.get(snapshot.error_kind or "error", FAILURES["error"])
        return (Finding(severity, code, subject, snapshot.error + _for_how_long(snapshot)),)
    info = snapshot.info
    if info is None:  # a cycle cut short before INFO (the poller adds what it waited for)
        return ()
    findings: list[Finding] = []
    if info.loading:
        findings.append(Finding(Severity.CRITICAL, "loading", subject, _loading_words(info)))
    elif snapshot.ping_error:
        findings.append(Finding(Severity.CRITICAL, "ping_refused", subject,
                                f"PING answered with an error: {snapshot.ping_error}"))
    findings += _memory(snapshot, info, previous)
    findings += _clients(snapshot, info, previous)
    findings += _replication(subject, info)
    findings += _persistence(subject, info)
    if snapshot.ping_seconds is not None and snapshot.ping_seconds > snapshot.latency_warn:
        findings.append(Finding(Severity.WARNING, "slow", subject,
                                f"PING took {_ms(snapshot.ping_seconds)} (latency_warn {_ms(snapshot.latency_warn)})"))
    if not findings:
        findings.append(Finding(Severity.OK, "healthy", subject, summary(snapshot)))
    return tuple(findings)


def summary(snapshot: RedisSnapshot) -> str:
    """``Redis 7.0.15 master, up 3d 2h, 12 clients, memory 1.1M of 100M (1%), db2 10 keys, PING 0.4 ms``."""
    info = snapshot.info or RedisInfo()
    parts = [f"Redis {info.version or '?'} {info.role or ''}".rstrip()]
    if info.uptime_seconds is not None:
        parts.append(f"up {duration(info.uptime_seconds)}")
    if info.connected_clients is not None:
        parts.append(f"{info.connected_clients} client{'' if info.connected_clients == 1 else 's'}")
    parts.append(memory_words(info))
    keys = snapshot.keys_in_db()
    parts.append(f"db{snapshot.db} {keys.keys if keys else 0} keys")
    if snapshot.ping_seconds is not None:
        parts.append(f"PING {_ms(snapshot.ping_seconds)}")
    return ", ".join(parts)


def memory_words(info: RedisInfo) -> str:
    if info.used_memory is None:
        return "memory ?"
    if not info.maxmemory:
        return f"memory {size(info.used_memory)} (no maxmemory)"
    return f"memory {size(info.used_memory)} of {size(info.maxmemory)} ({100 * info.used_memory / info.maxmemory:.0f}%)"


def _for_how_long(snapshot: RedisSnapshot) -> str:
    if snapshot.failing_since is None:
        return ""
    seconds = snapshot.taken_at - snapshot.failing_since
    return f" (failing for {duration(seconds)})" if seconds >= 1 else ""


def _loading_words(info: RedisInfo) -> str:
    done = f"{info.loading_perc:.0f}% done" if info.loading_perc is not None else "progress unknown"
    eta = f", about {duration(info.loading_eta_seconds)} left" if info.loading_eta_seconds is not None else ""
    return (f"loading its dataset into memory ({done}{eta}): it answers LOADING to every command "
            "but INFO until then")


def _same_run(info: RedisInfo, previous: RedisSnapshot | None) -> RedisInfo | None:
    """The previous INFO when it comes from the same run of the server (counters comparable)."""
    before = previous.info if previous is not None else None
    if before is None or before.run_id != info.run_id:
        return None
    return before


def _increase(now: int | None, before: int | None) -> int:
    return max(0, (now or 0) - (before or 0)) if before is not None else 0


def _since(snapshot: RedisSnapshot, previous: RedisSnapshot | None) -> str:
    if previous is None:
        return ""
    return f" in the last {duration(max(0.0, snapshot.taken_at - previous.taken_at))}"


def _memory(snapshot: RedisSnapshot, info: RedisInfo, previous: RedisSnapshot | None) -> list[Finding]:
    out = []
    subject, policy = snapshot.target, info.maxmemory_policy or "?"
    if info.maxmemory and info.used_memory is not None:
        share = info.used_memory / info.maxmemory
        evicted = f"; {info.evicted_keys:,} keys evicted since it started" if info.evicted_keys else ""
        if share >= 1 and policy == "noeviction":
            out.append(Finding(Severity.CRITICAL, "memory_full", subject,
                               f"{memory_words(info)}, policy noeviction: writes are refused (OOM)"))
        elif share >= snapshot.memory_warn:
            out.append(Finding(Severity.WARNING, "memory_high", subject,
                               f"{memory_words(info)}, policy {policy}{evicted}"))
    before = _same_run(info, previous)
    evicted_now = _increase(info.evicted_keys, before.evicted_keys if before else None)
    if evicted_now:
        out.append(Finding(Severity.WARNING, "evicting", subject,
                           f"{evicted_now:,} keys evicted{_since(snapshot, previous)} (maxmemory-policy {policy}, "
                           f"{memory_words(info)}): a message store loses messages this way"))
    return out


def _clients(snapshot: RedisSnapshot, info: RedisInfo, previous: RedisSnapshot | None) -> list[Finding]:
    out = []
    limit = f"{info.connected_clients}/{info.maxclients} clients" if info.maxclients else f"{info.connected_clients} clients"
    if info.maxclients and info.connected_clients is not None and info.connected_clients >= info.maxclients:
        out.append(Finding(Severity.CRITICAL, "maxclients", snapshot.target,
                           f"connection limit reached ({limit}): new connections are refused"))
    before = _same_run(info, previous)
    rejected = _increase(info.rejected_connections, before.rejected_connections if before else None)
    if rejected:
        out.append(Finding(Severity.WARNING, "rejected_connections", snapshot.target,
                           f"{rejected:,} connections rejected{_since(snapshot, previous)} ({limit})"))
    return out


def _replication(subject: str, info: RedisInfo) -> list[Finding]:
    if info.role != "slave" or info.master_link_status in (None, "up"):
        return []
    master = f"{info.master_host}:{info.master_port}"
    down = info.master_link_down_since_seconds
    how_long = ("has not reached it since it started" if down is None or down < 0
                else f"link down for {duration(down)}")
    sync = "; a full sync is in progress" if info.master_sync_in_progress else ""
    return [Finding(Severity.CRITICAL, "master_link_down", subject,
                    f"replica of {master}: {how_long}{sync}; it serves stale data and takes no writes")]


def _persistence(subject: str, info: RedisInfo) -> list[Finding]:
    out = []
    if info.rdb_last_bgsave_status not in (None, "ok"):
        out.append(Finding(Severity.CRITICAL, "rdb_save_failed", subject,
                           f"the last RDB save failed ({info.rdb_changes_since_last_save or 0:,} changes not "
                           "saved): with stop-writes-on-bgsave-error (the default) writes are refused (MISCONF)"))
    if info.aof_enabled and info.aof_last_write_status not in (None, "ok"):
        out.append(Finding(Severity.CRITICAL, "aof_write_failed", subject,
                           "the last AOF write failed: writes are refused until one succeeds"))
    if info.aof_enabled and info.aof_last_bgrewrite_status not in (None, "ok"):
        out.append(Finding(Severity.WARNING, "aof_rewrite_failed", subject, "the last AOF rewrite failed"))
    return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def size(value: int) -> str:
    for unit in ("B", "K", "M", "G", "T"):
        if value < 1024 or unit == "T":
            return f"{value:.0f}{unit}" if value >= 10 or unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return "?"


def duration(seconds: float) -> str:
    """``45s``, ``3m 5s``, ``2h 10m``, ``3d 4h``."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"

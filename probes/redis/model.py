"""Typed, frozen snapshots of one Redis server as PING and INFO showed it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Call:
    """One command the probe sent (``connect`` for the TCP connection and its handshake)."""

    what: str
    seconds: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Keyspace:
    """One ``dbN:keys=..,expires=..`` line of INFO keyspace."""

    db: int
    keys: int
    expires: int


@dataclass(frozen=True, slots=True)
class RedisInfo:
    """What msgops reads from INFO (fields a server does not report are None)."""

    version: str | None = None
    mode: str | None = None
    """``standalone``, ``cluster`` or ``sentinel``."""
    run_id: str | None = None
    """Changes when the server restarts: counters (evictions, rejections) start again from 0."""
    uptime_seconds: int | None = None
    connected_clients: int | None = None
    blocked_clients: int | None = None
    maxclients: int | None = None
    used_memory: int | None = None
    maxmemory: int | None = None
    """0 = no limit."""
    maxmemory_policy: str | None = None
    evicted_keys: int | None = None
    rejected_connections: int | None = None
    loading: bool = False
    loading_perc: float | None = None
    loading_eta_seconds: int | None = None
    rdb_last_bgsave_status: str | None = None
    rdb_changes_since_last_save: int | None = None
    aof_enabled: bool | None = None
    aof_last_write_status: str | None = None
    aof_last_bgrewrite_status: str | None = None
    role: str | None = None
    """``master`` or ``slave`` (INFO's words)."""
    master_host: str | None = None
    master_port: int | None = None
    master_link_status: str | None = None
    master_link_down_since_seconds: int | None = None
    """-1: the replica has not reached its master since it started."""
    master_sync_in_progress: bool | None = None
    connected_slaves: int | None = None
    total_error_replies: int | None = None
    keyspace: tuple[Keyspace, ...] = ()


@dataclass(frozen=True, slots=True)
class RedisSnapshot:
    """One poll of one server: whether it answered, how, and what INFO said."""

    target: str
    address: str
    """``host:port`` polled."""
    db: int
    taken_at: float
    """Wall-clock time the poll ended (epoch seconds)."""
    reachable: bool
    """The connection and its handshake succeeded (the server may still refuse commands: loading)."""
    error: str | None = None
    """Why the poll did not get INFO, in words (scrubbed)."""
    error_kind: str | None = None
    """``refused``, ``timeout``, ``unreachable``, ``tls``, ``auth``, ``maxclients`` or ``error``."""
    failing_since: float | None = None
    """Wall-clock time of the first failed poll in the current run of failures (None: answering)."""
    ping_seconds: float | None = None
    """PING round trip, when PING answered PONG."""
    ping_error: str | None = None
    """PING's error reply (``LOADING Redis is loading the dataset in memory``)."""
    info: RedisInfo | None = None
    calls: tuple[Call, ...] = ()
    memory_warn: float = 0.9
    latency_warn: float = 0.1
    complete: bool = True
    """False for what a cycle had gathered when it passed its deadline."""

    def keys_in_db(self) -> Keyspace | None:
        return next((k for k in (self.info.keyspace if self.info else ()) if k.db == self.db), None)

"""INFO as Redis 7.0 writes it: the same sections, the same fields in the same order, the same
formats (``1.06M``, ``100.21%``, ``-1`` for "never"), CRLF line ends.

The field lists follow a real 7.0.15's INFO recorded in tests/data/redis/ (plain, replica with the
link up and down, loading, evicting, out of memory, rejecting); tests/redis hold this module to those
recordings field by field. Values msgops reads come from the state; the rest are plausible
constants of an idle server.
"""

from __future__ import annotations

import os
import platform
import time
from typing import Callable

from msgops.sim.redis.model import RedisState

DEFAULT_SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
                    "errorstats", "cluster", "keyspace")
Fields = list[tuple[str, object]]


def human(n: int) -> str:
    """Redis's bytesToHuman: ``200B``, ``32.00K``, ``1.06M``."""
    for i, unit in enumerate(("B", "K", "M", "G", "T", "P")):
        if n < 1024 ** (i + 1) or unit == "P":
            return f"{n}B" if i == 0 else f"{n / 1024 ** i:.2f}{unit}"
    return f"{n}B"


def _server(s: RedisState, now: float) -> Fields:
    uname = platform.uname()
    up = int(now - s.started_at)
    return [
        ("redis_version", s.version), ("redis_git_sha1", "00000000"), ("redis_git_dirty", 0),
        ("redis_build_id", "ae4d7c971a948f0"), ("redis_mode", "standalone"),
        ("os", f"{uname.system} {uname.release} {uname.machine}"), ("arch_bits", 64),
        ("monotonic_clock", "POSIX clock_gettime"), ("multiplexing_api", "epoll"),
        ("atomicvar_api", "c11-builtin"), ("gcc_version", "12.2.0"), ("process_id", os.getpid()),
        ("process_supervised", "no"), ("run_id", s.run_id), ("tcp_port", s.port),
        ("server_time_usec", int(now * 1_000_000)), ("uptime_in_seconds", up), ("uptime_in_days", up // 86400),
        ("hz", 10), ("configured_hz", 10), ("lru_clock", int(now) % (1 << 24)),
        ("executable", "/usr/bin/redis-server"), ("config_file", "/etc/redis/redis.conf"),
        ("io_threads_active", 0),
    ]


def _clients(s: RedisState, clients: int, blocked: int) -> Fields:
    return [
        ("connected_clients", clients), ("cluster_connections", 0), ("maxclients", s.maxclients),
        ("client_recent_max_input_buffer", 20480), ("client_recent_max_output_buffer", 0),
        ("blocked_clients", blocked), ("tracking_clients", 0), ("clients_in_timeout_table", 0),
    ]


def _memory(s: RedisState) -> Fields:
    used, peak, rss = s.used_memory, s.used_memory, s.used_memory + 11_000_000
    dataset = max(0, used - s.baseline_memory)
    return [
        ("used_memory", used), ("used_memory_human", human(used)), ("used_memory_rss", rss),
        ("used_memory_rss_human", human(rss)), ("used_memory_peak", peak), ("used_memory_peak_human", human(peak)),
        ("used_memory_peak_perc", "100.00%"), ("used_memory_overhead", s.baseline_memory + 272),
        ("used_memory_startup", s.baseline_memory), ("used_memory_dataset", dataset),
        ("used_memory_dataset_perc", f"{100 * dataset / max(1, used - s.baseline_memory + 272):.2f}%"),
        ("allocator_allocated", used + 575_000), ("allocator_active", used + 711_000),
        ("allocator_resident", used + 3_381_000), ("total_system_memory", 25_275_990_016),
        ("total_system_memory_human", human(25_275_990_016)), ("used_memory_lua", 32768),
        ("used_memory_vm_eval", 32768), ("used_memory_lua_human", "32.00K"), ("used_memory_scripts_eval", 0),
        ("number_of_cached_scripts", 0), ("number_of_functions", 0), ("number_of_libraries", 0),
        ("used_memory_vm_functions", 33792), ("used_memory_vm_total", 66560),
        ("used_memory_vm_total_human", "65.00K"), ("used_memory_functions", 200), ("used_memory_scripts", 200),
        ("used_memory_scripts_human", "200B"), ("maxmemory", s.maxmemory), ("maxmemory_human", human(s.maxmemory)),
        ("maxmemory_policy", s.maxmemory_policy), ("allocator_frag_ratio", "1.08"), ("allocator_frag_bytes", 135968),
        ("allocator_rss_ratio", "2.46"), ("allocator_rss_bytes", 2670592), ("rss_overhead_ratio", "2.69"),
        ("rss_overhead_bytes", 7610368), ("mem_fragmentation_ratio", f"{rss / max(1, used):.2f}"),
        ("mem_fragmentation_bytes", rss - used), ("mem_not_counted_for_evict", 0), ("mem_replication_backlog", 0),
        ("mem_total_replication_buffers", 0), ("mem_clients_slaves", 0), ("mem_clients_normal", 0),
        ("mem_cluster_links", 0), ("mem_aof_buffer", 0), ("mem_allocator", "jemalloc-5.3.0"),
        ("active_defrag_running", 0), ("lazyfree_pending_objects", 0), ("lazyfreed_objects", 0),
    ]


def _persistence(s: RedisState, now: float) -> Fields:
    loading = s.loading
    out: Fields = [
        ("loading", int(loading)), ("async_loading", 0), ("current_cow_peak", 0), ("current_cow_size", 0),
        ("current_cow_size_age", 0), ("current_fork_perc", "0.00"), ("current_save_keys_processed", 0),
        ("current_save_keys_total", 0), ("rdb_changes_since_last_save", 0 if loading else sum(s.keyspace.values())),
        ("rdb_bgsave_in_progress", 0), ("rdb_last_save_time", int(s.started_at)),
        ("rdb_last_bgsave_status", s.rdb_last_bgsave_status), ("rdb_last_bgsave_time_sec", -1),
        ("rdb_current_bgsave_time_sec", -1), ("rdb_saves", 0), ("rdb_last_cow_size", 0),
        ("rdb_last_load_keys_expired", 0), ("rdb_last_load_keys_loaded", 0),
        ("aof_enabled", int(s.aof_enabled)), ("aof_rewrite_in_progress", 0), ("aof_rewrite_scheduled", 0),
        ("aof_last_rewrite_time_sec", -1), ("aof_current_rewrite_time_sec", -1), ("aof_last_bgrewrite_status", "ok"),
        ("aof_rewrites", 0), ("aof_rewrites_consecutive_failures", 0), ("aof_last_write_status", s.aof_last_write_status),
        ("aof_last_cow_size", 0), ("module_fork_in_progress", 0), ("module_fork_last_cow_size", 0),
    ]
    if s.aof_enabled:
        out += [("aof_current_size", 0), ("aof_base_size", 0), ("aof_pending_rewrite", 0), ("aof_buffer_length", 0),
                ("aof_pending_bio_fsync", 0), ("aof_delayed_fsync", 0)]
    if loading:
        perc, eta = s.loading_progress()
        out += [("loading_start_time", int(s.loading_started or now)), ("loading_total_bytes", s.loading_bytes),
                ("loading_rdb_used_mem", s.loading_bytes * 4), ("loading_loaded_bytes", int(s.loading_bytes * perc / 100)),
                ("loading_loaded_perc", f"{perc:.2f}"), ("loading_eta_seconds", eta)]
    return out


def _stats(s: RedisState) -> Fields:
    return [
        ("total_connections_received", s.total_connections), ("total_commands_processed", s.total_commands),
        ("instantaneous_ops_per_sec", 0), ("total_net_input_bytes", 20 * s.total_commands),
        ("total_net_output_bytes", 60 * s.total_commands), ("total_net_repl_input_bytes", 0),
        ("total_net_repl_output_bytes", 0), ("instantaneous_input_kbps", "0.00"), ("instantaneous_output_kbps", "0.00"),
        ("instantaneous_input_repl_kbps", "0.00"), ("instantaneous_output_repl_kbps", "0.00"),
        ("rejected_connections", s.rejected_connections), ("sync_full", 0), ("sync_partial_ok", 0),
        ("sync_partial_err", 0), ("expired_keys", 0), ("expired_stale_perc", "0.00"),
        ("expired_time_cap_reached_count", 0), ("expire_cycle_cpu_milliseconds", 0), ("evicted_keys", s.evicted_keys),
        ("evicted_clients", 0), ("total_eviction_exceeded_time", 0), ("current_eviction_exceeded_time", 0),
        ("keyspace_hits", 0), ("keyspace_misses", 0), ("pubsub_channels", 0), ("pubsub_patterns", 0),
        ("pubsubshard_channels", 0), ("latest_fork_usec", 0), ("total_forks", 0), ("migrate_cached_sockets", 0),
        ("slave_expires_tracked_keys", 0), ("active_defrag_hits", 0), ("active_defrag_misses", 0),
        ("active_defrag_key_hits", 0), ("active_defrag_key_misses", 0), ("total_active_defrag_time", 0),
        ("current_active_defrag_time", 0), ("tracking_total_keys", 0), ("tracking_total_items", 0),
        ("tracking_total_prefixes", 0), ("unexpected_error_replies", 0),
        ("total_error_replies", sum(s.error_counts.values())), ("dump_payload_sanitizations", 0),
        ("total_reads_processed", s.total_commands + s.total_connections),
        ("total_writes_processed", s.total_commands), ("io_threaded_reads_processed", 0),
        ("io_threaded_writes_processed", 0), ("reply_buffer_shrinks", 0), ("reply_buffer_expands", 0),
    ]


def _replication(s: RedisState, now: float) -> Fields:
    out: Fields = []
    if s.master is None:
        out.append(("role", "master"))
    else:
        host, port = s.master
        out += [("role", "slave"), ("master_host", host), ("master_port", port),
                ("master_link_status", "up" if s.master_link_up else "down"),
                ("master_last_io_seconds_ago", 0 if s.master_link_up else -1), ("master_sync_in_progress", 0),
                ("slave_read_repl_offset", 0), ("slave_repl_offset", 0)]
        if not s.master_link_up:
            since = -1 if s.master_link_down_since is None else int(now - s.master_link_down_since)
            out.append(("master_link_down_since_seconds", since))
        out += [("slave_priority", 100), ("slave_read_only", 1), ("replica_announced", 1)]
    out += [("connected_slaves", s.connected_replicas), ("master_failover_state", "no-failover"),
            ("master_replid", s.run_id[::-1]), ("master_replid2", "0" * 40), ("master_repl_offset", 0),
            ("second_repl_offset", -1), ("repl_backlog_active", int(s.master is not None)),
            ("repl_backlog_size", 1048576), ("repl_backlog_first_byte_offset", int(s.master is not None)),
            ("repl_backlog_histlen", 0)]
    return out


def _cpu(now: float, started: float) -> Fields:
    busy = max(0.0, now - started) * 0.001
    return [("used_cpu_sys", f"{busy:.6f}"), ("used_cpu_user", f"{busy * 2:.6f}"),
            ("used_cpu_sys_children", "0.000000"), ("used_cpu_user_children", "0.000000"),
            ("used_cpu_sys_main_thread", f"{busy:.6f}"), ("used_cpu_user_main_thread", f"{busy * 2:.6f}")]


def render(state: RedisState, wanted: tuple[str, ...] = (), *, clients: int = 1, blocked: int = 0) -> str:
    """INFO's text for ``wanted`` sections (lower case; none/``default``/``all`` = the default set)."""
    now = time.time()
    builders: dict[str, Callable[[], Fields]] = {
        "server": lambda: _server(state, now),
        "clients": lambda: _clients(state, clients, blocked),
        "memory": lambda: _memory(state),
        "persistence": lambda: _persistence(state, now),
        "stats": lambda: _stats(state),
        "replication": lambda: _replication(state, now),
        "cpu": lambda: _cpu(now, state.started_at),
        "modules": lambda: [],
        "errorstats": lambda: [(f"errorstat_{code}", f"count={n}") for code, n in sorted(state.error_counts.items())],
        "cluster": lambda: [("cluster_enabled", 0)],
        "keyspace": lambda: [(f"db{db}", f"keys={n},expires=0,avg_ttl=0")
                             for db, n in sorted(state.keyspace.items()) if n],
    }
    names = [w for w in wanted if w not in ("default", "all", "everything")] or list(DEFAULT_SECTIONS)
    blocks = []
    for name in DEFAULT_SECTIONS:
        if name in names:
            title = "Errorstats" if name == "errorstats" else name.capitalize()
            if name == "cpu":
                title = "CPU"
            lines = [f"# {title}"] + [f"{k}:{v}" for k, v in builders[name]()]
            blocks.append("\r\n".join(lines) + "\r\n")
    return "\r\n".join(blocks)

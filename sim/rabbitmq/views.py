"""JSON documents of the management API as one node sees the cluster (nodes, queues, overview).

Why: in a partition each node's API tells a different story; these functions render the model
from ``viewer``'s side with the key sets of the real 3.10.8 answers (shared/samples/rabbitmq):
e.g. an unreachable node is just ``{name, type, running: false, cluster_links: []}`` and a
leaderless quorum queue has no stats keys at all.
"""

from __future__ import annotations

import time

R0 = {"rate": 0.0}
NODE_COUNTERS = (
    "channel_closed channel_created connection_closed connection_created context_switches "
    "gc_bytes_reclaimed gc_num io_read_avg_time io_read_bytes io_read_count io_reopen_count "
    "io_seek_avg_time io_seek_count io_sync_avg_time io_sync_count io_write_avg_time "
    "io_write_bytes io_write_count mnesia_disk_tx_count mnesia_ram_tx_count "
    "msg_store_read_count msg_store_write_count queue_created queue_declared queue_deleted "
    "queue_index_read_count queue_index_write_count").split()
ERLANG = "25.2.3"
ERLANG_FULL = ("Erlang/OTP 25 [erts-13.1.5] [source] [64-bit] [smp:2:2] [ds:2:2:10] "
               "[async-threads:1] [jit:ns]")
EXCHANGE_TYPES = [{"name": t, "description": f"AMQP {t} exchange, as per the AMQP specification",
                   "enabled": True} for t in ("direct", "fanout", "headers", "topic")]


def node_items(m, viewer: str) -> list[dict]:
    """``GET /api/nodes`` from ``viewer``'s API."""
    with m.lock:
        hosted = dict.fromkeys(m.nodes, 0)  # queue processes per node, one pass for all nodes
        for q in m.queues.values():
            hosted[q.node] = hosted.get(q.node, 0) + 1
            for x in q.slaves:
                hosted[x] += 1
        return [_node(m, viewer, n, hosted[n]) for n in m.nodes]


def _node(m, viewer: str, name: str, hosted: int) -> dict:
    s = m.nodes[name]
    if not m.link_up(viewer, name):
        return {"name": name, "type": s.type, "running": False, "cluster_links": []}
    mem = s.mem_base + 30_000 * hosted + (int(time.time() * 7) % 97) * 4096
    if s.mem_alarm:
        mem = max(mem, s.mem_limit + 1_048_576)
    disk = s.disk_free_limit - 1_000_000 if s.disk_alarm else s.disk_free
    links = [{"name": o, "peer_addr": "127.0.0.1", "peer_port": 25671 + m.nodes[o].index,
              "sock_addr": "127.0.0.1", "sock_port": 25671 + s.index, "recv_bytes": 0,
              "send_bytes": 0, "stats": {"send_bytes": 0, "send_bytes_details": R0,
                                         "recv_bytes": 0, "recv_bytes_details": R0}}
             for o in m.nodes if o != name and m.link_up(name, o)]
    d = {
        "name": name, "type": s.type, "running": m.considers_running(viewer, name),
        "partitions": sorted(m.partitions[name]), "os_pid": str(s.os_pid),
        "fd_total": 1_048_576, "fd_used": 40 + m.connections[name],
        "sockets_total": 943_629, "sockets_used": m.connections[name],
        "mem_limit": s.mem_limit, "mem_used": mem, "mem_alarm": s.mem_alarm,
        "mem_calculation_strategy": "rss", "disk_free_limit": s.disk_free_limit,
        "disk_free": disk, "disk_free_alarm": s.disk_alarm, "proc_total": 1_048_576,
        "proc_used": 400 + 3 * hosted, "rates_mode": "basic",
        "uptime": int((time.time() - s.started_at) * 1000), "run_queue": 1, "processors": 2,
        "net_ticktime": s.net_ticktime, "being_drained": s.being_drained,
        "db_dir": f"/var/lib/rabbitmq/mnesia/{name}", "cluster_links": links,
        "config_files": ["/etc/rabbitmq/rabbitmq.conf"], "enabled_plugins": ["rabbitmq_management"],
        "log_files": [f"/var/log/rabbitmq/{name}.log", "<stdout>"],
        "applications": [{"name": "rabbit", "description": "RabbitMQ", "version": m.version}],
        "auth_mechanisms": [{"name": "PLAIN", "description": "SASL PLAIN authentication mechanism",
                             "enabled": True}],
        "contexts": [{"description": "RabbitMQ Management", "path": "/", "ip": "127.0.0.1",
                      "port": str(m.endpoints.get(name, {}).get("http", 15672))}],
        "exchange_types": EXCHANGE_TYPES, "metrics_gc_queue_length": {},
        "ra_open_file_metrics": {"ra_log_wal": 1, "ra_log_segment_writer": 0},
    }
    for k in NODE_COUNTERS:
        d[k], d[k + "_details"] = 0, R0
    for k in ("mem_used", "fd_used", "sockets_used", "proc_used", "disk_free"):
        d[k + "_details"] = R0
    if m.major < 4:
        del d["being_drained"]  # 3.10.8 does not list it (samples)
    return d


class ViewCtx:
    """Per-request facts about ``viewer``'s side, computed once for thousands of queues."""

    def __init__(self, m, viewer: str):
        self.m, self.viewer = m, viewer
        self.linked = {n for n in m.nodes if m.link_up(viewer, n)}
        self.running = {n for n in self.linked if n not in m.partitions[viewer]}
        self.minority = viewer in m.minority
        self.isolated = viewer in m.isolated


STATS_KEYS = frozenset(
    "consumers consumer_capacity consumer_utilisation memory message_bytes "
    "message_bytes_persistent message_bytes_ram message_bytes_ready message_bytes_unacknowledged "
    "messages_details messages_persistent messages_ram messages_ready_details "
    "messages_unacknowledged_details reductions reductions_details garbage_collection "
    "message_bytes_dlx messages_dlx single_active_consumer_ctag open_files exclusive_consumer_tag "
    "head_message_timestamp message_bytes_paged_out messages_paged_out messages_ready_ram "
    "messages_unacknowledged_ram single_active_consumer_tag backing_queue_status idle_since "
    "message_stats".split())


def queue_state(ctx: ViewCtx, q) -> dict:
    """The facts of ``q`` from ``ctx.viewer``'s side (its fork during a split, else the truth)."""
    fork = q.forks.get(ctx.viewer) if ctx.minority else None
    if q.type == "quorum":
        online = [x for x in q.members if x in ctx.linked]
        in_cut = ctx.isolated and fork is not None
        return {"leader": fork.leader if in_cut else q.leader, "online": online,
                "messages": fork.messages if in_cut else q.messages,
                "unacked": 0 if in_cut else q.unacked}
    if fork is not None:
        return {"node": fork.node, "slaves": fork.slaves, "synced": fork.synced,
                "messages": fork.messages, "unacked": 0, "down": fork.down}
    run = ctx.running
    return {"node": q.node, "slaves": [x for x in q.slaves if x in run],
            "synced": [x for x in q.synced if x in run], "messages": q.messages,
            "unacked": q.unacked, "down": q.node not in run}


def queue_item(m, viewer: str, q, stats: bool = True, totals: bool = False,
               want: set | None = None, ctx: ViewCtx | None = None) -> dict:
    """One queue object as ``/api/queues`` lists it (``stats`` False = ``disable_stats``).

    ``want``: the requested top-level columns; stats are not computed when none is wanted.
    """
    ctx = ctx or ViewCtx(m, viewer)
    st = queue_state(ctx, q)
    stale_trap = totals and not stats and m.stale_totals_sync_trap
    quorum_node = stats
    # 3.10.8 with disable_stats reports the queue record's state: "live" where the stats say
    # "running" ("down" stays "down"), seen on the lab.
    up = "running" if stats else "live"
    if want is not None and stats and want.isdisjoint(STATS_KEYS):
        stats, totals = False, True  # same visible result, much cheaper
    d = {"arguments": q.arguments, "auto_delete": q.auto_delete, "durable": q.durable,
         "exclusive": q.exclusive, "name": q.name, "type": q.type, "vhost": q.vhost}
    pol = m.policy_for(q)
    if q.published and stats:
        d["message_stats"] = {"publish": q.published, "publish_details": R0}
    if q.type == "quorum":
        d.update(leader=st["leader"], members=list(q.members), online=st["online"])
        if st["leader"] is None:
            return d
        if quorum_node:
            d["node"] = st["leader"]
        d.update(state=up, policy=None, operator_policy=None,
                 effective_policy_definition={})
    else:
        d.update(node=st["node"], state="down" if st["down"] else up,
                 policy=pol["name"] if pol else None, operator_policy=None,
                 effective_policy_definition=dict(pol["definition"]) if pol else {})
        if pol is not None and m.major < 4 and not q.exclusive:
            synced = st["synced"]
            if stale_trap:
                synced = synced[:1]
            d.update(slave_nodes=list(st["slaves"]), synchronised_slave_nodes=list(synced),
                     recoverable_slaves=list(st["slaves"]))
        if st["down"]:
            return d
    if stats or totals:
        msgs, unacked = st["messages"], st["unacked"]
        d.update(messages=msgs, messages_ready=msgs - unacked, messages_unacknowledged=unacked)
    if stats:
        _stats(d, q, st)
    return d


def _stats(d: dict, q, st: dict) -> None:
    msgs, unacked = st["messages"], st["unacked"]
    size = 10 * msgs
    d.update(consumers=q.consumers, consumer_capacity=0, consumer_utilisation=0,
             memory=54_456 + 100 * msgs, message_bytes=size, message_bytes_persistent=size,
             message_bytes_ram=size, message_bytes_ready=10 * (msgs - unacked),
             message_bytes_unacknowledged=10 * unacked, messages_details=R0,
             messages_persistent=msgs, messages_ram=msgs, messages_ready_details=R0,
             messages_unacknowledged_details=R0, reductions=78_325, reductions_details=R0,
             garbage_collection={"fullsweep_after": 65535, "max_heap_size": 0,
                                 "min_bin_vheap_size": 46422, "min_heap_size": 233,
                                 "minor_gcs": 29})
    if q.type == "quorum":
        d.update(message_bytes_dlx=0, messages_dlx=0, single_active_consumer_ctag=None,
                 open_files={x: 0 for x in st["online"]}, messages_ram=0)
        return
    d.update(exclusive_consumer_tag=None, head_message_timestamp=None, message_bytes_paged_out=0,
             messages_paged_out=0, messages_ready_ram=msgs - unacked,
             messages_unacknowledged_ram=unacked, single_active_consumer_tag=None,
             backing_queue_status={"mode": "default", "len": msgs, "q1": 0, "q2": 0, "q3": 0,
                                   "q4": msgs, "version": 1, "target_ram_count": "infinity"})
    if not q.consumers:
        d["idle_since"] = time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime())


def visible_queues(m, viewer: str, vhost: str | None = None) -> list:
    with m.lock:
        qs = list(m.queues.values())
    return qs if vhost is None else [q for q in qs if q.vhost == vhost]


def overview(m, viewer: str) -> dict:
    """``GET /api/overview`` from ``viewer``'s API."""
    with m.lock:
        msgs = unacked = consumers = 0
        ctx = ViewCtx(m, viewer)
        for q in m.queues.values():
            st = queue_state(ctx, q)
            msgs += st["messages"]
            unacked += st["unacked"]
            consumers += q.consumers
        seen = [n for n in m.nodes if m.link_up(viewer, n)]
        listeners = []
        for proto in ("amqp", "clustering", "http"):
            for n in seen:
                ep = m.endpoints.get(n, {})
                port = 25671 + m.nodes[n].index if proto == "clustering" else ep.get(proto, 0)
                listeners.append({"node": n, "protocol": proto, "ip_address": "127.0.0.1",
                                  "port": port, "socket_opts": {}})
        churn = {}
        for k in ("channel_closed", "channel_created", "connection_closed", "connection_created"):
            churn[k], churn[k + "_details"] = 0, R0
        for k, v in m.churn.items():
            churn[k], churn[k + "_details"] = v, R0
        return {
            "management_version": m.version, "rates_mode": "basic",
            "sample_retention_policies": {"global": [600, 3600, 28800, 86400],
                                          "basic": [600, 3600], "detailed": [600]},
            "exchange_types": EXCHANGE_TYPES, "product_version": m.version,
            "product_name": "RabbitMQ", "rabbitmq_version": m.version,
            "cluster_name": m.cluster_name, "erlang_version": ERLANG,
            "erlang_full_version": ERLANG_FULL, "release_series_support_status": "supported",
            "disable_stats": False, "enable_queue_totals": False,
            "message_stats": {"publish": sum(q.published for q in m.queues.values()),
                              "publish_details": R0},
            "churn_rates": churn,
            "queue_totals": {"messages": msgs, "messages_details": R0,
                             "messages_ready": msgs - unacked, "messages_ready_details": R0,
                             "messages_unacknowledged": unacked,
                             "messages_unacknowledged_details": R0},
            "object_totals": {"channels": sum(m.channels[n] for n in seen),
                              "connections": sum(m.connections[n] for n in seen),
                              "consumers": consumers, "exchanges": 7 * len(m.vhosts),
                              "queues": len(m.queues)},
            "statistics_db_event_queue": 0, "node": viewer, "listeners": listeners,
            "contexts": [{"node": n, "description": "RabbitMQ Management", "path": "/",
                          "ip": "127.0.0.1", "port": str(m.endpoints.get(n, {}).get("http", 0))}
                         for n in seen],
        }

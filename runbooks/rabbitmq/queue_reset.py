"""RabbitMQ queue reset: purge, delete (guarded), or resync a classic mirrored queue.

Preflight reads live data through the same client and assessment the console uses: the queue
exists, no partition, the queue's node runs, the mode applies (sync only on 3.x mirrored queues;
quorum queues replicate through Raft, so only purge and delete apply).
"""

from __future__ import annotations

from typing import Any

from msgops.probes.errors import BadReply
from msgops.probes.rabbitmq.parse import parse_queue
from msgops.probes.rabbitmq.target import quote_vhost
from msgops.runbooks.model import Check, ConsoleKey, Param, RunContext, Runbook, Step

MODES = ("purge", "delete", "sync")


def _queue_params(mode: str):  # noqa: ANN202
    def params(target: Any, queue: Any) -> dict[str, Any]:
        return {"target": target.name, "queue": queue.name, "vhost": queue.vhost, "mode": mode}
    return params


def _syncable(queue: Any) -> tuple[bool, str]:
    if queue.type == "quorum":
        return False, "a quorum queue replicates through Raft: there is nothing to sync"
    if not queue.mirrors:
        return False, "the queue has no mirrors (no ha-mode policy applies)"
    return True, ""


class QueueReset(Runbook):
    name = "queue-reset"
    title = "RabbitMQ queue reset (purge | delete | sync mirrors)"
    tier = "rabbitmq"
    params = (
        Param("target", "the RabbitMQ target's name in the inventory", required=True),
        Param("queue", "the queue's name", required=True),
        Param("vhost", "the queue's virtual host", default="/"),
        Param("mode", "purge (drop messages), delete, or sync (classic mirrored, 3.x)", required=True, choices=MODES),
        Param("force", "delete even if the queue has messages or consumers (typed name still required)",
              kind=bool, default=False),
    )

    keys = (
        ConsoleKey("p", "Purge", "queue", _queue_params("purge"), help="purge the queue's ready messages"),
        ConsoleKey("D", "Delete", "queue", _queue_params("delete"), help="delete the queue (if empty and unused)"),
        ConsoleKey("y", "Sync", "queue", _queue_params("sync"), applies=_syncable,
                   help="synchronise a classic mirrored queue's mirrors (3.x)"),
    )

    def make_client(self, target: Any) -> Any:
        from msgops.probes.rabbitmq.client import ManagementClient

        return ManagementClient(target)

    async def _queue(self, ctx: RunContext) -> dict | None:
        vhost, name = ctx.params["vhost"], ctx.params["queue"]
        try:
            data, _ = await ctx.client.get(_queue_path(vhost, name), timeout=ctx.target.queue_timeout)
        except BadReply as exc:
            if exc.status == 404:
                return None
            raise
        return data

    async def preflight(self, ctx: RunContext) -> list[Check]:
        p = ctx.params
        resuming = ctx.facts.get("resuming", False)
        from msgops.probes.rabbitmq.assess import assess
        from msgops.probes.rabbitmq.collect import RabbitProbe

        probe = RabbitProbe(ctx.target, client=ctx.client)
        snapshot = await probe.poll(light=True)  # partition and nodes; the queue itself is read below
        findings = assess(snapshot)
        checks: list[Check] = []
        if snapshot.error:
            return [Check("management API", False, snapshot.error)]
        version = snapshot.version or "?"
        checks.append(Check("version", True, f"RabbitMQ {version}"))
        partition = next((f for f in findings if f.code == "partition"), None)
        checks.append(Check("no partition", partition is None,
                            partition.reason if partition else "every node sees every other node"))
        raw = await self._queue(ctx)
        label = f"queue {p['queue']!r} on vhost {p['vhost']!r}"
        if raw is None:
            if resuming:  # a delete may already have happened; the steps verify themselves
                checks.append(Check("queue exists", True, f"{label} is gone (resuming an earlier run)", blocking=False))
                return checks
            checks.append(Check("queue exists", False, f"{label} does not exist"))
            return checks
        queue = parse_queue(raw)
        checks.append(Check("queue exists", True, f"{label}: {queue.type}, node {queue.node}"))
        if not resuming:
            ctx.facts["before"] = {"messages": raw.get("messages"), "messages_ready": raw.get("messages_ready"),
                                   "published": _published(raw), "consumers": raw.get("consumers")}
        running = {n.name for n in snapshot.nodes if n.running}
        home = queue.leader if queue.type == "quorum" else queue.node
        checks.append(Check("queue's node running", home in running, f"{home} is {'running' if home in running else 'NOT running'}"))
        checks.append(Check("messages and consumers", True,
                            f"{raw.get('messages', '?')} messages ({raw.get('messages_unacknowledged', 0)} unacked), "
                            f"{raw.get('consumers', '?')} consumers", blocking=False))
        checks += self._mode_checks(ctx, queue, raw, snapshot.major_version)
        return checks

    def _mode_checks(self, ctx: RunContext, queue: Any, raw: dict, major: int | None) -> list[Check]:
        mode = ctx.params["mode"]
        if mode == "sync":
            if queue.type == "quorum":
                return [Check("mode applies", False, "quorum queues replicate through Raft and have no sync "
                                                     "action; modes that apply: purge, delete")]
            if major is not None and major >= 4:
                return [Check("mode applies", False, f"RabbitMQ {major}.x has no classic mirrored queues")]
            if not queue.mirrors:
                return [Check("mode applies", False, "the queue is not mirrored (no ha-mode policy applies)")]
            missing = queue.unsynchronised_mirrors
            return [Check("mode applies", True, f"mirrors {len(queue.mirrors)}, unsynchronised: "
                                                f"{', '.join(missing) or 'none (sync is a no-op)'}")]
        if mode == "delete" and not ctx.params["force"]:
            problems = []
            if raw.get("messages"):
                problems.append(f"has {raw['messages']} messages")
            if raw.get("consumers"):
                problems.append(f"has {raw['consumers']} consumers")
            if problems:
                return [Check("delete guards", False, f"the queue {' and '.join(problems)}: delete refuses "
                                                      "(if-empty/if-unused); purge first, or pass force=true",
                              override="force")]
        return [Check("mode applies", True, f"{mode} on a {queue.type} queue")]

    def plan(self, ctx: RunContext) -> list[Step]:
        p = ctx.params
        vhost, name, mode = p["vhost"], p["queue"], p["mode"]
        path = _queue_path(vhost, name)
        where = f"{name!r} (vhost {vhost!r})"
        before = ctx.facts.get("before", {})
        now = (f" — now {_known(before.get('messages'))} messages, {_known(before.get('consumers'))} consumers"
               if before else "")

        if mode == "purge":
            async def act(c: RunContext) -> str:
                await c.client.request("DELETE", path + "/contents")
                return f"purge requested; {c.facts.get('before', {}).get('messages_ready', '?')} ready messages before"
            return [Step("purge", f"Purge all ready messages of {where}{now}", act, self._verify_purged,
                         on_failure="The purge request may or may not have been applied: check the queue's "
                                    "message count in the console, then rerun the runbook (it resumes).",
                         confirm_name=name, timeout=30)]
        if mode == "delete":
            guards = {} if p["force"] else {"if-empty": "true", "if-unused": "true"}

            async def act(c: RunContext) -> str:
                await c.client.request("DELETE", path, params=guards or None)
                return "delete requested" + (" with if-empty and if-unused" if guards else " (forced)")
            return [Step("delete", f"Delete {where}" + ("" if guards else " even with messages/consumers") + now, act,
                         self._verify_gone,
                         on_failure="The queue may still exist (a guard refused, or the node is slow): look at "
                                    "it in the console; clients that declare it will recreate it.",
                         confirm_name=name, timeout=30)]

        async def act(c: RunContext) -> str:
            await c.client.request("POST", path + "/actions", body={"action": "sync"})
            return "sync requested"
        return [Step("sync", f"Synchronise the mirrors of {where}", act, self._verify_synced,
                     on_failure="Mirrors are still unsynchronised: a large queue can take long; the queue is "
                                "blocked while it syncs. Check the console, or cancel with the sync action "
                                "'cancel_sync' and retry off-peak.",
                     confirm_name=name, timeout=120,
                     warning="sync blocks the queue (publishes and consumers wait) until it finishes")]

    async def _verify_purged(self, ctx: RunContext) -> tuple[bool, str]:
        raw = await self._queue(ctx)
        if raw is None:
            return False, "the queue disappeared"
        before = ctx.facts.get("before", {})
        published, published_before = _published(raw), before.get("published")
        # A queue declared moments ago may have no message_stats yet (None before or now): then
        # count nothing as "published since", the strict reading (ready must be 0).
        since = max(0, published - published_before) if None not in (published, published_before) else 0
        ready = raw.get("messages_ready")
        if ready is None:
            return False, "no message count yet (statistics not collected)"
        ok = ready <= since
        return ok, f"{ready} ready now, {since} published since the purge (unacked {raw.get('messages_unacknowledged', 0)})"

    async def _verify_gone(self, ctx: RunContext) -> tuple[bool, str]:
        raw = await self._queue(ctx)
        return raw is None, "queue is gone" if raw is None else f"queue still exists ({raw.get('messages')} messages)"

    async def _verify_synced(self, ctx: RunContext) -> tuple[bool, str]:
        raw = await self._queue(ctx)
        if raw is None:
            return False, "the queue disappeared"
        queue = parse_queue(raw)
        synced, total = len(queue.mirrors or ()) - len(queue.unsynchronised_mirrors), len(queue.mirrors or ())
        return synced == total, f"synchronised mirrors {synced}/{total}"

    async def final_verify(self, ctx: RunContext) -> tuple[bool, str]:
        step = {"purge": self._verify_purged, "delete": self._verify_gone, "sync": self._verify_synced}
        return await step[ctx.params["mode"]](ctx)


def _queue_path(vhost: str, name: str) -> str:
    return f"/api/queues/{quote_vhost(vhost)}/{quote_vhost(name)}"


def _published(raw: dict) -> int | None:
    stats = raw.get("message_stats") or {}
    value = stats.get("publish")
    return value if isinstance(value, int) else None


def _known(value: Any) -> Any:
    """A count the management API may not have yet (statistics lag): '?' instead of None."""
    return "?" if value is None else value

"""queue-reset from the console on the wire-level simulator (the real-lab twin of these tests is
tests/integration/test_runbook_tui.py): each mode end to end through the keys an operator presses,
the typed-confirmation modal, the delete guards' explicit override, and read-only mode."""

from __future__ import annotations

from contextlib import contextmanager

from msgops.console.app import make_app
from msgops.console.config import with_read_only
from msgops.console.screens.confirm import ConfirmScreen
from msgops.console.tiers.rabbitmq.queue_detail import QueueDetailScreen
from msgops.console.screens.runbook import RunbookScreen
from msgops.runbooks.audit import AuditLog
from msgops.sim.rabbitmq.cluster import SimCluster
from tests.sim_inventory import sim_inventory

from . import runbook_driver as drive
from .fixtures import screen_text

KEY = "rabbitmq/rpc"
PASSWORD = "PLANTED-pw-4711"


@contextmanager
def demo_estate(tmp_path):
    """A simulated 3-node cluster with no scripted incident or drift: message counts stay put."""
    cluster = SimCluster(3, user="msgops", password=PASSWORD, node_host="rpc")
    cluster.start_in_thread()
    try:
        yield sim_inventory(cluster, tmp_path, extra="poll_interval = 1.0\nqueue_interval = 5.0\ncanary = false\n"), cluster
    finally:
        cluster.stop_in_thread()


def messages_of(rpc, name: str) -> int:
    with rpc.model.lock:
        return rpc.model.get_queue("/", name).messages


async def test_purge_from_the_console(tmp_path):
    with demo_estate(tmp_path) as (inventory, rpc):
        assert messages_of(rpc, "ha.q1") > 0
        messages = drive.hook()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
            outcome = await drive.reset_from_console(app, pilot, messages, KEY, "ha.q1", "purge")
            assert outcome["outcome"] == "ok", outcome
            assert messages_of(rpc, "ha.q1") == 0
            seen = screen_text(app)
            assert "OK: done and verified" in seen and outcome["audit_id"] in seen
            assert PASSWORD not in seen
            kinds = [e["event"] for e in drive.events(messages, 0)]
            assert kinds.index("plan") < kinds.index("step") and "final_verify" in kinds
            audit = AuditLog(inventory.settings.state_dir / "audit.jsonl").entries(outcome["audit_id"])
            assert [a["event"] for a in audit] == ["start", "confirmed", "step", "end"]
            poller = app.pollers[KEY]  # paused for the step and resumed: each bumps the generation
            assert not poller.paused and poller.generation >= 2
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, QueueDetailScreen)


async def test_wrong_name_is_refused_in_the_modal_then_cancel_changes_nothing(tmp_path):
    with demo_estate(tmp_path) as (inventory, rpc):
        before = messages_of(rpc, "ha.q2")
        messages = drive.hook()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
            await drive.open_queue(app, pilot, messages, KEY, "ha.q2")
            mark = await drive.start_reset(pilot, messages, "purge")
            await drive.confirm(pilot, messages, mark, "ha.q3")
            assert isinstance(app.screen, ConfirmScreen), "a wrong name must not close the modal"
            assert "'ha.q3' does not match: type ha.q2 exactly" in screen_text(app)
            await pilot.press("escape")
            outcome = await drive.result(messages, mark)
            assert outcome["outcome"] == "not_confirmed"
            await pilot.pause()
            assert isinstance(app.screen, RunbookScreen)
            assert "nothing was changed" in screen_text(app)
        assert messages_of(rpc, "ha.q2") == before


async def test_delete_refused_by_its_guards_then_forced_with_the_typed_name(tmp_path):
    with demo_estate(tmp_path) as (inventory, rpc):
        messages = drive.hook()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
            await drive.open_queue(app, pilot, messages, KEY, "ha.q3")
            mark = await drive.start_reset(pilot, messages, "delete")
            refused = await drive.result(messages, mark)
            assert refused["outcome"] == "preflight_refused"
            await pilot.pause()
            assert "F: again with force=true" in screen_text(app)
            mark = len(messages.messages)
            await pilot.press("F")
            await drive.confirm(pilot, messages, mark, "ha.q3")
            outcome = await drive.result(messages, mark)
            assert outcome["outcome"] == "ok", outcome
            assert any(e["event"] == "step" and "forced" in e.get("detail", "") for e in drive.events(messages, mark))
        with rpc.model.lock:
            assert ("/", "ha.q3") not in {(q.vhost, q.name) for q in rpc.model.queues.values()}


async def test_sync_from_the_console_and_quorum_refusal(tmp_path):
    with demo_estate(tmp_path) as (inventory, rpc):
        rpc.model.stop_node(3)
        rpc.model.publish("/", "compute.cmp1", 5)
        rpc.model.start_node(3)
        with rpc.model.lock:
            q = rpc.model.get_queue("/", "compute.cmp1")
            assert set(q.slaves) - set(q.synced), "the restarted mirror should be unsynchronised"
        messages = drive.hook()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=messages, notifications=True) as pilot:
            outcome = await drive.reset_from_console(app, pilot, messages, KEY, "compute.cmp1", "sync")
            assert outcome["outcome"] == "ok", outcome
            verify = next(e for e in drive.events(messages, 0) if e["event"] == "final_verify")
            assert "2/2" in verify["detail"]
            plan = next(e for e in drive.events(messages, 0) if e["event"] == "plan")
            assert "sync blocks the queue" in plan["steps"][0]["warning"]
            await pilot.press("escape", "escape", "escape", "escape")  # result, detail, filter, queue list
            await drive.open_queue(app, pilot, messages, KEY, "qq.q1")
            # Sync is not offered on a quorum queue: not in the footer, and pressing it says why
            # (it used to start a run that preflight then refused).
            assert "Sync" not in screen_text(app) and "Purge" in screen_text(app)
            await pilot.press("y")
            await pilot.pause(0.3)  # the toast mounts on the next refreshes
            assert isinstance(app.screen, QueueDetailScreen)
            assert "replicates through Raft" in screen_text(app)


async def test_read_only_console_has_no_runbook_keys(tmp_path):
    with demo_estate(tmp_path) as (inventory, rpc):
        before = messages_of(rpc, "ha.q1")
        messages = drive.hook()
        app = make_app(with_read_only(inventory))
        async with app.run_test(size=(80, 24), message_hook=messages, notifications=True) as pilot:
            await drive.open_queue(app, pilot, messages, KEY, "ha.q1")
            assert "Purge" not in screen_text(app) and "Delete" not in screen_text(app)  # not in the footer
            assert "READ-ONLY" in screen_text(app)  # the marker shows on every screen
            await pilot.press("p", "D", "y")
            await pilot.pause(0.3)  # the toast mounts on the next refreshes
            assert isinstance(app.screen, QueueDetailScreen)
            assert "read-only mode" in screen_text(app)  # a refused key says why, it is not ignored
        assert messages_of(rpc, "ha.q1") == before


async def test_stale_lock_is_reported_then_broken_on_request(tmp_path):
    """A run that died left its lock: the console says whose, and B breaks it (audited) and runs."""
    import subprocess
    import sys

    with demo_estate(tmp_path) as (inventory, rpc):
        state = inventory.settings.state_dir
        holder = subprocess.run(
            [sys.executable, "-c", "from msgops.runbooks.lock import TargetLock\n"
             f"TargetLock.for_target({str(state)!r}, {KEY!r}, 'queue-reset').acquire()"], check=True)
        assert holder.returncode == 0  # the process is gone; its lock file stays
        messages = drive.hook()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
            await drive.open_queue(app, pilot, messages, KEY, "ha.q1")
            mark = await drive.start_reset(pilot, messages, "purge")
            held = await drive.result(messages, mark)
            assert held["outcome"] == "lock_held" and "stale lock" in held["message"]
            await pilot.pause()
            assert "B Break stale lock" in screen_text(app)  # the footer offers it
            assert messages_of(rpc, "ha.q1") > 0
            mark = len(messages.messages)
            await pilot.press("B")
            await drive.confirm(pilot, messages, mark, "ha.q1")
            outcome = await drive.result(messages, mark)
            assert outcome["outcome"] == "ok", outcome
        assert messages_of(rpc, "ha.q1") == 0
        assert any(a["event"] == "stale_lock_broken" for a in AuditLog(state / "audit.jsonl").entries())


async def test_a_queue_name_with_brackets_is_text_not_markup(tmp_path):
    """Queue names are the clients' own: "[b]x[/red]" must show as typed, and the runbook still runs."""
    name = "odd[b]q[/red]"
    with demo_estate(tmp_path) as (inventory, rpc):
        rpc.model.declare_queue(name, messages=3)
        messages = drive.hook()
        app = make_app(inventory)
        async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
            outcome = await drive.reset_from_console(app, pilot, messages, KEY, name, "purge")
            assert outcome["outcome"] == "ok", outcome
            assert name in screen_text(app)
        assert messages_of(rpc, name) == 0

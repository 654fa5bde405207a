"""queue-reset from the console (Pilot) against the REAL lab cluster: purge, delete (refused by its
guards, then forced with the typed name), and sync of a really unsynchronised mirror. The same
operator flow as tests/tui/test_runbook_screen.py, here on RabbitMQ 3.10 itself."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from msgops.console.app import make_app
from msgops.console.config import Inventory, Settings
from msgops.runbooks.audit import AuditLog
from tests.tui import runbook_driver as drive
from tests.tui.fixtures import screen_text

from .conftest import queue_info, seed_queue, unsynchronise, unsynchronised_mirrors, wait_for

pytestmark = [pytest.mark.lab]
KEY = "rabbitmq/lab"


@pytest.fixture
def inventory(lab_target, tmp_path) -> Inventory:
    """The lab's target with quick cadences (queue list every 2 s), and a fresh state dir."""
    target = replace(lab_target, poll_interval=1.0, queue_interval=2.0, canary=False)
    return Inventory(path="lab", settings=Settings(state_dir=tmp_path / "state"), targets=(target,))


def assert_secret_absent(lab, app, state_dir: Path) -> None:
    assert lab.password not in screen_text(app)
    for path in state_dir.rglob("*"):
        if path.is_file():
            assert lab.password not in path.read_text(errors="replace"), path


async def test_purge_from_the_console_on_the_lab(rabbit_lab, inventory):
    seed_queue(rabbit_lab, "tui.purge", 12)
    messages = drive.hook()
    app = make_app(inventory)
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        outcome = await drive.reset_from_console(app, pilot, messages, KEY, "tui.purge", "purge")
        assert outcome["outcome"] == "ok", drive.events(messages, 0)
        assert "OK: done and verified" in screen_text(app)
        assert_secret_absent(rabbit_lab, app, inventory.settings.state_dir)
    assert (queue_info(rabbit_lab, "tui.purge") or {}).get("messages_ready") == 0
    audit = AuditLog(inventory.settings.state_dir / "audit.jsonl").entries(outcome["audit_id"])
    assert [a["event"] for a in audit] == ["start", "confirmed", "step", "end"]


async def test_delete_guarded_then_forced_from_the_console_on_the_lab(rabbit_lab, inventory):
    seed_queue(rabbit_lab, "tui.delete", 3)
    messages = drive.hook()
    app = make_app(inventory)
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        await drive.open_queue(app, pilot, messages, KEY, "tui.delete")
        mark = await drive.start_reset(pilot, messages, "delete")
        refused = await drive.result(messages, mark)
        assert refused["outcome"] == "preflight_refused"
        assert queue_info(rabbit_lab, "tui.delete") is not None
        await pilot.pause()
        mark = len(messages.messages)
        await pilot.press("F")
        await drive.confirm(pilot, messages, mark, "tui.delete")
        outcome = await drive.result(messages, mark)
        assert outcome["outcome"] == "ok", drive.events(messages, mark)
    assert queue_info(rabbit_lab, "tui.delete") is None


async def test_sync_from_the_console_on_the_lab(rabbit_lab, inventory):
    unsynchronise(rabbit_lab, "tui.sync", 10)
    wait_for(lambda: unsynchronised_mirrors(rabbit_lab, "tui.sync"), 60, "an unsynchronised mirror of tui.sync")
    messages = drive.hook()
    app = make_app(inventory)
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        outcome = await drive.reset_from_console(app, pilot, messages, KEY, "tui.sync", "sync")
        assert outcome["outcome"] == "ok", drive.events(messages, 0)
        verify = next(e for e in drive.events(messages, 0) if e["event"] == "final_verify")
        assert verify["ok"] and "2/2" in verify["detail"]
    assert not unsynchronised_mirrors(rabbit_lab, "tui.sync")

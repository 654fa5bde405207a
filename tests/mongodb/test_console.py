"""The MongoDB screens in the console (Pilot, 80x24) on a simulated replica set over real TCP: the
members, the banners, a member's detail, a hung member named within its deadline while the UI stays
live, and the failover runbook from its key — typed confirmation, success, and the race."""

from __future__ import annotations

import time

from msgops.console.app import make_app
from msgops.console.config import with_read_only
from msgops.console.messages import SnapshotCollected
from msgops.console.screens.confirm import ConfirmScreen
from msgops.console.screens.runbook import RunbookScreen
from msgops.console.tiers.mongodb.member import MemberScreen
from msgops.console.tiers.mongodb.screen import MongoScreen
from tests.mongodb.backends import PASSWORD, inventory
from tests.tui import runbook_driver as drive
from tests.tui.fixtures import Collected, screen_text
from tests.tui.test_console_live import loop_lag_during

KEY = "mongodb/catalog"


def about(key: str, code: str | None = None, subject: str | None = None):  # noqa: ANN201
    def match(m) -> bool:  # noqa: ANN001
        if not isinstance(m, SnapshotCollected) or m.key != key or m.result.snapshot is None:
            return False
        return code is None or any(f.code == code and subject in (None, f.subject) for f in m.result.findings)
    return match


async def open_set(app, pilot, hook: Collected) -> None:  # noqa: ANN001
    await hook.wait_for(about(KEY), 20)
    app.open_target(KEY)
    await pilot.pause()
    assert isinstance(app.screen, MongoScreen)


async def test_replica_set_screen_and_a_member(simset, tmp_path):
    _, inv = inventory(simset, tmp_path)
    hook = Collected()
    app = make_app(inv)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await open_set(app, pilot, hook)
        primary, (secondary, _) = simset.primary(), simset.secondaries()
        text = screen_text(app)
        for expected in ("catalog MongoDB 7.0.14 · OK · live", primary, "PRIMARY", "SECONDARY", "oplog ",
                         "headroom", "election term 1", "electionTimeout", "3/3 members healthy", "S Step down"):
            assert expected in text, expected
        assert PASSWORD not in text
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MemberScreen) and app.screen.host == secondary
        text = screen_text(app)
        assert "state (own)   SECONDARY" in text and f"sync source   {primary}" in text and "lag trend" in text
        assert "Step down, not to it" in text  # the freeze variant, on a secondary
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MongoScreen)


async def test_two_primaries_banner_and_no_step_down_key(simset, tmp_path):
    _, inv = inventory(simset, tmp_path)
    hook = Collected()
    app = make_app(inv)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await open_set(app, pilot, hook)
        mark = len(hook.messages)
        simset.sim.two_primaries()
        await hook.wait_for(about(KEY, "two_primaries"), 10, after=mark)
        await pilot.pause()
        text = screen_text(app)
        assert "TWO PRIMARIES" in text and "claim PRIMARY" in text
        assert "PRI)" in text  # the old primary: DOWN in the set's view, PRIMARY in its own
        assert "S Step down" not in text
        await pilot.press("S")
        await pilot.pause()
        assert not any(isinstance(s, RunbookScreen) for s in app.screen_stack)


async def test_hung_member_is_named_within_the_deadline_and_the_ui_stays_live(simset, tmp_path):
    _, inv = inventory(simset, tmp_path)
    (target,) = inv.of_tier("mongodb")
    hook = Collected()
    app = make_app(inv)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await open_set(app, pilot, hook)
        victim = simset.secondaries()[0]
        mark = len(hook.messages)
        started = time.monotonic()
        simset.hang(victim)
        try:
            seen = await hook.wait_for(lambda m: about(KEY)(m) and any(f.subject == victim for f in m.result.findings),
                                       target.cycle_timeout + target.poll_interval, after=mark)
            assert time.monotonic() - started < target.poll_interval + target.call_timeout + 1.5
            assert seen.result.complete  # a member's silence is data: the cycle itself finished in time
            await pilot.pause()
            assert victim in screen_text(app)
            assert await loop_lag_during(2.5) < 0.5
            count = sum(1 for m in hook.messages if about(KEY)(m))
            await hook.wait_for(about(KEY), 10, after=len(hook.messages))
            assert sum(1 for m in hook.messages if about(KEY)(m)) > count  # polls keep coming
        finally:
            simset.release(victim)


async def test_failover_from_the_console(simset, tmp_path):
    _, inv = inventory(simset, tmp_path)
    messages = drive.hook()
    app = make_app(inv)
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        await open_set(app, pilot, messages)
        old = simset.primary()
        mark = len(messages.messages)
        await pilot.press("S")
        await pilot.pause()
        assert any(isinstance(s, RunbookScreen) for s in app.screen_stack)
        await drive.confirm(pilot, messages, mark, "catalo")  # one letter short: refused in place, cleared
        assert isinstance(app.screen, ConfirmScreen) and simset.primary() == old
        await pilot.press(*"catalog", "enter")
        outcome = await drive.result(messages, mark, 60)
        assert outcome["outcome"] == "ok", outcome
        assert simset.primary() != old
        await pilot.pause()
        text = screen_text(app)
        assert "OK: done and verified" in text and PASSWORD not in text


async def test_a_change_while_the_operator_types_is_refused(simset, tmp_path):
    _, inv = inventory(simset, tmp_path, poll_interval=30.0)  # the console does not repaint meanwhile
    messages = drive.hook()
    app = make_app(inv)
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        await open_set(app, pilot, messages)
        primary = simset.primary()
        mark = len(messages.messages)
        await pilot.press("S")
        await messages.wait_for(lambda m: type(m).__name__ == "ConfirmationRequested", 30, after=mark)
        simset.sim.refuse_step_down(30)  # while the modal is open, every secondary falls behind
        await pilot.pause()
        await pilot.press(*"catalog", "enter")
        outcome = await drive.result(messages, mark, 60)
        assert outcome["exit_code"] == 2 and "changed since the plan" in outcome["message"]
        assert "electable secondary" in outcome["message"] and simset.primary() == primary


async def test_read_only_console_offers_no_failover(simset, tmp_path):
    _, inv = inventory(simset, tmp_path)
    hook = Collected()
    app = make_app(with_read_only(inv))
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await open_set(app, pilot, hook)
        await pilot.pause()
        assert "S Step down" not in screen_text(app) and "READ-ONLY" in screen_text(app)
        await pilot.press("S")
        await pilot.pause()
        assert not any(isinstance(s, RunbookScreen) for s in app.screen_stack)

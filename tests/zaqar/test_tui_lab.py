"""pool-reweight from the console against the REAL lab: open the Zaqar pane, open a pool, press the
runbook's key, type the weight, type the pool's name, read the result; and drain a pool the same way."""

from __future__ import annotations

import pytest

from msgops.console.app import make_app
from msgops.console.config import load_inventory
from msgops.console.messages import SnapshotCollected
from msgops.console.screens.runbook import ConfirmationRequested, RunbookEvent
from msgops.console.tiers.zaqar.pool_detail import PoolDetailScreen

from tests.tui.fixtures import Collected, screen_text
from tests.tui.runbook_driver import confirm, result

from .helpers import lab_inventory, restore, weights

pytestmark = pytest.mark.lab


@pytest.fixture
def lab(zaqar_lab):
    restore(zaqar_lab)
    yield zaqar_lab
    restore(zaqar_lab)


async def test_reweight_and_drain_from_the_console(lab, tmp_path):
    inventory = load_inventory(lab_inventory(lab, tmp_path), env={})
    messages = Collected(SnapshotCollected, RunbookEvent, ConfirmationRequested)
    app = make_app(inventory)
    async with app.run_test(size=(80, 24), message_hook=messages) as pilot:
        await messages.wait_for(lambda m: isinstance(m, SnapshotCollected) and m.key == "zaqar/lab"
                                and m.result.snapshot.health is not None, 60)
        app.open_target("zaqar/lab")
        await pilot.pause()
        assert "POOL3" in screen_text(app) and "20%" in screen_text(app)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PoolDetailScreen) and "Pool POOL3" in screen_text(app)
        mark = len(messages.messages)
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *"60", "enter")
        await confirm(pilot, messages, mark, "POOL3")
        outcome = await result(messages, mark, 120)
        assert outcome["outcome"] == "ok", outcome
        assert weights(lab)["POOL3"] == 60
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PoolDetailScreen)
        mark = len(messages.messages)
        await pilot.press("d")
        await confirm(pilot, messages, mark, "POOL3")
        outcome = await result(messages, mark, 120)
        assert outcome["outcome"] == "ok", outcome
        assert weights(lab)["POOL3"] == 0

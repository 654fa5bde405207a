"""The command palette offers actions, not only "open": refresh, help, findings of a target, and
every key the current screen offers by name (runbooks included, only where they apply)."""

from __future__ import annotations

from textual.command import CommandPalette

from .fixtures import deterministic_app, feed, screen_text


async def _search(app, pilot, text: str) -> str:
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*text)
    await pilot.pause(0.5)
    shown = screen_text(app)
    await pilot.press("escape")
    await pilot.pause()
    return shown


async def test_palette_offers_actions(tmp_path):
    app = deterministic_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        feed(app, "rabbitmq/lab", "netns-unsync")
        await pilot.pause()
        assert "Refresh all targets now" in await _search(app, pilot, "refresh")
        assert "Findings of rabbitmq/lab" in await _search(app, pilot, "findings")
        app.open_target("rabbitmq/lab")
        await pilot.pause()
        await pilot.press("enter")  # the first queue (compute.cmp1, classic mirrored)
        await pilot.pause()
        shown = await _search(app, pilot, "purge")
        assert "Purge (p)" in shown
        assert "Sync (y)" in await _search(app, pilot, "sync")

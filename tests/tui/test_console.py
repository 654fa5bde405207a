"""Pilot tests of the console screens on recorded real snapshots (no sleeps, no network)."""

from msgops.console.messages import SnapshotCollected
from msgops.console.tiers.rabbitmq.queue_detail import QueueDetailScreen
from msgops.console.tiers.rabbitmq.screen import RabbitScreen
from msgops.widgets.banner import Banner
from msgops.widgets.virtual_table import VirtualTable

from .fixtures import deterministic_app, feed, screen_text



async def test_overview_lists_targets_with_worst_finding(tmp_path):
    app = deterministic_app(tmp_path)
    seen = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        feed(app, "rabbitmq/lab", "netns-link-during-majority", "netns-link-during-minority")
        await pilot.pause()
        assert any(isinstance(m, SnapshotCollected) for m in seen)
        table = app.screen.query_one("#targets")
        health = str(table.get_cell("rabbitmq/lab", "health"))
        assert health == "CRIT"
        assert "network partition" in str(table.get_cell("rabbitmq/lab", "summary"))
        assert str(table.get_cell("rabbitmq/notify", "health")).strip() == "??"
        assert "PLANTED-SECRET" not in screen_text(app)


async def test_rabbit_screen_partition_banner_and_queue_detail(tmp_path):
    app = deterministic_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        feed(app, "rabbitmq/lab", "netns-link-during-majority", "netns-link-during-minority")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RabbitScreen)
        banner = app.screen.query_one(Banner)
        assert banner.display and "rabbit3@rmq3" in banner.message
        queues = app.screen.query_one(VirtualTable)
        assert queues.model.total == 15
        await pilot.press("slash", *"qq.q")
        await pilot.pause()
        assert queues.model.shown == 3  # qq.q1..3 (not qq.neutron)
        await pilot.press("enter")  # back to the table
        await pilot.press("enter")  # open the queue under the cursor
        await pilot.pause()
        assert isinstance(app.screen, QueueDetailScreen)
        assert "members" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("escape", "escape")  # clear filter, back to overview
        await pilot.pause()
        assert not isinstance(app.screen, RabbitScreen)


async def test_cursor_stays_on_queue_across_refresh_and_sort(tmp_path):
    app = deterministic_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        feed(app, "rabbitmq/lab", "netns-steady")
        await pilot.pause()
        app.open_target("rabbitmq/lab")
        await pilot.pause()
        table = app.screen.query_one(VirtualTable)
        await pilot.press("down", "down", "down")
        key = table.cursor_key
        assert key is not None
        feed(app, "rabbitmq/lab", "netns-unsync")  # a new poll arrives
        await pilot.pause()
        assert table.cursor_key == key
        await pilot.press("s")
        await pilot.pause()
        assert table.cursor_key == key


async def test_unsynchronised_mirror_rows_are_flagged(tmp_path):
    app = deterministic_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        feed(app, "rabbitmq/lab", "netns-unsync")
        await pilot.pause()
        app.open_target("rabbitmq/lab")
        await pilot.pause()
        rows = {r.key: r for r in app.estate.rows["rabbitmq/lab"]}
        assert rows["/\x00ha.q1"].style_class == "-warn"
        assert rows["/\x00ha.q1"].cells[4] == "1/2"
        assert rows["/\x00qq.q1"].style_class == ""


async def test_help_and_quit(tmp_path):
    app = deterministic_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert "command palette" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code in (0, None)


async def test_no_color_keeps_meaning_in_words(tmp_path, monkeypatch):
    """With NO_COLOR the screen is monochrome; health and the partition still read as words."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = deterministic_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        feed(app, "rabbitmq/lab", "netns-link-during-majority", "netns-link-during-minority")
        await pilot.pause()
        app.open_target("rabbitmq/lab")
        await pilot.pause()
        text = screen_text(app)
        assert "PARTITION" in text and "CRIT" in text and "WARN" in text

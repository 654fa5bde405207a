"""80x24 snapshots of each screen with a deterministic config (recorded data, frozen clock)."""

from .fixtures import deterministic_app, feed

SIZE = (80, 24)


def test_overview_partitioned(snap_compare, tmp_path):
    app = deterministic_app(tmp_path)

    async def before(pilot):
        feed(app, "rabbitmq/lab", "netns-link-during-majority", "netns-link-during-minority")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_rabbit_screen_partitioned(snap_compare, tmp_path):
    app = deterministic_app(tmp_path)

    async def before(pilot):
        feed(app, "rabbitmq/lab", "netns-link-during-majority", "netns-link-during-minority")
        await pilot.pause()
        app.open_target("rabbitmq/lab")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_rabbit_screen_unsynchronised(snap_compare, tmp_path):
    app = deterministic_app(tmp_path)

    async def before(pilot):
        feed(app, "rabbitmq/lab", "netns-unsync")
        await pilot.pause()
        app.open_target("rabbitmq/lab")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_queue_detail(snap_compare, tmp_path):
    app = deterministic_app(tmp_path)

    async def before(pilot):
        feed(app, "rabbitmq/lab", "netns-unsync")
        await pilot.pause()
        app.open_target("rabbitmq/lab")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=before)

"""The Textual App: owns the estate, runs poll workers, and hands data down to the top screen."""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Any, Callable

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.css.query import NoMatches

from msgops.console.config import Inventory
from msgops.console.estate import Estate, key_of
from msgops.console.messages import PollFailed, SnapshotCollected
from msgops.console.rows import queue_rows
from msgops.console.screens.help import HelpScreen
from msgops.console.screens.overview import OverviewScreen
from msgops.probes.poller import Poller, make_probe


class TargetCommands(Provider):
    """Command palette: open any target, refresh now."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app: MsgopsApp = self.app  # type: ignore[assignment]
        for key in app.estate.states:
            text = f"Open {key}"
            if (score := matcher.match(text)) > 0:
                yield Hit(score, matcher.highlight(text), partial(app.open_target, key), help="tier screen")
        for text, action in (("Refresh all targets now", app.action_refresh), ("Show help", app.action_help)):
            if (score := matcher.match(text)) > 0:
                yield Hit(score, matcher.highlight(text), action)


class MsgopsApp(App[int]):
    """msgops console. ``poll=False`` builds it without workers (snapshot tests feed it directly)."""

    TITLE = "msgops"
    CSS_PATH = "msgops.tcss"
    COMMANDS = App.COMMANDS | {TargetCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(
        self,
        inventory: Inventory,
        *,
        poll: bool = True,
        clock: Callable[[], float] = time.monotonic,
        probe_factory: Callable[[Any], Any] = make_probe,
    ) -> None:
        super().__init__()
        self.inventory = inventory
        self.estate = Estate(list(inventory.targets), clock=clock)
        self.pollers: dict[str, Poller] = {}
        self._poll = poll
        self._probe_factory = probe_factory

    def on_mount(self) -> None:
        self.push_screen(OverviewScreen())
        if self._poll:
            for target in self.inventory.targets:
                key = key_of(target)
                self.pollers[key] = Poller(self._probe_factory(target))
                self.request_poll(key)
                self.set_interval(target.poll_interval, partial(self.request_poll, key))
        self.set_interval(1.0, self.refresh_screen)
        self.refresh_screen()

    async def on_unmount(self) -> None:
        await asyncio.gather(*(p.aclose() for p in self.pollers.values()), return_exceptions=True)

    def request_poll(self, key: str, full: bool = False) -> None:
        """Start a poll of ``key`` unless one is in flight or the target is paused (never overlap).

        ``full`` also lists the queues now instead of when due (after a runbook step, on ``r``)."""
        poller = self.pollers.get(key)
        if poller is not None and not poller.busy and not poller.paused:
            self.poll_worker(key, full)

    @work(exit_on_error=False, group="poll")
    async def poll_worker(self, key: str, full: bool = False) -> None:
        poller = self.pollers[key]
        try:
            result = await poller.poll_once(full=full)
            if result is None:
                return  # overlapping, paused, or invalidated: drop it
            rows = await asyncio.to_thread(queue_rows, result.snapshot, result.findings)
        except Exception as exc:  # noqa: BLE001 - a probe bug is a finding, not a crash
            self.post_message(PollFailed(key, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(SnapshotCollected(key, result, rows))

    def on_snapshot_collected(self, message: SnapshotCollected) -> None:
        self.estate.accept(message.key, message.result, message.rows)
        self.refresh_screen()

    def on_poll_failed(self, message: PollFailed) -> None:
        self.estate.failed(message.key, message.error)
        self.refresh_screen()

    def refresh_screen(self) -> None:
        """Hand the estate to the top screen only (hidden screens catch up when resumed)."""
        screen = self.screen
        show = getattr(screen, "show_estate", None)
        if show is not None and screen.is_mounted:
            try:
                show(self.estate)
            except NoMatches:  # the screen's widgets are being removed (the app is exiting)
                pass

    def on_screen_resume(self) -> None:
        self.refresh_screen()

    def open_target(self, key: str) -> None:
        target = self.estate.states[key].target
        if target.tier == "rabbitmq":
            from msgops.console.screens.rabbitmq import RabbitScreen

            self.push_screen(RabbitScreen(key))
            self.call_after_refresh(self.refresh_screen)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_refresh(self) -> None:
        for key in self.pollers:
            self.request_poll(key, full=True)
        self.notify("refreshing", timeout=1.5)


def make_app(inventory: Inventory, **kwargs: Any) -> MsgopsApp:
    """The one way the CLI and the tests build the console."""
    return MsgopsApp(inventory, **kwargs)


def run_console(inventory: Inventory) -> int:
    make_app(inventory).run()
    return 0

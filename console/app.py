"""The Textual App: owns the estate, runs poll workers, and hands data down to the top screen.

Generic: it iterates the inventory's targets and asks the tier registry (probes) and each tier's
console half (``console/tiers/<tier>``) for the rest; no tier is named here.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import traceback
from functools import partial
from pathlib import Path
from typing import Any, Callable

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.app import ScreenStackError
from textual.css.query import NoMatches

from msgops.console.config import Inventory
from msgops.console.estate import Estate, key_of
from msgops.console.messages import PollFailed, SnapshotCollected
from msgops.console.screens.help import HelpScreen
from msgops.console.screens.overview import OverviewScreen
from msgops.console.tiers import ui_for
from msgops.probes.poller import Poller, make_probe
from msgops.probes.secrets import scrub
from msgops.probes.text import printable


class EstateCommands(Provider):
    """Command palette: open any target or its findings, refresh, help, and every key the current
    screen offers (runbooks included), by name."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app: MsgopsApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, Callable[[], Any], str]] = []
        for key in app.estate.states:
            commands.append((f"Open {key}", partial(app.open_target, key), "the target's screen"))
            commands.append((f"Findings of {key}", partial(app.open_findings, key), "every finding, with advice"))
        commands += [("Refresh all targets now", app.action_refresh, "poll everything now"),
                     ("Show help", app.action_help, "keys and what they do"), ("Quit", app.exit, "")]
        screen = app.screen_stack[-2] if len(app.screen_stack) > 1 else app.screen
        for binding_key, (node, binding, enabled, _tooltip) in screen.active_bindings.items():
            if enabled and binding.description and binding.show:
                commands.append((f"{binding.description} ({binding_key})",
                                 partial(app.run_action, binding.action, node), "on the current screen"))
        for text, action, help_text in commands:
            if (score := matcher.match(text)) > 0:
                yield Hit(score, matcher.highlight(text), action, help=help_text)


class MsgopsApp(App[int]):
    """msgops console. ``poll=False`` builds it without workers (snapshot tests feed it directly)."""

    TITLE = "msgops"
    CSS_PATH = "msgops.tcss"
    COMMANDS = App.COMMANDS | {EstateCommands}
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
        self.crash_log: Path | None = None

    @property
    def read_only(self) -> bool:
        return self.inventory.settings.read_only

    def on_mount(self) -> None:
        # Whichever screen comes to the top (pushed, or uncovered by a pop) gets the estate at once.
        self.screen_change_signal.subscribe(self, lambda _screen: self.call_after_refresh(self.refresh_screen))
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

        ``full`` also fetches the slow parts now instead of when due (after a runbook step, on ``r``)."""
        poller = self.pollers.get(key)
        if poller is not None and not poller.busy and not poller.paused:
            self.poll_worker(key, full)

    @work(exit_on_error=False, group="poll")
    async def poll_worker(self, key: str, full: bool = False) -> None:
        poller = self.pollers[key]
        try:
            result = await poller.poll_once(full=full)  # bounded by the target's cycle deadline
            if result is None:
                return  # overlapping, paused, or invalidated: drop it
            ui = ui_for(poller.target.tier)
            prepare = getattr(ui, "prepare", None)
            rows = await asyncio.to_thread(prepare, result) if prepare and result.snapshot is not None else None
        except Exception as exc:  # noqa: BLE001 - a probe bug is a finding, not a crash
            self.post_message(PollFailed(key, scrub(f"{type(exc).__name__}: {exc}")))
            return
        self.post_message(SnapshotCollected(key, result, rows))

    def on_snapshot_collected(self, message: SnapshotCollected) -> None:
        poller = self.pollers.get(message.key)
        if poller is not None and message.result.generation != poller.generation:
            return  # started before a pause/resume (a runbook step): stale by definition
        if self.estate.accept(message.key, message.result, message.rows) is not None:
            self._watch_derived(self.estate.relate())
            self.refresh_screen()

    def _watch_derived(self, unwatched: list) -> None:
        """Start watching what a target depends on that the inventory does not name (a pool's store)."""
        if not unwatched or not self._poll:
            return
        from msgops.probes.inventory import TableContext
        from msgops.probes.relate import derived_targets, describe

        ctx = TableContext(self.inventory.path, {}, read_only=True)
        existing = {k: s.target for k, s in self.estate.states.items()}
        for link, target in derived_targets(unwatched, existing, ctx):
            key = self.estate.add(target, derived_from=f"{describe(link)}, of {link.dependent}")
            if key not in self.pollers:
                self.pollers[key] = Poller(self._probe_factory(target))
                self.request_poll(key)
                self.set_interval(target.poll_interval, partial(self.request_poll, key))

    def on_poll_failed(self, message: PollFailed) -> None:
        self.estate.failed(message.key, message.error)
        self.refresh_screen()

    def refresh_screen(self) -> None:
        """Hand the estate to the top screen only (hidden screens catch up when resumed)."""
        if not self.screen_stack:
            return  # quitting: a result that lands now has nowhere to go
        try:
            screen = self.screen
        except ScreenStackError:
            return
        show = getattr(screen, "show_estate", None)
        if show is not None and screen.is_mounted:
            try:
                show(self.estate)
            except NoMatches:  # the screen's widgets are being removed (the app is exiting)
                pass

    def open_target(self, key: str) -> None:
        ui = ui_for(self.estate.states[key].target.tier)
        if ui is None:
            self.open_findings(key)
        else:
            ui.open(self, key)
        self.call_after_refresh(self.refresh_screen)

    def open_findings(self, key: str) -> None:
        from msgops.console.screens.findings import FindingsScreen

        self.push_screen(FindingsScreen(key))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_refresh(self) -> None:
        for key in self.pollers:
            self.request_poll(key, full=True)
        self.notify("refreshing", timeout=1.5)

    def _handle_exception(self, error: Exception) -> None:
        """Every crash goes through ``_fatal_error`` (Textual would hand an exception that has
        ``__rich__`` to ``panic``, unscrubbed and without the crash log)."""
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self._fatal_error()

    def _fatal_error(self) -> None:
        """A crash shows one line and where the details went; never locals (they hold secrets).

        The line names the exception (type and message, scrubbed, control characters escaped, on one
        line); the traceback goes to ``state_dir/crash.log`` (scrubbed, owner-only). Printed once
        however many errors follow, in full (never cropped or wrapped at the terminal's width)."""
        error = sys.exc_info()[1] or self._exception
        if error is not None:
            details = scrub("".join(traceback.format_exception(error)))
            summary = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        else:
            details, summary = "(no exception information)", "unknown error"
        self.crash_log = _write_crash_log(self.inventory.settings.state_dir, details)
        self._return_code = 1
        if not getattr(self, "_crash_shown", False):
            self._crash_shown = True
            summary = printable(scrub(summary))
            if len(summary) > CRASH_SUMMARY_CHARS:
                summary = summary[:CRASH_SUMMARY_CHARS - 1] + "…"
            where = f"; details in {self.crash_log}" if self.crash_log else "; no crash log could be written"
            self.error_console.soft_wrap = True  # one line in full: no crop, no wrap at 80 columns
            self._exit_renderables.append(Text(printable(f"msgops: internal error: {summary}{where}")))
        self._close_messages_no_wait()


CRASH_SUMMARY_CHARS = 300
"""The crash line quotes at most this much of the exception's message (the rest is in crash.log)."""


def _write_crash_log(state_dir: Path, details: str) -> Path | None:
    """Append the (scrubbed) details to ``state_dir/crash.log``, readable by its owner only."""
    try:
        path = Path(state_dir) / "crash.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with open(fd, "a", encoding="utf-8") as f:
            f.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')}\n{details}\n")
        return path
    except OSError:
        return None


def make_app(inventory: Inventory, **kwargs: Any) -> MsgopsApp:
    """The one way the CLI and the tests build the console."""
    return MsgopsApp(inventory, **kwargs)


def run_console(inventory: Inventory) -> int:
    """Run the console; its exit status: 0 on a normal quit, non-zero when it failed."""
    app = make_app(inventory)
    app.run()
    return int(app.return_code or 0)

"""RunbookScreen: one runbook run in the TUI — preflight, plan, typed confirmation, live steps, result.

The executor runs in a worker and reports through messages; the typed confirmation is a future
the worker awaits and this screen resolves. Polling of the target pauses while a step changes it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, RichLog, Static

from msgops.console.screens.confirm import ConfirmScreen
from msgops.probes.secrets import scrub
from msgops.probes.text import printable
from msgops.runbooks.engine import Executor
from msgops.runbooks.model import RunContext, Runbook, Step
from msgops.widgets.title_bar import TitleBar


@dataclass
class RunbookEvent(Message):
    """One executor event (preflight, plan, step, result...), as the headless JSON lines carry."""

    event: dict


@dataclass
class ConfirmationRequested(Message):
    """The worker waits on ``answer`` for the operator to type ``expected``; ``steps`` as plan dicts."""

    steps: list[dict]
    expected: str | None
    answer: asyncio.Future


class TuiConfirmer:
    """Asks the screen; one typed name per distinct confirm_name, or a plain 'yes' when none is set."""

    def __init__(self, screen: "RunbookScreen") -> None:
        self.screen = screen

    async def confirm(self, steps: list[Step], ctx: RunContext) -> tuple[bool, str]:
        names = [s.confirm_name for s in steps if s.confirm_name] or ([None] if any(s.dangerous for s in steps) else [])
        shown = [s.describe() for s in steps]
        for name in dict.fromkeys(names):
            answer: asyncio.Future = asyncio.get_running_loop().create_future()
            self.screen.post_message(ConfirmationRequested(shown, name, answer))
            ok, why = await answer
            if not ok:
                return False, why
        return True, "typed in the console"


class AppPauser:
    """Pauses the App's poller of a target while a step changes it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def pause(self, target_key: str, reason: str) -> None:
        if poller := self.app.pollers.get(target_key):
            poller.pause(reason)

    def resume(self, target_key: str, reason: str) -> None:
        if poller := self.app.pollers.get(target_key):
            poller.resume(reason)
            self.app.request_poll(target_key, full=True)


class _Writer:
    """``write(Text)`` into the screen's log, made printable and scrubbed on the way."""

    def __init__(self, say) -> None:  # noqa: ANN001
        self.say = say

    def write(self, text: Text) -> None:
        self.say(text.plain)


class RunbookScreen(Screen):
    """Runs ``runbook`` with ``params`` on target ``target_key`` and shows every event as it comes.

    When preflight refuses on a check the operator may lift (``Check.override``, e.g. delete's
    if-empty/if-unused guards), ``F`` runs it again with that parameter set true; when a dead
    process left the target's lock, ``B`` runs it again breaking that stale lock (audited). The
    typed confirmation is still asked either way.
    """

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("F", "override", "Run again, forced"),
        Binding("B", "break_lock", "Break stale lock, run again"),
        Binding("q", "guarded_quit", "Quit", show=False),
    ]
    DEFAULT_CSS = """
    RunbookScreen #log { height: 1fr; border: round $primary; }
    RunbookScreen #outcome { height: auto; padding: 0 1; text-style: bold; }
    RunbookScreen #outcome.-ok { color: $success; }
    RunbookScreen #outcome.-failed { color: $error; }
    """

    def __init__(self, target_key: str, runbook: Runbook, params: dict[str, Any], *,
                 break_stale_lock: bool = False) -> None:
        super().__init__()
        self.target_key, self.runbook, self.params = target_key, runbook, params
        self.break_stale_lock = break_stale_lock
        self._stale_lock = False
        self._pending: ConfirmationRequested | None = None
        self._overrides: list[str] = []
        self.finished = False
        self.audit_id: str | None = None

    def compose(self) -> ComposeResult:
        shown = " ".join(f"{k}={v}" for k, v in self.runbook.masked(self.params).items())
        yield TitleBar(Text.assemble((self.runbook.name, "bold"), " ", printable(scrub(shown))),
                       read_only=self.app.read_only)
        # min_width: RichLog wraps at no less than min_width (78 by default), wider than its content
        # at 80 columns (border and scrollbar), which cut two characters off every wrapped line.
        yield RichLog(id="log", wrap=True, markup=False, auto_scroll=True, min_width=20)
        yield Static("running preflight…", id="outcome")
        yield Footer()

    def on_mount(self) -> None:
        self.run_runbook()

    @work(exclusive=True, group="runbook", exit_on_error=False)
    async def run_runbook(self) -> None:
        app = self.app
        executor = Executor(app.inventory.settings.state_dir, read_only=app.inventory.settings.read_only,
                            pauser=AppPauser(app), on_event=lambda e: self.post_message(RunbookEvent(e)))
        target = app.estate.states[self.target_key].target
        try:
            await executor.run(self.runbook, target, self.params, TuiConfirmer(self),
                               break_stale_lock=self.break_stale_lock)
        except Exception as exc:  # noqa: BLE001 - a runbook bug must still end the screen's run
            self.post_message(RunbookEvent({
                "event": "result", "outcome": "error", "exit_code": 1, "audit_id": None,
                "message": f"the runbook stopped on an internal error ({type(exc).__name__}: {exc}); "
                           "look at the target in the console before anything else"}))

    def _log(self, line: str) -> None:
        self.query_one("#log", RichLog).write(Text(printable(scrub(line))))

    def on_runbook_event(self, message: RunbookEvent) -> None:
        e = message.event
        kind = e["event"]
        log = _Writer(self._log)
        if kind == "preflight":
            mark = "ok  " if e["ok"] else ("FAIL" if e["blocking"] else "info")
            log.write(Text(f"preflight {mark} {e['check']}: {e['reason']}"))
            if not e["ok"] and e["blocking"] and e.get("override"):
                self._overrides.append(e["override"])
        elif kind == "plan":
            log.write(Text("plan:"))
            for i, step in enumerate(e["steps"], 1):
                flag = "  [changes the target]" if step["dangerous"] else ""
                log.write(Text(f"  {i}. {step['title']}{flag}" + (" (done)" if step["status"] == "done" else "")))
                if step.get("warning"):
                    log.write(Text(f"     note: {step['warning']}"))
        elif kind == "lock":
            self._stale_lock = e["stale"]
            h = e["holder"]
            log.write(Text(f"lock {'STALE' if e['stale'] else 'held'}: {h.get('user', '?')} pid {h.get('pid', '?')} "
                           f"on {h.get('host', '?')} ({h.get('runbook', '?')})"))
        elif kind == "resume":
            log.write(Text(f"resuming run {e['previous_run']}: {e['steps']}"))
        elif kind == "step":
            log.write(Text(f"step {e['id']}: {e['status']}" + (f" — {e['detail']}" if e.get("detail") else "")))
            if e.get("next"):
                log.write(Text(f"  next: {e['next']}"))
        elif kind == "polling":
            log.write(Text(f"polling of {e['target']} {'paused' if e['paused'] else 'resumed'}"))
        elif kind == "final_verify":
            log.write(Text(f"verify: {'ok' if e['ok'] else 'FAILED'} — {e['detail']}"))
        elif kind == "result":
            self.finished, self.audit_id = True, e.get("audit_id")
            outcome = self.query_one("#outcome", Static)
            outcome.set_class(e["exit_code"] == 0, "-ok")
            outcome.set_class(e["exit_code"] != 0, "-failed")
            audit = f"  audit id {e['audit_id']}" if e.get("audit_id") else ""
            forced = f", F: again with {'/'.join(self._overrides)}=true" if self._offers_override() else ""
            if self._offers_break():
                forced += ", B: break the stale lock and run again"
            outcome.update(Text(printable(scrub(f"{e['outcome'].upper()}: {e['message']}{audit}  (escape: back{forced})"))))
            self.refresh_bindings()
        elif kind == "recheck":
            if e["ok"]:
                log.write(Text("re-checked before acting: still true"))
            else:
                log.write(Text("re-check before acting FAILED: " + "; ".join(f"{c['check']}: {c['reason'][:100]}"
                                                                          for c in e["checks"])))

    def on_confirmation_requested(self, message: ConfirmationRequested) -> None:
        self._pending = message
        self.query_one("#outcome", Static).update(Text(
            f"waiting for the typed confirmation ({printable(message.expected or 'yes')})"))
        self.app.push_screen(ConfirmScreen(f"{self.runbook.name} on {self.target_key}", message.steps, message.expected,
                                           target_key=self.target_key,
                                           timeout=self.app.inventory.settings.confirm_timeout),
                             self._confirmed)

    def _confirmed(self, answer: tuple[bool, str] | None) -> None:
        ok, why = answer if answer else (False, "cancelled in the console")
        pending, self._pending = self._pending, None
        if pending is not None and not pending.answer.done():
            pending.answer.set_result((bool(ok), why))

    def _offers_override(self) -> bool:
        return self.finished and bool(self._overrides) and not all(self.params.get(o) for o in self._overrides)

    def _offers_break(self) -> bool:
        return self.finished and self._stale_lock and not self.break_stale_lock

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "override":
            return self._offers_override()  # hidden unless a refused check can be lifted
        if action == "break_lock":
            return self._offers_break()  # hidden unless a dead process left the lock
        return True

    def action_break_lock(self) -> None:
        """Run again, breaking the dead process's lock (audited as stale_lock_broken)."""
        self.app.switch_screen(RunbookScreen(self.target_key, self.runbook, self.params, break_stale_lock=True))

    def action_override(self) -> None:
        """Run again with the overridable parameters set true (the confirmation is asked again)."""
        params = {**self.params, **{name: True for name in self._overrides}}
        self.app.switch_screen(RunbookScreen(self.target_key, self.runbook, params))

    def action_guarded_quit(self) -> None:
        """Quitting mid-run would leave the target half-changed: only allowed once the run ended."""
        if self.finished:
            self.app.exit()
        else:
            self.notify("a runbook is running: wait for its result before quitting", severity="warning")

    def action_close(self) -> None:
        if self.finished:
            self.app.pop_screen()
        else:
            self.notify("the runbook is running; it cannot be interrupted from here", severity="warning")

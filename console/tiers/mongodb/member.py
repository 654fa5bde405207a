"""MemberScreen: one member — the set's view and its own, lag with its trend, heartbeat, config,
and its findings; the failover runbook's "step down, not to this member" key."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from msgops.console.estate import Estate
from msgops.console.runbook_keys import RunbookKeys, runbook_bindings
from msgops.console.tiers.mongodb.rows import member_lines, sparkline
from msgops.probes.mongodb.fmt import span
from msgops.probes.text import printable
from msgops.widgets.findings import LABEL
from msgops.widgets.title_bar import TitleBar


class MemberScreen(RunbookKeys, Screen):
    """Details of member ``host`` of target ``key``."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), *runbook_bindings("mongodb", "member")]
    runbook_tier, runbook_scope = "mongodb", "member"

    def __init__(self, key: str, host: str) -> None:
        super().__init__()
        self.key, self.host = key, host
        self._shown: str | None = None

    def compose(self) -> ComposeResult:
        title = Text.assemble("Member ", (printable(self.host), "bold"), f" of {printable(self.key)}")
        yield TitleBar(title, read_only=self.app.read_only)
        with VerticalScroll():
            yield Static("", id="detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_estate(self.app.estate)

    def runbook_target(self) -> Any:
        return self.app.estate.states[self.key].target

    def runbook_item(self) -> Any:
        snap = self.app.estate.states[self.key].snapshot
        return snap.member(self.host) if snap is not None else None

    def show_estate(self, estate: Estate) -> None:
        state = estate.states[self.key]
        snap = state.snapshot
        member = snap.member(self.host) if snap is not None else None
        if member is None:
            text = "This member is not in the latest data (removed from the config, or no poll yet)."
        else:
            findings = [f for f in state.findings if f.subject == self.host]
            lines = member_lines(snap, member) + [_trend(member.lag_history), ""]
            lines += [f"{LABEL[f.severity]} {f.code}: {f.reason}" for f in findings] or ["no findings for this member"]
            lines += [f"     advice: {f.advice}" for f in findings if f.advice]
            text = "\n".join(printable(line) for line in lines)
        if text != self._shown:
            self._shown = text
            self.query_one("#detail", Static).update(Text(text))
            self.refresh_bindings()  # whether "step down, not to this member" applies may have changed


def _trend(history: tuple[float, ...]) -> str:
    if not history:
        return "lag trend     -"
    return (f"lag trend     {sparkline(history, 40)}  {span(min(history))}..{span(max(history))} over the last "
            f"{len(history)} polls (oldest left)")

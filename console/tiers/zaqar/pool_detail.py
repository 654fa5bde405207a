"""PoolDetailScreen: one Zaqar pool — weight and shares, store (masked), storage reachability and
failed health operations, queues placed, its findings; the runbook keys its runbooks declare."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from msgops.console.estate import Estate
from msgops.console.runbook_keys import runbook_bindings
from msgops.console.tiers.zaqar.prompt import AskingRunbookKeys
from msgops.console.tiers.zaqar.rows import pool_detail
from msgops.probes.text import printable
from msgops.widgets.title_bar import TitleBar


class PoolDetailScreen(AskingRunbookKeys, Screen):
    """Details of pool ``pool`` on Zaqar target ``key``."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), *runbook_bindings("zaqar", "pool")]
    runbook_tier, runbook_scope = "zaqar", "pool"

    def __init__(self, key: str, pool: str) -> None:
        super().__init__()
        self.key, self.pool = key, pool
        self._shown: str | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar(Text.assemble("Pool ", (printable(self.pool), "bold"), f" — {printable(self.key)}"),
                       read_only=self.app.read_only)
        with VerticalScroll():
            yield Static("", id="detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_estate(self.app.estate)

    def runbook_target(self):  # noqa: ANN201
        return self.app.estate.states[self.key].target

    def runbook_item(self):  # noqa: ANN201
        snap = self.app.estate.states[self.key].snapshot
        return next((p for p in snap.pools or () if p.name == self.pool), None) if snap is not None else None

    def show_estate(self, estate: Estate) -> None:
        state = estate.states[self.key]
        pool = self.runbook_item()
        if pool is None:
            text = "This pool is not in the latest pool list (deleted, or the list is not in yet)."
        else:
            text = "\n".join(printable(line) for line in pool_detail(state.snapshot, pool, state.findings))
        if text != self._shown:
            self._shown = text
            self.query_one("#detail", Static).update(Text(text))
            self.refresh_bindings()  # which runbook keys apply may have changed with the pool

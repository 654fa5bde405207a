"""FindingsScreen: every finding of one target, worst first (the panel shows only the top few)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from msgops.console.estate import Estate
from msgops.widgets.findings import LABEL


class FindingsScreen(Screen):
    BINDINGS = [Binding("escape,f", "app.pop_screen", "Back")]

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Findings — {self.key}"), classes="title-bar")
        yield DataTable(id="all-findings", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in (("Health", 6), ("Code", 22), ("Subject", 18), ("Reason", 60)):
            table.add_column(label, key=label.lower(), width=width)
        table.focus()
        self.show_estate(self.app.estate)

    def show_estate(self, estate: Estate) -> None:
        table = self.query_one(DataTable)
        findings = sorted(estate.states[self.key].findings, key=lambda f: -f.severity.rank)
        rows = [(LABEL[f.severity], f.code, f.subject, f.reason) for f in findings]
        if rows != getattr(self, "_shown", None):
            self._shown = rows
            table.clear()
            for row in rows:
                table.add_row(*row)

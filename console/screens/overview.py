"""OverviewScreen: every configured tier and target with its worst finding and data age."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from msgops.console.estate import Estate, format_age
from msgops.probes.findings import Severity
from msgops.widgets.findings import LABEL


class OverviewScreen(Screen):
    """The landing screen: one row per target; enter opens the target's tier screen."""

    BINDINGS = [Binding("enter", "open", "Open target", show=True)]

    def compose(self) -> ComposeResult:
        yield Static("msgops — estate overview", id="title", classes="title-bar")
        yield DataTable(id="targets", cursor_type="row", zebra_stripes=False)
        yield Static("", id="hint", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#targets", DataTable)
        for label, key, width in (("Tier", "tier", 8), ("Target", "target", 14), ("Health", "health", 6),
                                  ("Summary", "summary", 32), ("Refreshed", "age", 10)):
            table.add_column(label, key=key, width=width)
        table.focus()

    def show_estate(self, estate: Estate) -> None:
        """Redraw from the estate (the App calls this on every snapshot and every second)."""
        table = self.query_one("#targets", DataTable)
        if not estate.states:
            self.query_one("#hint", Static).update(
                "The inventory names no target. See README 'Inventory', or run: msgops demo")
        for key, state in estate.states.items():
            worst_first = sorted(state.findings, key=lambda f: -f.severity.rank)
            top = worst_first[0] if worst_first else None
            summary = f"{top.subject}: {top.reason}" if top and top.severity is not Severity.OK else (
                top.reason if top else "")
            age = format_age(estate.age(key)) + (" STALE" if estate.is_stale(key) else "")
            cells = (state.target.tier, state.target.name, LABEL[state.worst], summary, age)
            if key in table.rows:
                for column, value in zip(("tier", "target", "health", "summary", "age"), cells):
                    table.update_cell(key, column, value)
            else:
                table.add_row(*cells, key=key)

    def action_open(self) -> None:
        table = self.query_one("#targets", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self.app.open_target(key)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.open_target(event.row_key.value)

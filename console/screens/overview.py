"""OverviewScreen: every target with its health, its worst finding and how fresh its data is; below,
the estate's worst findings one line each, so an incident's root cause is on the first screen."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from msgops.console.estate import Estate, freshness
from msgops.probes.findings import Severity
from msgops.widgets.findings import FindingsView
from msgops.widgets.health_table import HealthTable
from msgops.widgets.table_sync import sync_rows
from msgops.widgets.title_bar import TitleBar

COLUMNS = (("Tier", "tier", 8), ("Target", "target", 12), ("Health", "health", 6),
           ("Summary", "summary", 20), ("Data", "age", 9))


class OverviewScreen(Screen):
    """The landing screen: one row per target; enter opens the target's tier screen."""

    BINDINGS = [Binding("enter", "open", "Open target", show=True),
                Binding("f", "findings", "Findings")]
    DEFAULT_CSS = """
    OverviewScreen #targets { height: auto; max-height: 60%; }
    OverviewScreen #worst-title { height: 1; padding: 0 1; color: $text-muted; text-style: bold; }
    OverviewScreen #worst { height: 1fr; max-height: 100%; }
    """

    def compose(self) -> ComposeResult:
        yield TitleBar("msgops — estate overview", read_only=self.app.read_only)
        yield HealthTable(id="targets", cursor_type="row", zebra_stripes=False)
        yield Static("", id="hint", classes="hint")
        yield Static("Worst findings across the estate", id="worst-title")
        yield FindingsView(id="worst", limit=0, more_hint="enter a target, f: its findings")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#targets", HealthTable)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        table.fit_column("summary", self.app.size.width)
        table.focus()

    def on_resize(self) -> None:
        self.query_one("#targets", HealthTable).fit_column("summary", self.size.width)

    def show_estate(self, estate: Estate) -> None:
        """Redraw from the estate (the App calls this on every snapshot and every second); only
        what changed reaches the terminal."""
        table = self.query_one("#targets", HealthTable)
        if not estate.states:
            hint = "The inventory names no target. See README 'Inventory', or run: msgops demo"
            hint_widget = self.query_one("#hint", Static)
            if getattr(hint_widget, "_said", None) != hint:
                hint_widget._said = hint  # type: ignore[attr-defined]
                hint_widget.update(Text(hint))
        rows = []
        for key, state in estate.states.items():
            worst_first = sorted(state.findings, key=lambda f: -f.severity.rank)
            top = worst_first[0] if worst_first else None
            summary = f"{top.subject}: {top.reason}" if top and top.severity is not Severity.OK else (
                top.reason if top else "")
            cells = (state.target.tier, state.target.name, table.health_cell(state.worst),
                     Text(summary, no_wrap=True, overflow="ellipsis"), freshness(estate, key))
            rows.append((key, cells))
        sync_rows(table, [key for _, key, _ in COLUMNS], rows)
        worst = estate.worst_findings(50)
        self.query_one("#worst", FindingsView).show(tuple(f for _, f in worst), tuple(k for k, _ in worst))

    def _cursor_key(self) -> str | None:
        table = self.query_one("#targets", HealthTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_open(self) -> None:
        key = self._cursor_key()
        if key:
            self.app.open_target(key)

    def action_findings(self) -> None:
        key = self._cursor_key()
        if key:
            self.app.open_findings(key)

    def on_data_table_row_selected(self, event: HealthTable.RowSelected) -> None:
        self.app.open_target(event.row_key.value)

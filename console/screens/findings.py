"""FindingsScreen: every finding of one target, worst first; the selected one in full below the
table (its whole reason wrapped, and the documented advice when there is one)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from msgops.console.estate import Estate
from msgops.probes.findings import Finding
from msgops.probes.text import printable
from msgops.widgets.health_table import HealthTable
from msgops.widgets.table_sync import sync_rows
from msgops.widgets.title_bar import TitleBar

COLUMNS = (("Health", "health", 6), ("Code", "code", 16), ("Subject", "subject", 14), ("Reason", "reason", 30))


class FindingsScreen(Screen):
    BINDINGS = [Binding("escape,f", "app.pop_screen", "Back")]
    DEFAULT_CSS = """
    FindingsScreen #all-findings { height: 1fr; }
    FindingsScreen #finding-detail { height: auto; max-height: 45%; border-top: solid $primary; padding: 0 1; }
    """

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self._findings: list[Finding] = []
        self._detail: str | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar(f"Findings — {self.key}", read_only=self.app.read_only)
        yield HealthTable(id="all-findings", cursor_type="row")
        with VerticalScroll(id="finding-detail"):
            yield Static("", id="detail-text")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(HealthTable)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        table.fit_column("reason", self.app.size.width)
        table.focus()
        self.show_estate(self.app.estate)

    def on_resize(self) -> None:
        self.query_one(HealthTable).fit_column("reason", self.size.width)

    def show_estate(self, estate: Estate) -> None:
        table = self.query_one(HealthTable)
        self._findings = sorted(estate.states[self.key].findings, key=lambda f: -f.severity.rank)
        rows = [(f"{i}:{f.code}:{f.subject}", (table.health_cell(f.severity), _cut(f.code), _cut(f.subject),
                                               _cut(f.reason)))
                for i, f in enumerate(self._findings)]
        sync_rows(table, [key for _, key, _ in COLUMNS], rows)
        self._show_detail()

    def on_data_table_row_highlighted(self, event: HealthTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        table = self.query_one(HealthTable)
        row = table.cursor_row if table.row_count else -1
        if not 0 <= row < len(self._findings):
            text = "no findings"
        else:
            f = self._findings[row]
            text = f"{f.severity.label.upper()} {f.code} — {f.subject}\n{f.reason}"
            if f.advice:
                text += f"\nadvice: {f.advice}"
        text = "\n".join(printable(line) for line in text.split("\n"))
        if text != self._detail:
            self._detail = text
            self.query_one("#detail-text", Static).update(Text(text))


def _cut(text: str) -> Text:
    """A cell that shows it was cut (…); the whole text is in the detail pane."""
    return Text(text, no_wrap=True, overflow="ellipsis")

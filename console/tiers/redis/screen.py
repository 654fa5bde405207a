"""RedisScreen: one Redis server — its key facts and its findings, refreshed after every poll."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from msgops.console.estate import Estate, freshness
from msgops.console.tiers.redis.facts import fact_rows
from msgops.probes.findings import Finding, Severity
from msgops.probes.text import printable_lines
from msgops.widgets.findings import LABEL, FindingsView
from msgops.widgets.health_table import HealthTable
from msgops.widgets.table_sync import sync_rows
from msgops.widgets.title_bar import TitleBar

COLUMNS = (("", "label", 12), ("", "value", 60))


class RedisScreen(Screen):
    """Live view of one Redis target; the App hands it the estate after every poll."""

    BINDINGS = [
        Binding("f", "findings", "Findings"),
        Binding("escape", "app.pop_screen", "Back"),
    ]
    DEFAULT_CSS = """
    RedisScreen #facts { height: auto; max-height: 9; }
    RedisScreen #findings { height: auto; max-height: 6; border-top: solid $primary; }
    RedisScreen #detail { height: 1fr; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, key: str) -> None:
        super().__init__(name=key)
        self.key = key

    def compose(self) -> ComposeResult:
        yield TitleBar(id="status", read_only=self.app.read_only)
        yield HealthTable(id="facts", cursor_type="none", show_cursor=False, show_header=False)
        yield FindingsView(id="findings", limit=5)
        yield Static("", id="detail")
        yield Footer()

    def on_mount(self) -> None:
        facts = self.query_one("#facts", HealthTable)
        for label, key, width in COLUMNS:
            facts.add_column(label, key=key, width=width)
        facts.fit_column("value", self.app.size.width, minimum=20)

    def on_resize(self) -> None:
        self.query_one("#facts", HealthTable).fit_column("value", self.size.width, minimum=20)

    def show_estate(self, estate: Estate) -> None:
        state = estate.states[self.key]
        target, snap = state.target, state.snapshot
        version = snap.info.version if snap is not None and snap.info is not None else None
        title = Text.assemble((target.name, "bold"), f" Redis {version or '?'} · {LABEL[state.worst].strip()} · "
                              f"{freshness(estate, self.key)}")
        self.query_one("#status", TitleBar).title = title
        rows = fact_rows(snap, target.address, target.db, state.derived_from)
        sync_rows(self.query_one("#facts", HealthTable), [key for _, key, _ in COLUMNS],
                  [(label, (label, value)) for label, value in rows])
        self.query_one("#findings", FindingsView).show(state.findings)
        self._show_detail(state.findings)

    def _show_detail(self, findings: tuple[Finding, ...]) -> None:
        """The worst finding's whole reason, wrapped (the line above is cut at the screen's width)."""
        worst = max(findings, key=lambda f: f.severity.rank, default=None)
        text = "" if worst is None or worst.severity is Severity.OK else printable_lines(
            f"{worst.code}: {worst.reason}" + (f"\nadvice: {worst.advice}" if worst.advice else ""))
        detail = self.query_one("#detail", Static)
        if getattr(detail, "_shown", None) != text:
            detail._shown = text  # type: ignore[attr-defined]
            detail.update(Text(text))

    def action_findings(self) -> None:
        self.app.open_findings(self.key)


__all__ = ["RedisScreen"]

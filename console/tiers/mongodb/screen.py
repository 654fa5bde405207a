"""MongoScreen: one replica set — a banner for a missing or doubled primary, the members with their
lag trend, oplog window and headroom, the last election, findings; the failover runbook's key."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from msgops.console.estate import Estate, freshness
from msgops.console.runbook_keys import RunbookKeys, runbook_bindings
from msgops.probes.findings import worst_by_subject
from msgops.console.tiers.mongodb.rows import COLUMNS, member_cells, set_lines, short_hosts
from msgops.probes.findings import Severity
from msgops.probes.text import printable, printable_lines
from msgops.widgets.banner import Banner
from msgops.widgets.findings import LABEL, FindingsView
from msgops.widgets.health_table import HealthTable
from msgops.widgets.table_sync import sync_rows
from msgops.widgets.title_bar import TitleBar

BANNER_CODES = {"no_primary": "NO PRIMARY", "two_primaries": "TWO PRIMARIES", "majority_lost": "MAJORITY LOST"}


class MongoScreen(RunbookKeys, Screen):
    """Live view of one MongoDB target; the App hands it the estate after every poll."""

    BINDINGS = [
        Binding("f", "findings", "Findings"),
        Binding("escape", "app.pop_screen", "Back"),
        *runbook_bindings("mongodb", "replset"),
    ]
    DEFAULT_CSS = """
    MongoScreen #members { height: auto; max-height: 10; }
    MongoScreen #set { height: 2; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    runbook_tier, runbook_scope = "mongodb", "replset"

    def __init__(self, key: str) -> None:
        super().__init__(name=key)
        self.key = key
        self._set_text: str | None = None
        self._offered: bool | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar(id="status", read_only=self.app.read_only)
        yield Banner(id="banner")
        yield HealthTable(id="members", cursor_type="row", zebra_stripes=False)
        yield Static("", id="set", markup=False)
        yield FindingsView(id="findings", limit=5)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#members", HealthTable)
        for label, width in COLUMNS:
            table.add_column(label, key=label, width=width)
        table.focus()

    def runbook_target(self) -> Any:
        return self.app.estate.states[self.key].target

    def runbook_item(self) -> Any:
        return self.app.estate.states[self.key].snapshot

    def show_estate(self, estate: Estate) -> None:
        state = estate.states[self.key]
        snap = state.snapshot
        names = short_hosts([m.host for m in snap.members]) if snap is not None else {}
        version = f"MongoDB {snap.version}" if snap is not None and snap.version else "MongoDB ?"
        primary = ""
        if snap is not None and snap.primary:
            primary = f" · primary {names.get(snap.primary, snap.primary)} (term {snap.term})"
        title = Text.assemble((printable(state.target.name), "bold"),
                              printable(f" {version} · {LABEL[state.worst].strip()} · {freshness(estate, self.key)}{primary}"))
        self.query_one("#status", TitleBar).title = title
        loud = next((f for f in state.findings if f.code in BANNER_CODES), None)
        banner = self.query_one("#banner", Banner)
        banner.set_class(True, "-crit")
        banner.message = f"{BANNER_CODES[loud.code]}  {loud.reason}" if loud else ""
        shown = tuple(f for f in state.findings if loud is None or f is not loud)
        self.query_one("#findings", FindingsView).show(shown)
        if snap is not None:
            self._show_members(snap, state.findings, names)
            text = set_lines(snap, names) if snap.mode == "replset" else f"{snap.mode}: replica-set details do not apply"
            if text != self._set_text:
                self._set_text = text
                self.query_one("#set", Static).update(Text(printable_lines(text)))
        offered = self.runbook_allowed(*self._runbook_index())[0] if self._runbook_index() else None
        if offered != self._offered:  # the step-down key shows only while it applies
            self._offered = offered
            self.refresh_bindings()

    def _runbook_index(self) -> tuple[str, int] | None:
        from msgops.console.runbook_keys import runbook_keys

        found = runbook_keys(self.runbook_tier, self.runbook_scope)
        return (found[0][0].name, found[0][1]) if found else None

    def _show_members(self, snap: Any, findings: tuple, names: dict[str, str]) -> None:
        table = self.query_one("#members", HealthTable)
        worst = worst_by_subject(findings)
        rows = []
        for m in snap.members:
            cells = member_cells(m, names)
            health = table.health_cell(worst.get(m.host, Severity.OK if m.healthy else Severity.CRITICAL))
            rows.append((m.host, (cells[0], cells[1], health, *cells[2:])))
        sync_rows(table, [label for label, _ in COLUMNS], rows)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """enter on a member: its details (heartbeat message, own view, lag trend)."""
        from msgops.console.tiers.mongodb.member import MemberScreen

        event.stop()
        if event.row_key.value:
            self.app.push_screen(MemberScreen(self.key, event.row_key.value))

    def action_findings(self) -> None:
        from msgops.console.screens.findings import FindingsScreen

        self.app.push_screen(FindingsScreen(self.key))


__all__ = ["MongoScreen"]

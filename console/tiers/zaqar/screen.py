"""ZaqarScreen: one Zaqar API — findings, its pools (weight, share of new queues, store, storage
reachable, queues placed), flavors, health with its age; enter opens a pool, ``W`` reweights several."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from msgops.console.estate import Estate, freshness
from msgops.console.runbook_keys import runbook_bindings
from msgops.console.tiers.zaqar.prompt import AskingRunbookKeys
from msgops.console.tiers.zaqar.rows import POOL_COLUMNS, flavor_line, health_line, placement_line, pool_rows
from msgops.probes.findings import Severity, worst_by_subject
from msgops.probes.text import printable
from msgops.widgets.banner import Banner
from msgops.widgets.findings import LABEL, FindingsView
from msgops.widgets.health_table import HealthTable
from msgops.widgets.table_sync import sync_rows
from msgops.widgets.title_bar import TitleBar

BANNER = {
    "api_down": "ZAQAR API DOWN",
    "api_unresponsive": "ZAQAR API NOT ANSWERING",
    "all_weights_zero": "EVERY POOL AT WEIGHT 0: new queues fail (503)",
    "flavor_weights_zero": "{subject}: every pool at weight 0, its new queues fail",
    "dead_pool_weighted": "NEW QUEUES LAND ON DEAD POOL {subject} (weight {weight}): d on it drains it",
}
"""The one loud line, by finding code, most urgent first (the findings below carry the details)."""


def banner_text(findings, snap) -> str:  # noqa: ANN001
    codes = {f.code: f for f in findings}
    for code, text in BANNER.items():
        if code in codes:
            subject = codes[code].subject
            weight = next((p.weight for p in (snap.pools or ()) if p.name == subject), "?") if snap else "?"
            return text.format(subject=subject, weight=weight)
    return ""


class ZaqarScreen(AskingRunbookKeys, Screen):
    """Live view of one Zaqar target; the App hands it the estate after every poll."""

    BINDINGS = [
        Binding("enter", "open_pool", "Open pool", show=True),
        Binding("f", "findings", "Findings"),
        Binding("escape", "back", "Back"),
        *runbook_bindings("zaqar", "pools"),
    ]
    DEFAULT_CSS = """
    ZaqarScreen #banner { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    ZaqarScreen #pools { height: auto; max-height: 12; }
    ZaqarScreen .line { height: auto; padding: 0 1; color: $text-muted; }
    """
    runbook_tier, runbook_scope = "zaqar", "pools"

    def __init__(self, key: str) -> None:
        super().__init__(name=key)
        self.key = key
        self._had_pools = False
        self._lines: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield TitleBar(id="status", read_only=self.app.read_only)
        yield Banner(id="banner")
        yield FindingsView(id="findings", limit=4)
        yield HealthTable(id="pools", cursor_type="row", zebra_stripes=False)
        yield Static("", id="flavors", classes="line", markup=False)
        yield Static("", id="health", classes="line", markup=False)
        yield Static("", id="placement", classes="line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#pools", HealthTable)
        for label, key, width in POOL_COLUMNS:
            table.add_column(label, key=key, width=width)
        table.fit_column("store", self.app.size.width, minimum=8)
        table.focus()

    def on_resize(self) -> None:
        self.query_one("#pools", HealthTable).fit_column("store", self.app.size.width, minimum=8)

    def runbook_target(self):  # noqa: ANN201
        return self.app.estate.states[self.key].target

    def runbook_item(self):  # noqa: ANN201
        snap = self.app.estate.states[self.key].snapshot
        return snap.pools if snap is not None and snap.pools else None

    def show_estate(self, estate: Estate) -> None:
        state = estate.states[self.key]
        snap = state.snapshot
        title = Text.assemble((state.target.name, "bold"), f" Zaqar · {LABEL[state.worst].strip()} · "
                              f"{freshness(estate, self.key)}")
        if snap is not None and snap.pools_taken_at is not None and snap.waiting_for_health:
            title.append(f" · pools {freshness(estate, self.key, snap.pools_taken_at)}")
        self.query_one("#status", TitleBar).title = title
        banner = self.query_one("#banner", Banner)
        banner.set_class(True, "-crit")
        banner.message = banner_text(state.findings, snap)
        self.query_one("#findings", FindingsView).show(state.findings)
        if snap is None:
            return
        self._show_pools(snap, state.findings)
        for widget_id, line in (("flavors", flavor_line(snap)), ("health", health_line(snap)),
                                ("placement", placement_line(snap))):
            if self._lines.get(widget_id) != line:  # repaint only what changed
                self._lines[widget_id] = line
                self.query_one(f"#{widget_id}", Static).update(Text(printable(line)))
        if bool(snap.pools) != self._had_pools:
            self._had_pools = bool(snap.pools)
            self.refresh_bindings()  # W is offered once there are pools

    def _show_pools(self, snap, findings) -> None:  # noqa: ANN001
        table = self.query_one("#pools", HealthTable)
        crit = table.get_component_rich_style("health--crit")
        flagged = worst_by_subject(findings)
        rows = []
        for key, cells in pool_rows(snap):
            shown = list(cells)
            if shown[5] == "NO":
                shown[5] = Text("NO", style=crit)
            severity = flagged.get(key, Severity.OK)
            if severity in (Severity.CRITICAL, Severity.WARNING):  # the pool's name says how it is
                shown[0] = Text(cells[0], style=table.get_component_rich_style(f"health--{severity.label}"))
            rows.append((key, shown))
        sync_rows(table, [key for _, key, _ in POOL_COLUMNS], rows)
        table.styles.height = min(12, len(rows) + 1)

    def action_open_pool(self) -> None:
        table = self.query_one("#pools", HealthTable)
        if not table.row_count:
            self.notify("no pool to open (the pool list is not in yet)", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        from msgops.console.tiers.zaqar.pool_detail import PoolDetailScreen

        self.app.push_screen(PoolDetailScreen(self.key, str(key)))

    def on_data_table_row_selected(self, event: HealthTable.RowSelected) -> None:
        event.stop()
        self.action_open_pool()

    def action_findings(self) -> None:
        from msgops.console.screens.findings import FindingsScreen

        self.app.push_screen(FindingsScreen(self.key))

    def action_back(self) -> None:
        self.app.pop_screen()


__all__ = ["ZaqarScreen"]

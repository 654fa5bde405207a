"""RabbitScreen: one RabbitMQ cluster — nodes, partition banner, findings, and the queue list."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from msgops.console.estate import Estate, freshness
from msgops.console.tiers.rabbitmq.rows import node_cells
from msgops.probes.rabbitmq.topology import partition_sides
from msgops.widgets.banner import Banner
from msgops.widgets.findings import LABEL, FindingsView
from msgops.widgets.table_model import Column
from msgops.widgets.table_sync import sync_rows
from msgops.widgets.title_bar import TitleBar
from msgops.widgets.virtual_table import VirtualTable

QUEUE_COLUMNS = [
    Column("name", "Queue", width=18, flex=True),
    Column("vhost", "VHost", width=5),
    Column("type", "Type", width=7),
    Column("node", "Node", width=8),
    Column("replicas", "Sync", width=5, align="right"),
    Column("messages", "Msgs", width=7, align="right", numeric=True),
    Column("consumers", "Cons", width=4, align="right", numeric=True),
    Column("state", "State", width=9),
]
NODE_COLUMNS = (("Node", 22), ("Run", 4), ("Type", 5), ("Mem", 5), ("Disk", 6), ("Alarms", 8), ("Cannot see", 16))


class RabbitScreen(Screen):
    """Live view of one RabbitMQ target; the App hands it the estate after every poll."""

    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("S", "sort_reverse", "Reverse", show=False),
        Binding("f", "findings", "Findings"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, key: str) -> None:
        super().__init__(name=key)
        self.key = key
        self._sort_index = 0
        self._rows_seen: object = None

    def compose(self) -> ComposeResult:
        yield TitleBar(id="status", read_only=self.app.read_only)
        yield Banner(id="partition")
        yield DataTable(id="nodes", cursor_type="none", show_cursor=False)
        yield FindingsView(id="findings", limit=4)
        yield Input(placeholder="filter queues (escape clears)", id="filter")
        yield VirtualTable(QUEUE_COLUMNS, id="queues")
        yield Footer()

    def on_mount(self) -> None:
        nodes = self.query_one("#nodes", DataTable)
        for label, width in NODE_COLUMNS:
            nodes.add_column(label, key=label, width=width)
        self.query_one("#filter", Input).display = False
        self.query_one("#queues", VirtualTable).focus()

    def show_estate(self, estate: Estate) -> None:
        state = estate.states[self.key]
        snap = state.snapshot
        version = f"RabbitMQ {snap.version}" if snap and snap.version else "RabbitMQ ?"
        queues = snap.queues if snap else None
        listed = ""
        if queues is not None:  # the queue list refreshes less often than nodes
            listed = f" · queues {freshness(estate, self.key, queues.taken_at)}"
        title = Text.assemble((state.target.name, "bold"), f" {version} · {LABEL[state.worst].strip()} · "
                              f"{freshness(estate, self.key)}{listed}")
        self.query_one("#status", TitleBar).title = title
        partition = next((f for f in state.findings if f.code == "partition"), None)
        banner = self.query_one("#partition", Banner)
        banner.set_class(True, "-crit")
        banner.message = f"PARTITION  {partition.reason}" if partition else ""
        self.query_one("#findings", FindingsView).show(tuple(f for f in state.findings if f.code != "partition"))
        if snap is not None:
            self._show_nodes(snap)
        rows = estate.rows.get(self.key)
        if rows is not None and rows is not self._rows_seen:
            same = rows == self._rows_seen  # a fresh list with the same rows: nothing to repaint
            self._rows_seen = rows
            if not same:
                self.query_one("#queues", VirtualTable).set_rows(rows)

    def _show_nodes(self, snap) -> None:  # noqa: ANN001
        table = self.query_one("#nodes", DataTable)
        everyone = frozenset(n.name for n in snap.nodes)
        sides = partition_sides(snap.views, snap.nodes)
        cut_off = {n: everyone - side for side in sides for n in side}
        rows = [(node.name, node_cells(node, cut_off.get(node.name, frozenset()))) for node in snap.nodes]
        sync_rows(table, [label for label, _ in NODE_COLUMNS], rows)
        table.styles.height = len(rows) + 1

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#queues", VirtualTable).filter_text = event.value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#queues", VirtualTable).focus()

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.query_one("#queues", VirtualTable).focus()
        else:
            self.app.pop_screen()

    def action_sort(self, reverse: bool = False) -> None:
        self._sort_index = (self._sort_index + (0 if reverse else 1)) % len(QUEUE_COLUMNS)
        column = QUEUE_COLUMNS[self._sort_index]
        self.query_one("#queues", VirtualTable).sort_by(column.key, reverse=True if reverse else None)
        self.notify(f"sorted by {column.label}{' (reversed)' if reverse else ''}", timeout=2)

    def action_sort_reverse(self) -> None:
        self.action_sort(reverse=True)

    def action_findings(self) -> None:
        from msgops.console.screens.findings import FindingsScreen

        self.app.push_screen(FindingsScreen(self.key))

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        from msgops.console.tiers.rabbitmq.queue_detail import QueueDetailScreen

        self.app.push_screen(QueueDetailScreen(self.key, event.key))


__all__ = ["RabbitScreen"]

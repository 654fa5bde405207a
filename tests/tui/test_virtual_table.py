"""VirtualTable: model rules (sort, filter, cursor by key) and Pilot tests at 80×24."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.message import Message

from msgops.widgets.table_model import Column, Row, TableModel
from msgops.widgets.table_render import ColumnLayout, fit, row_text
from msgops.widgets.virtual_table import VirtualTable

COLUMNS = [
    Column("name", "Name", width=12, flex=True),
    Column("vhost", "VHost", width=6),
    Column("node", "Node", width=12),
    Column("mirrors", "Mirrors", width=7),
    Column("messages", "Messages", width=9, align="right", numeric=True),
    Column("consumers", "Consumers", width=9, align="right", numeric=True),
    Column("state", "State", width=8),
]


def queue(i: int, messages: int | None = None, state: str = "running") -> Row:
    return Row(
        f"q{i}",
        (f"queue.{i:05d}", "/", f"rabbit@node{i % 3}", "2/2", messages, i % 4, state),
        "-crit" if state == "down" else None,
    )


def queues(indices, **kwargs) -> list[Row]:
    return [queue(i, messages=i * 10, **kwargs) for i in indices]


class TableApp(App[None]):
    def __init__(self, rows: list[Row]) -> None:
        super().__init__()
        self.rows = rows
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, self.rows)

    def on_mount(self) -> None:
        self.query_one(VirtualTable).focus()

    def on_virtual_table_cursor_moved(self, message: VirtualTable.CursorMoved) -> None:
        self.messages.append(message)

    def on_virtual_table_row_selected(self, message: VirtualTable.RowSelected) -> None:
        self.messages.append(message)


def lines(table: VirtualTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def screen_line_of_cursor(table: VirtualTable) -> int:
    return table.cursor_row - round(table.scroll_y) + 1


# --- model and rendering, no app -------------------------------------------------------
def test_numeric_sort_puts_none_last_both_ways() -> None:
    model = TableModel(COLUMNS)
    model.set_rows([queue(1, 5), queue(2, None), queue(3, 100), queue(4, 7)])
    model.sort_by("messages")
    assert [model.row_at(i).key for i in range(4)] == ["q1", "q4", "q3", "q2"]
    model.sort_by("messages")  # toggles to descending
    assert model.sort_reverse
    assert [model.row_at(i).key for i in range(4)] == ["q3", "q4", "q1", "q2"]


def test_custom_sort_key_and_filter_columns() -> None:
    mirrors = Column("mirrors", "Mirrors", sort_key=lambda v: int(v.split("/")[0]))
    model = TableModel([Column("name", "Name"), mirrors])
    model.set_rows(
        [Row("a", ("alpha", "10/10")), Row("b", ("beta", "2/3")), Row("c", ("Gamma", "9/9"))]
    )
    model.sort_by("mirrors")
    assert [model.row_at(i).key for i in range(3)] == ["b", "c", "a"]
    model.set_filter("GAM", columns=["name"])
    assert (model.shown, model.cursor_key, model.count_label) == (1, "c", "1 of 3")
    model.set_filter("10", columns=["name"])
    assert model.shown == 0 and model.cursor_key is None


def test_filter_narrowing_then_widening_is_exact() -> None:
    model = TableModel(COLUMNS)
    model.set_rows(queues(range(1000)))
    for text in ["queue.001", "queue.0012", "queue.001", "node1", ""]:
        model.set_filter(text)
        expected = [r.key for r in queues(range(1000)) if text in " ".join(map(str, r.cells))]
        assert [model.row_at(i).key for i in range(model.shown)] == expected


def test_refresh_reuses_cached_keys_only_for_unchanged_rows() -> None:
    first = queues(range(300))
    second = [queue(i, messages=(5000 - i if i % 7 == 0 else i * 10)) for i in range(299, -1, -1)]
    second[10] = Row("q289", ("renamed.node1", "/", "x", "2/2", 1, 0, "running"))
    carried, fresh = TableModel(COLUMNS), TableModel(COLUMNS)
    for model in (carried, fresh):
        model.sort_by("messages", reverse=True)
        model.set_filter("node1")
    carried.set_rows(first)
    carried.set_rows(second)
    fresh.set_rows(second)
    assert carried.shown == fresh.shown > 0
    assert [carried.row_at(i) for i in range(carried.shown)] == [
        fresh.row_at(i) for i in range(fresh.shown)
    ]


def test_cells_are_cut_with_ellipsis_and_aligned() -> None:
    assert fit("rabbit@node-with-long-name", 12) == "rabbit@node…"
    assert fit("42", 5, "right") == "   42"
    assert fit("队列队列队列", 7) == "队列队…"
    layout = ColumnLayout(COLUMNS, 78)
    text = row_text(layout, queue(7, 1234567).cells)
    assert len(text) == 78 and "1,234,567" in text


# --- Pilot -----------------------------------------------------------------------------
async def test_renders_header_and_rows_at_80_columns() -> None:
    app = TableApp(queues(range(10_000)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(VirtualTable)
        shown = lines(table)
        labels = ["Name", "VHost", "Node", "Mirrors", "Messages", "Consumers", "State"]
        assert shown[0].split() == labels
        assert shown[1].startswith("queue.00000") and shown[-1].startswith("queue.00022")
        assert all(len(line) == table.size.width for line in shown)
        assert table.count_label == "10,000"


async def test_keys_move_cursor_and_enter_selects() -> None:
    app = TableApp(queues(range(100)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.press("down", "j", "j", "k")
        assert table.cursor_key == "q2"
        await pilot.press("pagedown")
        assert table.cursor_row == 2 + 23 and screen_line_of_cursor(table) == 23
        await pilot.press("end")
        assert table.cursor_key == "q99" and screen_line_of_cursor(table) == 23
        await pilot.press("home", "enter")
        await pilot.pause()
        assert table.cursor_key == "q0" and table.scroll_y == 0
        selected = [m.key for m in app.messages if isinstance(m, VirtualTable.RowSelected)]
        moved = [m.key for m in app.messages if isinstance(m, VirtualTable.CursorMoved)]
        assert selected == ["q0"]
        assert moved == ["q0", "q1", "q2", "q3", "q2", "q25", "q99", "q0"]


async def test_refresh_with_rows_inserted_above_keeps_cursor_key_and_screen_line() -> None:
    app = TableApp(queues(range(1000, 2000)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        for _ in range(30):
            await pilot.press("down")
        line_before = screen_line_of_cursor(table)
        assert table.cursor_key == "q1030"
        table.set_rows(queues(range(0, 2000)))  # 1,000 rows inserted above
        await pilot.pause()
        assert table.cursor_key == "q1030" and table.cursor_row == 1030
        assert screen_line_of_cursor(table) == line_before
        assert lines(table)[line_before].startswith("queue.01030")
        table.set_rows(queues(r for r in range(2000) if r != 1030))  # cursor row vanishes
        await pilot.pause()
        assert table.cursor_row == 1030 and table.cursor_key == "q1031"
        assert app.messages[-1].key == "q1031"


async def test_sort_toggles_shows_arrow_and_keeps_cursor_key() -> None:
    app = TableApp(queues(range(500)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.press("down", "down", "down")
        table.sort_by("messages")
        await pilot.pause()
        assert "Messages▲" in lines(table)[0] and table.cursor_key == "q3"
        table.sort_by("messages")
        await pilot.pause()
        assert "Messages▼" in lines(table)[0] and table.cursor_key == "q3"
        assert table.cursor_row == 496
        assert lines(table)[screen_line_of_cursor(table)].startswith("queue.00003")


async def test_filter_narrows_and_restores() -> None:
    app = TableApp(queues(range(10_000)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.press(*["down"] * 5)
        table.filter_text = "NODE2"
        await pilot.pause()
        assert table.count_label == "3,333 of 10,000" and table.cursor_key == "q5"
        assert all("node2" in line for line in lines(table)[1:])
        table.filter_text = "queue.0999"
        await pilot.pause()
        assert table.model.shown == 10 and table.cursor_key == "q9991"  # q5 gone: same position
        table.filter_text = ""
        await pilot.pause()
        assert table.count_label == "10,000" and table.cursor_key == "q9991"
        assert lines(table)[screen_line_of_cursor(table)].startswith("queue.09991")


async def test_click_moves_cursor_then_selects_and_header_click_sorts() -> None:
    app = TableApp(queues(range(50)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.click(VirtualTable, offset=(2, 4))
        assert table.cursor_key == "q3"
        await pilot.click(VirtualTable, offset=(2, 4))
        await pilot.pause()
        assert isinstance(app.messages[-1], VirtualTable.RowSelected)
        await pilot.click(VirtualTable, offset=(2, 0))
        assert table.model.sort_column == "name" and table.cursor_key == "q3"


async def test_fifty_thousand_rows_sort_filter_refresh() -> None:
    app = TableApp(queues(range(50_000)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.press("end")
        table.sort_by("messages", reverse=True)
        table.filter_text = "queue.4"
        await pilot.pause()
        assert table.count_label == "10,000 of 50,000"
        assert table.cursor_key == "q49999" and table.cursor_row == 0
        table.set_rows(queues(range(1, 50_001)))
        await pilot.pause()
        assert table.model.total == 50_000 and table.model.row_at(0).key == "q49999"
        assert table.cursor_key == "q49999" and table.model.sort_reverse


async def test_cursor_reversed_under_no_color_and_crit_rows_styled() -> None:
    app = TableApp([queue(0, 1, state="down"), queue(1, 2)])
    app.no_color = True
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(VirtualTable)
        assert list(table.render_line(1))[0].style.reverse
        crit = table.get_component_rich_style("virtual-table--crit", partial=True)
        await pilot.press("down")
        assert list(table.render_line(1))[0].style.color == crit.color

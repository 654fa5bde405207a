"""A table for 10,000-50,000 rows that renders only the visible lines.

Textual's `DataTable` measures every cell as rows are added (1.2-1.7 s frozen at 10,000 rows).
`VirtualTable` keeps its rows in a `TableModel` (sort, filter, cursor by key) and draws each
visible line from it with the line API, so loading, refreshing, sorting and filtering cost
one pass over the rows and never a widget or a measurement per cell.
"""

from __future__ import annotations

from typing import ClassVar, Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from msgops.widgets.table_model import Column, Row, TableModel
from msgops.widgets.table_render import ColumnLayout, header_strip, row_text

__all__ = ["Column", "Row", "VirtualTable"]


class _TableMessage(Message):
    """Base of the table's messages: which table sent it."""

    def __init__(self, virtual_table: VirtualTable) -> None:
        self.virtual_table = virtual_table
        """The table that posted the message."""
        super().__init__()

    @property
    def control(self) -> VirtualTable:
        """Alias for `virtual_table`."""
        return self.virtual_table


class VirtualTable(ScrollView, can_focus=True):
    """A sortable, filterable table of many rows with a row cursor held by key.

    Give it `Column`s, then `set_rows()` as often as the data changes; the cursor stays on
    the same row key across refreshes, sorts and filters. Keys are listed in
    [BINDINGS][msgops.widgets.VirtualTable.BINDINGS], styles in
    [COMPONENT_CLASSES][msgops.widgets.VirtualTable.COMPONENT_CLASSES].
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "cursor_first", "First", show=False),
        Binding("end", "cursor_last", "Last", show=False),
        Binding("enter", "select_row", "Select", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up,k | Move the cursor up one row. |
    | down,j | Move the cursor down one row. |
    | pageup | Move the cursor up one page. |
    | pagedown | Move the cursor down one page. |
    | home | Move the cursor to the first row. |
    | end | Move the cursor to the last row. |
    | enter | Post `RowSelected` for the row under the cursor. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--ok",
        "virtual-table--warn",
        "virtual-table--crit",
        "virtual-table--unknown",
    }
    """
    | Class | Description |
    | :- | :- |
    | `virtual-table--header` | The header line (column labels and sort arrow). |
    | `virtual-table--cursor` | The row under the cursor (also reversed when `NO_COLOR` is set). |
    | `virtual-table--ok` | Rows whose `style_class` is `"-ok"`. |
    | `virtual-table--warn` | Rows whose `style_class` is `"-warn"`. |
    | `virtual-table--crit` | Rows whose `style_class` is `"-crit"`. |
    | `virtual-table--unknown` | Rows whose `style_class` is `"-unknown"`. |
    """

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        & > .virtual-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .virtual-table--ok { color: $text-success; }
        & > .virtual-table--warn { color: $text-warning; }
        & > .virtual-table--crit { color: $text-error; text-style: bold; }
        & > .virtual-table--unknown { color: $text-muted; }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .virtual-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    filter_text: reactive[str] = reactive("", init=False)
    """Show only rows containing this text (ignoring case) in any cell of `filter_columns`."""

    class CursorMoved(_TableMessage):
        """Posted when the cursor lands on a different row key (or the table empties)."""

        def __init__(self, virtual_table: VirtualTable, key: str | None) -> None:
            super().__init__(virtual_table)
            self.key = key
            """Key of the row now under the cursor; `None` when no row is shown."""

    class RowSelected(_TableMessage):
        """Posted when a row is chosen with enter or a click on the cursor row."""

        def __init__(self, virtual_table: VirtualTable, key: str) -> None:
            super().__init__(virtual_table)
            self.key = key
            """Key of the selected row."""

    class ViewChanged(_TableMessage):
        """Posted when the number of rows shown changes; a flood merges into the last one."""

        def __init__(self, virtual_table: VirtualTable, shown: int, total: int) -> None:
            super().__init__(virtual_table)
            self.shown = shown
            """Rows passing the filter."""
            self.total = total
            """All rows."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, VirtualTable.ViewChanged) and (
                message.virtual_table is self.virtual_table
            )

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Sequence[Row] = (),
        *,
        filter_columns: Sequence[str] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """
        Args:
            columns: The columns, left to right; at most one with `flex=True`.
            rows: Initial rows (keys must be unique).
            filter_columns: Keys of the columns `filter_text` searches; `None` for all.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._model = TableModel(columns)
        self._filter_columns = None if filter_columns is None else tuple(filter_columns)
        self._layout: ColumnLayout | None = None
        self._text_cache: dict[str, str] = {}
        self._reported_key: str | None = None
        self._model.set_rows(rows)

    # --- public API --------------------------------------------------------------------
    @property
    def model(self) -> TableModel:
        """The sort/filter/cursor model (read it; change it through the table)."""
        return self._model

    @property
    def cursor_key(self) -> str | None:
        """Key of the row under the cursor, or `None` when no row is shown."""
        return self._model.cursor_key

    @property
    def cursor_row(self) -> int:
        """Position of the cursor among the rows shown."""
        return self._model.cursor

    @property
    def count_label(self) -> str:
        """E.g. `"1,234 of 10,000"` when filtered, else `"10,000"`."""
        return self._model.count_label

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace all rows, keeping sort, filter, cursor key and the cursor's screen line."""
        self._text_cache.clear()
        self._update(lambda: self._model.set_rows(rows))

    def sort_by(self, column_key: str | None, reverse: bool | None = None) -> None:
        """Sort by a column; `reverse=None` toggles if already sorted by it, else ascends."""
        self._update(lambda: self._model.sort_by(column_key, reverse))

    def move_cursor_to_key(self, key: str) -> bool:
        """Put the cursor on a row key if it is shown; returns whether it is."""
        position = self._model.position_of(key)
        if position is not None:
            self._move_cursor(position)
        return position is not None

    def watch_filter_text(self, filter_text: str) -> None:
        self._update(lambda: self._model.set_filter(filter_text, self._filter_columns))

    # --- actions -----------------------------------------------------------------------
    def action_cursor_up(self) -> None:
        self._move_cursor(self._model.cursor - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self._model.cursor + 1)

    def action_page_up(self) -> None:
        self._move_cursor(self._model.cursor - self._body_height)

    def action_page_down(self) -> None:
        self._move_cursor(self._model.cursor + self._body_height)

    def action_cursor_first(self) -> None:
        self._move_cursor(0)

    def action_cursor_last(self) -> None:
        self._move_cursor(self._model.shown - 1)

    def action_select_row(self) -> None:
        key = self._model.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def _on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        if "sort_column" in meta:
            self.sort_by(meta["sort_column"])
        elif "row" in meta:
            if meta["row"] == self._model.cursor:
                self.action_select_row()
            else:
                self._move_cursor(meta["row"])

    # --- internals ---------------------------------------------------------------------
    @property
    def _body_height(self) -> int:
        return max(1, self.size.height - 1)

    def _update(self, change) -> None:
        """Apply a model change; keep the cursor on its screen line and repaint."""
        model = self._model
        old_line = model.cursor - round(self.scroll_y)
        old_shown = model.shown
        change()
        self.virtual_size = Size(self.size.width, model.shown + 1)
        if 0 <= old_line < self._body_height:
            self.scroll_to(y=max(0, model.cursor - old_line), animate=False, force=True)
        self._scroll_cursor_into_view()
        self.refresh()
        self._report_cursor()
        if model.shown != old_shown:
            self.post_message(self.ViewChanged(self, model.shown, model.total))

    def _move_cursor(self, position: int) -> None:
        if self._model.move_cursor(position):
            self._scroll_cursor_into_view()
            self.refresh()
            self._report_cursor()

    def _scroll_cursor_into_view(self) -> None:
        cursor, top = self._model.cursor, round(self.scroll_y)
        if cursor < top:
            self.scroll_to(y=cursor, animate=False, force=True)
        elif cursor >= top + self._body_height:
            self.scroll_to(y=cursor - self._body_height + 1, animate=False, force=True)

    def _report_cursor(self) -> None:
        key = self._model.cursor_key
        if key != self._reported_key:
            self._reported_key = key
            self.post_message(self.CursorMoved(self, key))

    def on_mount(self) -> None:
        super().on_mount()
        self.post_message(self.ViewChanged(self, self._model.shown, self._model.total))
        self._report_cursor()

    def on_resize(self, event: events.Resize) -> None:
        self._layout = None
        self._text_cache.clear()
        self.virtual_size = Size(event.size.width, self._model.shown + 1)
        self._scroll_cursor_into_view()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._text_cache.clear()

    def _column_layout(self, width: int) -> ColumnLayout:
        if self._layout is None or self._layout.width != width:
            self._layout = ColumnLayout(self._model.columns, width)
            self._text_cache.clear()
        return self._layout

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        layout = self._column_layout(width)
        base = self.rich_style
        if y == 0:
            header = base + self.get_component_rich_style("virtual-table--header", partial=True)
            return header_strip(layout, self._model.sort_column, self._model.sort_reverse, header)
        position = y - 1 + round(self.scroll_y)
        if position >= self._model.shown:
            return Strip.blank(width, base)
        row = self._model.row_at(position)
        text = self._text_cache.get(row.key)
        if text is None:
            if len(self._text_cache) > 4 * self.size.height + 256:
                self._text_cache.clear()  # bound the cache while scrolling far
            text = self._text_cache[row.key] = row_text(layout, row.cells)
        style = base
        if row.style_class:
            style += self.get_component_rich_style(
                f"virtual-table-{row.style_class}", partial=True, default=Style.null()
            )
        if position == self._model.cursor:
            style += self.get_component_rich_style("virtual-table--cursor", partial=True)
            if self.app.no_color:
                style += Style(reverse=True)
        style += Style.from_meta({"row": position})
        return Strip([Segment(text, style)], width)

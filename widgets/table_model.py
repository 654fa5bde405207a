"""Sort, filter and cursor logic for `VirtualTable`, in pure Python (no Textual, no I/O).

The model keeps the rows as given, a sorted order of row indices and a filtered view of
that order. Sort keys and lowercase filter text are computed lazily, once per column or
filter scope, so 50,000 rows sort or filter in tens of milliseconds. The cursor is held by
row key, so it stays on the same row across `set_rows`, `sort_by` and `set_filter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Callable, Literal, NamedTuple, Sequence

CellValue = str | int | float | None
"""What one cell holds; `None` is shown blank and sorts last."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a `VirtualTable`."""

    key: str
    """Stable identifier, used by `sort_by` and `filter_columns`."""
    label: str
    """Header text."""
    width: int = 10
    """Width in cells (the minimum width when `flex` is set)."""
    align: Literal["left", "right"] = "left"
    """Horizontal alignment of the cells and the header."""
    flex: bool = False
    """Take the width left over by the other columns (one column at most)."""
    numeric: bool = False
    """Sort numerically; non-numbers and `None` sort last in either direction."""
    sort_key: Callable[[CellValue], Any] | None = None
    """Custom sort key per cell; returning `None` sorts the row last."""
    formatter: Callable[[CellValue], str] | None = None
    """Custom cell text; the default shows ints with thousands separators."""


class Row(NamedTuple):
    """One row: a unique key, one value per column, and an optional style class."""

    key: str
    cells: tuple[CellValue, ...]
    style_class: str | None = None
    """E.g. `"-crit"` or `"-warn"`; the widget maps it to a component class."""


def format_cell(value: CellValue) -> str:
    """Default cell text: blank for `None`, thousands separators for ints."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _numeric_key(value: CellValue) -> float | int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return None
    return None


def _joined_text(cells: tuple[CellValue, ...]) -> str:
    return "\x1f".join(["" if value is None else str(value) for value in cells]).casefold()


def _lowercase_text(rows: Sequence[Row], scope: tuple[int, ...]) -> list[str]:
    """Each row's cells in `scope` joined and lowercased, for substring filtering.

    One `%` format per row is about twice as fast as joining `str()` of each cell.
    """
    template = "\x1f".join(["%s"] * len(scope))
    if len(scope) == 1:
        (only,) = scope
        cells = [(row.cells[only],) for row in rows]
    else:
        pick = itemgetter(*scope)
        cells = [pick(row.cells) for row in rows]
    return [
        (template % values).casefold() if None not in values else _joined_text(values)
        for values in cells
    ]


def _text_key(value: CellValue) -> str | None:
    return None if value is None else str(value).casefold()


class TableModel:
    """Rows plus sort order, filter and a cursor held by key."""

    def __init__(self, columns: Sequence[Column]) -> None:
        if sum(1 for column in columns if column.flex) > 1:
            raise ValueError("VirtualTable: at most one column may have flex=True")
        self.columns: tuple[Column, ...] = tuple(columns)
        self._column_index = {column.key: i for i, column in enumerate(self.columns)}
        self._rows: Sequence[Row] = ()
        self._index_by_key: dict[str, int] = {}
        self._sort_keys: dict[int, list[Any]] = {}
        self._haystacks: dict[tuple[int, ...], list[str]] = {}
        self._previous: tuple[Sequence[Row], dict[str, int], dict, dict] = ((), {}, {}, {})
        """Rows, key index and caches before the last `set_rows`, to carry values over."""
        self._unchanged: list[int] | None = None
        self._order: list[int] = []
        self._view: list[int] = []
        self.sort_column: str | None = None
        """Key of the column the rows are sorted by, or `None` for the given order."""
        self.sort_reverse = False
        """Whether the sort is descending."""
        self.filter_text = ""
        self.filter_columns: tuple[str, ...] | None = None
        self.cursor = 0
        """Position of the cursor in the filtered, sorted view."""

    # --- reading -----------------------------------------------------------------------
    @property
    def total(self) -> int:
        """Number of rows before filtering."""
        return len(self._rows)

    @property
    def shown(self) -> int:
        """Number of rows that pass the filter."""
        return len(self._view)

    @property
    def count_label(self) -> str:
        """E.g. `"1,234 of 10,000"`, or `"10,000"` when nothing is filtered out."""
        if self.shown == self.total:
            return f"{self.total:,}"
        return f"{self.shown:,} of {self.total:,}"

    def row_at(self, position: int) -> Row:
        """The row at a position of the view."""
        return self._rows[self._view[position]]

    def get_row(self, key: str) -> Row | None:
        """The row with this key, whether or not it passes the filter."""
        index = self._index_by_key.get(key)
        return None if index is None else self._rows[index]

    def position_of(self, key: str) -> int | None:
        """Position of a key in the view, or `None` if absent or filtered out."""
        index = self._index_by_key.get(key)
        if index is None:
            return None
        try:
            return self._view.index(index)
        except ValueError:
            return None

    @property
    def cursor_key(self) -> str | None:
        """Key of the row under the cursor, or `None` when the view is empty."""
        if not self._view:
            return None
        return self._rows[self._view[self.cursor]].key

    # --- changing ----------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace all rows; keeps sort, filter and the cursor's key (else its position)."""
        key, position = self.cursor_key, self.cursor
        self._previous = (self._rows, self._index_by_key, self._sort_keys, self._haystacks)
        self._unchanged = None
        self._rows = rows
        self._index_by_key = {row.key: i for i, row in enumerate(rows)}
        self._sort_keys, self._haystacks = {}, {}
        self._resort()
        self._refilter(from_view=False)
        self._restore_cursor(key, position)

    def sort_by(self, column_key: str | None, reverse: bool | None = None) -> None:
        """Sort by a column; `reverse=None` toggles when already sorted by it.

        `None` as the column restores the order the rows were given in.
        """
        if column_key is not None and column_key not in self._column_index:
            raise KeyError(f"VirtualTable has no column {column_key!r}")
        if reverse is None:
            reverse = not self.sort_reverse if column_key == self.sort_column else False
        key, position = self.cursor_key, self.cursor
        self.sort_column, self.sort_reverse = column_key, reverse
        self._resort()
        self._refilter(from_view=False)
        self._restore_cursor(key, position)

    def set_filter(self, text: str, columns: Sequence[str] | None = None) -> None:
        """Show only rows with `text` in any cell (of `columns`), ignoring case."""
        columns = None if columns is None else tuple(columns)
        for column_key in columns or ():
            if column_key not in self._column_index:
                raise KeyError(f"VirtualTable has no column {column_key!r}")
        narrowing = (
            columns == self.filter_columns
            and self.filter_text.casefold() in text.casefold()
        )
        key, position = self.cursor_key, self.cursor
        self.filter_text, self.filter_columns = text, columns
        self._refilter(from_view=narrowing)
        self._restore_cursor(key, position)

    def move_cursor(self, position: int) -> bool:
        """Move the cursor to a position (clamped); returns whether it moved."""
        position = max(0, min(position, len(self._view) - 1))
        moved = position != self.cursor
        self.cursor = position
        return moved

    # --- internals ---------------------------------------------------------------------
    def _keys_for(self, column_index: int) -> list[Any]:
        keys = self._sort_keys.get(column_index)
        if keys is None:
            column = self.columns[column_index]
            key_of = column.sort_key or (_numeric_key if column.numeric else _text_key)
            keys = self._carry_over(
                self._previous[2].get(column_index),
                lambda rows: [key_of(row.cells[column_index]) for row in rows],
            )
            self._sort_keys[column_index] = keys
        return keys

    def _resort(self) -> None:
        if self.sort_column is None:
            self._order = list(range(len(self._rows)))
            return
        keys = self._keys_for(self._column_index[self.sort_column])
        present = [i for i, key in enumerate(keys) if key is not None]
        missing = [i for i, key in enumerate(keys) if key is None]
        present.sort(key=keys.__getitem__, reverse=self.sort_reverse)
        self._order = present + missing if missing else present

    def _haystack(self) -> list[str]:
        scope = tuple(
            range(len(self.columns))
            if self.filter_columns is None
            else (self._column_index[key] for key in self.filter_columns)
        )
        haystack = self._haystacks.get(scope)
        if haystack is None:
            haystack = self._haystacks[scope] = self._carry_over(
                self._previous[3].get(scope), lambda rows: _lowercase_text(rows, scope)
            )
        return haystack

    def _carry_over(self, previous: list | None, compute: Callable[[Sequence[Row]], list]) -> list:
        """A per-row cache: values of unchanged rows from `previous`, the rest computed.

        A refresh of 50,000 rows where 500 changed then costs one pass of dict look-ups
        instead of recomputing every sort key or lowercase text.
        """
        if previous is None:
            return compute(self._rows)
        if self._unchanged is None:
            old_rows, old_index = self._previous[0], self._previous[1]
            unchanged = []
            for row in self._rows:
                j = old_index.get(row.key, -1)
                if j >= 0 and old_rows[j] is not row and old_rows[j].cells != row.cells:
                    j = -1
                unchanged.append(j)
            self._unchanged = unchanged
        changed = [i for i, j in enumerate(self._unchanged) if j < 0]
        if len(changed) * 2 > len(self._rows):
            return compute(self._rows)
        values = [previous[j] for j in self._unchanged]
        rows = self._rows
        for i, value in zip(changed, compute([rows[i] for i in changed])):
            values[i] = value
        return values

    def _refilter(self, *, from_view: bool) -> None:
        needle = self.filter_text.casefold()
        if not needle:
            self._view = self._order
            return
        haystack = self._haystack()
        source = self._view if from_view else self._order
        self._view = [i for i in source if needle in haystack[i]]

    def _restore_cursor(self, key: str | None, position: int) -> None:
        new_position = None if key is None else self.position_of(key)
        if new_position is None:
            new_position = position
        self.cursor = max(0, min(new_position, len(self._view) - 1))

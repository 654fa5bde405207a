"""Keep a small DataTable (nodes, targets, members, pools) in step with fresh data by difference.

Every cell is handed to the DataTable as plain ``Text`` made printable: a string would be parsed as
Rich markup (a node named ``[x]`` would vanish) and a control character would reach the terminal.
Only cells whose text changed are updated, so an unchanged refresh sends nothing to the terminal.
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.text import Text
from textual.widgets import DataTable

from msgops.probes.text import printable

Cell = Any
"""A cell: a str (shown as plain text), or a Text (its style kept, its text made printable)."""


def as_text(value: Cell) -> Text:
    if isinstance(value, Text):
        safe = printable(value.plain)
        if safe == value.plain:
            return value
        return Text(safe, style=value.style, no_wrap=value.no_wrap, overflow=value.overflow)
    return Text(printable("" if value is None else str(value)))


def _plain(value: Cell) -> tuple[str, str]:
    if isinstance(value, Text):
        return value.plain, str(value.style)
    return ("" if value is None else str(value)), ""


def sync_rows(table: DataTable, columns: Sequence[str], rows: Sequence[tuple[str, Sequence[Cell]]]) -> bool:
    """Show ``rows`` ((key, cells) in order); returns whether anything changed on screen."""
    shown: dict[str, tuple] = getattr(table, "_msgops_shown", {})
    keys = [key for key, _ in rows]
    if list(shown) != keys:
        table.clear()
        shown = {}
        for key, cells in rows:
            table.add_row(*(as_text(c) for c in cells), key=key)
            shown[key] = tuple(_plain(c) for c in cells)
        table._msgops_shown = shown  # type: ignore[attr-defined]
        return True
    changed = False
    for key, cells in rows:
        before = shown[key]
        after = tuple(_plain(c) for c in cells)
        if after == before:
            continue
        for column, old, new, value in zip(columns, before, after, cells):
            if old != new:
                table.update_cell(key, column, as_text(value))
                changed = True
        shown[key] = after
    return changed

"""Column widths, cell text and the header line for `VirtualTable`.

Cells come from servers (queue names): every control character is shown escaped (`printable`).
A line is one string of exactly `width` cells: each cell padded or cut with "…" to its
column's width and aligned, columns separated by one space. Plain ASCII (the common case
for queue lists) takes a fast path; other text is measured in terminal cells with Rich.
"""

from __future__ import annotations

from typing import Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from msgops.probes.text import printable
from msgops.widgets.table_model import CellValue, Column, format_cell

ELLIPSIS = "…"
SEPARATOR = " "
SORT_ARROWS = {False: "▲", True: "▼"}
"""Header suffix of the sorted column, by `reverse`."""


class ColumnLayout:
    """Cell widths of the columns for one table width; the flex column takes what is left."""

    def __init__(self, columns: Sequence[Column], width: int) -> None:
        self.width = width
        """Total width the layout was made for."""
        self.columns = tuple(columns)
        fixed = sum(column.width for column in columns if not column.flex)
        spare = width - fixed - len(SEPARATOR) * max(0, len(columns) - 1)
        self.widths: tuple[int, ...] = tuple(
            max(column.width, spare) if column.flex else column.width for column in columns
        )
        """Width of each column in cells."""


def fit(text: str, width: int, align: str = "left") -> str:
    """Pad or cut `text` to exactly `width` cells, marking a cut with an ellipsis."""
    if width <= 0:
        return ""
    if text.isascii():
        if len(text) > width:
            return text[: width - 1] + ELLIPSIS
        return text.rjust(width) if align == "right" else text.ljust(width)
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + ELLIPSIS
    padding = " " * (width - length)
    return padding + text if align == "right" else text + padding


def _finish(line: str, width: int) -> str:
    """Pad or crop a whole line to the table width (no ellipsis: columns run off the edge)."""
    if line.isascii() or cell_len(line) == len(line):
        return line[:width].ljust(width)
    return set_cell_size(line, width)


def row_text(layout: ColumnLayout, cells: Sequence[CellValue]) -> str:
    """One body line for a row's cells."""
    parts = []
    for column, width, value in zip(layout.columns, layout.widths, cells):
        text = printable(column.formatter(value) if column.formatter else format_cell(value))
        parts.append(fit(text, width, column.align))
    return _finish(SEPARATOR.join(parts), layout.width)


def header_cells(
    layout: ColumnLayout, sort_column: str | None, sort_reverse: bool
) -> list[tuple[str, str]]:
    """`(column key, text)` for each header cell, separators included, cut to the width.

    The sorted column's label keeps its arrow even when the label itself is cut.
    """
    cells: list[tuple[str, str]] = []
    used = 0
    for index, (column, width) in enumerate(zip(layout.columns, layout.widths)):
        label = column.label
        if column.key == sort_column:
            arrow = SORT_ARROWS[sort_reverse]
            label = fit(label, max(0, width - 1)).rstrip() + arrow
        text = fit(label, width, column.align)
        if index:
            text = SEPARATOR + text
        room = layout.width - used
        if room <= 0:
            break
        if cell_len(text) > room:
            text = _finish(text, room)
        cells.append((column.key, text))
        used += cell_len(text)
    return cells


def header_strip(layout: ColumnLayout, sort_column: str | None, reverse: bool, style: Style) -> Strip:
    """The header line; each label carries `sort_column` meta so a click can sort by it."""
    segments = [
        Segment(text, style + Style.from_meta({"sort_column": key}))
        for key, text in header_cells(layout, sort_column, reverse)
    ]
    return Strip(segments).adjust_cell_length(layout.width, style)

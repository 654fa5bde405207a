"""HealthTable: a DataTable whose health cells are coloured by severity through component classes
($theme tokens), with the label itself carrying the meaning (NO_COLOR keeps OK/WARN/CRIT/??)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from msgops.probes.findings import Severity
from msgops.widgets.findings import LABEL


class HealthTable(DataTable):
    """COMPONENT_CLASSES: health--ok / --warn / --crit / --unknown, the style of a health cell."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {"health--ok", "health--warn", "health--crit", "health--unknown"}
    DEFAULT_CSS = """
    HealthTable > .health--ok { color: $success; }
    HealthTable > .health--warn { color: $warning; text-style: bold; }
    HealthTable > .health--crit { color: $error; text-style: bold reverse; }
    HealthTable > .health--unknown { color: $text-muted; text-style: bold; }
    """

    def health_cell(self, severity: Severity) -> Text:
        return Text(LABEL[severity], style=self.get_component_rich_style(f"health--{severity.label}"))

    def fit_column(self, key: str, total_width: int, minimum: int = 12) -> None:
        """Give column ``key`` the width the other columns leave of ``total_width`` (a flexible
        column; DataTable has none). Repaints only when the width changes."""
        column = self.columns.get(key)  # type: ignore[call-overload]
        if column is None:
            return
        others = sum(c.get_render_width(self) for k, c in self.columns.items() if k != key)
        width = max(minimum, total_width - others - 2 * self.cell_padding - 1)
        if column.width != width:
            column.width = width
            # DataTable only re-measures when rows change; these two are what add_column sets.
            self._require_update_dimensions = True
            self._clear_caches()
            self.refresh()

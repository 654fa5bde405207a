"""Banner: one loud line (a partition, stale data); hidden when it has nothing to say."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from msgops.probes.text import printable


class Banner(Static):
    """A full-width line that shows only while ``message`` is non-empty.

    Its severity is a class: ``-crit`` or ``-warn`` (set by the screen), never an inline colour.
    """

    DEFAULT_CSS = """
    Banner { display: none; width: 100%; height: auto; padding: 0 1; text-style: bold; }
    Banner.-shown { display: block; }
    Banner.-crit { background: $error; color: $text; }
    Banner.-warn { background: $warning; color: $background; }
    """

    message: reactive[str] = reactive("")
    """The text (plain, never markup; control characters shown escaped); empty hides the banner."""

    def watch_message(self, message: str) -> None:
        self.set_class(bool(message), "-shown")
        self.update(Text(printable(message)))

"""TitleBar: the one-line title of every screen, with a READ-ONLY badge when runbooks are disabled.

It repaints only when its text or the badge changes (reactives compare), so a screen that hands it
the same title every second sends nothing to the terminal.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from msgops.probes.text import printable

BADGE = " READ-ONLY "


class TitleBar(Widget):
    """``title`` on the left (plain text, never markup), the read-only badge on the right.

    COMPONENT_CLASSES:
        title-bar--badge: the READ-ONLY badge.
    """

    COMPONENT_CLASSES = {"title-bar--badge"}
    DEFAULT_CSS = """
    TitleBar { height: 1; width: 100%; background: $panel; color: $text; padding: 0 1; }
    TitleBar > .title-bar--badge { background: $warning; color: $background; text-style: bold; }
    """

    title: reactive[Text | str] = reactive("")
    """The title: a str is shown as plain text; a Text keeps its styles (control characters are
    shown escaped either way)."""
    read_only: reactive[bool] = reactive(False)
    """Show the READ-ONLY badge."""

    def __init__(self, title: Text | str = "", *, read_only: bool = False, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.set_reactive(TitleBar.title, title)
        self.set_reactive(TitleBar.read_only, read_only)

    def render(self) -> Text:
        title = self.title
        if isinstance(title, Text):
            text = title.copy() if printable(title.plain) == title.plain else Text(printable(title.plain))
        else:
            text = Text(printable(title))
        text.no_wrap, text.overflow = True, "ellipsis"
        if not self.read_only:
            return text
        room = max(0, self.content_size.width - len(BADGE) - 1)
        text.truncate(room, overflow="ellipsis", pad=True)
        text.append(" ")
        text.append(BADGE, style=self.get_component_rich_style("title-bar--badge"))
        return text

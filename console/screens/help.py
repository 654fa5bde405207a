"""HelpScreen: the keys, in one modal a 3 a.m. operator can read at 80x24."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
[b]msgops keys[/b]

  [b]?[/b]        this help                 [b]q[/b]  quit
  [b]ctrl+p[/b]   command palette           [b]r[/b]  refresh now
  [b]enter[/b]    open target / queue       [b]escape[/b]  back

[b]RabbitMQ screen[/b]
  [b]/[/b]        filter queues (type, escape clears)
  [b]s[/b] / [b]S[/b]    sort by next column / reverse
  [b]f[/b]        all findings of this target
  [b]up/down pgup/pgdn home/end j/k[/b]  move in the queue list

[b]Queue detail[/b] (runbooks; absent in read-only mode)
  [b]p[/b] purge  [b]D[/b] delete  [b]y[/b] sync mirrors — preflight, plan, then type the
  queue's name to confirm. After a refusal: [b]F[/b] again forced (delete guards),
  [b]B[/b] break a dead run's stale lock. Every run is in the audit log.

[b]Health[/b]  OK  WARN  CRIT  ?? (unknown) — labels, not only colours.
Data older than 3 poll intervals is marked STALE. A node or API that
does not answer is a finding, never an error dialog.
"""


class HelpScreen(ModalScreen[None]):
    """Key reference; any of escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-height: 22; border: round $primary; padding: 0 1; background: $surface; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(HELP)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)

"""HelpScreen: the keys, in one modal a 3 a.m. operator can read at 80x24 (and at 60x20 by
scrolling). Built from the registry: each tier's console half contributes its section, and each
runbook the keys it declares, so help never names a tier here."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from msgops.console.tiers import ui_for
from msgops.probes.registry import tiers

COMMON = (
    ("?", "this help"), ("q", "quit"), ("r", "refresh every target now"), ("ctrl+p", "command palette"),
    ("enter", "open the target / item under the cursor"), ("f", "all findings, with advice"),
    ("escape", "back"),
)
LEGEND = ("Health: OK WARN CRIT ?? (unknown) — labels, not only colours. Data shows 'live' while polls "
          "arrive, then its age, STALE after 3 poll intervals. A node that does not answer is a finding, "
          "never an error dialog.")


def help_text(read_only: bool) -> Text:
    text = Text()
    text.append("msgops keys\n", style="bold")
    _pairs(text, COMMON)
    for spec in tiers().values():
        ui = ui_for(spec.name)
        section = list(getattr(ui, "HELP", ()) if ui else ())
        keys = [(k.key, f"{k.help or cls.title} ({k.scope} screen)")
                for cls in spec.runbook_classes() for k in cls.keys]
        if not section and not keys:
            continue
        text.append(f"\n{spec.title}\n", style="bold")
        _pairs(text, section)
        if keys:
            state = "disabled: read-only mode" if read_only else "preflight, plan, then type the name to confirm"
            text.append(f"  runbooks ({state}):\n")
            _pairs(text, keys)
    text.append("\nAfter a refused run: F runs it again forced (where a guard can be lifted), B breaks a "
                "dead run's stale lock. Every run is in the audit log.\n")
    text.append(f"\n{LEGEND}\n", style="dim")
    return text


def _pairs(text: Text, pairs) -> None:  # noqa: ANN001
    for key, what in pairs:
        text.append(f"  {key:<9}", style="bold")
        text.append(f" {what}\n")


class HelpScreen(ModalScreen[None]):
    """Key reference; any of escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; padding: 0 1; background: $surface;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "help"
            box.border_subtitle = "↓ pgdn: more · esc: close"
            yield Static(help_text(self.app.read_only))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()  # arrows and page keys scroll it at once

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)

"""ConfirmScreen: the typed confirmation of a runbook's changing steps, as a modal.

The operator reads what will change, then types the target's name (or ``yes`` where a step has
no name to type). A wrong entry is refused in place and the box cleared; escape cancels.
Dismisses with True (confirmed) or False (cancelled).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class ConfirmScreen(ModalScreen[bool]):
    """Type ``expected`` (exactly) to go ahead; ``steps`` are the plan's step dicts to be run."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    ConfirmScreen #steps { height: auto; }
    ConfirmScreen #why { height: auto; color: $text-muted; }
    ConfirmScreen #why.-wrong { color: $error; text-style: bold; }
    """

    def __init__(self, title: str, steps: list[dict], expected: str | None) -> None:
        super().__init__()
        self.title_text, self.steps, self.expected = title, steps, expected or "yes"

    def compose(self) -> ComposeResult:
        lines = [f"{self.title_text} will change the target:"]
        for i, step in enumerate(self.steps, 1):
            lines.append(f"  {i}. {step['title']}")
            if step.get("warning"):
                lines.append(f"     note: {step['warning']}")
        with Vertical():
            yield Static(Text("\n".join(lines)), id="steps")
            yield Static(Text(f"Type {self.expected} to go ahead; escape cancels."), id="why")
            yield Input(placeholder=self.expected, id="typed")

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.expected:
            self.dismiss(True)
            return
        why = self.query_one("#why", Static)
        why.add_class("-wrong")
        why.update(Text(f"{event.value!r} does not match: type {self.expected} exactly, or escape to cancel"))
        event.input.value = ""

    def action_cancel(self) -> None:
        self.dismiss(False)

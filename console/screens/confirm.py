"""ConfirmScreen: the typed confirmation of a runbook's changing steps, as a modal.

The operator reads what will change and the target's health *now* (the box must not hide a red
banner that appeared since the plan), then types the target's name (or ``yes`` where a step has no
name to type). A wrong entry is refused in place and the box cleared; escape cancels. The box is
withdrawn, nothing done, when the target's health worsens while it is open, and after
``[settings] confirm_timeout`` seconds. Dismisses with (confirmed, why).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from msgops.probes.findings import Finding, Severity
from msgops.probes.text import printable
from msgops.widgets.findings import LABEL


def _bad(findings: tuple[Finding, ...]) -> set[tuple[str, str]]:
    return {(f.code, f.subject) for f in findings if f.severity in (Severity.WARNING, Severity.CRITICAL)}


class ConfirmScreen(ModalScreen[tuple[bool, str]]):
    """Type ``expected`` (exactly) to go ahead; ``steps`` are the plan's step dicts to be run."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    ConfirmScreen #health { height: auto; text-style: bold; }
    ConfirmScreen #health.-crit { background: $error; color: $text; }
    ConfirmScreen #health.-warn { background: $warning; color: $background; }
    ConfirmScreen #steps { height: auto; }
    ConfirmScreen #why { height: auto; color: $text-muted; }
    ConfirmScreen #why.-wrong { color: $error; text-style: bold; }
    """

    def __init__(self, title: str, steps: list[dict], expected: str | None, *, target_key: str | None = None,
                 timeout: float | None = None) -> None:
        super().__init__()
        self.title_text, self.steps, self.expected = title, steps, expected or "yes"
        self.target_key, self.timeout = target_key, timeout
        self._initial: tuple[int, set[tuple[str, str]]] | None = None
        self._health_shown: str | None = None
        self._answered = False

    def compose(self) -> ComposeResult:
        lines = [f"{self.title_text} will change the target:"]
        for i, step in enumerate(self.steps, 1):
            lines.append(f"  {i}. {step['title']}")
            if step.get("warning"):
                lines.append(f"     note: {step['warning']}")
        withdraw = f"; withdrawn after {self.timeout:g}s" if self.timeout else ""
        with Vertical():
            yield Static("", id="health")
            yield Static(Text("\n".join(printable(line) for line in lines)), id="steps")
            yield Static(Text(f"Type {printable(self.expected)} to go ahead; escape cancels{withdraw}."), id="why")
            yield Input(placeholder=printable(self.expected), id="typed")

    def answer(self, ok: bool, why: str) -> None:
        """Dismiss once, whichever comes first: typed, cancelled, withdrawn or expired."""
        if not self._answered:
            self._answered = True
            self.dismiss((ok, why))

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()
        state = self._state()
        if state is not None:
            self._initial = (state.worst.rank, _bad(state.findings))
            self.show_health()
            self.set_interval(1.0, self.show_health)
        if self.timeout:
            self.set_timer(self.timeout, self._expire)

    def _state(self):  # noqa: ANN202
        estate = getattr(self.app, "estate", None)
        if estate is None or self.target_key not in estate.states:
            return None
        return estate.states[self.target_key]

    def show_health(self) -> None:
        """The target's live health on top of the box; withdraw when it got worse than at opening."""
        state = self._state()
        if state is None or self._initial is None:
            return
        worst = sorted(state.findings, key=lambda f: -f.severity.rank)[:1]
        line = f"target now: {LABEL[state.worst].strip()}"
        if worst and worst[0].severity is not Severity.OK:
            line += f" — {worst[0].subject}: {worst[0].reason}"
        if line != self._health_shown:
            self._health_shown = line
            health = self.query_one("#health", Static)
            health.set_class(state.worst is Severity.CRITICAL, "-crit")
            health.set_class(state.worst is Severity.WARNING, "-warn")
            health.update(Text(printable(line)))
        rank, bad = self._initial
        new = _bad(state.findings) - bad
        if state.worst.rank > rank or new:
            what = next((f for f in worst), None)
            why = f"{what.subject}: {what.reason}" if what else f"health is now {state.worst.label}"
            self.answer(False, f"withdrawn: the target's health worsened while the confirmation was open ({why})")

    def _expire(self) -> None:
        self.answer(False, f"withdrawn: not confirmed within {self.timeout:g}s")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.expected:
            self.answer(True, "typed")
            return
        why = self.query_one("#why", Static)
        why.add_class("-wrong")
        why.update(Text(f"{printable(event.value)!r} does not match: type {printable(self.expected)} exactly, "
                        "or escape to cancel"))
        event.input.value = ""

    def action_cancel(self) -> None:
        self.answer(False, "cancelled in the console")

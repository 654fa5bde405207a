"""Asking the runbook parameters a key cannot know (a pool's new weight), then starting the run.

``PoolReweight`` declares its ``w``/``W`` keys with a parameter set to ``ASK``: ``AskingRunbookKeys``
(used by the Zaqar screens instead of ``RunbookKeys``) opens ``ParamPrompt`` for it, checks the
answer with the runbook's own parser (a wrong one is refused in place), then opens the run.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from msgops.console.runbook_keys import RunbookKeys
from msgops.probes.text import printable
from msgops.runbooks.model import ParamError
from msgops.runbooks.zaqar.reweight import ASK, check_weight, parse_weights


class ParamPrompt(ModalScreen["str | None"]):
    """One line of input, checked by ``check`` (raises ParamError) before it is accepted."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ParamPrompt { align: center middle; }
    ParamPrompt > Vertical { width: 70; max-width: 100%; height: auto; border: thick $primary;
                             background: $surface; padding: 0 1; }
    ParamPrompt #why { height: auto; color: $text-muted; }
    ParamPrompt #why.-wrong { color: $error; text-style: bold; }
    """

    def __init__(self, question: str, value: str, check: Callable[[str], Any]) -> None:
        super().__init__()
        self.question, self.value, self.check = question, value, check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(printable(self.question)), id="question")
            yield Static(Text("enter: plan it (nothing changes before the typed confirmation); escape cancels"),
                         id="why")
            yield Input(value=self.value, id="answer")

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.check(event.value)
        except ParamError as exc:
            why = self.query_one("#why", Static)
            why.add_class("-wrong")
            why.update(Text(printable(str(exc))))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class AskingRunbookKeys(RunbookKeys):
    """RunbookKeys whose keys may leave parameters to ask (``ASK``) before the run starts."""

    def action_runbook(self, name: str, index: int) -> None:
        cls, key = self._runbook(name, index)
        ok, why = self.runbook_allowed(name, index)
        if not ok:
            self.notify(why, severity="warning")  # type: ignore[attr-defined]
            return
        target, item = self.runbook_target(), self.runbook_item()
        params = key.params(target, item)
        asked = [k for k, v in params.items() if v == ASK]
        if not asked:
            self._start(cls, params)
            return
        field = asked[0]
        question, value, check = _question(field, params, item)

        def answered(answer: str | None) -> None:
            if answer is not None:
                self._start(cls, {**params, field: answer})
        self.app.push_screen(ParamPrompt(question, value, check), answered)  # type: ignore[attr-defined]

    def _start(self, cls: type, params: dict[str, Any]) -> None:
        from msgops.console.screens.runbook import RunbookScreen

        self.app.push_screen(RunbookScreen(self.key, cls(), params))  # type: ignore[attr-defined]


def _question(field: str, params: dict[str, Any], item: Any) -> tuple[str, str, Callable[[str], Any]]:
    if field == "weight":
        return (f"New weight of pool {params.get('pool')} (now {getattr(item, 'weight', '?')}; 0 drains it):",
                str(getattr(item, "weight", "")), check_weight)
    current = ",".join(f"{p.name}={p.weight}" for p in item or ())
    return ("New weights, POOL=WEIGHT separated by commas (only the pools you name change):", current,
            parse_weights)

"""Runbook keys on tier screens, from what each runbook declares (``Runbook.keys``).

A screen showing one kind of item (``scope``, e.g. a RabbitMQ queue) mixes in ``RunbookKeys`` and
adds ``runbook_bindings(tier, scope)`` to its BINDINGS. A key is shown only where its runbook
applies to the item and runbooks are allowed; pressing one that is not offered says why (read-only
mode, or "sync does not apply to a quorum queue") instead of doing nothing.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding

from msgops.probes.registry import spec


def runbook_keys(tier: str, scope: str) -> list[tuple[type, int, Any]]:
    """(runbook class, index of the key in its ``keys``, the ConsoleKey) for one tier and scope."""
    found = []
    for cls in spec(tier).runbook_classes():
        for index, key in enumerate(cls.keys):
            if key.scope == scope:
                found.append((cls, index, key))
    return found


def runbook_bindings(tier: str, scope: str) -> list[Binding]:
    return [Binding(key.key, f"runbook({cls.name!r}, {index})", key.label)
            for cls, index, key in runbook_keys(tier, scope)]


class RunbookKeys:
    """Mixin for a Screen: subclasses set ``runbook_tier``/``runbook_scope`` and implement
    ``runbook_target()`` and ``runbook_item()`` (None while the item is not known)."""

    runbook_tier: str = ""
    runbook_scope: str = ""

    def runbook_target(self) -> Any:
        raise NotImplementedError

    def runbook_item(self) -> Any:
        raise NotImplementedError

    def _runbook(self, name: str, index: int) -> tuple[type, Any]:
        for cls, i, key in runbook_keys(self.runbook_tier, self.runbook_scope):
            if cls.name == name and i == index:
                return cls, key
        raise KeyError(name)

    def runbook_allowed(self, name: str, index: int) -> tuple[bool, str]:
        """Whether the key is offered now, and if not, why (said when it is pressed anyway)."""
        cls, key = self._runbook(name, index)
        target = self.runbook_target()
        if self.app.inventory.settings.read_only or getattr(target, "read_only", False):  # type: ignore[attr-defined]
            return False, f"read-only mode: {key.label.lower()} ({cls.name}) is disabled; `msgops runbook plan` still works"
        item = self.runbook_item()
        if item is None:
            return False, f"{key.label.lower()}: the {self.runbook_scope} is not in the latest data"
        ok, why = key.applies(item)
        return ok, "" if ok else f"{key.label.lower()} does not apply here: {why}"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "runbook":
            return self.runbook_allowed(*parameters)[0]  # False hides the key (None would dim it)
        return True

    def action_runbook(self, name: str, index: int) -> None:
        from msgops.console.screens.runbook import RunbookScreen

        cls, key = self._runbook(name, index)
        ok, why = self.runbook_allowed(name, index)
        if not ok:
            self.notify(why, severity="warning")  # type: ignore[attr-defined]
            return
        params = key.params(self.runbook_target(), self.runbook_item())
        self.app.push_screen(RunbookScreen(self.key, cls(), params))  # type: ignore[attr-defined]

    def on_key(self, event: events.Key) -> None:
        """A runbook key that is not offered here: say why instead of ignoring it."""
        for cls, index, key in runbook_keys(self.runbook_tier, self.runbook_scope):
            if event.key == key.key:
                ok, why = self.runbook_allowed(cls.name, index)
                if not ok:
                    event.stop()
                    self.notify(why, severity="warning")  # type: ignore[attr-defined]
                return

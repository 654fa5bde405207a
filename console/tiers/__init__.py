"""The console halves of the tiers: ``console/tiers/<tier>/`` holds a tier's screens, row builders
and help section, found by the tier's registry name (no list to keep here).

A tier's UI module offers:
- ``open(app, key)``: push the target's screen;
- ``prepare(result)`` (optional): table rows built off the UI thread from a fresh poll result;
- ``HELP``: lines for the help screen (``(keys, what)`` pairs under the tier's title).
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType


@cache
def ui_for(tier: str) -> ModuleType | None:
    """The tier's console module, or None when the tier has no screens of its own yet."""
    try:
        return importlib.import_module(f"msgops.console.tiers.{tier}")
    except ModuleNotFoundError as exc:
        if exc.name == f"msgops.console.tiers.{tier}":
            return None
        raise

"""Every runbook msgops knows, by name: each tier's SPEC lists its own (imported when asked for)."""

from __future__ import annotations

from msgops.probes.registry import runbooks as _runbooks
from msgops.runbooks.model import Runbook


def runbooks() -> dict[str, type[Runbook]]:
    return _runbooks()

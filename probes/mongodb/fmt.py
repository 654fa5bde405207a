"""Short, stable renderings of times and durations for findings, the report and the pane."""

from __future__ import annotations

import time


def clock(when: float | None) -> str:
    """Epoch seconds → ``14:03:07Z`` (UTC: the servers' clocks, whatever the operator's zone)."""
    return "?" if when is None else time.strftime("%H:%M:%SZ", time.gmtime(when))


def stamp(when: float | None) -> str:
    """Epoch seconds → ``2025-06-02 14:03:07Z``."""
    return "?" if when is None else time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(when))


def span(seconds: float | None) -> str:
    """Seconds → ``45s``, ``3m05s``, ``2h10m``, ``3d04h`` (two units at most)."""
    if seconds is None:
        return "?"
    s = int(round(max(0.0, seconds)))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def ago(now: float | None, when: float | None) -> str:
    """``3m05s ago`` from the server's ``now``; ``?`` when either is unknown."""
    if now is None or when is None:
        return "?"
    return f"{span(now - when)} ago"


def since(when: float | None, watching_since: float | None, now: float | None) -> str:
    """``since 14:03:07Z (3m05s ago)``, or ``since before 14:03:07Z (when msgops started watching)``."""
    if when is None:
        return "since ?"
    if watching_since is not None and when <= watching_since:
        return f"since before {clock(when)} (when msgops started watching)"
    return f"since {clock(when)} ({ago(now, when)})"

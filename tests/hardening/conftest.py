"""Shared helpers for the hardening tests: the real `msgops` command in a subprocess (never a patched
function), a clean environment (no inventory, state or step pause inherited from the caller), and
the simulator on its own thread.

Every subprocess has a deadline; every wait is a poll with a deadline.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

MSGOPS = str(Path(sys.executable).with_name("msgops"))
"""The installed console script of this venv (.venv/bin/msgops)."""

USAGE, CONFIG, UNKNOWN = 64, 78, 3


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """os.environ without anything that points msgops elsewhere; HOME and XDG dirs in ``tmp``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MSGOPS_", "XDG_")) and k not in ("TEXTUAL",)}
    home = Path(tmp) / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(home), MSGOPS_STATE_DIR=str(Path(tmp) / "state"), COLUMNS="80", LINES="24")
    env.update(extra)
    return env


def msgops(*args: str, env: dict[str, str], timeout: float = 30.0) -> subprocess.CompletedProcess:
    """Run ``msgops ARGS`` to completion (no stdin), with a deadline."""
    return subprocess.run([MSGOPS, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env=env, timeout=timeout)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text
        assert 'File "' not in text, text


def wait_until(predicate: Callable[[], object], timeout: float, what: str, every: float = 0.05):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:g}s")
        time.sleep(every)


FAST = ("health_timeout = 3.0\nqueue_timeout = 5.0\ncanary_timeout = 2.0\npoll_interval = 1.0\n"
        "queue_interval = 1.0\ncanary_interval = 1.0\n")
"""Short cadences and deadlines for inventories of simulated targets."""

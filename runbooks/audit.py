"""Append-only JSONL audit log: who ran what, on which target, with what outcome.

Every record carries the run id, the operator identity (user, SUDO_USER, SSH_CONNECTION), the host
and a UTC timestamp. Writes are O_APPEND + fsync; a log that cannot be written raises AuditError,
and the executor stops before it changes anything. Parameters arrive here already masked.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from msgops.probes.secrets import scrub


class AuditError(Exception):
    """The audit log cannot be written (the message names the file and the OS error)."""


def operator_identity() -> dict[str, Any]:
    """Who is at the keyboard, as far as this process can tell."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return {
        "user": user,
        "uid": os.getuid(),
        "sudo_user": os.environ.get("SUDO_USER"),
        "ssh_connection": os.environ.get("SSH_CONNECTION"),
        "pid": os.getpid(),
    }


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]


class AuditLog:
    """One JSONL file; ``record()`` appends one event of one run."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def record(self, run_id: str, event: str, **fields: Any) -> None:
        entry = {
            "id": run_id,
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "event": event,
            "host": socket.gethostname(),
            "who": operator_identity(),
            **fields,
        }
        line = (scrub(json.dumps(entry, default=str, separators=(",", ":"))) + "\n").encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise AuditError(f"cannot write the audit log {self.path}: {exc.strerror or exc}") from None

    def entries(self, run_id: str | None = None) -> list[dict]:
        """All records (of one run), for tests and `msgops runbook audit`."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if run_id is None or entry.get("id") == run_id:
                out.append(entry)
        return out


def monotonic_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)

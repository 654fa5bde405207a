"""One lock per target under the state dir, so two operators cannot run runbooks on one target.

The lock file holds its holder (user, pid, host, runbook, since). A lock whose pid is dead on this
host is *stale*: it is reported, never silently broken; ``break_stale=True`` (the operator's
explicit ``--break-stale-lock``) removes it, and the executor audits that.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from msgops.runbooks.audit import operator_identity


class LockHeld(Exception):
    """Another run holds the target's lock; ``holder`` says who, ``stale`` whether its pid is dead."""

    def __init__(self, path: Path, holder: dict, stale: bool) -> None:
        self.path, self.holder, self.stale = path, holder, stale
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("since", 0)))
        who = f"{holder.get('user', '?')} (pid {holder.get('pid', '?')} on {holder.get('host', '?')}, " \
              f"{holder.get('runbook', '?')}, since {since})"
        if stale:
            text = (f"stale lock on {holder.get('target', '?')}: held by {who}, and that process is gone; "
                    f"check nothing is half done, then rerun with --break-stale-lock (or remove {path})")
        else:
            text = f"{holder.get('target', '?')} is locked by {who}; wait for it or ask them"
        super().__init__(text)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class TargetLock:
    path: Path
    target: str
    runbook: str

    @classmethod
    def for_target(cls, state_dir: Path, target_key: str, runbook: str) -> "TargetLock":
        safe = target_key.replace("/", "_")
        return cls(Path(state_dir) / "locks" / f"{safe}.lock", target_key, runbook)

    def holder(self) -> dict | None:
        try:
            holder = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return {"target": self.target, "user": "?", "pid": -1, "host": "?", "runbook": "unreadable lock file",
                    "unreadable": True}
        if not isinstance(holder, dict):
            return {"target": self.target, "user": "?", "pid": -1, "host": "?", "runbook": "unreadable lock file",
                    "unreadable": True}
        return holder

    def is_stale(self, holder: dict) -> bool:
        """A lock whose process is gone on this host, or a lock file nobody can read (no process can
        be holding it: every holder writes a readable record)."""
        if not isinstance(holder, dict) or holder.get("unreadable"):
            return True
        pid = holder.get("pid")
        if not isinstance(pid, int) or isinstance(pid, bool):
            return True
        return holder.get("host") == socket.gethostname() and not pid_alive(pid)

    def acquire(self, *, break_stale: bool = False) -> dict | None:
        """Take the lock; returns the stale holder it broke (if asked to), else None."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = operator_identity()
        record = {"target": self.target, "runbook": self.runbook, "user": me["user"], "pid": os.getpid(),
                  "host": socket.gethostname(), "since": time.time(), "sudo_user": me["sudo_user"]}
        broken = None
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            except FileExistsError:
                holder = self.holder() or {}
                stale = self.is_stale(holder)
                if stale and break_stale and broken is None:
                    broken = holder
                    self.path.unlink(missing_ok=True)
                    continue
                raise LockHeld(self.path, holder, stale) from None
            with os.fdopen(fd, "w") as f:
                json.dump(record, f)
            return broken
        raise LockHeld(self.path, self.holder() or {}, False)

    def release(self) -> None:
        holder = self.holder()
        if holder and holder.get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)

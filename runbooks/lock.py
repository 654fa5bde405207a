"""One lock per target under the state dir, so two operators cannot run runbooks on one target.

The lock file holds its holder (user, pid, host, runbook, since). A lock whose pid is dead on this
host is *stale*: it is reported, never silently broken; ``break_stale=True`` (the operator's
explicit ``--break-stale-lock``) removes it, and the executor audits that.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from msgops.runbooks.audit import operator_identity


class LockHeld(Exception):
    """Another run holds the target's lock; ``holder`` says who, ``stale`` whether its pid is dead."""

    def __init__(self, path: Path, holder: dict, stale: bool) -> None:
        self.path, self.holder, self.stale = path, holder, stale
        since = _when(holder.get("since"))
        who = f"{holder.get('user', '?')} (pid {holder.get('pid', '?')} on {holder.get('host', '?')}, " \
              f"{holder.get('runbook', '?')}, since {since})"
        if stale:
            text = (f"stale lock on {holder.get('target', '?')}: held by {who}, and that process is gone; "
                    f"check nothing is half done, then rerun with --break-stale-lock (or remove {path})")
        else:
            text = f"{holder.get('target', '?')} is locked by {who}; wait for it or ask them"
        super().__init__(text)


def _when(since: object) -> str:
    """A holder's ``since`` as local time; a lock file is read from disk, so anything else (a string,
    1e300, nan) is "an unknown time", never an exception."""
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(since)))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return "an unknown time"


MAX_STATE_FILE_BYTES = 1024 * 1024
"""A lock record is ~200 bytes and a journal a few kilobytes; a bigger file is corrupt, unread."""


def read_state_file(path: Path) -> bytes | None:
    """A lock or journal file's bytes, or None when it is not a regular file (a FIFO must not block)
    or is larger than MAX_STATE_FILE_BYTES. FileNotFoundError and other OSErrors propagate."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        raw = os.read(fd, MAX_STATE_FILE_BYTES + 1)
    finally:
        os.close(fd)
    return raw if len(raw) <= MAX_STATE_FILE_BYTES else None


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
            raw = read_state_file(self.path)
            holder = json.loads(raw) if raw is not None else None
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError):  # unreadable, not JSON, nested too deeply
            holder = None
        if not isinstance(holder, dict):
            return {"target": self.target, "user": "?", "pid": -1, "host": "?", "runbook": "unreadable lock file",
                    "unreadable": True}
        return holder

    def is_stale(self, holder: dict) -> bool:
        """A lock whose process is gone on this host, or a lock file nobody can read or that is not a
        holder's record (no process can be holding it: every holder writes a readable record with an
        integer pid > 0 and its host name)."""
        if not isinstance(holder, dict) or holder.get("unreadable"):
            return True
        pid, host = holder.get("pid"), holder.get("host")
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or not isinstance(host, str):
            return True  # not a record any holder writes (pid 0 or -1 would "signal" a whole group)
        return host == socket.gethostname() and not pid_alive(pid)

    def acquire(self, *, break_stale: bool = False) -> dict | None:
        """Take the lock; returns the stale holder it broke (if asked to), else None."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = operator_identity()
        record = {"target": self.target, "runbook": self.runbook, "user": me["user"], "pid": os.getpid(),
                  "host": socket.gethostname(), "since": time.time(), "sudo_user": me["sudo_user"]}
        broken = None
        # The record is written whole to a private file first, then linked into place (atomic, and
        # refused when the lock exists): nobody can ever see a lock file that is still empty, which
        # an unreadable-means-stale rule would let a second run break.
        staging = self.path.with_name(f".{self.path.name}.{os.getpid()}.{time.monotonic_ns()}")
        with open(staging, "x") as f:
            json.dump(record, f)
        os.chmod(staging, 0o640)
        try:
            for _ in range(2):
                try:
                    os.link(staging, self.path)
                except FileExistsError:
                    holder = self.holder() or {}
                    stale = self.is_stale(holder)
                    if stale and break_stale and broken is None:
                        broken = holder
                        self.path.unlink(missing_ok=True)
                        continue
                    raise LockHeld(self.path, holder, stale) from None
                return broken
            raise LockHeld(self.path, self.holder() or {}, False)
        finally:
            staging.unlink(missing_ok=True)

    def release(self) -> None:
        holder = self.holder()
        if holder and holder.get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)

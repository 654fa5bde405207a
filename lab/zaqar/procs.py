"""Processes and records of the Zaqar lab: the state file, spawning, readiness, stopping.

Every server is started in its own session (so its process group, gunicorn's workers
included, can be signalled as one) with output to a log file in the lab dir, and its pid
(pinned by start time, see `PidRef`) is written to ``state.json`` the moment it exists:
a `down` after an interrupted `up` still finds everything.  ``state.json`` also holds the
lab's generated passwords, so it is written with mode 0600.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from .._util import LabError, PidRef, StateFile, stop_refs


class State(StateFile):
    """``state.json``: ports, secrets and ``procs`` (name -> PidRef json or None when stopped)."""

    def refs(self, st: dict | None = None) -> dict[str, PidRef]:
        st = self.load() if st is None else st
        return {name: PidRef.from_json(d) for name, d in st.get("procs", {}).items() if d}

    def record(self, st: dict, name: str, ref: PidRef | None) -> None:
        st.setdefault("procs", {})[name] = ref.to_json() if ref else None
        self.save(st)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment minus what would leak the project's Python into the servers."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("OS_")}
    env.update(extra or {})
    return env


def spawn(args: list[str], *, log_path: Path, what: str, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> PidRef:
    """Start `args` detached (own session), stdout+stderr appended to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        try:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=env if env is not None else clean_env(), cwd=cwd,
                                    start_new_session=True, close_fds=True)
        except OSError as exc:
            raise LabError(f"cannot start {what}: {exc}") from exc
    return PidRef.of(proc.pid, what)


def log_tail(path: Path, lines: int = 1) -> str:
    """The last non-empty line(s) of a log, for one-line errors."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    rows = [r.strip() for r in text.splitlines() if r.strip()]
    return " | ".join(rows[-lines:]) if rows else "(empty log)"


def wait_ready(ref: PidRef, probe: Callable[[], bool], *, timeout: float, what: str, log_path: Path,
               interval: float = 0.1) -> None:
    """Poll `probe` until true; fail at once (with the log's last line) when the process died."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if probe():
                return
        except Exception:  # noqa: BLE001 - refused connections etc. while it starts
            pass
        if not ref.alive():
            raise LabError(f"{what} exited while starting: {log_tail(log_path)} (log: {log_path})")
        if time.monotonic() >= deadline:
            raise LabError(f"{what} not ready after {timeout:.0f} s (log: {log_path})")
        time.sleep(interval)


def stop(refs: list[PidRef], grace: float = 5.0) -> list[PidRef]:
    """TERM each process group, wait up to `grace` s, then KILL; returns what had to be killed."""
    return stop_refs(refs, grace=grace, group=True)


def strays(lab_dir: Path, programs: tuple[str, ...]) -> list[PidRef]:
    """Live processes of `programs` (path prefixes) that belong to the lab dir.

    Closes the gap between a server's fork and its pid reaching ``state.json`` (an `up`
    killed right there).  A process belongs to the lab when its working directory is in
    the lab dir (Redis chdirs to its ``dir``, zaqar-server and gunicorn are started there)
    or its argv names a lab file; and only when its program (argv[0], argv[1] for console
    scripts, or its executable) is one of `programs`, so a shell or ``tail -f`` in the lab
    dir is never touched.
    """
    marker = str(lab_dir).rstrip("/") + "/"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            args = [a.decode(errors="replace")
                    for a in Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0") if a]
            exe, cwd = os.readlink(f"/proc/{entry}/exe"), os.readlink(f"/proc/{entry}/cwd") + "/"
        except OSError:
            continue
        # argv entries that are the program itself (the venv's python) say nothing about the lab
        ours = cwd.startswith(marker) or any(marker in a for a in args[1:] if not a.startswith(programs))
        if ours and any(h.startswith(programs) for h in [exe, *args[:2]]):
            ref = PidRef.of(int(entry), "stray")
            if ref.alive():
                found.append(ref)
    return found


def group_rss_kb(pid: int) -> int:
    """Resident memory of every process in `pid`'s process group (gunicorn + workers), in KiB."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getpgid(int(entry)) != pid:
                continue
            for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total


def listening(port: int, host: str = "127.0.0.1", timeout: float = 0.3) -> bool:
    """True when a TCP connect to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False

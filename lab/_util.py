"""Small helpers shared by the lab modules: errors, commands, pids, ports, timing.

Everything here is deliberately dependency-free (stdlib only) so the lab can be driven
from CI before anything else of the project works.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


class LabError(RuntimeError):
    """An expected lab failure; the CLI prints its message as one line, no traceback."""


def run(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
    check: bool = True,
    what: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capture its output; raise `LabError` (with stderr) when it fails."""
    try:
        cp = subprocess.run(
            list(args), env=env, timeout=timeout, text=True, cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"{what or args[0]}: timed out after {timeout:.0f} s") from exc
    except FileNotFoundError as exc:
        raise LabError(f"{args[0]}: not found") from exc
    if check and cp.returncode != 0:
        detail = (cp.stderr or cp.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit {cp.returncode}"
        raise LabError(f"{what or ' '.join(args)}: {last}")
    return cp


def proc_start_time(pid: int) -> int | None:
    """Start time of `pid` in clock ticks since boot (from /proc), None if it is gone.

    Stored next to every pid so a recycled pid is never mistaken for ours.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return None
    # comm may contain spaces and parentheses: split after the last ')'.
    fields = stat[stat.rfind(")") + 2:].split()
    if fields and fields[0] == "Z":  # zombie: as good as dead
        return None
    return int(fields[19])


@dataclass
class PidRef:
    """A pid we started, pinned by its start time."""

    pid: int
    start: int | None
    what: str = ""

    @classmethod
    def of(cls, pid: int, what: str = "") -> "PidRef":
        return cls(pid, proc_start_time(pid), what)

    def alive(self) -> bool:
        now = proc_start_time(self.pid)
        return now is not None and (self.start is None or now == self.start)

    def to_json(self) -> dict:
        return {"pid": self.pid, "start": self.start, "what": self.what}

    @classmethod
    def from_json(cls, d: dict) -> "PidRef":
        return cls(int(d["pid"]), d.get("start"), d.get("what", ""))


def signal_refs(refs: Iterable[PidRef], sig: int, *, group: bool = False) -> None:
    """Send `sig` to each live ref (to its process group when `group`)."""
    for ref in refs:
        if not ref.alive():
            continue
        try:
            if group and os.getpgid(ref.pid) == ref.pid:
                os.killpg(ref.pid, sig)
            else:
                os.kill(ref.pid, sig)
        except ProcessLookupError:
            pass


def reap(pid: int) -> None:
    """Collect an exited child of ours so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop_refs(refs: list[PidRef], *, grace: float, group: bool = False) -> list[PidRef]:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL. Returns refs that had to be killed."""
    live = [r for r in refs if r.alive()]
    if not live:
        return []
    if grace > 0:
        signal_refs(live, signal.SIGTERM, group=group)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            for r in live:
                reap(r.pid)
            live = [r for r in live if r.alive()]
            if not live:
                return []
            time.sleep(0.05)
    signal_refs(live, signal.SIGKILL, group=group)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(r.alive() for r in live):
        for r in live:
            reap(r.pid)
        time.sleep(0.02)
    return live


def parallel(fn: Callable[[T], object], items: Iterable[T]) -> list:
    """Run fn over items in threads (one each); re-raises the first failure."""
    from concurrent.futures import ThreadPoolExecutor

    items = list(items)
    if not items:
        return []
    with ThreadPoolExecutor(len(items)) as pool:
        return [f.result() for f in [pool.submit(fn, it) for it in items]]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on host:port (or it cannot be bound)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def wait_for(
    probe: Callable[[], T], *, timeout: float, interval: float = 0.2, what: str = "condition"
) -> T:
    """Call `probe` until it returns something truthy; raise `LabError` at the deadline."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while True:
        try:
            value = probe()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - probes fail while things start
            last_exc = exc
        if time.monotonic() >= deadline:
            extra = f" (last error: {last_exc})" if last_exc else ""
            raise LabError(f"timed out after {timeout:.0f} s waiting for {what}{extra}")
        time.sleep(interval)


@dataclass
class Timings:
    """Named phase durations, printed by the CLI after `up`/`down`."""

    phases: list[tuple[str, float]] = field(default_factory=list)
    _t0: float = field(default_factory=time.monotonic)
    _last: float = field(default_factory=time.monotonic)

    def mark(self, name: str) -> None:
        now = time.monotonic()
        self.phases.append((name, now - self._last))
        self._last = now

    @property
    def total(self) -> float:
        return self._last - self._t0

    def lines(self) -> list[str]:
        out = [f"  {name:<28} {secs:6.2f} s" for name, secs in self.phases]
        out.append(f"  {'total':<28} {self.total:6.2f} s")
        return out


def write_private(path: "os.PathLike[str] | str", text: str) -> None:
    """Atomically write ``text`` readable by the owner only (labs keep passwords in their files)."""
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class StateFile:
    """A lab's JSON state file (pids with start times, ports, generated secrets), owner-only."""

    def __init__(self, path: "os.PathLike[str] | str") -> None:
        from pathlib import Path

        self.path = Path(path)

    def load(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except ValueError:
            return {"corrupt": True}

    def save(self, st: dict) -> None:
        write_private(self.path, json.dumps(st, indent=2, sort_keys=True))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

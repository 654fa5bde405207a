"""Benchmark: how many bytes per second the console writes to its terminal when nothing changes.

Run (no root, no network; ~90 s per case at the defaults, ~120 s with a 30-s interaction phase):

    .venv/bin/python bench/idle_bytes.py [--screen overview,rabbitmq] [--size 80x24,60x20]
        [--case SCREEN@COLSxROWS ...] [--settle 15] [--measure 60] [--keys-every 2 --interact 30]
        [--clusters 3,1] [--queues 0] [--poll-interval S] [--answer-sync] [--decode 3]
        [--series] [--no-screen-text] [--rev REV[,REV...]] [--baseline] [--json]

Every case is a fresh console (`.venv/bin/msgops --inventory INV`, a black box: this script
imports no Textual) on a pseudo-terminal of COLS x ROWS (TIOCSWINSZ on the pty before the child
starts; the pty is its controlling terminal in a session of its own, as under sshd;
TERM=xterm-256color, COLORTERM=truecolor, COLUMNS/LINES set to match), reading the master
side continuously (non-blocking, select) and timestamping every chunk. Cases are the cross product
of --screen and --size, or the explicit --case list; all run against one estate in one run, one
after the other. --baseline runs the four cases of the bench/README baseline. --rev A,B measures
the console of each git revision instead of the working tree (`git archive` into a temporary
directory, imported ahead of the editable install through PYTHONPATH; revisions resolved to
hashes at the start; the in-process simulator comes from the first): every case runs once per
revision, interleaved, and the report adds each revision's idle B/s as a ratio to the first's.

The estate is steady: --clusters node counts (default "3,1": a 3-node "rpc" and a 1-node
"notifications" cluster, then "c3", "c4", ...) of `SimCluster` with the lab's seeded OpenStack-like
queue set, plus --queues scale queues on the first; started with `start_in_thread()` only (no
scenario, so nothing drifts); inventory defaults (poll 5 s, queue list and canary 30 s; canary on)
unless --poll-interval / --queue-interval / --canary-interval are given. The simulator's own state
(each queue's counts, members and sync, each node's running state, alarms and partitions;
exclusive canary queues left out) is fingerprinted at the start and after every case: the report
says whether it held still, and the run stops at the first change. Node memory in the simulator
wobbles by < 0.02 % of the limit, which the console shows as a whole percentage, so it does not
reach the screen.

Per case: wait until the first poll is in (the overview names every target and no longer says
"first poll in progress" or "waiting"; deadline --ready-timeout; without pyte a fixed
--ready-seconds), send the --screen preset's keys (overview: none; rabbitmq: enter = the first
target's screen; findings: enter, f; help: ?; queue: enter, enter = the first queue's detail; or
--keys), check the screen shows it (pyte; deadline 10 s, a note if not), wait --settle seconds,
then count over --measure seconds. Optionally an interaction phase follows: down/up
pressed alternately every --keys-every seconds for --interact seconds. Then `q` (and escape, q),
SIGTERM after 5 s, SIGKILL after 2 more. Every wait has a deadline; Ctrl-C stops cleanly.

Figures per case (measuring window only):

- *B/s*: bytes read from the pty master / window seconds. Target: <= 500 B/s (PASS/MISS).
- *1-s buckets*: bytes in each whole second of the window: median, p90, max, and a histogram.
- *reads*: chunks read (one os.read each; a write may span reads and reads may join writes);
  *frames*: bursts of reads less than 15 ms apart (Textual writes one frame in one go);
  *full frames*: frames that write to >= 90 % of the rows.
- *analysis* (needs pyte, `pip install pyte`; without it only the byte-level part is shown): the
  stream is tokenised (cursor moves, SGR, text, CR/LF) with the cursor tracked, so each byte is
  charged to a screen row, and replayed through a pyte screen frame by frame, so a row that was
  written but came out the same is told apart from one that changed. Reported: bytes by kind,
  per row (collapsed into runs of rows alike) the bytes/s, in how many frames it was written and
  in how many it changed, and the operator's text on it; *redundant bytes*: bytes written to rows
  whose cells did not change in that frame. --decode N prints the first N frames of the window
  row by row. The final screen (pyte) is printed as the operator sees it.
- *interaction* (with --keys-every): B/s over the phase, and extra bytes per key press =
  (phase B/s - idle B/s) x phase seconds / presses.

--answer-sync makes the pty answer Textual's DECRQM query for synchronized output (mode 2026) as
a terminal that supports it (kitty, WezTerm, iTerm2, foot, Windows Terminal...), so frames come
wrapped in ESC[?2026h / ESC[?2026l; by default the query goes unanswered, as in xterm or an old
PuTTY. Exit status 0 whatever the figures (130 on Ctrl-C).
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import json
import os
import re
import secrets
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_BPS = 500.0
FRAME_GAP = 0.015
HIST_EDGES = (0, 100, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000)

KEYS = {"enter": b"\r", "down": b"\x1b[B", "up": b"\x1b[A", "escape": b"\x1b", "tab": b"\t",
        "pgdn": b"\x1b[6~", "pgup": b"\x1b[5~", "home": b"\x1b[H", "end": b"\x1b[F"}


@dataclass
class Preset:
    keys: list[str]
    expect: str | None  # regex the (pyte) screen must show once the keys are in


SCREENS = {
    "overview": Preset([], r"estate overview"),
    "rabbitmq": Preset(["enter"], r"RabbitMQ \d"),
    "findings": Preset(["enter", "f"], r"Findings —"),
    "help": Preset(["?"], r"msgops keys"),
    "queue": Preset(["enter", "enter"], r"Queue .* on vhost"),
}
BASELINE = ["overview@80x24", "rabbitmq@80x24", "overview@60x20", "overview@200x60"]

try:
    import pyte  # optional: screen reconstruction and the per-row analysis
except ImportError:  # pragma: no cover - reported in the output
    pyte = None


class Deadline(Exception):
    pass


def log(msg: str) -> None:
    print(f"[idle_bytes {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- the estate ----------------------------------------------------------------------------------
def _sim_cluster_class():
    """SimCluster wherever the simulator keeps it (sim/ is being reorganised into per-tier folders)."""
    for module, attr in (("msgops.sim.rabbitmq.cluster", "SimCluster"), ("msgops.sim.rabbitmq", "SimCluster"),
                         ("msgops.sim.rabbitmq.cluster", "SimCluster")):
        try:
            mod = __import__(module, fromlist=[attr])
            return getattr(mod, attr)
        except (ImportError, AttributeError):
            continue
    raise SystemExit("idle_bytes: cannot import msgops SimCluster (is .venv set up?)")


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


class Estate:
    """Steady simulated clusters (no scenario) and an inventory TOML for them."""

    def __init__(self, sizes: list[int], queues: int, directory: Path, intervals: dict[str, float]):
        self.sizes, self.queues, self.directory, self.intervals = sizes, queues, directory, intervals
        self.clusters: list[tuple[str, object]] = []
        self.path = directory / "inventory.toml"

    def start(self) -> "Estate":
        SimCluster = _sim_cluster_class()
        password = secrets.token_urlsafe(12)
        for i, nodes in enumerate(self.sizes):
            name = {0: "rpc", 1: "notifications"}.get(i, f"c{i + 1}")
            cluster = SimCluster(nodes, queues=self.queues if i == 0 else 0, user="msgops",
                                 password=password, node_host=name)
            cluster.start_in_thread()
            self.clusters.append((name, cluster))
        lines = ["[settings]", f"state_dir = {_toml_str(str(self.directory / 'state'))}", ""]
        for name, cluster in self.clusters:
            urls = ", ".join(_toml_str(u) for u in cluster.management_urls)
            lines += [f"[rabbitmq.{name}]", f"transport_url = {_toml_str(cluster.transport_url)}",
                      f"management_urls = [{urls}]", "canary = true"]
            lines += [f"{k} = {v!r}" for k, v in self.intervals.items() if v is not None]
            lines.append("")
        self.path.write_text("\n".join(lines))
        return self

    def stop(self) -> None:
        for _, cluster in self.clusters:
            try:
                cluster.stop_in_thread(timeout=5.0)
            except Exception as exc:  # noqa: BLE001 - best effort at exit
                log(f"stopping a simulator: {type(exc).__name__}: {exc}")
        self.clusters = []

    def fingerprint(self) -> dict:
        """The simulator's own state, minus the canary's exclusive queues."""
        out = {}
        for name, cluster in self.clusters:
            m = cluster.model
            with m.lock:
                queues = {f"{q.vhost}/{q.name}": (q.type, q.node, tuple(q.slaves), tuple(q.synced),
                                                   tuple(q.members), q.leader, q.messages, q.unacked,
                                                   q.consumers)
                          for q in m.queues.values() if not q.exclusive}
                nodes = {n: (s.running, s.mem_alarm, s.disk_alarm, tuple(sorted(m.partitions[n])))
                         for n, s in m.nodes.items()}
                out[name] = {"queues": queues, "nodes": nodes, "isolated": sorted(m.isolated),
                             "policies": len(m.policies)}
        return out

    @staticmethod
    def drift(before: dict, after: dict) -> list[str]:
        changes = []
        for name in before:
            b, a = before[name], after.get(name, {})
            for part in ("queues", "nodes"):
                keys = set(b[part]) | set(a.get(part, {}))
                diff = [k for k in sorted(keys) if b[part].get(k) != a.get(part, {}).get(k)]
                if diff:
                    changes.append(f"{name}: {len(diff)} {part} changed (e.g. {diff[0]})")
            for part in ("isolated", "policies"):
                if b[part] != a.get(part):
                    changes.append(f"{name}: {part} changed")
        return changes

    def describe(self) -> str:
        nodes = "+".join(str(n) for n in self.sizes)
        return f"{len(self.sizes)} targets ({nodes} nodes), {self.queues} extra queues"


# --- the console on a pty ------------------------------------------------------------------------
class PtyConsole:
    """The console as a child process on a pseudo-terminal; every chunk read is timestamped."""

    def __init__(self, argv: list[str], cols: int, rows: int, answer_sync: bool,
                 extra_env: dict[str, str] | None = None):
        self.argv, self.cols, self.rows, self.answer_sync = argv, cols, rows, answer_sync
        self.extra_env = extra_env or {}
        self.chunks: list[tuple[float, bytes]] = []
        self.proc: subprocess.Popen | None = None
        self.master: int | None = None
        self.eof = False
        self.screen = self.stream = None
        if pyte is not None:
            self.screen = pyte.Screen(cols, rows)
            self.stream = pyte.ByteStream(self.screen)
        self._tail = b""
        self._fed = 0

    def start(self) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
        os.set_blocking(master, False)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TEXTUAL", "TERM_PROGRAM")) and k not in ("NO_COLOR", "FORCE_COLOR")}
        env.update(TERM="xterm-256color", COLORTERM="truecolor", COLUMNS=str(self.cols), LINES=str(self.rows))
        env.update(self.extra_env)
        # Its own session with the pty as controlling terminal, as under sshd: SIGWINCH and SIGHUP
        # (when the master closes, e.g. if this script dies) reach it; `setsid -c` does the
        # TIOCSCTTY that Popen cannot (Popen's child is no group leader, so setsid does not fork).
        setsid = shutil.which("setsid")
        argv = [setsid, "-c", *self.argv] if setsid else self.argv
        try:
            self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                                         start_new_session=setsid is None, close_fds=True)
        finally:
            os.close(slave)
        self.master = master

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pump(self, until: float, stop=None) -> bool:  # noqa: ANN001
        """Read until the monotonic time ``until`` (or ``stop()`` is true); False on EOF."""
        while True:
            now = time.monotonic()
            if stop is not None and stop():
                return True
            if now >= until or self.eof:
                return not self.eof
            r, _, _ = select.select([self.master], [], [], min(0.05, until - now))
            if not r:
                continue
            while True:
                try:
                    data = os.read(self.master, 65536)
                except BlockingIOError:
                    break
                except OSError:  # EIO: the child closed the terminal
                    self.eof = True
                    break
                if not data:
                    self.eof = True
                    break
                self._got(time.monotonic(), data)

    def _got(self, t: float, data: bytes) -> None:
        self.chunks.append((t, data))  # the screen is fed lazily (text()), so reads stay prompt
        if self.answer_sync:
            probe = self._tail + data
            if b"\x1b[?2026$p" in probe:
                self.write(b"\x1b[?2026;2$y")
            self._tail = probe[-16:]

    def write(self, data: bytes) -> None:
        if self.master is None or self.eof:
            return
        deadline = time.monotonic() + 2.0
        while data and time.monotonic() < deadline:
            try:
                data = data[os.write(self.master, data):]
            except BlockingIOError:
                self.pump(time.monotonic() + 0.01)  # keep draining so the child is never stuck

    def press(self, key: str) -> None:
        self.write(KEYS.get(key, key.encode()))

    def text(self) -> list[str]:
        if self.screen is None:
            return []
        for _, data in self.chunks[self._fed:]:
            self.stream.feed(data)
        self._fed = len(self.chunks)
        return list(self.screen.display)

    def wait_for(self, predicate, timeout: float) -> bool:  # noqa: ANN001
        self.pump(time.monotonic() + timeout, stop=predicate)
        return bool(predicate())

    def stop(self) -> int | None:
        """q (escape, q), then SIGTERM, then SIGKILL; the pty is drained throughout."""
        if self.proc is None:
            return None
        steps = [(lambda: self.press("q"), 3.0), (lambda: self._keys("escape", "escape", "q"), 2.0),
                 (lambda: self._signal(signal.SIGTERM), 2.0), (lambda: self._signal(signal.SIGKILL), 2.0)]
        for action, wait in steps:
            if not self.alive:
                break
            action()
            self.pump(time.monotonic() + wait, stop=lambda: not self.alive)
        try:
            rc = self.proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            rc = None
        if self.master is not None:
            os.close(self.master)
            self.master = None
        return rc

    def _keys(self, *keys: str) -> None:
        for key in keys:  # apart, or the terminal parser reads ESC q as alt+q
            self.press(key)
            self.pump(time.monotonic() + 0.3, stop=lambda: not self.alive)

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)  # its own session: only the console and its children
        except ProcessLookupError:
            pass


# --- analysis ------------------------------------------------------------------------------------
TOKEN = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[P^_][^\x1b]*\x1b\\"
                   rb"|\x1b[ -/]*[0-~]|[\x00-\x1a\x1c-\x1f\x7f]|[^\x00-\x1f\x7f]+")
INCOMPLETE = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[P^_][^\x1b]*|[ -/]*)?\Z")


class Tokeniser:
    """Charges every byte of the stream to a screen row and a kind, tracking the cursor."""

    def __init__(self, rows: int):
        self.rows = rows
        self.row = self.col = 0
        self.rest = b""

    def feed(self, data: bytes):
        """Yields (row, kind, nbytes, col, text) per token; kind: text|sgr|move|crlf|sync|other."""
        data = self.rest + data
        m = INCOMPLETE.search(data)  # an escape sequence cut at the end waits for the next frame
        end = m.start() if m else len(data)
        self.rest = data[end:]
        for t in TOKEN.finditer(data, 0, end):
            tok = t.group()
            if tok[:1] != b"\x1b" and tok[0] >= 0x20 and tok[0] != 0x7f:
                text = tok.decode("utf-8", "replace")
                yield self.row, "text", len(tok), self.col, text
                self.col += len(text)
            elif tok in (b"\r", b"\n"):
                yield self.row, "crlf", 1, self.col, ""
                if tok == b"\n":
                    self.row = min(self.row + 1, self.rows - 1)
                else:
                    self.col = 0
            elif tok.startswith(b"\x1b[") and tok.endswith(b"m"):
                yield self.row, "sgr", len(tok), self.col, ""
            elif tok.startswith(b"\x1b[") and tok[-1:] in b"HfABCDG" and b"?" not in tok:
                args = [int(a) if a else 0 for a in tok[2:-1].split(b";")] if len(tok) > 3 else []
                final = tok[-1:]
                if final in b"Hf":
                    self.row = max(1, args[0] if args else 1) - 1
                    self.col = max(1, args[1] if len(args) > 1 else 1) - 1
                else:
                    n = max(1, args[0] if args else 1)
                    if final == b"A":
                        self.row = max(0, self.row - n)
                    elif final == b"B":
                        self.row = min(self.rows - 1, self.row + n)
                    elif final == b"C":
                        self.col += n
                    elif final == b"D":
                        self.col = max(0, self.col - n)
                    elif final == b"G":
                        self.col = n - 1
                yield self.row, "move", len(tok), self.col, ""
            elif tok in (b"\x1b[?2026h", b"\x1b[?2026l"):
                yield self.row, "sync", len(tok), self.col, ""
            else:
                yield self.row, "other", len(tok), self.col, ""


def frames_of(chunks: list[tuple[float, bytes]]) -> list[tuple[float, float, list[bytes]]]:
    """Bursts of reads less than FRAME_GAP apart: (first t, last t, [data...])."""
    frames: list[tuple[float, float, list[bytes]]] = []
    for t, data in chunks:
        if frames and t - frames[-1][1] < FRAME_GAP:
            first, _, parts = frames[-1]
            parts.append(data)
            frames[-1] = (first, t, parts)
        else:
            frames.append((t, t, [data]))
    return frames


def _row_cells(screen, y: int) -> tuple:  # noqa: ANN001
    line = screen.buffer[y]
    return tuple(line[x] for x in range(screen.columns))


def analyse(chunks: list[tuple[float, bytes]], t0: float, t1: float, cols: int, rows: int,
            decode: int) -> dict:
    """Per-row and per-kind breakdown of the bytes in [t0, t1), with pyte's view of what changed."""
    tok = Tokeniser(rows)
    screen = stream = None
    if pyte is not None:
        screen = pyte.Screen(cols, rows)
        stream = pyte.ByteStream(screen)
    kinds: dict[str, int] = {}
    sgr_count = 0
    row_bytes = [0] * rows
    row_written = [0] * rows
    row_changed = [0] * rows
    cells_written = cells_changed = 0
    redundant = 0
    full_frames = frames_n = empty_frames = 0
    decoded: list[dict] = []
    for first, _, parts in frames_of(chunks):
        data = b"".join(parts)
        inside = t0 <= first < t1
        before = [_row_cells(screen, y) for y in range(rows)] if (inside and screen is not None) else None
        per_row: dict[int, dict] = {}
        for row, kind, n, col, text in tok.feed(data):
            if not inside:
                continue
            kinds[kind] = kinds.get(kind, 0) + n
            sgr_count += kind == "sgr"
            r = per_row.setdefault(row, {"bytes": 0, "cells": 0, "c0": None, "c1": None, "text": []})
            r["bytes"] += n
            if kind == "text":
                r["cells"] += len(text)
                r["c0"] = col if r["c0"] is None else min(r["c0"], col)
                r["c1"] = max(r["c1"] or 0, col + len(text))
                r["text"].append((col, text))
        if stream is not None:
            stream.feed(data)
        if not inside:
            continue
        frames_n += 1
        changed_rows: dict[int, int] = {}
        if before is not None:
            for y in range(rows):
                after = _row_cells(screen, y)
                if after != before[y]:
                    changed_rows[y] = sum(1 for a, b in zip(after, before[y]) if a != b)
        written = [y for y, r in per_row.items() if r["cells"]]
        if len(written) >= 0.9 * rows:
            full_frames += 1
        if before is not None and not changed_rows:
            empty_frames += 1
        for y, r in per_row.items():
            row_bytes[y] += r["bytes"]
            cells_written += r["cells"]
            if r["cells"]:
                row_written[y] += 1
            if before is not None and y not in changed_rows:
                redundant += r["bytes"]
        for y, n in changed_rows.items():
            row_changed[y] += 1
            cells_changed += n
        if len(decoded) < decode:
            decoded.append({
                "t": round(first - t0, 3), "bytes": len(data), "head": repr(data[:48])[1:],
                "rows": [{"row": y, "cols": [r["c0"], r["c1"]], "bytes": r["bytes"],
                          "changed_cells": changed_rows.get(y, 0) if before is not None else None,
                          "text": "".join(_place(r["text"]))}
                         for y, r in sorted(per_row.items()) if r["bytes"]]})
    seconds = max(t1 - t0, 1e-9)
    return {
        "pyte": screen is not None,
        "frames": frames_n, "full_frames": full_frames,
        "frames_changing_nothing": empty_frames if screen is not None else None,
        "bytes_by_kind": kinds, "sgr_sequences": sgr_count,
        "cells_written_per_s": round(cells_written / seconds, 1),
        "cells_changed_per_s": round(cells_changed / seconds, 1) if screen is not None else None,
        "redundant_bytes_pct": (round(100 * redundant / max(1, sum(kinds.values())), 1)
                                if screen is not None else None),
        "rows": [{"row": y, "bytes_per_s": round(row_bytes[y] / seconds, 1), "frames_written": row_written[y],
                  "frames_changed": row_changed[y] if screen is not None else None}
                 for y in range(rows)],
        "decoded": decoded,
    }


def _place(pieces: list[tuple[int, str]]) -> list[str]:
    """Text pieces written to one row, joined; a gap in columns is shown as '…'."""
    out, at = [], None
    for col, text in sorted(pieces, key=lambda p: p[0]):
        if at is not None and col > at:
            out.append("…")
        out.append(text)
        at = col + len(text)
    return out


# --- one case ------------------------------------------------------------------------------------
@dataclass
class Case:
    screen: str
    cols: int
    rows: int
    keys: list[str] = field(default_factory=list)
    expect: str | None = None

    @property
    def label(self) -> str:
        return f"{self.screen}@{self.cols}x{self.rows}"


def bucket_stats(chunks, t0: float, seconds: float) -> dict:  # noqa: ANN001
    n = max(1, int(round(seconds)))
    buckets = [0] * n
    reads = 0
    for t, data in chunks:
        if t0 <= t < t0 + seconds:
            buckets[min(n - 1, int(t - t0))] += len(data)
            reads += 1
    total = sum(buckets)
    ordered = sorted(buckets)
    hist = []
    for lo, hi in zip(HIST_EDGES, HIST_EDGES[1:] + (None,)):
        count = sum(1 for b in buckets if b >= lo and (hi is None or b < hi))
        if count:
            hist.append({"from": lo, "to": hi, "seconds": count})
    return {"bytes": total, "bytes_per_s": round(total / seconds, 1), "reads": reads,
            "p50_1s": statistics.median(buckets), "p90_1s": ordered[min(n - 1, int(0.9 * n))],
            "max_1s": max(buckets), "min_1s": min(buckets), "buckets": buckets, "histogram": hist}


def console_argv(inventory: Path, shim: Path | None) -> tuple[list[str], dict[str, str]]:
    """The console command: the installed `.venv/bin/msgops`, or with --rev the exported revision."""
    if shim is None:
        exe = ROOT / ".venv" / "bin" / "msgops"
        return [str(exe) if exe.exists() else "msgops", "--inventory", str(inventory)], {}
    python = ROOT / ".venv" / "bin" / "python"
    return ([str(python if python.exists() else sys.executable), "-m", "msgops.console.cli",
             "--inventory", str(inventory)], {"PYTHONPATH": str(shim)})


def export_rev(rev: str, directory: Path) -> Path:
    """`git archive REV` into directory/src and a directory/shim/msgops/<pkg> -> src/<dir> symlink per
    layer (pyproject's package-dir, or each top-level package folder), so `PYTHONPATH=shim` imports
    msgops from that revision ahead of the editable install (which maps msgops.* onto the working tree)."""
    import io
    import tarfile
    import tomllib

    out = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev], capture_output=True, timeout=60)
    if out.returncode:
        raise SystemExit(f"idle_bytes: git archive {rev}: {out.stderr.decode(errors='replace').strip()}")
    src, shim = directory / "src", directory / "shim" / "msgops"
    src.mkdir(parents=True)
    shim.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        tar.extractall(src, filter="data")
    setuptools_cfg = tomllib.loads((src / "pyproject.toml").read_text()).get("tool", {}).get("setuptools", {})
    mapping = setuptools_cfg.get("package-dir") or {  # later revisions: setup.py maps every layer folder
        f"msgops.{d.name}": d.name for d in sorted(src.iterdir())
        if (d / "__init__.py").is_file() and d.name not in ("tests", "bench", "build", "scripts")}
    for package, folder in mapping.items():
        if package.count(".") == 1 and package.startswith("msgops."):
            (shim / package.split(".", 1)[1]).symlink_to(src / folder)
    return shim.parent


def run_case(case: Case, args, inventory: Path, targets: list[str], shim: Path | None) -> dict:  # noqa: ANN001
    argv, extra_env = console_argv(inventory, shim)
    con = PtyConsole(argv, case.cols, case.rows, args.answer_sync, extra_env)
    result: dict = {"case": case.label, "screen": case.screen, "cols": case.cols, "rows": case.rows,
                    "keys": case.keys, "notes": []}
    try:
        con.start()
        started = time.monotonic()
        if con.screen is not None:
            def ready() -> bool:
                text = "\n".join(con.text())  # names may be cut to the column's width
                return (all(t[:6] in text for t in targets) and "first poll" not in text
                        and "waiting" not in text)
            if not con.wait_for(ready, args.ready_timeout) and con.alive:
                result["notes"].append(f"first poll not seen on screen within {args.ready_timeout:g}s")
        else:
            con.pump(started + args.ready_seconds)
        if not con.alive:
            raise RuntimeError("console exited during start-up")
        result["ready_s"] = round(time.monotonic() - started, 2)
        for key in case.keys:
            con.press(key)
            con.pump(time.monotonic() + args.key_gap)
        if case.expect and con.screen is not None:
            if not con.wait_for(lambda: re.search(case.expect, "\n".join(con.text())) is not None, 10.0):
                result["notes"].append(f"screen not confirmed: /{case.expect}/ not on screen after 10s")
        con.pump(time.monotonic() + args.settle)
        if not con.alive:
            raise RuntimeError("console exited while settling")
        t0 = time.monotonic()
        con.pump(t0 + args.measure)
        t1 = time.monotonic()
        result["window_s"] = round(t1 - t0, 2)
        result["idle"] = bucket_stats(con.chunks, t0, t1 - t0)
        result["screen_text"] = con.text()
        if args.keys_every > 0 and args.interact > 0 and con.alive:
            presses = 0
            i0 = time.monotonic()
            end = i0 + args.interact
            while time.monotonic() < end:
                con.press("down" if presses % 2 == 0 else "up")
                presses += 1
                con.pump(min(end, time.monotonic() + args.keys_every))
            i1 = time.monotonic()
            inter = bucket_stats(con.chunks, i0, i1 - i0)
            extra = (inter["bytes_per_s"] - result["idle"]["bytes_per_s"]) * (i1 - i0) / max(1, presses)
            result["interact"] = {"seconds": round(i1 - i0, 2), "presses": presses, "every_s": args.keys_every,
                                  "bytes_per_s": inter["bytes_per_s"], "max_1s": inter["max_1s"],
                                  "extra_bytes_per_press": round(extra, 1)}
        result["analysis"] = analyse(con.chunks, t0, t1, case.cols, case.rows, args.decode)
        result["verdict"] = "PASS" if result["idle"]["bytes_per_s"] <= TARGET_BPS else "MISS"
    except RuntimeError as exc:
        result["error"] = str(exc)
        result["screen_text"] = con.text()
        tail = b"".join(d for _, d in con.chunks[-20:])[-600:]
        result["output_tail"] = tail.decode("utf-8", "replace")
    finally:
        rc = con.stop()
        result["exit"] = rc
        if rc not in (0, None) and "error" not in result:
            result["notes"].append(f"console exit status {rc} after q")
    return result


# --- output --------------------------------------------------------------------------------------
def _fmt_hist(hist: list[dict]) -> str:
    return "  ".join(f"[{h['from']}-{h['to'] if h['to'] is not None else ''}): {h['seconds']}s" for h in hist)


def _row_runs(rows: list[dict], text: list[str]) -> list[dict]:
    """Consecutive rows with the same written/changed frame counts, collapsed."""
    runs: list[dict] = []
    for r in rows:
        if not r["bytes_per_s"]:
            continue
        key = (r["frames_written"], r["frames_changed"])
        if runs and runs[-1]["key"] == key and runs[-1]["last"] == r["row"] - 1:
            run = runs[-1]
            run["last"] = r["row"]
            run["bytes_per_s"] += r["bytes_per_s"]
        else:
            runs.append({"key": key, "first": r["row"], "last": r["row"], "bytes_per_s": r["bytes_per_s"],
                         "frames_written": r["frames_written"], "frames_changed": r["frames_changed"]})
    for run in runs:
        run["text"] = text[run["first"]].rstrip() if run["first"] < len(text) else ""
        del run["key"]
    return runs


def _decoded_runs(rows: list[dict]) -> list[dict]:
    """Consecutive decoded rows alike (same text, columns, changed cells, bytes within 2), collapsed."""
    runs: list[dict] = []
    for r in rows:
        last = runs[-1] if runs else None
        if (last and last["last"] == r["row"] - 1 and last["text"] == r["text"] and last["cols"] == r["cols"]
                and last["changed_cells"] == r["changed_cells"] and abs(last["bytes"] - r["bytes"]) <= 2):
            last["last"] = r["row"]
        else:
            runs.append(dict(r, last=r["row"]))
    return runs


def print_report(report: dict, args) -> None:  # noqa: ANN001
    p = print
    p(f"msgops idle terminal bandwidth — {report['date']}, console {', '.join(report['consoles'])}; "
      f"{report['estate']}")
    p(f"settle {args.settle:g} s, window {args.measure:g} s, TERM=xterm-256color COLORTERM=truecolor, "
      f"sync answered: {'yes' if args.answer_sync else 'no'}, pyte: {'yes' if pyte else 'no'}; "
      f"simulator held still: {report['sim_steady']}")
    p("")
    multi = len(report["consoles"]) > 1
    name = (lambda r: f"{r['case']} {r['console']}") if multi else (lambda r: r["case"])
    width = max([18] + [len(name(r)) for r in report["cases"]])
    head = f"{'case':<{width}} {'B/s':>8} {'p50 1s':>7} {'p90 1s':>7} {'max 1s':>7} {'reads':>6} {'frames':>6} " \
           f"{'full':>5} {'B/frame':>8} {'redund.':>7}  target <= {TARGET_BPS:.0f} B/s"
    p(head)
    p("-" * len(head))
    for r in report["cases"]:
        if "idle" not in r:
            p(f"{name(r):<{width}} ERROR: {r.get('error')}")
            continue
        i, a = r["idle"], r["analysis"]
        per_frame = i["bytes"] / a["frames"] if a["frames"] else 0
        red = f"{a['redundant_bytes_pct']:.0f}%" if a["redundant_bytes_pct"] is not None else "-"
        p(f"{name(r):<{width}} {i['bytes_per_s']:>8.0f} {i['p50_1s']:>7.0f} {i['p90_1s']:>7} {i['max_1s']:>7} "
          f"{i['reads']:>6} {a['frames']:>6} {a['full_frames']:>5} {per_frame:>8.0f} {red:>7}  {r['verdict']}")
    if multi:
        first = report["consoles"][0]
        p("")
        p(f"ratio of idle B/s to console {first} (same run):")
        base = {r["case"]: r for r in report["cases"] if r["console"] == first and "idle" in r}
        for r in report["cases"]:
            b = base.get(r["case"])
            if r["console"] == first or b is None or "idle" not in r:
                continue
            den = b["idle"]["bytes_per_s"]
            ratio = r["idle"]["bytes_per_s"] / den if den else float("nan")
            p(f"   {r['case']:<18} {r['console']}: {r['idle']['bytes_per_s']:.0f} / {b['idle']['bytes_per_s']:.0f}"
              f" = {ratio:.3f}")
    for r in report["cases"]:
        p("")
        p(f"== {name(r)} (keys: {', '.join(r['keys']) or 'none'}; exit {r.get('exit')})")
        for note in r["notes"]:
            p(f"   note: {note}")
        if "idle" not in r:
            p(f"   error: {r.get('error')}")
            p("   last output: " + repr(r.get("output_tail", ""))[:400])
            continue
        i, a = r["idle"], r["analysis"]
        p(f"   1-s buckets (bytes): {_fmt_hist(i['histogram'])}")
        if args.series:
            p(f"   series: {i['buckets']}")
        kinds = a["bytes_by_kind"]
        total = max(1, sum(kinds.values()))
        by_kind = sorted(kinds.items(), key=lambda kv: -kv[1])
        p("   bytes by kind: " + ", ".join(f"{k} {v / total:.0%}" for k, v in by_kind)
          + f"; {a['sgr_sequences'] / max(1, r['window_s']):.0f} SGR sequences/s")
        if a["pyte"]:
            p(f"   cells written {a['cells_written_per_s']:.0f}/s, changed {a['cells_changed_per_s']:.0f}/s; "
              f"frames changing nothing {a['frames_changing_nothing']}/{a['frames']}; "
              f"bytes on rows that did not change {a['redundant_bytes_pct']:.0f}%")
        if "interact" in r:
            k = r["interact"]
            p(f"   interaction: down/up every {k['every_s']:g} s for {k['seconds']:g} s ({k['presses']} presses): "
              f"{k['bytes_per_s']:.0f} B/s, max 1s {k['max_1s']}, "
              f"extra {k['extra_bytes_per_press']:.0f} B per press")
        p(f"   rows written in the window ({a['frames']} frames; "
          "'changed' = frames in which a cell of the row changed):")
        p(f"   {'rows':>7} {'B/s':>7} {'written':>7} {'changed':>7}  text now")
        for run in _row_runs(a["rows"], r["screen_text"]):
            rows = f"{run['first']}" if run["first"] == run["last"] else f"{run['first']}-{run['last']}"
            changed = "-" if run["frames_changed"] is None else run["frames_changed"]
            p(f"   {rows:>7} {run['bytes_per_s']:>7.0f} {run['frames_written']:>7} {changed:>7}  "
              f"{run['text'][:56]}")
        for f in a["decoded"]:
            p(f"   frame at +{f['t']:.3f} s, {f['bytes']} B, starts {f['head']}")
            for row in _decoded_runs(f["rows"]):
                ch = "" if row["changed_cells"] is None else f", {row['changed_cells']} cells changed"
                rows = f"{row['row']:>2}" if row["row"] == row["last"] else f"{row['row']}-{row['last']}"
                each = " each" if row["row"] != row["last"] else ""
                cols = "-" if row["cols"][0] is None else f"{row['cols'][0]}-{row['cols'][1]}"
                p(f"     row {rows:>5} cols {cols:>6} {row['bytes']:>5} B{each}{ch}: "
                  f"{row['text'].rstrip()[:52]!r}")
        if r.get("screen_text") and not args.no_screen_text:
            w = r["cols"]
            p(f"   final screen ({r['cols']}x{r['rows']}, pyte):")
            p("   +" + "-" * w + "+")
            for line in r["screen_text"]:
                p("   |" + line + "|")
            p("   +" + "-" * w + "+")


# --- main ----------------------------------------------------------------------------------------
def parse_size(s: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)x(\d+)", s.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"size {s!r}: expected COLSxROWS, e.g. 80x24")
    return int(m.group(1)), int(m.group(2))


def build_cases(args) -> list[Case]:  # noqa: ANN001
    specs = list(BASELINE) if args.baseline else []
    for spec in args.case or []:
        specs += [s for s in spec.split(",") if s]
    if not specs:
        specs = [f"{s}@{z}" for s in args.screen.split(",") if s for z in args.size.split(",") if z]
    cases = []
    for spec in specs:
        screen, _, size = spec.partition("@")
        cols, rows = parse_size(size or "80x24")
        if args.keys is not None:
            keys, expect = [k for k in args.keys.split(",") if k], None
        elif screen in SCREENS:
            keys, expect = SCREENS[screen].keys, SCREENS[screen].expect
        else:
            raise SystemExit(f"idle_bytes: unknown screen {screen!r} (one of {', '.join(SCREENS)}, or --keys)")
        cases.append(Case(screen, cols, rows, list(keys), expect))
    return cases


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def _resolve(rev: str) -> str:
    """REV as a short commit hash, fixed at the start (HEAD may move while the bench runs)."""
    out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=7", "--verify", f"{rev}^{{commit}}"],
                         capture_output=True, text=True, timeout=10)
    if out.returncode:
        raise SystemExit(f"idle_bytes: --rev {rev}: not a commit here")
    return out.stdout.strip()


def _interrupt(signum, frame) -> None:  # noqa: ANN001
    """First Ctrl-C (or SIGTERM): stop measuring; further ones are ignored while cleaning up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--screen", default="overview", help=f"comma list of {', '.join(SCREENS)}")
    ap.add_argument("--size", default="80x24", help="comma list of COLSxROWS (default 80x24)")
    ap.add_argument("--case", action="append", help="SCREEN@COLSxROWS (repeatable, comma lists too)")
    ap.add_argument("--baseline", action="store_true", help=f"the README baseline: {', '.join(BASELINE)}")
    ap.add_argument("--keys", help="comma list of keys to send instead of the preset's (enter, down, f, ...)")
    ap.add_argument("--rev", help="comma list of git revisions: measure the console of each (exported to a "
                    "temporary directory) instead of the working tree, e.g. 24e402b,HEAD")
    ap.add_argument("--clusters", default="3,1", help="node count of each simulated target (default 3,1)")
    ap.add_argument("--queues", type=int, default=0, help="extra scale queues on the first target")
    ap.add_argument("--poll-interval", type=float)
    ap.add_argument("--queue-interval", type=float)
    ap.add_argument("--canary-interval", type=float)
    ap.add_argument("--settle", type=float, default=15.0, help="seconds after the screen is up (default 15)")
    ap.add_argument("--measure", type=float, default=60.0, help="measuring window seconds (default 60)")
    ap.add_argument("--keys-every", type=float, default=0.0, help="interaction phase: down/up every N s")
    ap.add_argument("--interact", type=float, default=30.0, help="interaction phase seconds (default 30)")
    ap.add_argument("--ready-timeout", type=float, default=30.0)
    ap.add_argument("--ready-seconds", type=float, default=5.0, help="without pyte: fixed wait for the first poll")
    ap.add_argument("--key-gap", type=float, default=1.0, help="seconds between preset keys")
    ap.add_argument("--answer-sync", action="store_true", help="answer the synchronized-output query (mode 2026)")
    ap.add_argument("--decode", type=int, default=0, help="print the first N frames of the window row by row")
    ap.add_argument("--series", action="store_true", help="print every 1-s bucket")
    ap.add_argument("--no-screen-text", action="store_true")
    ap.add_argument("--json", action="store_true", help="one JSON line on stdout instead of the table")
    args = ap.parse_args(argv)
    try:
        sizes = [int(n) for n in args.clusters.split(",") if n]
        assert sizes and all(n >= 1 for n in sizes)
    except (ValueError, AssertionError):
        ap.error("--clusters: comma list of node counts >= 1, e.g. 3,1")
    cases = build_cases(args)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)

    estate: Estate | None = None
    tmp = tempfile.TemporaryDirectory(prefix="msgops-idle-")
    interrupted = False
    report: dict = {}
    try:
        intervals = {"poll_interval": args.poll_interval, "queue_interval": args.queue_interval,
                     "canary_interval": args.canary_interval}
        consoles: list[tuple[str, Path | None]] = []  # (label, shim): one per --rev, or the working tree
        for rev in [r for r in (args.rev or "").split(",") if r]:
            commit = _resolve(rev)
            shim = export_rev(commit, Path(tmp.name) / f"rev-{commit}")
            consoles.append((commit, shim))
            log(f"console {rev} = {commit}, exported to {shim.parent}")
        if consoles:
            sys.path.insert(0, str(consoles[0][1]))  # the simulator from the first revision
        else:
            consoles.append((_commit() + " (working tree)", None))
        estate = Estate(sizes, args.queues, Path(tmp.name), intervals).start()
        targets = [name for name, _ in estate.clusters]
        log(f"estate up: {estate.describe()}; simulator from {consoles[0][0]}; inventory {estate.path}")
        before = estate.fingerprint()
        results: list[dict] = []
        drift: list[str] = []
        for case in cases:  # revisions interleaved case by case, so drift on the machine hits all alike
            for label, shim in consoles:
                log(f"case {case.label} [{label}]: keys {case.keys or 'none'}, settle {args.settle:g} s, "
                    f"window {args.measure:g} s")
                r = run_case(case, args, estate.path, targets, shim)
                r["console"] = label
                if "idle" in r:
                    i = r["idle"]
                    log(f"case {case.label} [{label}]: {i['bytes_per_s']:.0f} B/s (max 1s {i['max_1s']})")
                else:
                    log(f"case {case.label} [{label}]: {r.get('error')}")
                results.append(r)
                drift = Estate.drift(before, estate.fingerprint())  # after every case, not only at the end
                if drift:
                    break
            if drift:
                log("the simulator's state changed on its own: " + "; ".join(drift))
                break
        report = {"date": datetime.date.today().isoformat(), "consoles": [c for c, _ in consoles],
                  "estate": estate.describe(), "settle_s": args.settle, "measure_s": args.measure,
                  "answer_sync": args.answer_sync, "pyte": pyte is not None, "target_bytes_per_s": TARGET_BPS,
                  "sim_steady": "yes" if not drift else "NO: " + "; ".join(drift), "cases": results}
    except KeyboardInterrupt:
        interrupted = True
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not break the clean-up
        if estate is not None:
            estate.stop()
        tmp.cleanup()
    if interrupted:
        print("idle_bytes: interrupted; console and simulators stopped", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(report, separators=(",", ":")))
    else:
        print_report(report, args)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C before main's own handler is in place
        print("idle_bytes: interrupted", file=sys.stderr)
        sys.exit(130)

"""Benchmark: what msgops's RabbitMQ polling costs, on the real 3-node lab with 10,000 queues.

Run (root, Debian's rabbitmq-server installed; ~25 min at the defaults on the 2-core lab machine,
most of it the spacing between cold 10k-queue listings):

    .venv/bin/python bench/rabbitmq_poll.py [--quick] [--lab-dir .lab/bench] [--queues 10000]
        [--mirrored 1000] [--quorum 100] [--reps 5] [--phase-seconds 60] [--keep] [--json]

The lab (`msgops.lab.RabbitLab` with its defaults: AMQP 5701-5703, management 15701-15703 on
127.0.0.1, netns prefix "msgops", net 10.231) is brought up in --lab-dir unless one is already
running there, and taken down at the end only if this script started it (--keep keeps it). It is
topped up to --queues queues with `msgops.lab.rabbitmq.seed.declare_queues`: --quorum quorum queues,
--mirrored classic queues mirrored by the lab's `ha-all` policy, the rest classic and unmirrored;
the lab's own 15 seeded queues (mirrored and quorum) count towards the total. Queues declared in a
lab this script did not start stay there, so the next run reuses them. --quick: 1,000 queues,
15-s phases, 3 repetitions (a smoke run). Progress goes to stderr; the table (or with --json one
JSON document) to stdout. Exit status 0 whether or not the targets are met.

Figures (medians over --reps repetitions, interleaved so drift hits all alike):

- *probe cycle*: wall seconds of one `RabbitProbe(target).poll(full=True)` on the inventory's
  target (overview + nodes of each API, then queue list, policies, health checks and the AMQP
  canary), including parsing the 10k-queue list.
- *bare HTTP*: the very requests that probe cycle sent (same URLs and params, caught by an httpx
  request hook) replayed with a plain `httpx.AsyncClient` in the same two concurrent stages, bodies
  read but not decoded. Target: probe / bare <= 1.3.
- *rabbitmqctl pair*: `rabbitmqctl cluster_status` then `rabbitmqctl list_queues name messages` on
  node 1 (`RabbitLab.rabbitmqctl`, the real CLI with its ~0.4 s start-up), wall seconds.
- *status --json*: a cold `python -m msgops.console.cli --inventory INV status --json` subprocess
  (queues listed without statistics, as status/check do; `--stats` measured too, with counts),
  wall seconds (start-up, imports, one full poll, JSON out). Target: no slower than the pair.
  Its *peak RSS* is the child's own VmHWM (/proc/self/status, read by an atexit hook in the child):
  ru_maxrss from wait4 would count the RSS a child forked from this large bench process inherits
  (Linux keeps the forked mm's high-water mark across exec), not the command's own. Target: <= 150 MB.
- *broker CPU-s/min*: utime+stime of the three beam.smp processes (/proc/PID/stat), summed, per
  minute of wall time, in phases of --phase-seconds: *idle*; *ui* = the 3.10 web UI's queues page
  (overview, nodes, one page of 100 queues, vhosts every 5 s, node 1); *console* = msgops's own
  `Poller` driven the way `MsgopsApp` drives it (a poll every `poll_interval`, skipped while one is
  in flight; inventory defaults, so the probe's own cadence decides when the queue list, health
  checks and canary are due), warmed by its start-up poll and measured over --console-seconds
  (default 420 s, so that one listing stretched to 40x its ~9 s falls inside); *naive* = overview + nodes + the full `columns=` queue list every 2 s.
  "over idle" subtracts the idle phase. Target: console / ui <= 1.0 (the console costs the broker no
  more than an open queues page); the ratio of the deltas over idle is printed too.

The management plugin caches a gathered queue list for ~5x the time gathering took: listings are
kept at least max(5 s, 6x the last listing) apart, and phases are separated by --settle-seconds, so
every listing measured is a cold one, as at the console's cadence. Every request goes to the lab's
127.0.0.1 forwarders only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

import httpx

from msgops.console.config import load_inventory
from msgops.lab.rabbitmq import RabbitLab
from msgops.lab.rabbitmq.seed import declare_queues
from msgops.probes.poller import Poller, make_probe
from msgops.probes.rabbitmq.collect import RabbitProbe
from msgops.probes.rabbitmq.parse import QUEUE_COLUMNS

REPO = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGETS = {"probe_over_bare": 1.3, "status_over_ctl": 1.0, "status_stats_over_ctl": 1.0, "status_rss_mb": 150.0,
           "console_over_ui": 1.0}
UI_PATHS = ("/api/overview", "/api/nodes",
            "/api/queues?page=1&page_size=100&name=&use_regex=false&pagination=true", "/api/vhosts")
UI_INTERVAL = 5.0
NAIVE_PATHS = ("/api/overview", "/api/nodes", "/api/queues?columns=" + QUEUE_COLUMNS)
NAIVE_INTERVAL = 2.0
BULK_PREFIXES = {"bench-qq": "quorum", "bench-ha": "mirrored", "bench": "classic"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# -- the lab ---------------------------------------------------------------------------------------
def ensure_lab(lab_dir: Path) -> tuple[RabbitLab, bool]:
    """The lab in lab_dir, started if none runs there; True when this call started it."""
    lab = RabbitLab(lab_dir)
    if lab.is_up():
        log(f"using the lab already running in {lab.base}")
        return lab, False
    log(f"starting the lab in {lab.base} (~30 s)")
    lab.up(log=log)
    return lab, True


def beam_pids(lab: RabbitLab) -> list[int]:
    pids = [n["beam_pid"] for n in lab.status()["nodes"] if n["running"]]
    for pid in pids:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        if comm != "beam.smp":
            raise SystemExit(f"lab pid {pid} is {comm!r}, not beam.smp: cannot account broker CPU")
    return pids


def other_beams(ours: list[int]) -> list[int]:
    """beam.smp processes on this host that are not our lab (e.g. the test suite's lab): noise."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in ours:
            try:
                if (entry / "comm").read_text().strip() == "beam.smp":
                    found.append(int(entry.name))
            except OSError:
                continue
    return sorted(found)


def broker_cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the beam processes, seconds (fields 14 and 15 of /proc/PID/stat)."""
    total = 0
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rfind(")") + 2:].split()  # fields[0] is field 3 (state)
        total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def host_cpu_seconds() -> float:
    """Busy CPU seconds of the whole host so far (/proc/stat: all but idle and iowait)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def stats_interval_ms(lab: RabbitLab) -> int | None:
    for line in (lab.base / "node1" / "rabbitmq.conf").read_text().splitlines():
        if line.startswith("collect_statistics_interval"):
            return int(line.split("=")[1])
    return None


def seed(lab: RabbitLab, total: int, mirrored: int, quorum: int) -> None:
    """Top the lab up to `total` queues: `quorum` quorum, `mirrored` mirrored, the rest unmirrored."""
    with httpx.Client(base_url=lab.management_url(1), auth=(lab.user, lab.password), timeout=120) as http:
        names = [q["name"] for q in http.get("/api/queues", params={"columns": "name"}).json()]
    have = Counter(n.split(".")[0] for n in names if n.split(".")[0] in BULK_PREFIXES)
    others = len(names) - sum(have.values())
    wanted = {"bench-qq": quorum, "bench-ha": mirrored, "bench": max(0, total - others - quorum - mirrored)}
    ports = [lab.amqp_port(i) for i in lab.indices]
    for prefix, count in wanted.items():
        if count <= have[prefix]:
            continue
        kind = BULK_PREFIXES[prefix]
        log(f"declaring {count - have[prefix]:,} {kind} queues {prefix}.* (mirrored ones take ~30 ms each)")
        _, seconds = declare_queues(
            count, prefix, amqp_ports=ports, mgmt_url=lab.management_url(1), password=lab.password,
            method="amqp", queue_type="quorum" if kind == "quorum" else "classic", mirrored=kind != "classic",
        )
        log(f"  done in {seconds:.0f} s")


def wait_listed(lab: RabbitLab, total: int, timeout: float = 180.0) -> int:
    """Wait until the management API counts at least `total` queues (its stats lag the truth)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=lab.management_url(1), auth=(lab.user, lab.password), timeout=30) as http:
        while True:
            count = http.get("/api/overview").json().get("object_totals", {}).get("queues", 0)
            if count >= total or time.monotonic() > deadline:
                return count
            time.sleep(2)


def quiesce(pids: list[int], window: float, limit: float = 240.0, tolerance: float = 0.15) -> float:
    """Wait until two consecutive windows of broker CPU agree within `tolerance` (seeding settles)."""
    deadline, previous = time.monotonic() + limit, None
    while True:
        start = broker_cpu_seconds(pids)
        time.sleep(window)
        rate = (broker_cpu_seconds(pids) - start) / window * 60
        log(f"broker CPU settling: {rate:.1f} CPU-s/min")
        if previous is not None and abs(rate - previous) <= tolerance * max(previous, 1.0):
            return rate
        if time.monotonic() > deadline:
            log("broker CPU did not settle; measuring anyway")
            return rate
        previous = rate


# -- one cycle: probe vs bare vs rabbitmqctl vs status --------------------------------------------
class ListingGap:
    """Keeps management queue listings apart so the plugin's list cache (~5x gather time) is cold."""

    def __init__(self, floor: float) -> None:
        self.floor = floor
        self.until = 0.0

    def listed(self, seconds: float) -> None:
        self.until = time.monotonic() + max(self.floor, 6 * seconds)

    async def wait(self) -> None:
        await asyncio.sleep(max(0.0, self.until - time.monotonic()))


async def replay_bare(http: httpx.AsyncClient, requests: list[tuple[str, str]], timeout: float) -> tuple[float, float, list[int]]:
    """The probe's requests in its two stages (each API's overview + nodes, then the rest), concurrently."""
    first = [r for r in requests if urlsplit(r[1]).path in ("/api/overview", "/api/nodes")]
    rest = [r for r in requests if r not in first]
    listing = 0.0
    statuses = []

    async def one(method: str, url: str) -> None:
        nonlocal listing
        started = time.perf_counter()
        resp = await http.request(method, url, timeout=timeout)
        statuses.append(resp.status_code)
        if urlsplit(url).path == "/api/queues":
            listing = time.perf_counter() - started

    started = time.perf_counter()
    for stage in (first, rest):
        await asyncio.gather(*(one(m, u) for m, u in stage))
    return time.perf_counter() - started, listing, statuses


def run_ctl_pair(lab: RabbitLab) -> tuple[float, float, int]:
    started = time.perf_counter()
    lab.rabbitmqctl(1, "cluster_status")
    middle = time.perf_counter()
    listed = lab.rabbitmqctl(1, "list_queues", "name", "messages", timeout=120)
    ended = time.perf_counter()
    rows = sum("\t" in line for line in listed.stdout.splitlines()) - 1  # minus the header
    return middle - started, ended - middle, rows


PEAK_HOOK = """\
import atexit, os, runpy, sys
def _peak():
    with open('/proc/self/status') as f:
        hwm = next(line.split()[1] for line in f if line.startswith('VmHWM:'))
    with open(os.environ['MSGOPS_BENCH_PEAK_FILE'], 'w') as out:
        out.write(hwm)
atexit.register(_peak)
sys.argv = ['msgops'] + sys.argv[1:]
runpy.run_module('msgops.console.cli', run_name='__main__')
"""
"""Runs the command in the child and, at its exit, writes the child's own peak RSS (VmHWM, kB)."""


def run_status(inventory: Path, *extra: str, timeout: float = 120.0) -> dict[str, Any]:
    """One cold `msgops status --json [extra]`: wall seconds, the child's own peak RSS, its poll."""
    cmd = [sys.executable, "-c", PEAK_HOOK, "--inventory", str(inventory), "status", "--json", *extra]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as peak:
        started = time.perf_counter()
        env = {**os.environ, "MSGOPS_BENCH_PEAK_FILE": peak.name}
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=REPO, env=env)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"status --json exited {proc.returncode}: {err.read()[-300:]!r}")
        doc = json.load(out)
        own_peak_kb = int(peak.read().strip() or 0)
    (target,) = doc["targets"]
    queues = (target["snapshot"] or {}).get("queues") or {}
    return {"wall": wall, "rss_mb": own_peak_kb * 1024 / 1e6, "inherited_maxrss_mb": usage.ru_maxrss * 1024 / 1e6,
            "poll": target["poll_seconds"],
            "listing": queues.get("seconds"), "queues": len(queues.get("queues") or ()), "worst": target["worst"]}


async def cycles(lab: RabbitLab, target: Any, inventory: Path, reps: int, gap: ListingGap) -> dict[str, Any]:
    probe = RabbitProbe(target)
    sent: list[tuple[str, str]] = []

    async def record(request: httpx.Request) -> None:
        sent.append((request.method, str(request.url)))

    probe.client._http.event_hooks = {"request": [record], "response": []}  # noqa: SLF001 - bench only
    bare = httpx.AsyncClient(
        auth=(target.management_user, target.management_password.reveal()),
        headers=dict(probe.client._http.headers),  # noqa: SLF001 - the probe's own Accept/User-Agent
        limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
    )
    fig: dict[str, list] = {k: [] for k in (
        "probe", "probe_listing", "bare", "bare_listing", "ctl_cluster_status", "ctl_list_queues",
        "ctl_pair", "status", "status_listing", "status_rss_mb", "status_stats", "status_stats_listing")}
    shape: dict[str, Any] = {}
    try:
        for rep in range(reps):
            async def probe_cycle() -> None:
                await gap.wait()
                sent.clear()
                started = time.perf_counter()
                snap = await probe.poll(full=True)
                fig["probe"].append(time.perf_counter() - started)
                if snap.queues is None or snap.queue_error:
                    raise SystemExit(f"probe listed no queues: {snap.queue_error}")
                fig["probe_listing"].append(snap.queues.seconds)
                gap.listed(snap.queues.seconds)
                shape.update(requests=len(sent), version=snap.version, nodes=len(snap.nodes),
                             queues=len(snap.queues.queues),
                             mirrored=sum(q.is_mirrored for q in snap.queues.queues),
                             quorum=sum(q.type == "quorum" for q in snap.queues.queues),
                             paths=dict(Counter(urlsplit(u).path for _, u in sent)))

            async def bare_cycle() -> None:
                await gap.wait()
                seconds, listing, statuses = await replay_bare(bare, list(sent), target.queue_timeout)
                fig["bare"].append(seconds)
                fig["bare_listing"].append(listing)
                gap.listed(listing)

            # Alternate who goes first; the bare replay needs the requests of a probe cycle.
            if rep % 2 == 0:
                await probe_cycle()
                await bare_cycle()
            else:
                await bare_cycle()
                await probe_cycle()
            status_first = rep % 2 == 1
            if status_first:
                await gap.wait()
                st = await asyncio.to_thread(run_status, inventory)
            cluster_status, list_queues, rows = await asyncio.to_thread(run_ctl_pair, lab)
            if not status_first:
                await gap.wait()
                st = await asyncio.to_thread(run_status, inventory)
            gap.listed(st["listing"] or 0.0)
            await gap.wait()
            stats = await asyncio.to_thread(run_status, inventory, "--stats")
            gap.listed(stats["listing"] or 0.0)
            fig["status_stats"].append(stats["wall"])
            fig["status_stats_listing"].append(stats["listing"])
            fig["status_rss_mb"].append(stats["rss_mb"])
            fig["ctl_cluster_status"].append(cluster_status)
            fig["ctl_list_queues"].append(list_queues)
            fig["ctl_pair"].append(cluster_status + list_queues)
            fig["status"].append(st["wall"])
            fig["status_listing"].append(st["listing"])
            fig["status_rss_mb"].append(st["rss_mb"])
            shape.update(ctl_rows=rows, status_queues=st["queues"], status_worst=st["worst"])
            log(f"cycle {rep + 1}/{reps}: probe {fig['probe'][-1]:.2f}s bare {fig['bare'][-1]:.2f}s "
                f"ctl {fig['ctl_pair'][-1]:.2f}s status {st['wall']:.2f}s ({st['rss_mb']:.0f} MB)")
    finally:
        await probe.aclose()
        await bare.aclose()
    return {"samples": fig, "shape": shape}


# -- broker CPU phases ---------------------------------------------------------------------------
class Tally:
    """Requests a phase made: count, errors, seconds per path."""

    def __init__(self) -> None:
        self.count: Counter = Counter()
        self.seconds: dict[str, list[float]] = {}
        self.errors = 0
        self.events: Counter = Counter()
        """Polls, queue listings, canary rounds (console phase)."""

    def add(self, path: str, seconds: float, ok: bool = True) -> None:
        self.count[path] += 1
        self.seconds.setdefault(path, []).append(seconds)
        self.errors += not ok

    def summary(self) -> dict[str, Any]:
        return {"requests": sum(self.count.values()), "errors": self.errors, "events": dict(self.events),
                "paths": {p: {"count": n, "median_s": round(median(self.seconds[p]), 3),
                              "max_s": round(max(self.seconds[p]), 3)} for p, n in self.count.items()}}


async def sleep_until(at: float) -> None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))


async def fixed_cadence(http: httpx.AsyncClient, paths: tuple[str, ...], interval: float, deadline: float,
                        tally: Tally) -> None:
    """GET `paths` one after another every `interval` s (never overlapping) until the deadline."""
    next_at = time.monotonic()
    for _ in range(int((deadline - next_at) / interval) + 2):
        await sleep_until(next_at)
        if time.monotonic() >= deadline:
            return
        for path in paths:
            started = time.perf_counter()
            try:
                ok = (await http.get(path, timeout=30)).status_code == 200
            except httpx.HTTPError:
                ok = False
            tally.add(urlsplit(path).path + ("?page" if "page=" in path else ""), time.perf_counter() - started, ok)
        next_at = max(next_at + interval, time.monotonic())


async def console_cadence(poller: Poller, target: Any, deadline: float, tally: Tally) -> None:
    """msgops's Poller driven like MsgopsApp: a poll at once, then every poll_interval unless busy.

    The poller comes warmed (its start-up listing done before the phase): the phase measures the
    steady cadence, over --console-seconds, long enough to hold one stretched listing."""
    running: list[asyncio.Task] = []

    last_canaries: list[Any] = [None]

    async def poll() -> None:
        result = await poller.poll_once()
        if result is None:
            return
        snap = result.snapshot
        tally.events["polls"] += 1
        tally.events["queue listings"] += any(c.path == "/api/queues" for c in snap.calls)
        tally.events["canary rounds"] += snap.canaries is not last_canaries[0]
        last_canaries[0] = snap.canaries
        for call in snap.calls:
            path = "/api/health/checks/*" if call.path.startswith("/api/health/") else call.path
            tally.add(path, call.seconds, call.error is None)

    try:
        next_at = time.monotonic()
        for _ in range(int((deadline - next_at) / target.poll_interval) + 2):
            await sleep_until(next_at)
            if time.monotonic() >= deadline:
                break
            if not poller.busy and not poller.paused:
                running.append(asyncio.create_task(poll()))
            next_at += target.poll_interval
        await asyncio.gather(*running)
    finally:
        await poller.aclose()


async def phases(lab: RabbitLab, target: Any, pids: list[int], names: list[str], seconds: float,
                 settle: float, gap: ListingGap, console_seconds: float) -> dict[str, Any]:
    http = httpx.AsyncClient(base_url=lab.management_url(1), auth=(lab.user, lab.password))

    async def idle(deadline: float, tally: Tally) -> None:
        await sleep_until(deadline)

    bodies: dict[str, Callable[[float, Tally], Awaitable[None]]] = {
        "idle": idle,
        "ui": lambda d, t: fixed_cadence(http, UI_PATHS, UI_INTERVAL, d, t),
        "console": lambda d, t: console_cadence(poller, target, d, t),
        "naive": lambda d, t: fixed_cadence(http, NAIVE_PATHS, NAIVE_INTERVAL, d, t),
    }
    out: dict[str, Any] = {}
    poller = Poller(make_probe(target))
    try:
        for k, name in enumerate(names):
            length = console_seconds if name == "console" else seconds
            if name == "console":
                log("console warm-up: its start-up poll (with the queue listing) is not measured")
                await gap.wait()
                warm = await poller.poll_once()
                gap.listed(warm.snapshot.queues.seconds if warm and warm.snapshot.queues else 0.0)
                log(f"  next queue listing due in {poller.probe.queues_due_in():.0f} s")
            await gap.wait()
            if k:
                await asyncio.sleep(settle)
            log(f"phase {name}: {length:g} s")
            tally = Tally()
            cpu0, own0, host0, t0 = broker_cpu_seconds(pids), time.process_time(), host_cpu_seconds(), time.monotonic()
            task = asyncio.create_task(bodies[name](t0 + length, tally))
            await sleep_until(t0 + length)
            cpu1, own1, host1, t1 = broker_cpu_seconds(pids), time.process_time(), host_cpu_seconds(), time.monotonic()
            await task  # at most one in-flight cycle left, bounded by its request timeouts
            listings = tally.seconds.get("/api/queues", [])
            gap.listed(max(listings, default=0.0))
            minutes = (t1 - t0) / 60
            out[name] = {"broker_cpu_s_per_min": (cpu1 - cpu0) / minutes,
                         "client_cpu_s_per_min": (own1 - own0) / minutes,
                         "rest_of_host_cpu_s_per_min": ((host1 - host0) - (cpu1 - cpu0) - (own1 - own0)) / minutes,
                         "wall_s": t1 - t0, **tally.summary()}
            log(f"  {out[name]['broker_cpu_s_per_min']:.2f} broker CPU-s/min, {out[name]['requests']} requests")
    finally:
        await http.aclose()
        await poller.aclose()
    return out


# -- report --------------------------------------------------------------------------------------
def verdict(value: float | None, limit: float) -> str:
    return "n/a" if value is None else ("PASS" if value <= limit else "MISS")


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    s = result["cycles"]["samples"]
    med = {k: median([v for v in vals if v is not None]) for k, vals in s.items()}
    ratios: dict[str, float | None] = {
        "probe_over_bare": med["probe"] / med["bare"] if med["bare"] else None,
        "status_over_ctl": med["status"] / med["ctl_pair"] if med["ctl_pair"] else None,
        "status_stats_over_ctl": med["status_stats"] / med["ctl_pair"] if med["ctl_pair"] else None,
        "status_rss_mb": max(s["status_rss_mb"]) if s["status_rss_mb"] else None,
    }
    ph = result["phases"]
    if "console" in ph and "ui" in ph:
        ratios["console_over_ui"] = ph["console"]["broker_cpu_s_per_min"] / ph["ui"]["broker_cpu_s_per_min"]
    if "idle" in ph:
        idle = ph["idle"]["broker_cpu_s_per_min"]
        for p in ph.values():
            p["over_idle"] = p["broker_cpu_s_per_min"] - idle
        if "console" in ph and "ui" in ph and ph["ui"]["over_idle"] > 0:
            result["console_over_ui_delta"] = ph["console"]["over_idle"] / ph["ui"]["over_idle"]
    result["medians"] = med
    result["targets"] = {k: {"value": v, "limit": TARGETS[k], "verdict": verdict(v, TARGETS[k])}
                         for k, v in ratios.items()}
    return result


def print_report(r: dict[str, Any]) -> None:
    env, shape, med, s = r["environment"], r["cycles"]["shape"], r["medians"], r["cycles"]["samples"]
    tg = r["targets"]

    def spread(key: str) -> str:
        vals = [v for v in s[key] if v is not None]
        return f"{med[key]:8.2f}   ({min(vals):.2f}-{max(vals):.2f})" if vals else "     n/a"

    def target_line(label: str, key: str, fmt: str, limit_text: str) -> None:
        t = tg.get(key)
        if t:
            value = "n/a" if t["value"] is None else format(t["value"], fmt)
            print(f"  {label:<40}{value:>8}   target {limit_text:<10} {t['verdict']}")

    print(f"msgops RabbitMQ polling benchmark  {env['date']}")
    print(f"RabbitMQ {shape.get('version')}, {shape.get('nodes')} nodes, {shape.get('queues', 0):,} queues "
          f"({shape.get('mirrored', 0):,} mirrored, {shape.get('quorum', 0):,} quorum); "
          f"stats interval {env['stats_interval_ms']} ms; {env['cpus']} CPUs; load {env['load_start']} -> {env['load_end']}")
    if env["other_beams"]:
        print(f"NOTE: other beam.smp processes were running on this host (pids {env['other_beams']}): noisier figures")
    print(f"\nOne cycle, wall seconds: median of {len(s['probe'])} (min-max)")
    rows = [("probe cycle, poll(full=True)", "probe"), ("  of which queue listing", "probe_listing"),
            (f"bare HTTP, same {shape.get('requests')} requests", "bare"), ("  of which queue listing", "bare_listing"),
            ("rabbitmqctl cluster_status", "ctl_cluster_status"),
            ("rabbitmqctl list_queues name messages", "ctl_list_queues"), ("rabbitmqctl pair", "ctl_pair"),
            ("msgops status --json, cold", "status"), ("  of which queue listing (no stats)", "status_listing"),
            ("msgops status --json --stats, cold", "status_stats"), ("  of which queue listing", "status_stats_listing")]
    for label, key in rows:
        print(f"  {label:<40}{spread(key)}")
    print(f"  (probe requests per cycle: {', '.join(f'{p} x{n}' for p, n in shape.get('paths', {}).items())})")
    target_line("ratio probe / bare", "probe_over_bare", ".2f", "<= 1.30")
    target_line("ratio status --json / rabbitmqctl pair", "status_over_ctl", ".2f", "<= 1.00")
    target_line("  (--stats, with message counts)", "status_stats_over_ctl", ".2f", "<= 1.00")
    target_line("peak RSS of status --json, MB (max)", "status_rss_mb", ".1f", "<= 150")
    ph = r["phases"]
    if ph:
        secs = next(iter(ph.values()))["wall_s"]
        console_secs = ph["console"]["wall_s"] if "console" in ph else secs
        print(f"\nBroker CPU (beam utime+stime, all nodes), {secs:.0f} s per phase (console {console_secs:.0f} s, "
              "warmed: its start-up listing not counted)")
        print(f"  {'phase':<34}{'CPU-s/min':>10}{'over idle':>11}{'requests':>10}{'bench CPU':>11}{'rest of host':>14}")
        labels = {"idle": "idle", "ui": "ui: web UI queues page, 5 s",
                  "console": "console: msgops Poller, inventory", "naive": "naive: full columns= list, 2 s"}
        for name, p in ph.items():
            over = f"{p['over_idle']:+.2f}" if "over_idle" in p and name != "idle" else "-"
            print(f"  {labels.get(name, name):<34}{p['broker_cpu_s_per_min']:>10.2f}{over:>11}"
                  f"{p['requests']:>10}{p['client_cpu_s_per_min']:>11.2f}{p['rest_of_host_cpu_s_per_min']:>14.2f}")
        if "console" in ph:
            c = ph["console"]
            print("  console: " + ", ".join(f"{k} {v}" for k, v in c["events"].items()) + "; requests "
                  + ", ".join(f"{p} x{v['count']} ({v['median_s']:.2f}s)" for p, v in c["paths"].items()))
        print("  (bench CPU: this script's own process, i.e. the poller's client side in the console phase;"
              " rest of host: every other process, CPU-s/min)")
        target_line("ratio console / ui", "console_over_ui", ".2f", "<= 1.00")
        if "console_over_ui_delta" in r:
            print(f"  {'(ratio of the deltas over idle)':<40}{r['console_over_ui_delta']:>8.2f}")


# -- main ------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab-dir", type=Path, default=REPO / ".lab" / "bench")
    parser.add_argument("--quick", action="store_true", help="1,000 queues, 15-s phases, 3 repetitions")
    parser.add_argument("--queues", type=int, help="total queues (default 10000; quick 1000)")
    parser.add_argument("--mirrored", type=int, help="bulk classic queues mirrored by ha-all (default 1000)")
    parser.add_argument("--quorum", type=int, help="bulk quorum queues (default 100)")
    parser.add_argument("--reps", type=int, help="repetitions of the cycle figures (default 5)")
    parser.add_argument("--phase-seconds", type=float, help="length of each CPU phase (default 60)")
    parser.add_argument("--settle-seconds", type=float, help="pause between phases (default 15)")
    parser.add_argument("--console-seconds", type=float,
                        help="length of the console phase (default 420: one stretched listing at 10k queues)")
    parser.add_argument("--phases", default="idle,ui,console,naive", help="CPU phases, in order")
    parser.add_argument("--keep", action="store_true", help="leave a lab this script started running")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout instead of the table")
    a = parser.parse_args()
    q = a.quick
    queues = a.queues or (1000 if q else 10_000)
    mirrored = a.mirrored if a.mirrored is not None else (100 if q else 1000)
    quorum = a.quorum if a.quorum is not None else (10 if q else 100)
    reps = a.reps or (3 if q else 5)
    phase_seconds = a.phase_seconds or (15.0 if q else 60.0)
    console_seconds = a.console_seconds or (phase_seconds if q else 420.0)
    settle = a.settle_seconds if a.settle_seconds is not None else (5.0 if q else 15.0)
    names = [p for p in a.phases.split(",") if p]
    unknown = set(names) - {"idle", "ui", "console", "naive"}
    if unknown:
        parser.error(f"unknown phase(s) {sorted(unknown)}")

    lab, started = ensure_lab(a.lab_dir)
    try:
        (target,) = load_inventory(lab.inventory_path).of_tier("rabbitmq")
        hosts = {urlsplit(u).hostname for u in target.management_urls} | {h.host for h in target.hosts}
        if hosts != {"127.0.0.1"}:
            raise SystemExit(f"the lab inventory names {sorted(hosts)}: this bench talks to 127.0.0.1 only")
        seed(lab, queues, mirrored, quorum)
        log(f"management API counts {wait_listed(lab, queues):,} queues")
        pids = beam_pids(lab)
        settled = quiesce(pids, window=5.0 if q else 10.0)
        env = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(),
               "stats_interval_ms": stats_interval_ms(lab), "beam_pids": pids, "other_beams": other_beams(pids),
               "load_start": ", ".join(f"{x:.1f}" for x in os.getloadavg()), "settled_cpu_s_per_min": settled,
               "poll_interval": target.poll_interval, "queue_interval": target.queue_interval,
               "canary_interval": target.canary_interval, "lab_dir": str(lab.base)}
        gap = ListingGap(floor=5.0)

        async def measure() -> tuple[dict, dict]:
            c = await cycles(lab, target, lab.inventory_path, reps, gap)
            p = await phases(lab, target, pids, names, phase_seconds, settle, gap, console_seconds)
            return c, p

        cycle_figures, phase_figures = asyncio.run(measure())
        env["load_end"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        env["other_beams"] = sorted(set(env["other_beams"]) | set(other_beams(pids)))
        result = summarise({"environment": env, "cycles": cycle_figures, "phases": phase_figures})
    finally:
        if started and not a.keep:
            log("taking the lab down (graceful, ~15 s)")
            lab.down(log=log)
    if a.json:
        json.dump(result, sys.stdout, indent=1, default=str)
        print()
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

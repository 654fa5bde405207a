"""Benchmark: what msgops's MongoDB polling costs, against simulated replica sets in another process.

Run (no root, no network; ~4 min at the defaults):

    .venv/bin/python bench/mongodb_poll.py [--quick] [--reps 200] [--sets 10] [--cadence 2.0]
        [--phase-seconds 60] [--json]

The replica sets are ``msgops.sim.mongodb`` simulators (3 members each, SCRAM auth, 7.0.14) served by
a child process (this script with ``--serve N``), so their CPU is not counted in this process's.
Every loop is bounded in count and time; the child is stopped at the end whatever happens.

Figures:

- *probe cycle*: wall seconds of one steady ``MongoProbe.poll()`` of a 3-member set (warm clients;
  hello + replSetGetStatus on each member at once, then the oplog's first and last entries on the
  primary; replSetGetConfig and serverStatus are not due in a steady cycle), including Inflight
  tracking, parsing, merging the views and building the snapshot. Also *full*: ``poll(full=True)``
  (+ replSetGetConfig and serverStatus on every member), as ``msgops status`` does.
- *bare*: the very commands that cycle sent (read back from the snapshot's ``calls``: what, to whom)
  issued with plain ``AsyncMongoClient`` direct clients in the same two concurrent stages, replies
  not looked at. Target: probe / bare <= 1.3, each median of --reps cycles, interleaved.
- *CPU*: utime+stime of this process (/proc/self/stat) over --phase-seconds while --sets replica
  sets are polled every --cadence seconds, after a warm-up. *headless*: ``Poller.poll_once`` per
  target on a timer, skipped while one is in flight (as ``MsgopsApp`` drives it). *console*: the
  real Textual app (``make_app``, headless ``run_test`` at 80x24) polling the same sets with the
  MongoDB screen of the first set open (its table, lines and findings repainted from every poll).
  Target: <= 5 % of one core.
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
import time
from pathlib import Path

PASSWORD = "bench-Mongo-pw-9"


def cpu_seconds() -> float:
    """utime + stime of this process, from /proc/self/stat (clock ticks → seconds)."""
    with open("/proc/self/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the child: N simulated sets ----------------------------------------------------------------
async def serve(count: int) -> None:
    from msgops.sim.mongodb import SimReplicaSet

    sets = [SimReplicaSet(3, set_name=f"set{i}", user="bench", password=PASSWORD) for i in range(count)]
    for rs in sets:
        await rs.start()
    print(json.dumps([rs.uri for rs in sets]), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    for rs in sets:
        await rs.stop()


def start_sets(count: int) -> tuple[subprocess.Popen, list[str]]:
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(count)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline()  # bounded: the child prints once its ports listen, or dies
    if not line:
        child.kill()
        raise SystemExit("the simulator process did not start")
    return child, json.loads(line)


def target_for(name: str, uri: str, cadence: float):  # noqa: ANN201
    from msgops.probes.mongodb.target import _from_uri

    return _from_uri(name, uri, poll_interval=cadence, connect_timeout=2.0, call_timeout=5.0)


# --- probe cycle vs bare pymongo ----------------------------------------------------------------
async def cycles(uri: str, reps: int) -> dict:
    from pymongo import AsyncMongoClient

    from msgops.probes.mongodb.collect import MongoProbe

    target = target_for("ratio", uri, 5.0)
    probe = MongoProbe(target)
    await probe.poll(full=True)  # warm: clients connected, config read, basics read
    steady = await probe.poll()
    full_calls = (await probe.poll(full=True)).calls
    options = {k: v for k, v in target.client_options().items() if k != "timeoutMS"}
    bare = {h: AsyncMongoClient(h, directConnection=True, **options) for h in probe.client.members}

    def stages(calls) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:  # noqa: ANN001
        first: dict[str, list[str]] = {}
        second: list[tuple[str, str]] = []
        for call in calls:
            if call.what in ("hello", "replSetGetStatus", "serverStatus"):
                first.setdefault(call.host, []).append(call.what)
            else:
                second.append((call.what, call.host))
        return first, second

    async def replay(calls) -> float:  # noqa: ANN001
        first, second = stages(calls)

        async def member(host: str, names: list[str]) -> None:
            for name in names:
                command = {"serverStatus": 1, "repl": 0, "metrics": 0, "locks": 0} if name == "serverStatus" else name
                await bare[host].admin.command(command)

        async def other(what: str, host: str) -> None:
            if what == "replSetGetConfig":
                await bare[host].admin.command("replSetGetConfig")
            else:
                direction = 1 if what == "oplog first" else -1
                await bare[host].local["oplog.rs"].find({}, {"ts": 1, "wall": 1}).sort("$natural", direction) \
                    .limit(1).to_list(1)

        started = time.perf_counter()
        await asyncio.gather(*(member(h, n) for h, n in first.items()))
        await asyncio.gather(*(other(w, h) for w, h in second))
        return time.perf_counter() - started

    await replay(full_calls)
    times: dict[str, list[float]] = {"probe": [], "bare": [], "probe_full": [], "bare_full": []}
    for _ in range(reps):
        started = time.perf_counter()
        await probe.poll()
        times["probe"].append(time.perf_counter() - started)
        times["bare"].append(await replay(steady.calls))
        started = time.perf_counter()
        await probe.poll(full=True)
        times["probe_full"].append(time.perf_counter() - started)
        times["bare_full"].append(await replay(full_calls))
    await probe.aclose()
    for client in bare.values():
        await client.close()
    medians = {k: statistics.median(v) for k, v in times.items()}
    medians["commands"] = len(steady.calls)
    medians["commands_full"] = len(full_calls)
    return medians


# --- CPU of polling N sets --------------------------------------------------------------------------
async def headless_cpu(uris: list[str], cadence: float, seconds: float, warmup: float) -> dict:
    from msgops.probes.poller import Poller, make_probe

    pollers = [Poller(make_probe(target_for(f"set{i}", u, cadence))) for i, u in enumerate(uris)]
    polls = 0

    async def drive(poller) -> None:  # noqa: ANN001
        nonlocal polls
        while True:
            if not poller.busy:
                asyncio.ensure_future(poller.poll_once())
                polls += 1
            await asyncio.sleep(cadence)

    tasks = [asyncio.ensure_future(drive(p)) for p in pollers]
    try:
        await asyncio.sleep(warmup)
        polls, cpu, wall = 0, cpu_seconds(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(p.aclose() for p in pollers))
    return {"cpu_s": cpu, "wall_s": wall, "percent": 100 * cpu / wall, "polls": polls}


async def console_cpu(uris: list[str], cadence: float, seconds: float, warmup: float) -> dict:
    from msgops.console.app import make_app
    from msgops.console.config import load_inventory

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inventory.toml"
        path.write_text(f'[settings]\nstate_dir = "{tmp}/state"\n' + "".join(
            f'[mongodb.set{i}]\nuri = "{u}"\npoll_interval = {cadence}\n' for i, u in enumerate(uris)))
        app = make_app(load_inventory(path, env={}))
        async with app.run_test(size=(80, 24)) as pilot:
            await asyncio.sleep(1.0)
            app.open_target("mongodb/set0")
            await pilot.pause()
            await asyncio.sleep(warmup)
            cpu, wall = cpu_seconds(), time.perf_counter()
            await asyncio.sleep(seconds)
            cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
            shown = sum(1 for s in app.estate.states.values() if s.result is not None)
    return {"cpu_s": cpu, "wall_s": wall, "percent": 100 * cpu / wall, "targets_with_data": shown}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 30 reps, 15-s phases")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--sets", type=int, default=10)
    parser.add_argument("--cadence", type=float, default=2.0)
    parser.add_argument("--phase-seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return 0
    if args.quick:
        args.reps, args.phase_seconds, args.warmup = 30, 15.0, 4.0
    child, uris = start_sets(args.sets)
    try:
        print(f"{args.sets} simulated sets in pid {child.pid}; {args.reps} cycles...", file=sys.stderr)
        ratio = asyncio.run(cycles(uris[0], args.reps))
        print(f"headless polling, {args.phase_seconds:g} s...", file=sys.stderr)
        headless = asyncio.run(headless_cpu(uris, args.cadence, args.phase_seconds, args.warmup))
        print(f"console polling, {args.phase_seconds:g} s...", file=sys.stderr)
        console = asyncio.run(console_cpu(uris, args.cadence, args.phase_seconds, args.warmup))
    finally:
        child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
    results = {"cycles": ratio, "headless": headless, "console": console,
               "sets": args.sets, "cadence": args.cadence, "reps": args.reps}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    r = ratio

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"
    rows = [
        ("probe cycle / bare (steady, %d commands) <= 1.3" % r["commands"],
         f"{r['probe'] * 1000:.2f} ms / {r['bare'] * 1000:.2f} ms = {r['probe'] / r['bare']:.2f}",
         verdict(r["probe"] / r["bare"] <= 1.3)),
        ("probe cycle / bare (full, %d commands)" % r["commands_full"],
         f"{r['probe_full'] * 1000:.2f} ms / {r['bare_full'] * 1000:.2f} ms = {r['probe_full'] / r['bare_full']:.2f}",
         verdict(r["probe_full"] / r["bare_full"] <= 1.3)),
        (f"headless: {args.sets} sets every {args.cadence:g} s <= 5 % of a core",
         f"{headless['cpu_s']:.2f} CPU-s / {headless['wall_s']:.0f} s = {headless['percent']:.1f} %",
         verdict(headless["percent"] <= 5)),
        (f"console: {args.sets} sets every {args.cadence:g} s <= 5 % of a core",
         f"{console['cpu_s']:.2f} CPU-s / {console['wall_s']:.0f} s = {console['percent']:.1f} %",
         verdict(console["percent"] <= 5)),
    ]
    print("| target | figure | verdict |\n| --- | --- | --- |")
    for row in rows:
        print(f"| {' | '.join(row)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

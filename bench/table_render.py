"""Benchmark: Textual DataTable vs msgops VirtualTable with 10,000 and 50,000 queues.

Run:  python bench/table_render.py [--quick] [--sizes 10000,50000] [--loop-seconds 20]

Both tables get the same rows (8 columns, like `rabbitmqctl list_queues`) in a headless app
(`App.run_test(size=(120, 40))`). Figures per phase:

- *display*: ms from the start of a change until the first frame composed after it that shows
  it (frames are caught by wrapping `App._display`; headless, so no terminal write is timed);
- *stall*: the longest gap of a 5 ms heartbeat task on the event loop during the phase, i.e.
  the worst freeze a key press could have met;
- *cpu %*: process CPU over wall time of a loop that changes 500 rows every 2 s.

DataTable gets its best known handling (lab notes): `add_row(key=)`, `update_cell` of the
changed cells only, `sort(key=)` with `None` last; filtering means `clear()` + re-adding the
matching rows, as DataTable has no filter. VirtualTable gets `set_rows` of the full list.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import time
from typing import Callable

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from msgops.widgets.table_model import Column, Row
from msgops.widgets.virtual_table import VirtualTable

COLUMNS = [
    Column("name", "Name", width=20, flex=True),
    Column("vhost", "VHost", width=8),
    Column("type", "Type", width=7),
    Column("node", "Node", width=16),
    Column("mirrors", "Mirrors", width=7),
    Column("messages", "Messages", width=10, align="right", numeric=True),
    Column("consumers", "Consumers", width=9, align="right", numeric=True),
    Column("state", "State", width=8),
]
MESSAGES = 5  # column index
FILTER_TEXT = "node1"  # one row in three


def make_rows(count: int, seed: int = 0) -> list[Row]:
    rng = random.Random(seed)
    services = ["nova", "neutron", "cinder", "heat", "octavia", "designate"]
    rows = []
    for i in range(count):
        service = services[i % len(services)]
        state = "running" if i % 97 else "down"
        cells = (f"{service}.{rng.choice(['compute', 'scheduler', 'agent'])}.{i:06d}",
                 f"/{service}", rng.choice(["classic", "quorum"]), f"rabbit@node{i % 3}",
                 "2/2" if i % 50 else "1/2", rng.choice([None] + [rng.randint(0, 99_999)] * 20),
                 rng.randint(0, 4), state)
        rows.append(Row(f"q{i}", cells, "-crit" if state == "down" else None))
    return rows


def change_rows(rows: list[Row], rng: random.Random, count: int = 500):
    """A new row list with `count` rows' message counts changed, and those changes."""
    new_rows = list(rows)
    changes = []
    for index in rng.sample(range(len(rows)), min(count, len(rows))):
        row = rows[index]
        value = rng.randint(0, 99_999)
        cells = row.cells[:MESSAGES] + (value,) + row.cells[MESSAGES + 1:]
        new_rows[index] = Row(row.key, cells, row.style_class)
        changes.append((row.key, "messages", value))
    return new_rows, changes


class DataTableAdapter:
    name = "DataTable"

    def __init__(self) -> None:
        self.widget = DataTable(cursor_type="row")

    def load(self, rows: list[Row]) -> None:
        self.widget.clear()
        if not self.widget.columns:
            self.widget.add_columns(*[(column.label, column.key) for column in COLUMNS])
        for row in rows:
            self.widget.add_row(*row.cells, key=row.key)

    def refresh(self, rows: list[Row], changes) -> None:
        for key, column, value in changes:
            self.widget.update_cell(key, column, value)

    def filter(self, rows: list[Row], text: str) -> None:
        self.load([r for r in rows if text in " ".join(map(str, r.cells)).lower()])

    def sort(self) -> None:
        self.widget.sort("messages", key=lambda v: (v is None, v or 0))

    def refresh_sorted(self, rows: list[Row], changes) -> None:
        """DataTable does not keep a sort or filter: update shown rows, then sort again."""
        shown = self.widget.rows
        self.refresh(rows, [change for change in changes if change[0] in shown])
        self.sort()

    def shown(self) -> int:
        return self.widget.virtual_size.height - 1  # header line


class VirtualTableAdapter:
    name = "VirtualTable"

    def __init__(self) -> None:
        self.widget = VirtualTable(COLUMNS)

    def load(self, rows: list[Row]) -> None:
        self.widget.set_rows(rows)

    def refresh(self, rows: list[Row], changes) -> None:
        self.widget.set_rows(rows)

    def filter(self, rows: list[Row], text: str) -> None:
        self.widget.filter_text = text

    def sort(self) -> None:
        self.widget.sort_by("messages")

    def refresh_sorted(self, rows: list[Row], changes) -> None:
        self.widget.set_rows(rows)

    def shown(self) -> int:
        return self.widget.virtual_size.height - 1


class BenchApp(App[None]):
    def __init__(self, adapter) -> None:
        super().__init__()
        self.adapter = adapter
        self.frame_times: list[float] = []
        self.heartbeat_gap = 0.0
        self.ready: Callable[[], bool] = lambda: True

    def compose(self) -> ComposeResult:
        yield self.adapter.widget

    def _display(self, screen, renderable) -> None:  # catch each composed frame
        super()._display(screen, renderable)
        if renderable is not None and self.ready():
            self.frame_times.append(time.perf_counter())


async def heartbeat(app: BenchApp, period: float = 0.005) -> None:
    while True:
        before = time.perf_counter()
        await asyncio.sleep(period)
        app.heartbeat_gap = max(app.heartbeat_gap, time.perf_counter() - before - period)


async def phase(app: BenchApp, pilot, change: Callable[[], None], ready) -> tuple[float, float]:
    """Run one change; return (ms to the first frame showing it, worst loop stall in ms)."""
    await pilot.pause()
    app.frame_times.clear()
    app.heartbeat_gap = 0.0
    app.ready = ready
    start = time.perf_counter()
    change()
    while not app.frame_times and time.perf_counter() - start < 60:
        await asyncio.sleep(0.001)
    displayed = app.frame_times[0] - start if app.frame_times else float("nan")
    await asyncio.sleep(0.05)  # let the heartbeat see any work queued after the frame
    app.ready = lambda: True
    return displayed * 1000, app.heartbeat_gap * 1000


async def bench_one(adapter, rows: list[Row], loop_seconds: float) -> dict[str, float]:
    gc.collect()
    app = BenchApp(adapter)
    figures: dict[str, float] = {}
    rng = random.Random(1)
    n = len(rows)
    async with app.run_test(size=(120, 40)) as pilot:
        beat = asyncio.create_task(heartbeat(app))
        await asyncio.sleep(0.2)  # let start-up work finish before the first phase
        shown = adapter.shown
        figures["load"], figures["load stall"] = await phase(
            app, pilot, lambda: adapter.load(rows), lambda: shown() == n)
        new_rows, changes = change_rows(rows, rng)
        figures["refresh 500"], figures["refresh stall"] = await phase(
            app, pilot, lambda: adapter.refresh(new_rows, changes), lambda: True)
        rows = new_rows
        expected = sum(FILTER_TEXT in " ".join(map(str, r.cells)).lower() for r in rows)
        figures["filter"], figures["filter stall"] = await phase(
            app, pilot, lambda: adapter.filter(rows, FILTER_TEXT), lambda: shown() == expected)
        figures["unfilter"], figures["unfilter stall"] = await phase(
            app, pilot, lambda: adapter.filter(rows, ""), lambda: shown() == n)
        figures["sort"], figures["sort stall"] = await phase(
            app, pilot, adapter.sort, lambda: True)
        adapter.filter(rows, FILTER_TEXT)
        new_rows, changes = change_rows(rows, rng)
        figures["refresh sorted+filt."], figures["refresh s+f stall"] = await phase(
            app, pilot, lambda: adapter.refresh_sorted(new_rows, changes), lambda: True)
        rows = new_rows
        adapter.filter(rows, "")
        while shown() != n:  # DataTable re-adds every row here; let it finish first
            await asyncio.sleep(0.05)
        await pilot.pause()
        # Refresh loop: 500 changed rows every 2 s; CPU time over wall time.
        app.heartbeat_gap = 0.0
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        while time.perf_counter() - wall_start < loop_seconds:
            rows, changes = change_rows(rows, rng)
            adapter.refresh(rows, changes)
            await asyncio.sleep(2.0)
        wall = time.perf_counter() - wall_start
        figures["loop cpu %"] = 100 * (time.process_time() - cpu_start) / wall
        figures["loop stall"] = app.heartbeat_gap * 1000
        beat.cancel()
    return figures


def print_table(size: int, results: dict[str, dict[str, float]]) -> None:
    data, virtual = results["DataTable"], results["VirtualTable"]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{size:,} rows x {len(COLUMNS)} columns (120x40, headless; load avg {load})")
    print(f"{'figure (ms unless %)':<22}{'DataTable':>12}{'VirtualTable':>14}{'DT / VT':>10}")
    for figure in data:
        ratio = data[figure] / virtual[figure] if virtual[figure] else float("inf")
        print(f"{figure:<22}{data[figure]:>12.1f}{virtual[figure]:>14.1f}{ratio:>9.1f}x")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6-s refresh loop, 10k rows")
    parser.add_argument("--sizes", default=None, help="row counts, e.g. 10000,50000")
    parser.add_argument("--loop-seconds", type=float, default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in (args.sizes or ("10000" if args.quick else "10000,50000")).split(",")]
    loop_seconds = args.loop_seconds or (6.0 if args.quick else 20.0)
    for adapter_class in (VirtualTableAdapter, DataTableAdapter):  # warm up imports, CSS
        await bench_one(adapter_class(), make_rows(600), 0)
    for size in sizes:
        rows = make_rows(size)
        results = {}
        for adapter_class in (VirtualTableAdapter, DataTableAdapter):
            results[adapter_class.name] = await bench_one(adapter_class(), rows, loop_seconds)
        print_table(size, results)


if __name__ == "__main__":
    asyncio.run(main())

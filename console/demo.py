"""`msgops demo`: the console on every tier's simulated demo targets, served on loopback (no root,
no network). Each tier's SPEC.demo starts its simulators and hands back inventory TOML."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

from msgops.console.config import Inventory, load_inventory, with_read_only
from msgops.probes.registry import tiers
from msgops.sim.demo_options import DemoOptions


@contextmanager
def demo_estate(options: DemoOptions | None = None) -> Iterator[Inventory]:
    """Start every tier's demo; yield the inventory naming them all; stop everything on exit."""
    options = options or DemoOptions()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="msgops-demo-")))
        parts = [f'[settings]\nstate_dir = "{tmp / "state"}"\n']
        for spec in tiers().values():
            if spec.demo:
                parts.append(stack.enter_context(spec.load(spec.demo)(options)))
        path = tmp / "inventory.toml"
        path.write_text("\n".join(parts))
        yield load_inventory(path, env={})


def run_demo(*, queues: int = 0, incident_after: float = 15.0, steady: bool = False, read_only: bool = False) -> int:
    from msgops.console.app import run_console

    with demo_estate(DemoOptions(scale=queues, incident_after=incident_after, steady=steady)) as inventory:
        return run_console(with_read_only(inventory) if read_only else inventory)

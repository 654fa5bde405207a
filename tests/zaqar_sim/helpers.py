"""Helpers for the Zaqar tier's tests on the simulator: inventories, clouds.yaml, polling with deadlines."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Callable

from msgops.console.config import load_inventory
from msgops.probes.poller import Poller, PollResult, make_probe


def inventory(tmp_path: Path, body: str, *, env: dict | None = None, read_only: bool = False):
    """Load an inventory made of ``body`` (its targets' tables) with a private state dir."""
    path = tmp_path / "inventory.toml"
    path.write_text(f'[settings]\nstate_dir = "{tmp_path / "state"}"\nread_only = {str(read_only).lower()}\n\n{body}')
    return path, load_inventory(path, env=env or {})


def noauth_toml(sim: Any, name: str = "sim", project: str = "demo", **extra: Any) -> str:
    lines = [f"[zaqar.{name}]", f'endpoint = "{sim.endpoint}"', f'project_id = "{project}"']
    lines += [f"{k} = {v!r}".replace("'", '"') if isinstance(v, str) else f"{k} = {str(v).lower() if isinstance(v, bool) else v}"
              for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def clouds_yaml(path: Path, keystone: str, clouds: dict[str, tuple[str, str, str]]) -> Path:
    """clouds.yaml with ``name: (user, password, project)`` clouds on the stand-in Keystone."""
    out = ["clouds:"]
    for name, (user, password, project) in clouds.items():
        out += [f"  {name}:", "    auth:", f"      auth_url: {keystone}/v3", f"      username: {user}",
                f"      password: {password}", f"      project_name: {project}",
                "      user_domain_name: Default", "      project_domain_name: Default",
                "    region_name: RegionOne", "    interface: public", "    identity_api_version: 3"]
    path.write_text("\n".join(out) + "\n")
    return path


async def poll_once(target: Any, *, full: bool = False) -> PollResult:
    poller = Poller(make_probe(target))
    try:
        result = await poller.poll_once(full=full)
        assert result is not None
        return result
    finally:
        await poller.aclose()


async def poll_until(poller: Poller, done: Callable[[PollResult], bool], *, timeout: float, interval: float = 0.3,
                     what: str = "state") -> PollResult:
    """Poll (as the console does, not full) until ``done``; fail with the last findings at the deadline."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        result = await poller.poll_once()
        if result is not None:
            last = result
            if done(result):
                return result
        await asyncio.sleep(interval)
    codes = [(f.code, f.subject, f.reason[:80]) for f in last.findings] if last else None
    raise AssertionError(f"{what}: not seen within {timeout:g}s; last findings {codes}")


def codes(result: PollResult) -> set[str]:
    return {f.code for f in result.findings}


def finding(result: PollResult, code: str, subject: str | None = None):
    return next((f for f in result.findings if f.code == code and (subject is None or f.subject == subject)), None)

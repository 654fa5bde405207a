"""Runbooks act on what is true now: queue-reset racing a partition, the same checks for the
simulator (tests/sim/test_runbook_race.py, tests/tui/test_runbook_race.py) and the real lab
(tests/integration/test_runbook_race.py).

The issue: `p` on a queue, preflight passed, the typed-confirmation box waited while the cluster
partitioned, the name was typed, the purge ran. Now the engine runs the blocking checks again right
before acting ("changed since the plan"), and the console withdraws the box when health worsens.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Awaitable, Callable

from msgops.console.screens.confirm import ConfirmScreen
from msgops.console.screens.runbook import ConfirmationRequested, RunbookScreen
from msgops.probes.rabbitmq.assess import assess
from msgops.probes.rabbitmq.collect import RabbitProbe
from msgops.runbooks.audit import AuditLog
from msgops.runbooks.engine import Executor, RunResult
from msgops.runbooks.journal import Journal
from msgops.runbooks.model import RunContext, RunExit, Step
from msgops.runbooks.rabbitmq.queue_reset import QueueReset

from tests.partition_checks import flat
from tests.tui import runbook_driver as drive
from tests.tui.fixtures import screen_text

REFUSING_CHECKS = {"no partition", "management API"}
"""What the re-check can fail on when a cut is new: the partition itself, or (on the real 3.10, for
the ~10 s until net_ticktime notices the cut) every API's overview and nodes hanging."""


async def until_partition_seen(target, timeout: float) -> float:
    """Poll the target through a fresh probe until it reports the partition; returns seconds waited."""
    started = time.monotonic()
    probe = RabbitProbe(target)
    try:
        while True:
            findings = assess(await probe.poll(light=True))
            if any(f.code == "partition" for f in findings):
                return time.monotonic() - started
            assert time.monotonic() - started < timeout, (
                f"no partition seen within {timeout:g}s: " + "; ".join(f"{f.code} {f.subject}" for f in findings))
            await asyncio.sleep(0.5)
    finally:
        await probe.aclose()


class PartitionWhileConfirming:
    """A Confirmer that is the world changing while the operator reads the plan and types: its
    ``confirm()`` partitions the cluster, waits until the probe sees it, then answers "typed"."""

    def __init__(self, partition: Callable[[], Awaitable[None]]) -> None:
        self.partition = partition
        self.asked: list[str | None] = []

    async def confirm(self, steps: list[Step], ctx: RunContext) -> tuple[bool, str]:
        self.asked = [s.confirm_name for s in steps]
        await self.partition()
        return True, "typed"


async def purge_racing_a_partition(target, state_dir: Path, queue: str,
                                   partition: Callable[[], Awaitable[None]]) -> tuple[RunResult, list[dict], list]:
    """queue-reset purge run in-process by the engine the console and the CLI share."""
    events: list[dict] = []
    confirmer = PartitionWhileConfirming(partition)
    result = await Executor(state_dir, on_event=events.append).run(
        QueueReset(), target, {"target": target.name, "queue": queue, "mode": "purge"}, confirmer)
    return result, events, confirmer.asked


def check_refused_by_the_recheck(result: RunResult, events: list[dict], asked: list, state_dir: Path, key: str,
                                 queue: str, refusing: set[str] = frozenset({"no partition"})) -> None:
    """Preflight passed, the name was "typed", the step was refused before acting; audited."""
    assert asked == [queue], "preflight must have passed and asked for the typed name"
    passed = {e["check"]: e["ok"] for e in events if e["event"] == "preflight" and e["check"] == "no partition"}
    assert passed.get("no partition") is True, events
    assert result.exit is RunExit.PREFLIGHT_REFUSED, result
    assert "changed since the plan" in result.message and "nothing was changed" in result.message, result.message
    assert result.steps_done == []
    (recheck,) = [e for e in events if e["event"] == "recheck"]
    assert recheck["ok"] is False and {c["check"] for c in recheck["checks"]} & refusing, recheck
    assert not [e for e in events if e["event"] == "polling"], "polling was never paused: nothing was acted on"
    check_refusal_audited(state_dir, result.run_id, refusing)
    assert Journal(state_dir, key).load() is None, "a refused first step leaves no journal to resume"


def check_refusal_audited(state_dir: Path, run_id: str, refusing: set[str]) -> None:
    audit = AuditLog(state_dir / "audit.jsonl").entries(run_id)
    assert [a["event"] for a in audit] == ["start", "confirmed", "step", "end"], audit
    step, end = audit[2], audit[3]
    assert step["outcome"] == "refused" and step["detail"].startswith("changed since the plan"), step
    assert end["outcome"] == "preflight_refused" and end["exit_code"] == int(RunExit.PREFLIGHT_REFUSED), end
    failed = {c["check"]: c["reason"] for c in end["failed_checks"]}
    assert set(failed) & refusing, end
    assert all(reason for reason in failed.values()), end
    if "no partition" in failed:
        assert "network partition" in failed["no partition"], end


# -- the console -----------------------------------------------------------------------------------
def run_events(messages, mark: int) -> list[dict]:
    """This run's events, each once (a message is hooked at every pump it reaches as it bubbles)."""
    seen: dict[int, dict] = {}
    for event in drive.events(messages, mark):
        seen.setdefault(id(event), event)
    return list(seen.values())


async def confirmation_open(app, pilot, messages, key: str, queue: str) -> int:
    """Open the queue, press `p`, wait for the typed-confirmation modal; the run's event mark."""
    await drive.open_queue(app, pilot, messages, key, queue)
    mark = await drive.start_reset(pilot, messages, "purge")
    await messages.wait_for(lambda m: isinstance(m, ConfirmationRequested), 60, after=mark)
    await pilot.pause()
    assert isinstance(app.screen, ConfirmScreen), app.screen_stack
    return mark


async def check_withdrawn(app, pilot, messages, mark: int, state_dir: Path, timeout: float) -> dict:
    """The modal goes away by itself, nothing done: not_confirmed, "withdrawn: … health worsened"."""
    outcome = await drive.result(messages, mark, timeout=timeout)
    await pilot.pause()
    assert outcome["outcome"] == "not_confirmed", run_events(messages, mark)
    assert "withdrawn: the target's health worsened while the confirmation was open" in outcome["message"], outcome
    assert "nothing was changed" in outcome["message"]
    assert not isinstance(app.screen, ConfirmScreen) and isinstance(app.screen, RunbookScreen), app.screen_stack
    assert flat("withdrawn: the target's health worsened") in flat(screen_text(app))
    kinds = [e["event"] for e in run_events(messages, mark)]
    assert "step" not in kinds and "recheck" not in kinds and "polling" not in kinds, kinds
    audit = AuditLog(state_dir / "audit.jsonl").entries(outcome["audit_id"])
    assert [a["event"] for a in audit] == ["start", "end"], audit
    assert audit[-1]["outcome"] == "not_confirmed"
    return outcome


async def type_and_check_refused(app, pilot, messages, mark: int, key: str, queue: str, state_dir: Path,
                                 refusing: set[str], timeout: float = 90) -> dict:
    """The console has not seen the change: the box is still open and takes the name; the engine's
    re-check refuses the step."""
    assert isinstance(app.screen, ConfirmScreen), "the console must not have seen the change yet"
    assert not any(f.code == "partition" for f in app.estate.states[key].findings)
    await pilot.press(*queue, "enter")
    outcome = await drive.result(messages, mark, timeout=timeout)
    await pilot.pause()
    assert outcome["outcome"] == "preflight_refused", run_events(messages, mark)
    assert "changed since the plan" in outcome["message"] and "nothing was changed" in outcome["message"], outcome
    (recheck,) = [e for e in run_events(messages, mark) if e["event"] == "recheck"]
    assert recheck["ok"] is False and {c["check"] for c in recheck["checks"]} & refusing, recheck
    seen = flat(screen_text(app))  # the outcome line (the log above may have scrolled past the re-check)
    assert flat("PREFLIGHT_REFUSED: step") in seen and flat("changed since the plan") in seen, screen_text(app)
    check_refusal_audited(state_dir, outcome["audit_id"], refusing)
    return outcome

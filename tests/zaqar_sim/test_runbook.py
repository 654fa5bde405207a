"""pool-reweight on the simulator: plan (shares before → after, raises before lowers), runs, every
refusal, the re-check right before each step catching what changed since the plan, a partial run,
resume after a crash, and the headless command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from msgops.runbooks.audit import AuditLog
from msgops.runbooks.engine import Executor, HeadlessConfirmer
from msgops.runbooks.model import RunExit
from msgops.runbooks.zaqar.reweight import PoolReweight
from msgops.sim.zaqar import Timings, ZaqarSim

from .helpers import inventory, noauth_toml


@pytest.fixture
def sim():
    s = ZaqarSim(pools=3, timings=Timings.fast(0.5), seed=1).start_in_thread()  # POOL1..3 at 100
    try:
        yield s
    finally:
        s.stop_in_thread()


@pytest.fixture
def setup(tmp_path, sim):
    _, inv = inventory(tmp_path, noauth_toml(sim, name="z", call_timeout=3.0, health_timeout=5.0))
    return inv, inv.targets[0]


def weights(sim) -> dict[str, int]:
    return {name: pool.weight for name, pool in sim.model.pools.items()}


async def run(inv, target, params, confirmer=None, pauser=None, **kwargs):
    events: list[dict] = []
    executor = Executor(inv.settings.state_dir, read_only=inv.settings.read_only, pauser=pauser,
                        on_event=events.append)
    result = await executor.run(PoolReweight(), target, {"target": target.name, **params},
                                confirmer or HeadlessConfirmer(True, ("POOL1", "POOL2", "POOL3", "reweight-2-pools",
                                                                      "reweight-3-pools")), **kwargs)
    return result, events


def failed(events: list[dict]) -> str:
    return json.dumps([e for e in events if e["event"] in ("preflight", "recheck", "result")])


async def test_plan_shows_shares_and_raises_before_lowers(setup, sim):
    inv, target = setup
    events: list[dict] = []
    result = await Executor(inv.settings.state_dir, on_event=events.append).plan(
        PoolReweight(), target, {"target": "z", "weights": "POOL1=0,POOL2=200"})
    assert result.exit is RunExit.OK and weights(sim) == {"POOL1": 100, "POOL2": 100, "POOL3": 100}
    shares = next(e for e in events if e["event"] == "preflight" and e["check"].startswith("shares"))
    assert shares["reason"] == "POOL1 33%, POOL2 33%, POOL3 33% → POOL1 0%, POOL2 67%, POOL3 33%"
    (plan,) = [e for e in events if e["event"] == "plan"]
    assert [s["id"] for s in plan["steps"]] == ["weight-POOL2", "weight-POOL1"]
    assert {s["confirm"] for s in plan["steps"]} == {"reweight-2-pools"}


async def test_drain_one_pool_then_bring_it_back(setup, sim):
    inv, target = setup
    result, events = await run(inv, target, {"pool": "POOL1", "weight": "0"})
    assert result.exit is RunExit.OK, failed(events)
    assert weights(sim)["POOL1"] == 0
    assert [e["status"] for e in events if e["event"] == "step"] == ["started", "done"]
    for _ in range(40):
        sim.model.create_queue("demo", f"after-drain-{_}")
    assert "POOL1" not in {sim.model.pool_of("demo", f"after-drain-{i}") for i in range(40)}
    result, _ = await run(inv, target, {"pool": "POOL1", "weight": "100"})
    assert result.exit is RunExit.OK and weights(sim)["POOL1"] == 100
    records = AuditLog(inv.settings.state_dir / "audit.jsonl").path.read_text().splitlines()
    ends = [json.loads(r) for r in records if json.loads(r)["event"] == "end"]
    assert [e["outcome"] for e in ends] == ["ok", "ok"]


@pytest.mark.parametrize("params, exit_code, needle", [
    ({"weights": "POOL1=0,POOL2=0,POOL3=0"}, RunExit.PREFLIGHT_REFUSED, "leaves every pool at weight 0"),
    ({"pool": "NOPE", "weight": "5"}, RunExit.PREFLIGHT_REFUSED, "no pool NOPE"),
    ({"pool": "POOL1", "weight": "-1"}, RunExit.USAGE, "expected an integer"),
    ({"pool": "POOL1", "weight": "5", "weights": "POOL2=1"}, RunExit.USAGE, "not both"),
    ({"weights": "POOL1=1,POOL1=2"}, RunExit.USAGE, "named twice"),
    ({"pool": "POOL1"}, RunExit.USAGE, "missing --param"),
    ({"pool": "PO/OL", "weight": "1"}, RunExit.USAGE, "not a pool name"),
])
async def test_refusals(setup, sim, params, exit_code, needle):
    inv, target = setup
    result, events = await run(inv, target, params)
    assert result.exit is exit_code and needle in failed(events), failed(events)
    assert weights(sim) == {"POOL1": 100, "POOL2": 100, "POOL3": 100}


async def test_raising_a_dead_pool_is_refused(setup, sim):
    inv, target = setup
    sim.model.update_pool("POOL3", weight=0)
    sim.store_down("POOL3")
    result, events = await run(inv, target, {"pool": "POOL3", "weight": "100"})
    assert result.exit is RunExit.PREFLIGHT_REFUSED
    assert "UNREACHABLE now: raising it sends new queues to a dead store" in failed(events)
    result, events = await run(inv, target, {"pool": "POOL3", "weight": "0"})  # draining it: allowed
    assert result.exit is RunExit.OK, failed(events)


async def test_wrong_confirmation_and_read_only(tmp_path, setup, sim):
    inv, target = setup
    result, _ = await run(inv, target, {"pool": "POOL1", "weight": "5"}, HeadlessConfirmer(True, ("POOL2",)))
    assert result.exit is RunExit.NOT_CONFIRMED and "--confirm 'POOL1'" in result.message
    result, _ = await run(inv, target, {"weights": "POOL1=5,POOL2=6"}, HeadlessConfirmer(True, ("POOL1",)))
    assert result.exit is RunExit.NOT_CONFIRMED and "reweight-2-pools" in result.message
    _, ro = inventory(tmp_path, noauth_toml(sim, name="z"), read_only=True)
    result, _ = await run(ro, ro.targets[0], {"pool": "POOL1", "weight": "5"})
    assert result.exit is RunExit.PREFLIGHT_REFUSED and "read-only" in result.message
    assert weights(sim)["POOL1"] == 100


class Meddler:
    """Confirms, but first changes the target the way the world would while an operator reads."""

    def __init__(self, change) -> None:  # noqa: ANN001
        self.change = change

    async def confirm(self, steps, ctx):  # noqa: ANN001, ANN201
        self.change()
        return True, "typed"


async def test_recheck_catches_a_store_that_died_since_the_plan(setup, sim):
    inv, target = setup
    sim.model.update_pool("POOL3", weight=10)
    result, events = await run(inv, target, {"pool": "POOL3", "weight": "100"},
                               Meddler(lambda: sim.store_down("POOL3")))
    assert result.exit is RunExit.PREFLIGHT_REFUSED and "changed since the plan" in result.message
    assert "POOL3 storage reachable: UNREACHABLE now" in result.message
    assert weights(sim)["POOL3"] == 10


async def test_recheck_catches_a_lower_that_now_leaves_every_pool_at_zero(setup, sim):
    inv, target = setup

    def others_drained():
        sim.model.update_pool("POOL2", weight=0)
        sim.model.update_pool("POOL3", weight=0)
    result, events = await run(inv, target, {"pool": "POOL1", "weight": "0"}, Meddler(others_drained))
    assert result.exit is RunExit.PREFLIGHT_REFUSED
    assert "lowering POOL1 to 0 now leaves every pool at 0" in result.message
    assert weights(sim)["POOL1"] == 100


class AfterFirstStep:
    """A Pauser whose first resume (after the first step) runs ``action``."""

    def __init__(self, action) -> None:  # noqa: ANN001
        self.action, self.resumed = action, 0

    def pause(self, key: str, reason: str) -> None:
        pass

    def resume(self, key: str, reason: str) -> None:
        self.resumed += 1
        if self.resumed == 1:
            self.action()


async def test_a_later_refusal_leaves_a_partial_run(setup, sim):
    inv, target = setup

    def world():
        sim.model.update_pool("POOL2", weight=0)
        sim.model.update_pool("POOL3", weight=0)
    result, events = await run(inv, target, {"weights": "POOL2=150,POOL1=0"}, pauser=AfterFirstStep(world))
    assert result.exit is RunExit.PARTIAL and result.steps_done == ["weight-POOL2"]
    assert weights(sim) == {"POOL1": 100, "POOL2": 0, "POOL3": 0}


class Crash(BaseException):
    """Stands for the process dying (SIGKILL) between a step's change and its journal entry."""


async def test_resume_after_a_crash(setup, sim):
    inv, target = setup

    def die():
        raise Crash()
    with pytest.raises(Crash):
        await run(inv, target, {"weights": "POOL2=150,POOL1=0"}, pauser=AfterFirstStep(die))
    assert weights(sim)["POOL2"] == 150 and weights(sim)["POOL1"] == 100
    result, events = await run(inv, target, {"weights": "POOL2=150,POOL1=0"})
    assert result.exit is RunExit.OK, failed(events)
    assert any(e["event"] == "resume" for e in events)
    assert weights(sim) == {"POOL1": 0, "POOL2": 150, "POOL3": 100}


def test_headless_command(tmp_path, sim):
    path, _ = inventory(tmp_path, noauth_toml(sim, name="z"))

    def msgops(*args):
        return subprocess.run([sys.executable, "-m", "msgops.console.cli", "--inventory", str(path), *args],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
                              env={**os.environ, "MSGOPS_STATE_DIR": str(tmp_path / "state")})
    out = msgops("runbook", "plan", "pool-reweight", "--param", "target=z", "--param", "pool=POOL2",
                 "--param", "weight=300")
    assert out.returncode == 0 and "POOL1 33%, POOL2 33%, POOL3 33% → POOL1 20%, POOL2 60%, POOL3 20%" in out.stdout
    out = msgops("runbook", "run", "pool-reweight", "--param", "target=z", "--param", "pool=POOL2",
                 "--param", "weight=300", "--yes", "--confirm", "POOL2", "--json")
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert out.returncode == 0 and docs[-1]["event"] == "result" and docs[-1]["outcome"] == "ok", out.stdout
    assert weights(sim)["POOL2"] == 300
    out = msgops("runbook", "run", "pool-reweight", "--param", "target=z", "--param", "pool=POOL2",
                 "--param", "weight=1", "--yes", "--confirm", "POOL1")
    assert out.returncode == RunExit.NOT_CONFIRMED and weights(sim)["POOL2"] == 300


async def test_a_held_lock_refuses_a_second_run(setup, sim):
    from msgops.runbooks.lock import TargetLock

    inv, target = setup
    lock = TargetLock.for_target(inv.settings.state_dir, "zaqar/z", "pool-reweight")
    lock.acquire()
    try:
        result, events = await run(inv, target, {"pool": "POOL1", "weight": "0"})
    finally:
        lock.release()
    assert result.exit is RunExit.LOCK_HELD and weights(sim)["POOL1"] == 100
    assert any(e["event"] == "lock" for e in events)

"""The failover runbook headless, as automation runs it (``msgops runbook plan|run failover ... --json``
in a subprocess) against a replica set over real TCP (the simulator; real mongod when on PATH), and
in-process for the race between the plan and the step."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pymongo
import pytest

from msgops.probes.registry import spec
from msgops.runbooks.audit import AuditLog
from msgops.runbooks.engine import Executor, HeadlessConfirmer
from msgops.runbooks.model import RunExit
from tests.mongodb.backends import PASSWORD, SimBackend, inventory

MSGOPS = str(Path(sys.executable).with_name("msgops"))


def msgops(path: Path, *args: str, timeout: float = 90) -> tuple[int, list[dict], str]:
    """Run ``msgops --inventory path ARGS --json``; (exit code, JSON events, stderr)."""
    done = subprocess.run([MSGOPS, "--inventory", str(path), *args, "--json"], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert PASSWORD not in done.stdout + done.stderr
    return done.returncode, events, done.stderr


def of(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["event"] == kind]


def run_args(*params: str, confirm: str | None = "catalog") -> list[str]:
    args = ["runbook", "run", "failover", "--param", "target=catalog", *(a for p in params for a in ("--param", p)),
            "--yes"]
    return args + (["--confirm", confirm] if confirm else [])


def test_plan_names_the_successor_and_changes_nothing(backend, tmp_path):
    path, _ = inventory(backend, tmp_path)
    primary = backend.primary()
    code, events, _ = msgops(path, "runbook", "plan", "failover", "--param", "target=catalog")
    assert code == RunExit.OK, events
    (plan,) = of(events, "plan")
    (step,) = plan["steps"]
    assert step["id"] == "step-down" and step["confirm"] == "catalog" and primary in step["title"]
    assert "most likely successor 127.0.0.1:" in step["title"] and "verified within" in step["title"]
    assert "writes pause" in step["warning"]
    checks = {e["check"]: e for e in of(events, "preflight")}
    assert checks["electable secondary"]["ok"] and checks["voting majority healthy"]["ok"]
    assert not checks["writes pause"]["blocking"]
    assert backend.primary() == primary


def test_failover_succeeds_and_writes_follow_the_new_primary(backend, tmp_path):
    path, inv = inventory(backend, tmp_path)
    old = backend.primary()
    code, events, stderr = msgops(path, *run_args())
    assert code == RunExit.OK, (events, stderr)
    (result,) = of(events, "result")
    (verify,) = of(events, "final_verify")
    assert verify["ok"] and f"(was {old}, term" in verify["detail"] and f"{old} is SECONDARY" in verify["detail"]
    assert f"clients of the set select {backend.primary()}" in verify["detail"]
    step = next(e for e in of(events, "step") if e["status"] == "done")
    assert step["id"] == "step-down" and ("stepped down" in step["detail"] or "dropped" in step["detail"])
    new = backend.primary()
    assert new != old
    with pymongo.MongoClient(backend.uri(), serverSelectionTimeoutMS=10000, timeoutMS=20000) as client:
        reply = client.catalog.command({"insert": "queues", "documents": [{"after": "failover"}]})
        assert reply["ok"] == 1.0 and client.primary == tuple_of(new)
    audit = AuditLog(inv.settings.state_dir / "audit.jsonl")
    entries = audit.entries(result["audit_id"])
    assert [e["event"] for e in entries] == ["start", "confirmed", "step", "end"]
    assert PASSWORD not in (inv.settings.state_dir / "audit.jsonl").read_text()


def tuple_of(host: str) -> tuple[str, int]:
    name, _, port = host.rpartition(":")
    return name, int(port)


def test_a_primary_that_hangs_up_on_step_down_is_expected(tmp_path):
    """Servers before 4.2 close every connection when they step down: not an error."""
    old_style = SimBackend(close_on_step_down=True).start()
    try:
        path, _ = inventory(old_style, tmp_path)
        old = old_style.primary()
        code, events, _ = msgops(path, *run_args())
        assert code == RunExit.OK, events
        assert old_style.primary() != old and of(events, "final_verify")[0]["ok"]
    finally:
        old_style.stop()


def test_refused_without_an_electable_secondary(simset, tmp_path):
    path, _ = inventory(simset, tmp_path)
    primary = simset.primary()
    simset.sim.refuse_step_down(30)  # every secondary 30 s behind, more than the 10 s catch-up
    code, events, _ = msgops(path, *run_args())
    assert code == RunExit.PREFLIGHT_REFUSED, events
    failed = [e for e in of(events, "preflight") if not e["ok"]]
    assert [e["check"] for e in failed] == ["electable secondary"] and failed[0]["override"] == "force"
    assert re.search(r"(29|30|31)s behind \(> 10s catch-up\)", failed[0]["reason"]) and not of(events, "step")
    assert simset.primary() == primary


def test_the_server_refusing_changes_nothing(backend, tmp_path):
    """Secondaries frozen behind msgops's back (replSetStatus does not show it): the server answers 262
    after the catch-up period and the step fails, saying nothing changed."""
    path, _ = inventory(backend, tmp_path)
    primary = backend.primary()
    for host in backend.secondaries():
        with pymongo.MongoClient(backend.uri().split("@")[0] + "@" + host + "/?directConnection=true",
                                 serverSelectionTimeoutMS=5000, timeoutMS=5000) as direct:
            direct.admin.command({"replSetFreeze": 30})
    code, events, _ = msgops(path, *run_args("catch_up_secs=1", "step_down_secs=10"))
    assert code == RunExit.STEP_FAILED, events
    failed = next(e for e in of(events, "step") if e["status"] == "failed")
    assert "262" in failed["detail"] and "nothing changed" in failed["detail"] and failed["next"]
    assert backend.primary() == primary


def test_not_confirmed_and_read_only(simset, tmp_path):
    path, _ = inventory(simset, tmp_path)
    code, events, _ = msgops(path, *run_args(confirm="wrong-name"))
    assert code == RunExit.NOT_CONFIRMED and "--confirm 'catalog'" in of(events, "result")[0]["message"]
    code, events, _ = msgops(path, "--read-only", *run_args())
    assert code == RunExit.PREFLIGHT_REFUSED and "read-only" in of(events, "result")[0]["message"]


def test_freeze_keeps_a_secondary_from_being_elected(simset, tmp_path):
    path, _ = inventory(simset, tmp_path)
    frozen, other = simset.secondaries()
    code, events, _ = msgops(path, *run_args(f"freeze={frozen}"))
    assert code == RunExit.OK, events
    assert [s["id"] for s in of(events, "plan")[0]["steps"]] == ["freeze", "step-down"]
    assert of(events, "recheck")[0]["step"] == "freeze" and len(of(events, "recheck")) == 2
    assert simset.primary() == other


def test_a_one_member_set_needs_force_and_the_typed_name(tmp_path):
    single = SimBackend(members=1).start()
    try:
        path, _ = inventory(single, tmp_path)
        code, events, _ = msgops(path, *run_args())
        refused = next(e for e in of(events, "preflight") if not e["ok"])
        assert code == RunExit.PREFLIGHT_REFUSED and "a one-member set" in refused["reason"]
        code, events, _ = msgops(path, *run_args("force=true", "step_down_secs=2", "catch_up_secs=0", confirm=None))
        assert code == RunExit.NOT_CONFIRMED  # forced or not, the set's name is typed
        old_term = single.sim.primary.term
        code, events, _ = msgops(path, *run_args("force=true", "step_down_secs=2", "catch_up_secs=0"))
        assert code == RunExit.OK, events
        assert single.sim.primary is not None and single.sim.primary.term > old_term  # back after stepDownSecs
    finally:
        single.stop()


class ChangingConfirmer(HeadlessConfirmer):
    """Confirms, but the set changes while the operator reads the plan (the race the recheck closes)."""

    def __init__(self, change) -> None:  # noqa: ANN001
        super().__init__(yes=True, names=("catalog",))
        self.change = change

    async def confirm(self, steps, ctx):  # noqa: ANN001, ANN201
        self.change()
        return await super().confirm(steps, ctx)


@pytest.mark.parametrize("change,check", [
    ("secondaries fall behind", "electable secondary"),
    ("the primary changes", "primary unchanged"),
])
async def test_a_change_between_plan_and_step_is_refused(simset, tmp_path, change, check):
    _, inv = inventory(simset, tmp_path)
    (target,) = inv.of_tier("mongodb")
    primary = simset.primary()

    def act() -> None:
        if change == "secondaries fall behind":
            simset.sim.refuse_step_down(30)
        else:
            simset.sim.step_down(5)
            deadline = time.monotonic() + 5
            while simset.sim.primary is None and time.monotonic() < deadline:
                time.sleep(0.05)

    events: list[dict] = []
    executor = Executor(inv.settings.state_dir, on_event=events.append)
    (failover,) = spec("mongodb").runbook_classes()
    result = await executor.run(failover(), target, {"target": "catalog"}, ChangingConfirmer(act))
    assert result.exit is RunExit.PREFLIGHT_REFUSED, result.message
    assert "changed since the plan" in result.message and check in result.message
    assert "nothing was changed" in result.message
    recheck = next(e for e in events if e["event"] == "recheck")
    assert not recheck["ok"] and [c["check"] for c in recheck["checks"]] == [check]
    assert not [e for e in events if e["event"] == "step" and e["status"] == "started"]
    if change == "secondaries fall behind":
        assert simset.primary() == primary  # nothing was stepped down

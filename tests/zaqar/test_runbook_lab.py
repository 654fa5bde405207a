"""pool-reweight against the REAL lab, headless (`msgops runbook ...` in a subprocess, no stdin):
a multi-pool plan end to end and what it does to placement (200 new queues checked in the management
store), a reweight through Keystone, and every refusal (all at zero, raising a dead pool, a wrong
confirmation, read-only)."""

from __future__ import annotations

import json
import uuid

import pytest

from msgops.runbooks.model import RunExit

from .conftest import token
from .helpers import LAB_WEIGHTS, create_queues, lab_inventory, msgops, placement, restore, weights

pytestmark = pytest.mark.lab


@pytest.fixture
def lab(zaqar_lab):
    restore(zaqar_lab)
    yield zaqar_lab
    restore(zaqar_lab)


def run(inventory, *params: str, confirm: str | None = None, options: tuple[str, ...] = ()):
    args = [*options, "runbook", "run", "pool-reweight", "--param", "target=lab"]
    for p in params:
        args += ["--param", p]
    if confirm is not None:
        args += ["--yes", "--confirm", confirm]
    return msgops(inventory, *args, "--json")


def events(out) -> list[dict]:
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def test_drain_pool1_then_new_queues_avoid_it(lab, tmp_path):
    inventory = lab_inventory(lab, tmp_path)
    out = run(inventory, "weights=POOL1=0,POOL3=100", confirm="reweight-2-pools")
    docs = events(out)
    assert out.returncode == RunExit.OK, out.stdout + out.stderr
    plan = next(d for d in docs if d["event"] == "plan")
    assert [s["id"] for s in plan["steps"]] == ["weight-POOL3", "weight-POOL1"]  # raise before lower
    shares = next(d for d in docs if d["event"] == "preflight" and d["check"].startswith("shares"))
    assert shares["reason"] == "POOL1 40%, POOL2 40%, POOL3 20% → POOL1 0%, POOL2 50%, POOL3 50%"
    assert [d["ok"] for d in docs if d["event"] == "recheck"] == [True, True]
    assert weights(lab) == {"POOL1": 0, "POOL2": 100, "POOL3": 100}
    prefix = f"drained-{uuid.uuid4().hex[:6]}-"
    names = [f"{prefix}{i:03d}" for i in range(200)]
    create_queues(lab, names)
    placed = placement(lab, prefix)
    assert sorted(placed) == names
    per_pool = {pool: sum(1 for p in placed.values() if p == pool) for pool in ("POOL1", "POOL2", "POOL3")}
    print(f"200 queues after draining POOL1: {per_pool}")
    assert per_pool["POOL1"] == 0 and per_pool["POOL2"] > 0 and per_pool["POOL3"] > 0
    audit = [json.loads(line) for line in (tmp_path / "state" / "audit.jsonl").read_text().splitlines()]
    assert audit[0]["runbook"] == "pool-reweight" and audit[0]["params"]["weights"] == "POOL1=0,POOL3=100"
    assert audit[-1]["event"] == "end" and audit[-1]["outcome"] == "ok"


def test_reweight_through_keystone(lab, tmp_path):
    inventory = lab_inventory(lab, tmp_path)
    out = msgops(inventory, "runbook", "run", "pool-reweight", "--param", "target=ks", "--param", "pool=POOL3",
                 "--param", "weight=60", "--yes", "--confirm", "POOL3", "--json")
    assert out.returncode == RunExit.OK, out.stdout + out.stderr
    admin = token(lab.admin_credentials)
    assert weights(lab, keystone_token=admin)["POOL3"] == 60
    assert weights(lab)["POOL3"] == LAB_WEIGHTS["POOL3"]  # the other Zaqar has its own management store
    assert admin not in out.stdout + out.stderr


def test_refusals(lab, tmp_path):
    inventory = lab_inventory(lab, tmp_path)
    out = run(inventory, "weights=POOL1=0,POOL2=0,POOL3=0", confirm="reweight-3-pools")
    assert out.returncode == RunExit.PREFLIGHT_REFUSED and "leaves every pool at weight 0" in out.stdout
    out = run(inventory, "pool=POOL2", "weight=250", confirm="POOL1")
    assert out.returncode == RunExit.NOT_CONFIRMED and "--confirm 'POOL2'" in out.stdout
    out = run(inventory, "pool=POOL2", "weight=250", confirm="POOL2", options=("--read-only",))
    assert out.returncode == RunExit.PREFLIGHT_REFUSED and "read-only" in out.stdout
    assert weights(lab) == LAB_WEIGHTS
    lab.stop_pool(3)
    out = run(inventory, "pool=POOL3", "weight=100", confirm="POOL3")
    assert out.returncode == RunExit.PREFLIGHT_REFUSED, out.stdout
    assert "POOL3 storage reachable" in out.stdout and "UNREACHABLE now" in out.stdout
    plan = msgops(inventory, "runbook", "plan", "pool-reweight", "--param", "target=lab", "--param", "pool=POOL3",
                  "--param", "weight=0")
    assert plan.returncode == RunExit.OK, plan.stdout  # draining the dead pool is what is allowed
    assert weights(lab) == LAB_WEIGHTS

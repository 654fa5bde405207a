"""queue-reset against the REAL lab cluster, headless (`msgops runbook ...` in a subprocess, no stdin):
each mode end to end, every refusal, a run killed between steps and resumed, the audit log, and a
planted password that must never leak."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from msgops.runbooks.audit import AuditLog

from .conftest import codes, probe_until, queue_info, seed_queue, unsynchronise, unsynchronised_mirrors, wait_for

pytestmark = [pytest.mark.lab]


@pytest.fixture
def env(rabbit_lab, tmp_path):
    """A fresh state dir per test; the lab's inventory (its password is the planted secret)."""
    state = tmp_path / "state"
    environ = {**os.environ, "MSGOPS_STATE_DIR": str(state)}
    environ.pop(STEP_PAUSE, None)
    return {"env": environ, "state": state, "inventory": str(rabbit_lab.inventory_path), "lab": rabbit_lab}


STEP_PAUSE = "MSGOPS_RUNBOOK_STEP_PAUSE"


def msgops(env, *args, extra_env=None):
    return subprocess.run(
        [sys.executable, "-m", "msgops.console.cli", "--inventory", env["inventory"], *args],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=240,
        env={**env["env"], **(extra_env or {})})


def reset(env, queue, mode, *flags, json_out=True):
    args = ["runbook", "run", "queue-reset", "--param", "target=lab", "--param", f"queue={queue}",
            "--param", f"mode={mode}", *flags]
    return msgops(env, *args, *(["--json"] if json_out else []))


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def assert_no_secret(env, *texts):
    secret = env["lab"].password
    for text in texts:
        assert secret not in text
    for path in Path(env["state"]).rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(errors="replace"), path


def test_purge_end_to_end_and_audit(env):
    lab = env["lab"]
    seed_queue(lab, "rb.purge", 30)
    out = reset(env, "rb.purge", "purge", "--yes", "--confirm", "rb.purge")
    assert out.returncode == 0, out.stdout + out.stderr
    evs = events(out.stdout)
    assert [e["check"] for e in evs if e["event"] == "preflight"][:3] == ["version", "no partition", "queue exists"]
    assert any(e["event"] == "step" and e["status"] == "done" and e["id"] == "purge" for e in evs)
    assert any(e["event"] == "polling" and e["paused"] for e in evs)
    result = evs[-1]
    assert result["event"] == "result" and result["outcome"] == "ok"
    assert (queue_info(lab, "rb.purge") or {}).get("messages_ready") == 0
    audit = AuditLog(env["state"] / "audit.jsonl").entries(result["audit_id"])
    kinds = [a["event"] for a in audit]
    assert kinds == ["start", "confirmed", "step", "end"]
    start, step, end = audit[0], audit[2], audit[3]
    assert start["runbook"] == "queue-reset" and start["target"] == "rabbitmq/lab"
    assert start["params"]["queue"] == "rb.purge" and start["who"]["user"] and start["host"]
    assert "***" in start["target_url"]
    assert step["outcome"] == "done" and step["seconds"] >= 0
    assert end["outcome"] == "ok" and end["exit_code"] == 0
    assert_no_secret(env, out.stdout, out.stderr)


def test_delete_guarded_then_forced(env):
    lab = env["lab"]
    seed_queue(lab, "rb.delete", 5)
    refused = reset(env, "rb.delete", "delete", "--yes", "--confirm", "rb.delete")
    assert refused.returncode == 2
    assert "delete guards" in refused.stdout and queue_info(lab, "rb.delete") is not None
    done = reset(env, "rb.delete", "delete", "--param", "force=true", "--yes", "--confirm", "rb.delete")
    assert done.returncode == 0, done.stdout + done.stderr
    assert queue_info(lab, "rb.delete") is None


def test_sync_resynchronises_mirrors(env):
    lab = env["lab"]
    unsynchronise(lab, "rb.sync", 10)
    wait_for(lambda: unsynchronised_mirrors(lab, "rb.sync"), 60, "an unsynchronised mirror")
    plan = msgops(env, "runbook", "plan", "queue-reset", "--param", "target=lab", "--param", "queue=rb.sync",
                  "--param", "mode=sync")
    assert plan.returncode == 0 and "sync blocks the queue" in plan.stdout
    out = reset(env, "rb.sync", "sync", "--yes", "--confirm", "rb.sync")
    assert out.returncode == 0, out.stdout + out.stderr
    assert not unsynchronised_mirrors(lab, "rb.sync")
    evs = events(out.stdout)
    assert any(e["event"] == "final_verify" and e["ok"] and "2/2" in e["detail"] for e in evs)


def test_quorum_queue_reports_which_modes_apply(env):
    out = reset(env, "qq.q1", "sync", "--yes", "--confirm", "qq.q1")
    assert out.returncode == 2
    assert "modes that apply: purge, delete" in out.stdout


def test_refusals_change_nothing(env):
    lab = env["lab"]
    seed_queue(lab, "rb.refuse", 3)
    wrong = reset(env, "rb.refuse", "purge", "--yes", "--confirm", "rb.refuseX")
    assert wrong.returncode == 4 and "got 'rb.refuseX'" in wrong.stdout
    no_yes = reset(env, "rb.refuse", "purge", "--confirm", "rb.refuse", json_out=False)
    assert no_yes.returncode == 4 and "--yes" in no_yes.stderr
    missing = reset(env, "rb.nonexistent", "purge", "--yes", "--confirm", "rb.nonexistent")
    assert missing.returncode == 2 and "does not exist" in missing.stdout
    read_only = msgops(env, "--read-only", "runbook", "run", "queue-reset", "--param", "target=lab",
                       "--param", "queue=rb.refuse", "--param", "mode=purge", "--yes", "--confirm", "rb.refuse")
    assert read_only.returncode == 2 and "read-only" in read_only.stderr
    plan_ro = msgops(env, "--read-only", "runbook", "plan", "queue-reset", "--param", "target=lab",
                     "--param", "queue=rb.refuse", "--param", "mode=purge")
    assert plan_ro.returncode == 0
    usage = msgops(env, "runbook", "run", "queue-reset", "--param", "target=lab", "--param", "mode=zap")
    assert usage.returncode == 64
    assert (queue_info(lab, "rb.refuse") or {}).get("messages") == 3
    outcomes = [a["outcome"] for a in AuditLog(env["state"] / "audit.jsonl").entries() if a["event"] == "end"]
    assert outcomes == ["not_confirmed", "not_confirmed", "preflight_refused", "preflight_refused"]
    assert_no_secret(env, wrong.stdout, no_yes.stdout, no_yes.stderr, read_only.stderr)


def test_lock_held_by_another_process_and_stale_lock(env):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from msgops.runbooks.lock import TargetLock\n"
         f"TargetLock.for_target({str(env['state'])!r}, 'rabbitmq/lab', 'queue-reset').acquire()\n"
         "print('locked', flush=True); time.sleep(float(sys.argv[1]))", "60"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        out = reset(env, "qq.q2", "purge", "--yes", "--confirm", "qq.q2", json_out=False)
        assert out.returncode == 5
        assert f"pid {holder.pid}" in out.stderr and "locked by" in out.stderr
    finally:
        holder.kill()
        holder.wait()
    stale = reset(env, "qq.q2", "purge", "--yes", "--confirm", "qq.q2", json_out=False)
    assert stale.returncode == 5 and "stale lock" in stale.stderr and "--break-stale-lock" in stale.stderr
    broken = reset(env, "qq.q2", "purge", "--yes", "--confirm", "qq.q2", "--break-stale-lock")
    assert broken.returncode == 0, broken.stdout + broken.stderr
    assert any(a["event"] == "stale_lock_broken" for a in AuditLog(env["state"] / "audit.jsonl").entries())


def test_audit_log_not_writable_stops_before_any_change(env):
    lab = env["lab"]
    seed_queue(lab, "rb.audit", 2)
    env["state"].mkdir(parents=True, exist_ok=True)
    (env["state"] / "audit.jsonl").mkdir()  # a directory where the log should be: cannot append
    out = reset(env, "rb.audit", "purge", "--yes", "--confirm", "rb.audit")
    assert out.returncode == 6 and "cannot write the audit log" in out.stdout
    assert (queue_info(lab, "rb.audit") or {}).get("messages") == 2


def test_killed_run_resumes(env):
    """SIGKILL after the purge is journaled (the run pauses between steps), then run again."""
    lab = env["lab"]
    seed_queue(lab, "rb.resume", 7)
    args = [sys.executable, "-m", "msgops.console.cli", "--inventory", env["inventory"], "runbook", "run",
            "queue-reset", "--param", "target=lab", "--param", "queue=rb.resume", "--param", "mode=purge",
            "--yes", "--confirm", "rb.resume", "--json"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, env={**env["env"], STEP_PAUSE: "60"})
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "step" and event["status"] == "done":
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    journal = next((env["state"] / "journals").glob("*.json"))
    assert json.loads(journal.read_text())["steps"] == {"purge": "done"}
    stale = reset(env, "rb.resume", "purge", "--yes", "--confirm", "rb.resume")
    assert stale.returncode == 5  # the dead run's lock is reported, not silently broken
    resumed = reset(env, "rb.resume", "purge", "--yes", "--confirm", "rb.resume", "--break-stale-lock")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    evs = events(resumed.stdout)
    assert evs[0]["event"] == "resume" and evs[0]["steps"] == {"purge": "done"}
    assert any(e["event"] == "step" and e["status"] == "already-done" for e in evs)
    assert not any(e["event"] == "step" and e["status"] == "started" for e in evs)
    assert not journal.exists()


@pytest.mark.partition
def test_partition_refuses_the_runbook(env, lab_target):
    lab = env["lab"]
    lab.cut(3)
    try:
        probe_until(lab_target, lambda f, s: "partition" in codes(f), 60, "partition visible")
        out = reset(env, "ha.q1", "purge", "--yes", "--confirm", "ha.q1")
        assert out.returncode == 2
        check = next(e for e in events(out.stdout) if e.get("check") == "no partition")
        assert not check["ok"] and "rabbit3" in check["reason"]
    finally:
        lab.heal(3)
    probe_until(lab_target, lambda f, s: any("partitions reported" in x.reason for x in f if x.code == "partition")
                or "partition" not in codes(f), 60, "link back")
    lab.restart_node(3)
    probe_until(lab_target, lambda f, s: "partition" not in codes(f) and "node_down" not in codes(f), 90, "recovered")

"""Every way a new user (or a hostile file) can hand msgops something unusable: one line, the
documented exit code, quickly, never a traceback.

- usage errors: exit 64, one line on stderr; `check` instead follows the Nagios rule (one line on
  stdout, exit 3, whatever went wrong);
- an unusable inventory (missing, not TOML, a FIFO, /dev/zero, > 1 MiB, a directory, nested
  100,000 deep, inf/nan timeouts, a CA file that is not PEM, an unknown key, a NUL in state_dir, a
  management URL with no host or port 99999, a tab in transport_url, max_reply_mb = 1e308):
  `check` one stdout line and 3, `status`/`runbook`/the console one stderr line and 78, within
  seconds;
- a state directory that cannot be created, or whose locks/journals cannot be written: one line,
  and every audit "start" has its "end";
- a corrupt lock file (garbage, not a record, a pid or time that is not one, nested too deeply, a
  FIFO) is a stale lock: reported, and broken by --break-stale-lock (audited); a corrupt journal is
  reported and dropped by --discard-journal (audited);
- a repeated --param is a usage error naming the parameter, never "last wins";
- `runbook list` works with no inventory anywhere;
- SIGINT/SIGTERM in the middle of a run: 128+N, the audit record ended, the lock released, the
  journal kept (the next run resumes).

All through the real `msgops` command in a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import CONFIG, MSGOPS, UNKNOWN, USAGE, assert_no_traceback, clean_env, lines, msgops, wait_until

QUICK = 5.0
"""Seconds within which a refusal must come (a FIFO or /dev/zero must not block or fill memory)."""

UNREACHABLE = '[rabbitmq.lab]\ntransport_url = "rabbit://ops:secret@127.0.0.1:1/"\n' \
              'management_urls = ["http://127.0.0.1:1"]\nhealth_timeout = 1.0\ncanary = false\n'
"""A well-formed target nobody listens for: runs that get past the lock fail fast in preflight."""


@pytest.fixture
def env(tmp_path):
    return clean_env(tmp_path)


def timed(*args: str, env: dict, timeout: float = 20.0):
    started = time.monotonic()
    out = msgops(*args, env=env, timeout=timeout)
    return out, time.monotonic() - started


# --- usage -------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["status", "--bogus"],
    ["runbook"],
    ["runbook", "frobnicate"],
    ["runbook", "plan"],
    ["--bogus"],
    ["status", "--json", "extra"],
    ["demo", "--queues", "many"],
])
def test_usage_error_is_64_with_one_stderr_line(args, env):
    out = msgops(*args, env=env)
    assert out.returncode == USAGE, (out.returncode, out.stdout, out.stderr)
    assert out.stdout == ""
    assert len(lines(out.stderr)) == 1, out.stderr
    assert out.stderr.startswith("msgops: ")
    assert_no_traceback(out.stdout, out.stderr)


@pytest.mark.parametrize("args", [
    ["check", "--bogus"],
    ["check", "extra"],
    ["--inventory", "x.toml", "check", "--bogus"],
    ["--inventory=x.toml", "--read-only", "check", "-v"],
])
def test_check_usage_error_is_one_stdout_line_and_unknown(args, env):
    """Nagios: a plugin that cannot run says so on stdout in one line and exits 3 (64 or 2 would be
    read as "unknown code" or CRITICAL by the monitoring system)."""
    out = msgops(*args, env=env)
    assert out.returncode == UNKNOWN, (out.returncode, out.stdout, out.stderr)
    assert len(lines(out.stdout)) == 1 and out.stdout.startswith("UNKNOWN - "), out.stdout
    assert out.stderr == ""
    assert_no_traceback(out.stdout)


# --- unusable inventories ------------------------------------------------------------------------


def _deep_array(path: Path) -> None:
    path.write_text("a = " + "[" * 100_000 + "\n")


def _deep_inline_table(path: Path) -> None:
    path.write_text("a = " + "{b = " * 50_000 + "1" + "}" * 50_000 + "\n")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


BAD_INVENTORIES = {
    "missing": lambda p: None,
    "not-toml": lambda p: p.write_text("[rabbitmq.lab\ntransport_url = \n"),
    "fifo": _fifo,
    "dev-zero": "/dev/zero",
    "over-1MiB": lambda p: p.write_text("# padding\n" * 120_000),
    "directory": lambda p: p.mkdir(),
    "deep-array": _deep_array,
    "deep-inline-table": _deep_inline_table,
    "timeout-inf": lambda p: p.write_text(UNREACHABLE + "queue_timeout = inf\n"),
    "timeout-nan": lambda p: p.write_text(UNREACHABLE.replace("health_timeout = 1.0", "health_timeout = nan")),
    "timeout-negative-inf": lambda p: p.write_text(UNREACHABLE + "poll_interval = -inf\n"),
    "bad-ca-file": "ca",
    "not-utf8": lambda p: p.write_bytes(b"[rabbitmq.lab]\ntransport_url = \"\xff\xfe\"\n"),
    "unknown-key": lambda p: p.write_text(UNREACHABLE + "tranport_url = \"x\"\n"),
    "state-dir-nul": lambda p: p.write_text(f'[settings]\nstate_dir = "{p.parent}/st\\u0000ate"\n' + UNREACHABLE),
    "mgmt-port-out-of-range": lambda p: p.write_text(UNREACHABLE.replace(":1\"]", ":99999\"]")),
    "mgmt-url-no-host": lambda p: p.write_text(UNREACHABLE.replace("http://127.0.0.1:1", "http://:15672")),
    "max-reply-overflow": lambda p: p.write_text(UNREACHABLE + "max_reply_mb = 1e308\n"),
    "transport-url-tab": lambda p: p.write_text(UNREACHABLE.replace("ops:secret@", "ops:sec\\tret@")),
}


def make_bad(kind: str, tmp_path: Path) -> str:
    """The inventory path for ``kind`` (created as that kind of unusable thing)."""
    how = BAD_INVENTORIES[kind]
    if how == "/dev/zero":
        return "/dev/zero"
    path = tmp_path / f"{kind}.toml"
    if how == "ca":
        ca = tmp_path / "ca.pem"
        ca.write_text("this is not a certificate\n")
        path.write_text(UNREACHABLE + f'ca_file = "{ca}"\n')
    else:
        how(path)
    return str(path)


@pytest.mark.parametrize("kind", sorted(BAD_INVENTORIES))
def test_check_on_an_unusable_inventory_is_one_line_unknown(kind, tmp_path, env):
    path = make_bad(kind, tmp_path)
    out, seconds = timed("--inventory", path, "check", env=env)
    assert out.returncode == UNKNOWN, (out.returncode, out.stdout, out.stderr)
    assert len(lines(out.stdout)) == 1 and out.stdout.startswith("UNKNOWN - "), out.stdout
    assert "RecursionError" not in out.stdout
    assert out.stderr == ""
    assert seconds < QUICK, f"took {seconds:.1f}s"
    assert_no_traceback(out.stdout, out.stderr)


@pytest.mark.parametrize("kind", sorted(BAD_INVENTORIES))
@pytest.mark.parametrize("command", [["status"], ["status", "--json"], [],
                                     ["runbook", "plan", "queue-reset", "--param", "target=lab"]],
                         ids=["status", "status-json", "console", "runbook-plan"])
def test_other_commands_on_an_unusable_inventory_say_one_line_and_78(kind, command, tmp_path, env):
    """The console (no command) refuses before the TUI starts: nothing on stdout, exit 78."""
    path = make_bad(kind, tmp_path)
    out, seconds = timed("--inventory", path, *command, env=env)
    assert out.returncode == CONFIG, (out.returncode, out.stdout, out.stderr)
    assert out.stdout == ""
    assert len(lines(out.stderr)) == 1, out.stderr
    assert out.stderr.startswith("msgops: ") and "\x1b" not in out.stderr
    assert "RecursionError" not in out.stderr
    assert seconds < QUICK, f"took {seconds:.1f}s"
    assert_no_traceback(out.stdout, out.stderr)


def test_inventory_from_env_and_default_path_are_checked_the_same_way(tmp_path, env):
    """$MSGOPS_INVENTORY naming a FIFO, and the XDG default being a directory: still one line."""
    fifo = make_bad("fifo", tmp_path)
    out, seconds = timed("status", env={**env, "MSGOPS_INVENTORY": fifo})
    assert out.returncode == CONFIG and len(lines(out.stderr)) == 1 and seconds < QUICK, out.stderr
    xdg = tmp_path / "xdg"
    (xdg / "msgops" / "inventory.toml").mkdir(parents=True)
    out = msgops("check", env={**env, "XDG_CONFIG_HOME": str(xdg)})
    assert out.returncode == UNKNOWN and len(lines(out.stdout)) == 1, out.stdout
    assert "directory" in out.stdout
    assert_no_traceback(out.stdout, out.stderr)


def test_timeouts_inf_and_nan_are_refused_naming_the_key(tmp_path, env):
    for value in ("inf", "nan", "-1.0", "0"):
        path = tmp_path / f"t-{value}.toml"
        path.write_text(UNREACHABLE.replace("health_timeout = 1.0", f"health_timeout = {value}"))
        out = msgops("--inventory", str(path), "status", env=env)
        assert out.returncode == CONFIG, (value, out.stdout, out.stderr)
        assert "rabbitmq.lab.health_timeout" in out.stderr and "finite" in out.stderr, out.stderr
    settings = tmp_path / "confirm.toml"
    settings.write_text("[settings]\nconfirm_timeout = inf\n" + UNREACHABLE)
    out = msgops("--inventory", str(settings), "status", env=env)
    assert out.returncode == CONFIG and "settings.confirm_timeout" in out.stderr, out.stderr


def test_bad_ca_file_is_one_line_and_the_console_does_not_start(tmp_path, env):
    path = make_bad("bad-ca-file", tmp_path)
    out = msgops("--inventory", path, env=env, timeout=QUICK)  # the console: refused before the TUI
    assert out.returncode == CONFIG, (out.returncode, out.stderr)
    assert "ca_file" in out.stderr and len(lines(out.stderr)) == 1 and out.stdout == ""
    assert "\x1b[" not in out.stdout + out.stderr  # no screen was drawn
    assert_no_traceback(out.stderr)


# --- the state directory -------------------------------------------------------------------------


def _audit(state: Path) -> list[dict]:
    log = state / "audit.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def assert_every_start_has_an_end(state: Path) -> None:
    entries = _audit(state)
    starts = {e["id"] for e in entries if e["event"] == "start"}
    ends = {e["id"] for e in entries if e["event"] == "end"}
    assert starts == ends, entries


RUN = ["runbook", "run", "queue-reset", "--param", "target=lab", "--param", "queue=q1", "--param", "mode=purge",
       "--yes", "--confirm", "q1"]


def test_state_dir_under_a_regular_file_is_one_line(tmp_path, env):
    blocker = tmp_path / "afile"
    blocker.write_text("I am a file, not a directory\n")
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(f'[settings]\nstate_dir = "{blocker}/state"\n' + UNREACHABLE)
    for command in (["status"], RUN, []):
        out = msgops("--inventory", str(inventory), *command, env=env, timeout=QUICK)
        assert out.returncode == CONFIG, (command, out.returncode, out.stdout, out.stderr)
        assert len(lines(out.stderr)) == 1 and "state_dir" in out.stderr, out.stderr
        assert_no_traceback(out.stdout, out.stderr)
    check = msgops("--inventory", str(inventory), "check", env=env, timeout=QUICK)
    assert check.returncode == UNKNOWN and len(lines(check.stdout)) == 1, check.stdout
    # the same through $MSGOPS_STATE_DIR (no state_dir in the file)
    plain = tmp_path / "plain.toml"
    plain.write_text(UNREACHABLE)
    out = msgops("--inventory", str(plain), *RUN, env={**env, "MSGOPS_STATE_DIR": f"{blocker}/state"},
                 timeout=QUICK)
    assert out.returncode == CONFIG and len(lines(out.stderr)) == 1, out.stderr
    assert_no_traceback(out.stdout, out.stderr)
    assert blocker.read_text() == "I am a file, not a directory\n"


@pytest.mark.parametrize("blocked", ["locks", "journals"])
def test_unwritable_locks_or_journals_end_every_audit_start(blocked, tmp_path, env):
    """The state dir itself is fine, but its locks/ or journals/ is a regular file: the run stops
    with one line and a non-zero exit, and the audit record it started is ended."""
    state = tmp_path / "state"
    state.mkdir()
    (state / blocked).write_text("not a directory\n")
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(f'[settings]\nstate_dir = "{state}"\n' + UNREACHABLE)
    out = msgops("--inventory", str(inventory), *RUN, env=env, timeout=20)
    assert out.returncode in (2, 6), (out.returncode, out.stdout, out.stderr)
    assert len(lines(out.stderr)) == 1, out.stderr
    assert_no_traceback(out.stdout, out.stderr)
    assert any(e["event"] == "start" for e in _audit(state))
    assert_every_start_has_an_end(state)


# --- locks -----------------------------------------------------------------------------------------


DEAD_PID = 4_194_999
"""Above Linux's largest pid_max (2**22): no process can have it."""

CORRUPT_LOCKS = {
    "garbage-bytes": b"\x00\xff\x1b[2Jgarbage\x07",
    "empty": b"",
    "json-list": b'["not", "a", "record"]',
    "pid-not-int": b'{"pid": "not a pid", "host": "elsewhere"}',
    "since-not-a-time": b'{"pid": "x", "since": "yesterday"}',
    "since-out-of-range": json.dumps({"pid": DEAD_PID, "host": "HOST", "since": 1e300,
                                      "user": "\x1b]0;PWNED\x07"}).encode(),
    "pid-zero": b'{"pid": 0, "host": "HOST", "since": 1.0}',
    "host-not-a-string": json.dumps({"pid": DEAD_PID, "host": {"a": 1}}).encode(),
    "nested-too-deeply": b"[" * 100_000,
    "fifo": None,
}


def _identity(path: Path) -> tuple:
    info = path.stat()
    return info.st_ino, info.st_mode, info.st_size, info.st_mtime_ns


@pytest.mark.parametrize("kind", sorted(CORRUPT_LOCKS))
def test_corrupt_lock_is_stale_and_break_stale_lock_breaks_it(kind, tmp_path, env):
    """A lock file no holder could have written (garbage, not a record, a pid or time that is not
    one) is a stale lock: reported in one line (exit 5, never an internal error), control characters
    from it escaped, never broken silently, and broken by --break-stale-lock (audited)."""
    state = tmp_path / "state"
    (state / "locks").mkdir(parents=True)
    lock = state / "locks" / "rabbitmq_lab.lock"
    if CORRUPT_LOCKS[kind] is None:
        os.mkfifo(lock)  # reading it must not block
    else:
        lock.write_bytes(CORRUPT_LOCKS[kind].replace(b"HOST", socket.gethostname().encode()))
    before = _identity(lock)
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(f'[settings]\nstate_dir = "{state}"\n' + UNREACHABLE)

    held = msgops("--inventory", str(inventory), *RUN, env=env, timeout=20)
    assert held.returncode == 5, (held.returncode, held.stdout, held.stderr)
    assert "stale lock" in held.stderr and "--break-stale-lock" in held.stderr, held.stderr
    assert "STALE" in held.stdout
    assert len(lines(held.stderr)) == 1
    assert "\x1b" not in held.stdout + held.stderr and "\x07" not in held.stdout + held.stderr
    assert _identity(lock) == before  # reported, never silently broken

    as_json = msgops("--inventory", str(inventory), *RUN, "--json", env=env, timeout=20)
    assert as_json.returncode == 5
    events = [json.loads(line) for line in lines(as_json.stdout)]
    assert any(e["event"] == "lock" and e["stale"] for e in events), events

    broken = msgops("--inventory", str(inventory), *RUN, "--break-stale-lock", env=env, timeout=20)
    # past the lock: preflight now fails on the unreachable target (2), never "lock held" (5)
    assert broken.returncode == 2, (broken.returncode, broken.stdout, broken.stderr)
    assert not lock.exists()
    assert any(e["event"] == "stale_lock_broken" for e in _audit(state))
    assert_every_start_has_an_end(state)
    for out in (held, as_json, broken):
        assert_no_traceback(out.stdout, out.stderr)


# --- journals -------------------------------------------------------------------------------------


CORRUPT_JOURNALS = {
    "garbage-bytes": b"\x00\xff\x1b]0;PWNED\x07",
    "json-list": b"[1, 2]",
    "nested-too-deeply": b'{"a":' * 100_000,
    "fifo": None,
}


@pytest.mark.parametrize("kind", sorted(CORRUPT_JOURNALS))
def test_corrupt_journal_is_reported_and_discard_journal_drops_it(kind, tmp_path, env):
    """A journal nobody can read refuses the run in one line (exit 2, never an internal error) and
    says how to go on; --discard-journal then drops it (audited) and the run goes on."""
    state = tmp_path / "state"
    (state / "journals").mkdir(parents=True)
    journal = state / "journals" / "rabbitmq_lab.json"
    if CORRUPT_JOURNALS[kind] is None:
        os.mkfifo(journal)
    else:
        journal.write_bytes(CORRUPT_JOURNALS[kind])
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(f'[settings]\nstate_dir = "{state}"\n' + UNREACHABLE)

    refused = msgops("--inventory", str(inventory), *RUN, env=env, timeout=20)
    assert refused.returncode == 2, (refused.returncode, refused.stdout, refused.stderr)
    assert len(lines(refused.stderr)) == 1 and "journal" in refused.stderr and "--discard-journal" in refused.stderr
    assert "\x1b" not in refused.stdout + refused.stderr
    assert journal.exists()

    dropped = msgops("--inventory", str(inventory), *RUN, "--discard-journal", env=env, timeout=20)
    assert dropped.returncode == 2, (dropped.returncode, dropped.stdout, dropped.stderr)  # now: preflight
    assert "preflight" in dropped.stdout and not journal.exists()
    assert any(e["event"] == "journal_discarded" for e in _audit(state))
    assert_every_start_has_an_end(state)
    for out in (refused, dropped):
        assert_no_traceback(out.stdout, out.stderr)


# --- parameters, runbook list ----------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["plan", "run"])
def test_repeated_param_is_a_usage_error_naming_it(verb, tmp_path, env):
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(UNREACHABLE)
    out = msgops("--inventory", str(inventory), "runbook", verb, "queue-reset", "--param", "target=lab",
                 "--param", "queue=q1", "--param", "mode=purge", "--param", "mode=delete",
                 *(["--yes", "--confirm", "q1"] if verb == "run" else []), env=env, timeout=QUICK)
    assert out.returncode == USAGE, (out.returncode, out.stdout, out.stderr)
    assert len(lines(out.stderr)) == 1 and "mode" in out.stderr, out.stderr
    assert out.stdout == ""
    assert not (tmp_path / "state" / "audit.jsonl").exists()  # refused before anything started
    assert_no_traceback(out.stderr)


def test_runbook_list_needs_no_inventory(tmp_path):
    env = clean_env(tmp_path)  # HOME is an empty directory; no MSGOPS_INVENTORY, no XDG_CONFIG_HOME
    assert not any(Path(env["HOME"]).iterdir())
    out = msgops("runbook", "list", env=env, timeout=QUICK)
    assert out.returncode == 0, (out.stdout, out.stderr)
    assert "queue-reset" in out.stdout and "--param mode=" in out.stdout
    assert out.stderr == ""


# --- a run interrupted by a signal -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim_inventory(tmp_path_factory):
    from msgops.sim.rabbitmq.cluster import SimCluster

    cluster = SimCluster(3).start_in_thread()
    try:
        path = tmp_path_factory.mktemp("interrupt") / "inventory.toml"
        urls = ", ".join(f'"{u}"' for u in cluster.management_urls)
        path.write_text(f'[rabbitmq.lab]\ntransport_url = "{cluster.transport_url}"\nmanagement_urls = [{urls}]\n'
                        "canary = false\n")
        yield cluster, str(path)
    finally:
        cluster.stop_in_thread()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_run_ends_the_audit_record_releases_the_lock_and_keeps_the_journal(signum, sim_inventory,
                                                                                     tmp_path):
    """Ctrl-C (or a service manager's SIGTERM) between two steps: exit 128+N with one result line,
    the audit "start" gets its "end" (outcome interrupted), the lock is released (no stale lock to
    break), and the journal stays so the next run resumes instead of repeating the step."""
    cluster, inventory = sim_inventory
    cluster.model.publish("/", "ha.q1", 3)
    env = clean_env(tmp_path, MSGOPS_RUNBOOK_STEP_PAUSE="60")
    state = Path(env["MSGOPS_STATE_DIR"])
    args = [MSGOPS, "--inventory", inventory, "runbook", "run", "queue-reset", "--param", "target=lab",
            "--param", "queue=ha.q1", "--param", "mode=purge", "--yes", "--confirm", "ha.q1", "--json"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=env, text=True)
    try:
        journal = state / "journals" / "rabbitmq_lab.json"
        wait_until(lambda: journal.exists() and '"done"' in journal.read_text(), 30, "the purge step journaled")
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 128 + signum, (proc.returncode, out, err)
    result = [json.loads(line) for line in lines(out)][-1]
    assert result["event"] == "result" and result["outcome"] == "interrupted", result
    assert_no_traceback(out, err)
    entries = _audit(state)
    assert [e["event"] for e in entries] == ["start", "confirmed", "step", "end"], entries
    assert entries[-1]["outcome"] == "interrupted"
    assert not (state / "locks" / "rabbitmq_lab.lock").exists()
    assert json.loads(journal.read_text())["steps"] == {"purge": "done"}

    again = msgops("--inventory", inventory, *args[3:], env={**env, "MSGOPS_RUNBOOK_STEP_PAUSE": "0"}, timeout=60)
    assert again.returncode == 0, again.stdout + again.stderr
    events = [json.loads(line) for line in lines(again.stdout)]
    assert events[0]["event"] == "resume" and any(e.get("status") == "already-done" for e in events)
    assert_every_start_has_an_end(state)

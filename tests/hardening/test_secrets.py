"""A planted password in every secret-bearing field of the inventory, and every channel swept for it.

Fields: inline in ``transport_url`` (percent-encoded, upper- and lower-case hex), ``password``,
``password_env``, ``management_password``, ``management_password_env``, and userinfo inside a
``management_urls`` entry. The simulator's real password is planted (so runs get far: polls,
canaries, a purge), and distinct *wrong* passwords are planted too (so the refusal paths speak:
HTTP 401, AMQP login refused).

Channels: stdout and stderr of ``status``, ``status --json``, ``status --stats``, ``check``,
``runbook plan`` and ``runbook run`` (a purge that succeeds, ones refused), every file under the
state directory (audit log, journal and lock left by a run killed mid-step, crash log), the console
screens (overview, each target, findings, help, a runbook and its confirmation), and the crash
handler's output. No planted value, nor its percent-encoded (any case), base64 (HTTP basic) form,
may appear anywhere.

Also: a wrong-typed secret is named by key, never by value; a transport_url whose password holds a
raw '/', ',', '?' or '#' is refused in one line holding no fragment of it, before any name lookup.
"""

from __future__ import annotations

import base64
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, quote_plus

import pytest

from msgops.console.app import make_app
from msgops.console.config import load_inventory
from msgops.console.messages import SnapshotCollected
from msgops.console.screens.help import HelpScreen
from msgops.sim.rabbitmq.cluster import SimCluster

from tests.tui.fixtures import screen_text
from tests.tui.runbook_driver import confirm, hook as runbook_hook, open_queue, result, start_reset

from .conftest import (CONFIG, FAST, MSGOPS, UNKNOWN, assert_no_traceback, clean_env, lines, msgops)

USER = "ops"
SIM_PASSWORD = "Zq7#pl@nt/S3cr,t%x"
"""The simulator's real password: raw, it holds every character a URL would split or decode on."""
WRONG_URL = "Wr0ng;url+Pl4nt"
WRONG_MGMT = "Wr0ng-mgmt:Pl4nt"
WRONG_MGMT_URL = "Wr0ng/murl@Pl4nt"
PLANTS = (SIM_PASSWORD, WRONG_URL, WRONG_MGMT, WRONG_MGMT_URL)


def forms(secret: str) -> set[str]:
    """Every spelling of ``secret`` that would be a leak (compared case-insensitively)."""
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret),
            base64.b64encode(f"{USER}:{secret}".encode()).decode()}


def assert_clean(text: str, where: str) -> None:
    low = text.lower()
    for secret in PLANTS:
        for form in forms(secret):
            assert form.lower() not in low, f"planted secret ({form!r}) leaked in {where}"


def assert_state_clean(state: Path) -> list[Path]:
    """Every file under the state directory is free of the plants; returns the files seen."""
    seen = [p for p in Path(state).rglob("*") if p.is_file()]
    for path in seen:
        assert_clean(path.read_bytes().decode("utf-8", "replace"), str(path))
    return seen


def _lower_hex(secret: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(secret, safe=""))


def inventory_text(cluster: SimCluster) -> str:
    """One target per channel, all against the simulator (extra keys: quick cadences)."""
    ports = cluster.amqp_ports
    mgmt = cluster.management_urls

    def hosts(cred: str = "", first_only: bool = False) -> str:
        return ",".join(f"{cred if (i == 0 or not first_only) else ''}127.0.0.1:{p}" for i, p in enumerate(ports))

    def urls(cred: str = "") -> str:
        return ", ".join(f'"{u.replace("http://", "http://" + cred)}"' for u in mgmt)

    enc = quote(SIM_PASSWORD, safe="")
    wrong_url, wrong_mgmt_url = quote(WRONG_URL, safe=""), quote(WRONG_MGMT_URL, safe="")
    targets = {
        "url_inline": f'transport_url = "rabbit://{hosts(f"{USER}:{enc}@")}/"\nmanagement_urls = [{urls()}]',
        "url_lowerhex": f'transport_url = "rabbit://{hosts(f"{USER}:{_lower_hex(SIM_PASSWORD)}@", True)}/"\n'
                        f'management_urls = [{urls()}]',
        "pw_inline": f'transport_url = "rabbit://{hosts(f"{USER}@")}/"\npassword = "{SIM_PASSWORD}"\n'
                     f'management_urls = [{urls()}]',
        "pw_env": f'transport_url = "rabbit://{hosts(f"{USER}@")}/"\npassword_env = "HARDENING_PW"\n'
                  f'management_urls = [{urls()}]',
        "mgmt_inline": f'transport_url = "rabbit://{hosts(f"{USER}@")}/"\npassword_env = "HARDENING_PW"\n'
                       f'management_user = "{USER}"\nmanagement_password = "{SIM_PASSWORD}"\n'
                       f'management_urls = [{urls()}]',
        "mgmt_env": f'transport_url = "rabbit://{hosts(f"{USER}@")}/"\npassword_env = "HARDENING_PW"\n'
                    f'management_password_env = "HARDENING_MGMT_PW"\nmanagement_urls = [{urls()}]',
        "mgmt_url": f'transport_url = "rabbit://{hosts(f"{USER}@")}/"\npassword_env = "HARDENING_PW"\n'
                    f'management_urls = [{urls(f"{USER}:{enc}@")}]',
        # one API down: its URL is a finding's subject and its error is shown
        "mgmt_url_down": f'transport_url = "rabbit://{hosts(f"{USER}@")}/"\npassword_env = "HARDENING_PW"\n'
                         f'management_urls = ["{mgmt[0].replace("http://", f"http://{USER}:{enc}@")}", '
                         f'"http://{USER}:{wrong_mgmt_url}@127.0.0.1:1"]',
        # refused credentials: the error paths speak (401 from the API, AMQP login refused)
        "wrong_url": f'transport_url = "rabbit://{hosts(f"{USER}:{wrong_url}@")}/"\n'
                     f'management_urls = [{urls(f"{USER}:{wrong_mgmt_url}@")}]',
        "wrong_mgmt": f'transport_url = "rabbit://{hosts(f"{USER}@")}/"\npassword_env = "HARDENING_PW"\n'
                      f'management_password = "{WRONG_MGMT}"\nmanagement_urls = [{urls()}]',
    }
    return "".join(f"[rabbitmq.{name}]\n{body}\n{FAST}\n" for name, body in targets.items())


SECRET_ENV = {"HARDENING_PW": SIM_PASSWORD, "HARDENING_MGMT_PW": SIM_PASSWORD}


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    cluster = SimCluster(3, user=USER, password=SIM_PASSWORD).start_in_thread()
    root = tmp_path_factory.mktemp("secrets")
    path = root / "inventory.toml"
    path.write_text(inventory_text(cluster))
    try:
        yield SimpleNamespace(cluster=cluster, inventory=str(path), root=root)
    finally:
        cluster.stop_in_thread()


@pytest.fixture
def env(estate, tmp_path):
    return clean_env(tmp_path, **SECRET_ENV)


def run(estate, env, *args, timeout: float = 60.0) -> subprocess.CompletedProcess:
    out = msgops("--inventory", estate.inventory, *args, env=env, timeout=timeout)
    assert_clean(out.stdout, f"stdout of {args}")
    assert_clean(out.stderr, f"stderr of {args}")
    assert_no_traceback(out.stdout, out.stderr)
    return out


def reset_args(target: str, queue: str, mode: str = "purge", *extra: str) -> list[str]:
    return ["runbook", "run", "queue-reset", "--param", f"target={target}", "--param", f"queue={queue}",
            "--param", f"mode={mode}", *extra]


def test_every_field_reaches_the_simulator(estate, env):
    """The plants are real: each channel's target authenticates (so nothing passes for want of use)."""
    out = run(estate, env, "status", "--json")
    doc = json.loads(out.stdout)
    worst = {t["name"]: t["worst"] for t in doc["targets"]}
    good = [n for n in worst if not n.startswith("wrong_") and n != "mgmt_url_down"]
    assert all(worst[n] == "ok" for n in good), worst
    assert worst["wrong_url"] == "crit" and worst["wrong_mgmt"] != "ok", worst
    assert worst["mgmt_url_down"] == "warn", worst  # the API that answers is used; the other is named


def test_headless_commands_never_print_a_planted_secret(estate, env):
    state = Path(env["MSGOPS_STATE_DIR"])
    status = run(estate, env, "status")
    assert "== rabbitmq mgmt_url" in status.stdout and "***" in status.stdout
    as_json = run(estate, env, "status", "--json")
    doc = json.loads(as_json.stdout)
    assert {t["name"] for t in doc["targets"]} >= {"url_inline", "mgmt_url", "wrong_url"}
    run(estate, env, "status", "--stats")
    check = run(estate, env, "check")
    assert check.returncode == 2 and len(lines(check.stdout)) == 1  # the wrong_* targets are critical

    plan = run(estate, env, "runbook", "plan", "queue-reset", "--param", "target=mgmt_url", "--param",
               "queue=ha.q1", "--param", "mode=purge")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    plan_json = run(estate, env, "runbook", "plan", "queue-reset", "--param", "target=url_lowerhex",
                    "--param", "queue=ha.q1", "--param", "mode=delete", "--json")
    assert plan_json.returncode == 2  # delete guards: the queue has messages

    done = run(estate, env, *reset_args("pw_env", "ha.q1", "purge", "--yes", "--confirm", "ha.q1", "--json"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(lines(done.stdout)[-1])["outcome"] == "ok"
    refused_401 = run(estate, env, *reset_args("wrong_mgmt", "ha.q2", "purge", "--yes", "--confirm", "ha.q2",
                                               "--json"))
    assert refused_401.returncode == 2, refused_401.stdout + refused_401.stderr
    assert "401" in refused_401.stdout
    refused_missing = run(estate, env, *reset_args("mgmt_inline", "no.such.queue", "purge", "--yes", "--confirm",
                                                   "no.such.queue"))
    assert refused_missing.returncode == 2
    not_confirmed = run(estate, env, *reset_args("url_inline", "ha.q2", "purge", "--yes", "--confirm", "wrong"))
    assert not_confirmed.returncode == 4
    read_only = run(estate, env, "--read-only", *reset_args("mgmt_url", "ha.q2", "purge", "--yes", "--confirm",
                                                            "ha.q2", "--json"))
    assert read_only.returncode == 2

    audit = state / "audit.jsonl"
    assert audit.exists() and "target_url" in audit.read_text()
    assert audit in assert_state_clean(state)


def _read_events_until(proc: subprocess.Popen, predicate, timeout: float) -> list[dict]:
    """JSON events from ``proc.stdout`` until one matches (a deadline, never a blocking read)."""
    events: list[dict] = []
    buffer = b""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            events.append(json.loads(line))
            if predicate(events[-1]):
                return events
    pytest.fail(f"no matching event within {timeout}s; saw {events}")


def test_state_files_hold_no_secret_audit_journal_lock_of_a_killed_run(estate, env):
    """The audit log (with the failed checks of a run refused by the API behind a management URL's
    userinfo), then the journal and lock a run killed mid-step leaves, then the stale-lock report
    and the resumed run."""
    state = Path(env["MSGOPS_STATE_DIR"])
    refused = run(estate, env, *reset_args("wrong_url", "ha.q3", "purge", "--yes", "--confirm", "ha.q3", "--json"))
    assert refused.returncode == 2 and "401" in refused.stdout, refused.stdout
    assert "failed_checks" in (state / "audit.jsonl").read_text()
    estate.cluster.model.publish("/", "ha.q3", 5)
    args = [MSGOPS, "--inventory", estate.inventory, *reset_args("mgmt_url", "ha.q3", "purge", "--yes",
                                                                 "--confirm", "ha.q3", "--json")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env={**env, "MSGOPS_RUNBOOK_STEP_PAUSE": "60"})
    try:
        events = _read_events_until(proc, lambda e: e["event"] == "step" and e["status"] == "done", 30)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        stderr = proc.stderr.read().decode()
        proc.stdout.close()
        proc.stderr.close()
    assert_clean(json.dumps(events), "the killed run's stdout")
    assert_clean(stderr, "the killed run's stderr")
    journal = state / "journals" / "rabbitmq_mgmt_url.json"
    lock = state / "locks" / "rabbitmq_mgmt_url.lock"
    assert journal.exists() and lock.exists()
    assert json.loads(journal.read_text())["steps"] == {"purge": "done"}
    seen = assert_state_clean(state)
    assert journal in seen and lock in seen

    stale = run(estate, env, *reset_args("mgmt_url", "ha.q3", "purge", "--yes", "--confirm", "ha.q3"))
    assert stale.returncode == 5 and "stale lock" in stale.stderr
    resumed = run(estate, env, *reset_args("mgmt_url", "ha.q3", "purge", "--yes", "--confirm", "ha.q3",
                                           "--break-stale-lock"))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming run" in resumed.stdout
    assert_state_clean(state)


async def test_console_screens_never_show_a_planted_secret(estate, tmp_path):
    path = tmp_path / "inventory.toml"  # the estate's inventory with this test's own state directory
    path.write_text(f'[settings]\nstate_dir = "{tmp_path / "state"}"\n' + Path(estate.inventory).read_text())
    inventory = load_inventory(path, env=SECRET_ENV)
    collected = runbook_hook()
    app = make_app(inventory)
    shown: list[tuple[str, str]] = []

    def look(where: str) -> None:
        shown.append((where, screen_text(app)))

    async with app.run_test(size=(200, 50), notifications=True, message_hook=collected) as pilot:
        names = {t.name for t in inventory.targets}

        def polled(m) -> bool:
            seen = {x.key.split("/")[1] for x in collected.messages if isinstance(x, SnapshotCollected)}
            return seen >= names

        await collected.wait_for(polled, 30)
        await pilot.pause()
        look("overview")
        for name in sorted(names):
            app.open_target(f"rabbitmq/{name}")
            await pilot.pause()
            look(f"target {name}")
            await pilot.press("f")
            await pilot.pause()
            look(f"findings of {name}")
            findings = len(app.estate.states[f"rabbitmq/{name}"].findings)
            for _ in range(findings - 1):  # each finding's full text and advice in the detail pane
                await pilot.press("down")
                await pilot.pause()
                look(f"findings of {name}, a finding's detail")
            await pilot.press("escape", "escape")
            await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        look("help")
        await pilot.press("escape")
        await pilot.pause()

        await open_queue(app, pilot, collected, "rabbitmq/mgmt_url", "ha.q2")
        look("queue detail")  # with the API it was read from (a URL written with userinfo)
        assert "via http://127.0.0.1:" in shown[-1][1]
        mark = await start_reset(pilot, collected, "purge")
        await confirm(pilot, collected, mark, "not-the-queue")  # refused in place
        look("confirmation, wrong name typed")
        await pilot.press("escape")  # cancel: nothing is done
        outcome = await result(collected, mark)
        await pilot.pause()
        look("runbook result")
        assert outcome["outcome"] == "not_confirmed"
        await pilot.press("escape")
        await pilot.pause()
        app.open_findings("rabbitmq/wrong_mgmt")
        await pilot.pause()
        look("findings of a target refused by the API")
    assert any("401" in text or "login" in text.lower() for _, text in shown)
    for where, text in shown:
        assert_clean(text, f"the console ({where})")
    assert_state_clean(tmp_path / "state")


# --- the inventory's own errors -------------------------------------------------------------------


WRONG_TYPED = {
    "password = 12345678": "rabbitmq.x.password",
    "management_password = 12345678": "rabbitmq.x.management_password",
    'management_password = ["12345678"]': "rabbitmq.x.management_password",
}


@pytest.mark.parametrize("line", sorted(WRONG_TYPED))
def test_wrong_typed_secret_is_named_by_key_not_value(line, tmp_path):
    env = clean_env(tmp_path)
    path = tmp_path / "inventory.toml"
    path.write_text(f'[rabbitmq.x]\ntransport_url = "rabbit://ops@127.0.0.1:1/"\n{line}\n')
    out = msgops("--inventory", str(path), "status", env=env, timeout=10)
    assert out.returncode == CONFIG, (out.stdout, out.stderr)
    assert len(lines(out.stderr)) == 1 and WRONG_TYPED[line] in out.stderr, out.stderr
    assert "12345678" not in out.stderr + out.stdout
    check = msgops("--inventory", str(path), "check", env=env, timeout=10)
    assert check.returncode == UNKNOWN and "12345678" not in check.stdout + check.stderr
    assert_no_traceback(out.stderr, check.stdout)


URL_LEAKS = {
    "transport_url = 12345678": ("rabbitmq.x.transport_url", "12345678"),
    'transport_url = ["rabbit://ops:Lst7Pl4ntQ@127.0.0.1:1/"]': ("rabbitmq.x.transport_url", "Lst7Pl4ntQ"),
    'transport_url = "rabbit://ops@127.0.0.1:1/"\nmanagement_urls = ["ops:NoSch3mePl4nt@127.0.0.1:15672"]':
        ("rabbitmq.x.management_urls[0]", "NoSch3mePl4nt"),
    'transport_url = "rabbit://ops@127.0.0.1:1/"\nmanagement_urls = ["ftp://ops:Ftp7Pl4nt@127.0.0.1:21"]':
        ("rabbitmq.x.management_urls[0]", "Ftp7Pl4nt"),
    'transport_url = "rabbit://ops@127.0.0.1:1/"\nmanagement_urls = "http://ops:Str1ngPl4nt@127.0.0.1:1"':
        ("rabbitmq.x.management_urls", "Str1ngPl4nt"),
    'transport_url = "rabbit://ops@127.0.0.1:1/"\nmanagement_urls = ["http://ops:Sl4sh/Pl4ntX@127.0.0.1:1"]':
        ("rabbitmq.x.management_urls[0]", "Sl4sh/Pl4ntX"),
    'transport_url = "kafka://ops:Sch3mePl4nt@127.0.0.1:1/"': ("rabbitmq.x.transport_url", "Sch3mePl4nt"),
}


@pytest.mark.parametrize("body", sorted(URL_LEAKS))
def test_rejected_url_fields_never_echo_their_password(body, tmp_path):
    """A URL field refused for its type or shape (no scheme, wrong scheme, a string where a list is
    expected, a raw '/' in the userinfo) is named, and no part of its password is shown."""
    key, secret = URL_LEAKS[body]
    env = clean_env(tmp_path)
    path = tmp_path / "inventory.toml"
    path.write_text(f"[rabbitmq.x]\n{body}\n")
    out = msgops("--inventory", str(path), "status", env=env, timeout=10)
    assert out.returncode == CONFIG, (out.stdout, out.stderr)
    assert len(lines(out.stderr)) == 1 and key in out.stderr, out.stderr
    for fragment in re.split(r"[/,?#]", secret):
        assert fragment not in out.stderr, out.stderr
    assert_no_traceback(out.stderr)


RESOLVER_SPY = textwrap.dedent('''\
    """Loaded by Python at start-up (PYTHONPATH): record every name lookup, change nothing."""
    import os
    import socket

    _log = os.environ["HARDENING_LOOKUPS"]

    def _spy(real):
        def lookup(host, *args, **kwargs):
            with open(_log, "a") as f:
                f.write(f"{real.__name__} {host!r}\\n")
            return real(host, *args, **kwargs)
        return lookup

    for _name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        setattr(socket, _name, _spy(getattr(socket, _name)))
    ''')

RAW_SEPARATOR_URLS = {
    "rabbit://u:Qx7frag/Zk9frag@h/": ("Qx7frag", "Zk9frag"),
    "rabbit://u:Qx7frag,Zk9frag@h:5672/": ("Qx7frag", "Zk9frag"),
    "rabbit://u:90817,62534@h/": ("90817", "62534"),
    "rabbit://u:Qx7frag?Zk9frag@h/": ("Qx7frag", "Zk9frag"),
    "rabbit://u:Qx7frag#Zk9frag@h/": ("Qx7frag", "Zk9frag"),
    "rabbit://u:Qx7frag,Zk9frag@h1:5672,u:Qx7frag,Zk9frag@h2:5672/": ("Qx7frag", "Zk9frag"),
}


@pytest.fixture
def resolver_spy(tmp_path):
    """A PYTHONPATH directory whose sitecustomize logs every lookup, and the log's path."""
    spy = tmp_path / "spy"
    spy.mkdir()
    (spy / "sitecustomize.py").write_text(RESOLVER_SPY)
    log = tmp_path / "lookups.log"
    return {"PYTHONPATH": str(spy), "HARDENING_LOOKUPS": str(log)}, log


def test_resolver_spy_sees_lookups(tmp_path, resolver_spy):
    """Control: the spy does notice a lookup when msgops makes one (so its silence below means something)."""
    spy_env, log = resolver_spy
    path = tmp_path / "inventory.toml"
    path.write_text('[rabbitmq.x]\ntransport_url = "rabbit://u:p@localhost:1/"\nhealth_timeout = 2.0\n'
                    'canary_timeout = 1.0\n')
    out = msgops("--inventory", str(path), "check", env=clean_env(tmp_path, **spy_env), timeout=30)
    assert out.returncode == 2, out.stdout
    assert "'localhost'" in log.read_text()


@pytest.mark.parametrize("url", sorted(RAW_SEPARATOR_URLS))
def test_raw_separator_in_password_is_refused_without_fragments_or_lookups(url, tmp_path, resolver_spy):
    spy_env, log = resolver_spy
    env = clean_env(tmp_path, **spy_env)
    path = tmp_path / "inventory.toml"
    path.write_text(f'[rabbitmq.x]\ntransport_url = "{url}"\n')
    fragments = RAW_SEPARATOR_URLS[url]
    for command in (["status"], ["status", "--json"], ["check"], ["runbook", "plan", "queue-reset"]):
        started = time.monotonic()
        out = msgops("--inventory", str(path), *command, env=env, timeout=10)
        seconds = time.monotonic() - started
        expected = UNKNOWN if command == ["check"] else CONFIG
        assert out.returncode == expected, (command, out.stdout, out.stderr)
        said = out.stdout + out.stderr
        assert len(lines(said)) == 1, said
        assert "rabbitmq.x.transport_url" in said and "percent-encode" in said.replace("percent-encoded",
                                                                                       "percent-encode"), said
        for fragment in fragments:
            assert fragment not in said, said
        assert seconds < 5, f"{command}: {seconds:.1f}s"
        assert_no_traceback(said)
    assert not log.exists() or not log.read_text(), f"name lookups were made: {log.read_text()}"


# --- the console's crash handler ----------------------------------------------------------------------


CRASH_PLANT = "Cr4sh-Pl4nt/Zz9"

CRASHER = textwrap.dedent('''\
    """The console as run_console runs it, with a screen handler that raises (a bug, simulated)."""
    import sys

    from msgops.console.app import make_app
    from msgops.console.config import load_inventory

    inventory = load_inventory(sys.argv[1])
    app = make_app(inventory, poll=False)

    def broken_handler():
        password = inventory.targets[0].hosts[0].password.reveal()  # a local holding the secret
        raise RuntimeError(f"cannot talk to the broker as ops:{password}\\nsecond line of the message")

    async def crash_soon(pilot):
        await pilot.pause()
        app.screen.call_later(broken_handler)

    app.run(auto_pilot=crash_soon)
    sys.exit(int(app.return_code or 0))
    ''')


def _run_on_a_pty(argv: list[str], env: dict, timeout: float) -> tuple[int, bytes]:
    """Run ``argv`` with a pseudo-terminal as stdin/stdout/stderr; (exit status, everything it wrote)."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    output = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every writer closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            elif proc.poll() is not None:
                break
        else:
            pytest.fail(f"{argv} still running after {timeout}s")
        return proc.wait(10), output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        os.close(master)


ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78]")


def test_console_crash_shows_one_line_and_logs_scrubbed_details(tmp_path):
    state = tmp_path / "state"
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(f'[settings]\nstate_dir = "{state}"\n[rabbitmq.lab]\n'
                         f'transport_url = "rabbit://ops:{quote(CRASH_PLANT, safe="")}@127.0.0.1:1/"\n')
    script = tmp_path / "crasher.py"
    script.write_text(CRASHER)
    env = clean_env(tmp_path, TERM="xterm-256color")
    code, output = _run_on_a_pty([sys.executable, str(script), str(inventory)], env, timeout=30)
    assert code != 0
    # what is left on the terminal once the console has left the alternate screen
    after = output.rsplit(b"\x1b[?1049l", 1)[-1]
    text = ANSI.sub(b"", after).decode("utf-8", "replace").replace("\r", "")
    said = lines(text)
    assert len(said) == 1, said
    line = said[0]
    assert line.startswith("msgops: internal error: RuntimeError: cannot talk to the broker"), line
    assert "crash.log" in line and str(state) in line, line  # the whole path: not cropped at 80 columns
    everything = output.decode("utf-8", "replace")
    for leak in (CRASH_PLANT, quote(CRASH_PLANT, safe=""), "Traceback", "locals", "password ="):
        assert leak not in everything, leak
    log = (state / "crash.log").read_text()
    assert "Traceback" in log and "RuntimeError" in log and "broken_handler" in log
    assert CRASH_PLANT not in log and quote(CRASH_PLANT, safe="") not in log
    assert (state / "crash.log").stat().st_mode & 0o077 == 0, "crash.log readable by others"

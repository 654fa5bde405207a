"""Queue and vhost names are whatever a client chose: terminal escapes, a carriage return that
would overwrite a `check` line with "OK - all fine", Rich markup, a bidi override. Declared in the
simulator and made unhealthy (mirrors unsynchronised: node 2 stopped and restarted while they hold
messages), so the names reach every sink through findings as well as listings.

- `msgops check`: exactly one line, no ESC/CR/BEL/bidi in its bytes, and it does not read as OK;
- `msgops status`: no raw control character anywhere in its output;
- `msgops status --json`: valid JSON, control characters escaped by JSON, names round-trip exactly;
- the console at 80x24: names shown escaped (``\\x1b``) in the queue table, the queue's detail
  title and the findings, ``[b]`` shown literally (never markup), table and footer still drawn.
"""

from __future__ import annotations

import json
import re
import subprocess
from types import SimpleNamespace

import httpx
import pytest

from msgops.console.app import make_app
from msgops.console.config import load_inventory
from msgops.console.messages import SnapshotCollected
from msgops.console.screens.findings import FindingsScreen
from msgops.console.tiers.rabbitmq.queue_detail import QueueDetailScreen
from msgops.console.tiers.rabbitmq.screen import RabbitScreen
from msgops.sim.rabbitmq.cluster import SimCluster
from msgops.sim.rabbitmq.model import ClusterModel
from msgops.widgets.virtual_table import VirtualTable

from tests.tui.fixtures import Collected, screen_text

from .conftest import FAST, MSGOPS, assert_no_traceback, clean_env, wait_until

TITLE = "\x1b]0;PWNED\x07"
CLEAR = "\x1b[2Jcleared"
CR = "\rOK - all fine"
MARKUP = "[b]markup[/b]"
BIDI = "abc\u202etxt.exe"
VHOST = "vh\x1b[31mred"
HOSTILE = {("/", TITLE), ("/", CLEAR), ("/", CR), ("/", MARKUP), ("/", BIDI), (VHOST, "q\x07bell")}

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]")
"""Any control character but the newline between lines (and the bidi controls)."""


def escaped(name: str) -> str:
    """How printable() shows a name."""
    return (name.replace("\x1b", "\\x1b").replace("\x07", "\\x07").replace("\r", "\\r")
            .replace("\u202e", "\\u202e"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    model = ClusterModel(3, vhosts=("/", VHOST))
    model.policies.append({"vhost": VHOST, "name": "ha-all", "pattern": ".*", "apply-to": "all",
                           "definition": {"ha-mode": "all"}, "priority": 0})
    for vhost, name in sorted(HOSTILE):
        model.declare_queue(name, vhost=vhost, node=1, messages=5)
    cluster = SimCluster(model=model).start_in_thread()
    try:
        # node 2 leaves and comes back while the queues hold messages: its mirrors are unsynchronised
        model.stop_node(2)
        model.start_node(2)
        url = cluster.management_url(2) + "/api/overview"
        wait_until(lambda: _answers(url), 10, "node 2's management API back")
        root = tmp_path_factory.mktemp("hostile")
        path = root / "inventory.toml"
        urls = ", ".join(f'"{u}"' for u in cluster.management_urls)
        path.write_text(f'[settings]\nstate_dir = "{root / "state"}"\n\n'
                        f'[rabbitmq.evil]\ntransport_url = "{cluster.transport_url}"\n'
                        f'management_urls = [{urls}]\n{FAST}')
        yield SimpleNamespace(cluster=cluster, inventory=str(path))
    finally:
        cluster.stop_in_thread()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, auth=("guest", "guest"), timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def run_bytes(hostile, tmp_path, *args) -> subprocess.CompletedProcess:
    """``msgops --inventory HOSTILE ARGS``; stdout and stderr as bytes (to see every byte written)."""
    out = subprocess.run([MSGOPS, "--inventory", hostile.inventory, *args], capture_output=True,
                         stdin=subprocess.DEVNULL, env=clean_env(tmp_path), timeout=60)
    assert_no_traceback(out.stdout.decode("utf-8", "replace"), out.stderr.decode("utf-8", "replace"))
    return out


def test_check_prints_one_safe_line_that_does_not_read_ok(hostile, tmp_path):
    out = run_bytes(hostile, tmp_path, "check")
    assert out.returncode == 1, out.stdout  # WARNING: mirrors unsynchronised
    assert out.stdout.count(b"\n") == 1 and out.stdout.endswith(b"\n"), out.stdout
    for byte in (b"\x1b", b"\r", b"\x07", "\u202e".encode()):
        assert byte not in out.stdout, (byte, out.stdout)
    line = out.stdout.decode().rstrip("\n")
    assert line != "OK - all fine" and not line.startswith("OK"), line
    assert line.startswith("WARNING - ")
    # the three names check can name are exactly the dangerous ones, shown escaped
    for name in (CR, TITLE, CLEAR):
        assert escaped(name) in line, (name, line)
    assert out.stderr == b""


def test_status_text_has_no_raw_control_characters(hostile, tmp_path):
    for args in (["status"], ["status", "--stats"]):
        out = run_bytes(hostile, tmp_path, *args)
        assert out.returncode == 0
        text = out.stdout.decode("utf-8")
        assert not RAW_CONTROL.search(text), RAW_CONTROL.search(text)
        assert not RAW_CONTROL.search(out.stderr.decode("utf-8"))
        for vhost, name in HOSTILE:
            shown = escaped(name) if vhost == "/" else f"{escaped(vhost)}/{escaped(name)}"
            assert shown in text, (shown, text)
        assert MARKUP in text


def test_status_json_is_valid_and_escapes_the_names(hostile, tmp_path):
    out = run_bytes(hostile, tmp_path, "status", "--json")
    assert out.returncode == 0
    raw = out.stdout.decode("ascii")  # ensure_ascii: U+202E is \u202e, never the raw character
    assert not RAW_CONTROL.search(raw.rstrip("\n")), RAW_CONTROL.search(raw)
    doc = json.loads(raw)
    (target,) = doc["targets"]
    names = {(q["vhost"], q["name"]) for q in target["snapshot"]["queues"]["queues"]}
    assert HOSTILE <= names  # the exact names round-trip through JSON
    subjects = {f["subject"] for f in target["findings"] if f["code"] == "mirror_unsynchronised"}
    assert {TITLE, CR, MARKUP, f"{VHOST}/q\x07bell"} <= subjects
    assert "\\u001b]0;PWNED\\u0007" in raw and "\\u202e" in raw


def test_runbook_output_shows_hostile_names_escaped(hostile, tmp_path):
    """A hostile name typed as a parameter comes back in preflight, plan and result lines: escaped in
    the readable output, escaped by JSON in --json (the run is refused at the confirmation: nothing
    changes)."""
    for name in (TITLE, CR):
        base = ["runbook", "plan", "queue-reset", "--param", "target=evil", "--param", f"queue={name}",
                "--param", "mode=sync"]
        plan = run_bytes(hostile, tmp_path, *base)
        assert plan.returncode == 0, plan.stdout + plan.stderr
        for stream in (plan.stdout, plan.stderr):
            assert not RAW_CONTROL.search(stream.decode()), stream
        assert escaped(name).encode() in plan.stdout
        run = run_bytes(hostile, tmp_path, "runbook", "run", *base[2:], "--yes", "--confirm", "other", "--json")
        assert run.returncode == 4, run.stdout + run.stderr
        assert not RAW_CONTROL.search(run.stdout.decode()), run.stdout
        events = [json.loads(line) for line in run.stdout.decode().splitlines()]
        assert events[-1]["event"] == "result" and events[-1]["outcome"] == "not_confirmed", events
        human = run_bytes(hostile, tmp_path, "runbook", "run", *base[2:], "--yes", "--confirm", f"{name}x")
        assert human.returncode == 4, human.stdout + human.stderr
        assert escaped(name).encode() in human.stdout + human.stderr
        for stream in (human.stdout, human.stderr):
            assert not RAW_CONTROL.search(stream.decode()), stream


def assert_no_raw_controls(screens: dict[str, str]) -> None:
    for where, text in screens.items():
        assert "\x1b" not in text, f"raw ESC on the console ({where}): {text!r}"
        for char in ("\x07", "\r", "\u202e"):
            assert char not in text, f"raw {char!r} on the console ({where})"


async def console_screens(hostile, tmp_path, visit_details: bool) -> dict[str, str]:
    """The console at 80x24 on the hostile cluster: overview, the target's queue table, each hostile
    queue's detail (``visit_details``), the findings; the text of each screen by name."""
    inventory = load_inventory(hostile.inventory, env={})
    collected = Collected(SnapshotCollected)
    app = make_app(inventory)
    key = "rabbitmq/evil"

    def listed(m) -> bool:
        snap = m.result.snapshot
        return bool(snap and snap.queues and len(snap.queues.queues) == len(HOSTILE)
                    and any(f.code == "mirror_unsynchronised" for f in m.result.findings))

    screens: dict[str, str] = {}
    async with app.run_test(size=(80, 24), notifications=True, message_hook=collected) as pilot:
        await collected.wait_for(listed, 30)
        await pilot.pause()
        screens["overview"] = screen_text(app)
        app.open_target(key)
        await pilot.pause()
        assert isinstance(app.screen, RabbitScreen)
        table = app.screen.query_one("#queues", VirtualTable)
        screens["queue table"] = screen_text(app)
        for vhost, name in sorted(HOSTILE) if visit_details else ():
            assert table.move_cursor_to_key(f"{vhost}\x00{name}"), (vhost, name)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, QueueDetailScreen)
            screens[f"detail of {name!r}"] = screen_text(app)
            await pilot.press("escape")
            await pilot.pause()
        app.push_screen(FindingsScreen(key))
        await pilot.pause()
        screens["findings"] = screen_text(app)
        await pilot.press("down", "down")  # the detail pane of a hostile finding, in full
        await pilot.pause()
        screens["finding detail"] = screen_text(app)
    return screens


async def test_console_table_and_findings_show_names_escaped_never_as_markup(hostile, tmp_path):
    screens = await console_screens(hostile, tmp_path, visit_details=False)
    table = screens["queue table"]
    for name in (TITLE, CLEAR, CR):
        assert escaped(name) in table, (name, table)
    assert MARKUP in table  # shown as typed: never parsed as markup (which would print "markup")
    assert "Queue" in table and "VHost" in table  # the table's header is drawn
    assert "Filter" in table and "Findings" in table  # and the footer
    findings = screens["findings"] + screens["finding detail"]
    assert "mirror_unsync" in findings
    assert escaped(CR) in findings and escaped(CLEAR) in findings, findings
    assert "Back" in screens["findings"]
    assert "mirror_unsynchronised" in screens["overview"] or "unsynchronised" in screens["overview"]
    assert_no_raw_controls(screens)


async def test_console_queue_detail_title_shows_names_escaped(hostile, tmp_path):
    screens = await console_screens(hostile, tmp_path, visit_details=True)
    for vhost, name in sorted(HOSTILE):
        detail = screens[f"detail of {name!r}"]
        assert "UNSYNCED" in detail and "mirror_unsynchronised" in detail  # fields and findings
        assert "Back" in detail and "Purge" in detail  # the footer is drawn
        assert f"Queue {escaped(name)} on vhost {escaped(vhost)}" in detail, (name, detail)  # the title
    assert MARKUP in screens[f"detail of {MARKUP!r}"]
    assert_no_raw_controls(screens)

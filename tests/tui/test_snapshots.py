"""Snapshots of every shared screen (and the RabbitMQ tier's) at 80x24 and 60x20, with a
deterministic config: recorded data, a frozen clock, no polling, runbook events fed by hand."""

import pytest

from msgops.console.screens.confirm import ConfirmScreen
from msgops.console.screens.runbook import RunbookEvent, RunbookScreen
from msgops.runbooks.rabbitmq.queue_reset import QueueReset

from .fixtures import deterministic_app, feed

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((60, 20), id="60x20")]
PARTITIONED = ("netns-link-during-majority", "netns-link-during-minority")
PARAMS = {"target": "lab", "queue": "ha.q1", "vhost": "/", "mode": "purge"}
EVENTS = [
    {"event": "preflight", "check": "version", "ok": True, "blocking": True, "reason": "RabbitMQ 3.10.8"},
    {"event": "preflight", "check": "no partition", "ok": True, "blocking": True,
     "reason": "every node sees every other node"},
    {"event": "preflight", "check": "messages and consumers", "ok": True, "blocking": False,
     "reason": "558 messages (0 unacked), 0 consumers; a long line that must wrap inside the log box at "
               "80 and at 60 columns without losing a single character at the wrap"},
    {"event": "plan", "steps": [{"id": "purge", "title": "Purge all ready messages of 'ha.q1' (vhost '/')",
                                 "dangerous": True, "confirm": "ha.q1", "timeout": 30, "warning": None,
                                 "status": "pending"}]},
    {"event": "recheck", "step": "purge", "ok": False,
     "checks": [{"check": "no partition", "reason": "network partition: rabbit1@rmq1, rabbit2@rmq2 | rabbit3@rmq3"}]},
    {"event": "result", "outcome": "preflight_refused", "exit_code": 2, "audit_id": "20261202T080000Z-0000abcd",
     "message": "step 'Purge' refused, changed since the plan: no partition: network partition; nothing was changed"},
]


class FedRunbookScreen(RunbookScreen):
    """The runbook screen without its worker: the test hands it the executor's events."""

    def run_runbook(self) -> None:  # type: ignore[override]
        for event in EVENTS:
            self.post_message(RunbookEvent(event))


def snapshot_of(snap_compare, tmp_path, size, *steps, states=PARTITIONED):
    app = deterministic_app(tmp_path)

    async def before(pilot):
        feed(app, "rabbitmq/lab", *states)
        await pilot.pause()
        for step in steps:
            await step(app, pilot)
            await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=before)


async def open_target(app, pilot):
    app.open_target("rabbitmq/lab")


async def findings(app, pilot):
    app.open_findings("rabbitmq/lab")


async def help_screen(app, pilot):
    await pilot.press("question_mark")


async def enter(app, pilot):
    await pilot.press("enter")


async def runbook(app, pilot):
    app.push_screen(FedRunbookScreen("rabbitmq/lab", QueueReset(), PARAMS))


async def confirm(app, pilot):
    steps = [{"title": "Purge all ready messages of 'ha.q1' (vhost '/') — now 558 messages, 0 consumers",
              "warning": None}]
    app.push_screen(ConfirmScreen("queue-reset on rabbitmq/lab", steps, "ha.q1", target_key="rabbitmq/lab",
                                  timeout=120))


@pytest.mark.parametrize("size", SIZES)
def test_overview_partitioned(snap_compare, tmp_path, size):
    assert snapshot_of(snap_compare, tmp_path, size)


@pytest.mark.parametrize("size", SIZES)
def test_findings_screen(snap_compare, tmp_path, size):
    assert snapshot_of(snap_compare, tmp_path, size, findings)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, tmp_path, size):
    assert snapshot_of(snap_compare, tmp_path, size, help_screen)


@pytest.mark.parametrize("size", SIZES)
def test_runbook_screen(snap_compare, tmp_path, size):
    assert snapshot_of(snap_compare, tmp_path, size, runbook)


@pytest.mark.parametrize("size", SIZES)
def test_confirmation_shows_live_health(snap_compare, tmp_path, size):
    assert snapshot_of(snap_compare, tmp_path, size, confirm, states=("netns-steady",))


@pytest.mark.parametrize("size", SIZES)
def test_rabbit_screen_partitioned(snap_compare, tmp_path, size):
    assert snapshot_of(snap_compare, tmp_path, size, open_target)


@pytest.mark.parametrize("size", SIZES)
def test_rabbit_screen_unsynchronised(snap_compare, tmp_path, size):
    assert snapshot_of(snap_compare, tmp_path, size, open_target, states=("netns-unsync",))


@pytest.mark.parametrize("size", SIZES)
def test_queue_detail(snap_compare, tmp_path, size):
    assert snapshot_of(snap_compare, tmp_path, size, open_target, enter, states=("netns-unsync",))

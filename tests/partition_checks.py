"""What `msgops status`, `msgops status --json` and the console must all say about a RabbitMQ cluster
split in two (one node cut off from the other two), whichever side the first inventory endpoint is on.

The same checks run against the simulator (tests/sim/test_partition_views.py) and the real lab
(tests/integration/test_partition_views.py): the queue state is the majority side's (a quorum queue
with 2 of 3 members there is a warning, never "unavailable"), each listing says whose view it is
(side, majority, api), the side without a majority is one ``side_losses`` finding, and the partition
finding carries RabbitMQ 3.x's recovery advice naming the node to restart.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from msgops.console.messages import SnapshotCollected
from msgops.console.screens.findings import FindingsScreen
from msgops.console.screens.overview import OverviewScreen
from msgops.console.tiers.rabbitmq.queue_detail import QueueDetailScreen
from msgops.console.tiers.rabbitmq.screen import RabbitScreen

from tests.tui.fixtures import screen_text

QUORUM = ("qq.neutron", "qq.q1", "qq.q2", "qq.q3")
"""The quorum queues the lab and the simulator are seeded with (3 members each)."""
MIRRORED = ("ha.q1", "ha.q2", "ha.q3", "conductor", "scheduler")
"""Some of the classic queues the ha-all policy mirrors on every node."""
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Split:
    """One node cut off from the others, and which API should give each side's listing."""

    minority: str
    majority: tuple[str, ...]
    """Sorted node names."""
    minority_api: str
    majority_api: str
    """The first API in inventory order whose node is on the majority side."""

    @property
    def advice(self) -> str:
        return (f"trust the majority side ({', '.join(self.majority)}); restart the RabbitMQ nodes outside it "
                f"({self.minority})")


def split(node_names: list[str], management_urls: list[str], cut: int) -> Split:
    """The expected sides when node ``cut`` (1-based, inventory order) is cut off."""
    urls = [u.rstrip("/") for u in management_urls]
    others = [i for i in range(len(node_names)) if i != cut - 1]
    return Split(node_names[cut - 1], tuple(sorted(node_names[i] for i in others)), urls[cut - 1], urls[others[0]])


def is_split(findings, snapshot) -> bool:
    """The probe sees the partition and has each side's own listing (the state every check wants)."""
    return (any(f.code == "partition" for f in findings) and snapshot is not None
            and snapshot.queues is not None and bool(snapshot.queues.side) and bool(snapshot.other_listings))


# -- msgops status -------------------------------------------------------------------------------
def start_status(inventory: Path | str, *extra: str) -> subprocess.Popen:
    """The real command in a child process, as an operator or a monitoring job runs it; started in
    the background (the lab's partitioned listing takes ~8 s), read with ``finish``."""
    return subprocess.Popen([sys.executable, "-m", "msgops.console.cli", "--inventory", str(inventory), "status",
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def finish(proc: subprocess.Popen, timeout: float = 120) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return out


def flat(text: str) -> str:
    """Whitespace removed: screen text wraps long lines anywhere."""
    return re.sub(r"\s+", "", text)


def check_status_text(text: str, s: Split) -> None:
    """`msgops status`: both listings named by side and API, findings from the majority's view."""
    lines = text.splitlines()
    listed = [line for line in lines if line.strip().startswith("queues ")]
    assert any(f"majority side ({', '.join(s.majority)}) via {s.majority_api}" in line for line in listed), listed
    assert any(f"side without a majority ({s.minority}) via {s.minority_api}" in line for line in listed), listed
    assert "quorum_below_majority" not in text, text
    partition = next(i for i, line in enumerate(lines) if re.match(r"\s+CRIT\s+partition\s", line))
    assert f"| {s.minority}" in lines[partition], lines[partition]
    advice = lines[partition + 1].strip()
    assert advice.startswith("advice: RabbitMQ 3.x recovery:") and s.advice in advice, advice
    for name in QUORUM:
        assert any(re.match(rf"\s+WARN\s+quorum_member_offline\s+{re.escape(name)}: 2 of 3 members online "
                            rf"\(offline: {re.escape(s.minority)}\)", line) for line in lines), (name, text)
    assert any(re.match(rf"\s+WARN\s+side_losses\s+side {re.escape(s.minority)}: on the side without a majority",
                        line) for line in lines), text


def check_status_json(doc: dict, s: Split) -> None:
    """`msgops status --json`: whose view each listing is (side, majority, api), and what it holds."""
    (target,) = doc["targets"]
    snap = target["snapshot"]
    main, (other,) = snap["queues"], snap["other_listings"]
    assert (main["side"], main["majority"], main["api"]) == (list(s.majority), True, s.majority_api), main["api"]
    assert (other["side"], other["majority"], other["api"]) == ([s.minority], False, s.minority_api), other["api"]
    ours, theirs = ({q["name"]: q for q in listing["queues"]} for listing in (main, other))
    for name in QUORUM:  # each side's own truth about the same quorum queue
        assert sorted(ours[name]["online"]) == list(s.majority), ours[name]
        assert ours[name]["leader"] in s.majority, ours[name]
        assert theirs[name]["online"] == [s.minority], theirs[name]
    for name in MIRRORED:  # promoted on each side: a master and a synchronised mirror here, alone there
        assert ours[name]["node"] in s.majority and len(ours[name]["mirrors"]) == 1, ours[name]
        assert set(ours[name]["mirrors"]) | {ours[name]["node"]} == set(s.majority), ours[name]
        assert ours[name]["synchronised_mirrors"] == ours[name]["mirrors"], ours[name]
        assert theirs[name]["node"] == s.minority and not theirs[name]["mirrors"], theirs[name]
    findings = target["findings"]
    codes = {f["code"] for f in findings}
    assert not codes & {"quorum_below_majority", "quorum_more", "mirror_missing"}, findings
    offline = {f["subject"]: f for f in findings if f["code"] == "quorum_member_offline"}
    assert set(QUORUM) <= set(offline) and all(offline[q]["severity"] == "warn" for q in QUORUM), findings
    (partition,) = [f for f in findings if f["code"] == "partition"]
    assert partition["severity"] == "crit" and s.advice in partition["advice"], partition
    (losses,) = [f for f in findings if f["code"] == "side_losses"]
    assert losses["subject"] == f"side {s.minority}", losses
    assert re.search(r"\d+ quorum queues? without a majority there", losses["reason"]), losses
    assert target["worst"] == "crit"


# -- the console -----------------------------------------------------------------------------------
def split_seen(key: str):
    """Message predicate: the console got a snapshot of ``key`` showing the partition and both listings."""
    def match(m) -> bool:
        return (isinstance(m, SnapshotCollected) and m.key == key
                and is_split(m.result.findings, m.result.snapshot))
    return match


async def to_overview(pilot) -> None:
    for _ in range(6):
        if isinstance(pilot.app.screen, OverviewScreen):
            return
        await pilot.press("escape")
        await pilot.pause()
    assert isinstance(pilot.app.screen, OverviewScreen), pilot.app.screen_stack


async def open_detail(app, pilot, key: str, queue: str) -> str:
    """Overview → the target → filter the queue list → the queue's detail; its screen text."""
    await to_overview(pilot)
    app.open_target(key)
    await pilot.pause()
    await pilot.press("slash", *queue, "enter")
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, QueueDetailScreen), app.screen_stack
    return screen_text(app)


async def check_console(app, pilot, messages, key: str, s: Split, timeout: float = 90) -> None:
    """The console on the partitioned cluster: banner, advice, and each queue from the majority's
    view with the other side shown. ``messages`` collects SnapshotCollected (tests/tui/fixtures)."""
    await messages.wait_for(split_seen(key), timeout)
    await pilot.pause()
    state = app.estate.states[key]
    assert not any(f.code == "quorum_below_majority" for f in state.findings), state.findings
    app.open_target(key)
    await pilot.pause()
    assert isinstance(app.screen, RabbitScreen)
    seen = screen_text(app)
    assert "PARTITION" in seen and s.minority in seen, seen
    await pilot.press("f")
    await pilot.pause()
    assert isinstance(app.screen, FindingsScreen)
    seen = screen_text(app)  # the worst finding (the partition) is selected: its advice is shown
    assert flat(f"advice: RabbitMQ 3.x recovery: {s.advice}") in flat(seen), seen
    view = flat(f"view majority side ({', '.join(s.majority)}) via {s.majority_api}")
    for queue in ("qq.q1", "qq.neutron"):
        seen = await open_detail(app, pilot, key, queue)
        assert view in flat(seen), seen
        assert flat(f"other side {s.minority}:") in flat(seen) and flat(", 1/3") in flat(seen), seen
        assert "quorum_member_offline" in seen and "2 of 3 members online" in seen, seen
        assert "no findings for this queue" not in seen and "quorum_below_majority" not in seen, seen
        assert flat("(2/3, majority 2)") in flat(seen), seen
    seen = await open_detail(app, pilot, key, "ha.q1")
    assert view in flat(seen) and "not mirrored" not in seen, seen
    assert flat(f"other side {s.minority}:") in flat(seen) and flat(f"node {s.minority}, -") in flat(seen), seen
    assert "mirror_missing" not in seen, seen
    await to_overview(pilot)

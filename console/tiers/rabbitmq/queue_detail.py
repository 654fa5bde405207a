"""QueueDetailScreen: one queue's fields, whose view they are, and its findings; runbook keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from msgops.console.estate import Estate
from msgops.console.runbook_keys import RunbookKeys, runbook_bindings
from msgops.console.tiers.rabbitmq.rows import replicas
from msgops.probes.rabbitmq.model import QueueInfo, QueueListing
from msgops.probes.text import printable
from msgops.widgets.findings import LABEL
from msgops.widgets.title_bar import TitleBar


class QueueDetailScreen(RunbookKeys, Screen):
    """Details of the queue ``queue_key`` (``vhost\\0name``) on target ``key``."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), *runbook_bindings("rabbitmq", "queue")]
    runbook_tier, runbook_scope = "rabbitmq", "queue"

    def __init__(self, key: str, queue_key: str) -> None:
        super().__init__()
        self.key, self.queue_key = key, queue_key
        self._shown: str | None = None

    def compose(self) -> ComposeResult:
        vhost, _, name = self.queue_key.partition("\x00")
        title = Text.assemble("Queue ", (printable(name), "bold"), f" on vhost {printable(vhost)} — {self.key}")
        yield TitleBar(title, read_only=self.app.read_only)
        with VerticalScroll():
            yield Static("", id="detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_estate(self.app.estate)

    def runbook_target(self):  # noqa: ANN201
        return self.app.estate.states[self.key].target

    def runbook_item(self) -> QueueInfo | None:
        snap = self.app.estate.states[self.key].snapshot
        listing = snap.queues if snap is not None else None
        return _find(listing, self.queue_key)

    def show_estate(self, estate: Estate) -> None:
        state = estate.states[self.key]
        snap = state.snapshot
        listing = snap.queues if snap is not None else None
        queue = _find(listing, self.queue_key)
        if queue is None:
            text = "This queue is not in the latest queue list (deleted, or the list is not in yet)."
        else:
            lines = _fields(queue) + [f"view        {listing.view}"]
            for other in snap.other_listings:
                seen = _find(other, self.queue_key)
                there = "absent" if seen is None else f"{seen.state or '-'}, node {seen.node or '-'}, {replicas(seen)}"
                lines.append(f"other side  {', '.join(other.side)}: {there}")
            findings = [f for f in state.findings if f.subject == queue.display_name]
            lines.append("")
            lines += [f"{LABEL[f.severity]} {f.code}: {f.reason}" for f in findings] or ["no findings for this queue"]
            text = "\n".join(printable(line) for line in lines)
        if text != self._shown:
            self._shown = text
            self.query_one("#detail", Static).update(Text(text))
            self.refresh_bindings()  # which runbook keys apply may have changed with the queue


def _find(listing: QueueListing | None, queue_key: str) -> QueueInfo | None:
    if listing is None:
        return None
    return next((q for q in listing.queues if q.key == queue_key), None)


def _fields(queue: QueueInfo) -> list[str]:
    lines = [
        f"type        {queue.type}",
        f"state       {queue.state or '-'}",
        f"node        {queue.node or '-'}",
        f"policy      {queue.policy or '-'}",
        f"messages    {'-' if queue.messages is None else f'{queue.messages:,}'}",
        f"consumers   {'-' if queue.consumers is None else queue.consumers}",
    ]
    if queue.type == "quorum":
        lines += [f"leader      {queue.leader or '-'}",
                  f"members     {', '.join(queue.members or ()) or '-'}",
                  f"online      {', '.join(queue.online or ()) or '-'}  ({replicas(queue)}, majority {queue.quorum_majority})"]
    elif queue.mirrors:
        lines += [f"mirrors     {', '.join(queue.mirrors)}",
                  f"synced      {', '.join(queue.synchronised_mirrors or ()) or 'none'}  ({replicas(queue)})"]
        if queue.unsynchronised_mirrors:
            lines.append(f"UNSYNCED    {', '.join(queue.unsynchronised_mirrors)}")
    else:
        lines.append("replicas    none (not mirrored)")
    return lines

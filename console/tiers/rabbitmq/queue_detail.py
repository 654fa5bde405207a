"""QueueDetailScreen: one queue's fields and findings, refreshed with every queue listing."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from msgops.console.estate import Estate
from msgops.console.rows import replicas
from msgops.widgets.findings import LABEL


class QueueDetailScreen(Screen):
    """Details of the queue ``queue_key`` (``vhost\\0name``) on target ``key``."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("p", "reset('purge')", "Purge"),
        Binding("D", "reset('delete')", "Delete"),
        Binding("y", "reset('sync')", "Sync"),
    ]

    def __init__(self, key: str, queue_key: str) -> None:
        super().__init__()
        self.key, self.queue_key = key, queue_key

    def compose(self) -> ComposeResult:
        vhost, _, name = self.queue_key.partition("\x00")
        # Queue names are the clients' own: escaped, so "[x]" in a name is text, not markup.
        yield Static(f"Queue [b]{escape(name)}[/b] on vhost {escape(vhost)} — {escape(self.key)}",
                     classes="title-bar", markup=True)
        with VerticalScroll():
            yield Static("", id="detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_estate(self.app.estate)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Runbook keys are absent in read-only mode (hidden from the footer, and inert)."""
        if action == "reset":
            target = self.app.estate.states[self.key].target
            if self.app.inventory.settings.read_only or target.read_only:
                return False  # False hides the key (None would show it dimmed)
        return True

    def action_reset(self, mode: str) -> None:
        from msgops.console.screens.runbook import RunbookScreen
        from msgops.runbooks.rabbitmq_queue_reset import QueueReset

        vhost, _, name = self.queue_key.partition("\x00")
        target = self.app.estate.states[self.key].target
        params = {"target": target.name, "queue": name, "vhost": vhost, "mode": mode}
        self.app.push_screen(RunbookScreen(self.key, QueueReset(), params))

    def show_estate(self, estate: Estate) -> None:
        state = estate.states[self.key]
        snap = state.snapshot
        queue = None
        if snap is not None and snap.queues is not None:
            queue = next((q for q in snap.queues.queues if q.key == self.queue_key), None)
        detail = self.query_one("#detail", Static)
        if queue is None:
            detail.update("This queue is not in the latest queue list (deleted, or the list is not in yet).")
            return
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
        findings = [f for f in state.findings if f.subject == queue.display_name]
        lines.append("")
        lines += [f"{LABEL[f.severity]} {f.code}: {f.reason}" for f in findings] or ["no findings for this queue"]
        detail.update("\n".join(lines))

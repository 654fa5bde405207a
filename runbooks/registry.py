"""Every runbook msgops knows, by name."""

from __future__ import annotations

from msgops.runbooks.model import Runbook
from msgops.runbooks.rabbitmq_queue_reset import QueueReset

RUNBOOKS: dict[str, type[Runbook]] = {cls.name: cls for cls in (QueueReset,)}

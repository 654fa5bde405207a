"""Health findings: what a probe concluded about a tier, with a severity and a one-line reason.

Severities follow the Nagios plugin convention so `msgops check` can exit with them directly.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable


class Severity(enum.IntEnum):
    """How bad a finding is; the value is the Nagios exit code."""

    OK = 0
    """Everything checked is healthy."""
    WARNING = 1
    """Degraded but serving: act during working hours."""
    CRITICAL = 2
    """Broken or about to lose data: act now."""
    UNKNOWN = 3
    """The probe could not tell (nothing answered, or the reply made no sense)."""

    @property
    def label(self) -> str:
        return {0: "ok", 1: "warn", 2: "crit", 3: "unknown"}[int(self)]

    @property
    def rank(self) -> int:
        """Order for 'worst of': crit > warn > unknown > ok (as Nagios aggregators do)."""
        return {0: 0, 3: 1, 1: 2, 2: 3}[int(self)]


@dataclass(frozen=True, slots=True)
class Finding:
    """One conclusion about one subject (a node, a queue, an API, the cluster)."""

    severity: Severity
    code: str
    """Stable machine name, e.g. ``node_down``, ``partition``, ``mirror_unsynchronised``."""
    subject: str
    """What the finding is about: a node name, ``vhost/queue``, ``cluster``."""
    reason: str
    """One line an on-call operator can act on."""
    advice: str = ""
    """What to do about it, when there is a documented procedure (shown with the finding's detail,
    in ``status`` and JSON; not in the one-line views)."""

    def to_json(self) -> dict:
        doc = {
            "severity": self.severity.label,
            "code": self.code,
            "subject": self.subject,
            "reason": self.reason,
        }
        if self.advice:
            doc["advice"] = self.advice
        return doc


def worst(findings: Iterable[Finding]) -> Severity:
    """The worst severity among findings (OK when there are none)."""
    result = Severity.OK
    for finding in findings:
        if finding.severity.rank > result.rank:
            result = finding.severity
    return result


def worst_by_subject(findings: Iterable[Finding]) -> dict[str, Severity]:
    """Each subject's worst severity (for flagging table rows: a queue, a member, a pool)."""
    flagged: dict[str, Severity] = {}
    for finding in findings:
        if finding.severity.rank > flagged.get(finding.subject, Severity.OK).rank:
            flagged[finding.subject] = finding.severity
    return flagged

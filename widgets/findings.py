"""FindingsView: a short list of findings, worst first, each line labelled and styled by severity."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from msgops.probes.findings import Finding, Severity

LABEL = {Severity.OK: " OK ", Severity.WARNING: "WARN", Severity.CRITICAL: "CRIT", Severity.UNKNOWN: " ?? "}


class FindingsView(Static):
    """Findings as lines: ``CRIT subject: reason``. The label carries the meaning (NO_COLOR safe).

    COMPONENT_CLASSES:
        findings--ok / --warn / --crit / --unknown: style of each line's severity label.
    """

    COMPONENT_CLASSES = {"findings--ok", "findings--warn", "findings--crit", "findings--unknown"}
    DEFAULT_CSS = """
    FindingsView { height: auto; max-height: 6; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    FindingsView > .findings--ok { color: $success; }
    FindingsView > .findings--warn { color: $warning; text-style: bold; }
    FindingsView > .findings--crit { color: $error; text-style: bold reverse; }
    FindingsView > .findings--unknown { color: $text-muted; text-style: bold; }
    """

    findings: reactive[tuple[Finding, ...]] = reactive((), layout=True)
    """The findings to show; sorted worst first when rendered."""

    def __init__(self, *, limit: int = 5, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.limit = limit

    def render(self) -> Text:
        ordered = sorted(self.findings, key=lambda f: -f.severity.rank)
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, finding in enumerate(ordered[: self.limit]):
            if i:
                text.append("\n")
            style = self.get_component_rich_style(f"findings--{finding.severity.label}")
            text.append(LABEL[finding.severity], style=style)
            text.append(f" {finding.subject}: {finding.reason}")
        if len(ordered) > self.limit:
            text.append(f"\n     … {len(ordered) - self.limit} more (f: all findings)")
        return text

"""FindingsView: a short list of findings, worst first, each line labelled and styled by severity."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from msgops.probes.findings import Finding, Severity
from msgops.probes.text import printable

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
    """The findings to show; sorted worst first when rendered. Equal tuples do not repaint."""
    origins: reactive[tuple[str, ...]] = reactive((), layout=True)
    """Optional per-finding prefix (e.g. the target, on the overview), parallel to ``findings``."""

    def __init__(self, *, limit: int = 5, more_hint: str = "f: all findings", **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.limit = limit
        self.more_hint = more_hint

    def show(self, findings: tuple[Finding, ...], origins: tuple[str, ...] = ()) -> None:
        """Set both at once (one repaint, and none when nothing changed)."""
        if findings != self.findings or origins != self.origins:
            self.set_reactive(FindingsView.origins, origins)
            self.findings = findings
            self.refresh(layout=True)

    def render(self) -> Text:
        prefix = dict(zip(map(id, self.findings), self.origins)) if self.origins else {}
        ordered = sorted(self.findings, key=lambda f: -f.severity.rank)
        limit = self.limit or max(1, self.content_size.height)
        if len(ordered) > limit:
            limit = max(1, limit - 1)  # room for the "… more" line
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, finding in enumerate(ordered[:limit]):
            if i:
                text.append("\n")
            style = self.get_component_rich_style(f"findings--{finding.severity.label}")
            text.append(LABEL[finding.severity], style=style)
            origin = prefix.get(id(finding))
            if origin:
                text.append(f" {printable(origin)}", style="bold")
            text.append(f" {printable(finding.subject)}: {printable(finding.reason)}")
        if len(ordered) > limit:
            text.append(f"\n     … {len(ordered) - limit} more ({self.more_hint})")
        return text

"""`msgops status` and `msgops check`: poll every target once and print. Imports no Textual.

stdout is data (a report or JSON), stderr is diagnostics. Every line leaving here is terminal-safe
(control characters in server names shown escaped) and scrubbed of secrets; JSON escapes control
characters itself. Tiers contribute their own report lines through the registry.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import time
from typing import Any, TextIO

from msgops.console.config import Inventory
from msgops.console.exitcodes import Exit
from msgops.probes.findings import Severity, worst
from msgops.probes.poller import PollResult, poll_all
from msgops.probes.registry import spec_of
from msgops.probes.secrets import Secret, scrub
from msgops.probes.text import printable

CHECK_NAMED = 3
"""`check` names this many non-OK findings in its one line."""


def collect(inventory: Inventory, stats: bool = False) -> list[tuple[Any, PollResult]]:
    """Poll every target once, each within its own cycle deadline; never raises for one target.

    Without ``stats`` queues are listed without statistics where the tier has such a listing
    (RabbitMQ: same findings, no message counts, ~1 s instead of ~9 s at 10k queues)."""
    targets = list(inventory.targets)
    results = asyncio.run(poll_all(targets, full=True, light=not stats))
    return relate_rows(inventory, list(zip(targets, results)), stats)


def relate_rows(inventory: Inventory, rows: list[tuple[Any, PollResult]], stats: bool) -> list[tuple[Any, PollResult]]:
    """Poll what the targets depend on that the inventory does not name (derived targets, read-only),
    then name cross-tier causes in the findings (``msgops.probes.relate``)."""
    from msgops.probes.inventory import TableContext
    from msgops.probes.relate import derived_targets, explain, links

    keyed = {f"{t.tier}/{t.name}": (t, r) for t, r in rows}
    found = links({k: t for k, (t, _) in keyed.items()}, {k: r.snapshot for k, (_, r) in keyed.items()})
    extra = derived_targets([f for f in found if f.provider is None], {k: t for k, (t, _) in keyed.items()},
                            TableContext(inventory.path, {}, read_only=True))
    if extra:
        targets = [t for _, t in extra]
        more = asyncio.run(poll_all(targets, full=True, light=not stats))
        keyed.update({f"{t.tier}/{t.name}": (t, r) for t, r in zip(targets, more)})
        found = links({k: t for k, (t, _) in keyed.items()}, {k: r.snapshot for k, (_, r) in keyed.items()})
    explained = explain({k: r.findings for k, (_, r) in keyed.items()}, found)
    return [(t, dataclasses.replace(r, findings=explained[k])) for k, (t, r) in keyed.items()]


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}
"""Per type: its dataclass field names, or None for a type that is not a dataclass (asked once)."""


def jsonable(value: Any) -> Any:
    """Dataclasses (a snapshot holds 10k+ of them) as dicts, tuples as lists; types looked up once."""
    kind = type(value)
    if kind not in _FIELD_NAMES:
        is_dc = dataclasses.is_dataclass(value) and not isinstance(value, type)
        _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value)) if is_dc else None
    names = _FIELD_NAMES[kind]
    if names is not None:
        return {name: jsonable(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, Secret):
        return "***"
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def status_document(inventory: Inventory, rows: list[tuple[Any, PollResult]]) -> dict:
    return {
        "generated_at": time.time(),
        "inventory": inventory.path,
        "worst": worst(f for _, r in rows for f in r.findings).label,
        "targets": [
            {
                "tier": t.tier,
                "name": t.name,
                "url": t.display_url,
                "worst": worst(r.findings).label,
                "complete": r.complete,
                "findings": [f.to_json() for f in r.findings],
                "poll_seconds": r.seconds,
                "snapshot": jsonable(r.snapshot),
            }
            for t, r in rows
        ],
    }


def status(inventory: Inventory, as_json: bool, out: TextIO = sys.stdout, stats: bool = False) -> Exit:
    rows = collect(inventory, stats)
    if as_json:
        # One dumps + one write: json.dump streams through the pure-Python encoder in ~500k small
        # writes (2.9 s for a 10k-queue snapshot, measured); dumps uses the C encoder (~0.1 s).
        out.write(scrub(json.dumps(status_document(inventory, rows), separators=(",", ":"))) + "\n")
        return Exit.OK
    for target, result in rows:
        out.write(safe_lines(report(target, result)))
    return Exit.OK


def report(target: Any, result: PollResult) -> list[str]:
    """One target's readable report: header, the tier's own lines, then every finding."""
    lines = [f"== {target.tier} {target.name}  {target.display_url}  [{worst(result.findings).label.upper()}]"]
    lines += ["   " + line for line in spec_of(target).report(target, result.snapshot, result.seconds)]
    for f in result.findings:
        lines.append(f"   {f.severity.label.upper():<7} {f.code:<24} {f.subject}: {f.reason}")
        if f.advice:
            lines.append(f"           advice: {f.advice}")
    return lines


def safe_lines(lines: list[str]) -> str:
    """Lines joined for a terminal: each made printable and scrubbed of secrets."""
    return "".join(printable(scrub(line)) + "\n" for line in lines)


def check(inventory: Inventory, out: TextIO = sys.stdout) -> Exit:
    """One Nagios-style line, exit 0/1/2/3."""
    rows = collect(inventory)
    if not rows:
        return check_line(out, Severity.UNKNOWN, "the inventory names no target")
    every = [f for _, r in rows for f in r.findings]
    level = worst(every)
    bad = sorted((f for f in every if f.severity is not Severity.OK), key=lambda f: -f.severity.rank)
    if bad:
        head = "; ".join(f"{f.subject}: {f.reason}" for f in bad[:CHECK_NAMED])
        more = f" (+{len(bad) - CHECK_NAMED} more)" if len(bad) > CHECK_NAMED else ""
        text = f"{head}{more}"
    else:
        text = f"{len(rows)} target(s) healthy"
    return check_line(out, level, text)


def check_line(out: TextIO, level: Severity, text: str) -> Exit:
    """Write the one line (terminal-safe, secrets scrubbed) and return the matching exit code."""
    label = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}[int(level)]
    out.write(printable(scrub(f"{label} - {text}")) + "\n")
    return Exit(int(level))

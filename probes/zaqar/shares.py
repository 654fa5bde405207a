"""Where new queues land: each pool's share of them, by weight, as Zaqar 23 draws them.

A new queue picks one pool at random, weighted, among its candidates (``select.weighted``):
- created **with a flavor** F: the pools whose ``flavor`` is F;
- created **without**: every pool (the sqlalchemy and redis management stores list all pools,
  flavored ones included; a mongodb management store lists only pools without a flavor).
A pool at weight 0 takes none; when every candidate is at 0 creation fails (503, NoPoolFound).
Reweighting never moves an existing queue. Shared by the assessment, the pane and the runbook.
"""

from __future__ import annotations

from typing import Iterable, Mapping

ALL = None
"""The group of queues created without a flavor (every pool)."""


def groups(pools: Mapping[str, str | None]) -> dict[str | None, list[str]]:
    """pool → flavor  ⇒  {None: every pool, flavor: its pools} (pools sorted by name)."""
    out: dict[str | None, list[str]] = {ALL: sorted(pools)}
    for name in sorted(pools):
        flavor = pools[name]
        if flavor:
            out.setdefault(flavor, []).append(name)
    return out


def shares(weights: Mapping[str, int], members: Iterable[str]) -> dict[str, float | None]:
    """Each member's share (0..1) of new queues in its group; None for all when the group sums to 0."""
    names = list(members)
    total = sum(max(0, weights.get(n, 0)) for n in names)
    return {n: (max(0, weights.get(n, 0)) / total if total else None) for n in names}


def percent(share: float | None) -> str:
    if share is None:
        return "-"
    if 0 < share < 0.01:
        return "<1%"
    return f"{share * 100:.0f}%"


def describe(weights: Mapping[str, int], members: Iterable[str]) -> str:
    """``POOL1 40%, POOL2 40%, POOL3 20%`` (``every pool at weight 0`` when none takes any)."""
    names = list(members)
    got = shares(weights, names)
    if all(v is None for v in got.values()):
        return "every pool at weight 0: creation fails" if names else "no pool"
    return ", ".join(f"{n} {percent(got[n])}" for n in names)


def zero_groups(weights: Mapping[str, int], flavors: Mapping[str, str | None]) -> list[str | None]:
    """Groups (None = queues without a flavor, else a flavor) whose every pool is at weight 0."""
    return [g for g, names in groups(flavors).items() if names and sum(max(0, weights.get(n, 0)) for n in names) == 0]


def group_label(group: str | None) -> str:
    return "new queues without a flavor" if group is None else f"new queues of flavor {group}"

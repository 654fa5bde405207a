"""Across tiers: name the cause of a finding when it is another target's state.

A Zaqar pool whose store is a MongoDB replica set is down *because* that set has no primary: the
operator should read "pool POOL1 storage unreachable ← mongodb/catalog: no primary", not two
unrelated alarms. Tiers declare what they rely on (``TierSpec.dependencies``) and what they watch
(``uri_schemes``, ``identity_of_uri``, ``identities``); this module matches the two and rewrites the
dependent's findings. Generic: it never names a tier.

It also says which dependencies no inventory target covers, and builds targets for them when the
watching tier can (``target_from_uri``), so the console and ``status`` can watch those too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

from msgops.probes.findings import Finding, Severity, worst
from msgops.probes.inventory import TableContext
from msgops.probes.registry import tiers
from msgops.probes.secrets import mask_url
from msgops.probes.tier import Dependency, TierSpec

CAUSE_SEVERITIES = (Severity.CRITICAL, Severity.UNKNOWN, Severity.WARNING)


@dataclass(frozen=True)
class Link:
    """One dependency matched (or not) to a watched target."""

    dependent: str
    """Key of the target that relies on it (``zaqar/lab``)."""
    dependency: Dependency
    identity: str | None
    provider: str | None
    """Key of the target watching it, or None when the inventory has none."""


def _spec_for_uri(uri: str) -> TierSpec | None:
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    return next((s for s in tiers().values() if scheme and scheme in s.uri_schemes), None)


def identity_of(uri: str) -> str | None:
    spec = _spec_for_uri(uri)
    if spec is None or spec.identity_of_uri is None:
        return None
    try:
        return spec.identity_of_uri(uri)
    except Exception:  # noqa: BLE001 - a URI the tier cannot read is simply not matched
        return None


def links(targets: Mapping[str, Any], snapshots: Mapping[str, Any]) -> list[Link]:
    """Every dependency of every target with a snapshot, matched to a watching target by identity."""
    served: dict[str, str] = {}
    for key, target in targets.items():
        spec = tiers().get(target.tier)
        if spec is not None and spec.identities is not None:
            for identity in spec.identities(target):
                served.setdefault(identity, key)
    found = []
    for key, target in targets.items():
        spec = tiers().get(target.tier)
        snapshot = snapshots.get(key)
        if spec is None or spec.dependencies is None or snapshot is None:
            continue
        for dependency in spec.dependencies(target, snapshot):
            identity = identity_of(dependency.uri)
            found.append(Link(key, dependency, identity, served.get(identity) if identity else None))
    return found


def explain(findings_by_key: Mapping[str, tuple[Finding, ...]], found: list[Link]) -> dict[str, tuple[Finding, ...]]:
    """Findings with their cross-tier cause appended where a dependency is itself unhealthy."""
    out = dict(findings_by_key)
    for link in found:
        if link.provider is None or link.provider not in findings_by_key:
            continue
        provider = findings_by_key[link.provider]
        level = worst(provider)
        if level not in CAUSE_SEVERITIES:
            continue
        top = sorted((f for f in provider if f.severity is level), key=lambda f: f.code)[0]
        cause = f" ← {link.provider}: {top.subject}: {top.reason}" if top.subject not in link.provider else \
            f" ← {link.provider}: {top.reason}"
        out[link.dependent] = tuple(
            replace(f, reason=f.reason + cause) if f.subject in link.dependency.subjects and "←" not in f.reason
            and f.severity is not Severity.OK else f
            for f in out[link.dependent]
        )
    return out


def derived_targets(found: list[Link], existing: Mapping[str, Any], ctx: TableContext) -> list[tuple[Link, Any]]:
    """(link, target) for dependencies no inventory target watches, where the watching tier can build
    one; one target per identity."""
    made: dict[str, tuple[Link, Any]] = {}
    names = {k.split("/", 1)[1] for k in existing}
    for link in found:
        if link.provider is not None or link.identity is None or link.identity in made:
            continue
        spec = _spec_for_uri(link.dependency.uri)
        if spec is None or spec.target_from_uri is None:
            continue
        name = _name_for(link, names)
        try:
            target = spec.target_from_uri(name, link.dependency.uri, ctx)
        except Exception:  # noqa: BLE001 - a URI that makes no target is left unwatched
            continue
        names.add(name)
        made[link.identity] = (link, target)
    return list(made.values())


def _name_for(link: Link, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", (link.dependency.subjects or ("dep",))[0]).strip("-").lower() or "dep"
    name, i = f"{base}-store", 2
    while name in taken:
        name, i = f"{base}-store-{i}", i + 1
    return name


def describe(link: Link) -> str:
    where = mask_url(link.dependency.uri)
    return f"{link.dependency.what or ', '.join(link.dependency.subjects)} at {where}" + (
        f" (watched as {link.provider})" if link.provider else " (not in the inventory)")

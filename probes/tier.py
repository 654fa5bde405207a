"""What a tier is, as generic code sees it: one declared ``TierSpec`` and a small target protocol.

A tier lives in its own folder in each layer and is registered once (``msgops.probes.registry``):
- ``probes/<tier>/`` (no Textual) declares ``SPEC``: its inventory table parser, probe factory,
  ``assess(snapshot, previous)``, headless report, runbooks (loaded lazily) and demo estate;
- ``console/tiers/<tier>/`` is its UI half (screens, row builders, help section), found by name;
- ``sim/<tier>/``, ``lab/<tier>/`` and ``tests/<tier>/`` (its conformance kit) likewise.
Generic code (poller, estate, app, headless, help, runbook CLI, demo, tests) iterates the registry
and never names a tier.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

from msgops.probes.findings import Finding
from msgops.probes.inventory import TableContext, TableReader


def lazy(ref: str) -> Callable[..., Any]:
    """``"module:attribute"`` as a callable that imports it on first call: a SPEC names its probe,
    assessment and report this way, so the registry loads none of a tier's client libraries."""
    module, _, attribute = ref.partition(":")
    loaded: list[Callable[..., Any]] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not loaded:
            loaded.append(getattr(importlib.import_module(module), attribute))
        return loaded[0](*args, **kwargs)

    call.__qualname__ = call.__name__ = f"lazy({ref})"
    return call


@runtime_checkable
class Target(Protocol):
    """What every tier's target offers generic code (all targets are frozen dataclasses)."""

    name: str
    """The inventory's name for it (``[<tier>.NAME]``)."""
    tier: str
    display_url: str
    """Where it is, with every password masked: safe for screens, logs and JSON."""
    poll_interval: float
    """Seconds between polls."""
    cycle_timeout: float
    """Deadline of one whole poll cycle (seconds): past it the cycle is an UNKNOWN finding."""
    read_only: bool


class Probe(Protocol):
    """One target's collector, as the poller drives it."""

    target: Any

    async def poll(self, *, full: bool = False, light: bool = False) -> Any:
        """One cycle → the tier's snapshot. ``full``: everything now (also slow parts); ``light``: the
        tier's cheaper variant where it has one (one-shot commands)."""

    def pending(self) -> list[str]:
        """What the current cycle still waits for, in words (``GET /api/queues @ http://h:15672``)."""

    def partial(self) -> Any | None:
        """A snapshot of what the current cycle gathered so far (used when it passes its deadline)."""

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class Dependency:
    """Something one target relies on that another tier may watch: a Zaqar pool's store, say.

    ``uri`` is the dependency's address as the dependent knows it (credentials and all: it is used to
    derive a target, and shown only masked); ``subjects`` are the dependent's finding subjects that
    a problem of the dependency explains (``POOL1``)."""

    subjects: tuple[str, ...]
    uri: str = field(repr=False)
    what: str = ""
    """For people: ``pool POOL1's store``."""


@dataclass(frozen=True)
class TierSpec:
    """Everything generic code needs to know of one tier."""

    name: str
    """Inventory table, key prefix (``<tier>/<target>``) and folder name in every layer."""
    title: str
    """For people: ``RabbitMQ``, ``MongoDB``."""
    parse_target: Callable[[str, TableReader, TableContext], Target]
    """``[<tier>.NAME]`` → the tier's target (raise ``InventoryError`` through the reader)."""
    make_probe: Callable[[Any], Probe]
    assess: Callable[[Any, Any | None], tuple[Finding, ...]]
    """(snapshot, previous snapshot or None) → findings; pure, no I/O."""
    report: Callable[[Any, Any | None, float | None], list[str]]
    """(target, snapshot or None, poll seconds) → the headless ``status`` lines above the findings."""
    runbooks: tuple[str, ...] = ()
    """``"module:Class"`` of each runbook, imported only when asked for."""
    demo: str | None = None
    """``"module:function"``: a context manager ``(DemoOptions) -> inventory TOML`` that starts the
    tier's simulated demo targets and stops them on exit (``msgops.sim.demo_options``)."""
    blocking_workers: int = 4
    """Threads of the tier's bounded executor, for client libraries that block (``run_blocking``)."""
    example: str = ""
    """An inventory example for the README and ``--help``."""
    uri_schemes: tuple[str, ...] = ()
    """URI schemes this tier watches (``mongodb``): other tiers' dependencies on such URIs are
    matched to this tier's targets (``msgops.probes.relate``)."""
    identity_of_uri: Callable[[str], str | None] | None = None
    """A URI of one of ``uri_schemes`` → the identity of what it points at (same hosts, same set),
    or None when it cannot tell; equal identities mean the same service. Identities of every tier
    share one namespace: start them with the tier's name (``redis:host:port``)."""
    identities: Callable[[Any], tuple[str, ...]] | None = None
    """A target of this tier → the identities it serves (compared with ``identity_of_uri``)."""
    dependencies: Callable[[Any, Any], tuple[Dependency, ...]] | None = None
    """(target, snapshot) → what it relies on that other tiers may watch."""
    target_from_uri: Callable[[str, str, TableContext], Any] | None = None
    """(name, uri, context) → a target of this tier for a dependency no inventory target covers."""

    def load(self, ref: str) -> Any:
        """Import ``"module:attribute"`` (lazily: a tier's optional dependencies load when used)."""
        module, _, attribute = ref.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def runbook_classes(self) -> list[type]:
        return [self.load(ref) for ref in self.runbooks]

"""What a runbook declares: typed parameters, preflight checks, steps with verification, outcomes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, ClassVar


class RunExit(enum.IntEnum):
    """Exit codes of `msgops runbook run|plan` (also each run's outcome)."""

    OK = 0
    """Done and verified (or, for `plan`, preflight passed and the plan was printed)."""
    STEP_FAILED = 1
    """The first changing step failed: nothing was changed, or its change did not verify."""
    PREFLIGHT_REFUSED = 2
    """A preflight check failed (or read-only mode): nothing was changed."""
    PARTIAL = 3
    """Some steps were done and verified, a later one failed: the target is part-way; see the note."""
    NOT_CONFIRMED = 4
    """A dangerous step was not confirmed (no --yes, or --confirm did not match): nothing was changed."""
    LOCK_HELD = 5
    """Another run holds the target's lock (or a stale lock needs --break-stale-lock)."""
    AUDIT_FAILED = 6
    """The audit log or the state directory (locks, journals) could not be written: stopped before
    changing anything."""
    USAGE = 64
    """Unknown runbook or target, or a bad --param."""
    CONFIG = 78
    """The inventory is missing or invalid."""


class ParamError(ValueError):
    """A parameter is missing or has a bad value; the message names it and what is expected."""


@dataclass(frozen=True)
class Param:
    """One typed runbook parameter (``--param name=value``)."""

    name: str
    help: str
    kind: type = str
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    secret: bool = False

    def parse(self, raw: Any) -> Any:
        if self.kind is bool and isinstance(raw, str):
            low = raw.lower()
            if low not in ("true", "false", "yes", "no", "1", "0"):
                raise ParamError(f"{self.name}={raw!r}: expected true or false")
            value: Any = low in ("true", "yes", "1")
        elif self.kind is int and isinstance(raw, str):
            try:
                value = int(raw)
            except ValueError:
                raise ParamError(f"{self.name}={raw!r}: expected an integer") from None
        else:
            value = raw
        if self.choices and value not in self.choices:
            raise ParamError(f"{self.name}={value!r}: expected one of {', '.join(self.choices)}")
        if self.kind is str and isinstance(value, str) and not value:
            raise ParamError(f"{self.name} is empty")
        return value


@dataclass(frozen=True)
class Check:
    """One preflight result: passes or fails with a reason; ``blocking=False`` is information only.

    ``override`` names a boolean parameter that, set true by the operator, lifts this check (e.g.
    ``force`` for delete's if-empty/if-unused guards); the console offers it, never applies it alone.
    """

    name: str
    ok: bool
    reason: str
    blocking: bool = True
    override: str | None = None


@dataclass
class Step:
    """One action, the verification that waits for its expected state, and what to say if it fails."""

    id: str
    title: str
    act: Callable[[Any], Awaitable[str | None]]
    """Does the change; returns a detail line for the log (or None)."""
    verify: Callable[[Any], Awaitable[tuple[bool, str]]]
    """(done, what was seen); polled until done or ``timeout``."""
    on_failure: str
    """What was done, what state the target is in, what to do next."""
    dangerous: bool = True
    confirm_name: str | None = None
    """The name the operator must type (e.g. the queue's name); None: --yes is enough."""
    timeout: float = 30.0
    warning: str | None = None
    """Shown with the plan, e.g. 'sync blocks the queue until it finishes'."""

    def describe(self) -> dict:
        return {"id": self.id, "title": self.title, "dangerous": self.dangerous,
                "confirm": self.confirm_name, "timeout": self.timeout, "warning": self.warning}


@dataclass(frozen=True)
class ConsoleKey:
    """A key a runbook offers in the console, on the screens of one kind of item.

    The tier's screens of that ``scope`` (e.g. ``"queue"``: a RabbitMQ queue's detail) show it where
    it ``applies`` and build the runbook's parameters from the target and the item with ``params``.
    """

    key: str
    """Textual key name (``p``, ``D``)."""
    label: str
    """Footer label (``Purge``)."""
    scope: str
    params: Callable[[Any, Any], dict[str, Any]]
    """(target, item) → the runbook's parameters."""
    applies: Callable[[Any], tuple[bool, str]] = lambda item: (True, "")
    """item → (offered here, why not): e.g. sync only on a classic mirrored queue."""
    help: str = ""


@dataclass
class RunContext:
    """What steps see: target, validated params, the tier client, and facts gathered in preflight."""

    target: Any
    params: dict[str, Any]
    client: Any
    facts: dict[str, Any] = field(default_factory=dict)


class Runbook:
    """Base of every runbook; subclasses set the class attributes and implement the coroutines."""

    name: ClassVar[str]
    title: ClassVar[str]
    tier: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    keys: ClassVar[tuple[ConsoleKey, ...]] = ()
    """Keys the console offers for this runbook (where they apply)."""
    final_verify_timeout: ClassVar[float] = 30.0
    """Seconds the final verification may take (a Zaqar health call alone can take 45)."""

    def make_client(self, target: Any) -> Any:
        raise NotImplementedError

    async def preflight(self, ctx: RunContext) -> list[Check]:
        raise NotImplementedError

    def plan(self, ctx: RunContext) -> list[Step]:
        raise NotImplementedError

    async def recheck(self, ctx: RunContext, step: Step) -> list[Check]:
        """The blocking checks as they stand now, right before ``step`` changes the target.

        By default the whole preflight again (with ``ctx.facts["recheck"]`` set): the plan was made
        on what was true then; a partition or a lost member since then must stop the step."""
        ctx.facts["recheck"] = True
        try:
            return await self.preflight(ctx)
        finally:
            ctx.facts.pop("recheck", None)

    async def final_verify(self, ctx: RunContext) -> tuple[bool, str]:
        return True, "no final verification"

    def validate(self, raw: dict[str, Any]) -> dict[str, Any]:
        known = {p.name: p for p in self.params}
        for key in raw:
            if key not in known:
                raise ParamError(f"unknown parameter {key!r} (expected: {', '.join(known)})")
        values = {}
        for p in self.params:
            if p.name in raw:
                values[p.name] = p.parse(raw[p.name])
            elif p.required:
                raise ParamError(f"missing --param {p.name}=...: {p.help}")
            else:
                values[p.name] = p.default
        return values

    def masked(self, params: dict[str, Any]) -> dict[str, Any]:
        secret = {p.name for p in self.params if p.secret}
        return {k: ("***" if k in secret and v else v) for k, v in params.items()}

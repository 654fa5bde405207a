"""Zaqar pool reweight: change the weight of one pool, or of several in one plan.

New queues land on a pool drawn by weight (``probes.zaqar.shares``); weight 0 takes none; existing
queues never move. Operators drain a pool (weight 0) before maintenance or bring a new one in.

- **Parameters**: ``pool`` + ``weight`` (an integer ≥ 0), or ``weights="POOL1=0,POOL2=100"`` (each
  pool once) for a plan over several pools.
- **Preflight**: the pools exist; raising a pool requires its storage reachable *now* (a fresh
  ``/v2/health``); a plan that leaves every pool of a flavor, or every pool, at 0 is refused (new
  queues of that group would fail with 503); each group's shares of new queues before → after.
- **Plan**: raises before lowers, so no group passes through all-zero; one PATCH step per pool.
- **Confirmation**: the pool's name, or ``reweight-N-pools`` for a multi-pool plan.
- **Before each step** (the engine's re-check): the pool still exists; a raise re-reads health (the
  store may have died since the plan); a lower re-reads the weights (someone may have lowered the
  others: it must not leave its group at 0 now).
- **Verify**: ``GET /v2/pools/NAME`` shows the new weight; a raised pool's storage still reachable.
  Final: every weight as planned, and health answers (required when the plan raises a pool).
"""

from __future__ import annotations

import re
from typing import Any

from msgops.runbooks.model import Check, ConsoleKey, Param, ParamError, RunContext, Runbook, Step

POOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""Zaqar's pool names (the API puts them in the path unescaped)."""
ASK = "?"
"""A ConsoleKey parameter the console must ask the operator for before starting the run."""


def _drain(target: Any, pool: Any) -> dict[str, Any]:
    return {"target": target.name, "pool": pool.name, "weight": 0}


def _reweight(target: Any, pool: Any) -> dict[str, Any]:
    return {"target": target.name, "pool": pool.name, "weight": ASK}


def _reweight_many(target: Any, pools: Any) -> dict[str, Any]:
    return {"target": target.name, "weights": ASK}


def _drainable(pool: Any) -> tuple[bool, str]:
    return (True, "") if pool.weight > 0 else (False, f"pool {pool.name} is already at weight 0")


def parse_weights(text: str) -> dict[str, int]:
    """``"POOL1=0,POOL2=100"`` → {"POOL1": 0, "POOL2": 100}; ParamError naming what is wrong."""
    out: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, eq, value = (s.strip() for s in part.partition("="))
        if not eq or not name:
            raise ParamError(f"weights: {part!r} is not POOL=WEIGHT")
        check_pool_name(name, "weights")
        if name in out:
            raise ParamError(f"weights: pool {name} is named twice: give each pool once")
        out[name] = check_weight(value, f"weights: {name}")
    if not out:
        raise ParamError("weights is empty: expected POOL=WEIGHT[,POOL=WEIGHT...]")
    return out


def check_pool_name(name: str, what: str = "pool") -> str:
    if not POOL_NAME.match(name):
        raise ParamError(f"{what}: {name!r} is not a pool name (letters, digits, '_' and '-', at most 64)")
    return name


def check_weight(value: Any, what: str = "weight") -> int:
    """An integer ≥ 0 (given as an int, or as its decimal digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        weight = value
    elif isinstance(value, str) and value.strip().isdigit():
        weight = int(value.strip())
    else:
        raise ParamError(f"{what}={value!r}: expected an integer ≥ 0")
    if weight < 0:
        raise ParamError(f"{what}={value!r}: expected an integer ≥ 0")
    return weight


class PoolReweight(Runbook):
    name = "pool-reweight"
    title = "Zaqar pool reweight (drain a pool, bring one into service)"
    tier = "zaqar"
    final_verify_timeout = 90.0  # it reads /v2/health, 12-45 s while a pool is down
    params = (
        Param("target", "the Zaqar target's name in the inventory", required=True),
        Param("pool", "the pool to reweight (with weight)"),
        Param("weight", "its new weight, an integer ≥ 0 (0 drains it: no new queues)"),
        Param("weights", "several pools in one plan: POOL1=0,POOL2=100 (instead of pool and weight)"),
    )
    keys = (
        ConsoleKey("d", "Drain", "pool", _drain, applies=_drainable,
                   help="drain the pool: weight 0, new queues go to the others"),
        ConsoleKey("w", "Reweight", "pool", _reweight, help="set the pool's weight (asks for it)"),
        ConsoleKey("W", "Reweight pools", "pools", _reweight_many,
                   help="set several pools' weights in one plan (asks for POOL=W,...)"),
    )

    def validate(self, raw: dict[str, Any]) -> dict[str, Any]:
        values = super().validate(raw)
        single = values["pool"] is not None or values["weight"] is not None
        if values["weights"] is not None:
            if single:
                raise ParamError("give either pool and weight, or weights=POOL=W,..., not both")
            values["changes"] = parse_weights(str(values["weights"]))
        elif values["pool"] is None or values["weight"] is None:
            raise ParamError("missing --param pool=NAME --param weight=N (or --param weights=POOL1=0,POOL2=100)")
        else:
            values["changes"] = {check_pool_name(str(values["pool"])): check_weight(values["weight"])}
        return values

    def masked(self, params: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in super().masked(params).items() if k != "changes"}

    def make_client(self, target: Any) -> Any:
        from msgops.probes.zaqar.client import ZaqarClient

        return ZaqarClient(target)

    # -- what the plan is ---------------------------------------------------------------------------
    @staticmethod
    def confirm_word(changes: dict[str, int]) -> str:
        return next(iter(changes)) if len(changes) == 1 else f"reweight-{len(changes)}-pools"

    def _ordered(self, ctx: RunContext) -> list[tuple[str, int, int]]:
        """(pool, weight before, weight after), raises first, then lowers (then unchanged)."""
        before = ctx.facts.get("before", {})
        rows = [(p, int(before.get(p, 0)), w) for p, w in ctx.params["changes"].items()]
        return sorted(rows, key=lambda r: (0 if r[2] > r[1] else 1 if r[2] < r[1] else 2))

    async def _pools(self, ctx: RunContext) -> dict[str, Any]:
        from msgops.probes.zaqar.parse import parse_pools

        return {p.name: p for p in parse_pools(await ctx.client.pools())}

    async def _health(self, ctx: RunContext) -> Any:
        from msgops.probes.zaqar.parse import parse_health

        return parse_health(await ctx.client.health(), 0.0)

    # -- preflight ----------------------------------------------------------------------------------
    async def preflight(self, ctx: RunContext) -> list[Check]:
        from msgops.probes.zaqar.client import CallFailed

        changes: dict[str, int] = ctx.params["changes"]
        try:
            pools = await self._pools(ctx)
        except CallFailed as exc:
            return [Check("Zaqar API", False, f"pools not read: {exc.problem.reason}")]
        checks = [Check("Zaqar API", True, f"{len(pools)} pool(s) listed")]
        missing = [p for p in changes if p not in pools]
        if missing:
            return checks + [Check("pools exist", False, f"no pool {', '.join(missing)} (pools: "
                                                         f"{', '.join(sorted(pools)) or 'none'})")]
        checks.append(Check("pools exist", True, ", ".join(f"{p} weight {pools[p].weight}" for p in changes)))
        if not ctx.facts.get("resuming") and not ctx.facts.get("recheck"):
            ctx.facts["before"] = {p: pools[p].weight for p in changes}
        before = {p: int(ctx.facts.get("before", {}).get(p, pools[p].weight)) for p in changes}
        raised = [p for p, w in changes.items() if w > before[p] and pools[p].weight != w]
        checks += await self._raise_checks(ctx, raised)
        checks += self._group_checks(pools, before, changes)
        checks.append(Check("confirmation", True, f"type {self.confirm_word(changes)!r} to confirm", blocking=False))
        return checks

    async def _raise_checks(self, ctx: RunContext, raised: list[str]) -> list[Check]:
        from msgops.probes.zaqar.client import CallFailed

        if not raised:
            return []
        try:
            health = await self._health(ctx)
        except CallFailed as exc:
            return [Check(f"{p} storage reachable", False, f"cannot confirm before raising it: health not read "
                                                           f"({exc.problem.reason})") for p in raised]
        out = []
        for pool in raised:
            ph = health.of(pool)
            ok = bool(ph and ph.storage_reachable)
            why = ("reachable now (GET /v2/health)" if ok else
                   "UNREACHABLE now: raising it sends new queues to a dead store" if ph else
                   "not in /v2/health: its storage cannot be confirmed")
            out.append(Check(f"{pool} storage reachable", ok, why))
        return out

    def _group_checks(self, pools: dict[str, Any], before: dict[str, int], changes: dict[str, int]) -> list[Check]:
        from msgops.probes.zaqar.shares import describe, group_label, groups

        now = {name: p.weight for name, p in pools.items()}
        then = {**now, **before}
        after = {**now, **changes}
        out = []
        for group, members in groups({n: p.flavor for n, p in pools.items()}).items():
            touched = [m for m in members if m in changes]
            label = group_label(group)
            if not touched:
                if members and not sum(now[m] for m in members):
                    out.append(Check(f"{label}", True, "every pool already at weight 0 (not touched by this plan)",
                                     blocking=False))
                continue
            if not sum(max(0, after[m]) for m in members):
                out.append(Check(f"not all at 0: {label}", False, f"this plan leaves every pool at weight 0 "
                                 f"({', '.join(f'{m} {after[m]}' for m in members)}): creating them would fail (503)"))
                continue
            out.append(Check(f"shares of {label}", True, f"{describe(then, members)} → {describe(after, members)}",
                             blocking=False))
        return out

    # -- re-check right before each step ---------------------------------------------------------
    async def recheck(self, ctx: RunContext, step: Step) -> list[Check]:
        from msgops.probes.zaqar.client import CallFailed
        from msgops.probes.zaqar.shares import group_label, groups

        pool, weight = step.id.removeprefix("weight-"), ctx.params["changes"][step.id.removeprefix("weight-")]
        try:
            pools = await self._pools(ctx)
        except CallFailed as exc:
            return [Check("Zaqar API", False, f"pools not read: {exc.problem.reason}")]
        if pool not in pools:
            return [Check("pool exists", False, f"pool {pool} no longer exists")]
        checks = [Check("pool exists", True, f"{pool} weight {pools[pool].weight} now")]
        if weight > pools[pool].weight:
            checks += await self._raise_checks(ctx, [pool])
        else:
            after = {n: p.weight for n, p in pools.items()} | {pool: weight}
            for group, members in groups({n: p.flavor for n, p in pools.items()}).items():
                if pool in members and not sum(max(0, after[m]) for m in members):
                    checks.append(Check(f"not all at 0: {group_label(group)}", False,
                                        f"lowering {pool} to {weight} now leaves every pool at 0 "
                                        f"({', '.join(f'{m} {after[m]}' for m in members)})"))
        return checks

    # -- steps --------------------------------------------------------------------------------------
    def plan(self, ctx: RunContext) -> list[Step]:
        changes = ctx.params["changes"]
        word = self.confirm_word(changes)
        t = ctx.target
        timeout = t.health_timeout + 2 * t.call_timeout + 5
        steps = []
        for pool, before, after in self._ordered(ctx):
            if before == after:
                continue
            verb = "Raise" if after > before else "Lower"
            extra = " (drain: no new queues)" if after == 0 else ""

            async def act(c: RunContext, pool: str = pool, after: int = after) -> str:
                doc = await c.client.set_weight(pool, after, timeout=c.target.call_timeout + c.target.health_timeout)
                shown = doc.get("weight") if isinstance(doc, dict) else "?"
                return f"PATCH {pool} weight={after}: Zaqar answered weight {shown}"

            async def verify(c: RunContext, pool: str = pool, after: int = after, raised: bool = after > before) -> tuple[bool, str]:
                return await self._verify_pool(c, pool, after, raised)

            steps.append(Step(
                id=f"weight-{pool}", title=f"{verb} pool {pool} weight {before} → {after}{extra}", act=act, verify=verify,
                on_failure=(f"The PATCH of {pool} may or may not have been applied: look at the pool in the console "
                            f"(or GET /v2/pools/{pool}), then rerun this runbook with the same parameters (it resumes)."),
                confirm_name=word, timeout=timeout,
                warning=("existing queues stay on this pool; only new queues avoid it" if after == 0 else None)))
        return steps

    async def _verify_pool(self, ctx: RunContext, pool: str, weight: int, raised: bool) -> tuple[bool, str]:
        from msgops.probes.zaqar.client import CallFailed

        doc = await ctx.client.pool(pool)
        if doc is None:
            return False, f"pool {pool} is gone"
        if doc.get("weight") != weight:
            return False, f"GET shows weight {doc.get('weight')}, expected {weight}"
        if not raised:
            return True, f"GET shows weight {weight}"
        try:
            health = await self._health(ctx)
        except CallFailed as exc:
            return False, f"weight {weight}, but health not read: {exc.problem.reason}"
        ph = health.of(pool)
        ok = bool(ph and ph.storage_reachable)
        return ok, f"GET shows weight {weight}; storage {'reachable' if ok else 'NOT reachable'} per health"

    async def final_verify(self, ctx: RunContext) -> tuple[bool, str]:
        from msgops.probes.zaqar.client import CallFailed

        changes: dict[str, int] = ctx.params["changes"]
        pools = await self._pools(ctx)
        wrong = [f"{p} {pools[p].weight if p in pools else 'gone'} (expected {w})" for p, w in changes.items()
                 if p not in pools or pools[p].weight != w]
        if wrong:
            return False, "weights not as planned: " + ", ".join(wrong)
        before = ctx.facts.get("before", {})
        raised = [p for p, w in changes.items() if w > int(before.get(p, w))]
        try:
            health = await self._health(ctx)
        except CallFailed as exc:
            if raised:
                return False, f"weights as planned, but health not read: {exc.problem.reason}"
            return True, f"weights as planned ({_listed(changes)}); health not read ({exc.problem.reason})"
        dead = [p for p in raised if not (health.of(p) and health.of(p).storage_reachable)]
        if dead:
            return False, f"weights as planned, but raised pool(s) {', '.join(dead)} unreachable per health"
        return True, f"weights as planned ({_listed(changes)}); health answers"


def _listed(changes: dict[str, int]) -> str:
    return ", ".join(f"{p} {w}" for p, w in changes.items())

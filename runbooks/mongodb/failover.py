"""MongoDB failover: step the primary down (``replSetStepDown``), optionally keeping one secondary
from being elected (``replSetFreeze``), and verify that a new primary took over.

Preflight reads the set through the probe's own client and assessment: exactly one primary, a
healthy voting majority, an electable secondary (health 1, priority > 0, votes > 0, not hidden,
not delayed, not an arbiter, SECONDARY) within the catch-up window. A one-member set (or a set with
no electable secondary) is refused unless ``force=true``; the set's name is typed either way. The
engine runs the preflight again right before each step: if the primary changed, the majority was
lost or no secondary is electable any more, the step is refused and nothing is changed.
"""

from __future__ import annotations

from typing import Any

from msgops.probes.mongodb.fmt import clock, span, stamp
from msgops.runbooks.model import Check, ConsoleKey, Param, RunContext, Runbook, Step

DEFAULT_ELECTION_TIMEOUT = 10.0
"""electionTimeoutMillis when the config does not say (the server's default)."""


def _set_params(target: Any, snapshot: Any) -> dict[str, Any]:
    return {"target": target.name}


def _member_params(target: Any, member: Any) -> dict[str, Any]:
    return {"target": target.name, "freeze": member.host}


def _one_primary(snapshot: Any) -> tuple[bool, str]:
    if snapshot is None or snapshot.mode != "replset":
        return False, "not a replica set (or not read yet)"
    if len(snapshot.claims) != 1:
        return False, "no primary to step down" if not snapshot.claims else "two members claim PRIMARY: heal the split first"
    return True, ""


def _secondary(member: Any) -> tuple[bool, str]:
    return (True, "") if member.state_str == "SECONDARY" else (False, f"it is {member.state_str}: only a secondary can be frozen")


class Failover(Runbook):
    name = "failover"
    title = "MongoDB failover: step the primary down (replSetStepDown)"
    tier = "mongodb"
    params = (
        Param("target", "the MongoDB target's name in the inventory", required=True),
        Param("step_down_secs", "seconds the old primary may not be re-elected (stepDownSecs)", kind=int, default=60),
        Param("catch_up_secs", "seconds a secondary may take to catch up before the primary steps down "
              "(secondaryCatchUpPeriodSecs)", kind=int, default=10),
        Param("freeze", "host:port of a secondary that must not become primary (replSetFreeze for step_down_secs)"),
        Param("force", "step down even with no electable secondary (a one-member set): the set may have no "
              "primary for a while; the set's name is still typed", kind=bool, default=False),
    )
    keys = (
        ConsoleKey("S", "Step down", "replset", _set_params, applies=_one_primary,
                   help="fail over: step the primary down (replSetStepDown)"),
        ConsoleKey("S", "Step down, not to it", "member", _member_params, applies=_secondary,
                   help="fail over, this secondary frozen so it is not elected"),
    )

    def make_client(self, target: Any) -> Any:
        from msgops.probes.mongodb.client import MongoClients

        return MongoClients(target)

    async def _snapshot(self, ctx: RunContext) -> Any:
        from msgops.probes.mongodb.collect import MongoProbe

        return await MongoProbe(ctx.target, client=ctx.client).poll(full=True)

    async def preflight(self, ctx: RunContext) -> list[Check]:
        from msgops.probes.mongodb.assess import majority_of, successor

        p, facts = ctx.params, ctx.facts
        recheck, resuming = facts.get("recheck", False), facts.get("resuming", False)
        freeze = p["freeze"].lower() if p["freeze"] else None
        if p["step_down_secs"] <= 0 or p["catch_up_secs"] < 0 or p["step_down_secs"] < p["catch_up_secs"]:
            return [Check("timing", False, f"step_down_secs ({p['step_down_secs']}) must be > 0 and ≥ catch_up_secs "
                                           f"({p['catch_up_secs']}) ≥ 0, as the server requires")]
        snap = await self._snapshot(ctx)
        if snap.error:
            return [Check("replica set reachable", False, snap.error)]
        if snap.mode != "replset":
            return [Check("replica set", False, f"{snap.mode}: there is no primary to step down")]
        checks = [Check("replica set", True, f"{snap.set_name}, {len(snap.members)} members, MongoDB {snap.version or '?'}")]
        if len(snap.claims) != 1:
            why = "no member is PRIMARY: nothing to step down" if not snap.claims else \
                "two members claim PRIMARY (" + ", ".join(f"{c.host} term {c.term}" for c in snap.claims) + \
                "): a split; heal it first"
            return checks + [Check("one primary", False, why)]
        e = snap.election
        if not recheck and not resuming:
            facts.update(set_name=snap.set_name, primary=snap.primary, term=snap.term,
                         election_date=e.date if e else None,
                         election_timeout=snap.election_timeout or DEFAULT_ELECTION_TIMEOUT)
        if recheck and snap.primary != facts.get("primary"):
            return checks + [Check("primary unchanged", False, f"the primary was {facts.get('primary')} "
                                   f"(term {facts.get('term')}) at the plan, now {snap.primary} (term {snap.term})")]
        checks.append(Check("one primary", True, f"{snap.primary} (term {snap.term}, elected {stamp(e.date if e else None)})"))
        voters = [m for m in snap.members if (m.votes if m.votes is not None else 1) > 0]
        healthy, need = sum(m.healthy for m in voters), majority_of(snap)
        checks.append(Check("voting majority healthy", healthy >= need,
                            f"{healthy} of {len(voters)} voting members healthy, a majority is {need}"))
        checks += self._freeze_check(snap, freeze)
        best = successor(snap, p["catch_up_secs"], exclude=freeze)
        checks.append(self._electable_check(snap, best, p, freeze))
        if not recheck and not resuming:
            facts["successor"] = best.host if best else None
        timeout = facts.get("election_timeout", DEFAULT_ELECTION_TIMEOUT)
        checks.append(Check("writes pause", True, f"from the step-down until a new primary is elected: usually 1-2 s, "
                            f"at most ~{span(p['catch_up_secs'] + timeout)} (catch-up {p['catch_up_secs']}s + election "
                            f"timeout {timeout:g}s)", blocking=False))
        return checks

    def _freeze_check(self, snap: Any, host: str | None) -> list[Check]:
        if not host:
            return []
        member = snap.member(host)
        if member is None:
            return [Check("member to freeze", False, f"{host} is not a member of {snap.set_name} "
                          f"({', '.join(m.host for m in snap.members)})")]
        ok, why = _secondary(member)
        return [Check("member to freeze", ok, f"{host}: SECONDARY, frozen so it is not elected" if ok else f"{host}: {why}")]

    def _electable_check(self, snap: Any, best: Any, p: dict, freeze: str | None) -> Check:
        from msgops.probes.mongodb.assess import electable

        name = "electable secondary"
        others = [m for m in snap.members if m.host != snap.primary]
        if best is not None:
            return Check(name, True, f"{best.host} most likely becomes primary ({electable(snap, best, p['catch_up_secs'])[1]})")
        if not others:
            why = ("a one-member set: no secondary can take over; after stepping down it has no primary until it "
                   f"steps up again after {p['step_down_secs']}s")
        else:
            why = "none within the catch-up window: " + "; ".join(
                f"{m.host} {'frozen (freeze=)' if m.host == freeze else electable(snap, m, p['catch_up_secs'])[1]}"
                for m in others)
        if p["force"]:
            return Check(name, True, f"{why} — force=true given: the set may have no primary for a while")
        return Check(name, False, f"{why}; force=true steps down anyway (the set's name is still typed)", override="force")

    def plan(self, ctx: RunContext) -> list[Step]:
        p, facts = ctx.params, ctx.facts
        set_name, primary = facts.get("set_name") or ctx.target.set_name, facts.get("primary")
        timeout = float(facts.get("election_timeout", DEFAULT_ELECTION_TIMEOUT))
        deadline = p["catch_up_secs"] + 2 * timeout + 10
        steps: list[Step] = []
        freeze = p["freeze"].lower() if p["freeze"] else None
        if freeze:
            async def act_freeze(c: RunContext) -> str:
                await c.client.command(freeze, {"replSetFreeze": p["step_down_secs"]}, what="replSetFreeze")
                c.facts["frozen"] = freeze
                return f"{freeze} frozen for {p['step_down_secs']}s"

            async def verify_freeze(c: RunContext) -> tuple[bool, str]:
                done = c.facts.get("frozen") == freeze
                return done, f"{freeze} frozen" if done else f"{freeze} not frozen by this run yet"

            steps.append(Step("freeze", f"Freeze {freeze} for {p['step_down_secs']}s (replSetFreeze) so it is not "
                              "elected", act_freeze, verify_freeze, confirm_name=set_name, timeout=2 * ctx.target.call_timeout,
                              on_failure=f"{freeze} may not be frozen: nothing else was changed; the primary still "
                                         f"is {primary}. Rerun the runbook, or run it without freeze."))
        successor = facts.get("successor") or "(none electable: forced)"

        async def act(c: RunContext) -> str:
            outcome = await c.client.step_down(primary, p["step_down_secs"], p["catch_up_secs"], p["force"])
            return f"{primary}: {outcome}"

        forced = ", forced" if p["force"] else ""
        steps.append(Step(
            "step-down", f"Step down primary {primary} of {set_name} (stepDownSecs {p['step_down_secs']}, catch-up "
            f"{p['catch_up_secs']}s{forced}); most likely successor {successor}; verified within {span(deadline)}",
            act, self._verify_new_primary, confirm_name=set_name, timeout=deadline,
            warning=f"writes pause until a new primary is elected (usually 1-2 s, at most ~{span(p['catch_up_secs'] + timeout)}); "
                    f"{primary} cannot be re-elected for {p['step_down_secs']}s; clients reconnect to the new primary",
            on_failure=f"If {primary} refused (code 262), nothing changed: it is still primary; wait until a "
                       "secondary has caught up (a member that stepped down less than its stepDownSecs ago cannot "
                       f"be elected, and replSetGetStatus does not show it). If it stepped down but no new primary "
                       f"was seen within {span(deadline)}: look at the set in the console (it elects on its own "
                       f"once a secondary is caught up; {primary} stays SECONDARY for {p['step_down_secs']}s) and "
                       "do not run this again until the set has a primary."))
        return steps

    async def _verify_new_primary(self, ctx: RunContext) -> tuple[bool, str]:
        snap = await self._snapshot(ctx)
        old, old_term, old_date = ctx.facts.get("primary"), ctx.facts.get("term"), ctx.facts.get("election_date")
        if len(snap.claims) != 1:
            what = "no primary yet" if not snap.claims else "two members claim PRIMARY"
            return False, f"{what} (was {old}, term {old_term})"
        e = snap.election
        date = e.date if e else None
        # Forced with no electable secondary (a one-member set), the old primary itself may be the one
        # elected again once stepDownSecs pass: then a higher term and a new electionDate are the proof.
        new_primary = snap.primary != old or ctx.facts.get("successor") is None
        higher = snap.term is not None and old_term is not None and snap.term > old_term
        new_date = date is not None and date != old_date
        seen = (f"primary {snap.primary} term {snap.term} elected {clock(date)}"
                f"{', reason ' + e.reason if e and e.reason else ''} (was {old}, term {old_term})")
        return new_primary and higher and new_date, seen

    async def final_verify(self, ctx: RunContext) -> tuple[bool, str]:
        """The new primary as the set reports it, and as its clients (pymongo through the URI) select it."""
        ok, seen = await self._verify_new_primary(ctx)
        if not ok:
            return ok, seen
        snap = await self._snapshot(ctx)
        old = snap.member(ctx.facts.get("primary") or "")
        where = f"; {old.host} is {old.state_str}" if old else ""
        selected = await ctx.client.clients_primary()
        if selected != snap.primary:
            return False, f"{seen}{where}; clients of the set select {selected or 'no primary'} yet"
        return True, f"{seen}{where}; clients of the set select {selected}"

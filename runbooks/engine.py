"""The one runbook executor, shared by the TUI and headless mode.

run: audit "start" → read-only? → lock → journal (resume?) → preflight → plan → confirm →
steps (re-check the blocking preflight now → pause polling → act → verify with deadline → resume
polling → journal) → final verify → audit "end" → unlock. ``plan`` stops after the plan and changes
nothing. Every event goes to ``on_event`` as a dict (headless prints them as JSON lines; the TUI
turns them into messages).

Runbooks act on what is true now: the plan was made on what was true when it was shown, and a
confirmation can take minutes, so every blocking check is run again immediately before each step
that changes the target; if one fails now the step is refused ("changed since the plan: …") and
nothing more is changed. Every audit "start" gets an "end", whatever happens in between.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from msgops.probes.secrets import scrub
from msgops.runbooks.audit import AuditError, AuditLog, new_run_id
from msgops.runbooks.journal import Journal
from msgops.runbooks.lock import LockHeld, TargetLock
from msgops.runbooks.model import Check, ParamError, RunContext, Runbook, RunExit, Step

STEP_PAUSE_ENV = "MSGOPS_RUNBOOK_STEP_PAUSE"
"""Seconds to wait after each journaled step (a slow-motion aid for training, and for kill tests)."""
INTERRUPTED_EXIT = 130
"""Exit code of a run cancelled before it ended (128 + SIGINT, the shell's convention)."""


class Confirmer(Protocol):
    async def confirm(self, steps: list[Step], ctx: RunContext) -> tuple[bool, str]: ...


class Pauser(Protocol):
    def pause(self, target_key: str, reason: str) -> None: ...

    def resume(self, target_key: str, reason: str) -> None: ...


class NoPause:
    def pause(self, target_key: str, reason: str) -> None:
        pass

    def resume(self, target_key: str, reason: str) -> None:
        pass


@dataclass
class HeadlessConfirmer:
    """``--yes`` allows dangerous steps; each typed confirmation needs a matching ``--confirm NAME``."""

    yes: bool = False
    names: tuple[str, ...] = ()

    async def confirm(self, steps: list[Step], ctx: RunContext) -> tuple[bool, str]:
        if any(s.dangerous for s in steps) and not self.yes:
            return False, "this run changes the target: pass --yes (after reading the plan)"
        for step in steps:
            if step.confirm_name is not None and step.confirm_name not in self.names:
                given = f" (got {', '.join(map(repr, self.names))})" if self.names else ""
                return False, f"step '{step.title}' needs the typed confirmation --confirm {step.confirm_name!r}{given}"
        return True, "confirmed"


@dataclass
class RunResult:
    exit: RunExit
    run_id: str | None
    message: str
    steps_done: list[str] = field(default_factory=list)


class Refused(Exception):
    """A step was refused before acting (a blocking check fails now); nothing of it was done."""

    def __init__(self, message: str, failed: list[Check]) -> None:
        super().__init__(message)
        self.failed = failed


def target_key(target: Any) -> str:
    return f"{target.tier}/{target.name}"


def failed_checks(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.blocking and not c.ok]


def checks_json(checks: list[Check]) -> list[dict]:
    return [{"check": c.name, "reason": c.reason} for c in checks]


class Executor:
    """Runs runbooks against targets; state (locks, journals, audit) lives under ``state_dir``."""

    def __init__(self, state_dir: Path, *, read_only: bool = False, pauser: Pauser | None = None,
                 on_event: Callable[[dict], None] | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.read_only = read_only
        self.pauser = pauser or NoPause()
        self.on_event = on_event or (lambda event: None)
        self.audit = AuditLog(self.state_dir / "audit.jsonl")
        self._ended: dict[str, RunResult] = {}
        self.interrupted_exit = INTERRUPTED_EXIT
        """The exit code an interrupted run reports (the headless CLI sets 128 + the signal's number)."""

    def emit(self, event: str, **fields: Any) -> None:
        self.on_event({"event": event, **fields})

    async def plan(self, runbook: Runbook, target: Any, raw: dict[str, Any]) -> RunResult:
        """Dry run: preflight and the plan, nothing changed, nothing locked."""
        try:
            params = runbook.validate(raw)
        except ParamError as exc:
            return self._end(None, RunExit.USAGE, str(exc))
        ctx = RunContext(target, params, runbook.make_client(target))
        try:
            if failed_checks(await self._preflight(runbook, ctx)):
                return self._end(None, RunExit.PREFLIGHT_REFUSED, "preflight refused: nothing to do until it passes")
            self._emit_plan(runbook.plan(ctx), {})
            return self._end(None, RunExit.OK, "plan only (dry run): nothing was changed")
        finally:
            await _close(ctx.client)

    async def run(self, runbook: Runbook, target: Any, raw: dict[str, Any], confirmer: Confirmer, *,
                  break_stale_lock: bool = False, discard_journal: bool = False) -> RunResult:
        try:
            params = runbook.validate(raw)
        except ParamError as exc:
            return self._end(None, RunExit.USAGE, str(exc))
        run_id, key = new_run_id(), target_key(target)
        shown = runbook.masked(params)
        try:
            self.audit.record(run_id, "start", runbook=runbook.name, target=key,
                              target_url=getattr(target, "display_url", ""), params=shown)
        except AuditError as exc:
            return self._end(run_id, RunExit.AUDIT_FAILED, f"{exc}; stopped before changing anything")
        try:
            return await self._started(runbook, target, params, run_id, key, shown, confirmer,
                                       break_stale_lock, discard_journal)
        except asyncio.CancelledError:  # SIGINT/SIGTERM headless, the console quitting: end the record
            if run_id in self._ended:  # it had ended; only the cleanup after it was cut short
                return self._ended[run_id]
            self._interrupted(run_id)
            raise
        except AuditError as exc:  # the log broke mid-run: say so; an "end" cannot be written
            return self._end(run_id, RunExit.AUDIT_FAILED, f"{exc}; stopped")
        except OSError as exc:  # locks or journals under state_dir cannot be written
            return self._finish(run_id, RunExit.AUDIT_FAILED,
                                f"state directory {self.state_dir} is not usable: {exc.strerror or exc}; "
                                "stopped before changing anything more")
        except Exception as exc:  # noqa: BLE001 - a runbook bug still ends its audit record
            return self._finish(run_id, RunExit.STEP_FAILED, f"internal error: {type(exc).__name__}: "
                                f"{scrub(str(exc))[:300]}; look at the target before anything else")

    async def _started(self, runbook: Runbook, target: Any, params: dict, run_id: str, key: str, shown: dict,
                       confirmer: Confirmer, break_stale_lock: bool, discard_journal: bool) -> RunResult:
        if self.read_only or getattr(target, "read_only", False):
            return self._finish(run_id, RunExit.PREFLIGHT_REFUSED, "read-only mode: execution refused (plan still works)")
        lock = TargetLock.for_target(self.state_dir, key, runbook.name)
        try:
            broken = lock.acquire(break_stale=break_stale_lock)
        except LockHeld as exc:
            self.emit("lock", holder=exc.holder, stale=exc.stale)
            return self._finish(run_id, RunExit.LOCK_HELD, str(exc), holder=exc.holder)
        try:
            if broken:
                self._audit(run_id, "stale_lock_broken", holder=broken)
            ctx = RunContext(target, params, runbook.make_client(target))
            try:
                return await self._locked(runbook, ctx, run_id, key, shown, confirmer, discard_journal)
            finally:
                await _close(ctx.client)
        finally:
            lock.release()

    async def _locked(self, runbook: Runbook, ctx: RunContext, run_id: str, key: str, shown: dict,
                      confirmer: Confirmer, discard_journal: bool) -> RunResult:
        journal = Journal(self.state_dir, key)
        previous = journal.load()
        if previous and discard_journal:
            self._audit(run_id, "journal_discarded", journal=previous)
            journal.clear()
            previous = None
        status: dict[str, str] = {}
        if previous:
            if "corrupt" in previous:
                return self._finish(run_id, RunExit.PREFLIGHT_REFUSED,
                                    f"the journal of an earlier run on {key} is unreadable ({previous['corrupt']}): "
                                    "check the target, then rerun with --discard-journal")
            if previous.get("runbook") != runbook.name or previous.get("params") != shown:
                return self._finish(run_id, RunExit.PREFLIGHT_REFUSED,
                                    f"an unfinished run {previous.get('run_id')} of {previous.get('runbook')} "
                                    f"{previous.get('params')} is journaled for {key}: rerun it with the same "
                                    f"parameters to resume, or pass --discard-journal after checking the target")
            status = dict(previous.get("steps", {}))
            ctx.facts = dict(previous.get("facts", {}))
            ctx.facts["resuming"] = True
            self.emit("resume", previous_run=previous.get("run_id"), steps=status)
            self._audit(run_id, "resume", previous_run=previous.get("run_id"), steps=status)
        failed = failed_checks(await self._preflight(runbook, ctx))
        if failed:
            return self._finish(run_id, RunExit.PREFLIGHT_REFUSED, "preflight refused: nothing was changed",
                                failed_checks=checks_json(failed))
        steps = runbook.plan(ctx)
        self._emit_plan(steps, status)
        pending = [s for s in steps if status.get(s.id) != "done"]
        ok, why = await confirmer.confirm(pending, ctx)
        if not ok:
            return self._finish(run_id, RunExit.NOT_CONFIRMED, f"not confirmed: {why}; nothing was changed")
        self._audit(run_id, "confirmed", steps=[s.id for s in pending])
        doc = {"run_id": run_id, "runbook": runbook.name, "target": key, "params": shown,
               "facts": {k: v for k, v in ctx.facts.items() if k != "resuming"}, "steps": status}
        journal.save(doc)
        done: list[str] = [s.id for s in steps if status.get(s.id) == "done"]
        for step in steps:
            if status.get(step.id) == "done":
                seen_ok, seen = await step.verify(ctx)
                self.emit("step", id=step.id, status="already-done", verified=seen_ok, detail=seen)
                continue
            try:
                result = await self._step(run_id, runbook, step, ctx, key,
                                          interrupted=status.get(step.id) == "started", journal=journal, doc=doc)
            except Refused as exc:
                if not done:
                    journal.clear()
                code = RunExit.PARTIAL if done else RunExit.PREFLIGHT_REFUSED
                tail = "" if done else "; nothing was changed"
                return self._finish(run_id, code, f"{exc}{tail}", steps_done=done,
                                    failed_checks=checks_json(exc.failed))
            if result is not None:
                code = RunExit.PARTIAL if done else RunExit.STEP_FAILED
                journal.clear()
                return self._finish(run_id, code, result, steps_done=done)
            done.append(step.id)
            pause = float(os.environ.get(STEP_PAUSE_ENV, "0") or 0)
            if pause:
                await asyncio.sleep(pause)
        ok, seen = await _wait(runbook.final_verify, ctx, runbook.final_verify_timeout)
        self.emit("final_verify", ok=ok, detail=seen)
        journal.clear()
        if not ok:
            return self._finish(run_id, RunExit.PARTIAL, f"final verification failed: {seen}", steps_done=done)
        return self._finish(run_id, RunExit.OK, f"done and verified: {seen}", steps_done=done)

    async def _step(self, run_id: str, runbook: Runbook, step: Step, ctx: RunContext, key: str, *,
                    interrupted: bool, journal: Journal, doc: dict) -> str | None:
        """Run one step; None when done and verified, else the operator's failure note.

        Raises Refused (before touching anything) when a blocking check fails right now."""
        started = time.monotonic()
        if interrupted:  # the last process died inside this step: look before acting again
            already, seen = await step.verify(ctx)
            if already:
                self._step_done(run_id, step, journal, doc, started, f"found done after interruption: {seen}")
                return None
        if step.dangerous:
            await self._recheck(run_id, runbook, step, ctx)
        doc["steps"][step.id] = "started"
        journal.save(doc)
        self.emit("step", id=step.id, status="started", title=step.title)
        self.pauser.pause(key, f"runbook {run_id}")
        self.emit("polling", target=key, paused=True)
        try:
            try:
                detail = await asyncio.wait_for(step.act(ctx), step.timeout)
            except Exception as exc:  # noqa: BLE001 - any failure of the action is reported, not raised
                return self._step_failed(run_id, step, started, f"action failed: {_describe(exc)}")
            ok, seen = await _wait(step.verify, ctx, step.timeout)
        finally:
            self.pauser.resume(key, f"runbook {run_id}")
            self.emit("polling", target=key, paused=False)
        if not ok:
            return self._step_failed(run_id, step, started, f"not verified within {step.timeout:g}s: {seen}")
        self._step_done(run_id, step, journal, doc, started, detail or seen)
        return None

    async def _recheck(self, run_id: str, runbook: Runbook, step: Step, ctx: RunContext) -> None:
        """The blocking checks again, now; Refused if any fails (audited, emitted, nothing done)."""
        try:
            checks = await runbook.recheck(ctx, step)
        except Exception as exc:  # noqa: BLE001 - a check that cannot run now is a failed check
            checks = [Check("re-check", False, f"could not run: {_describe(exc)}")]
        failed = failed_checks(checks)
        self.emit("recheck", step=step.id, ok=not failed, checks=checks_json(failed) if failed else
                  [{"check": c.name, "reason": c.reason} for c in checks if c.blocking])
        if not failed:
            return
        why = "; ".join(f"{c.name}: {c.reason}" for c in failed)
        self._audit(run_id, "step", step=step.id, outcome="refused", detail=f"changed since the plan: {why}",
                    failed_checks=checks_json(failed))
        self.emit("step", id=step.id, status="refused", detail=f"changed since the plan: {why}")
        raise Refused(f"step '{step.title}' refused, changed since the plan: {why}", failed)

    def _step_done(self, run_id: str, step: Step, journal: Journal, doc: dict, started: float, detail: str) -> None:
        doc["steps"][step.id] = "done"
        journal.save(doc)
        seconds = round(time.monotonic() - started, 3)
        self._audit(run_id, "step", step=step.id, outcome="done", seconds=seconds, detail=detail)
        self.emit("step", id=step.id, status="done", seconds=seconds, detail=detail)

    def _step_failed(self, run_id: str, step: Step, started: float, why: str) -> str:
        seconds = round(time.monotonic() - started, 3)
        self._audit(run_id, "step", step=step.id, outcome="failed", seconds=seconds, detail=why)
        self.emit("step", id=step.id, status="failed", seconds=seconds, detail=why, next=step.on_failure)
        return f"step '{step.title}' failed: {why}. {step.on_failure}"

    async def _preflight(self, runbook: Runbook, ctx: RunContext) -> list[Check]:
        try:
            checks = await runbook.preflight(ctx)
        except Exception as exc:  # noqa: BLE001 - a preflight that cannot run is a failed check
            checks = [Check("preflight", False, f"could not run: {_describe(exc)}")]
        for check in checks:
            self.emit("preflight", check=check.name, ok=check.ok, blocking=check.blocking, reason=check.reason,
                      **({"override": check.override} if check.override else {}))
        return checks

    def _emit_plan(self, steps: list[Step], status: dict[str, str]) -> None:
        self.emit("plan", steps=[{**s.describe(), "status": status.get(s.id, "pending")} for s in steps])

    def _audit(self, run_id: str, event: str, **fields: Any) -> None:
        self.audit.record(run_id, event, **fields)

    def _interrupted(self, run_id: str) -> None:
        """The run was cancelled (a signal, the console quitting): its audit record still gets its
        end; the lock is released on the way out and the journal kept, so the next run resumes."""
        message = ("interrupted before the run ended; a step it began is journaled: check the target, then "
                   "rerun the same command (it resumes) or pass --discard-journal")
        try:
            self._audit(run_id, "end", outcome="interrupted", exit_code=self.interrupted_exit, message=message)
        except AuditError:
            pass  # nothing more can be done for the log; the result still says what happened
        self.emit("result", outcome="interrupted", exit_code=self.interrupted_exit, message=message,
                  audit_id=run_id)

    def _finish(self, run_id: str, code: RunExit, message: str, **fields: Any) -> RunResult:
        self._audit(run_id, "end", outcome=code.name.lower(), exit_code=int(code), message=message, **fields)
        self._ended[run_id] = result = self._end(run_id, code, message, fields.get("steps_done", []))
        return result

    def _end(self, run_id: str | None, code: RunExit, message: str, done: list[str] | None = None) -> RunResult:
        self.emit("result", outcome=code.name.lower(), exit_code=int(code), message=message, audit_id=run_id)
        return RunResult(code, run_id, message, done or [])


async def _close(client: Any) -> None:
    close = getattr(client, "aclose", None)
    if close is not None:
        try:
            await asyncio.wait_for(close(), 5.0)
        except Exception:  # noqa: BLE001 - closing never hides the run's result
            pass


async def _wait(verify: Callable[[RunContext], Any], ctx: RunContext, timeout: float) -> tuple[bool, str]:
    """Poll ``verify`` until it says done or the deadline passes (management data lags ~1-5 s)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            ok, seen = await asyncio.wait_for(verify(ctx), max(0.1, deadline - time.monotonic()))
        except Exception as exc:  # noqa: BLE001
            ok, seen = False, f"verification error: {_describe(exc)}"
        if ok or time.monotonic() >= deadline:
            return ok, seen
        await asyncio.sleep(0.5)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    return scrub(str(exc)) or type(exc).__name__

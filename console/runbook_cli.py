"""`msgops runbook list|plan|run`: the runbook engine headless. Imports no Textual; never reads stdin.

stdout: with --json one JSON object per event (preflight, plan, step, result); without it, a
readable report. stderr: diagnostics. Exit codes: msgops.runbooks.model.RunExit.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from typing import Any, TextIO

from msgops.console.config import Inventory
from msgops.probes.secrets import scrub
from msgops.probes.text import printable
from msgops.runbooks.engine import Executor, HeadlessConfirmer
from msgops.runbooks.model import RunExit
from msgops.runbooks.registry import runbooks


def list_runbooks(out: TextIO = sys.stdout) -> int:
    """Every runbook of every tier and its parameters (no inventory needed)."""
    for name, cls in runbooks().items():
        out.write(f"{name:<14} {cls.title} [{cls.tier}]\n")
        for p in cls.params:
            need = "required" if p.required else f"default {p.default!r}"
            choices = f" [{'|'.join(p.choices)}]" if p.choices else ""
            out.write(f"    --param {p.name}=...{choices}  {p.help} ({need})\n")
    return RunExit.OK


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``name=value`` pairs; each name at most once (a repeated one is a usage error, never "last wins")."""
    params: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise ValueError(f"--param {printable(pair)!r}: expected name=value")
        if key in params:
            raise ValueError(f"--param {printable(key)} given twice: give each parameter once")
        params[key] = value
    return params


def _say(err: TextIO, text: str) -> int:
    err.write(printable(scrub(f"msgops: {text}")) + "\n")
    return RunExit.USAGE


def run_command(inventory: Inventory, args: Any, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    if args.runbook_command == "list":
        return list_runbooks(out)
    known = runbooks()
    cls = known.get(args.name)
    if cls is None:
        return _say(err, f"no runbook {args.name!r} (known: {', '.join(known)})")
    try:
        params = parse_params(args.param or [])
    except ValueError as exc:
        return _say(err, str(exc))
    targets = {t.name: t for t in inventory.of_tier(cls.tier)}
    target = targets.get(params.get("target", ""))
    if target is None:
        return _say(err, f"--param target=NAME must name a {cls.tier} target of {inventory.path} "
                         f"(known: {', '.join(targets) or 'none'})")
    printer = _JsonPrinter(out) if args.json else _HumanPrinter(out, err)
    executor = Executor(inventory.settings.state_dir, read_only=inventory.settings.read_only or args.read_only,
                        on_event=printer)
    runbook = cls()
    if args.runbook_command == "plan":
        result = asyncio.run(executor.plan(runbook, target, params))
        return int(result.exit)
    confirmer = HeadlessConfirmer(yes=args.yes, names=tuple(args.confirm or ()))
    received: list[int] = []
    result = asyncio.run(_until_signalled(executor, received, executor.run(
        runbook, target, params, confirmer, break_stale_lock=args.break_stale_lock,
        discard_journal=args.discard_journal)))
    return int(result.exit) if result is not None else 128 + received[0]


async def _until_signalled(executor: Executor, received: list[int], run: Any) -> Any:
    """Await ``run``; SIGINT or SIGTERM cancels it, so the executor ends its audit record, releases
    the lock and keeps the journal (a default SIGTERM would kill the process with the record open and
    the lock held). Returns None when a signal stopped the run before it ended (its number is in
    ``received``)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def stop(signum: int) -> None:
        if not received:
            received.append(signum)
            executor.interrupted_exit = 128 + signum
            task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop, signum)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals
            pass
    try:
        return await run
    except asyncio.CancelledError:
        if not received:
            raise
        return None


class _JsonPrinter:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: dict) -> None:
        self.out.write(scrub(json.dumps(event, default=str)) + "\n")
        self.out.flush()


class _HumanPrinter:
    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err

    def __call__(self, event: dict) -> None:
        kind = event["event"]
        if kind == "preflight":
            mark = "ok  " if event["ok"] else ("FAIL" if event["blocking"] else "info")
            self._say(f"preflight {mark} {event['check']}: {event['reason']}")
        elif kind == "plan":
            self._say("plan:")
            for i, step in enumerate(event["steps"], 1):
                flag = " [dangerous: type " + repr(step["confirm"]) + "]" if step["confirm"] else ""
                done = " (done)" if step["status"] == "done" else ""
                self._say(f"  {i}. {step['title']}{flag}{done}")
                if step.get("warning"):
                    self._say(f"     note: {step['warning']}")
        elif kind == "resume":
            self._say(f"resuming run {event['previous_run']}: steps {event['steps']}")
        elif kind == "step":
            detail = f": {event['detail']}" if event.get("detail") else ""
            self._say(f"step {event['id']} {event['status']}{detail}")
            if event.get("next"):
                self._say(f"  next: {event['next']}")
        elif kind == "final_verify":
            self._say(f"verify {'ok' if event['ok'] else 'FAILED'}: {event['detail']}")
        elif kind == "result":
            audit = f" (audit id {event['audit_id']})" if event.get("audit_id") else ""
            stream = self.out if event["exit_code"] == 0 else self.err
            stream.write(printable(scrub(f"{event['outcome']}: {event['message']}{audit}")) + "\n")
        elif kind == "recheck" and not event["ok"]:
            self._say("re-check before acting FAILED: " + "; ".join(f"{c['check']}: {c['reason']}"
                                                                     for c in event["checks"]))
        elif kind == "lock":
            h = event["holder"]
            self._say(f"lock {'STALE' if event['stale'] else 'held'}: {h.get('user', '?')} pid {h.get('pid', '?')} "
                      f"on {h.get('host', '?')} ({h.get('runbook', '?')})")

    def _say(self, line: str) -> None:
        self.out.write(printable(scrub(line)) + "\n")
        self.out.flush()

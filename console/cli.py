"""The `msgops` command. Headless commands never import Textual; the TUI is imported only to run it.

Inventory precedence: --inventory PATH > $MSGOPS_INVENTORY > $XDG_CONFIG_HOME/msgops/inventory.toml.
Usage errors exit 64 with one line on stderr, except for `check`, which follows the Nagios plugin
guidelines in every case: one line on stdout, UNKNOWN (3) for any failure of its own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from msgops.console.config import InventoryError, default_inventory_path, load_inventory
from msgops.console.exitcodes import Exit
from msgops.probes.secrets import scrub
from msgops.probes.text import printable

EPILOG = """\
inventory: --inventory PATH, else $MSGOPS_INVENTORY, else $XDG_CONFIG_HOME/msgops/inventory.toml
exit codes: 0 ok; check: 1 warning, 2 critical, 3 unknown (Nagios; any failure of check itself is 3);
  64 usage; 78 bad inventory; 70 internal error
runbook run/plan: 0 ok, 1 step failed, 2 preflight refused (or read-only), 3 partially done,
  4 not confirmed, 5 lock held, 6 audit log not writable, 64 usage, 78 bad inventory,
  130/143 run interrupted by SIGINT/SIGTERM (audit record ended, lock released, journal kept)
"""


class UsageError(Exception):
    """A bad command line; the message is one line for the user."""


class Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of printing and exiting 2 (2 means CRITICAL to Nagios)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see: {self.prog} --help)")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status:
            raise UsageError((message or "bad command line").strip())
        raise SystemExit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="msgops", description="Operations console for OpenStack messaging tiers.",
                    epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inventory", metavar="PATH", help="inventory TOML (see precedence below)")
    parser.add_argument("--read-only", action="store_true", help="refuse every runbook execution")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    sub.add_parser("console", help="open the console (the default)")
    demo = sub.add_parser("demo", help="open the console on a simulated estate (no root, no network)")
    demo.add_argument("--queues", type=int, default=0, help="extra simulated queues (e.g. 10000)")
    demo.add_argument("--incident-after", type=float, default=15.0, help="seconds before the scripted incidents")
    demo.add_argument("--steady", action="store_true", help="no scripted incidents (a quiet estate)")
    status = sub.add_parser("status", help="print every target's snapshot and findings once")
    status.add_argument("--json", action="store_true", help="one JSON document on stdout")
    status.add_argument("--stats", action="store_true",
                        help="list queues with statistics (message and consumer counts): ~9x slower at 10k queues")
    sub.add_parser("check", help="one summary line; exit 0/1/2/3 (Nagios convention)")
    runbook = sub.add_parser("runbook", help="guided operations: list | plan NAME | run NAME")
    rb = runbook.add_subparsers(dest="runbook_command", required=True, parser_class=Parser)
    rb.add_parser("list", help="every runbook and its parameters (needs no inventory)")
    for verb, text in (("plan", "preflight and print the plan; change nothing"), ("run", "execute (headless)")):
        cmd = rb.add_parser(verb, help=text)
        cmd.add_argument("name", help="runbook name (see `msgops runbook list`)")
        cmd.add_argument("--param", action="append", metavar="K=V", help="a runbook parameter (each name once)")
        cmd.add_argument("--json", action="store_true", help="JSON lines on stdout, one per event")
        if verb == "run":
            cmd.add_argument("--yes", action="store_true", help="allow the steps that change the target")
            cmd.add_argument("--confirm", action="append", metavar="NAME", help="typed confirmation (the target's name)")
            cmd.add_argument("--break-stale-lock", action="store_true", help="remove a lock whose process is gone")
            cmd.add_argument("--discard-journal", action="store_true", help="forget an unfinished run instead of resuming")
    lab = sub.add_parser("lab", help="real labs (root): msgops lab TIER up|down|status|...")
    lab.add_argument("lab_args", nargs=argparse.REMAINDER)
    return parser


def _command_of(argv: list[str]) -> str | None:
    """The subcommand named on a command line that failed to parse (for check's own error rule)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--inventory":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        if _command_of(argv) == "check":
            print(printable(f"UNKNOWN - msgops check: {exc}"))
            return Exit.UNKNOWN
        print(printable(scrub(f"msgops: {exc}")), file=sys.stderr)
        return Exit.USAGE
    command = args.command or "console"
    try:
        return _dispatch(command, args)
    except Exception as exc:  # noqa: BLE001 - no input may produce a traceback
        text = printable(scrub(f"internal error: {type(exc).__name__}: {exc}"))
        if command == "check":
            print(f"UNKNOWN - msgops check: {text}")
            return Exit.UNKNOWN
        print(f"msgops: {text}", file=sys.stderr)
        return Exit.SOFTWARE


def _dispatch(command: str, args: argparse.Namespace) -> int:
    if command == "lab":
        from msgops.lab.cli import main as lab_main

        return lab_main(args.lab_args)
    if command == "demo":
        from msgops.console.demo import run_demo

        return run_demo(queues=args.queues, incident_after=args.incident_after, steady=args.steady,
                        read_only=args.read_only)
    if command == "runbook" and args.runbook_command == "list":
        from msgops.console.runbook_cli import list_runbooks

        return list_runbooks()
    path = Path(args.inventory) if args.inventory else default_inventory_path()
    try:
        inventory = load_inventory(path)
    except InventoryError as exc:
        if command == "check":
            print(printable(scrub(f"UNKNOWN - msgops check: bad inventory: {exc}")))
            return Exit.UNKNOWN
        print(printable(scrub(f"msgops: {exc}")), file=sys.stderr)
        return Exit.CONFIG
    if args.read_only:
        from msgops.console.config import with_read_only

        inventory = with_read_only(inventory)
    if command == "status":
        from msgops.console.headless import status

        return status(inventory, args.json, stats=args.stats)
    if command == "check":
        from msgops.console.headless import check

        return check(inventory)
    if command == "runbook":
        from msgops.console.runbook_cli import run_command

        return run_command(inventory, args)
    from msgops.console.app import run_console

    return run_console(inventory)


def entry() -> int:
    """Console-script entry: a closed pipe (``msgops status --json | head``) is not an error."""
    try:
        return main()
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return Exit.OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(entry())

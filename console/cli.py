"""The `msgops` command. Headless commands never import Textual; the TUI is imported only to run it.

Inventory precedence: --inventory PATH > $MSGOPS_INVENTORY > $XDG_CONFIG_HOME/msgops/inventory.toml.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from msgops.console.config import InventoryError, default_inventory_path, load_inventory
from msgops.console.exitcodes import Exit

EPILOG = """\
inventory: --inventory PATH, else $MSGOPS_INVENTORY, else $XDG_CONFIG_HOME/msgops/inventory.toml
exit codes: 0 ok; check: 1 warning, 2 critical, 3 unknown (Nagios); 64 usage; 78 bad inventory
runbook run/plan: 0 ok, 1 step failed, 2 preflight refused (or read-only), 3 partially done,
  4 not confirmed, 5 lock held, 6 audit log not writable, 64 usage, 78 bad inventory
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msgops", description="Operations console for OpenStack messaging tiers.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--inventory", metavar="PATH", help="inventory TOML (see precedence below)")
    parser.add_argument("--read-only", action="store_true", help="refuse every runbook execution")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("console", help="open the console (the default)")
    demo = sub.add_parser("demo", help="open the console on a simulated estate (no root, no network)")
    demo.add_argument("--queues", type=int, default=0, help="extra simulated queues (e.g. 10000)")
    demo.add_argument("--incident-after", type=float, default=15.0, help="seconds before the scripted partition")
    status = sub.add_parser("status", help="print every target's snapshot and findings once")
    status.add_argument("--json", action="store_true", help="one JSON document on stdout")
    status.add_argument("--stats", action="store_true",
                        help="list queues with statistics (message and consumer counts): ~9x slower at 10k queues")
    sub.add_parser("check", help="one summary line; exit 0/1/2/3 (Nagios convention)")
    runbook = sub.add_parser("runbook", help="guided operations: list | plan NAME | run NAME")
    rb = runbook.add_subparsers(dest="runbook_command", required=True)
    rb.add_parser("list", help="every runbook and its parameters")
    for verb, text in (("plan", "preflight and print the plan; change nothing"), ("run", "execute (headless)")):
        cmd = rb.add_parser(verb, help=text)
        cmd.add_argument("name", help="runbook name (see `msgops runbook list`)")
        cmd.add_argument("--param", action="append", metavar="K=V", help="a runbook parameter (repeat)")
        cmd.add_argument("--json", action="store_true", help="JSON lines on stdout, one per event")
        if verb == "run":
            cmd.add_argument("--yes", action="store_true", help="allow the steps that change the target")
            cmd.add_argument("--confirm", action="append", metavar="NAME", help="typed confirmation (the target's name)")
            cmd.add_argument("--break-stale-lock", action="store_true", help="remove a lock whose process is gone")
            cmd.add_argument("--discard-journal", action="store_true", help="forget an unfinished run instead of resuming")
    lab = sub.add_parser("lab", help="the real RabbitMQ lab cluster (root): up|down|status|cut N|heal N")
    lab.add_argument("lab_args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "console"
    if command == "lab":
        from msgops.lab.__main__ import main as lab_main

        return lab_main(args.lab_args)
    if command == "demo":
        from msgops.console.demo import run_demo

        return run_demo(queues=args.queues, incident_after=args.incident_after, read_only=args.read_only)
    path = Path(args.inventory) if args.inventory else default_inventory_path()
    try:
        inventory = load_inventory(path)
    except InventoryError as exc:
        print(f"msgops: {exc}", file=sys.stderr)
        return Exit.UNKNOWN if command == "check" else Exit.CONFIG
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

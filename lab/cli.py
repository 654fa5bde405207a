"""Dispatch ``msgops lab TIER ARGS`` to the tier's own lab CLI (``msgops.lab.<tier>.__main__:main``).

Which tiers have a lab is found on disk (a ``lab/<tier>/__main__.py``), so adding a tier's lab
touches only its folder.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def labs() -> list[str]:
    """Tier names that have a lab folder with a CLI."""
    here = Path(__file__).resolve().parent
    return sorted(p.parent.name for p in here.glob("*/__main__.py"))


def main(argv: list[str]) -> int:
    known = labs()
    if not argv or argv[0] not in known:
        given = f"{argv[0]!r} is not a lab; " if argv and not argv[0].startswith("-") else ""
        print(f"msgops lab: {given}usage: msgops lab {{{'|'.join(known)}}} ARGS (e.g. msgops lab {known[0]} up)",
              file=sys.stderr)
        return 64
    module = importlib.import_module(f"msgops.lab.{argv[0]}.__main__")
    return module.main(argv[1:])

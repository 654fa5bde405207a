"""``python -m msgops.sim TIER ARGS``: run one tier's simulator in the foreground (see its --help)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    known = sorted(p.parent.name for p in here.glob("*/__main__.py"))
    if not argv or argv[0] not in known:
        print(f"usage: python -m msgops.sim {{{'|'.join(known)}}} ARGS", file=sys.stderr)
        return 64
    module = importlib.import_module(f"msgops.sim.{argv[0]}.__main__")
    return module.run(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
